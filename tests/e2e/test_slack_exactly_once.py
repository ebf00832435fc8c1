"""Exactly once, visibly, on Slack: the bot killed at each step between sending something and recording it, then
restarted. Every round shows exactly one question, every visible question is revealed, every stored answer is
acknowledged, answers Slack handed over just before a crash (or while Socket Mode was down) are not lost, and what
an admin is told about a reveal is true."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.core.models import Round, RoundState
from bot.messages import text
from tests.e2e.crash_points import CrashPoint
from tests.e2e.slack_server.harness import STUDY, SlackHarness, eventually, running_slack
from tests.e2e.slack_server.world import Message

pytestmark = pytest.mark.slow

AFTER_DAILY_REVEAL = dt.timedelta(hours=8, minutes=1)
CHECK = "white_check_mark"


def acked(h: SlackHarness, message: Message) -> bool:
    return h.world.bot.id in message.reactions.get(CHECK, [])


def questions(h: SlackHarness) -> list[Message]:
    return [m for m in h.world.channel_messages(STUDY) if m.bot_id == h.world.bot_id]


def reveals(h: SlackHarness, question: Message) -> list[Message]:
    title = text("reveal.title", "en")
    return [m for m in h.world.thread(STUDY, question.ts) if m.bot_id == h.world.bot_id and m.text == title]


async def only_round(h: SlackHarness) -> Round:
    [round_] = await h.runtime.storage.rounds.in_states(*RoundState)
    return round_


async def assert_one_open_question(h: SlackHarness) -> tuple[Round, Message]:
    """Exactly one question is visible, and the round is open with it and has its reveal planned."""
    [question] = questions(h)
    round_ = await only_round(h)
    assert round_.state is RoundState.OPEN
    assert (round_.message_id, round_.thread_id) == (question.ts, question.ts)
    assert h.scheduler.next_run(f"reveal:{round_.id}") is not None
    return round_, question


async def assert_revealed_once(h: SlackHarness, round_: Round, question: Message) -> None:
    assert (await h.runtime.storage.rounds.get(round_.id)) is not None
    assert (await h.round_of(question)).state is RoundState.REVEALED
    assert len(reveals(h, question)) == 1
    assert text("question.revealed", "en") in question.all_text()


async def configure_daily(h: SlackHarness) -> None:
    """Daily questions at 09:30 in Seoul, half an hour after the harness's clock starts."""
    service = h.runtime.service
    await service.configure_channel(
        h.key(), post_time=dt.time(9, 30), timezone="Asia/Seoul", weekdays=frozenset(range(7)), enabled=True
    )
    await h.scheduler.schedule_channel(await service.ensure_channel(h.key()))


# -- posts ----------------------------------------------------------------------------------------------------


async def test_a_daily_post_killed_before_it_was_recorded_is_adopted_at_restart_not_posted_again(
    tmp_path: Path,
) -> None:
    async with running_slack(tmp_path) as h:
        await configure_daily(h)
        killed = CrashPoint(h.runtime.storage.rounds, "mark_posted")
        h.clock.advance(dt.timedelta(minutes=30))

        posting = asyncio.create_task(h.scheduler.run_due())
        await killed.kill()
        await asyncio.gather(posting, return_exceptions=True)
        [posted] = questions(h)
        early = await h.alice.reply(posted, "answered before the bot knew its question")
        await h.restart()

        round_, question = await assert_one_open_question(h)
        assert question.ts == posted.ts
        await h.fake.wait_until(lambda: acked(h, early))
        assert [a.text for a in await h.answers(question)] == ["answered before the bot knew its question"]
        h.clock.advance(AFTER_DAILY_REVEAL)
        await h.scheduler.run_due()
        await assert_revealed_once(h, round_, question)


async def test_an_on_demand_question_killed_before_it_was_recorded_is_adopted_and_revealed(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        killed = CrashPoint(h.runtime.storage.rounds, "mark_posted")
        assert h.bot.quiz is not None

        asking = asyncio.create_task(h.bot.quiz.ask(h.key()))
        await killed.kill()
        await asyncio.gather(asking, return_exceptions=True)
        [posted] = questions(h)
        early = await h.bob.reply(posted, "the chain rule")
        await h.restart()

        round_, question = await assert_one_open_question(h)
        await h.fake.wait_until(lambda: acked(h, early))
        assert [a.text for a in await h.answers(question)] == ["the chain rule"]
        await h.reveal_due()
        await assert_revealed_once(h, round_, question)


# -- answers --------------------------------------------------------------------------------------------------


async def test_an_answer_slack_handed_over_just_before_a_crash_is_recorded_at_restart(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        # Slack has the event acknowledged by slack-bolt; the process dies before the answer is stored.
        killed = CrashPoint(h.runtime.storage.answers, "record")

        reply = await h.bob.reply(question, "taken by Slack, not yet stored")
        await killed.kill()
        assert await h.answers(question) == []
        await h.restart()

        await h.fake.wait_until(lambda: acked(h, reply))
        assert [(a.text, a.message_id) for a in await h.answers(question)] == [
            ("taken by Slack, not yet stored", reply.ts)
        ]


async def test_an_answer_stored_while_its_check_mark_was_on_its_way_is_acknowledged_after_restart(
    tmp_path: Path,
) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        assert h.bot.platform is not None
        killed = CrashPoint(h.bot.platform, "acknowledge")

        reply = await h.bob.reply(question, "stored, not yet acknowledged")
        await killed.kill()
        await h.restart()

        await h.fake.wait_until(lambda: acked(h, reply))
        [answer] = await h.answers(question)
        assert await h.runtime.storage.answers.history(answer.answer_id) == [("create", "stored, not yet acknowledged")]
        assert [c.ok for c in h.fake.calls_to("reactions.add")] == [True]


async def test_answers_that_could_not_be_stored_are_recorded_once_writes_work_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        answers = h.runtime.storage.answers
        record = answers.record
        refused: list[str] = []

        async def disk_full_twice(**kwargs: Any) -> Any:
            if len(refused) < 2:
                refused.append(kwargs["text"])
                raise sqlite3.OperationalError("database or disk is full")
            return await record(**kwargs)

        monkeypatch.setattr(answers, "record", disk_full_twice)
        monkeypatch.setattr(h.bot.catch_up, "retry_delay", 0.05)

        reply = await h.bob.reply(question, "saved when the disk has room")

        await h.fake.wait_until(lambda: acked(h, reply))
        assert refused == ["saved when the disk has room"] * 2
        assert [a.text for a in await h.answers(question)] == ["saved when the disk has room"]


async def test_replies_written_while_socket_mode_was_disconnected_are_read_back_on_reconnect(tmp_path: Path) -> None:
    async with running_slack(tmp_path, mode="socket") as h:
        assert h.bot.quiz is not None
        round_ = await h.bot.quiz.ask(h.key())
        await h.fake.wait_until(lambda: h.fake.socket_count == 1)
        question = h.world.message(STUDY, str(round_.message_id))
        assert question is not None
        # Slack queues no events for a disconnected app: this reply reaches the bot only through the thread.
        missed = h.world.post(STUDY, "written while the socket was down", user=h.bob.id, thread_ts=question.ts)

        await h.fake.drop_sockets()

        await h.fake.wait_until(lambda: acked(h, missed))
        assert [a.text for a in await eventually(lambda: h.answers(question))] == ["written while the socket was down"]


# -- what an admin is told ------------------------------------------------------------------------------------


async def test_reveal_says_it_is_retrying_when_the_reveal_could_not_be_posted(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        h.fake.fail_next("chat.postMessage", status=500, error="internal_error")

        await h.dana.slash(STUDY, "reveal")

        [note] = await h.fake.wait_until(lambda: h.world.ephemerals_for(h.dana.id))
        assert note.text == text("admin.reveal-retrying", "en")
        assert reveals(h, question) == []
        round_ = await h.round_of(question)
        assert round_.state is RoundState.REVEALING
        h.clock.advance(h.scheduler.retry_delay + dt.timedelta(seconds=1))
        await h.scheduler.run_due()
        await assert_revealed_once(h, round_, question)
