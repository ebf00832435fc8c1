"""Starting and stopping the Discord runner, finding the gateway, and syncing commands without connecting."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from pathlib import Path

from bot.config import DiscordConfig
from bot.core.models import ChannelKey
from bot.platforms.discord.runner import run_discord
from bot.platforms.discord.sync import sync_commands
from bot.runtime import open_runtime
from tests.e2e.discord_server import DiscordServer, Intent, Op
from tests.e2e.discord_support import REPO, SHIPPED_DECKS, QuizHarness, quiz, quiz_settings

__all__ = ["quiz"]


async def test_without_a_gateway_url_the_bot_asks_the_rest_api_where_the_gateway_is(quiz: QuizHarness) -> None:
    assert quiz.server.requests.count("GET", "/gateway/bot") == 1
    assert quiz.server.gateway.identify_count == 1


async def test_the_runner_starts_the_scheduler_once_connected_and_returns_after_stop(
    discord_server: DiscordServer, tmp_path: Path
) -> None:
    server = discord_server
    settings = quiz_settings(server, tmp_path, gateway_url=server.gateway_url)
    stop = asyncio.Event()
    # On the real clock, with today's slot half an hour ago and nobody having posted it: APScheduler itself
    # posts the missed question as soon as the runner starts the scheduler.
    slot = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)).time().replace(second=0, microsecond=0)
    async with open_runtime(settings) as runtime:
        await runtime.service.configure_channel(
            ChannelKey("discord", str(server.guild.id), str(server.channel.id)),
            post_time=slot,
            timezone="UTC",
            enabled=True,
        )
        running = asyncio.create_task(run_discord(runtime, stop))
        try:
            question = await server.wait_for_message(server.channel, lambda m: m.thread_id is not None, timeout=10)
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=10)

    assert question.embeds[0]["title"] == "오늘의 면접 질문"
    # Asked once for the shard count and the session start limits; the gateway is the configured one.
    assert server.requests.count("GET", "/gateway/bot") == 1
    assert server.gateway.connected_sessions == []


async def test_sync_registers_the_commands_over_http_without_connecting(
    discord_server: DiscordServer, tmp_path: Path
) -> None:
    server = discord_server

    count = await sync_commands(quiz_settings(server, tmp_path, discord=DiscordConfig()))

    assert count == 1
    assert [c.name for c in server.commands(None)] == ["quiz"]
    assert server.gateway.connection_attempts == 0


async def test_sigterm_stops_the_running_bot_with_exit_code_zero(discord_server: DiscordServer, tmp_path: Path) -> None:
    server = discord_server
    config = tmp_path / "quizbot.yaml"
    config.write_text(f"discord:\n  dev_guild_ids: [{server.guild.id}]\n", encoding="utf-8")
    env = {
        **os.environ,
        "QUIZBOT_CONFIG": str(config),
        "QUIZBOT_DB": str(tmp_path / "quizbot.sqlite3"),
        "QUIZBOT_DECKS": str(SHIPPED_DECKS),
        "DISCORD_TOKEN": server.token,
        "DISCORD_API_BASE": server.api_url,
        "DISCORD_GATEWAY_URL": server.gateway_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=REPO, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await server.wait_for(lambda: server.gateway.connected_sessions and server.commands(server.guild), timeout=20)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == 0, stderr.decode()
    assert server.gateway.connected_sessions == []
    assert server.token not in stderr.decode()


async def test_the_bot_asks_only_for_the_intents_it_needs(quiz: QuizHarness) -> None:
    [identify] = quiz.server.gateway.ops_received(Op.IDENTIFY)

    needed = Intent.GUILDS | Intent.GUILD_MESSAGES | Intent.GUILD_MESSAGE_REACTIONS | Intent.MESSAGE_CONTENT
    assert identify.data["intents"] == needed
