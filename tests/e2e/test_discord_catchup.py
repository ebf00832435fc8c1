"""Answers written in a round's thread while the bot was offline: recorded and acknowledged once it reconnects
with a fresh session, in the order they were written, without touching what was already stored."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import pytest

from bot.core.models import RoundState
from tests.e2e.discord_server import CloseCode, DiscordServer, Message
from tests.e2e.discord_support import SHORT_CATEGORY, QuizHarness, acknowledged, quiz

__all__ = ["quiz"]

AFTER_ONDEMAND_REVEAL = dt.timedelta(minutes=11)
THREAD_MESSAGES = "/channels/{thread_id}/messages"


@dataclass(frozen=True)
class Downtime:
    """A round whose thread got answers on both sides of a crash."""

    round_id: int
    thread_id: int
    before: Message
    during: tuple[Message, ...]


async def answers_across_a_crash(quiz: QuizHarness) -> Downtime:
    """Alice answers while the bot runs; it crashes; Bob and Carol answer while it is down; it restarts."""
    server = quiz.server
    carol = server.add_member("carol")
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    assert question.thread_id is not None
    before = server.user_says(question.thread_id, server.world.alice, "기울기 소실이 줄어듭니다")
    await server.wait_for(lambda: acknowledged(server, before))

    await quiz.crash()
    during = (
        server.user_says(question.thread_id, server.world.bob, "양수 구간 기울기가 1이라 기울기 소실이 덜합니다"),
        server.user_says(question.thread_id, carol, "계산이 빠르고 기울기 소실이 덜합니다"),
    )
    await quiz.restart()
    return Downtime(round_.id, question.thread_id, before, during)


async def test_answers_written_while_the_bot_was_down_are_recorded_and_acknowledged(quiz: QuizHarness) -> None:
    server = quiz.server

    downtime = await answers_across_a_crash(quiz)

    stored = {a.message_id: a.text for a in await quiz.answers(downtime.round_id)}
    assert stored == {str(m.id): m.content for m in (downtime.before, *downtime.during)}
    assert all(acknowledged(server, m) for m in downtime.during)


async def test_an_answer_recorded_before_the_crash_is_not_recorded_again(quiz: QuizHarness) -> None:
    downtime = await answers_across_a_crash(quiz)

    [alices] = [a for a in await quiz.answers(downtime.round_id) if a.message_id == str(downtime.before.id)]
    assert await quiz.service.storage.answers.history(alices.answer_id) == [("create", downtime.before.content)]


async def test_the_reveal_after_a_restart_scores_the_answers_written_while_the_bot_was_down(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    downtime = await answers_across_a_crash(quiz)

    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()

    outcome = await quiz.service.storage.results.outcome(downtime.round_id)
    assert outcome is not None and outcome.round.state is RoundState.REVEALED
    assert sorted(r.member.display_name for r in outcome.results) == ["Alice", "Bob", "Carol"]
    assert all(not r.late and r.coverage > 0 for r in outcome.results)
    reveal = "\n".join(m.content for m in server.bot_messages(downtime.thread_id))
    assert all(name in reveal for name in ("Alice", "Bob", "Carol"))


async def test_several_messages_written_while_down_are_taken_in_order_and_the_last_one_counts(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    assert question.thread_id is not None

    await quiz.crash()
    written = [server.user_says(question.thread_id, server.world.bob, text) for text in ("first", "second", "third")]
    await quiz.restart()

    [answer] = await quiz.answers(round_.id)
    assert (answer.text, answer.message_id) == ("third", str(written[-1].id))
    history = await quiz.service.storage.answers.history(answer.answer_id)
    assert history == [("create", "first"), ("edit", "second"), ("edit", "third")]
    assert all(acknowledged(server, m) for m in written)


async def test_a_restart_does_not_bring_back_a_message_its_member_replaced(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    assert question.thread_id is not None
    for text in ("my first try", "my better answer"):
        message = server.user_says(question.thread_id, server.world.alice, text)
        await server.wait_for(lambda message=message: acknowledged(server, message))

    await quiz.crash()
    await quiz.restart()

    [answer] = await quiz.answers(round_.id)
    assert answer.text == "my better answer"
    history = await quiz.service.storage.answers.history(answer.answer_id)
    assert history == [("create", "my first try"), ("edit", "my better answer")]


async def test_a_restart_does_not_overwrite_a_private_answer_given_after_a_thread_message(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    assert question.thread_id is not None
    public = server.user_says(question.thread_id, server.world.bob, "a quick public guess")
    await server.wait_for(lambda: acknowledged(server, public))
    click = server.click_button(question, f"quiz:answer:{round_.id}", server.world.bob)
    modal = await click.modal()
    field = modal["components"][0]["components"][0]
    await server.submit_modal(click, modal["custom_id"], {field["custom_id"]: "my considered answer"}).message()

    await quiz.crash()
    await quiz.restart()

    assert [(a.text, a.private) for a in await quiz.answers(round_.id)] == [("my considered answer", True)]


async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits five seconds before identifying again, for Discord's identify limit; the local server
    has none."""


async def test_a_session_that_could_not_resume_catches_up_what_was_said_meanwhile(
    quiz: QuizHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = quiz.server
    monkeypatch.setattr(quiz.running, "before_identify_hook", identify_at_once)
    round_, question = await quiz.ask(server.world.alice)
    assert question.thread_id is not None
    server.gateway.hold_connections()

    server.gateway.invalidate_sessions(resumable=False)
    await server.wait_for(lambda: server.gateway.pending_connections == 1)
    answer = server.user_says(question.thread_id, server.world.bob, "said between two sessions")
    server.gateway.release_connections()
    await server.wait_for(lambda: acknowledged(server, answer))

    assert server.gateway.identify_count == 2 and server.gateway.resume_count == 0
    assert [a.text for a in await quiz.answers(round_.id)] == ["said between two sessions"]


async def test_a_resumed_session_does_not_read_the_threads_back(quiz: QuizHarness) -> None:
    server = quiz.server
    _, question = await quiz.ask(server.world.alice)
    assert question.thread_id is not None
    history_path = THREAD_MESSAGES.format(thread_id=question.thread_id)
    server.gateway.hold_connections()

    await server.gateway.disconnect(CloseCode.UNKNOWN_ERROR)
    answer = server.user_says(question.thread_id, server.world.bob, "replayed by the resume")
    await server.wait_for(lambda: server.gateway.pending_connections == 1)
    server.gateway.release_connections()
    await server.wait_for(lambda: acknowledged(server, answer))

    assert server.gateway.resume_count == 1
    assert server.requests.count("GET", path=history_path) == 0


async def test_an_answer_followed_by_pages_of_bot_messages_is_still_caught_up(
    discord_server: DiscordServer, quiz: QuizHarness
) -> None:
    server = discord_server
    reminder = server.state.add_user("reminder", bot=True)
    server.state.add_member(server.guild, reminder)
    round_, question = await quiz.ask(server.world.alice)
    assert question.thread_id is not None
    history_path = THREAD_MESSAGES.format(thread_id=question.thread_id)

    await quiz.crash()
    answer = server.user_says(question.thread_id, server.world.bob, "an answer before the noise")
    for index in range(150):
        server.user_says(question.thread_id, reminder, f"reminder {index}")
    await quiz.restart()

    assert [(a.member.member_id, a.text) for a in await quiz.answers(round_.id)] == [
        (str(server.world.bob.id), "an answer before the noise")
    ]
    assert acknowledged(server, answer)
    assert server.requests.count("GET", path=history_path) == 2


async def test_a_thread_deleted_while_the_bot_was_down_does_not_stop_the_others_catching_up(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    _, gone = await quiz.ask(server.world.alice)
    other_channel = server.state.add_text_channel(server.guild, "quiz-2")
    handle = server.invoke_command(server.guild, other_channel, server.world.alice, "quiz", subcommand="ask")
    await handle.message()
    question = await server.wait_for_message(other_channel, lambda m: m.thread_id is not None, author=server.bot)
    assert gone.thread_id is not None and question.thread_id is not None

    await quiz.crash()
    server.actions.delete_channel(server.thread(gone.thread_id))
    answer = server.user_says(question.thread_id, server.world.bob, "still here")
    await quiz.restart()

    assert acknowledged(server, answer)
    round_ = await quiz.service.round_for_thread("discord", str(question.thread_id))
    assert round_ is not None
    assert [a.text for a in await quiz.answers(round_.id)] == ["still here"]


async def test_a_message_arriving_during_the_catch_up_is_not_overtaken_by_an_older_one(quiz: QuizHarness) -> None:
    server = quiz.server
    carol = server.add_member("carol")
    round_, question = await quiz.ask(server.world.alice)
    assert question.thread_id is not None
    await quiz.crash()
    carols = server.user_says(question.thread_id, carol, "carol's answer")
    server.user_says(question.thread_id, server.world.bob, "bob's first thoughts")
    # Holds the catch-up between recording Carol's answer and Bob's older one.
    fault = server.faults.rate_limit(
        "PUT", f"/channels/{question.thread_id}/messages/{carols.id}/reactions/*/@me", retry_after=0.3
    )

    restarting = asyncio.create_task(quiz.restart())
    await server.wait_for(lambda: fault.hits == 1)
    latest = server.user_says(question.thread_id, server.world.bob, "bob's final answer")
    await restarting
    await server.wait_for(lambda: acknowledged(server, latest))

    bobs = [a for a in await quiz.answers(round_.id) if a.member.member_id == str(server.world.bob.id)]
    assert [(a.text, a.message_id) for a in bobs] == [("bob's final answer", str(latest.id))]


async def test_a_message_arriving_while_its_thread_is_read_back_is_recorded_once(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    assert question.thread_id is not None
    await quiz.crash()
    fault = server.faults.rate_limit("GET", THREAD_MESSAGES.format(thread_id=question.thread_id), retry_after=0.3)

    restarting = asyncio.create_task(quiz.restart())
    await server.wait_for(lambda: fault.hits == 1)
    live = server.user_says(question.thread_id, server.world.bob, "just in time")
    await restarting
    await server.wait_for(lambda: acknowledged(server, live))

    [answer] = await quiz.answers(round_.id)
    assert await quiz.service.storage.answers.history(answer.answer_id) == [("create", "just in time")]
