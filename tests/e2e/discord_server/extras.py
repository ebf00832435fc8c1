"""Autocomplete interactions: what a Discord client sends while a member types into an option."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .interactions import AUTOCOMPLETE, CommandNotAvailable, InvalidInteraction, build_options
from .server import DiscordServer
from .state import JSON, Channel, Guild, User


def _mark_focused(options: list[JSON], focused: str) -> bool:
    for option in options:
        if "options" in option and _mark_focused(option["options"], focused):
            return True
        if option.get("name") == focused and "value" in option:
            option["focused"] = True
            return True
    return False


async def autocomplete(
    server: DiscordServer,
    guild: Guild,
    channel: Channel,
    user: User,
    name: str,
    *,
    focused: str,
    value: str,
    subcommand: str | None = None,
    options: Mapping[str, Any] | None = None,
    locale: str = "en-US",
) -> list[JSON]:
    """A member types ``value`` into option ``focused`` (INTERACTION_CREATE type 4); returns the bot's choices."""
    command = server.state.find_command(guild.id, name)
    if command is None:
        raise CommandNotAvailable(f"/{name} is not registered")
    nested, resolved = build_options(
        server.state,
        guild,
        command,
        subcommand=subcommand,
        subcommand_group=None,
        options={**(options or {}), focused: value},
    )
    if not _mark_focused(nested, focused):
        raise InvalidInteraction(f"no option {focused!r} to autocomplete")
    data: JSON = {"id": str(command.id), "name": command.name, "type": command.type, "options": nested}
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    if resolved:
        data["resolved"] = resolved
    handle = server.interactions.create(
        type=AUTOCOMPLETE, guild=guild, channel=channel, user=user, data=data, locale=locale, command_name=name
    )
    callback = await handle.response()
    choices: list[JSON] = callback.data.get("choices") or []
    return choices
