"""The front door platforms call: each operation does the whole job, timers included, with no calling order for
an adapter to know."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.clock import ManualClock
from bot.core.errors import UserError
from bot.core.models import ChannelKey, RoundState
from bot.core.ports import PlatformError, QuestionCard
from bot.core.quiz import Quiz, ScheduleChange
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizService
from tests.conftest import RecordingPlatform
from tests.integration.quiz_steps import member

ON_DEMAND_DELAY = dt.timedelta(minutes=10)  # the default of ChannelDefaults


async def test_an_asked_question_is_revealed_without_anything_else_being_called(
    quiz: Quiz, channel_key: ChannelKey, platform: RecordingPlatform, clock: ManualClock
) -> None:
    round_ = await quiz.ask(channel_key)
    await quiz.answer(round_, member("Alice"), "답입니다", message_id="m1")

    clock.advance(ON_DEMAND_DELAY)
    assert await quiz.run_due() == 1

    assert [card.round.id for card in platform.reveals] == [round_.id]
    revealed = await quiz.round(round_.id)
    assert revealed is not None and revealed.state is RoundState.REVEALED


async def test_setup_plans_the_daily_post_at_once(
    quiz: Quiz, channel_key: ChannelKey, platform: RecordingPlatform, clock: ManualClock, scheduler: QuizScheduler
) -> None:
    settings = await quiz.setup(channel_key, ScheduleChange(post_time=dt.time(9, 0), weekdays=frozenset(range(7))))

    assert settings.enabled
    assert scheduler.next_run(f"post:{settings.ref}") is not None
    clock.advance(dt.timedelta(hours=1))  # the fixture clock starts at 08:00 in Seoul
    await quiz.run_due()
    assert len(platform.questions) == 1


async def test_pause_stops_the_daily_post_and_resume_plans_it_again(
    quiz: Quiz, channel_key: ChannelKey, scheduler: QuizScheduler
) -> None:
    settings = await quiz.setup(channel_key, ScheduleChange(weekdays=frozenset(range(7))))
    job = f"post:{settings.ref}"

    await quiz.pause(channel_key)
    assert scheduler.next_run(job) is None
    await quiz.resume(channel_key)
    assert scheduler.next_run(job) is not None


async def test_skip_cancels_the_round_marks_its_question_and_drops_its_reveal(
    quiz: Quiz, channel_key: ChannelKey, platform: RecordingPlatform, clock: ManualClock, scheduler: QuizScheduler
) -> None:
    round_ = await quiz.ask(channel_key)

    skipped = await quiz.skip(channel_key)

    assert skipped is not None and skipped.id == round_.id
    assert platform.cancelled == [round_.id]
    assert scheduler.next_run(f"reveal:{round_.id}") is None
    clock.advance(ON_DEMAND_DELAY)
    await quiz.run_due()
    assert platform.reveals == []


async def test_skip_with_nothing_open_changes_nothing(
    quiz: Quiz, channel_key: ChannelKey, platform: RecordingPlatform
) -> None:
    assert await quiz.skip(channel_key) is None
    assert platform.cancelled == []


async def test_a_skipped_round_stays_cancelled_when_its_question_cannot_be_marked(
    quiz: Quiz, channel_key: ChannelKey, platform: RecordingPlatform, service: QuizService
) -> None:
    round_ = await quiz.ask(channel_key)

    async def refuse(card: QuestionCard) -> None:
        raise PlatformError("message deleted", retryable=False)

    platform.mark_cancelled = refuse  # type: ignore[method-assign]
    assert await quiz.skip(channel_key) is not None
    stored = await quiz.round(round_.id)
    assert stored is not None and stored.state is RoundState.CANCELLED


async def test_reveal_now_reveals_once_and_the_planned_reveal_does_not_repeat_it(
    quiz: Quiz, channel_key: ChannelKey, platform: RecordingPlatform, clock: ManualClock
) -> None:
    round_ = await quiz.ask(channel_key)

    assert await quiz.reveal_now(channel_key) is not None
    assert await quiz.reveal_now(channel_key) is None
    clock.advance(ON_DEMAND_DELAY)
    await quiz.run_due()

    assert [card.round.id for card in platform.reveals] == [round_.id]


async def test_open_channel_creates_on_demand_settings_once(quiz: Quiz, channel_key: ChannelKey) -> None:
    first = await quiz.open_channel(channel_key)
    again = await quiz.open_channel(channel_key, daily=True)

    assert not first.enabled
    assert again == first


async def test_open_rounds_are_those_of_this_platform_only(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, scheduler: QuizScheduler
) -> None:
    mine = await quiz.ask(channel_key)
    other_platform = RecordingPlatform("other")
    other = Quiz.on(service, other_platform)
    await other.ask(ChannelKey("other", "g", "c"))

    assert [r.id for r in await quiz.open_rounds()] == [mine.id]
    other.stop()


async def test_asking_while_a_round_is_open_is_refused_and_posts_nothing(
    quiz: Quiz, channel_key: ChannelKey, platform: RecordingPlatform
) -> None:
    await quiz.ask(channel_key)

    with pytest.raises(UserError) as refused:
        await quiz.ask(channel_key)

    assert refused.value.key == "error.round-open"
    assert len(platform.questions) == 1


async def test_an_unknown_category_is_named_even_while_a_round_is_open(quiz: Quiz, channel_key: ChannelKey) -> None:
    await quiz.ask(channel_key)

    with pytest.raises(UserError) as refused:
        await quiz.ask(channel_key, "cooking")

    assert refused.value.key == "error.unknown-category"
