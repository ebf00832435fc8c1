"""Extra test helpers: autocomplete interactions (what a Discord client sends while a member types into an
option), forum channels, and faults that hit a later request rather than the next one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .interactions import AUTOCOMPLETE, CommandNotAvailable, InvalidInteraction, build_options
from .ratelimit import Fault
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


def create_forum_channel(server: DiscordServer, name: str, *, guild: Guild | None = None) -> Channel:
    """Create a forum channel (type 15) and announce CHANNEL_CREATE."""
    channel = server.state.add_forum_channel(guild or server.guild, name)
    server.actions.announce_channel(channel, "CHANNEL_CREATE")
    return channel


@dataclass
class LaterFault(Fault):
    """A fault that lets the first ``skip`` matching requests through, then fails the next ``remaining``."""

    skip: int = 0

    def matches(self, method: str, path: str) -> bool:
        if not super().matches(method, path):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return True


def fail_later(server: DiscordServer, method: str, path: str, *, skip: int, status: int = 503) -> LaterFault:
    """Answer the request after the first ``skip`` matching ones with ``status`` (e.g. the second message)."""
    fault = LaterFault(method.upper(), path, status, 1, skip=skip)
    server.faults.faults.append(fault)
    return fault
