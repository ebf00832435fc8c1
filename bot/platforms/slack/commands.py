"""The ``/quiz`` slash command's text, parsed into typed commands. Values go through ``bot.config``'s parsers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.config import parse_duration, parse_time_of_day, parse_weekdays
from bot.core.models import Period
from bot.platforms.slack.mrkdwn import plain_text

T = TypeVar("T")


@dataclass(frozen=True)
class Ask:
    category: str | None = None


@dataclass(frozen=True)
class ShowLeaderboard:
    period: Period = Period.WEEK


@dataclass(frozen=True)
class ShowStats:
    pass


@dataclass(frozen=True)
class ShowCategories:
    pass


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class Setup:
    """``setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h``; options left out keep their current value."""

    post_time: dt.time | None = None
    timezone: str | None = None
    weekdays: frozenset[int] | None = None
    daily_reveal_delay: dt.timedelta | None = None
    on_demand_reveal_delay: dt.timedelta | None = None
    decks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class RevealNow:
    pass


@dataclass(frozen=True)
class Skip:
    pass


Command = Ask | ShowLeaderboard | ShowStats | ShowCategories | ShowHelp | Setup | Pause | Resume | RevealNow | Skip


class CommandError(Exception):
    """The command text is wrong; ``key`` is the catalogue message explaining how, ``values`` fill it in."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


_SIMPLE: dict[str, Command] = {
    "stats": ShowStats(),
    "categories": ShowCategories(),
    "help": ShowHelp(),
    "pause": Pause(),
    "resume": Resume(),
    "reveal": RevealNow(),
    "skip": Skip(),
}
_SETUP_KEYS = {
    "time": "time",
    "tz": "tz",
    "timezone": "tz",
    "days": "days",
    "weekdays": "days",
    "delay": "delay",
    "ondemand": "ondemand",
    "decks": "decks",
}


def is_admin_command(command: Command) -> bool:
    return isinstance(command, Setup | Pause | Resume | RevealNow | Skip)


def parse_command(slack_text: str) -> Command:
    """Parse what follows ``/quiz``; raises ``CommandError``. An empty command is a request for help."""
    words = plain_text(slack_text).split()
    if not words:
        return ShowHelp()
    name, args = words[0].lower(), words[1:]
    if name in _SIMPLE and not args:
        return _SIMPLE[name]
    if name == "ask" and len(args) <= 1:
        return Ask(args[0].lower() if args else None)
    if name == "leaderboard" and len(args) <= 1:
        return ShowLeaderboard(_period(args[0]) if args else Period.WEEK)
    if name == "setup":
        return _setup(args)
    if name in _SIMPLE or name in ("ask", "leaderboard"):
        raise CommandError("slack.error.bad-arguments", command=name)
    raise CommandError("slack.error.unknown-command", command=name)


def _period(word: str) -> Period:
    try:
        return Period(word.lower())
    except ValueError:
        raise CommandError("slack.error.bad-period", period=word) from None


def _setup(args: list[str]) -> Setup:
    values: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        canonical = _SETUP_KEYS.get(key.lower())
        if not sep or canonical is None or not value:
            raise CommandError("slack.error.bad-option", option=arg)
        values[canonical] = value
    return Setup(
        post_time=_parsed(values, "time", parse_time_of_day, "error.bad-time"),
        timezone=values.get("tz"),
        weekdays=_parsed(values, "days", parse_weekdays, "error.bad-weekdays"),
        daily_reveal_delay=_parsed(values, "delay", parse_duration, "error.bad-delay"),
        on_demand_reveal_delay=_parsed(values, "ondemand", parse_duration, "error.bad-delay"),
        decks=tuple(d for d in values["decks"].split(",") if d) if "decks" in values else None,
    )


def _parsed(values: dict[str, str], key: str, parse: Callable[[object], T], error: str) -> T | None:
    if key not in values:
        return None
    try:
        return parse(values[key])
    except ValueError:
        raise CommandError(error, value=values[key]) from None
