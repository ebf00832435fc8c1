"""The benchmarks still run: their quickest functions on tiny sizes give sane, positive figures (not timings)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

from bench import ingest, leaderboard, startup
from bench.history import HistoryShape, generate
from bench.stats import figure_over_runs, percentile


def test_percentiles_are_observed_values_by_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert (percentile(samples, 50), percentile(samples, 99), percentile(samples, 100)) == (50.0, 99.0, 100.0)


def test_a_figure_is_the_median_of_its_runs_judged_against_its_bound() -> None:
    figure = figure_over_runs("b", "f", [3.0, 1.0, 2.0], "ms", upper=2.5)
    assert (figure.value, figure.ok) == (2.0, True)


def test_ingest_records_every_answer_and_measures_both_sides(tmp_path: Path) -> None:
    bot, plain = ingest.measure(members=40, rounds=2, concurrency=8, waves=1, base=tmp_path)
    assert (bot.answers, len(bot.latencies), plain.answers, len(plain.latencies)) == (40, 40, 40, 40)
    assert bot.per_second > 0 and plain.per_second > 0
    assert 0 < bot.latency_ms(50) <= bot.latency_ms(99)


def test_a_generated_history_is_consistent_with_its_totals(tmp_path: Path) -> None:
    history = generate(
        tmp_path / "h.sqlite3", HistoryShape.for_answers(3000), end=dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    )
    with sqlite3.connect(history.path) as conn:
        answers, results = conn.execute(
            "SELECT (SELECT COUNT(*) FROM answers), (SELECT COUNT(*) FROM results)"
        ).fetchone()
        summed = conn.execute(
            "SELECT SUM(answer_points + coverage_points + vote_points + streak_bonus) FROM results"
        ).fetchone()[0]
        all_time = conn.execute("SELECT SUM(points) FROM totals WHERE period = 'all'").fetchone()[0]
    assert (answers, results) == (3000, 3000)
    assert all_time == summed


def test_leaderboard_operations_answer_on_a_generated_history(tmp_path: Path) -> None:
    history = generate(tmp_path / "h.sqlite3", HistoryShape.for_answers(3000))
    run = asyncio.run(leaderboard.measure_history(history, calls=4))
    assert set(run.latencies) == set(leaderboard.OPERATIONS)
    assert all(len(samples) == 4 and min(samples) > 0 for samples in run.latencies.values())


def test_startup_plans_a_reveal_per_open_round_and_a_post_per_daily_channel(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    startup.build_database(path, channels=40, open_rounds=40, now=dt.datetime.now(dt.UTC))
    figures = asyncio.run(startup.start_once(path, trace=False, rebuild_only=False))
    # A tenth of the channels take on-demand questions only and a twentieth are paused: 34 daily channels.
    assert figures["jobs"] == 40 + 34
    assert isinstance(figures["start_seconds"], float) and figures["start_seconds"] > 0
