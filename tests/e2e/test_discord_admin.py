"""The admin subcommands of ``/quiz`` on Discord: who may use them, what bad values do, and the daily schedule
they set up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.config import DiscordConfig
from bot.core.clock import ManualClock
from bot.core.models import ChannelKey, RoundState
from tests.e2e.discord_server import DiscordServer, MessageFlag
from tests.e2e.discord_server.extras import autocomplete
from tests.e2e.discord_support import (
    SHORT_CATEGORY,
    START,
    QuizHarness,
    quiz,
    quiz_settings,
)

__all__ = ["quiz"]

NINE_IN_SEOUL = START + dt.timedelta(hours=1)
ADMIN_SUBCOMMANDS = ("setup", "pause", "resume", "reveal", "skip")


async def admin(quiz: QuizHarness, subcommand: str, user: Any = None, **options: Any) -> Any:
    server = quiz.server
    handle = server.invoke_command(
        server.guild,
        server.channel,
        user or server.world.admin,
        "quiz",
        subcommand=subcommand,
        options=options,
    )
    return await handle.message()


async def daily_setup(quiz: QuizHarness) -> Any:
    return await admin(quiz, "setup", time="09:00", timezone="Asia/Seoul", weekdays="daily", **{"reveal-delay": "8h"})


def questions_in(server: DiscordServer, channel: Any) -> list[Any]:
    return [m for m in server.bot_messages(channel) if m.embeds and m.thread_id is not None]


async def test_a_member_without_manage_server_can_still_use_the_member_subcommands(quiz: QuizHarness) -> None:
    server = quiz.server
    handle = server.invoke_command(server.guild, server.channel, server.world.alice, "quiz", subcommand="categories")

    listing = await handle.message()

    assert listing.ephemeral_to == server.world.alice.id
    assert "Manage Server" not in listing.content
    assert SHORT_CATEGORY in listing.content


@pytest.mark.parametrize("subcommand", ADMIN_SUBCOMMANDS)
async def test_an_admin_command_is_refused_privately_to_a_member_without_manage_server(
    quiz: QuizHarness, subcommand: str
) -> None:
    server = quiz.server
    round_, _ = await quiz.ask(server.world.alice)

    refusal = await admin(quiz, subcommand, user=server.world.alice)

    assert refusal.flags & MessageFlag.EPHEMERAL and refusal.ephemeral_to == server.world.alice.id
    assert "Manage Server" in refusal.content
    settings = await quiz.service.channel(quiz.key)
    assert settings is not None and not settings.enabled and not settings.paused
    assert (await quiz.round(round_.id)).state is RoundState.OPEN
    assert quiz.scheduler.next_run(f"reveal:{round_.id}") == round_.reveal_at


async def test_setup_confirms_privately_and_the_daily_question_is_posted_at_its_time(quiz: QuizHarness) -> None:
    server = quiz.server

    confirmation = await daily_setup(quiz)
    quiz.clock.set(NINE_IN_SEOUL)
    await quiz.scheduler.run_due()

    assert confirmation.flags & MessageFlag.EPHEMERAL
    assert "09:00 (Asia/Seoul)" in confirmation.content and "8h" in confirmation.content
    [question] = questions_in(server, server.channel)
    assert question.embeds[0]["title"] == "오늘의 면접 질문"
    assert server.thread(question.thread_id).parent_id == server.channel.id
    round_ = await quiz.service.current_round(quiz.key)
    assert round_ is not None and round_.slot == NINE_IN_SEOUL


async def test_the_daily_question_is_revealed_after_the_daily_delay(quiz: QuizHarness) -> None:
    server = quiz.server
    await daily_setup(quiz)
    quiz.clock.set(NINE_IN_SEOUL)
    await quiz.scheduler.run_due()
    [question] = questions_in(server, server.channel)

    quiz.clock.advance(dt.timedelta(hours=7, minutes=59))
    await quiz.scheduler.run_due()
    before = server.bot_messages(question.thread_id)
    quiz.clock.advance(dt.timedelta(minutes=1))
    await quiz.scheduler.run_due()

    assert before == []
    assert server.bot_messages(question.thread_id)[0].content.startswith("**참고 답안**")


@pytest.mark.parametrize(
    ("options", "explanation"),
    [
        ({"time": "25:00"}, "'25:00' is not a valid time"),
        ({"timezone": "Mars/Olympus"}, "'Mars/Olympus' is not a known timezone"),
        ({"weekdays": "someday"}, "Write weekdays as"),
        ({"reveal-delay": "forever"}, "The reveal delay must be between"),
        ({"ondemand-delay": "10d"}, "The reveal delay must be between"),
        ({"decks": "no-such-deck"}, "Unknown decks: no-such-deck"),
    ],
)
async def test_setup_with_a_bad_value_explains_privately_and_changes_nothing(
    quiz: QuizHarness, options: dict[str, str], explanation: str
) -> None:
    reply = await admin(quiz, "setup", **options)

    assert reply.flags & MessageFlag.EPHEMERAL
    assert explanation in reply.content
    assert await quiz.service.channel(quiz.key) is None
    assert quiz.scheduler.job_count() == 0


@pytest.mark.parametrize(
    ("channel_attr", "missing"),
    [("read_only_channel", "Send Messages"), ("no_threads_channel", "Create Public Threads")],
)
async def test_setup_refuses_a_channel_the_bot_cannot_post_or_open_threads_in(
    quiz: QuizHarness, channel_attr: str, missing: str
) -> None:
    channel = getattr(quiz.server.world, channel_attr)

    reply = await admin(quiz, "setup", channel=channel, time="09:00")

    assert reply.flags & MessageFlag.EPHEMERAL
    assert "I cannot post or create threads in this channel" in reply.content and missing in reply.content
    key = ChannelKey("discord", str(quiz.server.guild.id), str(channel.id))
    assert await quiz.service.channel(key) is None


async def test_setup_suggests_timezones_matching_what_the_admin_types(quiz: QuizHarness) -> None:
    server = quiz.server

    choices = await autocomplete(
        server,
        server.guild,
        server.channel,
        server.world.admin,
        "quiz",
        subcommand="setup",
        focused="timezone",
        value="seoul",
    )

    assert [c["value"] for c in choices] == ["Asia/Seoul"]


async def test_a_paused_channel_gets_no_daily_question_until_resumed(quiz: QuizHarness) -> None:
    server = quiz.server
    await daily_setup(quiz)

    paused = await admin(quiz, "pause")
    quiz.clock.set(NINE_IN_SEOUL)
    await quiz.scheduler.run_due()
    posted_while_paused = questions_in(server, server.channel)
    resumed = await admin(quiz, "resume")
    quiz.clock.set(NINE_IN_SEOUL + dt.timedelta(days=1))
    await quiz.scheduler.run_due()

    assert "paused" in paused.content and "resumed" in resumed.content
    assert posted_while_paused == []
    assert len(questions_in(server, server.channel)) == 1


async def test_reveal_reveals_the_open_round_at_once(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)

    reply = await admin(quiz, "reveal")

    assert reply.flags & MessageFlag.EPHEMERAL and reply.content == "Revealed."
    assert server.bot_messages(question.thread_id)[0].content.startswith("**참고 답안**")
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED


async def test_skip_cancels_the_open_round_without_a_reveal(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)

    reply = await admin(quiz, "skip")
    quiz.clock.advance(dt.timedelta(hours=1))
    await quiz.scheduler.run_due()

    assert reply.content == "The open round was skipped."
    assert (await quiz.round(round_.id)).state is RoundState.CANCELLED
    assert "취소됨" in server.state.messages[question.id].embeds[0]["title"]
    assert server.bot_messages(question.thread_id) == []


async def test_reveal_with_no_open_round_says_so(quiz: QuizHarness) -> None:
    reply = await admin(quiz, "reveal")

    assert reply.flags & MessageFlag.EPHEMERAL
    assert reply.content == "No round is open in this channel."


async def test_guilds_do_not_see_each_others_leaderboards(discord_server: DiscordServer, tmp_path: Path) -> None:
    server = discord_server
    other_owner = server.state.add_user("carol")
    other_guild = server.state.add_guild("Another Study Group", owner=other_owner)
    other_channel = server.state.add_text_channel(other_guild, "quiz")
    # Global commands: the second guild is not a dev guild.
    settings = quiz_settings(server, tmp_path, discord=DiscordConfig())
    harness = QuizHarness(server, settings, ManualClock(START))
    await harness.start()
    try:
        round_, question = await harness.ask(server.world.alice, category=SHORT_CATEGORY)
        server.user_says(question.thread_id, server.world.alice, "기울기 소실")
        harness.clock.advance(dt.timedelta(minutes=11))

        async def answered() -> bool:
            return len(await harness.answers(round_.id)) == 1

        await harness.eventually(answered)
        await harness.scheduler.run_due()

        here = server.invoke_command(server.guild, server.channel, server.world.bob, "quiz", subcommand="leaderboard")
        there = server.invoke_command(other_guild, other_channel, other_owner, "quiz", subcommand="leaderboard")
        here_board, there_board = await here.message(), await there.message()
    finally:
        await harness.stop()

    assert "Alice" in here_board.content
    assert "Alice" not in there_board.content and "No points yet." in there_board.content


async def test_settings_show_the_channels_schedule_to_the_caller_only(quiz: QuizHarness) -> None:
    await admin(quiz, "setup", time="07:30", timezone="UTC", weekdays="mon-fri")

    shown = await admin(quiz, "settings", user=quiz.server.world.alice)

    assert shown.ephemeral_to == quiz.server.world.alice.id
    assert "When: Mon–Fri at 07:30 (UTC)" in shown.content
    assert "Daily questions: on" in shown.content
