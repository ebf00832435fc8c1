"""Running the quiz on Discord until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from bot.platforms.discord.bot import QuizBot
from bot.platforms.discord.sharding import SHARDING_REQUIRED, ShardingRequired
from bot.runtime import Runtime

log = logging.getLogger(__name__)


class MissingTokenError(RuntimeError):
    """Discord needs ``DISCORD_TOKEN``."""


async def run_discord(runtime: Runtime, stop: asyncio.Event) -> None:
    """Connect with ``DISCORD_TOKEN``, start the scheduler once the guilds are in, and return after ``stop`` is
    set with the scheduler shut down and the connection closed. Errors that end the connection (a wrong token, a
    privileged intent not enabled) are raised after cleaning up."""
    await serve(QuizBot(runtime), stop)


async def serve(bot: QuizBot, stop: asyncio.Event) -> None:
    """Run an already built bot until ``stop`` is set (or its connection ends for good)."""
    token = bot.runtime.settings.secrets.discord_token
    if token is None:
        raise MissingTokenError("DISCORD_TOKEN is not set")
    async with bot:
        running = asyncio.create_task(_start(bot, token.get_secret_value()), name="discord-client")
        stopping = asyncio.create_task(stop.wait(), name="discord-stop")
        try:
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not running.done():
                log.info("stopping: closing the Discord connection")
                await bot.close()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    if bot.fatal_error is not None:
        raise bot.fatal_error


async def _start(bot: QuizBot, token: str) -> None:
    """``bot.start`` with the mistakes an operator makes first explained in plain words."""
    try:
        await bot.start(token)
    except discord.ConnectionClosed as exc:
        if exc.code != SHARDING_REQUIRED:
            raise
        recommended = bot.gateway_info.shards if bot.gateway_info is not None else None
        automatic = bot.runtime.settings.shards.automatic
        failure = ShardingRequired(bot.shard_count, recommended, automatic=automatic)
        log.error("%s", failure)
        raise failure from exc
    except discord.LoginFailure:
        log.error("Discord rejected DISCORD_TOKEN: copy the bot token again from the Developer Portal")
        raise
    except discord.PrivilegedIntentsRequired:
        log.error("switch on the Message Content intent under Bot in the Developer Portal: answers need it")
        raise
