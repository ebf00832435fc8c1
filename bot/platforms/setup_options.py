"""Channel settings written as ``key=value`` words (``time=09:00 tz=Asia/Seoul days=mon-fri delay=8h``), as the
Slack ``/quiz setup`` command and the console ``/setup`` take them. Values go through ``bot.config``'s parsers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.config import parse_duration, parse_time_of_day, parse_weekdays

T = TypeVar("T")


class CommandError(Exception):
    """The command text is wrong; ``key`` is the catalogue message explaining how, ``values`` fill it in."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Setup:
    """``setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h``; options left out keep their current value."""

    post_time: dt.time | None = None
    timezone: str | None = None
    weekdays: frozenset[int] | None = None
    daily_reveal_delay: dt.timedelta | None = None
    on_demand_reveal_delay: dt.timedelta | None = None
    decks: tuple[str, ...] | None = None


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


def parse_setup(args: list[str]) -> Setup:
    """Parse ``key=value`` words; raises ``CommandError`` naming the first bad one."""
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
