"""The request pacer's lanes: one token bucket, the most urgent waiting request first, arrival order within a
lane, and never more than the budget in any second, on a clock the tests move (nothing really sleeps)."""

from __future__ import annotations

import asyncio

import pytest

from bot.platforms.discord.pacing import Lane, RequestPacer


class FakeTime:
    """A monotonic clock whose sleeps move it forward instead of waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds
        await asyncio.sleep(0)


def pacer(time: FakeTime, rate: float = 10.0, burst: int = 1) -> RequestPacer:
    return RequestPacer(rate, burst=burst, clock=time, sleep=time.sleep)


async def served(pacer: RequestPacer, time: FakeTime, lane: Lane, name: str, log: list[tuple[str, float]]) -> None:
    await pacer.acquire(lane)
    log.append((name, time.now))


async def settle() -> None:
    """Let every task that can run, run (the fake sleeps only yield)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_a_waiting_interactive_request_goes_before_waiting_bulk_ones() -> None:
    time = FakeTime()
    paced = pacer(time)
    log: list[tuple[str, float]] = []
    bulk = [asyncio.create_task(served(paced, time, Lane.BULK, f"post-{n}", log)) for n in range(5)]
    await asyncio.sleep(0)
    ack = asyncio.create_task(served(paced, time, Lane.INTERACTIVE, "ack", log))
    await asyncio.gather(*bulk, ack)
    names = [name for name, _ in log]
    # post-0 took the token that was there; the acknowledgement is next, ahead of the four posts still waiting.
    assert names == ["post-0", "ack", "post-1", "post-2", "post-3", "post-4"]


async def test_lanes_are_served_by_urgency_then_arrival() -> None:
    time = FakeTime()
    paced = pacer(time)
    log: list[tuple[str, float]] = []
    await paced.acquire(Lane.BULK)  # the bucket is empty now: everyone below waits
    tasks = [
        asyncio.create_task(served(paced, time, lane, name, log))
        for lane, name in [
            (Lane.BULK, "bulk-a"),
            (Lane.THREAD, "thread-a"),
            (Lane.BULK, "bulk-b"),
            (Lane.INTERACTIVE, "interactive-a"),
            (Lane.THREAD, "thread-b"),
            (Lane.INTERACTIVE, "interactive-b"),
        ]
    ]
    await asyncio.gather(*tasks)
    assert [name for name, _ in log] == [
        "interactive-a",
        "interactive-b",
        "thread-a",
        "thread-b",
        "bulk-a",
        "bulk-b",
    ]


async def test_a_thread_request_follows_its_post_ahead_of_other_posts() -> None:
    time = FakeTime()
    paced = pacer(time)
    log: list[tuple[str, float]] = []

    async def post_with_thread(channel: int) -> None:
        await served(paced, time, Lane.BULK, f"post-{channel}", log)
        await served(paced, time, Lane.THREAD, f"thread-{channel}", log)

    await asyncio.gather(*(post_with_thread(channel) for channel in range(20)))
    names = [name for name, _ in log]
    for channel in range(20):
        # At most the post already chosen before the thread asked lies between a post and its thread.
        assert names.index(f"thread-{channel}") - names.index(f"post-{channel}") <= 2


async def test_a_cancelled_waiter_gives_its_turn_to_the_next() -> None:
    time = FakeTime()
    paced = pacer(time)
    log: list[tuple[str, float]] = []
    await paced.acquire(Lane.BULK)
    gone = asyncio.create_task(served(paced, time, Lane.INTERACTIVE, "gone", log))
    stays = asyncio.create_task(served(paced, time, Lane.BULK, "stays", log))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.gather(stays)
    assert [name for name, _ in log] == ["stays"]
    assert paced.waiting(Lane.INTERACTIVE) == 0
    assert gone.cancelled()


@pytest.mark.parametrize("burst", [1, 2])
async def test_the_rate_stays_within_the_budget_whichever_lanes_are_busy(burst: int) -> None:
    time = FakeTime()
    rate = 45.0
    paced = pacer(time, rate=rate, burst=burst)
    log: list[tuple[str, float]] = []
    lanes = [Lane.BULK] * 300 + [Lane.THREAD] * 100 + [Lane.INTERACTIVE] * 50
    start = time.now
    tasks = []
    for number, lane in enumerate(lanes):
        tasks.append(asyncio.create_task(served(paced, time, lane, f"{lane.name}-{number}", log)))
        if number % 37 == 0:
            await settle()  # arrivals spread over the run, not all at once
    await asyncio.gather(*tasks)
    times = sorted(at for _, at in log)
    assert len(times) == len(lanes)
    # Any one-second window holds at most rate grants, the burst notwithstanding.
    assert busiest_second(times) <= rate
    # And the pacer does not hold back either: the whole run takes what the rate asks, not more.
    assert times[-1] - start == pytest.approx((len(lanes) - burst) / rate, rel=0.02)


def busiest_second(times: list[float]) -> int:
    """The most grants any window of one second holds."""
    return max(sum(1 for t in times[i:] if t < start + 1.0 - 1e-9) for i, start in enumerate(times))


async def test_a_share_of_the_budget_is_never_exceeded_in_any_second_even_after_a_pause() -> None:
    # Two processes at 25/s share one token's 50/s: a burst after a quiet spell must not give either of them a
    # 26th request in one second.
    time = FakeTime()
    paced = pacer(time, rate=25.0, burst=2)
    log: list[tuple[str, float]] = []
    for wave in range(6):
        await asyncio.gather(*(served(paced, time, Lane.BULK, f"w{wave}-{n}", log) for n in range(40)))
        time.now += 0.9 + 0.05 * wave  # quiet, long enough for the bucket to fill up again
    times = sorted(at for _, at in log)
    assert len(times) == 240
    assert busiest_second(times) == 25


async def test_a_free_token_is_taken_at_once_without_sleeping() -> None:
    time = FakeTime()
    paced = pacer(time, burst=2)
    await paced.acquire(Lane.BULK)
    await paced.acquire(Lane.INTERACTIVE)
    assert time.slept == 0.0
    time.now += 0.1  # one token's worth at 10/s
    await paced.acquire(Lane.BULK)
    assert time.slept == 0.0
