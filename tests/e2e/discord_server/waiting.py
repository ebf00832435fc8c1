"""Waiting for conditions on server state without sleeping blindly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Conditions may also depend on client-side state the server is never told about, so waiters
# re-check at this interval besides waking on every server-side change.
POLL_INTERVAL = 0.02


class ChangeFeed:
    """Wakes waiters whenever the server records a change."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Wake every waiter so it re-evaluates its condition."""
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        # A ``timeout`` argument, as in discord.py's ``Client.wait_for``, reads more naturally in tests.
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "",
    ) -> T:
        """Return the first truthy value of ``predicate()``; raise ``TimeoutError`` after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                label = what or getattr(predicate, "__qualname__", "condition")
                raise TimeoutError(f"{label} did not hold within {timeout:.1f}s")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait({waiter}, timeout=min(remaining, POLL_INTERVAL))
            finally:
                self._waiters.discard(waiter)
                if not waiter.done():
                    waiter.cancel()
