"""The PostgreSQL database: a connection pool, numbered schema migrations, and units of work.

Every write is one ``write(job)``: ``job`` is an async function of a connection that runs inside one
transaction (READ COMMITTED), committed before ``write`` returns; or one ``write_grouped(group, item)``, where the
items waiting together share one transaction (a group commit), committed before any of their calls returns. What
makes the contract's conditional changes exactly-once is the database, not this process, so any number of bot
processes can share it:

* claims are ``INSERT ... ON CONFLICT DO NOTHING`` on a unique key (a channel's slot, a vote, a dispute);
* state changes are guarded updates (``UPDATE ... WHERE state = 'open'``): of concurrent callers the second
  waits for the first's row lock, then finds the state changed and updates nothing;
* a unit of work that reads and then writes locks what it read first (``SELECT ... FOR SHARE`` / ``FOR NO KEY
  UPDATE``), always in the same order: the round, then the answer, then the result, then the guild's
  leaderboard (a transaction-scoped advisory lock), so no two units of work wait for each other in a cycle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

T = TypeVar("T")
ItemT = TypeVar("ItemT")
if TYPE_CHECKING:
    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]
else:  # not subscriptable at run time
    Connection = PoolConnectionProxy
Job = Callable[[Connection], Awaitable[T]]

POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 10
# Held while migrating, so bot processes starting together apply each migration once.
MIGRATION_LOCK = 7_151_820_375_162_991_617
# A unit of work PostgreSQL picked as a deadlock victim is run again; by the lock order above none should be.
ATTEMPTS = 3
# Most calls one grouped transaction takes (see ``WriteGroup``).
MAX_GROUP = 256


# The tables the migrations make (besides schema_version), in an order that satisfies their foreign keys.
SCHEMA_TABLES = (
    "guilds",
    "channels",
    "rounds",
    "members",
    "answers",
    "answer_revisions",
    "votes",
    "results",
    "totals",
    "streaks",
    "disputes",
    "review_cards",
    "reviews",
    "member_settings",
    "job_marks",
    "review_reminders",
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
    folder = resources.files("bot.storage.postgres").joinpath("migrations")
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


@dataclass(eq=False)
class WriteGroup(Generic[ItemT, T]):
    """Calls of one kind that may share a transaction (a group commit): ``run`` does a whole batch of items in
    one transaction and returns each item's result, in order. While one batch commits, the calls arriving queue
    for the next, so a crowd of concurrent callers pays for one round trip and one commit per batch, not per call.
    """

    run: Callable[[Connection, list[ItemT]], Awaitable[list[T]]]
    # ``run`` issues exactly one statement (which PostgreSQL then commits by itself, atomically).
    one_statement: bool = False
    max_batch: int = MAX_GROUP
    pending: list[tuple[ItemT, asyncio.Future[T]]] = field(default_factory=list)
    committing: asyncio.Task[None] | None = None


class Database:
    """One PostgreSQL database, reached through a pool of connections.

    ``url`` is a libpq connection URL (``postgresql://user:password@host:port/dbname``). It is never logged or
    shown; ``name`` is what messages show instead.
    """

    def __init__(self, url: str, *, name: str = "PostgreSQL", min_size: int = POOL_MIN_SIZE) -> None:
        self._url = url
        self.name = name
        self._min_size = min_size
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._closing = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def open(self) -> None:
        """Connect and apply pending migrations. On failure nothing is left open."""
        self._closing = False
        try:
            self._pool = await asyncpg.create_pool(
                self._url, min_size=self._min_size, max_size=max(self._min_size, POOL_MAX_SIZE)
            )
            async with self._pool.acquire() as conn:
                await self._migrate(conn)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Let every unit of work already started finish (commit or fail to its caller), then disconnect.
        Safe to call twice."""
        self._closing = True
        await self._idle.wait()
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def _migrate(self, conn: Connection) -> None:
        migrations = load_migrations()
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, "
                "applied_at timestamptz NOT NULL DEFAULT now())"
            )
            current = int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
            if current > len(migrations):
                raise MigrationError(
                    f"{self.name}: schema version {current} is newer than this program knows ({len(migrations)})"
                )
            for migration in migrations[current:]:
                log.info("applying PostgreSQL migration %03d_%s", migration.version, migration.name)
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES ($1, $2)", migration.version, migration.name
                )

    async def schema_version(self) -> int:
        return int(await self.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def check(self) -> list[str]:
        """``[]`` when the database answers and holds this program's whole schema, else what is wrong. (The
        server keeps its own files consistent; there is no file to check as SQLite has.)"""
        problems = []
        known = len(load_migrations())
        version = await self.schema_version()
        if version != known:
            problems.append(f"schema version {version}, but this program's is {known}")
        for table in SCHEMA_TABLES:
            if await self.fetchval("SELECT to_regclass($1)", table) is None:
                problems.append(f"table {table} is missing")
        return problems

    async def server_version(self) -> str:
        return str(await self.fetchval("SHOW server_version"))

    # -- units of work -------------------------------------------------------------------------------------

    def _enter(self) -> asyncpg.Pool[asyncpg.Record]:
        """Count a unit of work as started (before its first await, so ``close`` waits for it)."""
        if self._pool is None or self._closing:
            raise RuntimeError("database is not open")
        self._busy += 1
        self._idle.clear()
        return self._pool

    def _leave(self) -> None:
        self._busy -= 1
        if self._busy == 0:
            self._idle.set()

    async def write(self, job: Job[T]) -> T:
        """Run ``job`` in one transaction; return its result once that transaction is committed. If ``job``
        raises, nothing it did is kept and the error propagates."""
        pool = self._enter()
        try:
            return await _transaction(pool, job)
        finally:
            self._leave()

    async def write_grouped(self, group: WriteGroup[ItemT, T], item: ItemT) -> T:
        """Run ``item`` in one transaction together with the other items of ``group`` waiting at that moment;
        return its result once that transaction is committed. If the transaction fails, every item of it gets
        the error and nothing of it is kept."""
        pool = self._enter()
        try:
            future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            group.pending.append((item, future))
            if group.committing is None or group.committing.done():
                group.committing = asyncio.create_task(_commit_groups(pool, group))
            return await future
        finally:
            self._leave()

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Rows of one query, reading committed data."""
        pool = self._enter()
        try:
            return await pool.fetch(sql, *args)
        finally:
            self._leave()

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        pool = self._enter()
        try:
            return await pool.fetchrow(sql, *args)
        finally:
            self._leave()

    async def fetchval(self, sql: str, *args: Any) -> Any:
        pool = self._enter()
        try:
            return await pool.fetchval(sql, *args)
        finally:
            self._leave()


async def _transaction(pool: asyncpg.Pool[asyncpg.Record], job: Job[T]) -> T:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with pool.acquire() as conn, conn.transaction(isolation="read_committed"):
                return await job(conn)
        except asyncpg.DeadlockDetectedError:
            if attempt == ATTEMPTS:
                raise
            log.warning("a unit of work was chosen as a deadlock victim; running it again (%d)", attempt)
    raise AssertionError("unreachable")


async def _commit_groups(pool: asyncpg.Pool[asyncpg.Record], group: WriteGroup[ItemT, T]) -> None:
    """Commit the group's waiting items, a batch at a time, until none wait. Every waiting caller counts as a
    unit of work started, so the pool stays open until this has answered them all."""
    try:
        while group.pending:
            async with pool.acquire() as conn:
                # One connection for as long as batches follow each other: no pool round trip between them.
                while await _commit_next(conn, group):
                    if not group.pending:
                        # Callers just answered may queue their next item at once: let them, then go on.
                        await asyncio.sleep(0)
    except asyncio.CancelledError:
        for _, future in group.pending:
            future.cancel()
        group.pending.clear()
        raise
    except Exception as exc:  # no connection to be had: the waiting callers get the error
        for _, future in group.pending:
            if not future.done():
                future.set_exception(exc)
        group.pending.clear()


async def _commit_next(conn: Connection, group: WriteGroup[ItemT, T]) -> bool:
    """Commit the next batch and answer its callers; whether the connection is fit to take another batch."""
    batch = group.pending[: group.max_batch]
    del group.pending[: len(batch)]
    if not batch:
        return False
    items = [item for item, _ in batch]
    try:
        results = await _run_batch(conn, group, items)
        if len(results) != len(batch):
            raise RuntimeError(f"a grouped write returned {len(results)} results for {len(batch)} items")
    except asyncio.CancelledError:
        for _, future in batch:
            future.cancel()
        raise
    except Exception as exc:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)
        return isinstance(exc, asyncpg.PostgresError) and not conn.is_closed()
    for (_, future), result in zip(batch, results, strict=True):
        if not future.done():
            future.set_result(result)
    return True


async def _run_batch(conn: Connection, group: WriteGroup[ItemT, T], items: list[ItemT]) -> list[T]:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            if group.one_statement:
                # A single statement outside a transaction block is a transaction of its own, committed when
                # it returns: no BEGIN and COMMIT round trips.
                return await group.run(conn, items)
            async with conn.transaction(isolation="read_committed"):
                return await group.run(conn, items)
        except asyncpg.DeadlockDetectedError:
            if attempt == ATTEMPTS:
                raise
            log.warning("a grouped write was chosen as a deadlock victim; running it again (%d)", attempt)
    raise AssertionError("unreachable")


async def lock_leaderboard(conn: Connection, platform: str, guild_id: str) -> None:
    """Serialize the units of work that move a guild's leaderboard totals and streaks, until commit.

    Taken after every row lock the unit of work needs (see the module docstring), so it never waits while
    holding this for a row another holder of this lock has.
    """
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"quizbot:{platform}:{guild_id}")
