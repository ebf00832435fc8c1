"""The ``/quiz`` slash command's text, parsed into the core's typed commands."""

from __future__ import annotations

import functools

from bot.core.boards import BoardView
from bot.core.commands import (
    Ask,
    Command,
    Export,
    Me,
    MeForget,
    Notebook,
    Pause,
    Resume,
    RevealNow,
    Review,
    ShowCategories,
    ShowHelp,
    ShowLeaderboard,
    ShowSettings,
    ShowStats,
    Skip,
)
from bot.core.errors import UserError
from bot.core.models import Period
from bot.messages import text
from bot.platforms.review_options import parse_me
from bot.platforms.setup_options import parse_setup
from bot.platforms.slack.mrkdwn import plain_text

_SIMPLE: dict[str, Command] = {
    "stats": ShowStats(),
    "categories": ShowCategories(),
    "help": ShowHelp(),
    "settings": ShowSettings(),
    "pause": Pause(),
    "resume": Resume(),
    "reveal": RevealNow(),
    "skip": Skip(),
    "review": Review(),
    "export": Export(),
}
# Filled in by the slash handler: the notebook's language and the size of its files.
NOTEBOOK = Notebook(functools.partial(text, language="en"), "en", 0)


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
    if name == "leaderboard" and len(args) <= 2:
        return _leaderboard(args)
    if name == "setup":
        return parse_setup(args)
    if name == "notebook" and not args:
        return NOTEBOOK
    if name == "me":
        return _me(args)
    if name in _SIMPLE or name in ("ask", "leaderboard", "notebook"):
        raise UserError("slack.error.bad-arguments", command=name)
    raise UserError("slack.error.unknown-command", command=name)


def _me(args: list[str]) -> Command:
    """``me``, ``me forget``, ``me forget confirm`` or ``me key=value ...``."""
    if not args:
        return Me()
    if args[0].lower() == "forget":
        if len(args) == 1:
            return MeForget()
        if [word.lower() for word in args[1:]] == ["confirm"]:
            return MeForget(confirm=True)
        raise UserError("slack.error.bad-arguments", command="me forget")
    return parse_me(args)


def _leaderboard(args: list[str]) -> ShowLeaderboard:
    """``leaderboard [week|month|all] [around|accuracy]``, in either order."""
    period, view = Period.WEEK, BoardView.TOP
    for word in args:
        if word.lower() in (BoardView.AROUND, BoardView.ACCURACY):
            view = BoardView(word.lower())
        else:
            period = _period(word)
    return ShowLeaderboard(period, view)


def _period(word: str) -> Period:
    try:
        return Period(word.lower())
    except ValueError:
        raise UserError("slack.error.bad-period", period=word) from None
