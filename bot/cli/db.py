"""``db backup PATH``, ``db check`` and ``db migrate``: database maintenance while the bot may be running."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path

from bot.cli.run import EXIT_FAILED, EXIT_OK, EXIT_USER, settings_or_exit
from bot.storage.sqlite.database import Database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser("db", help="back up, check or migrate the SQLite database ($QUIZBOT_DB)")
    commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    backup = commands.add_parser("backup", help="write a consistent copy of the live database to PATH")
    backup.add_argument("path", type=Path, metavar="PATH")
    backup.set_defaults(func=backup_command)
    check = commands.add_parser("check", help="run SQLite's integrity and foreign-key checks")
    check.set_defaults(func=check_command)
    migrate = commands.add_parser("migrate", help="apply pending schema migrations and print the version")
    migrate.set_defaults(func=migrate_command)


async def _with_database(path: Path, action: str, target: Path | None = None) -> int:
    database = Database(path)
    await database.open()
    try:
        if action == "backup":
            assert target is not None
            await database.backup(target)
            print(f"backed up {path} to {target}")
            return EXIT_OK
        if action == "check":
            problems = await database.integrity_check()
            for problem in problems:
                print(problem, file=sys.stderr)
            print("ok" if not problems else f"{len(problems)} problems")
            # Corruption found by a check that ran: the one failure here that is not a mistake to correct.
            return EXIT_OK if not problems else EXIT_FAILED
        print(f"schema version {await database.schema_version()}")
        return EXIT_OK
    finally:
        await database.close()


def _run(args: argparse.Namespace, action: str, target: Path | None = None) -> int:
    settings = settings_or_exit()
    if settings is None:
        return EXIT_USER
    if action != "migrate" and not settings.database.exists():
        print(f"no database at {settings.database} (from {settings.database_origin})", file=sys.stderr)
        return EXIT_USER
    try:
        return asyncio.run(_with_database(settings.database, action, target))
    except FileExistsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USER
    except (sqlite3.Error, OSError) as exc:
        # Unreadable, read-only, a directory, or not a database at all: the path is what the user needs.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"cannot open the database {settings.database}: {reason}", file=sys.stderr)
        return EXIT_FAILED if action == "check" and _corrupt(exc) else EXIT_USER


def _corrupt(exc: BaseException) -> bool:
    """SQLite found the file damaged ("file is not a database", "malformed"), not merely out of reach."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def backup_command(args: argparse.Namespace) -> int:
    return _run(args, "backup", args.path)


def check_command(args: argparse.Namespace) -> int:
    return _run(args, "check")


def migrate_command(args: argparse.Namespace) -> int:
    return _run(args, "migrate")
