"""Who may do what: the one permission check shared by the admin subcommands and the dispute buttons."""

from __future__ import annotations

from typing import Any

import discord


def manages_server(interaction: discord.Interaction[Any]) -> bool:
    """True if the interaction comes from a guild member holding Manage Server where it was used: the quiz's
    admins, who run ``/quiz setup`` and decide disputes."""
    return interaction.guild_id is not None and interaction.permissions.manage_guild
