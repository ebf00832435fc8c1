"""Slack deliveries claimed in a real database: which copies reach a listener, and how old claims go away."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.core.clock import ManualClock
from bot.core.ports.storage import QuizStore
from bot.platforms.slack import deliveries
from bot.platforms.slack.answers import concerns_answers
from bot.platforms.slack.deliveries import KEEP_CLAIMS, DeliveryClaims
from bot.platforms.slack.platform import PLATFORM

pytestmark = pytest.mark.backends("sqlite", "postgresql")


class Listener:
    """A listener as bolt calls it, keeping the bodies it was given."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    async def __call__(self, ack: Any, body: dict[str, Any]) -> None:
        self.bodies.append(body)


class Acks:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, **_: Any) -> None:
        self.count += 1


async def deliver(claims: DeliveryClaims, listener: Listener, body: dict[str, Any]) -> int:
    """Deliver ``body`` to the claimed listener; how often the copy was acknowledged by the claim wrapper."""
    acks = Acks()
    await claims.once(listener)(ack=acks, body=body)
    return acks.count


async def test_only_the_first_copy_of_an_event_reaches_its_listener_in_any_process(
    storage: QuizStore, clock: ManualClock
) -> None:
    listener = Listener()
    one, other = DeliveryClaims(storage.event_claims, clock), DeliveryClaims(storage.event_claims, clock)
    event = {"type": "event_callback", "event_id": "Ev01", "event": {"type": "message"}}

    assert await deliver(one, listener, event) == 0
    assert await deliver(other, listener, event) == 0  # bolt acknowledged the event before the listener ran
    assert await deliver(one, listener, {**event, "event_id": "Ev02"}) == 0

    assert [body["event_id"] for body in listener.bodies] == ["Ev01", "Ev02"]


async def test_a_copy_of_a_click_is_acknowledged_and_dropped_while_a_new_click_is_handled(
    storage: QuizStore, clock: ManualClock
) -> None:
    listener = Listener()
    claims = DeliveryClaims(storage.event_claims, clock)
    click = {"type": "block_actions", "trigger_id": "111.222.aaa", "actions": [{"action_id": "next"}]}

    await deliver(claims, listener, click)
    assert await deliver(claims, listener, click) == 1
    await deliver(claims, listener, {**click, "trigger_id": "111.333.bbb"})  # the member clicked again

    assert [body["trigger_id"] for body in listener.bodies] == ["111.222.aaa", "111.333.bbb"]


async def test_a_payload_without_an_event_or_trigger_id_is_handled_every_time(
    storage: QuizStore, clock: ManualClock
) -> None:
    listener = Listener()
    claims = DeliveryClaims(storage.event_claims, clock)

    for _ in range(2):
        await deliver(claims, listener, {"type": "block_suggestion"})

    assert len(listener.bodies) == 2


async def test_old_claims_are_pruned_at_a_processs_first_claim_and_then_every_so_many(
    storage: QuizStore, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deliveries, "PRUNE_EVERY", 3)
    listener = Listener()
    before = DeliveryClaims(storage.event_claims, clock)
    await deliver(before, listener, {"event_id": "Ev-old"})
    clock.advance(KEEP_CLAIMS + dt.timedelta(seconds=1))

    restarted = DeliveryClaims(storage.event_claims, clock)
    await deliver(restarted, listener, {"event_id": "Ev-1"})  # its first claim prunes
    assert await storage.event_claims.claim("slack", "Ev-old", clock.now())  # so this one was gone
    clock.advance(KEEP_CLAIMS + dt.timedelta(seconds=1))
    await deliver(restarted, listener, {"event_id": "Ev-2"})
    await deliver(restarted, listener, {"event_id": "Ev-3"})
    assert not await storage.event_claims.claim("slack", "Ev-1", clock.now())  # not pruned yet
    await deliver(restarted, listener, {"event_id": "Ev-4"})  # the third claim since: prunes
    assert await storage.event_claims.claim("slack", "Ev-1", clock.now())


class UnreachableClaims:
    """Event claims whose database cannot be reached."""

    async def claim(self, platform: str, event_id: str, at: dt.datetime) -> bool:
        raise ConnectionRefusedError("the database is down")

    async def prune(self, before: dt.datetime) -> int:
        raise ConnectionRefusedError("the database is down")


async def test_a_delivery_whose_claim_cannot_be_written_is_handled_rather_than_lost(clock: ManualClock) -> None:
    listener = Listener()
    claims = DeliveryClaims(UnreachableClaims(), clock)

    await deliver(claims, listener, {"event_id": "Ev01"})

    assert len(listener.bodies) == 1


def test_a_listener_that_takes_no_body_cannot_be_claimed(clock: ManualClock) -> None:
    async def bodiless(ack: Any) -> None: ...

    with pytest.raises(TypeError, match="takes no body"):
        DeliveryClaims(UnreachableClaims(), clock).once(bodiless)


def message(**event: Any) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "event_id": f"Ev-{len(event)}-{sorted(event)}",
        "event": {"type": "message", **event},
    }


REPLY = {"user": "U1", "channel": "C1", "ts": "2.0", "thread_ts": "1.0", "text": "answer"}


@pytest.mark.parametrize(
    ("body", "claimed"),
    [
        (message(**REPLY), True),
        (message(**{**REPLY, "thread_ts": None}), False),  # a top-level message: channel chatter
        (message(**{**REPLY, "ts": "1.0"}), False),  # the question itself
        (message(**{**REPLY, "bot_id": "B1"}), False),  # the bot's own post
        (message(subtype="channel_join", user="U1", channel="C1", ts="2.0", thread_ts="1.0"), False),
        (message(subtype="message_changed", channel="C1", message=REPLY, previous_message={"text": "old"}), True),
        (message(subtype="message_changed", channel="C1", message=REPLY, previous_message=REPLY), False),  # unfurl
        (message(subtype="message_deleted", channel="C1", deleted_ts="2.0", previous_message=REPLY), True),
        (
            {
                "event_id": "Ev-r1",
                "event": {
                    "type": "reaction_added",
                    "user": "U2",
                    "reaction": "+1::skin-tone-2",
                    "item": {"type": "message", "channel": "C1", "ts": "2.0"},
                },
            },
            True,
        ),
        (
            {
                "event_id": "Ev-r2",
                "event": {
                    "type": "reaction_added",
                    "user": "U2",
                    "reaction": "tada",
                    "item": {"type": "message", "channel": "C1", "ts": "2.0"},
                },
            },
            False,
        ),
    ],
)
async def test_only_deliveries_that_can_touch_an_answer_cost_a_claim(
    storage: QuizStore, clock: ManualClock, body: dict[str, Any], claimed: bool
) -> None:
    listener = Listener()
    claims = DeliveryClaims(storage.event_claims, clock)
    await claims.once(listener, relevant=concerns_answers)(ack=Acks(), body=body)
    assert listener.bodies == [body]  # every delivery reaches the listener, which ignores what is not an answer
    # Claimed means a second copy now finds the claim taken.
    assert await storage.event_claims.claim(PLATFORM, str(body["event_id"]), clock.now()) is not claimed
