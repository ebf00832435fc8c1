"""The quizbot command line: running the bot, managing decks and the database, syncing commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import db, decks, grading, run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="quizbot: a daily deep-learning interview drill for study groups.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run.register(commands)
    decks.register(commands)
    db.register(commands)
    grading.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    exit_code: int = args.func(args)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
