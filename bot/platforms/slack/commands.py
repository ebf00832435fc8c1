"""The ``/quiz`` slash command's text, parsed into typed commands. Values go through ``bot.config``'s parsers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from bot.core.models import Period
from bot.platforms.setup_options import CommandError, Setup, parse_setup
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


_SIMPLE: dict[str, Command] = {
    "stats": ShowStats(),
    "categories": ShowCategories(),
    "help": ShowHelp(),
    "pause": Pause(),
    "resume": Resume(),
    "reveal": RevealNow(),
    "skip": Skip(),
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
        return parse_setup(args)
    if name in _SIMPLE or name in ("ask", "leaderboard"):
        raise CommandError("slack.error.bad-arguments", command=name)
    raise CommandError("slack.error.unknown-command", command=name)


def _period(word: str) -> Period:
    try:
        return Period(word.lower())
    except ValueError:
        raise CommandError("slack.error.bad-period", period=word) from None
