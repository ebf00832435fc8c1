"""The benchmark's Discord world on the tests' server: guilds spread evenly over shards, channels, members.

Discord puts a guild on shard ``(guild_id >> 22) % shard_count``: the id's millisecond part. Guilds made in a
burst share milliseconds, so their ids are put on the shards round-robin instead of left to the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.models import ChannelKey
from tests.e2e.discord_server import DiscordServer, User
from tests.e2e.discord_server.state import Channel, Guild

ChannelKind = Literal["text", "forum"]
PLATFORM = "discord"
GUILD_FORUM = 15  # Discord's channel type of a forum


@dataclass(frozen=True)
class WorldSpec:
    """``channels`` channels of ``kind`` spread over ``guilds`` guilds, the guilds spread over ``shard_count``
    shards; ``members`` answering members in every guild."""

    guilds: int
    channels: int
    kind: ChannelKind = "text"
    shard_count: int = 1
    members: int = 2


@dataclass(frozen=True)
class Target:
    """A channel the bot posts in, with its guild and the shard that guild is on."""

    guild_id: int
    channel_id: int
    shard: int

    @property
    def key(self) -> ChannelKey:
        return ChannelKey(PLATFORM, str(self.guild_id), str(self.channel_id))


@dataclass(frozen=True)
class World:
    targets: list[Target]
    members: list[User]  # members of every benchmark guild

    def on_shards(self, shard_ids: tuple[int, ...]) -> list[Target]:
        return [t for t in self.targets if t.shard in shard_ids]


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


def build_world(server: DiscordServer, spec: WorldSpec) -> World:
    """Add the guilds, channels and members of ``spec`` to ``server``'s state (before it starts)."""
    if spec.channels < spec.guilds:
        raise ValueError("every guild needs at least one channel")
    state = server.state
    members = [state.add_user(f"member{m}") for m in range(spec.members)]
    targets: list[Target] = []
    per_guild, extra = divmod(spec.channels, spec.guilds)
    for g in range(spec.guilds):
        guild_id = state.ids.next_on_shard(g % spec.shard_count, spec.shard_count)
        guild = state.add_guild(f"study group {g}", owner=server.world.owner, guild_id=guild_id)
        for member in members:
            state.add_member(guild, member)
        for c in range(per_guild + (1 if g < extra else 0)):
            channel = _add_channel(server, guild, f"daily-quiz-{c}", spec.kind)
            targets.append(Target(guild.id, channel.id, shard_of(guild.id, spec.shard_count)))
    return World(targets, members)


def _add_channel(server: DiscordServer, guild: Guild, name: str, kind: ChannelKind) -> Channel:
    if kind == "text":
        return server.state.add_text_channel(guild, name)
    add_forum = getattr(server.state, "add_forum_channel", None)
    if add_forum is None:
        raise RuntimeError("this version of the test server has no forum channels (state.add_forum_channel)")
    channel: Channel = add_forum(guild, name)
    if int(channel.type) != GUILD_FORUM:
        raise RuntimeError(f"state.add_forum_channel made a channel of type {channel.type!r}")
    return channel
