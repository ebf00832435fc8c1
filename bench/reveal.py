"""Reveal punctuality: thousands of reveals falling due within a short real-time window.

A real ``AsyncIOScheduler`` and ``SystemClock`` drive the bot's own reveal jobs (``QuizScheduler.start()`` plans
them from the database); the stub platform notes the wall-clock time each reveal is posted. The delay of a reveal
is that time minus its ``reveal_at``: it includes scoring the answers, storing results and posting.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import PLATFORM, StubPlatform, open_service
from bench.history import ANSWER_TEXT
from bench.stats import Figure, figure_over_runs, percentile
from bot.core.clock import SystemClock
from bot.core.ports import RevealCard
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizService
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db

NAME = "reveal"
CHANNELS_PER_GUILD = 10


class WallClockPlatform(StubPlatform):
    """Notes each reveal's wall-clock arrival (``time.time()``), comparable with ``reveal_at``; sets ``all_in``
    once ``expected`` reveals have arrived."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected = expected
        self.all_in = asyncio.Event()

    async def post_reveal(self, card: RevealCard) -> None:
        self.reveals[card.round.id] = time.time()
        if len(self.reveals) >= self.expected:
            self.all_in.set()


@dataclass(frozen=True)
class RevealRun:
    reveals: int
    revealed: int
    delays: tuple[float, ...]  # seconds after reveal_at, one per reveal that was posted

    def delay_ms(self, q: float) -> float:
        return percentile(self.delays, q) * 1000


async def _create_schema(path: Path) -> None:
    database = Database(path)
    await database.open()
    await database.close()


def build_database(path: Path, *, rounds: int, answers_per_round: int, first_due: dt.datetime, window: float) -> None:
    """One open on-demand round in each of ``rounds`` channels, due evenly over ``window`` seconds from
    ``first_due``, each with ``answers_per_round`` answers to score."""
    rng = random.Random(11)
    asyncio.run(_create_schema(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        opened = to_db(first_due - dt.timedelta(minutes=10))
        guilds = (rounds + CHANNELS_PER_GUILD - 1) // CHANNELS_PER_GUILD
        conn.executemany(
            "INSERT INTO guilds (platform, guild_id, timezone) VALUES (?, ?, 'Asia/Seoul')",
            [(PLATFORM, f"g{g}") for g in range(guilds)],
        )
        conn.executemany(
            "INSERT INTO channels (id, platform, guild_id, channel_id, post_time, weekdays, timezone, "
            "daily_reveal_seconds, ondemand_reveal_seconds, decks, enabled, created_at) "
            "VALUES (?, ?, ?, ?, '09:00', '0123456', 'Asia/Seoul', 28800, 600, '[]', 0, ?)",
            [(i + 1, PLATFORM, f"g{i // CHANNELS_PER_GUILD}", f"c{i}", opened) for i in range(rounds)],
        )
        conn.executemany(
            "INSERT INTO members (platform, guild_id, member_id, display_name) VALUES (?, ?, ?, ?)",
            [(PLATFORM, f"g{g}", f"u{m}", f"member {m}") for g in range(guilds) for m in range(answers_per_round)],
        )
        round_rows, answer_rows = [], []
        for i in range(rounds):
            due = first_due + dt.timedelta(seconds=window * i / rounds)
            round_rows.append((i + 1, i + 1, opened, to_db(due), f"m{i}", f"t{i}"))
            for m in range(answers_per_round):
                answer_rows.append(
                    (i + 1, f"u{m}", f"a{i}-{m}", ANSWER_TEXT[: rng.randint(20, len(ANSWER_TEXT))], opened)
                )
        rng.shuffle(round_rows)  # reveals due in a different order from the ids
        conn.executemany(
            "INSERT INTO rounds (id, channel_ref, kind, state, deck_id, question_id, category, cycle, opened_at, "
            "reveal_at, message_id, thread_id, post_attempts) "
            "VALUES (?, ?, 'ondemand', 'open', 'dl-interview-ko', 'batch-normalization', 'basics', 0, ?, ?, ?, ?, 1)",
            round_rows,
        )
        conn.executemany(
            "INSERT INTO answers (round_id, member_id, message_id, text, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?5, ?5)",
            answer_rows,
        )
        conn.execute(
            "INSERT INTO answer_revisions (answer_id, action, text, at) SELECT id, 'create', text, created_at "
            "FROM answers"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


async def _reveal_all(path: Path, rounds: int, deadline: float) -> RevealRun:
    platform = WallClockPlatform(rounds)
    async with open_service(path, SystemClock()) as service:
        scheduler = QuizScheduler(service, {PLATFORM: platform})
        await scheduler.start()
        gc.collect()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(platform.all_in.wait(), timeout=deadline - time.time())
            # Posted is not finished: each reveal still marks its round revealed after posting.
            for _ in range(600):
                if await _revealed(service) >= rounds:
                    break
                await asyncio.sleep(0.1)
        finally:
            scheduler.shutdown()
        due = {
            int(r["id"]): dt.datetime.fromisoformat(r["reveal_at"]).timestamp()
            for r in await service.storage.db.fetchall("SELECT id, reveal_at FROM rounds")
        }
        revealed = await _revealed(service)
    delays = tuple(at - due[round_id] for round_id, at in platform.reveals.items())
    return RevealRun(rounds, revealed, delays)


async def _revealed(service: QuizService) -> int:
    row = await service.storage.db.fetchone("SELECT COUNT(*) AS n FROM rounds WHERE state = 'revealed'")
    return int(row["n"]) if row else 0


def measure(*, rounds: int, answers_per_round: int, window: float, lead: float, base: Path | None = None) -> RevealRun:
    """Build a database whose reveals start ``lead`` seconds from now, start the bot on it and wait for them."""
    with tempfile.TemporaryDirectory(prefix="quizbot-reveal-", dir=base) as tmp:
        path = Path(tmp) / "reveal.sqlite3"
        first_due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead)
        build_database(path, rounds=rounds, answers_per_round=answers_per_round, first_due=first_due, window=window)
        deadline = first_due.timestamp() + window + 120
        return asyncio.run(_reveal_all(path, rounds, deadline))


def run(
    *, rounds: int, answers_per_round: int, window: float, lead: float, runs: int, base: Path | None = None
) -> list[Figure]:
    passes = [
        measure(rounds=rounds, answers_per_round=answers_per_round, window=window, lead=lead, base=base)
        for _ in range(runs)
    ]
    label = f"{rounds:,} reveals due over {window:g} s, {answers_per_round} answers each"
    return [
        figure_over_runs(NAME, f"p50 delay after reveal_at ({label})", [p.delay_ms(50) for p in passes], "ms"),
        figure_over_runs(
            NAME, "p99 delay after reveal_at", [p.delay_ms(99) for p in passes], "ms", target="< 1000 ms", upper=1000
        ),
        figure_over_runs(NAME, "max delay after reveal_at", [p.delay_ms(100) for p in passes], "ms"),
        figure_over_runs(
            NAME,
            "reveals posted ÷ reveals due",
            [p.revealed / p.reveals for p in passes],
            "ratio",
            target="= 1.0",
            lower=1.0,
        ),
    ]
