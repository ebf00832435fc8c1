"""The ``/quiz`` slash command's text, parsed into the core's typed commands."""

from __future__ import annotations

from bot.core.commands import (
    Ask,
    Command,
    Pause,
    Resume,
    RevealNow,
    ShowCategories,
    ShowHelp,
    ShowLeaderboard,
    ShowStats,
    Skip,
)
from bot.core.errors import UserError
from bot.core.models import Period
from bot.platforms.setup_options import parse_setup
from bot.platforms.slack.mrkdwn import plain_text

_SIMPLE: dict[str, Command] = {
    "stats": ShowStats(),
    "categories": ShowCategories(),
    "help": ShowHelp(),
    "pause": Pause(),
    "resume": Resume(),
    "reveal": RevealNow(),
    "skip": Skip(),
}


def parse_command(slack_text: str) -> Command:
    """Parse what follows ``/quiz``; raises ``UserError``. An empty command is a request for help."""
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
        raise UserError("slack.error.bad-arguments", command=name)
    raise UserError("slack.error.unknown-command", command=name)


def _period(word: str) -> Period:
    try:
        return Period(word.lower())
    except ValueError:
        raise UserError("slack.error.bad-period", period=word) from None
