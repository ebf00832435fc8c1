"""Answer ingest: many members answering at once through ``QuizService.record_answer``, beside plain sqlite3.

A run is a warm-up wave and then several measured waves; in each, every member answers once in one of a fresh
set of open rounds, a fixed number of answers in flight at a time (a crowd answering the day's questions).

The reference is the simplest durable alternative: stdlib ``sqlite3`` inserting one row into the same ``answers``
table and committing it, on a file with the same settings (WAL, ``synchronous=NORMAL``), measured in the same run.
``--ingest-synchronous full`` runs both sides with ``synchronous=FULL`` instead (a commit survives a power loss).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.harness import PLATFORM, StubPlatform, open_service
from bench.stats import Figure, figure_over_runs, percentile
from bot.core.clock import SystemClock
from bot.core.models import ChannelKey, Member, Round, RoundKind
from bot.core.service import QuizService
from bot.storage.sqlite.database import Synchronous, load_migrations
from bot.storage.sqlite.timeutil import to_db

NAME = "ingest"
ANSWER = (
    "기울기 소실 문제를 줄이기 위해 ReLU를 씁니다. 시그모이드는 입력이 크면 포화되어 기울기가 0에 가까워지고, "
    "깊은 신경망에서 역전파할 때 곱해지면서 사라집니다. ReLU는 양수 구간에서 기울기가 1이라 학습이 빠릅니다."
)


@dataclass(frozen=True)
class IngestRun:
    """One measured pass: how many answers, how long in all, and each answer's latency in seconds."""

    answers: int
    seconds: float
    latencies: tuple[float, ...]

    @property
    def per_second(self) -> float:
        return self.answers / self.seconds

    def latency_ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


async def open_rounds(service: QuizService, count: int) -> list[Round]:
    """``count`` rounds opened and posted, each in a channel of its own."""
    platform = StubPlatform()
    opened = []
    for i in range(count):
        channel = await service.configure_channel(ChannelKey(PLATFORM, "guild", f"c{i}"))
        claimed = await service.open_round(channel, RoundKind.ON_DEMAND)
        assert claimed is not None
        opened.append(await service.publish_round(platform, claimed))
    return opened


async def answer_waves(
    service: QuizService, opened: list[Round], *, members: int, rounds: int, concurrency: int, waves: int
) -> IngestRun:
    """``waves`` waves, one after another, of ``members`` members each answering once, spread over ``rounds``
    of the ``opened`` rounds (fresh ones each wave), ``concurrency`` answers in flight at a time. A first wave
    warms up, unmeasured."""
    latencies: list[float] = []
    elapsed = 0.0
    for wave in range(waves + 1):
        batch = opened[wave * rounds : (wave + 1) * rounds]
        # Made lazily, as messages arrive: a prebuilt list of thousands of objects would only measure the
        # garbage collector walking it.
        work = ((batch[m % rounds], Member(f"u{m}", f"member {m}"), f"w{wave}m{m}") for m in range(members))
        samples: list[float] = []

        async def answer_all(work: Iterator[tuple[Round, Member, str]] = work, samples: list[float] = samples) -> None:
            # Workers share one iterator: whoever is free takes the next member, as a crowd would arrive.
            for round_, member, message_id in work:
                started = time.perf_counter()
                receipt = await service.record_answer(round_, member, ANSWER, message_id=message_id)
                samples.append(time.perf_counter() - started)
                if receipt is None or receipt.status != "recorded":
                    raise RuntimeError(f"answer of {member.member_id} was not recorded: {receipt}")

        gc.collect()
        started = time.perf_counter()
        await asyncio.gather(*(answer_all() for _ in range(concurrency)))
        if wave > 0:
            elapsed += time.perf_counter() - started
            latencies.extend(samples)
    return IngestRun(members * waves, elapsed, tuple(latencies))


async def bot_ingest(
    directory: Path, *, members: int, rounds: int, concurrency: int, waves: int, synchronous: Synchronous = "normal"
) -> IngestRun:
    """``waves`` waves of ``members`` answers each through the bot's SQLite store (see ``answer_waves``)."""
    async with open_service(directory / "bot.sqlite3", SystemClock(), synchronous=synchronous) as service:
        opened = await open_rounds(service, rounds * (waves + 1))
        run = await answer_waves(service, opened, members=members, rounds=rounds, concurrency=concurrency, waves=waves)
        stored = await service.storage.db.fetchone("SELECT COUNT(*) AS n FROM answers")
        if stored is None or int(stored["n"]) != members * (waves + 1):
            raise RuntimeError(f"expected {members * (waves + 1)} stored answers, found {stored and stored['n']}")
    return run


def plain_ingest(
    directory: Path, *, members: int, rounds: int, waves: int, synchronous: Synchronous = "normal"
) -> IngestRun:
    """The reference: one ``INSERT`` and one ``COMMIT`` per answer with stdlib sqlite3, same schema and settings,
    the same waves (the first one unmeasured)."""
    conn = sqlite3.connect(directory / "plain.sqlite3")
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
        conn.execute("PRAGMA foreign_keys=ON")
        for migration in load_migrations():
            conn.executescript(migration.sql)
        now = to_db(dt.datetime.now(dt.UTC))
        conn.execute("INSERT INTO guilds VALUES (?, 'guild', 'UTC')", (PLATFORM,))
        for i in range(rounds * (waves + 1)):
            conn.execute(
                "INSERT INTO channels (id, platform, guild_id, channel_id, post_time, weekdays, timezone, "
                "daily_reveal_seconds, ondemand_reveal_seconds, decks, created_at) "
                "VALUES (?, ?, 'guild', ?, '09:00', '0123456', 'UTC', 28800, 600, '[]', ?)",
                (i + 1, PLATFORM, f"c{i}", now),
            )
            conn.execute(
                "INSERT INTO rounds (id, channel_ref, kind, state, deck_id, question_id, category, cycle, "
                "opened_at, reveal_at) VALUES (?, ?, 'ondemand', 'open', 'd', 'q', 'basics', 0, ?, ?)",
                (i + 1, i + 1, now, now),
            )
        conn.commit()
        latencies: list[float] = []
        elapsed = 0.0
        for wave in range(waves + 1):
            samples = []
            gc.collect()
            started = time.perf_counter()
            for m in range(members):
                began = time.perf_counter()
                at = to_db(dt.datetime.now(dt.UTC))
                conn.execute(
                    "INSERT INTO answers (round_id, member_id, message_id, text, private, late, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, 0, 0, ?, ?)",
                    (wave * rounds + m % rounds + 1, f"u{m}", f"w{wave}m{m}", ANSWER, at, at),
                )
                conn.commit()
                samples.append(time.perf_counter() - began)
            if wave > 0:
                elapsed += time.perf_counter() - started
                latencies.extend(samples)
    finally:
        conn.close()
    return IngestRun(members * waves, elapsed, tuple(latencies))


def measure(
    *,
    members: int,
    rounds: int,
    concurrency: int,
    waves: int = 5,
    base: Path | None = None,
    synchronous: Synchronous = "normal",
) -> tuple[IngestRun, IngestRun]:
    """One run of both sides, each on a fresh database file: (bot, plain sqlite3)."""
    with tempfile.TemporaryDirectory(prefix="quizbot-ingest-", dir=base) as tmp:
        root = Path(tmp)
        (root / "bot").mkdir()
        (root / "plain").mkdir()
        bot = asyncio.run(
            bot_ingest(
                root / "bot",
                members=members,
                rounds=rounds,
                concurrency=concurrency,
                waves=waves,
                synchronous=synchronous,
            )
        )
        plain = plain_ingest(root / "plain", members=members, rounds=rounds, waves=waves, synchronous=synchronous)
    return bot, plain


def run(
    *,
    members: int,
    rounds: int,
    concurrency: int,
    waves: int,
    runs: int,
    base: Path | None = None,
    synchronous: Synchronous = "normal",
) -> list[Figure]:
    """``runs`` paired measurements; every figure is the median over them."""
    pairs = [
        measure(
            members=members, rounds=rounds, concurrency=concurrency, waves=waves, base=base, synchronous=synchronous
        )
        for _ in range(runs)
    ]
    label = f"{members} members/{rounds} rounds/c{concurrency}, {waves} waves, synchronous={synchronous}"
    return [
        figure_over_runs(NAME, f"bot answers/s ({label})", [b.per_second for b, _ in pairs], "answers/s"),
        figure_over_runs(
            NAME,
            f"plain sqlite3 answers/s (commit per answer, c{concurrency})",
            [p.per_second for _, p in pairs],
            "answers/s",
        ),
        figure_over_runs(
            NAME,
            f"bot ÷ plain throughput (c{concurrency}, same run)",
            [b.per_second / p.per_second for b, p in pairs],
            "ratio",
            target="≥ 1.0",
            lower=1.0,
        ),
        figure_over_runs(NAME, f"bot p50 latency (c{concurrency})", [b.latency_ms(50) for b, _ in pairs], "ms"),
        figure_over_runs(
            NAME,
            f"bot p99 latency (c{concurrency})",
            [b.latency_ms(99) for b, _ in pairs],
            "ms",
            target="< 20 ms",
            upper=20,
        ),
        figure_over_runs(NAME, f"plain p99 latency (c{concurrency})", [p.latency_ms(99) for _, p in pairs], "ms"),
    ]
