"""Each Slack event handled once, whichever of the bot processes sharing the database a copy of it reaches.

Slack delivers an event more than once: over HTTP it retries (``X-Slack-Retry-Num``) when the bot did not answer
within three seconds, and in Socket Mode it sends an envelope that was not acknowledged in time again, possibly on
another connection, that is to another process. Every copy carries the event's ``event_id``; the first process to
claim that id in the database handles the event, and a copy whose claim fails is dropped (slack-bolt has already
acknowledged it to Slack by then, so it is not sent again). This matters beyond answers, whose storage already takes
an identical copy as "unchanged": an edit, a deletion or a reaction handled again, after a later one, would undo it.

Slash commands and interactive payloads (buttons, menus, modals) carry no ``event_id``, and Socket Mode's
``envelope_id`` names one delivery, not what the member did, so two copies of one click differ in it. They are
claimed by their ``trigger_id`` instead: Slack mints one for each gesture (a command sent, a button clicked, a modal
submitted) and every copy of that gesture carries it, while a member who clicks again makes a new one, so a
deliberate repeat is never taken for a copy. A payload with neither id is handled as it comes.

A claim does not lose an answer if the process that took it dies before storing it: slack-bolt acknowledges before
the listener runs, so the copy Slack would not have sent again anyway is not needed. Every bot reads back the
threads of the open rounds when it starts and whenever its Socket Mode connection is renewed (``catchup``) and
records each reply the database lacks, so the restarted process (or another one, at its next catch-up) stores and
acknowledges it. Edits, deletions and reactions are not read back; one whose claimer died before handling it is
lost, as it was when one process took every event.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.clock import Clock
from bot.core.ports.storage import EventClaims
from bot.platforms.slack.platform import PLATFORM

log = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]

# Slack retries an event three times, the last about five minutes after the first delivery: a day of claims
# outlasts every copy of an event by far, and is still a small table.
KEEP_CLAIMS = dt.timedelta(days=1)
# Old claims are removed at the first claim of a process and then after every this many: one indexed delete now
# and then, never a job of its own.
PRUNE_EVERY = 1000


def delivery_key(body: dict[str, Any]) -> str | None:
    """What every copy of one delivery shares and nothing else does: the event's id, or the gesture's trigger id
    (prefixed, so it cannot meet an event's id); ``None`` if the payload has neither."""
    event_id = body.get("event_id")
    if event_id:
        return str(event_id)
    trigger_id = body.get("trigger_id")
    if trigger_id:
        return f"trigger:{trigger_id}"
    return None


class DeliveryClaims:
    """Wraps listeners so that only the first copy of a delivery, across every process, reaches them."""

    def __init__(self, claims: EventClaims, clock: Clock) -> None:
        self._claims = claims
        self._clock = clock
        self._until_prune = 0

    def once(self, listener: Listener, *, relevant: Callable[[dict[str, Any]], bool] | None = None) -> Listener:
        """``listener`` run for the first copy of each delivery only; a later copy is acknowledged (for the
        payloads whose listener acknowledges them itself) and dropped. The listener must take ``body``.
        ``relevant``: which deliveries are worth a claim; the others (which the listener ignores anyway) go
        through unclaimed."""
        if "body" not in inspect.signature(listener).parameters:
            raise TypeError(f"{listener!r} takes no body: its deliveries could not be told apart")

        @functools.wraps(listener)
        async def first_copy_only(*args: Any, **kwargs: Any) -> None:
            body: dict[str, Any] = kwargs["body"]
            key = delivery_key(body) if relevant is None or relevant(body) else None
            if key is not None and not await self._first(key):
                log.debug("dropping another delivery of %s (a %s)", key, body.get("type") or "command")
                ack = kwargs.get("ack")
                if ack is not None and "event_id" not in body:
                    await ack()
                return
            await listener(*args, **kwargs)

        return first_copy_only

    async def _first(self, key: str) -> bool:
        now = self._clock.now()
        try:
            first = await self._claims.claim(PLATFORM, key, now)
        except Exception:
            # A copy handled twice meets the guards of the writes it makes (an identical answer is "unchanged", a
            # vote counts once); a copy dropped because the database could not be reached would be lost.
            log.exception("could not claim the Slack delivery %s; handling it unclaimed", key)
            return True
        await self._prune(now)
        return first

    async def _prune(self, now: dt.datetime) -> None:
        if self._until_prune > 0:
            self._until_prune -= 1
            return
        self._until_prune = PRUNE_EVERY - 1
        try:
            pruned = await self._claims.prune(now - KEEP_CLAIMS)
        except Exception:
            log.exception("could not remove old Slack delivery claims; trying again later")
            return
        if pruned:
            log.debug("removed %d Slack delivery claims older than %s", pruned, KEEP_CLAIMS)
