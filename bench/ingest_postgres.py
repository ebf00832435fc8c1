"""Answer ingest on PostgreSQL: ``QuizService.record_answer`` on the PostgreSQL backend beside plain asyncpg.

The bot opens its store the way the settings' ``postgresql://`` URL does (``open_postgres``). The reference is the
simplest durable alternative on the same server in the same run: one ``INSERT`` into the same ``answers`` table,
committed on its own (autocommit), per answer, from an asyncpg pool of the bot's size. Each side gets a database of
its own, created for the measurement and dropped after it, both migrated by the bot and given the same open rounds.

The server's durability settings are read and reported with the figures: an answer is durable when it returns only
with ``fsync`` and ``synchronous_commit`` on, which neither side changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.harness import load_catalog
from bench.ingest import ANSWER, IngestRun, answer_waves, open_rounds
from bench.stats import Figure, figure_over_runs
from bot.core.clock import SystemClock
from bot.core.models import ChannelDefaults, Round
from bot.core.scoring import ScoringRules
from bot.core.service import QuizService
from bot.storage.backends import open_postgres
from bot.storage.postgres.database import POOL_MAX_SIZE, POOL_MIN_SIZE
from bot.storage.postgres.store import PostgresStorage
from bot.storage.urls import PostgresUrl

NAME = "ingest"
DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "commit_delay")


@dataclass(frozen=True)
class ServerSettings:
    """What decides whether a commit survives a crash, as the server reports it."""

    version: str
    settings: dict[str, str]

    @property
    def durable(self) -> bool:
        return self.settings.get("fsync") == "on" and self.settings.get("synchronous_commit") == "on"

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.settings.items())
        verdict = "durable commits" if self.durable else "NOT durable: fsync and synchronous_commit must be on"
        return f"PostgreSQL {self.version}: {shown} ({verdict})"


async def server_settings(server: str) -> ServerSettings:
    conn = await asyncpg.connect(server)
    try:
        version = str(await conn.fetchval("SHOW server_version"))
        rows = await conn.fetch(
            "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])", list(DURABILITY_SETTINGS)
        )
    finally:
        await conn.close()
    found = {str(r["name"]): str(r["setting"]) for r in rows}
    return ServerSettings(version, {name: found.get(name, "?") for name in DURABILITY_SETTINGS})


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.asynccontextmanager
async def fresh_database(server: str) -> AsyncIterator[str]:
    """A new, empty database on ``server`` (its URL), dropped afterwards."""
    name = f"quizbot_bench_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield _with_database(server, name)
    finally:
        conn = await asyncpg.connect(server)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@contextlib.asynccontextmanager
async def open_pg_service(url: str) -> AsyncIterator[QuizService]:
    """The bot's quiz service over the PostgreSQL database at ``url``, opened as the settings would open it."""
    storage = await open_postgres(PostgresUrl(url))
    try:
        yield QuizService(
            storage,
            load_catalog(),
            rules=ScoringRules(),
            defaults=ChannelDefaults(),
            clock=SystemClock(),
            rng=random.Random(7),
        )
    finally:
        await storage.close()


async def _stored_answers(storage: PostgresStorage) -> int:
    return int(await storage.db.fetchval("SELECT COUNT(*) FROM answers"))


async def bot_ingest(url: str, *, members: int, rounds: int, concurrency: int, waves: int) -> IngestRun:
    """As ``bench.ingest.bot_ingest``, on the PostgreSQL backend."""
    async with open_pg_service(url) as service:
        opened = await open_rounds(service, rounds * (waves + 1))
        run = await answer_waves(service, opened, members=members, rounds=rounds, concurrency=concurrency, waves=waves)
        assert isinstance(service.storage, PostgresStorage)
        stored = await _stored_answers(service.storage)
    if stored != members * (waves + 1):
        raise RuntimeError(f"expected {members * (waves + 1)} stored answers, found {stored}")
    return run


async def plain_ingest(url: str, *, members: int, rounds: int, concurrency: int, waves: int) -> IngestRun:
    """The reference: one autocommitted ``INSERT`` per answer from a pool of the bot's size, ``concurrency``
    answers in flight, the same waves (the first unmeasured) into rounds the bot opened."""
    async with open_pg_service(url) as service:
        opened = await open_rounds(service, rounds * (waves + 1))
    minimum, maximum = POOL_MIN_SIZE, POOL_MAX_SIZE
    pool = await asyncpg.create_pool(url, min_size=minimum, max_size=maximum)
    try:
        latencies: list[float] = []
        elapsed = 0.0
        for wave in range(waves + 1):
            batch = opened[wave * rounds : (wave + 1) * rounds]
            work = ((batch[m % rounds], f"u{m}", f"w{wave}m{m}") for m in range(members))
            samples: list[float] = []

            async def insert_all(work: Iterator[tuple[Round, str, str]] = work, samples: list[float] = samples) -> None:
                for round_, member_id, message_id in work:
                    began = time.perf_counter()
                    at = SystemClock().now()
                    await pool.execute(
                        "INSERT INTO answers (round_id, member_id, message_id, text, private, late, created_at, "
                        "updated_at) VALUES ($1, $2, $3, $4, false, false, $5, $5)",
                        round_.id,
                        member_id,
                        message_id,
                        ANSWER,
                        at,
                    )
                    samples.append(time.perf_counter() - began)

            gc.collect()
            started = time.perf_counter()
            await asyncio.gather(*(insert_all() for _ in range(concurrency)))
            if wave > 0:
                elapsed += time.perf_counter() - started
                latencies.extend(samples)
        stored = int(await pool.fetchval("SELECT COUNT(*) FROM answers"))
    finally:
        await pool.close()
    if stored != members * (waves + 1):
        raise RuntimeError(f"expected {members * (waves + 1)} stored answers, found {stored}")
    return IngestRun(members * waves, elapsed, tuple(latencies))


async def measure_async(
    server: str, *, members: int, rounds: int, concurrency: int, waves: int
) -> tuple[IngestRun, IngestRun]:
    """One run of both sides, each on a database of its own created for it: (bot, plain asyncpg)."""
    async with fresh_database(server) as url:
        bot = await bot_ingest(url, members=members, rounds=rounds, concurrency=concurrency, waves=waves)
    async with fresh_database(server) as url:
        plain = await plain_ingest(url, members=members, rounds=rounds, concurrency=concurrency, waves=waves)
    return bot, plain


def measure(server: str, *, members: int, rounds: int, concurrency: int, waves: int) -> tuple[IngestRun, IngestRun]:
    return asyncio.run(measure_async(server, members=members, rounds=rounds, concurrency=concurrency, waves=waves))


def run(
    server: str,
    *,
    members: int,
    rounds: int,
    concurrencies: tuple[int, ...],
    waves: int,
    runs: int,
) -> tuple[list[Figure], str]:
    """``runs`` paired measurements at each number of writers; every figure is the median over them. Also the
    server's durability settings, described."""
    settings = asyncio.run(server_settings(server))
    minimum, maximum = POOL_MIN_SIZE, POOL_MAX_SIZE
    figures: list[Figure] = []
    for concurrency in concurrencies:
        pairs = [
            measure(server, members=members, rounds=rounds, concurrency=concurrency, waves=waves) for _ in range(runs)
        ]
        label = f"PostgreSQL, {members} members/{rounds} rounds/c{concurrency}, pool {minimum}–{maximum}"
        judged = concurrency >= 10
        figures += [
            figure_over_runs(NAME, f"bot answers/s ({label})", [b.per_second for b, _ in pairs], "answers/s"),
            figure_over_runs(
                NAME,
                f"plain asyncpg answers/s (autocommit per answer, c{concurrency})",
                [p.per_second for _, p in pairs],
                "answers/s",
            ),
            figure_over_runs(
                NAME,
                f"PostgreSQL bot ÷ plain throughput (c{concurrency}, same run)",
                [b.per_second / p.per_second for b, p in pairs],
                "ratio",
                target="≥ 1.0" if judged else "",
                lower=1.0 if judged else None,
            ),
            figure_over_runs(
                NAME, f"PostgreSQL bot p50 latency (c{concurrency})", [b.latency_ms(50) for b, _ in pairs], "ms"
            ),
            figure_over_runs(
                NAME, f"PostgreSQL bot p99 latency (c{concurrency})", [b.latency_ms(99) for b, _ in pairs], "ms"
            ),
            figure_over_runs(NAME, f"plain p99 latency (c{concurrency})", [p.latency_ms(99) for _, p in pairs], "ms"),
        ]
    return figures, settings.describe()
