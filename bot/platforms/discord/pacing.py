"""One shared pace for the adapter's REST calls, under Discord's global limit of 50 requests per second, with
lanes that decide who goes first when requests wait.

discord.py already waits out 429s, but a minute in which many channels post their daily question would first
hit the global limit and get every request of the bot throttled; pacing up front avoids the 429s altogether.
The budget is one per token, so a fan-out of thousands of posts would make a member wait minutes for the
reaction on their answer, and each channel's thread would queue behind every other channel's post. Lanes
share the one bucket: whenever a request may go, the waiting request of the most urgent lane goes.

Interaction responses (the first answer to a slash command or a button) and their follow-ups are not paced: they
go to the interaction's webhook, which Discord does not count against the bot's global limit.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from enum import IntEnum

EPSILON = 1e-9
WINDOW = 1.0  # seconds: Discord's global limit counts the requests of any one second


class Lane(IntEnum):
    """How urgent a request is; a lower value goes first."""

    # A member is looking at the screen: the acknowledgement of their answer, a reply or a DM they asked for, a
    # dispute's notice and decision.
    INTERACTIVE = 0
    # The second half of something already visible: a question's thread right after it is posted.
    THREAD = 1
    # Everything that may take its turn: daily and on-demand posts, reveals, reads of history, reminders.
    BULK = 2


class RequestPacer:
    """A token bucket: ``rate`` requests per second, at most ``burst`` at once, shared by every caller; and never
    more than ``rate`` (rounded down) in any one second.

    The bucket alone lets a window of one second hold ``rate + burst`` requests. That is harmless for one
    process under the default 45/s, but several processes sharing one token's 50/s each get a share that adds up
    to the limit (25 + 25), and one more request each in the same second is a 429 for both; a 429 retried by
    discord.py outside the pacer then sets off more. So the window counts too. The bucket does not care about
    lanes; they only order the waiting requests: the most urgent lane first, arrival order within a lane.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the request rate must be positive")
        if burst < 1:
            raise ValueError("the burst must be at least one request")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._per_window = max(1, math.floor(rate + EPSILON))
        self._sent: deque[float] = deque()  # when the requests of the last second were let go
        self._waiting: dict[Lane, deque[asyncio.Future[None]]] = {lane: deque() for lane in Lane}
        self._dispatcher: asyncio.Task[None] | None = None

    def waiting(self, lane: Lane) -> int:
        """How many requests of ``lane`` wait for their turn."""
        return sum(1 for future in self._waiting[lane] if not future.done())

    async def acquire(self, lane: Lane) -> None:
        """Wait until one more request of ``lane`` may be sent now."""
        if not self._anyone_waiting() and self._take():
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[lane].append(turn)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="quizbot-pacer")
        await turn

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def _take(self) -> bool:
        self._refill()
        if self._window_wait() > 0:
            return False
        # A hair short of a whole token counts as one: the clock's rounding must not leave a wait too short to
        # ever move it.
        if self._tokens >= 1.0 - EPSILON:
            self._tokens = max(0.0, self._tokens - 1.0)
            self._sent.append(self._updated)
            return True
        return False

    def _window_wait(self) -> float:
        """How long until the last second holds fewer than ``rate`` requests (0: it does now)."""
        while self._sent and self._sent[0] <= self._updated - WINDOW:
            self._sent.popleft()
        if len(self._sent) < self._per_window:
            return 0.0
        return self._sent[0] + WINDOW - self._updated

    def _wait(self) -> float:
        return max(self._window_wait(), (1.0 - self._tokens) / self.rate, EPSILON)

    def _anyone_waiting(self) -> bool:
        return any(self._head(lane) is not None for lane in Lane)

    def _head(self, lane: Lane) -> asyncio.Future[None] | None:
        queue = self._waiting[lane]
        while queue and queue[0].done():
            queue.popleft()  # given up (cancelled) while waiting
        return queue[0] if queue else None

    def _next_turn(self) -> asyncio.Future[None] | None:
        for lane in Lane:
            if self._head(lane) is not None:
                return self._waiting[lane].popleft()
        return None

    async def _dispatch(self) -> None:
        """Hand out tokens as the bucket refills, always to the most urgent waiting request; ends when nobody
        waits (the next waiter starts it again)."""
        while self._anyone_waiting():
            if not self._take():
                await self._sleep(self._wait())
                continue
            turn = self._next_turn()
            if turn is None:
                self._tokens += 1.0  # nobody left to take it
                return
            turn.set_result(None)
            # Let the request that got its turn start before the next one is chosen.
            await asyncio.sleep(0)
