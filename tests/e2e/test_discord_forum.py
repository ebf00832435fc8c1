"""A quiz channel that is a forum: each round is one forum post (the thread and its question in one request), and
everything a round does in a text channel works there too."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from typing import Any

import discord

from bot.core.models import ChannelKey, RoundState
from tests.e2e.crash_points import CrashPoint
from tests.e2e.discord_server import Channel, DiscordServer, Message
from tests.e2e.discord_server.extras import create_forum_channel
from tests.e2e.discord_support import SHORT_CATEGORY, QuizHarness, acknowledged, quiz

__all__ = ["quiz"]

# The harness starts at 08:00 in Seoul; the setup below posts at 09:00 and reveals eight hours later.
TO_NINE = dt.timedelta(hours=1)
AFTER_DAILY_REVEAL = dt.timedelta(hours=8, minutes=1)
AFTER_ONDEMAND_REVEAL = dt.timedelta(minutes=11)


def forum_key(server: DiscordServer, forum: Channel) -> ChannelKey:
    return ChannelKey("discord", str(server.guild.id), str(forum.id))


def posts_in(server: DiscordServer, forum: Channel) -> list[Channel]:
    return [c for c in server.state.channels.values() if c.parent_id == forum.id and c.is_thread]


def starter(server: DiscordServer, thread: Channel) -> Message:
    message = server.state.messages.get(thread.id)
    assert message is not None, "the forum post has no starter message"
    return message


async def set_up_forum(quiz: QuizHarness) -> tuple[Channel, Any]:
    server = quiz.server
    forum = create_forum_channel(server, "daily-quiz-forum")
    await server.wait_for(lambda: quiz.running.get_channel(forum.id))
    handle = server.invoke_command(
        server.guild,
        server.channel,
        server.world.admin,
        "quiz",
        subcommand="setup",
        options={
            "channel": forum,
            "time": "09:00",
            "timezone": "Asia/Seoul",
            "weekdays": "daily",
            "reveal-delay": "8h",
        },
    )
    return forum, await handle.message()


async def test_setup_accepts_a_forum_channel(quiz: QuizHarness) -> None:
    server = quiz.server
    forum, reply = await set_up_forum(quiz)

    assert f"<#{forum.id}>" in reply.content
    settings = await quiz.service.storage.channels.get(forum_key(server, forum))
    assert settings is not None and settings.enabled


async def test_a_daily_round_in_a_forum_is_one_post_answered_acknowledged_and_revealed(quiz: QuizHarness) -> None:
    server = quiz.server
    forum, _ = await set_up_forum(quiz)
    before = server.requests.total

    quiz.clock.advance(TO_NINE)
    await quiz.scheduler.run_due()

    [thread] = posts_in(server, forum)
    question = starter(server, thread)
    posting = server.requests.records[before:]
    assert [(r.method, r.path) for r in posting if r.method != "GET"] == [("POST", f"/channels/{forum.id}/threads")]
    assert question.id == thread.id and question.channel_id == thread.id
    assert question.embeds and question.author_id == server.bot.id
    round_ = await quiz.service.round_for_thread("discord", str(thread.id))
    assert round_ is not None and round_.state is RoundState.OPEN
    assert (round_.message_id, round_.thread_id) == (str(thread.id), str(thread.id))
    assert any(
        child.get("custom_id") == f"quiz:answer:{round_.id}"
        for row in question.components
        for child in row.get("components", [])
    )

    answer = server.user_says(thread, server.world.alice, "momentum keeps the velocity going")
    await server.wait_for(lambda: acknowledged(server, answer))
    assert [a.text for a in await quiz.answers(round_.id)] == ["momentum keeps the velocity going"]

    quiz.clock.advance(AFTER_DAILY_REVEAL)
    await quiz.scheduler.run_due()

    assert (await quiz.round(round_.id)).state is RoundState.REVEALED
    reveal = [m for m in server.bot_messages(thread) if m.id != question.id]
    assert reveal, "no reveal in the forum post"
    assert "**Alice**" in "".join(m.content for m in reveal)  # her answer was scored in the reveal
    edited = starter(server, thread)
    assert edited.edited_timestamp is not None, "the question was not marked as revealed"
    assert not server.bot_messages(forum), "nothing may be posted in the forum outside a post"


async def test_a_forum_post_killed_before_it_was_recorded_is_adopted(quiz: QuizHarness) -> None:
    server = quiz.server
    forum = create_forum_channel(server, "ask-here")
    await server.wait_for(lambda: quiz.running.get_channel(forum.id))
    killed = CrashPoint(quiz.service.storage.rounds, "mark_posted")

    asking = asyncio.create_task(quiz.running.quiz.ask(forum_key(server, forum), SHORT_CATEGORY))
    await killed.kill()
    await asyncio.gather(asking, return_exceptions=True)
    await quiz.crash()
    [thread] = posts_in(server, forum)
    answer = server.user_says(thread, server.world.bob, "written while the bot was down")
    await quiz.restart()

    round_ = await quiz.eventually(lambda: quiz.service.round_for_thread("discord", str(thread.id)))
    assert round_.state is RoundState.OPEN and round_.message_id == str(thread.id)
    await server.wait_for(lambda: acknowledged(server, answer))
    assert [a.text for a in await quiz.answers(round_.id)] == ["written while the bot was down"]
    assert len(posts_in(server, forum)) == 1, "the question was posted again instead of adopted"
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED
    assert len(server.bot_messages(thread)) >= 2  # the question and its reveal


async def test_the_server_takes_a_forum_post_with_a_file_as_multipart(quiz: QuizHarness) -> None:
    server = quiz.server
    forum = create_forum_channel(server, "files")
    client_forum = await server.wait_for(lambda: quiz.running.get_channel(forum.id))
    assert isinstance(client_forum, discord.ForumChannel)

    created = await client_forum.create_thread(
        name="notes", content="today's notes", file=discord.File(io.BytesIO(b"q,a\n"), "notes.csv")
    )

    [thread] = posts_in(server, forum)
    message = starter(server, thread)
    assert (created.thread.id, created.message.id) == (thread.id, thread.id)
    assert message.content == "today's notes"
    assert [(a.filename, a.data) for a in message.attachments] == [("notes.csv", b"q,a\n")]
    assert server.requests.count("POST", path=f"/channels/{forum.id}/threads") == 1
