"""``python -m bench``: run the benchmarks and print their figures as a Markdown table (see bench/README.md)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import os
import platform
import shlex
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.stats import Figure, markdown_table

BENCHMARKS = ("ingest", "leaderboard", "startup", "reveal", "fanout", "fleet", "fleet-restart")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
BIG_SIZE = 5_000_000


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "").replace(",", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of answer counts") from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(BENCHMARKS)}; got {text!r}")
    return names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of the quiz bot. Every figure is the median over --runs runs.",
    )
    p.add_argument(
        "--only",
        type=_names,
        default=BENCHMARKS,
        metavar="NAMES",
        help=f"comma-separated benchmarks to run (default: all of {','.join(BENCHMARKS)})",
    )
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, one run each, nothing judged: a check that all of it works"
    )
    p.add_argument("--runs", type=int, default=None, help="runs per benchmark (default 5; fan-out 3; quick 1)")
    p.add_argument("--output", type=Path, help="also write the results (Markdown) to this file")
    p.add_argument("--tmp", type=Path, default=None, help="directory for scratch databases (default: system temp)")
    ingest = p.add_argument_group("ingest")
    ingest.add_argument("--ingest-members", type=int, default=2000)
    ingest.add_argument("--ingest-rounds", type=int, default=20)
    ingest.add_argument(
        "--ingest-concurrency",
        type=_sizes,
        default=(200,),
        metavar="N,N,...",
        help="answers in flight on SQLite, one set of figures each (default 200)",
    )
    ingest.add_argument("--ingest-waves", type=int, default=5, help="measured waves of members per run")
    ingest.add_argument(
        "--ingest-synchronous",
        choices=("normal", "full"),
        default="normal",
        help="SQLite synchronous mode of both sides (the bot's database_synchronous setting)",
    )
    ingest.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("QUIZBOT_TEST_POSTGRES") or None,
        help="a PostgreSQL server (postgresql://...) allowed to create databases; each measurement gets one of "
        "its own, dropped after it (default: $QUIZBOT_TEST_POSTGRES)",
    )
    ingest.add_argument(
        "--ingest-backend",
        choices=("sqlite", "postgresql", "both"),
        default=None,
        help="which store(s) to measure (default: both when a PostgreSQL server is given, else sqlite)",
    )
    ingest.add_argument(
        "--ingest-pg-concurrency",
        type=_sizes,
        default=(1, 10, 100),
        metavar="N,N,...",
        help="answers in flight on PostgreSQL, one set of figures each (default 1,10,100)",
    )
    board = p.add_argument_group("leaderboard")
    board.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULT_SIZES,
        metavar="N,N,...",
        help="history sizes in answers (default 10000,100000,1000000)",
    )
    board.add_argument(
        "--with-5m",
        action="store_true",
        help=f"add the {BIG_SIZE:,}-answer history (generating it takes a few minutes, once)",
    )
    board.add_argument("--calls", type=int, default=200, help="calls of each operation per run")
    board.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "quizbot-bench-data",
        help="where generated histories are kept and reused (default: %(default)s)",
    )
    startup = p.add_argument_group("startup")
    startup.add_argument("--startup-channels", type=int, default=10_000)
    startup.add_argument("--startup-rounds", type=int, default=10_000)
    reveal = p.add_argument_group("reveal")
    reveal.add_argument("--reveals", type=int, default=10_000)
    reveal.add_argument("--reveal-window", type=float, default=30.0, help="seconds over which the reveals fall due")
    reveal.add_argument("--reveal-answers", type=int, default=5, help="answers to score in each round")
    reveal.add_argument("--reveal-lead", type=float, default=10.0, help="seconds from start-up to the first reveal")
    reveal.add_argument(
        "--reveal-questions",
        choices=("one", "all"),
        default="all",
        help="one question for every round, or each round's drawn from the whole shipped deck (default: all)",
    )
    reveal.add_argument(
        "--reveal-answer-style",
        choices=("fixed", "members"),
        default="members",
        help="one short sentence cut at random lengths, or distinct member-style answers (default: members)",
    )
    reveal.add_argument(
        "--reveal-ungraded",
        action="store_true",
        help="store no judgements ahead: every reveal grades all its answers (default: graded as they arrived)",
    )
    reveal.add_argument(
        "--reveal-review",
        choices=("off", "on", "both"),
        default="off",
        help="record the members' review cards at every reveal; both: each run without, then with (default: off)",
    )
    reveal.add_argument("--reveal-large-round", type=int, default=0, help="answers of one round due mid-window")
    reveal.add_argument(
        "--reveal-in-process", action="store_true", help="measure in this process, not a fresh one per run"
    )
    fanout = p.add_argument_group("fanout")
    fanout.add_argument("--fanout-channels", type=int, default=1000)
    fleet = p.add_argument_group("fleet, fleet-restart (PostgreSQL: QUIZBOT_TEST_POSTGRES)")
    fleet.add_argument("--fleet-channels", type=int, default=10_000)
    fleet.add_argument("--fleet-guilds", type=int, default=2500)
    fleet.add_argument("--fleet-shards", type=int, default=4)
    fleet.add_argument("--fleet-processes", type=int, default=2)
    fleet.add_argument("--fleet-kind", choices=("text", "forum"), default="text", help="the channels' kind")
    fleet.add_argument(
        "--fleet-rate",
        type=float,
        default=48.0,
        help="requests/s the processes share equally (default 48: 24 + 24, a margin under the token's 50/s)",
    )
    fleet.add_argument("--fleet-keep", type=Path, help="copy the bots' logs and the server's request log here")
    fleet.add_argument(
        "--fleet-latency", type=float, default=0.05, help="seconds the server takes per request (restart)"
    )
    return p


def _apply_quick(args: argparse.Namespace) -> None:
    args.ingest_members, args.ingest_rounds, args.ingest_concurrency, args.ingest_waves = 1000, 10, (200,), 1
    args.sizes, args.with_5m, args.calls = (10_000, 100_000), False, 30
    args.startup_channels, args.startup_rounds = 1000, 1000
    args.reveals, args.reveal_window, args.reveal_lead = 500, 2.0, 4.0
    args.fanout_channels = 50
    args.fleet_channels, args.fleet_guilds = 200, 50


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.quick:
        _apply_quick(args)
    runs = args.runs or (1 if args.quick else 5)
    sizes = tuple(args.sizes) + ((BIG_SIZE,) if args.with_5m and BIG_SIZE not in args.sizes else ())
    figures: list[Figure] = []
    notes: list[str] = []

    def timed(name: str, action: Callable[[], list[Figure]]) -> None:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        figures.extend(action())
        notes.append(f"{name}: {time.perf_counter() - started:.0f} s of wall time")

    for name in args.only:
        if name == "ingest":
            timed(name, lambda: _ingest(args, runs, notes))
        elif name == "leaderboard":
            from bench import leaderboard

            def boards() -> list[Figure]:
                found, generated = leaderboard.run(
                    sizes=sizes, runs=min(runs, 3), calls=args.calls, data_dir=args.data_dir
                )
                notes.extend(generated)
                return found

            timed(name, boards)
        elif name == "startup":
            from bench import startup

            timed(
                name,
                lambda: startup.run(
                    channels=args.startup_channels, open_rounds=args.startup_rounds, runs=min(runs, 3), base=args.tmp
                ),
            )
        elif name == "reveal":
            from bench import reveal
            from bench.reveal_data import RevealShape

            timed(
                name,
                lambda: reveal.run(
                    RevealShape(
                        rounds=args.reveals,
                        answers_per_round=args.reveal_answers,
                        window=args.reveal_window,
                        questions=args.reveal_questions,
                        answers=args.reveal_answer_style,
                        large_round=args.reveal_large_round,
                        graded=not args.reveal_ungraded,
                    ),
                    lead=args.reveal_lead,
                    runs=min(runs, 3),
                    review=args.reveal_review,
                    fresh=not args.reveal_in_process,
                    base=args.tmp,
                ),
            )
        elif name in ("fleet", "fleet-restart"):
            timed(name, functools.partial(_fleet, name, args, runs))
        elif name == "fanout":
            from bench import fanout

            timed(name, lambda: fanout.run(channels=args.fanout_channels, runs=min(runs, 3), base=args.tmp))

    if args.quick:
        # The sizes are far below the targets' own, so nothing is judged against them.
        figures = [dataclasses.replace(f, ok=None) for f in figures]
        notes.append("quick mode: sizes below those of the targets, so no figure is judged")
    report = render(figures, notes, argv if argv is not None else sys.argv[1:])
    print(report)
    if args.output is not None:
        args.output.write_text(report + "\n", encoding="utf-8")
    return 0 if all(f.ok is not False for f in figures) else 1


def _ingest(args: argparse.Namespace, runs: int, notes: list[str]) -> list[Figure]:
    from bench import ingest

    backend = args.ingest_backend or ("both" if args.postgres else "sqlite")
    figures: list[Figure] = []
    if backend in ("sqlite", "both"):
        for concurrency in args.ingest_concurrency:
            figures += ingest.run(
                members=args.ingest_members,
                rounds=args.ingest_rounds,
                concurrency=concurrency,
                waves=args.ingest_waves,
                runs=runs,
                base=args.tmp,
                synchronous=args.ingest_synchronous,
            )
    if backend in ("postgresql", "both"):
        if not args.postgres:
            raise SystemExit("--ingest-backend postgresql needs a server: --postgres URL or $QUIZBOT_TEST_POSTGRES")
        from bench import ingest_postgres

        found, server = ingest_postgres.run(
            args.postgres,
            members=args.ingest_members,
            rounds=args.ingest_rounds,
            concurrencies=args.ingest_pg_concurrency,
            waves=args.ingest_waves,
            runs=runs,
        )
        figures += found
        notes.append(server)
    return figures


def _shown(argv: Sequence[str]) -> list[str]:
    """``argv`` with the password of a PostgreSQL URL masked."""
    from bot.storage.urls import PostgresUrl, is_postgres_url

    def masked(arg: str) -> str:
        option, equals, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        return option + equals + (PostgresUrl(value).masked() if is_postgres_url(value) else value)

    return [masked(arg) for arg in argv]


def _fleet(name: str, args: argparse.Namespace, runs: int) -> list[Figure]:
    """The multi-process benchmarks: one run each by default (a full one takes several minutes)."""
    from bench import fleet

    plan = fleet.FleetPlan(
        args.fleet_channels,
        args.fleet_guilds,
        args.fleet_shards,
        args.fleet_processes,
        total_rate=args.fleet_rate,
        kind=args.fleet_kind,
    )
    if name == "fleet":
        return fleet.run_fanout(plan, runs=min(runs, 1), base=args.tmp, keep=args.fleet_keep)
    return fleet.run_restart(plan, runs=min(runs, 1), latency=args.fleet_latency, base=args.tmp, keep=args.fleet_keep)


def render(figures: Sequence[Figure], notes: Sequence[str], argv: Sequence[str]) -> str:
    """The figures as Markdown, headed by the command and the machine they came from."""
    command = shlex.join([".venv/bin/python", "-m", "bench", *_shown(argv)])
    machine = (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    lines = [
        f"Command: `{command}`",
        "",
        f"Run at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine}.",
        "",
        markdown_table(figures),
    ]
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
