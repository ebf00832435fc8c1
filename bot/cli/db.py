"""``db backup PATH``, ``db check``, ``db migrate`` and ``db copy --to URL``: database maintenance while the bot
may be running, on SQLite or PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path

from bot.cli.run import EXIT_FAILED, EXIT_OK, EXIT_USER, settings_or_exit
from bot.storage.backends import StoreUnavailable, open_postgres
from bot.storage.sqlite.database import Database
from bot.storage.urls import PostgresUrl


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser(
        "db", help="back up, check or migrate the database ($QUIZBOT_DB), or copy SQLite into PostgreSQL"
    )
    commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    backup = commands.add_parser("backup", help="write a consistent copy of the live database to PATH")
    backup.add_argument("path", type=Path, metavar="PATH")
    backup.set_defaults(func=backup_command)
    check = commands.add_parser(
        "check", help="run SQLite's integrity and foreign-key checks (PostgreSQL: connection and schema)"
    )
    check.set_defaults(func=check_command)
    migrate = commands.add_parser("migrate", help="apply pending schema migrations and print the version")
    migrate.set_defaults(func=migrate_command)
    copy = commands.add_parser(
        "copy",
        help="copy the SQLite database, ids and all, into an empty PostgreSQL database in one transaction",
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the target, postgresql://user:password@host/db")
    copy.add_argument(
        "--from", dest="source", type=Path, metavar="PATH", help="the SQLite file (default: $QUIZBOT_DB/database:)"
    )
    copy.add_argument(
        "--without-reviews",
        action="store_true",
        help="copy the group drill only: leave the members' review cards, review history, review settings and "
        "reminder records behind",
    )
    copy.set_defaults(func=copy_command)


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
    database = settings.database
    if isinstance(database, PostgresUrl):
        return _run_postgres(database, action)
    if action != "migrate" and not database.exists():
        print(f"no database at {database} (from {settings.database_origin})", file=sys.stderr)
        return EXIT_USER
    try:
        return asyncio.run(_with_database(database, action, target))
    except FileExistsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USER
    except (sqlite3.Error, OSError) as exc:
        # Unreadable, read-only, a directory, or not a database at all: the path is what the user needs.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"cannot open the database {settings.database}: {reason}", file=sys.stderr)
        return EXIT_FAILED if action == "check" and _corrupt(exc) else EXIT_USER


def _run_postgres(database: PostgresUrl, action: str) -> int:
    if action == "backup":
        print(
            "db backup copies a SQLite file; for PostgreSQL use the server's own tools, e.g. "
            f"pg_dump --format=custom --file=PATH '{database.masked()}' (with the real password)",
            file=sys.stderr,
        )
        return EXIT_USER
    try:
        return asyncio.run(_with_postgres(database, action))
    except StoreUnavailable as exc:
        print(exc, file=sys.stderr)
        return EXIT_USER


async def _with_postgres(database: PostgresUrl, action: str) -> int:
    store = await open_postgres(database)  # connects and applies pending migrations
    try:
        if action == "check":
            problems = await store.db.check()
            for problem in problems:
                print(problem, file=sys.stderr)
            version = await store.db.server_version()
            print(
                f"ok: PostgreSQL {version}, schema version {await store.db.schema_version()}"
                if not problems
                else f"{len(problems)} problems"
            )
            return EXIT_OK if not problems else EXIT_FAILED
        print(f"schema version {await store.db.schema_version()}")
        return EXIT_OK
    finally:
        await store.close()


def copy_command(args: argparse.Namespace) -> int:
    import asyncpg

    from bot.storage.postgres.copy import CopyError, CopyMismatch, copy_sqlite_to_postgres

    try:
        target = PostgresUrl(args.to)
    except ValueError as exc:
        print(f"--to: {exc}", file=sys.stderr)
        return EXIT_USER
    source: Path | None = args.source
    if source is None:
        settings = settings_or_exit()
        if settings is None:
            return EXIT_USER
        if isinstance(settings.database, PostgresUrl):
            print(
                f"db copy reads a SQLite file, but the database (from {settings.database_origin}) is PostgreSQL: "
                "give the file with --from PATH",
                file=sys.stderr,
            )
            return EXIT_USER
        source = settings.database
    if not source.is_file():
        print(f"no database at {source}", file=sys.stderr)
        return EXIT_USER

    def progress(table: str, rows: int) -> None:
        print(f"  {table}: {rows} rows")

    async def copy() -> dict[str, int]:
        store = await open_postgres(target)
        try:
            return await copy_sqlite_to_postgres(
                source, store.db, progress=progress, without_reviews=args.without_reviews
            )
        finally:
            await store.close()

    print(f"copying {source} into {target.masked()}")
    try:
        counts = asyncio.run(copy())
    except CopyMismatch as exc:
        print(f"nothing copied: the counts did not match: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (CopyError, StoreUnavailable) as exc:
        print(f"nothing copied: {exc}", file=sys.stderr)
        return EXIT_USER
    except asyncpg.PostgresError as exc:  # e.g. a row whose foreign key points nowhere
        print(f"nothing copied: PostgreSQL refused the data: {exc}", file=sys.stderr)
        return EXIT_USER
    except (sqlite3.Error, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"nothing copied: cannot read the database {source}: {reason}", file=sys.stderr)
        return EXIT_USER
    print(
        f"copied and verified {sum(counts.values())} rows in {len(counts)} tables; "
        "point QUIZBOT_DB (or database:) at the PostgreSQL URL to run on it"
    )
    return EXIT_OK


def _corrupt(exc: BaseException) -> bool:
    """SQLite found the file damaged ("file is not a database", "malformed"), not merely out of reach."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def backup_command(args: argparse.Namespace) -> int:
    return _run(args, "backup", args.path)


def check_command(args: argparse.Namespace) -> int:
    return _run(args, "check")


def migrate_command(args: argparse.Namespace) -> int:
    return _run(args, "migrate")
