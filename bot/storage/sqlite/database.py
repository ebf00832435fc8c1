"""The SQLite database: connection settings, schema migrations, group-committed writes, backup and checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteJob = Callable[[sqlite3.Connection], T]
_Outcome = tuple[bool, Any]  # (succeeded, result or exception)

BUSY_TIMEOUT_MS = 5000
MAX_BATCH = 256
CHECKPOINT_ROWS = 1000  # rows written before a background checkpoint starts
WRITER_AUTOCHECKPOINT_PAGES = 10000
# How hard a commit pushes to the disk. In WAL mode, NORMAL syncs the log only at checkpoints: a commit survives the
# process being killed (the log is in the operating system's hands) but the last commits before a power loss or an
# operating-system crash may be lost, never corrupting the file. FULL syncs the log at every commit, so those
# survive too, at the cost of a disk flush per batch of writes.
Synchronous = Literal["normal", "full"]


def _pragmas(synchronous: Synchronous) -> tuple[str, ...]:
    return (
        "PRAGMA journal_mode=WAL",
        f"PRAGMA synchronous={synchronous.upper()}",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        "PRAGMA foreign_keys=ON",
    )


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The numbered ``migrations/NNN_name.sql`` files shipped with the package, in order."""
    folder = resources.files("bot.storage.sqlite").joinpath("migrations")
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
    strength of it survives a crash. Reads go through an aiosqlite connection of their own and see committed data.

    A write job is a plain function of a ``sqlite3.Connection``. The writer runs a whole batch of them, with a
    savepoint each and one commit, in a single call to its own thread: one thread hop per batch instead of
    several per statement is what lets hundreds of concurrent answers share a commit cheaply. Checkpoints (copying
    the write-ahead log back into the database file) run on a thread of their own, so no commit waits for one.
    """

    def __init__(self, path: Path, *, synchronous: Synchronous = "normal") -> None:
        self.path = path
        self._pragmas = _pragmas(synchronous)
        self._writer: sqlite3.Connection | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        self._reader: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[tuple[WriteJob[Any], asyncio.Future[Any]]] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoint_thread: ThreadPoolExecutor | None = None
        self._checkpoint: asyncio.Future[None] | None = None
        self._rows_since_checkpoint = 0

    async def open(self) -> None:
        """Connect, apply pending migrations and start the writer. On failure nothing is left open."""
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        if self.path != Path(":memory:"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # One thread owns the write connection for its whole life; every write runs there.
        self._writer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quizbot-db-writer")
        self._writer = await self._in_writer(self._connect_writer)
        await self._in_writer(self._migrate, self._writer)
        self._checkpoint_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quizbot-db-checkpoint")
        self._checkpointer = await asyncio.get_running_loop().run_in_executor(
            self._checkpoint_thread, self._connect_sync
        )
        self._reader = await aiosqlite.connect(str(self.path), isolation_level=None)
        self._reader.row_factory = sqlite3.Row
        for pragma in self._pragmas:
            await self._reader.execute(pragma)
        self._writer_task = asyncio.create_task(self._write_loop(), name="quizbot-db-writer")

    def _connect_sync(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in self._pragmas:
            conn.execute(pragma)
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        conn = self._connect_sync()
        # The checkpoint thread keeps the log short; the writer only checkpoints if that thread falls far behind.
        conn.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}")
        return conn

    async def _in_writer(self, func: Callable[..., T], *args: Any) -> T:
        if self._writer_thread is None:
            raise RuntimeError("database is not open")
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, func, *args)

    async def close(self) -> None:
        """Finish every queued write, then close. Safe to call twice."""
        if self._writer_task is not None:
            await self._queue.join()
            self._writer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer_task
            self._writer_task = None
        if self._checkpoint is not None:
            with contextlib.suppress(Exception):
                await self._checkpoint
            self._checkpoint = None
        if self._reader is not None:
            await self._reader.close()
        loop = asyncio.get_running_loop()
        for conn, thread in ((self._checkpointer, self._checkpoint_thread), (self._writer, self._writer_thread)):
            if conn is not None and thread is not None:
                await loop.run_in_executor(thread, conn.close)
            if thread is not None:
                thread.shutdown(wait=True)
        self._reader = self._writer = self._checkpointer = None
        self._writer_thread = self._checkpoint_thread = None

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
        )
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        current = int(row[0]) if row else 0
        migrations = load_migrations()
        if current > len(migrations):
            raise MigrationError(
                f"{self.path}: schema version {current} is newer than this program knows ({len(migrations)})"
            )
        for migration in migrations[current:]:
            log.info("applying migration %03d_%s", migration.version, migration.name)
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)",
                    (migration.version, migration.name),
                )
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    async def schema_version(self) -> int:
        rows = await self.fetchall("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version")
        return int(rows[0]["v"])

    # -- reads ---------------------------------------------------------------------------------------------

    async def fetchall(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Rows of one query, read in one crossing to the reader's thread."""
        return list(await self._require_reader().execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    # -- writes --------------------------------------------------------------------------------------------

    async def write(self, job: WriteJob[T]) -> T:
        """Run ``job`` inside a write transaction; return its result once that transaction is committed.

        ``job`` runs on the writer's thread with the write connection; it must not touch the event loop.
        """
        if self._writer_task is None:
            raise RuntimeError("database is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((job, future))
        return await future

    async def _write_loop(self) -> None:
        conn = self._writer
        if conn is None:
            raise RuntimeError("database is not open")
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcomes, changed = await self._in_writer(_commit_batch, conn, [job for job, _ in batch])
            except Exception as exc:
                outcomes, changed = [(False, exc)] * len(batch), 0
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
            for _ in batch:
                self._queue.task_done()
            self._note_changes(changed)

    def _note_changes(self, rows: int) -> None:
        """Start a background checkpoint once enough has been written since the last one, unless one runs."""
        self._rows_since_checkpoint += rows
        if (
            self._rows_since_checkpoint < CHECKPOINT_ROWS
            or self._checkpointer is None
            or self._checkpoint_thread is None
        ):
            return
        if self._checkpoint is not None and not self._checkpoint.done():
            return
        self._rows_since_checkpoint = 0
        self._checkpoint = asyncio.get_running_loop().run_in_executor(
            self._checkpoint_thread, _checkpoint, self._checkpointer
        )

    # -- maintenance ---------------------------------------------------------------------------------------

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database, taken online."""
        if await asyncio.to_thread(target.exists):
            raise FileExistsError(f"{target} exists; refusing to overwrite it")
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)

        # The copy is made from aiosqlite's thread, so the target connection must accept being used there.
        dest = await asyncio.to_thread(sqlite3.connect, str(target), check_same_thread=False)
        try:
            await self._require_reader().backup(dest)
        finally:
            await asyncio.to_thread(dest.close)

    def _require_reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    async def integrity_check(self) -> list[str]:
        """``[]`` when the file is sound, otherwise the problems SQLite reports (including foreign keys)."""
        problems = [str(r[0]) for r in await self.fetchall("PRAGMA integrity_check")]
        problems = [p for p in problems if p != "ok"]
        for row in await self.fetchall("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: table {row[0]} rowid {row[1]} references missing {row[2]}")
        return problems


def _commit_batch(conn: sqlite3.Connection, jobs: list[WriteJob[Any]]) -> tuple[list[_Outcome], int]:
    """Run ``jobs`` in one transaction on the writer's thread: each job's result or exception, in order, and the
    number of rows the batch changed.

    If the commit itself fails, every job gets that error (raised from here): nothing of the batch is kept.
    """
    outcomes: list[_Outcome] = []
    before = conn.total_changes
    try:
        conn.execute("BEGIN IMMEDIATE")
        for job in jobs:
            # A savepoint per job: one failing job rolls back alone and the others still commit.
            conn.execute("SAVEPOINT job")
            try:
                result = job(conn)
                if asyncio.iscoroutine(result):
                    result.close()
                    raise TypeError("write jobs are plain functions of a sqlite3.Connection, not coroutines")
            except Exception as exc:  # the caller gets its own error; the batch goes on
                conn.execute("ROLLBACK TO SAVEPOINT job")
                conn.execute("RELEASE SAVEPOINT job")
                outcomes.append((False, exc))
            else:
                conn.execute("RELEASE SAVEPOINT job")
                outcomes.append((True, result))
        conn.commit()
    except Exception:
        log.exception("write batch of %d jobs failed to commit", len(jobs))
        with contextlib.suppress(Exception):
            conn.rollback()
        raise
    return outcomes, conn.total_changes - before


def _checkpoint(conn: sqlite3.Connection) -> None:
    """Copy committed pages from the log into the database file without blocking the writer or readers."""
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        # Nothing is lost: the pages stay in the log and the next checkpoint (or the writer's own) copies them.
        log.warning("background checkpoint failed", exc_info=True)


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
