"""Fixtures shared by the end-to-end tests."""

from .discord_server.fixtures import discord_server, discord_server_config

__all__ = ["discord_server", "discord_server_config"]
