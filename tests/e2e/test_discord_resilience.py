"""Discord failing in the ways it does: rate limits, server errors, dropped gateways, a bot killed mid-round,
mentions smuggled into answers, and a minute in which a hundred channels want their question at once."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

from bot.core.clock import ManualClock
from bot.core.models import ChannelKey, ChannelSettings, RoundState
from bot.core.service import QuizService
from tests.e2e.discord_server import Channel, CloseCode, DiscordServer, Permission
from tests.e2e.discord_server.extras import fail_later
from tests.e2e.discord_support import (
    LONG_BULLETS,
    LONG_CATEGORY,
    SHORT_CATEGORY,
    START,
    QuizHarness,
    acknowledged,
    quiz,
    quiz_settings,
)

__all__ = ["quiz"]

MESSAGES = "/channels/{channel_id}/messages"
NINE_IN_SEOUL = START + dt.timedelta(hours=1)
AFTER_ONDEMAND_REVEAL = dt.timedelta(minutes=11)
MANY_CHANNELS = 120


async def configure_daily(service: QuizService, key: ChannelKey) -> None:
    await service.configure_channel(
        key,
        post_time=dt.time(9, 0),
        timezone="Asia/Seoul",
        weekdays=frozenset(range(7)),
        enabled=True,
    )


async def test_a_rate_limited_post_is_retried_after_retry_after(quiz: QuizHarness) -> None:
    server = quiz.server
    fault = server.faults.rate_limit("POST", MESSAGES, retry_after=0.2)

    round_, question = await quiz.ask(server.world.alice)

    assert fault.hits == 1
    assert server.requests.count("POST", MESSAGES, status=429) == 1
    assert server.requests.count("POST", MESSAGES, status=200) >= 1
    assert (await quiz.round(round_.id)).message_id == str(question.id)


async def test_a_server_error_on_send_is_retried_and_the_round_completes(quiz: QuizHarness) -> None:
    server = quiz.server
    fault = server.faults.server_error("POST", MESSAGES, status=500)

    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    answer = server.user_says(question.thread_id, server.world.alice, "기울기 소실이 줄어요")
    await server.wait_for(lambda: acknowledged(server, answer))
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()

    assert fault.hits == 1
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED
    assert len(server.bot_messages(question.thread_id)) >= 1


async def test_a_daily_post_that_fails_for_good_in_discord_py_is_retried_by_the_scheduler(quiz: QuizHarness) -> None:
    server = quiz.server
    await configure_daily(quiz.service, quiz.key)
    await quiz.scheduler.schedule_channel(await quiz.service.ensure_channel(quiz.key))
    # discord.py retries 500, 502, 504 itself; a 503 comes straight back as an error.
    fault = server.faults.server_error("POST", MESSAGES, status=503)

    quiz.clock.set(NINE_IN_SEOUL)
    await quiz.scheduler.run_due()
    after_failure = server.bot_messages(server.channel)
    quiz.clock.advance(quiz.settings.scheduler.retry_delay)
    await quiz.scheduler.run_due()

    assert fault.hits == 1 and after_failure == []
    [question] = server.bot_messages(server.channel)
    assert question.thread_id is not None
    round_ = await quiz.service.current_round(quiz.key)
    assert round_ is not None and round_.slot == NINE_IN_SEOUL and round_.message_id == str(question.id)


async def test_a_reveal_that_fails_is_posted_exactly_once_by_the_retry(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    fault = server.faults.server_error("POST", f"/channels/{question.thread_id}/messages", status=503)

    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()
    state_after_failure = (await quiz.round(round_.id)).state
    quiz.clock.advance(quiz.settings.scheduler.retry_delay)
    await quiz.scheduler.run_due()
    quiz.clock.advance(dt.timedelta(hours=1))
    await quiz.scheduler.run_due()

    assert fault.hits == 1 and state_after_failure is RoundState.REVEALING
    reveals = [m for m in server.bot_messages(question.thread_id) if m.content.startswith("**참고 답안**")]
    assert len(reveals) == 1
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED


async def test_after_a_gateway_disconnect_the_bot_resumes_and_gets_what_was_said_meanwhile(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    server.gateway.hold_connections()

    await server.gateway.disconnect(CloseCode.UNKNOWN_ERROR)
    answer = server.user_says(question.thread_id, server.world.bob, "said while the bot was away")
    await server.wait_for(lambda: server.gateway.pending_connections == 1)
    server.gateway.release_connections()
    await server.wait_for(lambda: acknowledged(server, answer))

    assert server.gateway.identify_count == 1 and server.gateway.resume_count == 1
    assert [a.text for a in await quiz.answers(round_.id)] == ["said while the bot was away"]


async def test_a_bot_killed_mid_round_keeps_the_answers_and_reveals_once_after_restart(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    for user, text in ((server.world.alice, "기울기 소실"), (server.world.bob, "계산이 빠릅니다")):
        message = server.user_says(question.thread_id, user, text)
        await server.wait_for(lambda message=message: acknowledged(server, message))

    await quiz.crash()
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.restart()
    await quiz.scheduler.run_due()
    await quiz.stop()
    await quiz.restart()
    await quiz.scheduler.run_due()

    assert sorted(a.text for a in await quiz.answers(round_.id)) == ["계산이 빠릅니다", "기울기 소실"]
    reveals = [m for m in server.bot_messages(question.thread_id) if m.content.startswith("**참고 답안**")]
    assert len(reveals) == 1
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED


async def test_echoed_member_text_never_mentions_anyone(quiz: QuizHarness) -> None:
    server = quiz.server
    alice, bob = server.world.alice, server.world.bob
    round_, question = await quiz.ask(alice, category=SHORT_CATEGORY)
    public = server.user_says(question.thread_id, alice, f"@everyone <@{bob.id}> 기울기 소실")
    await server.wait_for(lambda: acknowledged(server, public))
    click = server.click_button(question, f"quiz:answer:{round_.id}", bob)
    modal = await click.modal()
    field = modal["components"][0]["components"][0]
    await server.submit_modal(
        click, modal["custom_id"], {field["custom_id"]: f"@here @everyone <@{alice.id}>"}
    ).message()

    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()
    board = await server.invoke_command(server.guild, server.channel, alice, "quiz", subcommand="leaderboard").message()

    echoes = [*server.bot_messages(question.thread_id), board]
    assert any("@here @everyone" in m.content for m in echoes)
    for message in echoes:
        assert message.allowed_mentions is not None and message.allowed_mentions.get("parse") == []
        assert not message.mention_everyone and message.mention_user_ids == [] and message.mention_role_ids == []


@contextlib.asynccontextmanager
async def many_daily_channels(
    server: DiscordServer, tmp_path: Path, count: int
) -> AsyncIterator[tuple[QuizHarness, list[Channel], list[ChannelSettings]]]:
    """A running bot with ``count`` more channels, each set up for a daily question at 09:00 in Seoul."""
    channels = [server.state.add_text_channel(server.guild, f"study-{n:03d}") for n in range(count)]
    harness = QuizHarness(server, quiz_settings(server, tmp_path), ManualClock(START))
    await harness.start()
    try:
        configured = []
        for channel in channels:
            key = ChannelKey("discord", str(server.guild.id), str(channel.id))
            await configure_daily(harness.service, key)
            configured.append(await harness.service.ensure_channel(key))
            await harness.scheduler.schedule_channel(configured[-1])
        yield harness, channels, configured
    finally:
        await harness.stop()


def busiest_second(server: DiscordServer, since: int) -> int:
    """The most requests the server received in any one-second window after the first ``since``."""
    times = [r.at for r in server.requests.records[since:]]
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def all_posted(server: DiscordServer, channels: list[Channel]) -> bool:
    return all(len(server.bot_messages(c)) == 1 and server.bot_messages(c)[0].thread_id for c in channels)


async def test_many_channels_due_in_the_same_minute_are_paced_under_the_global_limit(
    discord_server: DiscordServer, tmp_path: Path
) -> None:
    server = discord_server
    async with many_daily_channels(server, tmp_path, MANY_CHANNELS) as (harness, channels, _):
        first_post = len(server.requests.records)
        harness.clock.set(NINE_IN_SEOUL)
        await harness.scheduler.run_due()

    assert server.requests.rate_limited == 0
    assert all_posted(server, channels)
    assert len(server.requests.records) - first_post >= 2 * MANY_CHANNELS
    assert busiest_second(server, first_post) <= 50


async def test_daily_posts_running_concurrently_share_one_pace(discord_server: DiscordServer, tmp_path: Path) -> None:
    server = discord_server
    async with many_daily_channels(server, tmp_path, MANY_CHANNELS // 2) as (harness, channels, configured):
        first_post = len(server.requests.records)
        harness.clock.set(NINE_IN_SEOUL)
        # As APScheduler runs jobs due together: each channel's post as its own task.
        await asyncio.gather(*(harness.scheduler.post_daily(c.ref, NINE_IN_SEOUL) for c in configured))

    assert server.requests.rate_limited == 0
    assert all_posted(server, channels)
    assert busiest_second(server, first_post) <= 50


async def test_a_reveal_interrupted_part_way_continues_without_repeating_itself(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=LONG_CATEGORY)
    fault = fail_later(server, "POST", f"/channels/{question.thread_id}/messages", skip=1)

    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()
    posted_before_retry = len(server.bot_messages(question.thread_id))
    quiz.clock.advance(quiz.settings.scheduler.retry_delay)
    await quiz.scheduler.run_due()

    assert fault.hits == 1 and posted_before_retry == 1
    texts = [m.content for m in server.bot_messages(question.thread_id)]
    assert len(texts) >= 2
    for index in range(LONG_BULLETS):
        assert sum(t.count(f"BULLET-{index:02d}") for t in texts) == 1
    assert sum(t.count("**참고 답안**") for t in texts) == 1
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED


async def test_losing_thread_permission_cancels_the_daily_post_and_tells_the_channel(quiz: QuizHarness) -> None:
    server = quiz.server
    await configure_daily(quiz.service, quiz.key)
    await quiz.scheduler.schedule_channel(await quiz.service.ensure_channel(quiz.key))
    server.set_bot_permissions(server.channel, deny=Permission.CREATE_PUBLIC_THREADS)

    quiz.clock.set(NINE_IN_SEOUL)
    await quiz.scheduler.run_due()

    [notice] = server.bot_messages(server.channel)
    assert notice.content.startswith("퀴즈봇 알림:") and "creating the answer thread" in notice.content
    assert not notice.embeds
    [round_] = await quiz.service.storage.rounds.in_states(*RoundState)
    assert round_.state is RoundState.CANCELLED


async def test_a_channel_the_bot_cannot_write_to_anymore_does_not_break_the_schedule(quiz: QuizHarness) -> None:
    server = quiz.server
    await configure_daily(quiz.service, quiz.key)
    await quiz.scheduler.schedule_channel(await quiz.service.ensure_channel(quiz.key))
    server.set_bot_permissions(server.channel, deny=Permission.SEND_MESSAGES)

    quiz.clock.set(NINE_IN_SEOUL)
    await quiz.scheduler.run_due()
    server.set_bot_permissions(server.channel)
    quiz.clock.advance(dt.timedelta(days=1))
    await quiz.scheduler.run_due()

    [question] = server.bot_messages(server.channel)
    assert question.thread_id is not None
    states = [r.state for r in await quiz.service.storage.rounds.in_states(*RoundState)]
    assert sorted(states) == sorted([RoundState.CANCELLED, RoundState.OPEN])


async def test_the_answer_button_of_a_question_posted_before_a_restart_still_works(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    await quiz.stop()
    await quiz.restart()

    click = server.click_button(question, f"quiz:answer:{round_.id}", server.world.bob)
    modal = await click.modal()
    field = modal["components"][0]["components"][0]
    saved = await server.submit_modal(click, modal["custom_id"], {field["custom_id"]: "after the restart"}).message()

    assert "Private answer saved" in saved.content
    assert [(a.text, a.private) for a in await quiz.answers(round_.id)] == [("after the restart", True)]
