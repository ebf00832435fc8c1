"""One shared pace for the adapter's REST calls, under Discord's global limit of 50 requests per second.

discord.py already waits out 429s, but a minute in which many channels post their daily question would first
hit the global limit and get every request of the bot throttled; pacing up front avoids the 429s altogether.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class RequestPacer:
    """A token bucket: ``rate`` requests per second, at most ``burst`` at once, shared by every caller.

    With a burst of 1 (the default) requests are evenly spaced, so any one-second window holds at most
    ``rate + 1`` of them: 46 at the default 45/s, below Discord's 50.
    """

    def __init__(self, rate: float, *, burst: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("the request rate must be positive")
        if burst < 1:
            raise ValueError("the burst must be at least one request")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one more request may be sent now. Callers are served in arrival order."""
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)
