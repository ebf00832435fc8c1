"""Several bot processes sharing one database, and Slack delivering each event to more than one of them (two Socket
Mode connections of one app, or HTTP instances behind a load balancer getting Slack's retries): every event is
handled once, whichever copy arrives where and when."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.messages import text
from tests.e2e.crash_points import CrashPoint
from tests.e2e.slack_server.copies import HttpRetries, SocketCopies
from tests.e2e.slack_server.harness import SlackInstances, running_slack_instances
from tests.e2e.slack_server.world import JSON, Message

pytestmark = pytest.mark.slow

CHECK = "white_check_mark"


def acked(h: SlackInstances, message: Message) -> bool:
    return h.world.bot.id in message.reactions.get(CHECK, [])


def reactions_added(h: SlackInstances) -> int:
    return len(h.fake.calls_to("reactions.add"))


def sockets(h: SlackInstances) -> SocketCopies:
    assert isinstance(h.delivery, SocketCopies)
    return h.delivery


def reply_event(message: Message) -> JSON:
    """The ``message`` event of a member's reply already in the world."""
    return {
        "type": "message",
        "channel": message.channel,
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "thread_ts": message.thread_ts,
        "event_ts": message.ts,
        "channel_type": "channel",
    }


async def history(h: SlackInstances, question: Message) -> list[tuple[str, str]]:
    [answer] = await h.answers(question)
    return await h.instances[0].runtime.storage.answers.history(answer.answer_id)


async def test_an_answer_delivered_to_two_connections_is_stored_and_acknowledged_once(tmp_path: Path) -> None:
    async with running_slack_instances(tmp_path) as h:
        question = await h.ask()

        reply = await h.alice.reply(question, "the chain rule")

        assert sorted(await h.handled(sockets(h).sent[-1])) == [False, True]
        assert acked(h, reply)
        assert reactions_added(h) == 1
        assert await history(h, question) == [("create", "the chain rule")]
        assert h.world.ephemerals_for(h.alice.id) == []  # neither copy reported as an edit


async def test_a_second_answer_delivered_twice_is_reported_as_replaced_once(tmp_path: Path) -> None:
    async with running_slack_instances(tmp_path) as h:
        question = await h.ask()
        await h.alice.reply(question, "first thoughts")
        await h.handled(sockets(h).sent[-1])

        second = await h.alice.reply(question, "second thoughts")

        await h.handled(sockets(h).sent[-1])
        assert acked(h, second) and reactions_added(h) == 2
        assert [e.text for e in h.world.ephemerals_for(h.alice.id)] == [text("answer.replaced", "en")]
        assert await history(h, question) == [("create", "first thoughts"), ("edit", "second thoughts")]


async def test_an_edit_delivered_twice_and_once_more_after_a_later_edit_is_applied_once(tmp_path: Path) -> None:
    async with running_slack_instances(tmp_path) as h:
        question = await h.ask()
        reply = await h.bob.reply(question, "momentum")
        await h.handled(sockets(h).sent[-1])
        await h.bob.edit(reply, "momentum and friction")
        first_edit = sockets(h).sent[-1]
        await h.handled(first_edit)
        await h.bob.edit(reply, "momentum, friction and decay")
        await h.handled(sockets(h).sent[-1])

        # Slack's retry of the first edit, after the second one was handled: it must not bring the old text back.
        await sockets(h).retry(first_edit, connection=1)

        assert (await h.handled(first_edit, copies=3)).count(True) == 1
        [answer] = await h.answers(question)
        assert answer.text == "momentum, friction and decay"
        assert await history(h, question) == [
            ("create", "momentum"),
            ("edit", "momentum and friction"),
            ("edit", "momentum, friction and decay"),
        ]


async def test_a_vote_taken_back_stays_taken_back_when_its_reaction_is_delivered_again(tmp_path: Path) -> None:
    async with running_slack_instances(tmp_path) as h:
        question = await h.ask()
        reply = await h.bob.reply(question, "batch normalisation")
        await h.handled(sockets(h).sent[-1])

        await h.alice.react(reply)
        upvote = sockets(h).sent[-1]
        await h.handled(upvote)
        [answer] = await h.answers(question)
        assert answer.votes == 1
        await h.alice.unreact(reply)
        await h.handled(sockets(h).sent[-1])
        await sockets(h).retry(upvote, connection=1)

        assert (await h.handled(upvote, copies=3)).count(True) == 1
        [answer] = await h.answers(question)
        assert answer.votes == 0


async def test_a_retry_reaching_another_instance_while_the_first_stores_the_answer_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_slack_instances(tmp_path, mode="http") as h:
        assert isinstance(h.delivery, HttpRetries)
        question = await h.ask()
        first = h.instances[0].runtime.storage.answers
        record = first.record
        storing, release = asyncio.Event(), asyncio.Event()

        async def slow_record(**kwargs: Any) -> Any:
            storing.set()
            await release.wait()
            return await record(**kwargs)

        monkeypatch.setattr(first, "record", slow_record)
        message = h.world.post(question.channel, "the chain rule", user=h.carol.id, thread_ts=question.ts)
        envelope = await h.delivery.first_copy(reply_event(message))
        await asyncio.wait_for(storing.wait(), 5)

        # Slack did not get the first answer in time: its retry goes to the other instance behind the balancer.
        await h.delivery.retry(envelope, to=1)
        assert await h.claims.outcomes(str(envelope["event_id"]), 2) == [True, False]
        assert await h.instances[1].bot.settled(5.0)
        assert reactions_added(h) == 0 and await h.answers(question) == []  # the copy did nothing

        release.set()
        await h.handled(envelope)
        assert acked(h, message) and reactions_added(h) == 1
        assert await history(h, question) == [("create", "the chain rule")]
        assert h.world.ephemerals_for(h.carol.id) == []


async def test_an_answer_whose_claimer_died_before_storing_it_is_recorded_when_that_instance_restarts(
    tmp_path: Path,
) -> None:
    async with running_slack_instances(tmp_path) as h:
        question = await h.ask()
        killed = CrashPoint(h.instances[0].runtime.storage.answers, "record")
        message = h.world.post(question.channel, "the chain rule", user=h.dana.id, thread_ts=question.ts)
        envelope = await sockets(h).first_copy(reply_event(message), connection=0)
        await killed.kill()  # instance 0 claimed the event and died before storing its answer

        await sockets(h).retry(envelope, connection=1)
        assert await h.handled(envelope) == [True, False]  # the other instance's copy is dropped...
        assert await h.answers(question) == []
        await h.restart(0)

        await h.fake.wait_until(lambda: acked(h, message))  # ...and the restart's catch-up recovers the answer
        assert await history(h, question) == [("create", "the chain rule")]
        assert reactions_added(h) == 1
