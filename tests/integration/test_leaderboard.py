"""Streaks across daily rounds, leaderboards (ties, the caller's rank, periods, guilds) and member statistics."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.clock import ManualClock
from bot.core.models import ChannelKey, GuildKey, Period, Round
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizService
from tests.conftest import PLATFORM, SEOUL, RecordingPlatform
from tests.integration.quiz_steps import (
    UNRELATED,
    answer,
    answer_covering,
    daily_channel,
    stored_results,
)
from tests.rawsql import fetchone

pytestmark = pytest.mark.backends("sqlite", "postgresql")

SLOT = dt.datetime(2025, 3, 5, 9, 0, tzinfo=SEOUL)
DAILY_REVEAL = dt.timedelta(hours=8)


@pytest.fixture
def guild(channel_key: ChannelKey) -> GuildKey:
    return GuildKey(channel_key.platform, channel_key.guild_id)


async def daily_round(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, day: int, answers: dict[str, int]
) -> Round:
    """Day ``day``'s daily round: posted at its slot, answered (name -> concepts covered), revealed."""
    clock.set(SLOT + dt.timedelta(days=day))
    await scheduler.run_due()
    posted = await fetchone(service.storage, "SELECT MAX(id) AS id FROM rounds WHERE kind = 'daily'")
    assert posted is not None
    round_ = await service.storage.rounds.get(int(posted["id"]))
    assert round_ is not None and round_.slot == SLOT + dt.timedelta(days=day)
    for name, covered in answers.items():
        await answer(service, round_, name, answer_covering(service, round_, covered))
    clock.set(SLOT + dt.timedelta(days=day) + DAILY_REVEAL)
    await scheduler.run_due()
    return round_


@pytest.fixture
async def daily(service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey) -> None:
    await scheduler.schedule_channel(await daily_channel(service, channel_key))


async def streaks(service: QuizService, round_: Round) -> dict[str, tuple[int, int]]:
    return {m: (r.streak, r.streak_bonus) for m, r in (await stored_results(service, round_.id)).items()}


# -- streaks --------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("daily")
async def test_consecutive_daily_answers_build_a_streak(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, guild: GuildKey
) -> None:
    days = [await daily_round(service, scheduler, clock, day, {"Alice": 0}) for day in range(3)]
    assert [await streaks(service, r) for r in days] == [{"alice": (1, 0)}, {"alice": (2, 2)}, {"alice": (3, 4)}]
    assert [(await stored_results(service, r.id))["alice"].total for r in days] == [10, 12, 14]
    stats = await service.member_stats(guild, "alice")
    assert (stats.current_streak, stats.best_streak, stats.points) == (3, 3, 36)


@pytest.mark.usefixtures("daily")
async def test_a_missed_daily_round_breaks_the_streak(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, guild: GuildKey
) -> None:
    for day in range(3):
        await daily_round(service, scheduler, clock, day, {"Alice": 0, "Bob": 0})
    await daily_round(service, scheduler, clock, 3, {"Bob": 0})
    missed = await service.member_stats(guild, "alice")
    assert (missed.current_streak, missed.best_streak) == (0, 3)

    back = await daily_round(service, scheduler, clock, 4, {"Alice": 0, "Bob": 0})
    assert await streaks(service, back) == {"alice": (1, 0), "bob": (5, 8)}
    stats = await service.member_stats(guild, "alice")
    assert (stats.current_streak, stats.best_streak) == (1, 3)


@pytest.mark.usefixtures("daily")
async def test_a_daily_round_nobody_answered_breaks_every_streak(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock
) -> None:
    await daily_round(service, scheduler, clock, 0, {"Alice": 0})
    await daily_round(service, scheduler, clock, 1, {})
    after = await daily_round(service, scheduler, clock, 2, {"Alice": 0})
    assert await streaks(service, after) == {"alice": (1, 0)}


@pytest.mark.usefixtures("daily")
async def test_the_streak_bonus_stops_growing_at_its_cap(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock
) -> None:
    rounds = [await daily_round(service, scheduler, clock, day, {"Alice": 0}) for day in range(8)]
    bonuses = [(await streaks(service, r))["alice"][1] for r in rounds]
    assert bonuses == [0, 2, 4, 6, 8, 10, 10, 10]


@pytest.mark.usefixtures("daily")
async def test_on_demand_rounds_neither_extend_nor_break_a_daily_streak(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    await daily_round(service, scheduler, clock, 0, {"Alice": 0})
    extra = await scheduler.ask(platform, channel_key)
    await answer(service, extra, "Bob", UNRELATED)
    await scheduler.reveal_now(channel_key)
    assert await streaks(service, extra) == {"bob": (0, 0)}
    second = await daily_round(service, scheduler, clock, 1, {"Alice": 0})
    assert await streaks(service, second) == {"alice": (2, 2)}


# -- leaderboard ----------------------------------------------------------------------------------------------

VOTES = [5, 5, 4, 3, 3, 3, 2, 1, 1, 1, 1, 1, 0]  # member i gets VOTES[i] upvotes: 10 + 2 per vote points


async def voted_round(
    service: QuizService, scheduler: QuizScheduler, platform: RecordingPlatform, key: ChannelKey
) -> Round:
    round_ = await scheduler.ask(platform, key)
    for index, votes in enumerate(VOTES):
        name = f"m{index + 1:02d}"
        await answer(service, round_, name, UNRELATED, message_id=f"{name}-msg")
        for fan in range(votes):
            assert (await service.vote(round_, f"{name}-msg", f"fan-{fan}")).counted
    await scheduler.reveal_now(key)
    return round_


async def test_the_leaderboard_shows_the_top_ten_with_shared_ranks(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    guild: GuildKey,
) -> None:
    await voted_round(service, scheduler, platform, channel_key)
    board = await service.leaderboard(guild, Period.WEEK)
    assert [(r.rank, r.member.member_id, r.points) for r in board.rows] == [
        (1, "m01", 20),
        (1, "m02", 20),
        (3, "m03", 18),
        (4, "m04", 16),
        (4, "m05", 16),
        (4, "m06", 16),
        (7, "m07", 14),
        (8, "m08", 12),
        (8, "m09", 12),
        (8, "m10", 12),
    ]
    assert board.total_members == 13
    assert board.period_start == dt.date(2025, 3, 3)
    assert board.timezone == "Asia/Seoul"


async def test_the_callers_rank_is_given_when_outside_the_top(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    guild: GuildKey,
) -> None:
    await voted_round(service, scheduler, platform, channel_key)
    last = await service.leaderboard(guild, Period.WEEK, caller_id="m13")
    assert last.caller is not None
    assert (last.caller.rank, last.caller.points) == (13, 10)
    tied_but_unlisted = await service.leaderboard(guild, Period.WEEK, caller_id="m12")
    assert tied_but_unlisted.caller is not None
    assert (tied_but_unlisted.caller.rank, tied_but_unlisted.caller.points) == (8, 12)
    listed = await service.leaderboard(guild, Period.WEEK, caller_id="m02")
    assert listed.caller is not None and listed.caller.rank == 1


async def test_a_caller_without_points_has_no_standing(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    guild: GuildKey,
) -> None:
    await voted_round(service, scheduler, platform, channel_key)
    assert (await service.leaderboard(guild, Period.WEEK, caller_id="stranger")).caller is None


async def test_guilds_have_separate_leaderboards(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    guild: GuildKey,
) -> None:
    other_key = ChannelKey(PLATFORM, "guild-2", "channel-9")
    first = await scheduler.ask(platform, channel_key)
    await answer(service, first, "Alice", answer_covering(service, first, 99))
    await scheduler.reveal_now(channel_key)
    second = await scheduler.ask(platform, other_key)
    await answer(service, second, "Alice", UNRELATED)
    await answer(service, second, "Bob", UNRELATED)
    await scheduler.reveal_now(other_key)

    here = await service.leaderboard(guild, Period.ALL)
    there = await service.leaderboard(GuildKey(PLATFORM, "guild-2"), Period.ALL)
    assert [(r.member.member_id, r.points) for r in here.rows] == [("alice", 30)]
    assert [(r.member.member_id, r.points) for r in there.rows] == [("alice", 10), ("bob", 10)]
    assert (await service.member_stats(guild, "alice")).points == 30
    assert (await service.member_stats(GuildKey(PLATFORM, "guild-2"), "alice")).points == 10
    assert (await service.member_stats(guild, "bob")).rounds_answered == 0


async def test_platforms_with_the_same_guild_id_are_kept_apart(
    service: QuizService, channel_key: ChannelKey, guild: GuildKey
) -> None:
    other = RecordingPlatform("other")
    other_key = ChannelKey("other", channel_key.guild_id, "channel-1")
    other_scheduler = QuizScheduler(service, {other.name: other})
    round_ = await other_scheduler.ask(other, other_key)
    await answer(service, round_, "Alice", UNRELATED)
    await other_scheduler.reveal_now(other_key)
    assert (await service.leaderboard(guild, Period.ALL)).rows == ()
    assert len((await service.leaderboard(GuildKey("other", channel_key.guild_id), Period.ALL)).rows) == 1


async def test_the_week_board_starts_afresh_on_monday_in_the_guilds_timezone(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    guild: GuildKey,
    clock: ManualClock,
) -> None:
    clock.set(dt.datetime(2025, 3, 9, 23, 30, tzinfo=SEOUL))  # Sunday night in Seoul
    sunday = await scheduler.ask(platform, channel_key)
    await answer(service, sunday, "Alice", UNRELATED)
    await scheduler.reveal_now(channel_key)

    clock.set(dt.datetime(2025, 3, 10, 0, 30, tzinfo=SEOUL))  # Monday, still Sunday in UTC
    monday = await scheduler.ask(platform, channel_key)
    await answer(service, monday, "Bob", UNRELATED)
    await scheduler.reveal_now(channel_key)

    week = await service.leaderboard(guild, Period.WEEK)
    assert [r.member.member_id for r in week.rows] == ["bob"]
    assert week.period_start == dt.date(2025, 3, 10)
    assert [r.member.member_id for r in (await service.leaderboard(guild, Period.MONTH)).rows] == ["alice", "bob"]
    assert [r.member.member_id for r in (await service.leaderboard(guild, Period.ALL)).rows] == ["alice", "bob"]


async def test_the_month_board_starts_afresh_on_the_first(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    guild: GuildKey,
    clock: ManualClock,
) -> None:
    clock.set(dt.datetime(2025, 3, 31, 22, 0, tzinfo=SEOUL))
    march = await scheduler.ask(platform, channel_key)
    await answer(service, march, "Alice", UNRELATED)
    await scheduler.reveal_now(channel_key)
    clock.set(dt.datetime(2025, 4, 1, 8, 0, tzinfo=SEOUL))
    april = await scheduler.ask(platform, channel_key)
    await answer(service, april, "Bob", UNRELATED)
    await scheduler.reveal_now(channel_key)
    month = await service.leaderboard(guild, Period.MONTH)
    assert [r.member.member_id for r in month.rows] == ["bob"]
    assert month.period_start == dt.date(2025, 4, 1)


# -- member statistics ----------------------------------------------------------------------------------------


async def test_member_stats_give_coverage_per_category(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    guild: GuildKey,
) -> None:
    for category, covered in (("optimization", 99), ("basics", 0), ("basics", 99)):
        round_ = await scheduler.ask(platform, channel_key, category)
        await answer(service, round_, "Alice", answer_covering(service, round_, covered))
        await scheduler.reveal_now(channel_key)

    stats = await service.member_stats(guild, "alice")
    assert stats.member.display_name == "Alice"
    assert stats.rounds_answered == 3
    assert stats.points == 30 + 10 + 30
    assert stats.average_coverage == pytest.approx(2 / 3)
    assert [(c.category, c.answers, c.average_coverage) for c in stats.by_category] == [
        ("basics", 2, 0.5),
        ("optimization", 1, 1.0),
    ]


async def test_stats_of_a_member_who_never_answered_are_empty(service: QuizService, guild: GuildKey) -> None:
    stats = await service.member_stats(guild, "nobody")
    assert (stats.rounds_answered, stats.points, stats.current_streak, stats.by_category) == (0, 0, 0, ())
