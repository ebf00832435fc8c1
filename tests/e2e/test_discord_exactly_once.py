"""Exactly once, visibly, on Discord: the bot killed at each step between sending something and recording it, then
restarted. Every round shows exactly one question, every visible question is revealed, every stored answer is
acknowledged; and what an admin is told about a reveal is true."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from typing import Any

import discord
import pytest

from bot.core.models import AnswerRecord, Round, RoundState
from bot.core.service import QuizService
from bot.messages import text
from bot.platforms.discord import commands as discord_commands
from bot.storage.backends import open_store
from tests.e2e.crash_points import CrashPoint
from tests.e2e.discord_server import DiscordServer, Message
from tests.e2e.discord_support import SHORT_CATEGORY, START, QuizHarness, acknowledged, quiz

__all__ = ["quiz"]

NINE_IN_SEOUL = START + dt.timedelta(hours=1)
AFTER_DAILY_REVEAL = dt.timedelta(hours=8, minutes=1)
AFTER_ONDEMAND_REVEAL = dt.timedelta(minutes=11)
REVEAL_TITLE = "**참고 답안**"


async def configure_daily(quiz: QuizHarness) -> None:
    service: QuizService = quiz.service
    await service.configure_channel(
        quiz.key, post_time=dt.time(9, 0), timezone="Asia/Seoul", weekdays=frozenset(range(7)), enabled=True
    )
    await quiz.scheduler.schedule_channel(await service.ensure_channel(quiz.key))


def questions(server: DiscordServer) -> list[Message]:
    """The question messages the bot has in the quiz channel."""
    return [m for m in server.bot_messages(server.channel) if m.embeds]


def reveals(server: DiscordServer, thread_id: int | None) -> list[Message]:
    assert thread_id is not None
    return [m for m in server.bot_messages(thread_id) if m.content.startswith(REVEAL_TITLE)]


async def only_round(quiz: QuizHarness) -> Round:
    [round_] = await quiz.service.storage.rounds.in_states(*RoundState)
    return round_


async def assert_one_open_question(quiz: QuizHarness) -> tuple[Round, Message]:
    """Exactly one question is visible, with its thread, and the round is open with it and has its reveal planned."""
    [question] = questions(quiz.server)
    round_ = await only_round(quiz)
    assert round_.state is RoundState.OPEN
    assert (round_.message_id, round_.thread_id) == (str(question.id), str(question.thread_id))
    assert quiz.scheduler.next_run(f"reveal:{round_.id}") is not None
    return round_, question


async def assert_revealed_once(quiz: QuizHarness, round_: Round, question: Message) -> None:
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED
    assert len(reveals(quiz.server, question.thread_id)) == 1
    assert "공개됨" in str(question.embeds[0].get("title"))


# -- the daily post -------------------------------------------------------------------------------------------


async def test_a_daily_post_killed_before_its_thread_is_finished_at_restart_not_posted_again(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    await configure_daily(quiz)
    killed = CrashPoint(discord.Message, "create_thread")
    quiz.clock.set(NINE_IN_SEOUL)

    posting = asyncio.create_task(quiz.scheduler.run_due())
    await killed.kill()
    await asyncio.gather(posting, return_exceptions=True)
    [half_posted] = questions(server)
    assert half_posted.thread_id is None
    await quiz.crash()
    await quiz.restart()

    round_, question = await assert_one_open_question(quiz)
    assert question.id == half_posted.id
    quiz.clock.advance(AFTER_DAILY_REVEAL)
    await quiz.scheduler.run_due()
    await assert_revealed_once(quiz, round_, question)


async def test_a_daily_post_killed_before_it_was_recorded_is_adopted_with_the_answers_written_meanwhile(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    await configure_daily(quiz)
    killed = CrashPoint(quiz.service.storage.rounds, "mark_posted")
    quiz.clock.set(NINE_IN_SEOUL)

    posting = asyncio.create_task(quiz.scheduler.run_due())
    await killed.kill()
    await asyncio.gather(posting, return_exceptions=True)
    await quiz.crash()
    [posted] = questions(server)
    assert posted.thread_id is not None
    answer = server.user_says(posted.thread_id, server.world.alice, "written while the bot was down")
    await quiz.restart()

    round_, question = await assert_one_open_question(quiz)
    await server.wait_for(lambda: acknowledged(server, answer))
    assert [a.text for a in await quiz.answers(round_.id)] == ["written while the bot was down"]
    quiz.clock.advance(AFTER_DAILY_REVEAL)
    await quiz.scheduler.run_due()
    await assert_revealed_once(quiz, round_, question)


# -- an on-demand question --------------------------------------------------------------------------------


async def test_an_on_demand_question_killed_before_it_was_recorded_is_adopted_and_revealed(quiz: QuizHarness) -> None:
    server = quiz.server
    killed = CrashPoint(quiz.service.storage.rounds, "mark_posted")

    asking = asyncio.create_task(quiz.running.quiz.ask(quiz.key, SHORT_CATEGORY))
    await killed.kill()
    await asyncio.gather(asking, return_exceptions=True)
    await quiz.crash()
    [posted] = questions(server)
    assert posted.thread_id is not None
    answer = server.user_says(posted.thread_id, server.world.bob, "기울기 소실이 줄어듭니다")
    await quiz.restart()

    round_, question = await assert_one_open_question(quiz)
    await server.wait_for(lambda: acknowledged(server, answer))
    assert [a.text for a in await quiz.answers(round_.id)] == ["기울기 소실이 줄어듭니다"]
    click = server.click_button(question, f"quiz:answer:{round_.id}", server.world.alice)
    assert (await click.modal())["custom_id"] == f"quiz:private:{round_.id}"
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()
    await assert_revealed_once(quiz, round_, question)


async def test_an_answer_written_the_moment_its_thread_appears_is_recorded(
    quiz: QuizHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = quiz.server
    bot_quiz = quiz.running.quiz
    rounds = quiz.service.storage.rounds
    record_posted = rounds.mark_posted
    release = asyncio.Event()
    looked_up: list[str] = []

    async def slow_mark_posted(*args: Any) -> bool:
        await release.wait()
        return await record_posted(*args)

    lookup = bot_quiz.round_for_thread

    async def watched_lookup(thread_id: str) -> Round | None:
        looked_up.append(thread_id)
        return await lookup(thread_id)

    monkeypatch.setattr(rounds, "mark_posted", slow_mark_posted)
    monkeypatch.setattr(bot_quiz, "round_for_thread", watched_lookup)

    asking = asyncio.create_task(bot_quiz.ask(quiz.key, SHORT_CATEGORY))
    [posted] = await server.wait_for(lambda: [m for m in questions(server) if m.thread_id is not None])
    assert posted.thread_id is not None
    answer = server.user_says(posted.thread_id, server.world.alice, "right away")
    # The answer's event has found no round for its thread yet: only now is the round recorded.
    await server.wait_for(lambda: str(posted.thread_id) in looked_up)
    release.set()
    round_ = await asking

    await server.wait_for(lambda: acknowledged(server, answer))
    assert [a.text for a in await quiz.answers(round_.id)] == ["right away"]


# -- answers ------------------------------------------------------------------------------------------------


async def test_an_answer_stored_while_its_check_mark_was_on_its_way_is_acknowledged_after_restart(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    assert question.thread_id is not None
    killed = CrashPoint(quiz.running.platform, "add_reaction")

    answer = server.user_says(question.thread_id, server.world.bob, "stored, not yet acknowledged")
    await killed.kill()
    await quiz.crash()
    stored = [a.message_id for a in await _answers_on_disk(quiz, round_.id)]
    await quiz.restart()

    assert stored == [str(answer.id)]
    await server.wait_for(lambda: acknowledged(server, answer))
    [held] = await quiz.answers(round_.id)
    assert await quiz.service.storage.answers.history(held.answer_id) == [("create", "stored, not yet acknowledged")]


async def _answers_on_disk(quiz: QuizHarness, round_id: int) -> list[AnswerRecord]:
    """The round's answers as a fresh process would find them."""
    storage = await open_store(quiz.settings)
    try:
        return await storage.answers.for_round(round_id)
    finally:
        await storage.close()


async def test_answers_that_could_not_be_stored_are_recorded_once_writes_work_again(
    quiz: QuizHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    assert question.thread_id is not None
    answers = quiz.service.storage.answers
    record = answers.record
    refused: list[str] = []

    async def disk_full_twice(**kwargs: Any) -> Any:
        if len(refused) < 2:
            refused.append(kwargs["text"])
            raise sqlite3.OperationalError("database or disk is full")
        return await record(**kwargs)

    monkeypatch.setattr(answers, "record", disk_full_twice)
    monkeypatch.setattr(quiz.running.catch_up, "retry_delay", 0.05)

    answer = server.user_says(question.thread_id, server.world.bob, "saved when the disk has room")

    await server.wait_for(lambda: acknowledged(server, answer))
    assert refused == ["saved when the disk has room"] * 2
    assert [a.text for a in await quiz.answers(round_.id)] == ["saved when the disk has room"]


async def test_a_private_answer_form_opened_before_a_restart_is_stored_when_submitted_after_it(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    click = server.click_button(question, f"quiz:answer:{round_.id}", server.world.bob)
    modal = await click.modal()
    field = modal["components"][0]["components"][0]

    await quiz.stop()
    await quiz.restart()
    saved = await server.submit_modal(
        click, modal["custom_id"], {field["custom_id"]: "typed across a restart"}
    ).message()

    assert "Private answer saved" in saved.content
    assert [(a.text, a.private) for a in await quiz.answers(round_.id)] == [("typed across a restart", True)]


async def test_two_private_answers_submitted_at_once_keep_their_own_texts(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    forms = []
    for user in (server.world.alice, server.world.bob):
        click = server.click_button(question, f"quiz:answer:{round_.id}", user)
        forms.append((user, click, await click.modal()))

    submitted = [
        server.submit_modal(
            click, modal["custom_id"], {modal["components"][0]["components"][0]["custom_id"]: user.username}
        )
        for user, click, modal in forms
    ]
    for handle in submitted:
        await handle.message()

    stored = {a.member.member_id: a.text for a in await quiz.answers(round_.id)}
    assert stored == {str(user.id): user.username for user, _, _ in forms}


# -- what an admin is told ------------------------------------------------------------------------------------


async def admin_reveal(quiz: QuizHarness) -> Message:
    server = quiz.server
    handle = server.invoke_command(server.guild, server.channel, server.world.admin, "quiz", subcommand="reveal")
    return await handle.message(timeout=10.0)


async def test_reveal_says_it_is_retrying_when_the_reveal_could_not_be_posted(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    # discord.py gives a 503 straight back: the reveal's post fails once, and its retry is planned.
    fault = server.faults.server_error("POST", f"/channels/{question.thread_id}/messages", status=503)

    reply = await admin_reveal(quiz)

    assert fault.hits == 1
    assert reply.content == text("admin.reveal-retrying", "en")
    assert (await quiz.round(round_.id)).state is RoundState.REVEALING
    quiz.clock.advance(quiz.settings.scheduler.retry_delay)
    await quiz.scheduler.run_due()
    await assert_revealed_once(quiz, round_, question)


async def test_the_admins_reply_survives_a_storm_of_rate_limits(
    quiz: QuizHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    monkeypatch.setattr(discord_commands, "REPLY_RETRY_DELAYS", (0.05, 0.2))
    # More 429s in a row than discord.py retries, twice over.
    storm = server.faults.rate_limit("POST", "/webhooks/*/*", count=12, retry_after=0.01)

    reply = await admin_reveal(quiz)

    assert storm.hits == 12
    assert reply.content == text("admin.revealed", "en")
    await assert_revealed_once(quiz, round_, question)
