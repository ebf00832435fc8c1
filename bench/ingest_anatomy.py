"""Where one answer's time goes on SQLite with a single writer: ``python -m bench.ingest_anatomy [--answers N]``.

Times, per answer, one after another on fresh files: a plain ``sqlite3`` insert and commit; an empty job sent
through ``Database.write`` (the trip to the writer thread and back, with an empty transaction); and
``QuizService.record_answer`` whole, with the part of it spent on the writer's thread (its statements and commit).
Medians of ``--repeats`` passes, in microseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import open_service
from bench.ingest import ANSWER, open_rounds, plain_ingest
from bot.core.clock import SystemClock
from bot.core.models import Member
from bot.storage.sqlite import database as database_module
from bot.storage.sqlite.database import WriteJob
from bot.storage.sqlite.database import _commit_batch as commit_batch


def _per_answer(seconds: float, answers: int) -> float:
    return seconds / answers * 1e6


def plain(directory: Path, answers: int) -> float:
    run = plain_ingest(directory, members=answers, rounds=10, waves=1)
    return _per_answer(run.seconds, run.answers)


async def _bot_parts(directory: Path, answers: int) -> dict[str, float]:
    in_writer: list[float] = []

    def timed_batch(conn: sqlite3.Connection, jobs: list[WriteJob[object]]) -> tuple[list[tuple[bool, object]], int]:
        started = time.perf_counter()
        try:
            return commit_batch(conn, jobs)
        finally:
            in_writer.append(time.perf_counter() - started)

    async with open_service(directory / "bot.sqlite3", SystemClock()) as service:
        opened = await open_rounds(service, 2)
        db = service.storage.db  # type: ignore[attr-defined]

        started = time.perf_counter()
        for _ in range(answers):
            await db.write(lambda conn: None)
        crossing = time.perf_counter() - started

        # The writer's batch function, timed where it runs (on the writer's thread).
        database_module._commit_batch = timed_batch  # type: ignore[assignment]
        try:
            started = time.perf_counter()
            for m in range(answers):
                await service.record_answer(opened[1], Member(f"r{m}", f"member {m}"), ANSWER, message_id=f"r{m}")
            whole = time.perf_counter() - started
        finally:
            database_module._commit_batch = commit_batch
    return {
        "empty job through Database.write (to the writer thread and back)": _per_answer(crossing, answers),
        "QuizService.record_answer, one at a time": _per_answer(whole, answers),
        "of which on the writer thread (the answer's statements and commit)": _per_answer(sum(in_writer), answers),
    }


def measure(answers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="quizbot-anatomy-") as tmp:
        root = Path(tmp)
        (root / "plain").mkdir()
        (root / "bot").mkdir()
        found = {"plain sqlite3 insert + commit": plain(root / "plain", answers)}
        found.update(asyncio.run(_bot_parts(root / "bot", answers)))
    return found


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.ingest_anatomy", description=__doc__)
    p.add_argument("--answers", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    passes = [measure(args.answers) for _ in range(args.repeats)]
    print("| per answer, single writer | median µs | min–max |\n|---|---:|---|")
    for name in passes[0]:
        values = [found[name] for found in passes]
        print(f"| {name} | {statistics.median(values):.0f} | {min(values):.0f}–{max(values):.0f} |")


if __name__ == "__main__":
    main()
