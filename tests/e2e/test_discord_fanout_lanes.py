"""Many channels at once under one token's budget: each question's thread follows it at once, a member's answer is
acknowledged ahead of the posts still waiting, and a restart reads the open rounds' threads concurrently."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.config import DiscordConfig
from bot.core.clock import ManualClock
from bot.core.models import ChannelKey
from tests.e2e.discord_server import Channel, DiscordServer
from tests.e2e.discord_server.ratelimit import RequestRecord
from tests.e2e.discord_support import SHORT_CATEGORY, START, QuizHarness, acknowledged, quiz_settings

CHANNELS = 24
# Low, so that the fan-out lasts a few seconds and the order of the paced requests shows.
RATE = 12.0
NINE_IN_SEOUL = START + dt.timedelta(hours=1)
POST = "/channels/{channel_id}/messages"
THREAD = "/channels/{channel_id}/messages/{message_id}/threads"
REACTION = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"
HISTORY = "/channels/{channel_id}/messages"


@pytest_asyncio.fixture
async def crowded(discord_server: DiscordServer, tmp_path: Path) -> AsyncIterator[tuple[QuizHarness, list[Channel]]]:
    """A running bot paced at ``RATE`` requests per second, with ``CHANNELS`` quiz channels in its guild."""
    channels = [discord_server.state.add_text_channel(discord_server.guild, f"quiz-{n}") for n in range(CHANNELS)]
    discord = DiscordConfig(dev_guild_ids=(discord_server.guild.id,), requests_per_second=RATE)
    harness = QuizHarness(discord_server, quiz_settings(discord_server, tmp_path, discord=discord), ManualClock(START))
    await harness.start()
    try:
        yield harness, channels
    finally:
        if harness.bot is not None:
            await harness.stop()


def key_of(server: DiscordServer, channel: Channel) -> ChannelKey:
    return ChannelKey("discord", str(server.guild.id), str(channel.id))


def channel_of(record: RequestRecord) -> int:
    return int(record.path.split("/")[2])


async def test_each_thread_follows_its_question_and_an_answer_is_acknowledged_before_the_remaining_posts(
    crowded: tuple[QuizHarness, list[Channel]],
) -> None:
    quiz, channels = crowded
    server = quiz.server
    for channel in channels:
        settings = await quiz.service.configure_channel(
            key_of(server, channel), post_time=dt.time(9), timezone="Asia/Seoul", enabled=True
        )
        await quiz.scheduler.schedule_channel(settings)
    start = server.requests.total
    quiz.clock.set(NINE_IN_SEOUL)

    fanout = asyncio.create_task(quiz.scheduler.run_due())
    first = await server.wait_for(lambda: next((c for c in server.state.channels.values() if c.is_thread), None))
    answer = server.user_says(first, server.world.alice, "an answer written while the others are being posted")
    await fanout
    await server.wait_for(lambda: acknowledged(server, answer))

    log = [r for r in server.requests.records[start:] if r.status < 300]
    order = [(r.route, channel_of(r)) for r in log if r.method in ("POST", "PUT")]
    posts = [index for index, (route, _) in enumerate(order) if route == POST]
    assert len(posts) == CHANNELS
    for channel in channels:
        posted = order.index((POST, channel.id))
        threaded = order.index((THREAD, channel.id))
        # Only the posts already given their turn while the question was on its way come between.
        assert 0 < threaded - posted <= 3, f"{threaded - posted - 1} requests between a question and its thread"
    acknowledgement = next(index for index, (route, _) in enumerate(order) if route == REACTION)
    later_posts = [index for index in posts if index > acknowledgement]
    assert len(later_posts) >= CHANNELS // 3, "the acknowledgement waited behind the fan-out"
    assert server.requests.rate_limited == 0


async def test_a_restart_reads_the_open_rounds_threads_concurrently(
    crowded: tuple[QuizHarness, list[Channel]],
) -> None:
    quiz, channels = crowded
    server = quiz.server
    for channel in channels:
        await quiz.running.quiz.ask(key_of(server, channel), SHORT_CATEGORY)
    await quiz.stop()
    latency = 0.4
    server.faults.delay("GET", HISTORY, latency)
    start = server.requests.total

    await quiz.restart()  # returns once the catch-up is done and the scheduler has started

    reads = [r for r in server.requests.records[start:] if r.method == "GET" and r.route == HISTORY]
    assert {channel_of(r) for r in reads} >= {int(t.id) for t in server.state.channels.values() if t.is_thread}
    intervals = [(r.started or r.at, r.at) for r in reads]
    overlapping = max(sum(1 for s, e in intervals if s <= at < e) for at, _ in intervals)
    assert overlapping >= 4, f"at most {overlapping} thread reads at once"
    span = max(e for _, e in intervals) - min(s for s, _ in intervals)
    assert span < len(reads) * latency / 2, f"{len(reads)} reads of {latency} s each took {span:.1f} s"
