"""Reveal punctuality: thousands of reveals falling due within a short real-time window.

A real ``AsyncIOScheduler`` and ``SystemClock`` drive the bot's own reveal jobs (``Quiz.start()`` plans them from
the database); the stub platform notes the wall-clock time each reveal is posted. The delay of a reveal is that
time minus its ``reveal_at``: it includes grading and scoring the answers, storing results, the members' review
cards (``--review``) and posting.

Each run is a fresh process (``python -m bench.reveal``): nothing the grader prepares (its worker, the analyser,
compiled rubrics) is warm from an earlier run, so the figures include whatever preparation the bot does. The
database is prepared once, before the runs (``bench.reveal_data``): its answers were graded as they arrived and
their judgements stored, as the bot does hours before a reveal, unless the shape says otherwise; each run reveals a
copy of it, its reveals moved to fall due ``lead`` seconds after the copy is made.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import gc
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bench.harness import REPO, StubPlatform, open_service
from bench.reveal_data import RevealShape, build_database, copy_database, retime, store_judgements
from bench.stats import Figure, figure_over_runs, percentile
from bot.core.clock import SystemClock
from bot.core.models import RevealOutcome
from bot.core.ports import RevealCard
from bot.core.quiz import Quiz
from bot.core.review.service import RevealReviews, ReviewService
from bot.core.service import QuizService
from bot.storage.review_backends import review_store_for

NAME = "reveal"
Review = Literal["off", "on", "both"]
_TICK = 0.005


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
    large_delay: float | None = None  # the large round's, if any
    longest_stall: float = 0.0  # the longest the event loop went without running a 5 ms ticker, past its tick
    card_writes: tuple[float, ...] = ()  # seconds per reveal spent recording the members' review cards
    large_card_write: float | None = None
    prepared_after: float | None = None  # seconds from start until every loaded question's rubric was compiled

    def delay_ms(self, q: float) -> float:
        return percentile(self.delays, q) * 1000


async def _watch_loop(stall: list[float], since: float) -> None:
    """Tick every 5 ms; note how much longer than that the loop kept the ticker waiting after ``since``."""
    last = time.perf_counter()
    while True:
        await asyncio.sleep(_TICK)
        now = time.perf_counter()
        if time.time() >= since:
            stall[0] = max(stall[0], now - last - _TICK)
        last = now


def _time_card_writes(review: ReviewService, writes: dict[int, float]) -> None:
    record = review.cards_from_reveal

    async def timed(outcome: RevealOutcome) -> RevealReviews:
        began = time.perf_counter()
        try:
            return await record(outcome)
        finally:
            writes[outcome.round.id] = time.perf_counter() - began

    review.cards_from_reveal = timed  # type: ignore[method-assign]


async def _reveal_all(
    path: Path, shape: RevealShape, large_id: int, first_due: float, review: bool, slow_callback: float | None
) -> RevealRun:
    if slow_callback is not None:
        asyncio.get_running_loop().slow_callback_duration = slow_callback
    platform = WallClockPlatform(shape.rounds)
    writes: dict[int, float] = {}
    stall = [0.0]
    async with open_service(path, SystemClock()) as service:
        store = review_store_for(service.storage) if review else None
        if store is not None:
            service.review = ReviewService(
                store, service.storage, lambda: service.catalog, clock=service.clock, rules=service.rules
            )
            _time_card_writes(service.review, writes)
        quiz = Quiz.on(service, platform)
        started = time.perf_counter()
        await quiz.start()
        prepared: list[float] = []
        preparing = asyncio.create_task(service.grading.preparation())
        preparing.add_done_callback(lambda _: prepared.append(time.perf_counter() - started))
        gc.collect()
        watcher = asyncio.create_task(_watch_loop(stall, first_due))
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(platform.all_in.wait(), timeout=first_due + shape.window + 120 - time.time())
            # Posted is not finished: each reveal still marks its round revealed after posting.
            for _ in range(600):
                if await _revealed(service) >= shape.rounds:
                    break
                await asyncio.sleep(0.1)
            # A saturated worker grades reveals before it compiles what no reveal asked yet.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(preparing), timeout=120)
        finally:
            watcher.cancel()
            preparing.cancel()
            quiz.stop()
        due = {
            int(r["id"]): dt.datetime.fromisoformat(r["reveal_at"]).timestamp()
            for r in await service.storage.db.fetchall("SELECT id, reveal_at FROM rounds")
        }
        revealed = await _revealed(service)
    delays = {round_id: at - due[round_id] for round_id, at in platform.reveals.items()}
    return RevealRun(
        shape.rounds,
        revealed,
        tuple(delay for round_id, delay in delays.items() if round_id != large_id),
        delays.get(large_id),
        stall[0],
        tuple(seconds for round_id, seconds in writes.items() if round_id != large_id),
        writes.get(large_id),
        prepared[0] if prepared and not preparing.cancelled() else None,
    )


async def _revealed(service: QuizService) -> int:
    row = await service.storage.db.fetchone("SELECT COUNT(*) AS n FROM rounds WHERE state = 'revealed'")
    return int(row["n"]) if row else 0


def prepare(path: Path, shape: RevealShape) -> int:
    """Build the database at ``path`` and, if ``shape.graded``, grade its answers and store their judgements;
    returns the id of the large round (0 if none)."""
    large_id = build_database(path, shape, first_due=dt.datetime.now(dt.UTC))
    if shape.graded:
        asyncio.run(store_judgements(path))
    return large_id


def measure(
    shape: RevealShape,
    *,
    lead: float,
    review: bool = False,
    base: Path | None = None,
    slow_callback: float | None = None,
    prepared: Path | None = None,
    large_id: int = 0,
) -> RevealRun:
    """In this process: take a copy of the ``prepared`` database (``large_id`` its large round's id; prepared here
    if ``None``) whose reveals start ``lead`` seconds from now, start the bot on it and wait for them.
    ``slow_callback``: run the loop in asyncio's debug mode, which logs every callback that held it longer than
    this many seconds (with what it was)."""
    with tempfile.TemporaryDirectory(prefix="quizbot-reveal-", dir=base) as tmp:
        path = Path(tmp) / "reveal.sqlite3"
        if prepared is None:
            large_id = prepare(path, shape)
        else:
            copy_database(prepared, path)
        first_due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead)
        retime(path, first_due)
        return asyncio.run(
            _reveal_all(path, shape, large_id, first_due.timestamp(), review, slow_callback),
            debug=slow_callback is not None,
        )


def measure_fresh(
    shape: RevealShape,
    *,
    lead: float,
    review: bool = False,
    base: Path | None = None,
    prepared: Path | None = None,
    large_id: int = 0,
) -> RevealRun:
    """``measure`` in a fresh Python process, so nothing is warm from an earlier run."""
    command = [sys.executable, "-m", "bench.reveal", *_arguments(shape, lead=lead, review=review, base=base)]
    if prepared is not None:
        command += [f"--prepared={prepared}", f"--large-id={large_id}"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ("delays", "card_writes"):
        found[name] = tuple(found[name])
    return RevealRun(**found)


def _arguments(shape: RevealShape, *, lead: float, review: bool, base: Path | None) -> list[str]:
    found = [
        f"--rounds={shape.rounds}",
        f"--answers={shape.answers_per_round}",
        f"--window={shape.window}",
        f"--questions={shape.questions}",
        f"--answer-style={shape.answers}",
        f"--large-round={shape.large_round}",
        f"--lead={lead}",
    ]
    found += [] if shape.graded else ["--ungraded"]
    return found + (["--review"] if review else []) + ([f"--tmp={base}"] if base else [])


def _figures(label: str, passes: Sequence[RevealRun], *, judged: bool) -> list[Figure]:
    figures = [
        figure_over_runs(NAME, f"p50 delay after reveal_at{label}", [p.delay_ms(50) for p in passes], "ms"),
        figure_over_runs(
            NAME,
            f"p99 delay after reveal_at{label}",
            [p.delay_ms(99) for p in passes],
            "ms",
            target="< 1000 ms" if judged else "",
            upper=1000.0 if judged else None,
        ),
        figure_over_runs(NAME, f"max delay after reveal_at{label}", [p.delay_ms(100) for p in passes], "ms"),
        figure_over_runs(NAME, f"longest event-loop stall{label}", [p.longest_stall * 1000 for p in passes], "ms"),
        figure_over_runs(
            NAME,
            f"reveals posted ÷ reveals due{label}",
            [p.revealed / p.reveals for p in passes],
            "ratio",
            target="= 1.0",
            lower=1.0,
        ),
    ]
    compiled = [p.prepared_after for p in passes if p.prepared_after is not None]
    if compiled:
        figures.append(figure_over_runs(NAME, f"every question's rubric compiled, after start{label}", compiled, "s"))
    larges = [p.large_delay * 1000 for p in passes if p.large_delay is not None]
    if larges:
        figures.append(figure_over_runs(NAME, f"delay of the large round{label}", larges, "ms"))
    writes = [p for p in passes if p.card_writes]
    if writes:
        figures += [
            figure_over_runs(
                NAME,
                f"review cards per reveal p50{label}",
                [percentile(p.card_writes, 50) * 1000 for p in writes],
                "ms",
            ),
            figure_over_runs(
                NAME,
                f"review cards per reveal p99{label}",
                [percentile(p.card_writes, 99) * 1000 for p in writes],
                "ms",
            ),
        ]
        large_writes = [p.large_card_write * 1000 for p in writes if p.large_card_write is not None]
        if large_writes:
            figures.append(figure_over_runs(NAME, f"review cards of the large round{label}", large_writes, "ms"))
    return figures


def run(
    shape: RevealShape,
    *,
    lead: float,
    runs: int,
    review: Review = "off",
    fresh: bool = True,
    base: Path | None = None,
) -> list[Figure]:
    """``runs`` measurements, each in a fresh process (unless not ``fresh``); with ``review="both"`` each run
    measures without and then with the members' review cards, so the two are compared under the same load."""
    once = measure_fresh if fresh else measure
    modes = {"off": (False,), "on": (True,), "both": (False, True)}[review]
    passes: dict[bool, list[RevealRun]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory(prefix="quizbot-reveal-prepared-", dir=base) as tmp:
        prepared = Path(tmp) / "prepared.sqlite3"
        began = time.perf_counter()
        large_id = prepare(prepared, shape)
        preparation = time.perf_counter() - began
        for _ in range(runs):
            for mode in modes:
                passes[mode].append(
                    once(shape, lead=lead, review=mode, base=base, prepared=prepared, large_id=large_id)
                )
    large = f", one of {shape.large_round}" if shape.large_round else ""
    head = (
        f" ({shape.rounds:,} reveals due over {shape.window:g} s, questions: {shape.questions}, "
        f"{shape.answers_per_round} {shape.answers} answers each{large}"
        f"{', graded as they arrived' if shape.graded else ', all graded at the reveal'}"
        f"{', fresh process' if fresh else ''})"
    )
    figures: list[Figure] = []
    for n, mode in enumerate(modes):
        label = (" with review cards" if mode else " without review cards") if len(modes) > 1 else ""
        found = _figures(label, passes[mode], judged=True)
        if n == 0:
            found[0] = dataclasses.replace(found[0], name=found[0].name + head)
        figures += found
    if shape.graded:
        figures.append(
            figure_over_runs(NAME, "grading and storing every answer ahead of the reveals (once)", [preparation], "s")
        )
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    """One measurement, printed as one JSON line: what ``measure_fresh`` runs."""
    p = argparse.ArgumentParser(prog="python -m bench.reveal", description=__doc__)
    p.add_argument("--rounds", type=int, default=10_000)
    p.add_argument("--answers", type=int, default=5)
    p.add_argument("--window", type=float, default=30.0)
    p.add_argument("--questions", choices=("one", "all"), default="all")
    p.add_argument("--answer-style", choices=("fixed", "members"), default="members")
    p.add_argument("--large-round", type=int, default=0)
    p.add_argument("--ungraded", action="store_true", help="no judgements stored ahead: every reveal grades all")
    p.add_argument("--prepared", type=Path, default=None, help="reveal a copy of this prepared database")
    p.add_argument("--large-id", type=int, default=0, help="the prepared database's large round")
    p.add_argument("--lead", type=float, default=10.0)
    p.add_argument("--review", action="store_true")
    p.add_argument("--tmp", type=Path, default=None)
    p.add_argument(
        "--slow-callback",
        type=float,
        default=None,
        metavar="SECONDS",
        help="asyncio debug mode: log to stderr every callback that held the event loop longer than this",
    )
    args = p.parse_args(argv)
    if args.slow_callback is not None:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    shape = RevealShape(
        args.rounds,
        args.answers,
        args.window,
        args.questions,
        args.answer_style,
        args.large_round,
        graded=not args.ungraded,
    )
    found = measure(
        shape,
        lead=args.lead,
        review=args.review,
        base=args.tmp,
        slow_callback=args.slow_callback,
        prepared=args.prepared,
        large_id=args.large_id,
    )
    print(json.dumps(dataclasses.asdict(found)))


if __name__ == "__main__":
    main()
