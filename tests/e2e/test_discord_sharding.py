"""Sharded bots against the local server: automatic sharding in one process, two processes splitting the shards
over one database, a shard count too small for the guilds (4011), and IDENTIFYs paced per rate-limit bucket."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.config import DiscordConfig, DiscordShards, Settings
from bot.core.clock import ManualClock
from bot.core.models import ChannelKey
from bot.core.ports import ChatPlatform
from bot.core.quiz import Quiz
from bot.core.scheduler import QuizScheduler
from bot.platforms.discord.bot import QuizBot
from bot.platforms.discord.runner import serve
from bot.platforms.discord.sharding import IdentifyTiming, ShardingRequired, shard_of
from bot.runtime import open_runtime
from tests.e2e.discord_server import (
    Channel,
    DiscordServer,
    Guild,
    Op,
    RateLimitConfig,
    ServerConfig,
    discord_py_pointed_at,
)
from tests.e2e.discord_server import ManualClock as ServerClock
from tests.e2e.discord_support import REPO, SHIPPED_DECKS, START, quiz_settings

NINE_IN_SEOUL = START + dt.timedelta(hours=1)


@contextlib.asynccontextmanager
async def local_server(**options: object) -> AsyncIterator[DiscordServer]:
    server = DiscordServer(ServerConfig(**options))  # type: ignore[arg-type]
    await server.start()
    try:
        with discord_py_pointed_at(server):
            yield server
    finally:
        await server.close()
    assert not server.internal_errors, server.internal_errors


@dataclass
class ShardProcess:
    """One bot process: its client, and the timers tests run with ``run_due``."""

    bot: QuizBot
    scheduler: QuizScheduler

    def plans_post(self, key: ChannelKey, ref: int) -> bool:
        return self.scheduler.next_run(f"post:{ref}") is not None


@contextlib.asynccontextmanager
async def bot_process(
    settings: Settings, clock: ManualClock, *, timing: IdentifyTiming | None = None
) -> AsyncIterator[ShardProcess]:
    """Run a ``QuizBot`` as ``python -m bot run`` would, until the block ends; waits for its scheduler."""
    async with open_runtime(settings, clock=clock, rng=random.Random(7)) as runtime:
        timers: list[QuizScheduler] = []

        def quiz_on(platform: ChatPlatform) -> Quiz:
            timers.append(QuizScheduler(runtime.service, {platform.name: platform}))
            return Quiz(runtime.service, timers[-1], platform)

        bot = QuizBot(runtime, quiz_factory=quiz_on, identify_timing=timing, guild_ready_timeout=0.05)
        stop = asyncio.Event()
        running = asyncio.create_task(serve(bot, stop))
        started = asyncio.create_task(bot.scheduler_started.wait())
        try:
            await asyncio.wait({running, started}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
            if running.done():
                running.result()
            assert bot.scheduler_started.is_set(), "the bot did not start its scheduler"
            yield ShardProcess(bot, timers[-1])
        finally:
            started.cancel()
            stop.set()
            await asyncio.wait_for(asyncio.gather(running, return_exceptions=True), timeout=10)


def sharded(settings: Settings, count: int | None = None, ids: tuple[int, ...] | None = None) -> Settings:
    return settings.model_copy(update={"shards": DiscordShards(count=count, ids=ids)})


def settings_for(server: DiscordServer, tmp_path: Path) -> Settings:
    # Global commands: every guild of every shard can use them.
    return quiz_settings(server, tmp_path, discord=DiscordConfig())


def channels_of(server: DiscordServer, extra: list[tuple[Guild, Channel]]) -> list[tuple[Guild, Channel]]:
    return [(server.guild, server.channel), *extra]


async def set_up_daily(server: DiscordServer, guild: Guild, channel: Channel) -> None:
    handle = server.invoke_command(
        guild, channel, server.world.admin, "quiz", subcommand="setup", options={"time": "09:00", "weekdays": "daily"}
    )
    reply = await handle.message()
    assert "09:00" in reply.content, reply.content


def questions_in(server: DiscordServer, channel: Channel) -> list[object]:
    return [m for m in server.bot_messages(channel) if m.embeds and m.thread_id is not None]


async def channel_ref(process: ShardProcess, guild: Guild, channel: Channel) -> int:
    settings = await process.bot.quiz.channel(ChannelKey("discord", str(guild.id), str(channel.id)))
    assert settings is not None
    return settings.ref


async def test_automatic_sharding_runs_the_recommended_shards_in_one_process_and_schedules_every_guild(
    tmp_path: Path,
) -> None:
    async with local_server(guilds_per_shard=1, max_concurrency=4) as server:
        # One guild per shard of three: Discord recommends three shards.
        free = [shard for shard in range(3) if shard != shard_of(server.guild.id, 3)]
        extra = [server.add_guild(f"Study group {shard}", shard=(shard, 3)) for shard in free]
        clock = ManualClock(START)
        async with bot_process(settings_for(server, tmp_path), clock) as process:
            shards = sorted(tuple(p.data["shard"]) for p in server.gateway.ops_received(Op.IDENTIFY))
            for guild, channel in channels_of(server, extra):
                await set_up_daily(server, guild, channel)
            planned = [
                process.plans_post(ChannelKey("discord", str(g.id), str(c.id)), await channel_ref(process, g, c))
                for g, c in channels_of(server, extra)
            ]
            clock.set(NINE_IN_SEOUL)
            await process.scheduler.run_due()

        assert process.bot.shard_count == 3
        assert shards == [(0, 3), (1, 3), (2, 3)]
        assert planned == [True, True, True]
        assert [len(questions_in(server, c)) for _, c in channels_of(server, extra)] == [1, 1, 1]


async def test_two_processes_each_post_only_their_own_shards_guilds_and_every_channel_gets_one_question(
    tmp_path: Path,
) -> None:
    async with local_server(guilds_per_shard=2) as server:
        extra = [server.add_guild("Shard zero", shard=(0, 2)), server.add_guild("Shard one", shard=(1, 2))]
        everywhere = channels_of(server, extra)
        clock = ManualClock(START)
        settings = settings_for(server, tmp_path)
        # Set up by one process running every shard; then the shards are split over two processes.
        async with bot_process(settings, clock) as everything:
            for guild, channel in everywhere:
                await set_up_daily(server, guild, channel)
            refs = [await channel_ref(everything, g, c) for g, c in everywhere]
        keys = [ChannelKey("discord", str(g.id), str(c.id)) for g, c in everywhere]
        owner = [shard_of(g.id, 2) for g, _ in everywhere]
        async with (
            bot_process(sharded(settings, 2, (0,)), clock) as first,
            bot_process(sharded(settings, 2, (1,)), clock) as second,
        ):
            plans = {
                0: [first.plans_post(k, r) for k, r in zip(keys, refs, strict=True)],
                1: [second.plans_post(k, r) for k, r in zip(keys, refs, strict=True)],
            }
            clock.set(NINE_IN_SEOUL)
            await first.scheduler.run_due()
            after_first = [len(questions_in(server, c)) for _, c in everywhere]
            await second.scheduler.run_due()
            after_both = [len(questions_in(server, c)) for _, c in everywhere]

        assert plans[0] == [shard == 0 for shard in owner]
        assert plans[1] == [shard == 1 for shard in owner]
        assert after_first == [1 if shard == 0 else 0 for shard in owner]
        assert after_both == [1, 1, 1]


async def test_a_channel_set_up_on_a_shard_is_planned_by_its_process_only(tmp_path: Path) -> None:
    async with local_server(guilds_per_shard=2) as server:
        guild, _ = server.add_guild("Shard one", shard=(1, 2))
        clock = ManualClock(START)
        settings = settings_for(server, tmp_path)
        async with (
            bot_process(sharded(settings, 2, (0,)), clock) as first,
            bot_process(sharded(settings, 2, (1,)), clock) as second,
        ):
            channel = server.create_text_channel("late-quiz", guild=guild)
            await server.wait_for(lambda: second.bot.get_channel(channel.id) is not None)
            await set_up_daily(server, guild, channel)
            ref = await channel_ref(second, guild, channel)
            key = ChannelKey("discord", str(guild.id), str(channel.id))
            await first.scheduler.rebuild()
            planned = (first.plans_post(key, ref), second.plans_post(key, ref))

        assert planned == (False, True)


async def test_a_shard_count_too_small_for_the_guilds_stops_with_a_clear_error(tmp_path: Path) -> None:
    async with local_server(guilds_per_shard=1) as server:
        server.add_guild("Second guild")
        settings = sharded(settings_for(server, tmp_path), 1)
        with pytest.raises(ShardingRequired) as stopped:
            async with bot_process(settings, ManualClock(START)):
                pass

    assert server.gateway.identifies[-1].accepted is False
    assert str(stopped.value) == (
        "sharding required (gateway close code 4011): DISCORD_SHARD_COUNT=1 puts more guilds on one shard than "
        "Discord allows; unset DISCORD_SHARD_COUNT for automatic sharding, or raise it (Discord recommends 2)"
    )


async def test_the_runner_exits_2_with_one_line_when_discord_requires_more_shards(tmp_path: Path) -> None:
    async with local_server(guilds_per_shard=1) as server:
        server.add_guild("Second guild")
        env = {
            **os.environ,
            "QUIZBOT_CONFIG": str(tmp_path / "none.yaml"),
            "QUIZBOT_DB": str(tmp_path / "quizbot.sqlite3"),
            "QUIZBOT_DECKS": str(SHIPPED_DECKS),
            "DISCORD_TOKEN": server.token,
            "DISCORD_API_BASE": server.api_url,
            "DISCORD_SHARD_COUNT": "1",
        }
        (tmp_path / "none.yaml").write_text("log_level: ERROR\n", encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=REPO, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2, stderr.decode()
    assert lines[-1].startswith("Discord: sharding required (gateway close code 4011): DISCORD_SHARD_COUNT=1 ")
    assert "Traceback" not in stderr.decode()


async def test_shards_identify_in_buckets_of_max_concurrency_five_seconds_apart(tmp_path: Path) -> None:
    server_clock = ServerClock()

    async def sleep(seconds: float) -> None:
        server_clock.advance(seconds)
        await asyncio.sleep(0)

    timing = IdentifyTiming(spacing=5.0, clock=server_clock, sleep=sleep)
    async with local_server(max_concurrency=2, clock=server_clock) as server:
        start = server_clock()
        settings = sharded(settings_for(server, tmp_path), 4)
        async with bot_process(settings, ManualClock(START), timing=timing):
            times = server.gateway.identify_times()
            order = [record.shard for record in server.gateway.identifies]

    assert times == {
        (server.token, 0): [start, start + 5.0],
        (server.token, 1): [start, start + 5.0],
    }
    assert order == [(0, 4), (1, 4), (2, 4), (3, 4)]


async def test_the_global_limit_counts_every_client_of_one_token_together() -> None:
    clock = ServerClock()
    async with (
        local_server(rate_limits=RateLimitConfig(global_per_second=4), clock=clock) as server,
        aiohttp.ClientSession() as first,
        aiohttp.ClientSession() as second,
    ):
        headers = {"Authorization": f"Bot {server.token}"}
        statuses = []
        for session in (first, second, first, second, second, first):
            async with session.get(f"{server.api_url}/users/@me", headers=headers) as response:
                statuses.append(response.status)
        clock.advance(1.0)
        async with second.get(f"{server.api_url}/users/@me", headers=headers) as response:
            statuses.append(response.status)

    assert statuses == [200, 200, 200, 200, 429, 429, 200]
