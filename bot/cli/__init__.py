"""The quizbot command line: running the bot, managing decks and the database, syncing commands."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from bot.cli import db, decks, grading, run
from bot.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="quizbot: a daily deep-learning interview drill for study groups.",
        epilog="exit codes: 0 done; 1 a check failed (health, db check); 2 something to fix (usage, configuration, "
        "decks, unknown id, missing database or token)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run.register(commands)
    decks.register(commands)
    db.register(commands)
    grading.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _dispatch(argv)
    except BrokenPipeError:
        # The reader went away (``python -m bot config | head -1``): what it read was all it wanted.
        _silence_stdout()
        return run.EXIT_OK


def _dispatch(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        exit_code: int = args.func(args)
    except ConfigError as exc:
        # Commands that read the settings their own way (e.g. the default deck paths) end here.
        run.print_config_error(exc)
        return run.EXIT_USER
    finally:
        # Flushed here, not at exit, so that a closed pipe is noticed while it can still be handled; this covers
        # ``--help`` too, which leaves through SystemExit.
        sys.stdout.flush()
    return exit_code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit does not raise BrokenPipeError again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
