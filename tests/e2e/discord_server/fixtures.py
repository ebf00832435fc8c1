"""Pytest fixtures and helpers for running discord.py against the local server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import discord
import discord.gateway
import discord.http
import pytest
import pytest_asyncio
import yarl

from .server import DiscordServer, ServerConfig

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def discord_py_pointed_at(server: DiscordServer) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at ``server``; restore both afterwards.

    A plain ``discord.Client`` connects to ``DiscordWebSocket.DEFAULT_GATEWAY`` without asking
    ``GET /gateway/bot`` (only ``AutoShardedClient`` asks), so both class attributes must be set.
    """
    previous_base = discord.http.Route.BASE
    previous_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = server.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = previous_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway


@contextlib.asynccontextmanager
async def running_client(
    client: ClientT, server: DiscordServer, *, ready_timeout: float = 5.0
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``server``, wait for ``on_ready``, and close it cleanly afterwards."""
    task = asyncio.create_task(client.start(server.token), name="discord-client")
    try:
        await server.wait_for(lambda: client.is_ready() or task.done(), timeout=ready_timeout)
        if task.done():
            task.result()
            raise RuntimeError("the client stopped before it was ready")
        yield client
    finally:
        await client.close()
        try:
            await asyncio.wait_for(task, timeout=5.0)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
def discord_server_config() -> ServerConfig:
    """Settings for ``discord_server``; override this fixture to change them."""
    return ServerConfig()


@pytest_asyncio.fixture
async def discord_server(discord_server_config: ServerConfig) -> AsyncIterator[DiscordServer]:
    """A running server with discord.py pointed at it; fails the test if the server hit a bug."""
    server = DiscordServer(discord_server_config)
    await server.start()
    try:
        with discord_py_pointed_at(server):
            yield server
    finally:
        await server.close()
    if server.internal_errors:
        pytest.fail("the fake Discord server failed:\n" + "\n".join(server.internal_errors))
