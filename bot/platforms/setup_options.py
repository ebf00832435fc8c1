"""Channel settings written as ``key=value`` words (``time=09:00 tz=Asia/Seoul days=mon-fri delay=8h``), as the
Slack ``/quiz setup`` command and the console ``/setup`` take them, and the same values from Discord's typed
options. Values go through ``bot.config``'s parsers, so every surface accepts what the config file accepts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from bot.config import parse_duration, parse_time_of_day, parse_weekdays
from bot.core.commands import Setup
from bot.core.errors import UserError
from bot.core.quiz import ScheduleChange

T = TypeVar("T")

# The option names, with the short and long spellings each surface accepts.
_SETUP_KEYS = {
    "time": "time",
    "tz": "tz",
    "timezone": "tz",
    "days": "days",
    "weekdays": "days",
    "delay": "delay",
    "reveal_delay": "delay",
    "ondemand": "ondemand",
    "ondemand_delay": "ondemand",
    "decks": "decks",
}


def parse_setup(args: list[str]) -> Setup:
    """Parse ``key=value`` words; raises ``UserError`` naming the first bad one."""
    values: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or key.lower() not in _SETUP_KEYS or not value:
            raise UserError("slack.error.bad-option", option=arg)
        values[key.lower()] = value
    return Setup(schedule_change(values))


def schedule_change(options: Mapping[str, str | None]) -> ScheduleChange:
    """The change the given options ask for (``None`` or absent: keep). Every value is checked before any is
    used, so a bad one changes nothing; raises ``UserError`` for the first bad one."""
    values = {_SETUP_KEYS[key]: value for key, value in options.items() if value is not None}
    decks = values.get("decks")
    return ScheduleChange(
        post_time=_parsed(values, "time", parse_time_of_day, "error.bad-time"),
        timezone=values["tz"].strip() if values.get("tz") else None,
        weekdays=_parsed(values, "days", parse_weekdays, "error.bad-weekdays"),
        daily_reveal_delay=_parsed(values, "delay", parse_duration, "error.bad-delay"),
        on_demand_reveal_delay=_parsed(values, "ondemand", parse_duration, "error.bad-delay"),
        decks=None if decks is None else tuple(d.strip() for d in decks.split(",") if d.strip()),
    )


def _parsed(values: dict[str, str], key: str, parse: Callable[[object], T], error: str) -> T | None:
    if key not in values:
        return None
    try:
        return parse(values[key])
    except (ValueError, OverflowError):
        raise UserError(error, value=values[key]) from None
