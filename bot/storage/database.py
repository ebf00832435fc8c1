"""The SQLite database: connection settings, schema migrations, group-committed writes, backup and checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteJob = Callable[[aiosqlite.Connection], Awaitable[T]]

BUSY_TIMEOUT_MS = 5000
MAX_BATCH = 256


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The numbered ``migrations/NNN_name.sql`` files shipped with the package, in order."""
    folder = resources.files("bot.storage").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        number, _, rest = name.partition("_")
        found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


class Database:
    """One SQLite file. Writes go through a single writer that commits many jobs in one transaction.

    ``write`` returns only after the job's transaction has committed, so whatever a caller acknowledges on the
    strength of it survives a crash. Reads use a separate connection and see committed data.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[tuple[WriteJob[Any], asyncio.Future[Any]]] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._read_lock = asyncio.Lock()

    async def open(self) -> None:
        if self.path != Path(":memory:"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._migrate(self._writer)
        self._reader = await self._connect()
        self._writer_task = asyncio.create_task(self._write_loop(), name="quizbot-db-writer")

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(str(self.path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys=ON")
        return conn

    async def close(self) -> None:
        """Finish every queued write, then close. Safe to call twice."""
        if self._writer_task is not None:
            await self._queue.join()
            self._writer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer_task
            self._writer_task = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
        )
        async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        migrations = load_migrations()
        if current > len(migrations):
            raise MigrationError(
                f"{self.path}: schema version {current} is newer than this program knows ({len(migrations)})"
            )
        for migration in migrations[current:]:
            log.info("applying migration %03d_%s", migration.version, migration.name)
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(migration.sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)",
                    (migration.version, migration.name),
                )
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise

    async def schema_version(self) -> int:
        rows = await self.fetchall("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version")
        return int(rows[0]["v"])

    # -- reads ---------------------------------------------------------------------------------------------

    async def fetchall(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        conn = self._require(self._reader)
        async with self._read_lock, conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    # -- writes --------------------------------------------------------------------------------------------

    async def write(self, job: WriteJob[T]) -> T:
        """Run ``job`` inside a write transaction; return its result once that transaction is committed."""
        if self._writer_task is None:
            raise RuntimeError("database is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put((job, future))
        return await future

    async def _write_loop(self) -> None:
        conn = self._require(self._writer)
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit_batch(conn, batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit_batch(
        self, conn: aiosqlite.Connection, batch: list[tuple[WriteJob[Any], asyncio.Future[Any]]]
    ) -> None:
        outcomes: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            await conn.execute("BEGIN IMMEDIATE")
            for job, future in batch:
                # A savepoint per job: one failing job rolls back alone and the others still commit.
                await conn.execute("SAVEPOINT job")
                try:
                    result = await job(conn)
                except Exception as exc:  # the caller gets its own error; the batch goes on
                    await conn.execute("ROLLBACK TO SAVEPOINT job")
                    await conn.execute("RELEASE SAVEPOINT job")
                    outcomes.append((future, False, exc))
                else:
                    await conn.execute("RELEASE SAVEPOINT job")
                    outcomes.append((future, True, result))
            await conn.commit()
        except Exception as exc:
            log.exception("write batch of %d jobs failed to commit", len(batch))
            with contextlib.suppress(Exception):
                await conn.rollback()
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, ok, value in outcomes:
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    # -- maintenance ---------------------------------------------------------------------------------------

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database, taken online."""
        if await asyncio.to_thread(target.exists):
            raise FileExistsError(f"{target} exists; refusing to overwrite it")
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        conn = self._require(self._reader)
        async with self._read_lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await conn.backup(dest)
            finally:
                await dest.close()

    async def integrity_check(self) -> list[str]:
        """``[]`` when the file is sound, otherwise the problems SQLite reports (including foreign keys)."""
        problems = [str(r[0]) for r in await self.fetchall("PRAGMA integrity_check")]
        problems = [p for p in problems if p != "ok"]
        for row in await self.fetchall("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: table {row[0]} rowid {row[1]} references missing {row[2]}")
        return problems

    @staticmethod
    def _require(conn: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if conn is None:
            raise RuntimeError("database is not open")
        return conn


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script; ``sqlite3.complete_statement`` keeps triggers whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
