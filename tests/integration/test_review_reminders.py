"""Opt-in review reminders: a private message at the member's own time on days cards are due, from a periodic job
whose last run is kept in the database, so a restart neither sends a reminder twice nor skips one; opting out stops
them at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.core.clock import ManualClock
from bot.core.commands import Caller, GiveAnswer, MeForget, MeSet, RevealNow, run
from bot.core.models import ChannelKey, GuildKey
from bot.core.ports import PlatformError, ReminderCard
from bot.core.ports.storage import QuizStore
from bot.core.quiz import Quiz
from bot.core.review.cards import ReviewPolicy
from bot.core.review.service import ReviewService
from bot.core.review.settings import SettingsChange
from bot.core.scheduler import REMINDERS_JOB, QuizScheduler
from bot.core.service import QuizService
from bot.storage.review_backends import review_store_for
from tests.conftest import SEOUL, RecordingPlatform
from tests.integration.quiz_steps import UNRELATED, member

pytestmark = pytest.mark.backends("sqlite", "postgresql")

ADMIN = Caller(member("Admin"), admin=True)
ALICE = Caller(member("Alice"))
# The conftest clock starts on Wednesday 2025-03-05 at 08:00 in Seoul.
THURSDAY = dt.date(2025, 3, 6)


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=SEOUL)


class RemindedPlatform(RecordingPlatform):
    """The recording platform, keeping the private reminders it was asked to deliver too."""

    def __init__(self) -> None:
        super().__init__()
        self.reminded: list[ReminderCard] = []
        self.failures: list[PlatformError] = []

    async def remind_member(self, card: ReminderCard) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.reminded.append(card)


@pytest.fixture
def reminded() -> RemindedPlatform:
    return RemindedPlatform()


@pytest.fixture
def reviews(service: QuizService, storage: QuizStore, clock: ManualClock) -> ReviewService:
    store = review_store_for(storage)
    assert store is not None
    service.review = ReviewService(
        store, storage, lambda: service.catalog, clock=clock, rules=service.rules, policy=ReviewPolicy(fuzz=False)
    )
    return service.review


@pytest.fixture
def timers(service: QuizService, reviews: ReviewService, reminded: RemindedPlatform) -> Iterator[QuizScheduler]:
    built = QuizScheduler(service, {reminded.name: reminded})
    yield built
    built.shutdown()


@pytest.fixture
def quiz(service: QuizService, timers: QuizScheduler, reminded: RemindedPlatform) -> Quiz:
    return Quiz(service, timers, reminded)


async def card_due_thursday(quiz: Quiz, key: ChannelKey) -> None:
    """Alice answers Wednesday's question wrong: her card of it is due again on Thursday."""
    round_ = await quiz.ask(key)
    await run(quiz, GiveAnswer(UNRELATED, f"a-{round_.id}"), key, ALICE)
    await run(quiz, RevealNow(), key, ADMIN)


async def move(quiz: Quiz, clock: ManualClock, when: dt.datetime) -> None:
    clock.set(when)
    await quiz.run_due()


async def test_a_reminder_comes_at_the_members_time_on_days_cards_are_due_and_once(
    quiz: Quiz, channel_key: ChannelKey, clock: ManualClock, reminded: RemindedPlatform, timers: QuizScheduler
) -> None:
    await card_due_thursday(quiz, channel_key)
    assert timers.next_run(REMINDERS_JOB) is None  # nobody wants reminders: no job
    await run(quiz, MeSet(SettingsChange(reminders=True, reminder_time=dt.time(20, 0))), channel_key, ALICE)
    assert timers.next_run(REMINDERS_JOB) is not None

    await move(quiz, clock, at(THURSDAY - dt.timedelta(days=1), 20, 0))  # Wednesday: nothing due yet
    await move(quiz, clock, at(THURSDAY, 19, 59))
    assert reminded.reminded == []
    await move(quiz, clock, at(THURSDAY, 20, 0))
    assert reminded.reminded == [ReminderCard(GuildKey(channel_key.platform, channel_key.guild_id), "alice", 1)]
    await move(quiz, clock, at(THURSDAY, 23, 59))
    assert len(reminded.reminded) == 1


async def test_a_restart_after_sending_does_not_send_again(
    quiz: Quiz,
    channel_key: ChannelKey,
    clock: ManualClock,
    reminded: RemindedPlatform,
    service: QuizService,
    reviews: ReviewService,
) -> None:
    await card_due_thursday(quiz, channel_key)
    await run(quiz, MeSet(SettingsChange(reminders=True, reminder_time=dt.time(20, 0))), channel_key, ALICE)
    await move(quiz, clock, at(THURSDAY, 20, 0))
    assert len(reminded.reminded) == 1
    # Killed after sending but before its run was recorded: the restarted job goes over the same window again.
    await reviews.store.reminders.mark_run(REMINDERS_JOB, at(THURSDAY, 19, 59))

    restarted = QuizScheduler(service, {reminded.name: reminded})
    await restarted.rebuild()
    clock.set(at(THURSDAY, 20, 0, 30))
    await restarted.run_due()
    restarted.shutdown()

    assert len(reminded.reminded) == 1


async def test_a_reminder_due_while_the_bot_was_down_comes_at_the_restart_the_same_day(
    quiz: Quiz,
    channel_key: ChannelKey,
    clock: ManualClock,
    reminded: RemindedPlatform,
    service: QuizService,
    timers: QuizScheduler,
) -> None:
    await card_due_thursday(quiz, channel_key)
    await run(quiz, MeSet(SettingsChange(reminders=True, reminder_time=dt.time(20, 0))), channel_key, ALICE)
    await move(quiz, clock, at(THURSDAY, 19, 50))
    timers.shutdown()  # down from 19:50 to 20:30

    clock.set(at(THURSDAY, 20, 30))
    restarted = QuizScheduler(service, {reminded.name: reminded})
    await restarted.rebuild()
    await restarted.run_due()

    assert [card.member_id for card in reminded.reminded] == ["alice"]
    await restarted.rebuild()  # and once more: nothing new
    clock.set(at(THURSDAY, 20, 31))
    await restarted.run_due()
    restarted.shutdown()
    assert len(reminded.reminded) == 1


async def test_after_a_stop_past_the_members_day_only_todays_reminder_comes(
    quiz: Quiz,
    channel_key: ChannelKey,
    clock: ManualClock,
    reminded: RemindedPlatform,
    service: QuizService,
    timers: QuizScheduler,
) -> None:
    await card_due_thursday(quiz, channel_key)
    await run(quiz, MeSet(SettingsChange(reminders=True, reminder_time=dt.time(20, 0))), channel_key, ALICE)
    await move(quiz, clock, at(THURSDAY, 19, 0))
    timers.shutdown()  # down until Friday 21:00: Thursday's reminder is past saying anything

    clock.set(at(THURSDAY + dt.timedelta(days=1), 21, 0))
    restarted = QuizScheduler(service, {reminded.name: reminded})
    await restarted.rebuild()
    await restarted.run_due()
    restarted.shutdown()

    assert len(reminded.reminded) == 1  # Friday's (the card is still due), not Thursday's as well


async def test_opting_out_stops_reminders_at_once(
    quiz: Quiz, channel_key: ChannelKey, clock: ManualClock, reminded: RemindedPlatform, timers: QuizScheduler
) -> None:
    await card_due_thursday(quiz, channel_key)
    await run(quiz, MeSet(SettingsChange(reminders=True, reminder_time=dt.time(20, 0))), channel_key, ALICE)
    await move(quiz, clock, at(THURSDAY, 19, 59))

    await run(quiz, MeSet(SettingsChange(reminders=False)), channel_key, ALICE)

    assert timers.next_run(REMINDERS_JOB) is None
    await move(quiz, clock, at(THURSDAY, 20, 0))
    assert reminded.reminded == []


async def test_forgetting_the_last_member_with_reminders_stops_the_job(
    quiz: Quiz, channel_key: ChannelKey, timers: QuizScheduler
) -> None:
    await run(quiz, MeSet(SettingsChange(reminders=True)), channel_key, ALICE)
    assert timers.next_run(REMINDERS_JOB) is not None

    await run(quiz, MeForget(confirm=True), channel_key, ALICE)

    assert timers.next_run(REMINDERS_JOB) is None


async def test_reminders_switched_on_after_their_time_wait_for_the_next_day(
    quiz: Quiz, channel_key: ChannelKey, clock: ManualClock, reminded: RemindedPlatform
) -> None:
    await card_due_thursday(quiz, channel_key)
    await move(quiz, clock, at(THURSDAY, 21, 0))

    await run(quiz, MeSet(SettingsChange(reminders=True, reminder_time=dt.time(20, 0))), channel_key, ALICE)
    await move(quiz, clock, at(THURSDAY, 21, 1))
    assert reminded.reminded == []
    await move(quiz, clock, at(THURSDAY + dt.timedelta(days=1), 20, 0))
    assert len(reminded.reminded) == 1


async def test_a_reminder_that_cannot_be_delivered_is_logged_and_the_job_goes_on(
    quiz: Quiz, channel_key: ChannelKey, clock: ManualClock, reminded: RemindedPlatform, timers: QuizScheduler
) -> None:
    await card_due_thursday(quiz, channel_key)
    await run(quiz, MeSet(SettingsChange(reminders=True, reminder_time=dt.time(20, 0))), channel_key, ALICE)
    reminded.failures.append(PlatformError("cannot send messages to this user", retryable=False))

    await move(quiz, clock, at(THURSDAY, 20, 0))

    assert reminded.reminded == []
    assert timers.next_run(REMINDERS_JOB) == at(THURSDAY, 20, 1)
