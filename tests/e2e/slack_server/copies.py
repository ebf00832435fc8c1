"""Slack delivering one event more than once, to several bot processes: every copy carries the same ``event_id``.

``SocketCopies`` sends each event to every open Socket Mode connection (two connections of one app), and
``HttpRetries`` sends it to one HTTP instance and Slack's retry of it to the next (instances behind a load
balancer). Either can deliver an earlier event once more, late, as Slack's retry after a missed acknowledgement.
``ClaimLog`` records what each instance's claims decided, so a test waits until every copy was decided on instead of
waiting for the absence of an effect.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.core.ports.storage import EventClaims

from .delivery import Reply, SlackDelivery
from .server import FakeSlack
from .world import JSON


class SocketCopies(SlackDelivery):
    """Events in Socket Mode, a copy on every open connection, each in an envelope of its own."""

    def __init__(self, fake: FakeSlack, signing_secret: str) -> None:
        super().__init__(fake, "", signing_secret)  # nothing goes over HTTP
        self.sent: list[JSON] = []

    async def event(self, event: JSON, **options: object) -> Reply:
        envelope = self.event_envelope(event)
        self.sent.append(envelope)
        envelope_ids = await self.fake.broadcast_envelope("events_api", envelope)
        await self.fake.wait_for_acks(envelope_ids)
        return Reply(200, "")

    async def first_copy(self, event: JSON, *, connection: int = 0) -> JSON:
        """Deliver ``event`` on one connection only; its envelope, for a ``retry`` later."""
        envelope = self.event_envelope(event)
        self.sent.append(envelope)
        envelope_id = await self.fake.send_envelope("events_api", envelope, connection=connection)
        await self.fake.wait_for_acks([envelope_id])
        return envelope

    async def retry(self, envelope: JSON, *, connection: int = 0, attempt: int = 1) -> None:
        """``envelope``'s event once more on one connection, as Slack's retry of an unacknowledged envelope."""
        envelope_id = await self.fake.send_envelope(
            "events_api", envelope, connection=connection, retry_attempt=attempt, retry_reason="timeout"
        )
        await self.fake.wait_for_acks([envelope_id])


class HttpRetries(SlackDelivery):
    """Events over HTTP to the first instance's URL, then Slack's retries of each to the next instances' URLs."""

    def __init__(self, fake: FakeSlack, urls: list[str], signing_secret: str) -> None:
        super().__init__(fake, urls[0], signing_secret)
        self.urls = urls
        self.sent: list[JSON] = []

    async def event(self, event: JSON, **options: object) -> Reply:
        envelope = self.event_envelope(event)
        self.sent.append(envelope)
        first = await self.send_json(envelope, **options)
        for attempt in range(1, len(self.urls)):
            await self.retry(envelope, to=attempt, attempt=attempt)
        return first

    async def first_copy(self, event: JSON) -> JSON:
        """Deliver ``event`` to the first instance only; its envelope, for a ``retry`` later."""
        envelope = self.event_envelope(event)
        self.sent.append(envelope)
        reply = await self.send_json(envelope)
        assert reply.status == 200, reply
        return envelope

    async def retry(self, envelope: JSON, *, to: int = 1, attempt: int = 1) -> Reply:
        """``envelope`` again to instance ``to``, with Slack's retry headers."""
        headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
        reply = await self.send_json(envelope, url=self.urls[to], headers=headers)
        assert reply.status == 200, reply
        return reply


class ClaimLog:
    """Every claim decided by the instances, in order: ``(instance, event id, first)``."""

    def __init__(self) -> None:
        self.decided: list[tuple[int, str, bool]] = []
        self._changed = asyncio.Condition()

    async def note(self, instance: int, event_id: str, first: bool) -> None:
        async with self._changed:
            self.decided.append((instance, event_id, first))
            self._changed.notify_all()

    async def outcomes(self, event_id: str, copies: int, within: float = 5.0) -> list[bool]:
        """Once ``copies`` claims of the event are decided, whether each was the first, by instance."""

        def of_event() -> list[tuple[int, bool]]:
            return sorted((instance, first) for instance, key, first in self.decided if key == event_id)

        async def wait() -> list[bool]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(of_event()) >= copies)
                return [first for _, first in of_event()]

        return await asyncio.wait_for(wait(), within)


class ClaimsSeen:
    """One instance's event claims, each decision noted in a shared ``ClaimLog``."""

    def __init__(self, claims: EventClaims, log: ClaimLog, instance: int) -> None:
        self._claims = claims
        self._log = log
        self._instance = instance

    async def claim(self, platform: str, event_id: str, at: dt.datetime) -> bool:
        first = await self._claims.claim(platform, event_id, at)
        await self._log.note(self._instance, event_id, first)
        return first

    async def prune(self, before: dt.datetime) -> int:
        return await self._claims.prune(before)
