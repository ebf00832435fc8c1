"""Moving a SQLite database into an empty PostgreSQL database (``python -m bot db copy --to postgresql://...``).

Every table of the SQLite backend is copied with its ids, from one consistent snapshot of the file (a read
transaction: the bot may keep running on it, and what it writes after the snapshot is not copied), into the
PostgreSQL database in ONE transaction: the tables are locked, must all be empty, are filled with binary COPY,
their id sequences moved past the copied ids, and every row count compared with the snapshot's before the
commit. Any difference, an unknown table or column, or a row PostgreSQL refuses (a broken foreign key, say)
rolls everything back: the target is left as empty as it was.

SQLite's ``totals_scores`` and ``totals_bands`` are not copied: they are counts its triggers derive from
``totals``, and the PostgreSQL backend ranks from ``totals`` directly. ``schema_version`` is each backend's own.
``event_claims`` is not copied either: claims are transient, kept only while a platform may still deliver an
event again.
Nor is ``answer_judgements``: judgements graded ahead of a reveal are a cache, and a reveal grades what it misses.
Personal review's tables (``REVIEW_TABLES``) are copied too, unless the caller asks to leave them behind.
Any other SQLite table (of a feature the PostgreSQL backend does not have) must be empty, or nothing is copied.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.storage.postgres.database import Connection, Database
from bot.storage.sqlite.database import Database as SqliteDatabase
from bot.storage.sqlite.timeutil import from_db

Convert = Callable[[Any], Any]


def _text(value: Any) -> Any:
    return value


def _integer(value: Any) -> int | None:
    return None if value is None else int(value)


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _time(value: Any) -> dt.datetime | None:
    return None if value is None else from_db(str(value))


def _real(value: Any) -> float | None:
    return None if value is None else float(value)


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


# The JSON text SQLite keeps goes into jsonb as it is: PostgreSQL parses (and so checks) it.
_json = _text


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, Convert], ...]
    order_by: str
    identity: bool = False  # an ``id`` identity column whose sequence must move past the copied ids

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


# In an order that satisfies the foreign keys.
TABLES = (
    Table("guilds", (("platform", _text), ("guild_id", _text), ("timezone", _text)), "platform, guild_id"),
    Table(
        "channels",
        (
            ("id", _integer),
            ("platform", _text),
            ("guild_id", _text),
            ("channel_id", _text),
            ("post_time", _text),
            ("weekdays", _text),
            ("timezone", _text),
            ("daily_reveal_seconds", _integer),
            ("ondemand_reveal_seconds", _integer),
            ("decks", _json),
            ("paused", _flag),
            ("enabled", _flag),
            ("cycle", _integer),
            ("created_at", _time),
        ),
        "id",
        identity=True,
    ),
    Table(
        "rounds",
        (
            ("id", _integer),
            ("channel_ref", _integer),
            ("kind", _text),
            ("state", _text),
            ("deck_id", _text),
            ("question_id", _text),
            ("category", _text),
            ("cycle", _integer),
            ("slot", _time),
            ("opened_at", _time),
            ("reveal_at", _time),
            ("revealed_at", _time),
            ("message_id", _text),
            ("thread_id", _text),
            ("post_attempts", _integer),
            ("heartbeat_at", _time),
            ("worker", _text),
        ),
        "id",
        identity=True,
    ),
    Table(
        "members",
        (("platform", _text), ("guild_id", _text), ("member_id", _text), ("display_name", _text)),
        "platform, guild_id, member_id",
    ),
    Table(
        "answers",
        (
            ("id", _integer),
            ("round_id", _integer),
            ("member_id", _text),
            ("message_id", _text),
            ("text", _text),
            ("private", _flag),
            ("late", _flag),
            ("withdrawn", _flag),
            ("created_at", _time),
            ("updated_at", _time),
        ),
        "id",
        identity=True,
    ),
    Table(
        "answer_revisions",
        (("id", _integer), ("answer_id", _integer), ("action", _text), ("text", _text), ("at", _time)),
        "id",
        identity=True,
    ),
    Table("votes", (("answer_id", _integer), ("voter_id", _text), ("at", _time)), "answer_id, voter_id"),
    Table(
        "results",
        (
            ("round_id", _integer),
            ("member_id", _text),
            ("platform", _text),
            ("guild_id", _text),
            ("answer_id", _integer),
            ("category", _text),
            ("covered", _json),
            ("missed", _json),
            ("named", _json),
            ("contradicted", _json),
            ("misconceptions", _json),
            ("coverage", _real),
            ("answer_points", _integer),
            ("coverage_points", _integer),
            ("vote_points", _integer),
            ("streak", _integer),
            ("streak_bonus", _integer),
            ("period_week", _text),
            ("period_month", _text),
        ),
        "round_id, member_id",
    ),
    Table(
        "totals",
        (
            ("platform", _text),
            ("guild_id", _text),
            ("period", _text),
            ("member_id", _text),
            ("points", _integer),
            ("answers", _integer),
        ),
        "platform, guild_id, period, member_id",
    ),
    Table(
        "streaks",
        (
            ("channel_ref", _integer),
            ("member_id", _text),
            ("current", _integer),
            ("best", _integer),
            ("last_round_id", _integer),
        ),
        "channel_ref, member_id",
    ),
    Table(
        "disputes",
        (
            ("id", _integer),
            ("round_id", _integer),
            ("answer_id", _integer),
            ("member_id", _text),
            ("platform", _text),
            ("guild_id", _text),
            ("concept", _text),
            ("state", _text),
            ("created_at", _time),
            ("decided_by", _text),
            ("decided_at", _time),
            ("points_delta", _integer),
        ),
        "id",
        identity=True,
    ),
    Table(
        "review_cards",
        (
            ("id", _integer),
            ("platform", _text),
            ("guild_id", _text),
            ("member_id", _text),
            ("deck_id", _text),
            ("question_id", _text),
            ("category", _text),
            ("created_at", _time),
            ("due", _time),
            ("memory", _text),
            ("reviews", _integer),
            ("lapses", _integer),
            ("last_review", _time),
            ("last_rating", _integer),
        ),
        "id",
        identity=True,
    ),
    Table(
        "reviews",
        (
            ("id", _integer),
            ("card_id", _integer),
            ("at", _time),
            ("rating", _integer),
            ("auto_rating", _integer),
            ("source", _text),
            ("round_id", _integer),
            ("score", _real),
        ),
        "id",
        identity=True,
    ),
    Table(
        "member_settings",
        (
            ("platform", _text),
            ("guild_id", _text),
            ("member_id", _text),
            ("timezone", _text),
            ("opted_in", _flag),
            ("reminders", _flag),
            ("reminder_time", _text),
            ("streak_freezes", _integer),
            ("updated_at", _time),
        ),
        "platform, guild_id, member_id",
    ),
    Table("job_marks", (("name", _text), ("at", _time)), "name"),
    Table(
        "review_reminders",
        (("platform", _text), ("guild_id", _text), ("member_id", _text), ("day", _date), ("sent_at", _time)),
        "platform, guild_id, member_id, day",
    ),
)
# SQLite tables deliberately left behind (see the module docstring).
NOT_COPIED = frozenset({"schema_version", "totals_scores", "totals_bands", "event_claims", "answer_judgements"})
# Personal review's tables: the members' cards, reviews, settings and reminder records, and the reminder job's
# mark. ``without_reviews`` leaves them behind (the target's stay empty).
REVIEW_TABLES = frozenset({"review_cards", "reviews", "member_settings", "job_marks", "review_reminders"})


class CopyError(Exception):
    """The copy was refused or failed; nothing was kept in the target."""


class TargetNotEmpty(CopyError):
    pass


class CopyMismatch(CopyError):
    """The target's row counts differ from the snapshot's after the copy (rolled back)."""


Snapshot = dict[str, list[tuple[Any, ...]]]


async def copy_sqlite_to_postgres(
    source: Path,
    target: Database,
    *,
    progress: Callable[[str, int], None] | None = None,
    without_reviews: bool = False,
) -> dict[str, int]:
    """Copy every table of the SQLite file ``source`` into the open, empty PostgreSQL ``target`` (personal
    review's tables left out when ``without_reviews``); the row count of each table copied, verified. Raises
    ``CopyError`` (nothing copied) when the target is not empty, the file holds a table or column this program
    does not know, or the counts differ."""
    if not await asyncio.to_thread(source.is_file):
        raise CopyError(f"no SQLite database at {source}")
    # Bring the file's schema up to date first (a running bot has done so already), so its columns are known.
    sqlite = SqliteDatabase(source)
    await sqlite.open()
    await sqlite.close()
    snapshot = await asyncio.to_thread(read_snapshot, source, without_reviews)

    async def job(conn: Connection) -> dict[str, int]:
        await _check_target(conn)
        counts: dict[str, int] = {}
        for table in copied(without_reviews):
            rows = snapshot[table.name]
            if rows:
                await conn.copy_records_to_table(table.name, records=rows, columns=table.column_names)
            if table.identity:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                    f"FROM {table.name}"
                )
            counts[table.name] = int(await conn.fetchval(f"SELECT COUNT(*) FROM {table.name}"))
            if counts[table.name] != len(rows):
                raise CopyMismatch(
                    f"{table.name}: {len(rows)} rows in the SQLite snapshot but {counts[table.name]} in PostgreSQL"
                )
            if progress is not None:
                progress(table.name, counts[table.name])
        return counts

    return await target.write(job)


def copied(without_reviews: bool = False) -> tuple[Table, ...]:
    """The tables a copy fills, in an order that satisfies their foreign keys."""
    return tuple(table for table in TABLES if not (without_reviews and table.name in REVIEW_TABLES))


def read_snapshot(source: Path, without_reviews: bool = False) -> Snapshot:
    """Every copied table's rows, converted to PostgreSQL's types, read in one transaction (one snapshot)."""
    conn = sqlite3.connect(str(source), isolation_level=None)
    try:
        conn.execute("BEGIN")
        _check_source(conn, REVIEW_TABLES if without_reviews else frozenset())
        snapshot: Snapshot = {}
        for table in copied(without_reviews):
            cursor = conn.execute(f"SELECT {', '.join(table.column_names)} FROM {table.name} ORDER BY {table.order_by}")
            converters = [convert for _, convert in table.columns]
            snapshot[table.name] = [
                tuple(convert(value) for convert, value in zip(converters, row, strict=True)) for row in cursor
            ]
        conn.execute("COMMIT")
        return snapshot
    finally:
        conn.close()


def _check_source(conn: sqlite3.Connection, left_behind: frozenset[str]) -> None:
    """Refuse a file holding what this copy would silently leave behind (``left_behind``: tables the caller
    agreed to leave), or lacking or holding columns of the tables it copies."""
    known = {table.name: table for table in TABLES}
    names = [
        str(row[0])
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    # A table of a feature the PostgreSQL backend does not hold yet may exist; it must be empty.
    unknown = sorted(name for name in names if name not in known and name not in NOT_COPIED | left_behind)
    filled = [name for name in unknown if conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is not None]
    if filled:
        raise CopyError(
            f"the SQLite database holds rows in tables the PostgreSQL backend does not have: {', '.join(filled)}"
        )
    missing = sorted(name for name in known if name not in names and name not in left_behind)
    if missing:
        raise CopyError(f"the SQLite database lacks the tables {', '.join(missing)}: is it a quizbot database?")
    for table in TABLES:
        if table.name in left_behind:
            continue
        columns = {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table.name})")}
        extra = sorted(columns - set(table.column_names))
        if extra:
            raise CopyError(f"the SQLite table {table.name} has columns this program cannot copy: {', '.join(extra)}")


async def _check_target(conn: Connection) -> None:
    """Lock the target's tables against other writers and refuse to copy into any that holds rows."""
    names = ", ".join(table.name for table in TABLES)
    await conn.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
    filled = []
    for table in TABLES:
        count = int(await conn.fetchval(f"SELECT COUNT(*) FROM {table.name}"))
        if count:
            filled.append(f"{table.name} ({count} rows)")
    if filled:
        raise TargetNotEmpty(
            f"the PostgreSQL database is not empty: {', '.join(filled)}; copy only into an empty database"
        )
