"""The benchmarks still run: their quickest functions on tiny sizes give sane, positive figures (not timings)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import asyncpg

from bench import ingest, ingest_postgres, leaderboard, startup
from bench.history import HistoryShape, generate
from bench.reveal_data import RevealShape, build_database
from bench.stats import figure_over_runs, percentile
from tests.postgres import server_url


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


def test_reveal_rounds_ask_the_whole_deck_and_get_distinct_member_answers(tmp_path: Path) -> None:
    shape = RevealShape(rounds=40, answers_per_round=3, window=1.0, questions="all", answers="members", large_round=9)
    large = build_database(tmp_path / "r.sqlite3", shape, first_due=dt.datetime.now(dt.UTC))
    with sqlite3.connect(tmp_path / "r.sqlite3") as conn:
        asked = conn.execute("SELECT COUNT(DISTINCT question_id) FROM rounds WHERE state = 'open'").fetchone()[0]
        per_round = conn.execute(
            "SELECT round_id, COUNT(*), COUNT(DISTINCT text) FROM answers GROUP BY round_id ORDER BY round_id"
        ).fetchall()
    assert asked > 10 and len(per_round) == 40
    assert [(n, distinct) for round_id, n, distinct in per_round if round_id == large] == [(9, 9)]
    assert all(n == distinct == 3 for round_id, n, distinct in per_round if round_id != large)


def test_postgresql_ingest_records_every_answer_on_both_sides_and_drops_its_databases() -> None:
    server = server_url()  # skips without a test server (fails under CI)
    bot, plain = ingest_postgres.measure(server, members=30, rounds=2, concurrency=5, waves=1)
    assert (bot.answers, len(bot.latencies), plain.answers, len(plain.latencies)) == (30, 30, 30, 30)
    assert bot.per_second > 0 and plain.per_second > 0

    async def leftovers() -> list[str]:
        conn = await asyncpg.connect(server)
        try:
            return [
                r[0] for r in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'quizbot_bench_%'")
            ]
        finally:
            await conn.close()

    assert asyncio.run(leftovers()) == []


def test_a_fleet_plan_gives_each_process_consecutive_shards_and_an_equal_share_of_the_rate() -> None:
    from bench.fleet import FleetPlan

    specs = FleetPlan(channels=8, guilds=4, shard_count=4, processes=2, total_rate=50).process_specs()
    assert [(s.shard_ids, s.rate) for s in specs] == [((0, 1), 25.0), ((2, 3), 25.0)]
    assert specs[1].shard_env() == {
        "DISCORD_REQUESTS_PER_SECOND": "25",
        "DISCORD_SHARD_COUNT": "4",
        "DISCORD_SHARD_IDS": "2-3",
    }


def test_the_fleet_world_puts_its_guilds_evenly_on_the_shards() -> None:
    from bench.worldbuild import WorldSpec, build_world, shard_of
    from tests.e2e.discord_server import DiscordServer

    server = DiscordServer()
    world = build_world(server, WorldSpec(guilds=12, channels=30, shard_count=4))
    guilds = {t.guild_id for t in world.targets}
    shards = [shard_of(g, 4) for g in guilds]
    assert len(world.targets) == 30 and len(guilds) == 12
    assert sorted(shards.count(s) for s in range(4)) == [3, 3, 3, 3]
    assert all(t.shard == shard_of(t.guild_id, 4) for t in world.targets)


def test_two_bot_processes_on_postgresql_catch_up_every_open_round_and_start_their_schedulers(tmp_path: Path) -> None:
    from bench.fleet import FleetPlan, measure_restart
    from tests.postgres import server_url

    server_url()  # skips without PostgreSQL (fails under CI)
    run = measure_restart(FleetPlan(channels=24, guilds=8, shard_count=4, processes=2), latency=0.0, base=tmp_path)
    assert run.rounds == 20  # one channel per shard is the scheduler's sentinel
    assert run.caught_up > 0 and run.ready > 0
    assert run.requests >= run.rounds
