"""A member's review settings written as ``key=value`` words (``tz=Europe/Berlin reminders=on at=07:30
optin=on``), as the console ``/me`` and the Slack ``/quiz me`` take them, and the same values from Discord's typed
options; and the names of the files a notebook and an export are sent as, on every platform."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.config import parse_time_of_day
from bot.core.commands import MeSet
from bot.core.errors import UserError
from bot.core.models import ChannelKey
from bot.core.quiz import Notebook
from bot.core.review.settings import MAX_STREAK_FREEZES, SettingsChange

# The option names, with the spellings each surface accepts.
_ME_KEYS = {
    "tz": "tz",
    "timezone": "tz",
    "reminders": "reminders",
    "reminder": "reminders",
    "at": "at",
    "time": "at",
    "optin": "optin",
    "opt-in": "optin",
    "freezes": "freezes",
}
_ON = {"on", "yes", "true", "1"}
_OFF = {"off", "no", "false", "0"}


def parse_me(args: list[str]) -> MeSet:
    """Parse ``key=value`` words; raises ``UserError`` naming the first bad one."""
    values: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or key.lower() not in _ME_KEYS or not value:
            raise UserError("me.bad-option", option=arg)
        values[key.lower()] = value
    return MeSet(settings_change(values))


def settings_change(options: Mapping[str, str | None]) -> SettingsChange:
    """The change the options ask for (``None`` or absent: keep), every value checked first (``UserError``)."""
    values = {_ME_KEYS[key]: value.strip() for key, value in options.items() if value is not None}
    at = values.get("at")
    freezes = values.get("freezes")
    if freezes is not None and not freezes.isdigit():
        raise UserError("review.error.bad-freezes", max=MAX_STREAK_FREEZES)
    try:
        reminder_time = None if at is None else parse_time_of_day(at)
    except ValueError:
        raise UserError("error.bad-time", value=at) from None
    return SettingsChange(
        timezone=values.get("tz") or None,
        reminders=switch(values.get("reminders")),
        reminder_time=reminder_time,
        opted_in=switch(values.get("optin")),
        streak_freezes=None if freezes is None else int(freezes),
    )


def switch(value: str | None) -> bool | None:
    """``on``/``off`` (also yes/no, true/false, 1/0); ``None`` keeps the setting."""
    if value is None:
        return None
    word = value.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise UserError("me.bad-switch", value=value)


def _stem(name: str) -> str:
    """A name made safe for a file name: letters (any script), digits, ``-`` and ``_``."""
    cleaned = re.sub(r"[^\w-]+", "-", name.strip(), flags=re.UNICODE).strip("-_")
    return cleaned[:40] or "member"


def notebook_files(name: str, notebook: Notebook) -> list[tuple[str, bytes]]:
    """The notebook as (file name, bytes): its Markdown parts, then the Anki deck of missed questions."""
    stem = _stem(name)
    parts = notebook.parts
    files = [
        (f"quizbot-notebook-{stem}{'' if len(parts) == 1 else f'-{number}'}.md", part.encode("utf-8"))
        for number, part in enumerate(parts, 1)
    ]
    files.append((f"quizbot-missed-{stem}.apkg", notebook.anki.data))
    return files


def export_file_name(channel: ChannelKey) -> str:
    return f"quizbot-results-{_stem(channel.channel_id)}.csv"
