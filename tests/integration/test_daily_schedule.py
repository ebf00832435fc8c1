"""Daily posts and reveals with a manual clock: slots, grace periods, restarts, failures and races."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.decks import DeckCatalog
from bot.core.models import ChannelKey, RoundKind, RoundState
from bot.core.ports import PlatformError
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizService
from tests.conftest import SEOUL, RecordingPlatform, ServiceFactory
from tests.integration.quiz_steps import answer, answer_covering, daily_channel, stored_results, total_points
from tests.rawsql import fetchall

pytestmark = pytest.mark.backends("sqlite", "postgresql")

SLOT = dt.datetime(2025, 3, 5, 9, 0, tzinfo=SEOUL)  # the fixture clock starts an hour before it
NEXT_SLOT = SLOT + dt.timedelta(days=1)
DAILY_REVEAL = dt.timedelta(hours=8)


async def restart(
    make_service: ServiceFactory, platform: RecordingPlatform | None = None
) -> tuple[QuizScheduler, RecordingPlatform]:
    """A fresh service and scheduler on the same database, as after the process was restarted."""
    platform = platform or RecordingPlatform()
    scheduler = QuizScheduler(await make_service(), {platform.name: platform})
    await scheduler.rebuild()
    return scheduler, platform


async def live_until(scheduler: QuizScheduler, clock: ManualClock, end: dt.datetime) -> None:
    """Let time pass as it would for a running bot: small steps, due jobs run at each."""
    while clock.now() < end:
        clock.set(min(clock.now() + dt.timedelta(minutes=15), end))
        await scheduler.run_due()


async def round_states(service: QuizService) -> list[tuple[str, str]]:
    rows = await fetchall(service.storage, "SELECT kind, state FROM rounds ORDER BY id")
    return [(r["kind"], r["state"]) for r in rows]


# -- the schedule ---------------------------------------------------------------------------------------------


async def test_setting_a_schedule_plans_the_next_post(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey
) -> None:
    channel = await daily_channel(service, channel_key)
    await scheduler.schedule_channel(channel)
    assert scheduler.next_run(f"post:{channel.ref}") == SLOT
    assert scheduler.job_count() == 1


async def test_the_daily_question_is_posted_exactly_once_at_its_slot(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    channel = await daily_channel(service, channel_key)
    await scheduler.schedule_channel(channel)

    clock.set(SLOT - dt.timedelta(seconds=1))
    assert await scheduler.run_due() == 0
    assert platform.questions == []

    clock.set(SLOT)
    await scheduler.run_due()
    await scheduler.run_due()
    assert len(platform.questions) == 1
    (posted_to, card) = platform.questions[0]
    assert posted_to == channel_key
    assert card.round.kind is RoundKind.DAILY
    assert card.round.slot == SLOT
    assert card.round.reveal_at == SLOT + DAILY_REVEAL
    assert scheduler.next_run(f"post:{channel.ref}") == NEXT_SLOT
    assert scheduler.next_run(f"reveal:{card.round.id}") == SLOT + DAILY_REVEAL


async def test_the_daily_round_is_revealed_after_its_delay(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    await scheduler.schedule_channel(await daily_channel(service, channel_key))
    clock.set(SLOT)
    await scheduler.run_due()
    round_ = await service.current_round(channel_key)
    assert round_ is not None
    await answer(service, round_, "Alice", answer_covering(service, round_, 99))

    clock.set(SLOT + DAILY_REVEAL - dt.timedelta(seconds=1))
    await scheduler.run_due()
    assert platform.reveals == []
    clock.set(SLOT + DAILY_REVEAL)
    await scheduler.run_due()
    (card,) = platform.reveals
    assert card.round.id == round_.id
    assert [r.total for r in card.results] == [30]
    assert await round_states(service) == [("daily", "revealed")]


async def test_posts_follow_the_schedule_day_after_day(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    await scheduler.schedule_channel(await daily_channel(service, channel_key))
    await live_until(scheduler, clock, SLOT + dt.timedelta(days=4, hours=12))
    slots = [card.round.slot for _, card in platform.questions]
    assert slots == [SLOT + dt.timedelta(days=day) for day in range(5)]
    assert len(platform.reveals) == 5
    assert len({card.question.id for _, card in platform.questions}) == 5


async def test_weekdays_outside_the_schedule_get_no_post(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    channel = await service.configure_channel(channel_key, enabled=True, weekdays=frozenset({0, 2, 4}))
    await scheduler.schedule_channel(channel)
    await live_until(scheduler, clock, SLOT + dt.timedelta(days=7, hours=1))
    slots = [card.round.slot for _, card in platform.questions]
    assert slots == [SLOT + dt.timedelta(days=days) for days in (0, 2, 5, 7)]  # Wed, Fri, Mon, Wed


async def test_a_paused_channel_gets_no_post_until_resumed(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    channel = await daily_channel(service, channel_key)
    await scheduler.schedule_channel(channel)
    paused = await service.set_paused(channel_key, True)
    await scheduler.schedule_channel(paused)
    assert scheduler.next_run(f"post:{channel.ref}") is None
    clock.set(SLOT)
    await scheduler.run_due()
    assert platform.questions == []

    resumed = await service.set_paused(channel_key, False)
    await scheduler.schedule_channel(resumed)
    clock.set(NEXT_SLOT)
    await scheduler.run_due()
    assert [card.round.slot for _, card in platform.questions] == [NEXT_SLOT]


async def test_a_job_planned_twice_before_the_scheduler_starts_exists_once(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey
) -> None:
    channel = await daily_channel(service, channel_key)
    await scheduler.schedule_channel(channel)
    await scheduler.schedule_channel(channel)
    assert scheduler.job_count() == 1


# -- downtime and restarts ------------------------------------------------------------------------------------


async def test_a_post_missed_while_down_is_made_once_within_the_grace_period(
    service: QuizService,
    scheduler: QuizScheduler,
    make_service: ServiceFactory,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    await scheduler.schedule_channel(await daily_channel(service, channel_key))
    scheduler.shutdown()  # the process dies before the slot
    clock.set(SLOT + dt.timedelta(minutes=40))

    restarted, platform = await restart(make_service)
    await restarted.run_due()
    assert [card.round.slot for _, card in platform.questions] == [SLOT]
    assert platform.questions[0][1].round.reveal_at == clock.now() + DAILY_REVEAL

    again, platform_again = await restart(make_service)
    await again.run_due()
    assert platform_again.questions == []
    assert await round_states(service) == [("daily", "open")]


async def test_a_post_missed_beyond_the_grace_period_is_skipped(
    service: QuizService,
    scheduler: QuizScheduler,
    make_service: ServiceFactory,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    channel = await daily_channel(service, channel_key)
    await scheduler.schedule_channel(channel)
    clock.set(SLOT + dt.timedelta(hours=1, minutes=1))

    restarted, platform = await restart(make_service)
    await restarted.run_due()
    assert platform.questions == []
    assert await round_states(service) == []
    assert restarted.next_run(f"post:{channel.ref}") == NEXT_SLOT


async def test_a_late_job_past_the_grace_period_does_not_post(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    channel = await daily_channel(service, channel_key)
    await scheduler.schedule_channel(channel)
    clock.set(SLOT + dt.timedelta(hours=2))  # e.g. the machine slept through the slot
    await scheduler.run_due()
    assert platform.questions == []
    assert scheduler.next_run(f"post:{channel.ref}") == NEXT_SLOT


async def test_an_overdue_reveal_happens_at_once_on_rebuild(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    make_service: ServiceFactory,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    await answer(service, round_, "Alice", "답")
    scheduler.shutdown()
    clock.advance(dt.timedelta(hours=3))

    restarted, new_platform = await restart(make_service)
    assert restarted.next_run(f"reveal:{round_.id}") == clock.now()
    assert await restarted.run_due() == 1
    (card,) = new_platform.reveals
    assert card.round.id == round_.id
    assert await round_states(service) == [("ondemand", "revealed")]


async def test_an_open_round_keeps_its_reveal_time_across_a_restart(
    scheduler: QuizScheduler, platform: RecordingPlatform, make_service: ServiceFactory, channel_key: ChannelKey
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    restarted, _ = await restart(make_service)
    assert restarted.next_run(f"reveal:{round_.id}") == round_.reveal_at


async def test_a_round_interrupted_between_scoring_and_posting_is_finished_without_rescoring(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    make_service: ServiceFactory,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    await answer(service, round_, "Alice", answer_covering(service, round_, 99))
    await answer(service, round_, "Bob", answer_covering(service, round_, 0))
    platform.fail_next_reveals(1, RuntimeError("process killed while posting"))
    clock.advance(dt.timedelta(minutes=10))
    with pytest.raises(RuntimeError, match="process killed"):
        await scheduler.run_due()
    assert await round_states(service) == [("ondemand", "revealing")]
    scored = await stored_results(service, round_.id)
    totals = {m: await total_points(service, channel_key, m) for m in ("alice", "bob")}

    restarted, new_platform = await restart(make_service)
    (card,) = new_platform.reveals
    assert sorted((r.member.member_id, r.total) for r in card.results) == [("alice", 30), ("bob", 10)]
    assert await round_states(service) == [("ondemand", "revealed")]
    assert await stored_results(service, round_.id) == scored
    assert (
        {m: await total_points(service, channel_key, m) for m in ("alice", "bob")}
        == totals
        == {
            "alice": 30,
            "bob": 10,
        }
    )
    await restarted.run_due()
    _, third_platform = await restart(make_service)
    assert third_platform.reveals == []
    assert len(new_platform.reveals) == 1


async def test_a_reveal_whose_post_failed_is_posted_on_retry(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    await answer(service, round_, "Alice", "답")
    platform.fail_next_reveals(1)
    clock.advance(dt.timedelta(minutes=10))
    await scheduler.run_due()
    assert platform.reveals == []
    assert await round_states(service) == [("ondemand", "revealing")]

    clock.advance(scheduler.retry_delay)
    await scheduler.run_due()
    assert len(platform.reveals) == 1
    assert await round_states(service) == [("ondemand", "revealed")]
    assert await total_points(service, channel_key, "alice") == 10


# -- post failures --------------------------------------------------------------------------------------------


async def test_a_retryable_post_failure_is_retried_within_the_grace_period(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    await scheduler.schedule_channel(await daily_channel(service, channel_key))
    platform.fail_next_posts(2, retryable=True)
    clock.set(SLOT)
    await scheduler.run_due()
    assert platform.questions == []
    assert await round_states(service) == [("daily", "pending")]

    clock.advance(scheduler.retry_delay)
    await scheduler.run_due()
    clock.advance(scheduler.retry_delay)
    await scheduler.run_due()
    assert [card.round.slot for _, card in platform.questions] == [SLOT]
    assert platform.post_attempts == 3
    assert await round_states(service) == [("daily", "open")]
    assert platform.problems == []


async def test_retries_stop_at_the_end_of_the_grace_period_and_the_admins_are_told(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    await scheduler.schedule_channel(await daily_channel(service, channel_key))
    platform.fail_next_posts(1000, retryable=True)
    clock.set(SLOT)
    for _ in range(70):
        await scheduler.run_due()
        clock.advance(scheduler.retry_delay)
    assert platform.questions == []
    assert platform.post_attempts == 61  # at the slot, then once a minute up to the end of the hour of grace
    assert await round_states(service) == [("daily", "cancelled")]
    assert len(platform.problems) == 1


async def test_a_permanent_post_failure_cancels_the_round_and_reports_the_problem(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    channel = await daily_channel(service, channel_key)
    await scheduler.schedule_channel(channel)
    platform.fail_next_posts(1, retryable=False)
    clock.set(SLOT)
    await scheduler.run_due()
    assert await round_states(service) == [("daily", "cancelled")]
    assert platform.problems == [(channel_key, "post refused")]
    assert platform.post_attempts == 1
    assert scheduler.next_run(f"post:{channel.ref}") == NEXT_SLOT

    clock.set(NEXT_SLOT)
    await scheduler.run_due()
    assert len(platform.questions) == 1


async def test_a_pending_post_is_retried_after_a_restart_within_the_grace_period(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    make_service: ServiceFactory,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    await scheduler.schedule_channel(await daily_channel(service, channel_key))
    platform.fail_next_posts(1, retryable=True)
    clock.set(SLOT)
    await scheduler.run_due()
    scheduler.shutdown()
    clock.advance(dt.timedelta(minutes=20))

    restarted, new_platform = await restart(make_service)
    await restarted.run_due()
    assert [card.round.slot for _, card in new_platform.questions] == [SLOT]
    assert await round_states(service) == [("daily", "open")]


async def test_an_on_demand_round_that_failed_to_post_is_cancelled(
    service: QuizService, scheduler: QuizScheduler, platform: RecordingPlatform, channel_key: ChannelKey
) -> None:
    platform.fail_next_posts(1, retryable=True)
    with pytest.raises(PlatformError, match="post refused"):  # the caller tells the member the post failed
        await scheduler.ask(platform, channel_key)
    assert await round_states(service) == [("ondemand", "cancelled")]
    assert await service.current_round(channel_key) is None


# -- two processes --------------------------------------------------------------------------------------------


async def test_two_schedulers_racing_on_one_slot_post_once(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    make_service: ServiceFactory,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    channel = await daily_channel(service, channel_key)
    other_platform = RecordingPlatform()
    other = QuizScheduler(await make_service(), {other_platform.name: other_platform})
    await scheduler.schedule_channel(channel)
    await other.schedule_channel(channel)

    clock.set(SLOT)
    await asyncio.gather(scheduler.run_due(), other.run_due())
    assert len(platform.questions) + len(other_platform.questions) == 1
    assert await round_states(service) == [("daily", "open")]

    clock.set(SLOT + DAILY_REVEAL)
    await asyncio.gather(scheduler.run_due(), other.rebuild())
    await asyncio.gather(scheduler.run_due(), other.run_due())
    assert len(platform.reveals) + len(other_platform.reveals) == 1
    assert await round_states(service) == [("daily", "revealed")]


async def test_two_services_revealing_one_round_score_it_once(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    make_service: ServiceFactory,
    channel_key: ChannelKey,
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    await answer(service, round_, "Alice", "답")
    other_service = await make_service()
    outcomes = await asyncio.gather(service.reveal(platform, round_.id), other_service.reveal(platform, round_.id))
    assert sum(outcome is not None for outcome in outcomes) == 1
    assert len(platform.reveals) == 1
    assert await total_points(service, channel_key, "alice") == 10


async def test_states_only_move_forward(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, platform: RecordingPlatform
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    await scheduler.reveal_now(channel_key)
    assert not await service.storage.rounds.cancel(round_.id)
    stored = await service.storage.rounds.get(round_.id)
    assert stored is not None and stored.state is RoundState.REVEALED


async def test_a_reveal_that_cannot_be_posted_is_reported_once_and_not_retried(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    await answer(service, round_, "Alice", "답")
    platform.fail_next_reveals(1, PlatformError("thread deleted", retryable=False))
    clock.advance(dt.timedelta(minutes=10))
    await scheduler.run_due()
    assert platform.problems == [(channel_key, "thread deleted")]
    assert scheduler.job_count() == 0
    clock.advance(dt.timedelta(hours=1))
    assert await scheduler.run_due() == 0
    assert await round_states(service) == [("ondemand", "revealing")]
    assert await total_points(service, channel_key, "alice") == 10


async def test_a_round_whose_question_left_the_deck_is_cancelled_on_rebuild(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    make_service: ServiceFactory,
    catalog: DeckCatalog,
) -> None:
    channel = await daily_channel(service, channel_key)
    round_ = await scheduler.ask(platform, channel_key)
    deck = catalog.deck(round_.deck_id)
    edited = deck.model_copy(update={"questions": tuple(q for q in deck.questions if q.id != round_.question_id)})
    restarted_service = await make_service()
    restarted_service.catalog = DeckCatalog([edited])
    restarted = QuizScheduler(restarted_service, {platform.name: platform})

    await restarted.rebuild()
    assert await round_states(service) == [("ondemand", "cancelled")]
    assert restarted.next_run(f"reveal:{round_.id}") is None
    assert restarted.next_run(f"post:{channel.ref}") == SLOT


async def test_daily_posts_keep_their_local_time_across_a_dst_change(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    new_york = ZoneInfo("America/New_York")
    clock.set(dt.datetime(2025, 3, 7, 12, 0, tzinfo=new_york))
    channel = await daily_channel(service, channel_key, timezone="America/New_York")
    await scheduler.schedule_channel(channel)
    await live_until(scheduler, clock, dt.datetime(2025, 3, 11, 12, 0, tzinfo=new_york))
    posted = [card.round.slot for _, card in platform.questions if card.round.slot is not None]
    assert [slot.astimezone(new_york).strftime("%a %H:%M") for slot in posted] == [
        "Sat 09:00",
        "Sun 09:00",
        "Mon 09:00",
        "Tue 09:00",
    ]
    assert [slot.astimezone(dt.UTC).hour for slot in posted] == [14, 13, 13, 13]
