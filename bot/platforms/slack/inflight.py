"""Listener calls still running, so shutdown can let them finish before the database closes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any

Listener = Callable[..., Awaitable[None]]


class InFlight:
    """Counts running listeners; ``drained`` waits until none is left (bolt runs them as detached tasks)."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def track(self, listener: Listener) -> Listener:
        """``listener`` wrapped so its calls are counted; bolt still sees its signature through ``__wrapped__``."""

        @functools.wraps(listener)
        async def tracked(*args: Any, **kwargs: Any) -> None:
            self._running += 1
            self._idle.clear()
            try:
                await listener(*args, **kwargs)
            finally:
                self._running -= 1
                if self._running == 0:
                    self._idle.set()

        return tracked

    async def drained(self, within: float) -> bool:
        """Wait up to ``within`` seconds for running listeners; True if none is left."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within)
        return self._idle.is_set()
