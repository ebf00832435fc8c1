"""A Discord-compatible REST API and gateway for end-to-end tests with the real discord.py client.

Typical use with the ``discord_server`` fixture (which also points discord.py at the server)::

    async with running_client(MyBot(intents=..., guild_ready_timeout=0.05), discord_server) as bot:
        said = discord_server.user_says(discord_server.channel, discord_server.world.alice, "hello")
        handle = discord_server.invoke_command(None, discord_server.channel, discord_server.world.admin, "quiz",
                                               subcommand="ask", options={"category": "basics"}, locale="ko")
        reply = await handle.message()

Outside the fixture, set both ``discord.http.Route.BASE = server.api_url`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)``
(see ``discord_py_pointed_at``): a non-sharded client never asks ``GET /gateway/bot``.
"""

from .clock import ManualClock
from .fixtures import discord_py_pointed_at, running_client
from .gateway import CloseCode, Intent, Op
from .interactions import CommandNotAvailable, InteractionHandle, InvalidInteraction
from .permissions import Overwrite, Permission
from .ratelimit import RateLimitConfig, RouteLimit
from .server import DiscordServer, ServerConfig
from .state import Channel, ChannelType, Guild, Message, MessageFlag, MessageType, User

__all__ = [
    "Channel",
    "ChannelType",
    "CloseCode",
    "CommandNotAvailable",
    "DiscordServer",
    "Guild",
    "Intent",
    "InteractionHandle",
    "InvalidInteraction",
    "ManualClock",
    "Message",
    "MessageFlag",
    "MessageType",
    "Op",
    "Overwrite",
    "Permission",
    "RateLimitConfig",
    "RouteLimit",
    "ServerConfig",
    "User",
    "discord_py_pointed_at",
    "running_client",
]
