"""Threads whose round is being opened: posted, but not yet recorded as the round's thread.

A question's thread is visible from the moment Discord creates it, while the round learns its id only once the
post is complete and recorded. An answer written in that moment finds no round for its thread; instead of being
taken for a message in some other thread (and ignored until the next reconnect), it waits here for the round.
"""

from __future__ import annotations

import asyncio
import contextlib

# How long an answer waits for its round; a post that takes longer has failed, and its thread is no round's.
OPENING_TIMEOUT = 30.0


class OpeningThreads:
    """Thread ids announced by the platform before their round is recorded, and the answers waiting on them."""

    def __init__(self, timeout: float = OPENING_TIMEOUT) -> None:
        self.timeout = timeout
        self._opening: dict[str, asyncio.Event] = {}

    def begin(self, thread_id: str) -> None:
        """The thread may appear now; its round is recorded later (``end``)."""
        self._opening.setdefault(thread_id, asyncio.Event())

    def end(self, thread_id: str) -> None:
        """The round of the thread is recorded (or its post failed): release whoever waits for it."""
        event = self._opening.pop(thread_id, None)
        if event is not None:
            event.set()

    def pending(self, thread_id: str) -> bool:
        return thread_id in self._opening

    async def wait(self, thread_id: str) -> None:
        """Return once the thread's round is recorded, or after ``timeout``; at once for any other thread."""
        event = self._opening.get(thread_id)
        if event is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), self.timeout)
        if not event.is_set() and self._opening.get(thread_id) is event:
            # The post never completed; later messages in the thread need not wait any more.
            del self._opening[thread_id]
