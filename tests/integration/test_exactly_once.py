"""Exactly once, visibly, in the core: a round whose post went out before its attempt failed (or its process was
killed) is adopted rather than posted again or dropped; an admin's reveal says what became of its post; and the
database runs in the synchronous mode the settings ask for."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.commands import Caller, Notice, RevealNow, run
from bot.core.models import ChannelKey, Member, Round, RoundKind, RoundState
from bot.core.ports import PlatformError, PostedQuestion, QuestionCard
from bot.core.quiz import Quiz, RevealStatus
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizService
from bot.runtime import open_runtime
from bot.storage.sqlite.store import Storage
from tests.conftest import QUESTIONS, RecordingPlatform

ADMIN = Caller(Member("admin", "Admin"), admin=True)


async def claimed(service: QuizService, key: ChannelKey, kind: RoundKind, clock: ManualClock) -> Round:
    channel = await service.ensure_channel(key, enabled=kind is RoundKind.DAILY)
    slot = clock.now() if kind is RoundKind.DAILY else None
    round_ = await service.open_round(channel, kind, slot=slot)
    assert round_ is not None
    return round_


async def posted_then_killed(service: QuizService, platform: RecordingPlatform, round_: Round) -> None:
    """An attempt that counted itself and made the post, then died before the round recorded it."""
    await service.storage.rounds.note_post_attempt(round_.id)
    await platform.post_question(round_.channel, service.question_card(round_))


async def test_a_retried_daily_post_adopts_the_post_an_earlier_attempt_made(
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    clock: ManualClock,
) -> None:
    round_ = await claimed(service, channel_key, RoundKind.DAILY, clock)
    await posted_then_killed(service, platform, round_)

    opened = await scheduler.retry_post(round_.id)

    assert opened is not None and opened.state is RoundState.OPEN
    assert len(platform.questions) == 1
    assert platform.opened == [(round_.id, True)]
    assert scheduler.next_run(f"reveal:{round_.id}") == round_.reveal_at


async def test_a_first_attempt_posts_without_looking_for_an_earlier_one(
    service: QuizService, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    round_ = await claimed(service, channel_key, RoundKind.DAILY, clock)

    opened = await service.publish_round(platform, round_)

    assert opened.state is RoundState.OPEN and len(platform.questions) == 1
    assert platform.opened == [(round_.id, False)]


async def test_an_on_demand_round_posted_before_a_restart_is_adopted_not_dropped(
    service: QuizService, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    round_ = await claimed(service, channel_key, RoundKind.ON_DEMAND, clock)
    await posted_then_killed(service, platform, round_)
    restarted = QuizScheduler(service, {platform.name: platform})

    await restarted.rebuild()

    adopted = await service.storage.rounds.get(round_.id)
    assert adopted is not None and adopted.state is RoundState.OPEN
    assert len(platform.questions) == 1 and platform.opened == [(round_.id, True)]
    assert restarted.next_run(f"reveal:{round_.id}") == round_.reveal_at
    restarted.shutdown()


async def test_an_on_demand_round_never_posted_is_still_dropped_at_restart(
    service: QuizService, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    round_ = await claimed(service, channel_key, RoundKind.ON_DEMAND, clock)
    restarted = QuizScheduler(service, {platform.name: platform})

    await restarted.rebuild()

    dropped = await service.storage.rounds.get(round_.id)
    assert dropped is not None and dropped.state is RoundState.CANCELLED
    assert platform.questions == [] and platform.post_attempts == 0
    restarted.shutdown()


class UnreadablePlatform(RecordingPlatform):
    """A platform whose channel cannot be read for a while (the network is down at restart)."""

    def __init__(self) -> None:
        super().__init__()
        self.unreadable = 1

    async def find_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion | None:
        if self.unreadable:
            self.unreadable -= 1
            raise PlatformError("network down", retryable=True)
        return await super().find_question(channel, card)


async def test_a_round_whose_channel_cannot_be_read_at_restart_is_looked_for_again(
    service: QuizService, channel_key: ChannelKey, clock: ManualClock
) -> None:
    platform = UnreadablePlatform()
    key = ChannelKey(platform.name, channel_key.guild_id, channel_key.channel_id)
    round_ = await claimed(service, key, RoundKind.ON_DEMAND, clock)
    await posted_then_killed(service, platform, round_)
    restarted = QuizScheduler(service, {platform.name: platform})

    await restarted.rebuild()
    still = await service.storage.rounds.get(round_.id)
    clock.advance(restarted.retry_delay)
    await restarted.run_due()

    assert still is not None and still.state is RoundState.PENDING
    adopted = await service.storage.rounds.get(round_.id)
    assert adopted is not None and adopted.state is RoundState.OPEN
    restarted.shutdown()


class LostResponsePlatform(RecordingPlatform):
    """Posts the question, then loses the response on its way back (a timeout after the platform acted)."""

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        await super().post_question(channel, card)
        raise PlatformError("timed out waiting for the response", retryable=True)


async def test_an_asked_question_whose_response_was_lost_is_adopted_not_orphaned(
    service: QuizService, channel_key: ChannelKey
) -> None:
    platform = LostResponsePlatform()
    key = ChannelKey(platform.name, channel_key.guild_id, channel_key.channel_id)
    scheduler = QuizScheduler(service, {platform.name: platform})
    quiz = Quiz(service, scheduler, platform)

    round_ = await quiz.ask(key)

    assert round_.state is RoundState.OPEN and len(platform.questions) == 1
    assert platform.opened == [(round_.id, True)]
    assert scheduler.next_run(f"reveal:{round_.id}") == round_.reveal_at
    scheduler.shutdown()


async def test_an_asked_question_that_was_refused_is_cancelled_and_the_error_raised(
    quiz: Quiz, platform: RecordingPlatform, channel_key: ChannelKey
) -> None:
    platform.fail_next_posts(1, retryable=True)

    with pytest.raises(PlatformError):
        await quiz.ask(channel_key)

    assert platform.questions == [] and await quiz.current_round(channel_key) is None


@pytest.mark.parametrize(
    ("failure", "status", "notice"),
    [
        (None, RevealStatus.REVEALED, "admin.revealed"),
        (PlatformError("429 for a while", retryable=True), RevealStatus.RETRYING, "admin.reveal-retrying"),
        (PlatformError("no permission", retryable=False), RevealStatus.FAILED, "admin.reveal-failed"),
    ],
)
async def test_an_admins_reveal_says_whether_the_reveal_went_out(
    quiz: Quiz,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    failure: PlatformError | None,
    status: RevealStatus,
    notice: str,
) -> None:
    first = await quiz.ask(channel_key)
    second_key = ChannelKey(channel_key.platform, channel_key.guild_id, "channel-2")
    await quiz.ask(second_key)
    if failure is not None:
        platform.fail_next_reveals(2, failure)

    outcome = await quiz.reveal_now(channel_key)
    reply = await run(quiz, RevealNow(), second_key, ADMIN)

    assert outcome is not None and (outcome.round.id, outcome.status) == (first.id, status)
    assert reply == Notice.of(notice)
    revealed = await quiz.round(first.id)
    assert revealed is not None and revealed.state is (RoundState.REVEALED if failure is None else RoundState.REVEALING)


async def test_storage_runs_sqlite_in_the_synchronous_mode_asked_for(tmp_path: Path) -> None:
    modes = {}
    for mode in ("normal", "full"):
        storage = await Storage(tmp_path / f"{mode}.sqlite3", synchronous=mode).open()
        try:
            row = await storage.db.fetchone("PRAGMA synchronous")
            assert row is not None
            modes[mode] = row[0]
        finally:
            await storage.close()

    assert modes == {"normal": 1, "full": 2}  # SQLite's numbers for NORMAL and FULL


async def test_the_runtime_opens_the_database_with_the_configured_synchronous_mode(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "quiz.sqlite3", decks=(QUESTIONS,), database_synchronous="full")

    async with open_runtime(
        settings, clock=ManualClock(dt.datetime(2025, 3, 5, tzinfo=dt.UTC)), rng=random.Random(1)
    ) as runtime:
        assert isinstance(runtime.storage, Storage)  # a path chooses SQLite
        row = await runtime.storage.db.fetchone("PRAGMA synchronous")

    assert row is not None and row[0] == 2


def test_database_synchronous_takes_normal_or_full_only() -> None:
    assert Settings().database_synchronous == "normal"
    assert Settings(database_synchronous="full").database_synchronous == "full"
    with pytest.raises(ValidationError):
        Settings.model_validate({"database_synchronous": "off"})
