"""The rounds this process is posting or revealing, and taking over those another process left half done.

Several processes may share one database (PostgreSQL): each posts and reveals the rounds of its own channels, but
a process can die between claiming a round and sending its post, or between fixing the scores and posting the
reveal, and never come back (a replaced container, a shard moved to another process). The database keeps a
heartbeat on every round in progress (``pending`` or ``revealing``); the process working on it renews the
heartbeat while it waits (a post can queue for minutes behind a fan-out), and any process may take over a round
whose heartbeat is older than the lease. Taking over is a compare-and-set in the database, so one process wins.

With a database only one process uses (SQLite), there is nobody else to wait for: the lease is zero and a
restarted process takes its unfinished rounds over at once.
"""

from __future__ import annotations

import datetime as dt
import uuid

from bot.core.clock import Clock
from bot.core.models import Round, RoundState
from bot.core.ports.platform import Fence
from bot.core.ports.storage import RoundRepository

IN_PROGRESS = (RoundState.PENDING, RoundState.REVEALING)


class WorkInProgress:
    """Which rounds this process is working on, and the lease that tells when another's work is abandoned."""

    def __init__(self, rounds: RoundRepository, clock: Clock, lease: dt.timedelta) -> None:
        if lease < dt.timedelta(0):
            raise ValueError("the lease cannot be negative")
        self._rounds = rounds
        self._clock = clock
        self.lease = lease
        self._ids: set[int] = set()
        # This process's name in the rounds it takes over: a process it took them from, merely slow rather than
        # stopped, then finds they are not its any more before it sends anything.
        self.worker = uuid.uuid4().hex

    @property
    def shared(self) -> bool:
        """Whether other processes may be at work on the same database (a lease to respect)."""
        return self.lease > dt.timedelta(0)

    @property
    def beat_every(self) -> dt.timedelta:
        # Three beats a lease: one late or lost beat does not make live work look abandoned.
        return self.lease / 3

    def begin(self, round_id: int) -> None:
        self._ids.add(round_id)

    def end(self, round_id: int) -> None:
        self._ids.discard(round_id)

    def holds(self, round_id: int) -> bool:
        return round_id in self._ids

    async def beat(self) -> int:
        """Renew the heartbeat of every round this process is working on; how many there were."""
        if self._ids:
            await self._rounds.keep_alive(tuple(self._ids), self._clock.now(), self.worker)
        return len(self._ids)

    async def take(self, round_: Round) -> bool:
        """Take the round's work over if nobody is at it (its heartbeat is older than the lease); ``True`` if it
        is now this process's to finish. A round this process holds already is not taken again: whatever holds it
        (a post under way, a planned retry) finishes it."""
        if round_.id in self._ids:
            return False
        if round_.state not in IN_PROGRESS:
            return False
        now = self._clock.now()
        if not await self._rounds.take_over(round_.id, round_.state, now, now - self.lease, self.worker):
            return False
        self._ids.add(round_.id)
        return True

    def fence(self, round_id: int) -> Fence | None:
        """What a post of the round checks right before it is sent (``None`` with no other process to lose it
        to): whether the round is still this process's, not taken over while the post waited its turn."""
        if not self.shared:
            return None

        async def still_ours() -> bool:
            return await self._rounds.still_working(round_id, self.worker, self._clock.now())

        return still_ours

    async def stalled(self) -> list[Round]:
        """Rounds nobody seems to work on: in progress with a stale heartbeat, or open past their reveal time by
        more than the lease."""
        return await self._rounds.stalled(self._clock.now() - self.lease)
