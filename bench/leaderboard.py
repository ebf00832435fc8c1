"""Leaderboards and member statistics of one server as its history grows (10k to 5M answers).

Each size is a generated history (``bench.history``) opened by the real storage and service; the clock stands
just after the last reveal, so this week's and this month's boards are populated. Callers are chosen across the
ranking (first place, the middle, last place, someone without points) because rank lookups cost most at the
bottom.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.harness import PLATFORM, open_service
from bench.history import GUILD, History, HistoryShape, load_or_generate
from bench.stats import Figure, figure_over_runs, percentile
from bot.core.clock import ManualClock
from bot.core.models import GuildKey, Period
from bot.core.scoring import period_key
from bot.core.service import QuizService

NAME = "leaderboard"
OPERATIONS = ("week top 10 + rank", "month top 10 + rank", "all-time top 10 + rank", "member_stats")
_PERIODS = {
    "week top 10 + rank": Period.WEEK,
    "month top 10 + rank": Period.MONTH,
    "all-time top 10 + rank": Period.ALL,
}


@dataclass(frozen=True)
class SizeRun:
    """Latencies (seconds) of each operation in one pass over one history."""

    answers: int
    latencies: dict[str, tuple[float, ...]]

    def p(self, operation: str, q: float) -> float:
        return percentile(self.latencies[operation], q) * 1000


async def _ranked_callers(service: QuizService, period: str, rng: random.Random) -> list[str]:
    rows = await service.storage.db.fetchall(
        "SELECT member_id FROM totals WHERE platform = ? AND guild_id = ? AND period = ? "
        "ORDER BY points DESC, member_id",
        (PLATFORM, GUILD, period),
    )
    ranked = [r["member_id"] for r in rows]
    if not ranked:
        return ["nobody"]
    picks = [ranked[0], ranked[len(ranked) // 2], ranked[-1], "nobody"]
    picks += rng.sample(ranked, min(4, len(ranked)))
    return picks


async def measure_history(history: History, *, calls: int, seed: int = 3) -> SizeRun:
    """``calls`` calls of every operation against ``history``, one at a time, as members ask for boards."""
    rng = random.Random(seed)
    async with open_service(history.path, ManualClock(history.end)) as service:
        guild = GuildKey(PLATFORM, GUILD)
        timezone = await service.guild_timezone(guild)
        callers = {
            op: await _ranked_callers(service, period_key(period, history.end, timezone), rng)
            for op, period in _PERIODS.items()
        }
        all_time = callers["all-time top 10 + rank"]
        stats_callers = [history.shape.member_id(0), *all_time]  # member 0 answers every round if any does

        def operation(op: str) -> Callable[[str], Awaitable[object]]:
            if op == "member_stats":
                return lambda member: service.member_stats(guild, member)
            period = _PERIODS[op]
            return lambda caller: service.leaderboard(guild, period, caller)

        latencies: dict[str, tuple[float, ...]] = {}
        for op in OPERATIONS:
            call = operation(op)
            who: Sequence[str] = stats_callers if op == "member_stats" else callers[op]
            for member in who:  # warm the page cache: a running bot has its hot pages in memory
                await call(member)
            gc.collect()
            samples = []
            for i in range(calls):
                started = time.perf_counter()
                await call(who[i % len(who)])
                samples.append(time.perf_counter() - started)
            latencies[op] = tuple(samples)
    return SizeRun(history.shape.answers, latencies)


def run(
    *, sizes: Sequence[int], runs: int, calls: int, data_dir: Path, max_members: int = 100_000
) -> tuple[list[Figure], list[str]]:
    """Figures for every size (medians over ``runs`` passes) and notes on generation times."""
    figures: list[Figure] = []
    notes: list[str] = []
    smallest: dict[str, float] = {}
    for size in sizes:
        shape = HistoryShape.for_answers(size, max_members=max_members)
        history = load_or_generate(data_dir, shape)
        notes.append(
            f"{size:,} answers: {shape.members:,} members, {shape.rounds:,} rounds; generated in "
            f"{history.seconds:.1f} s ({history.path.stat().st_size / 2**20:.0f} MiB)"
        )
        passes = [asyncio.run(measure_history(history, calls=calls, seed=run)) for run in range(runs)]
        for op in OPERATIONS:
            p99s = [p.p(op, 99) for p in passes]
            figures.append(figure_over_runs(NAME, f"{op} p50 @ {size:,}", [p.p(op, 50) for p in passes], "ms"))
            figure = figure_over_runs(NAME, f"{op} p99 @ {size:,}", p99s, "ms", target="< 20 ms", upper=20)
            figures.append(figure)
            base = smallest.setdefault(op, figure.value)
            figures.append(
                figure_over_runs(NAME, f"{op} p99 @ {size:,} ÷ p99 @ {sizes[0]:,}", [v / base for v in p99s], "ratio")
            )
    return figures, notes
