"""``python -m bot sync``: register the slash commands over HTTP only, without connecting to the gateway."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.config import Settings
from bot.platforms.discord.commands import install_commands, sync_tree
from bot.platforms.discord.endpoints import apply_api_base, endpoints_from
from bot.platforms.discord.runner import MissingTokenError


async def sync_commands(settings: Settings) -> int:
    """Log in with ``DISCORD_TOKEN``, register ``/quiz`` (with the dev guilds if configured, else globally) and
    log out. Returns the number of commands registered."""
    token = settings.secrets.discord_token
    if token is None:
        raise MissingTokenError("DISCORD_TOKEN is not set")
    secrets = settings.secrets
    apply_api_base(endpoints_from(secrets.discord_api_base, secrets.discord_gateway_url))
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    await install_commands(tree)
    async with client:
        await client.login(token.get_secret_value())
        return await sync_tree(tree, settings.discord.dev_guild_ids)
