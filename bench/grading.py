"""``python -m bench.grading``: the grader's latency per answer and what loading it costs the event loop.

* Latency: every case of the given files (default: the labelled sets under tests/grading) graded ``--rounds``
  times with rubrics compiled beforehand, as at a reveal; p50, p99 and max per answer.
* Start-up: a fresh process loads the analyser in the background while the event loop ticks every millisecond;
  the longest the loop went without a tick, and how long until the grader was ready.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_FILES = sorted(Path("tests/grading").glob("*.yaml"))

_STARTUP_PROBE = """
import asyncio, time
from bot.core.grading import GradingService

async def main():
    began = time.perf_counter()
    service = GradingService()
    service.start()
    started = time.perf_counter() - began
    longest, last = 0.0, time.perf_counter()
    while not service.is_ready:
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    print(started, longest, time.perf_counter() - began)

asyncio.run(main())
"""


def latency(files: list[Path], rounds: int) -> list[float]:
    from bot.cli.grading import read_cases
    from bot.core.decks import load_decks
    from bot.core.grading import GradingService

    catalog = load_decks([Path("questions")])
    cases = [case for path in files for case in read_cases(path, catalog)]
    service = GradingService(worker=False)
    for case in cases:
        service.rubric(case.asked)
    times = []
    for _ in range(rounds):
        for case in cases:
            began = time.perf_counter()
            service.grade(case.asked, case.text)
            times.append(time.perf_counter() - began)
    return times


def startup(runs: int) -> list[tuple[float, float, float]]:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _STARTUP_PROBE], capture_output=True, text=True, check=True
        ).stdout.split()
        results.append((float(out[0]), float(out[1]), float(out[2])))
    return results


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.grading", description=__doc__)
    p.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    p.add_argument("--rounds", type=int, default=5, help="times every case is graded (default 5)")
    p.add_argument("--startups", type=int, default=5, help="fresh processes measured for start-up (default 5)")
    args = p.parse_args()
    times = sorted(t * 1000 for t in latency(args.files, args.rounds))
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    print(f"answers graded: {len(times)}")
    print(f"latency per answer: p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms")
    loads = startup(args.startups)
    began = statistics.median(s for s, _, _ in loads) * 1000
    stall = statistics.median(g for _, g, _ in loads) * 1000
    ready = statistics.median(r for _, _, r in loads)
    print(f"start-up (median of {len(loads)} fresh processes): start() returns in {began:.2f} ms;")
    print(f"  longest event-loop stall while loading {stall:.1f} ms; grader ready after {ready:.2f} s")
    print(f"worst stall over the runs: {max(g for _, g, _ in loads) * 1000:.1f} ms")


if __name__ == "__main__":
    asyncio.run(asyncio.sleep(0))
    main()
