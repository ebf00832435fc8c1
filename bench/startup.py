"""Start-up with many channels: from ``QuizScheduler.start()`` to every job planned, and the memory it takes.

The database (10,000 configured channels, each with an open daily round whose reveal is still ahead) is built
in the parent with bulk inserts. Each measurement runs in a fresh child process, so its peak resident memory is
the bot's own: ``python -m bench.startup --child DB``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from bench.harness import PLATFORM, REPO, StubPlatform, open_service
from bench.stats import Figure, figure_over_runs
from bot.core.clock import SystemClock
from bot.core.models import Schedule
from bot.core.schedule import latest_slot
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db

NAME = "startup"
TIMEZONES = ("Asia/Seoul", "UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo")
CHANNELS_PER_GUILD = 10


@dataclass(frozen=True)
class StartupRun:
    """One child's figures: seconds in ``start()``, seconds from process launch to ready, memory."""

    start_seconds: float
    launch_to_ready_seconds: float
    jobs: int
    max_rss_mib: float
    traced_peak_mib: float | None


async def _create_schema(path: Path) -> None:
    database = Database(path)
    await database.open()
    await database.close()


def build_database(path: Path, *, channels: int, open_rounds: int, now: dt.datetime, seed: int = 5) -> None:
    """``channels`` channels across guilds and time zones (a tenth on-demand only, a twentieth paused); the first
    ``open_rounds`` have an open round for their latest slot, revealed between ten minutes and eight hours from
    ``now``."""
    rng = random.Random(seed)
    asyncio.run(_create_schema(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        created = to_db(now - dt.timedelta(days=30))
        guilds = (channels + CHANNELS_PER_GUILD - 1) // CHANNELS_PER_GUILD
        conn.executemany(
            "INSERT INTO guilds (platform, guild_id, timezone) VALUES (?, ?, ?)",
            [(PLATFORM, f"g{g}", TIMEZONES[g % len(TIMEZONES)]) for g in range(guilds)],
        )
        channel_rows = []
        round_rows = []
        for i in range(channels):
            guild = i // CHANNELS_PER_GUILD
            timezone = TIMEZONES[guild % len(TIMEZONES)]
            minutes = (i * 7) % (24 * 60)
            weekdays = "01234" if i % 5 == 0 else "0123456"
            schedule = Schedule(dt.time(minutes // 60, minutes % 60), frozenset(int(d) for d in weekdays), timezone)
            # Most channels post daily; some are paused and some only take on-demand questions.
            enabled, paused = (0, 0) if i % 10 == 3 else (1, 1) if i % 20 == 7 else (1, 0)
            post_time = f"{minutes // 60:02d}:{minutes % 60:02d}"
            channel_rows.append(
                (i + 1, PLATFORM, f"g{guild}", f"c{i}", post_time, weekdays, timezone, paused, enabled, created)
            )
            slot = latest_slot(schedule, now)
            if i < open_rounds and slot is not None:
                reveal = now + dt.timedelta(seconds=rng.uniform(600, 8 * 3600))
                round_rows.append(
                    (
                        i + 1,
                        "dl-interview-ko",
                        "batch-normalization",
                        "basics",
                        to_db(slot),
                        to_db(slot),
                        to_db(reveal),
                        f"m{i}",
                        f"t{i}",
                    )
                )
        conn.executemany(
            "INSERT INTO channels (id, platform, guild_id, channel_id, post_time, weekdays, timezone, "
            "daily_reveal_seconds, ondemand_reveal_seconds, decks, paused, enabled, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 28800, 600, '[]', ?, ?, ?)",
            channel_rows,
        )
        conn.executemany(
            "INSERT INTO rounds (channel_ref, kind, state, deck_id, question_id, category, cycle, slot, "
            "opened_at, reveal_at, message_id, thread_id, post_attempts) "
            "VALUES (?, 'daily', 'open', ?, ?, ?, 0, ?, ?, ?, ?, ?, 1)",
            round_rows,
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


async def start_once(path: Path, *, trace: bool, rebuild_only: bool) -> dict[str, float | int | None]:
    """Open the bot's service over ``path`` and time ``QuizScheduler.start()`` (or ``rebuild()`` alone)."""
    from bot.core.scheduler import QuizScheduler

    async with open_service(path, SystemClock()) as service:
        if trace:
            tracemalloc.start()
        scheduler = QuizScheduler(service, {PLATFORM: StubPlatform()})
        started = time.perf_counter()
        await (scheduler.rebuild() if rebuild_only else scheduler.start())
        elapsed = time.perf_counter() - started
        ready_at = time.time()
        jobs = scheduler.job_count()
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        scheduler.shutdown()
    return {"start_seconds": elapsed, "ready_at": ready_at, "jobs": jobs, "traced_peak_mib": peak}


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.startup")
    parser.add_argument("--child", type=Path, required=True, help="database to start from")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    parser.add_argument("--rebuild-only", action="store_true", help="plan into a scheduler that is not started")
    args = parser.parse_args(argv)
    figures = asyncio.run(start_once(args.child, trace=args.tracemalloc, rebuild_only=args.rebuild_only))
    figures["max_rss_mib"] = peak_rss_mib()
    print(json.dumps(figures))


def peak_rss_mib() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the program now running; ``ru_maxrss``
    would also count the parent's peak, which Linux carries across ``exec``."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def measure(path: Path, *, trace: bool = False, rebuild_only: bool = False) -> StartupRun:
    """Start the bot's scheduler over ``path`` in a fresh interpreter and collect its figures."""
    command = [sys.executable, "-m", "bench.startup", "--child", str(path)]
    if trace:
        command.append("--tracemalloc")
    if rebuild_only:
        command.append("--rebuild-only")
    launched = time.time()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"start-up child failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return StartupRun(
        start_seconds=float(figures["start_seconds"]),
        launch_to_ready_seconds=float(figures["ready_at"]) - launched,
        jobs=int(figures["jobs"]),
        max_rss_mib=float(figures["max_rss_mib"]),
        traced_peak_mib=None if figures["traced_peak_mib"] is None else float(figures["traced_peak_mib"]),
    )


def run(*, channels: int, open_rounds: int, runs: int, base: Path | None = None) -> list[Figure]:
    """Median figures over ``runs`` children, plus one traced child for the Python allocation peak."""
    with tempfile.TemporaryDirectory(prefix="quizbot-startup-", dir=base) as tmp:
        path = Path(tmp) / "startup.sqlite3"
        build_database(path, channels=channels, open_rounds=open_rounds, now=dt.datetime.now(dt.UTC))
        timed = [measure(path) for _ in range(runs)]
        rebuilt = [measure(path, rebuild_only=True) for _ in range(runs)]
        traced = measure(path, trace=True)
    label = f"{channels:,} channels, {open_rounds:,} open rounds"
    jobs = {t.jobs for t in [*timed, *rebuilt]}
    return [
        figure_over_runs(
            NAME,
            f"scheduler.start() to all jobs planned ({label})",
            [t.start_seconds for t in timed],
            "s",
            target="< 3 s",
            upper=3,
        ),
        figure_over_runs(NAME, "process launch to all jobs planned", [t.launch_to_ready_seconds for t in timed], "s"),
        figure_over_runs(
            NAME,
            "rebuild() into a scheduler not started",
            [t.start_seconds for t in rebuilt],
            "s",
            target="< 3 s",
            upper=3,
        ),
        figure_over_runs(
            NAME,
            "peak resident memory (VmHWM)",
            [t.max_rss_mib for t in timed],
            "MiB",
            target="< 200 MB",
            upper=200 / 1.048576,
        ),
        figure_over_runs(NAME, "peak traced Python memory during start()", [traced.traced_peak_mib or 0.0], "MiB"),
        figure_over_runs(NAME, f"jobs planned (distinct counts seen: {sorted(jobs)})", [float(min(jobs))], "jobs"),
    ]


if __name__ == "__main__":
    child_main(sys.argv[1:])
