"""Work another process left half done: with a database several processes share, a post or reveal in progress
carries a heartbeat, and once it runs out another process finishes the work, exactly once; while the heartbeat is
fresh nobody else touches it. Two schedulers on their own connections to one database stand for two processes;
they show their posts on one recording platform, as two bot processes show them in one chat."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.core.clock import ManualClock
from bot.core.models import ChannelKey, Round, RoundKind, RoundState
from bot.core.ports import PostedQuestion, QuestionCard, check_fence
from bot.core.scheduler import HEARTBEAT_JOB, SWEEP_JOB, QuizScheduler
from bot.core.service import QuizService
from tests.conftest import RecordingPlatform, ServiceFactory

pytestmark = pytest.mark.backends("sqlite", "postgresql")

LEASE = dt.timedelta(seconds=90)
SchedulerFactory = Callable[[], Awaitable[QuizScheduler]]


@pytest.fixture
async def process(make_service: ServiceFactory, platform: RecordingPlatform) -> AsyncIterator[SchedulerFactory]:
    """Another bot process: its own service and store on the same data, a scheduler with the lease, not started
    (the tests move the clock and call its jobs)."""
    built: list[QuizScheduler] = []

    async def make() -> QuizScheduler:
        scheduler = QuizScheduler(await make_service(), {platform.name: platform}, lease=LEASE)
        built.append(scheduler)
        return scheduler

    yield make
    for scheduler in built:
        scheduler.shutdown()


async def claim_daily(service: QuizService, key: ChannelKey, clock: ManualClock) -> Round:
    """What a process does first when a daily slot comes: claim it (and then it is killed, or still posting)."""
    channel = await service.ensure_channel(key, enabled=True)
    round_ = await service.open_round(channel, RoundKind.DAILY, slot=clock.now())
    assert round_ is not None
    return round_


async def state_of(service: QuizService, round_: Round) -> RoundState:
    stored = await service.storage.rounds.get(round_.id)
    assert stored is not None
    return stored.state


async def test_a_claimed_round_whose_process_died_is_posted_by_another_once_the_lease_runs_out(
    process: SchedulerFactory, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    dead, survivor = await process(), await process()
    round_ = await claim_daily(dead.service, channel_key, clock)

    await survivor.rebuild()  # the survivor starts while the claim is fresh: not its round to post
    assert platform.post_attempts == 0 and await state_of(survivor.service, round_) is RoundState.PENDING
    assert survivor.next_run(SWEEP_JOB) == clock.now() + LEASE / 2

    clock.advance(LEASE - dt.timedelta(seconds=1))
    assert await survivor.sweep() == 0
    clock.advance(dt.timedelta(seconds=1))
    assert await survivor.sweep() == 1

    assert len(platform.questions) == 1 and await state_of(survivor.service, round_) is RoundState.OPEN
    assert survivor.next_run(f"reveal:{round_.id}") == round_.reveal_at
    assert await survivor.sweep() == 0  # done: nothing left to take


async def test_a_post_the_dead_process_sent_is_adopted_not_sent_again(
    process: SchedulerFactory, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    dead, survivor = await process(), await process()
    round_ = await claim_daily(dead.service, channel_key, clock)
    await dead.service.storage.rounds.note_post_attempt(round_.id)
    await platform.post_question(round_.channel, dead.service.question_card(round_))  # sent, then killed

    clock.advance(LEASE)
    assert await survivor.sweep() == 1

    assert len(platform.questions) == 1 and platform.opened == [(round_.id, True)]
    assert await state_of(survivor.service, round_) is RoundState.OPEN


async def test_a_live_process_keeps_its_slow_post_by_its_heartbeat(
    process: SchedulerFactory, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    busy, other = await process(), await process()
    round_ = await claim_daily(busy.service, channel_key, clock)
    busy.work.begin(round_.id)  # its post is waiting behind a long fan-out
    await busy.rebuild()
    await other.rebuild()

    for _ in range(6):  # three lease lengths, the busy process beating as planned
        clock.advance(busy.work.beat_every)
        assert await busy.run_due() >= 1
        assert await other.sweep() == 0
    assert platform.post_attempts == 0

    busy.shutdown()  # it dies: no more heartbeats
    clock.advance(LEASE)
    assert await other.sweep() == 1
    assert len(platform.questions) == 1


async def test_a_reveal_whose_process_died_after_fixing_the_scores_is_posted_once(
    process: SchedulerFactory, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    dead, survivor = await process(), await process()
    round_ = await dead.service.ask_now(platform, channel_key)
    platform.fail_next_reveals(1)
    clock.set(round_.reveal_at)
    with pytest.raises(Exception, match="reveal refused"):
        await dead.service.reveal(platform, round_.id)  # scores fixed, the post failed, and the process died
    assert await state_of(dead.service, round_) is RoundState.REVEALING

    await survivor.rebuild()
    assert platform.reveals == []
    clock.advance(LEASE)
    assert await survivor.sweep() == 1
    assert [card.round.id for card in platform.reveals] == [round_.id]
    assert await state_of(survivor.service, round_) is RoundState.REVEALED


async def test_an_open_round_nobody_revealed_is_revealed_once_by_another_process(
    process: SchedulerFactory, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    dead, survivor = await process(), await process()
    round_ = await dead.service.ask_now(platform, channel_key)  # posted; its reveal was planned in the dead one
    clock.set(round_.reveal_at)
    assert await survivor.sweep() == 0  # due, but its process may only be a little late
    clock.advance(LEASE)
    assert await survivor.sweep() == 1
    await survivor.run_due()
    assert [card.round.id for card in platform.reveals] == [round_.id]


async def test_of_two_processes_sweeping_at_once_one_posts(
    process: SchedulerFactory, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    dead = await process()
    sweepers = [await process() for _ in range(3)]
    rounds = [
        await claim_daily(dead.service, ChannelKey(channel_key.platform, "guild-1", f"channel-{i}"), clock)
        for i in range(5)
    ]
    clock.advance(LEASE)

    taken = await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))

    assert sum(taken) == len(rounds)
    assert sorted(card.round.id for _, card in platform.questions) == [r.id for r in rounds]


async def test_without_a_lease_a_restart_takes_its_unfinished_work_over_at_once(
    make_service: ServiceFactory, platform: RecordingPlatform, channel_key: ChannelKey, clock: ManualClock
) -> None:
    service = await make_service()
    round_ = await claim_daily(service, channel_key, clock)
    restarted = QuizScheduler(await make_service(), {platform.name: platform})

    await restarted.rebuild()

    assert len(platform.questions) == 1 and await state_of(service, round_) is RoundState.OPEN
    assert restarted.next_run(HEARTBEAT_JOB) is None and restarted.next_run(SWEEP_JOB) is None
    restarted.shutdown()


class QueuedPlatform(RecordingPlatform):
    """Its first post waits for its turn (``turn``), as a post behind a long fan-out does, then checks the
    round's fence right before sending, as the Discord platform does."""

    def __init__(self) -> None:
        super().__init__()
        self.turn = asyncio.Event()
        self.waiting = asyncio.Event()
        self._queued = 1

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        if self._queued:
            self._queued -= 1
            self.waiting.set()
            await self.turn.wait()
        await check_fence(card.fence)
        return await super().post_question(channel, card)


async def test_a_slow_process_whose_round_was_taken_over_sends_nothing(
    make_service: ServiceFactory, channel_key: ChannelKey, clock: ManualClock
) -> None:
    platform = QueuedPlatform()
    slow = QuizScheduler(await make_service(), {platform.name: platform}, lease=LEASE)
    other = QuizScheduler(await make_service(), {platform.name: platform}, lease=LEASE)
    channel = await slow.service.ensure_channel(ChannelKey(platform.name, "guild-1", "channel-1"), enabled=True)
    posting = asyncio.create_task(slow.post_daily(channel.ref, clock.now()))
    await platform.waiting.wait()  # claimed, and its post waits its turn; its heartbeats do not get through

    clock.advance(LEASE)
    assert await other.sweep() == 1  # taken over and posted by the other process
    platform.turn.set()

    assert await posting is None
    assert len(platform.questions) == 1 and platform.post_attempts == 1  # the slow post was never sent
    (round_,) = await other.service.storage.rounds.in_states(RoundState.OPEN)
    assert not slow.work.holds(round_.id) and slow.next_run(f"reveal:{round_.id}") is None
    assert other.next_run(f"reveal:{round_.id}") == round_.reveal_at
    slow.shutdown()
    other.shutdown()
