"""Reading back the answer threads of open rounds: the part Discord and Slack share.

Live handlers record answers as their events arrive, but events get lost: the bot was offline, the process was
killed between the platform taking an event and the answer being stored, the write failed (a full disk), or the
round was opened after the answer was written (a post adopted after a restart). A catch-up pass reads a round's
thread, records every member message the database does not hold yet, and acknowledges every stored answer that
lacks the bot's reaction. This module coordinates passes with the live handlers and retries passes that fail;
each platform says how its threads are read (``read_round``).

Passes run one at a time; the pass over every open round reads up to ``concurrent_reads`` rounds at once (a
platform whose requests are paced for it raises it from one), and a round that fails leaves the others to finish.
While a round is read back, its live handlers wait (``settled``), so a message arriving now cannot be overtaken by
an older one being caught up; and a message is handled by one side only (``live``).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from typing import TypeVar

from bot.core.models import Round, RoundState
from bot.core.ports import PlatformError

log = logging.getLogger(__name__)

# How many message ids recorded by passes are remembered, so their late-arriving live events are not recorded twice.
REMEMBERED = 10_000

M = TypeVar("M")


def missed_messages(
    messages: Sequence[M],
    recorded: set[str],
    answering: set[str],
    *,
    message_id: Callable[[M], str],
    author_id: Callable[[M], Hashable],
) -> list[M]:
    """Of members' messages in a thread, oldest first, the ones that came after the last message of their author
    the database holds.

    A member's earlier messages were replaced by that one (or recorded and replaced before it), so they are left
    alone. A member who holds an answer that none of these messages carries (a private answer, a withdrawn one, or
    one older than the history read) is left alone too: which came last cannot be told, and taking a message here
    could overwrite a newer private answer.
    """
    by_author: dict[Hashable, list[M]] = {}
    for message in messages:
        by_author.setdefault(author_id(message), []).append(message)
    missed: list[M] = []
    for author, theirs in by_author.items():
        held = [index for index, message in enumerate(theirs) if message_id(message) in recorded]
        if held:
            missed.extend(theirs[held[-1] + 1 :])
        elif str(author) not in answering:
            missed.extend(theirs)
    order = {id(message): index for index, message in enumerate(messages)}
    return sorted(missed, key=lambda message: order[id(message)])


class RoundCatchUp(abc.ABC):
    """Catch-up passes over open rounds' threads, and the live handlers' side of them."""

    # A pass that failed (a full disk, the platform unreachable) is tried again after this many seconds, doubling
    # up to ``max_retry_delay``, for as long as its round is open.
    retry_delay = 5.0
    max_retry_delay = 300.0
    # How many rounds the pass over every open round reads at once.
    concurrent_reads = 1

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._pending: dict[int, asyncio.Event] = {}
        self._recorded: OrderedDict[str, None] = OrderedDict()
        self._busy: set[str] = set()
        self._rescans: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()

    # -- what a platform provides --------------------------------------------------------------------------

    @abc.abstractmethod
    async def open_rounds(self) -> list[Round]:
        """The open rounds of this platform whose threads can be read now."""

    @abc.abstractmethod
    async def current(self, round_id: int) -> Round | None:
        """The round as stored now."""

    @abc.abstractmethod
    async def read_round(self, round_: Round) -> int:
        """Read the round's thread: record what the database lacks (calling ``note_recorded`` for each message,
        and skipping ``busy`` ones) and acknowledge stored answers that lack the bot's reaction. Returns how many
        answers it recorded. Raises on failure (``PlatformError`` for the platform's part)."""

    # -- the live handlers' side ---------------------------------------------------------------------------

    async def settled(self, round_id: int) -> None:
        """Return once the round is not being read back (at once, almost always)."""
        pending = self._pending.get(round_id)
        if pending is not None:
            await pending.wait()

    def recorded(self, message_id: str) -> bool:
        """True if a pass recorded this message: its live event must not record it again."""
        return message_id in self._recorded

    def busy(self, message_id: str) -> bool:
        """True while a live handler is recording or acknowledging this message: a pass leaves it alone."""
        return message_id in self._busy

    def note_recorded(self, message_id: str) -> None:
        self._recorded[message_id] = None
        self._recorded.move_to_end(message_id)
        while len(self._recorded) > REMEMBERED:
            self._recorded.popitem(last=False)

    @contextlib.asynccontextmanager
    async def live(self, round_id: int, message_id: str) -> AsyncIterator[bool]:
        """Around a live event's handling of a message: waits until its round is not being read back, then
        yields ``False`` if a pass has the message already, else ``True`` and keeps passes off it until the block
        ends (its answer recorded and acknowledged, or failed and left for a pass to pick up)."""
        await self.settled(round_id)
        if message_id in self._busy or self.recorded(message_id):
            yield False
            return
        self._busy.add(message_id)
        try:
            yield True
        finally:
            self._busy.discard(message_id)

    # -- passes ----------------------------------------------------------------------------------------------

    async def run(self) -> int:
        """Read back every open round; returns how many answers were recorded. A round that fails is logged and
        retried later; this never raises."""
        async with self._lock:
            try:
                rounds = await self.open_rounds()
            except Exception:
                log.exception("could not list the open rounds to catch up")
                return 0
            for round_ in rounds:
                self._pending.setdefault(round_.id, asyncio.Event())
            slots = asyncio.Semaphore(self.concurrent_reads)

            async def read(round_: Round) -> int:
                async with slots:
                    return await self._guarded(round_)

            try:
                total = sum(await asyncio.gather(*(read(round_) for round_ in rounds)))
            finally:
                # Stopped part way (the bot closing): rounds never read must not keep their live handlers waiting.
                for round_ in rounds:
                    pending = self._pending.pop(round_.id, None)
                    if pending is not None:
                        pending.set()
        if total:
            log.info("recorded %d answers written while they could not be taken, in %d open rounds", total, len(rounds))
        return total

    async def round(self, round_: Round) -> int:
        """Read back one round (just opened with a post found again); never raises."""
        async with self._lock:
            self._pending.setdefault(round_.id, asyncio.Event())
            return await self._guarded(round_)

    def rescan_later(self, round_id: int) -> None:
        """Read the round back after ``retry_delay`` (and again, longer each time, until a pass succeeds): an
        answer could not be stored or acknowledged."""
        self._dirty.add(round_id)
        task = self._rescans.get(round_id)
        if task is None or task.done():
            self._rescans[round_id] = asyncio.create_task(self._rescan(round_id), name=f"quizbot-rescan-{round_id}")

    async def close(self) -> None:
        """Stop the retries still waiting."""
        tasks = list(self._rescans.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._rescans.clear()

    async def _guarded(self, round_: Round) -> int:
        """One round's pass, with the lock held and its pending event registered; a failure is retried later."""
        try:
            return await self.read_round(round_)
        except PlatformError as exc:
            log.warning("could not catch up round %d in thread %s: %s", round_.id, round_.thread_id, exc)
            if exc.retryable:
                self.rescan_later(round_.id)
        except Exception:
            log.exception("catching up round %d in thread %s failed", round_.id, round_.thread_id)
            self.rescan_later(round_.id)
        finally:
            self._pending.pop(round_.id).set()
        return 0

    async def _rescan(self, round_id: int) -> None:
        delay = self.retry_delay
        while round_id in self._dirty:
            await asyncio.sleep(delay)
            self._dirty.discard(round_id)
            try:
                round_ = await self.current(round_id)
                if round_ is None or round_.state is not RoundState.OPEN:
                    return  # answers to a revealed round are late; to a cancelled one, nothing
                async with self._lock:
                    self._pending.setdefault(round_id, asyncio.Event())
                    try:
                        recorded = await self.read_round(round_)
                    finally:
                        self._pending.pop(round_id).set()
            except PlatformError as exc:
                log.warning("catching up round %d again failed: %s", round_id, exc)
                if not exc.retryable:
                    return
                self._dirty.add(round_id)
                delay = min(delay * 2, self.max_retry_delay)
                continue
            except Exception:
                log.exception("catching up round %d again failed", round_id)
                self._dirty.add(round_id)
                delay = min(delay * 2, self.max_retry_delay)
                continue
            if recorded:
                log.info("recorded %d answers of round %d that could not be stored before", recorded, round_id)
            delay = self.retry_delay
