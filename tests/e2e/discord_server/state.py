"""In-memory Discord world: users, guilds, roles, members, channels, threads, messages, commands, interactions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import Any

from . import errors
from .permissions import (
    BOT_DEFAULT,
    EVERYONE_DEFAULT,
    MEMBER_OVERWRITE,
    Overwrite,
    Permission,
    apply_overwrites,
    base_permissions,
)
from .snowflake import SnowflakeFactory, iso_from_snowflake, iso_now

JSON = dict[str, Any]


class ChannelType(IntEnum):
    """Channel types the server models."""

    GUILD_TEXT = 0
    DM = 1
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15


THREAD_TYPES = frozenset({ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD})


class MessageType(IntEnum):
    """Message types the server produces."""

    DEFAULT = 0
    THREAD_CREATED = 18
    REPLY = 19
    CHAT_INPUT_COMMAND = 20
    THREAD_STARTER_MESSAGE = 21


class MessageFlag(IntFlag):
    """Message flags the server reads or sets."""

    SUPPRESS_EMBEDS = 1 << 2
    HAS_THREAD = 1 << 5
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_COMPONENTS_V2 = 1 << 15


# Flags a client may set when creating or editing a message; the others are Discord's to set.
CLIENT_SETTABLE_FLAGS = (
    MessageFlag.SUPPRESS_EMBEDS
    | MessageFlag.EPHEMERAL
    | MessageFlag.SUPPRESS_NOTIFICATIONS
    | MessageFlag.IS_COMPONENTS_V2
)

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass
class User:
    """A Discord user (a member of no particular guild)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    accepts_dms: bool = True

    def payload(self) -> JSON:
        """Return the user object as the REST API and gateway send it."""
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    """A guild role; the @everyone role's id equals the guild id."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def payload(self) -> JSON:
        """Return the role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Member:
    """A user's membership in a guild."""

    user: User
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)
    nick: str | None = None

    def payload(self, *, with_user: bool = True) -> JSON:
        """Return the guild member object, with or without the nested user."""
        data: JSON = {
            "roles": [str(r) for r in self.role_ids],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class Guild:
    """A guild with its roles and members (channels live in the state's channel table)."""

    id: int
    name: str
    owner_id: int
    locale: str = "en-US"
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    joined_at: str = field(default_factory=iso_now)

    @property
    def everyone(self) -> Role:
        """The @everyone role."""
        return self.roles[self.id]


@dataclass
class Channel:
    """A guild text channel, a thread, or a DM channel."""

    id: int
    type: ChannelType
    name: str
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    last_message_id: int | None = None
    rate_limit_per_user: int = 0
    # Thread fields.
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: str = field(default_factory=iso_now)
    create_timestamp: str = field(default_factory=iso_now)
    message_count: int = 0
    total_message_sent: int = 0
    member_ids: list[int] = field(default_factory=list)
    # DM fields.
    recipient_ids: list[int] = field(default_factory=list)
    deleted: bool = False

    @property
    def is_thread(self) -> bool:
        """True for public, private and announcement threads."""
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        """True for a DM channel."""
        return self.type == ChannelType.DM


@dataclass
class Attachment:
    """A file uploaded with a message."""

    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    def payload(self, base_url: str, channel_id: int) -> JSON:
        """Return the attachment object."""
        url = f"{base_url}/attachments/{channel_id}/{self.id}/{self.filename}"
        data: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": url,
            "proxy_url": url,
            "flags": 0,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        return data


@dataclass
class Emoji:
    """A reaction emoji: unicode (id None) or custom."""

    name: str
    id: int | None = None
    animated: bool = False

    @property
    def key(self) -> str:
        """The form used in reaction routes: the character, or ``name:id``."""
        return self.name if self.id is None else f"{self.name}:{self.id}"

    def payload(self) -> JSON:
        """Return the partial emoji object."""
        data: JSON = {"id": None if self.id is None else str(self.id), "name": self.name}
        if self.animated:
            data["animated"] = True
        return data

    @classmethod
    def parse(cls, text: str) -> Emoji:
        """Parse the route form (``👍``, ``name:id`` or ``a:name:id``)."""
        parts = text.split(":")
        if len(parts) == 1 and text:
            return cls(name=text)
        if len(parts) == 2 and parts[1].isdigit():
            return cls(name=parts[0], id=int(parts[1]))
        if len(parts) == 3 and parts[0] == "a" and parts[2].isdigit():
            return cls(name=parts[1], id=int(parts[2]), animated=True)
        raise errors.unknown_emoji()


@dataclass
class Reaction:
    """One emoji's reactions on a message, in the order users reacted."""

    emoji: Emoji
    user_ids: list[int] = field(default_factory=list)


@dataclass
class Message:
    """A stored message, including deleted and ephemeral ones (tests inspect all of them)."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    type: MessageType = MessageType.DEFAULT
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: JSON | None = None
    mention_user_ids: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    reactions: list[Reaction] = field(default_factory=list)
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    tts: bool = False
    pinned: bool = False
    nonce: str | int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    thread_id: int | None = None
    message_reference: JSON | None = None
    ephemeral_to: int | None = None
    deleted: bool = False
    revisions: list[str] = field(default_factory=list)
    position: int | None = None

    @property
    def ephemeral(self) -> bool:
        """True when only the invoking user can see the message."""
        return bool(self.flags & MessageFlag.EPHEMERAL)

    def reaction(self, emoji: str) -> Reaction | None:
        """Return the reaction with the given emoji key, if any."""
        return next((r for r in self.reactions if r.emoji.key == emoji), None)

    def visible_to(self, user_id: int) -> bool:
        """True when ``user_id`` can see the message (everyone for non-ephemeral messages)."""
        return not self.deleted and (self.ephemeral_to is None or self.ephemeral_to == user_id)


@dataclass
class ApplicationCommand:
    """A registered application command, global (guild_id None) or guild-scoped."""

    id: int
    application_id: int
    guild_id: int | None
    name: str
    type: int
    version: int
    definition: JSON

    def payload(self) -> JSON:
        """Return the command object as Discord answers it."""
        data: JSON = {
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            **self.definition,
            "id": str(self.id),
            "application_id": str(self.application_id),
            "name": self.name,
            "type": self.type,
            "version": str(self.version),
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        else:
            data.pop("guild_id", None)
        return data

    def option(self, *path: str) -> JSON | None:
        """Return the option definition reached by following ``path`` (subcommand group, subcommand, ...)."""
        options: list[JSON] = self.definition.get("options") or []
        found: JSON | None = None
        for name in path:
            found = next((o for o in options if o.get("name") == name), None)
            if found is None:
                return None
            options = found.get("options") or []
        return found


@dataclass
class InteractionCallback:
    """The initial response to an interaction."""

    type: int
    data: JSON
    at: float
    message_id: int | None = None


@dataclass
class Interaction:
    """An interaction the server dispatched, with everything the bot answered."""

    id: int
    token: str
    type: int
    payload: JSON
    user_id: int
    channel_id: int
    guild_id: int | None
    created_at: float
    command_name: str | None = None
    source_message_id: int | None = None
    callback: InteractionCallback | None = None
    rejected_callbacks: list[tuple[int, int]] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: JSON | None = None

    @property
    def acknowledged(self) -> bool:
        """True once the initial callback was accepted."""
        return self.callback is not None


@dataclass
class World:
    """The default guild the server starts with, ready for tests."""

    guild: Guild
    channel: Channel
    read_only_channel: Channel
    no_threads_channel: Channel
    owner: User
    admin: User
    alice: User
    bob: User
    admin_role: Role
    bot_role: Role


# What a bot may upload in one file where the guild has no boost: Discord's ``attachment_size_limit``.
DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
# The most files one message may carry.
MAX_ATTACHMENTS = 10


class DiscordState:
    """All server-side data, mutated by REST handlers and test helpers."""

    def __init__(self, *, base_url: str, bot_username: str = "QuizBot", application_id: int | None = None) -> None:
        self.ids = SnowflakeFactory()
        self.base_url = base_url
        # The largest file an upload may carry, as interactions report it (``attachment_size_limit``).
        self.attachment_size_limit = DEFAULT_ATTACHMENT_SIZE_LIMIT
        self.application_id = application_id or self.ids.next()
        # A bot user's id equals its application's id.
        self.bot = User(id=self.application_id, username=bot_username, bot=True)
        # The application's owner, as reported by ``GET /oauth2/applications/@me``.
        self.developer = User(id=self.ids.next(), username="developer", global_name="Developer")
        self.users: dict[int, User] = {self.bot.id: self.bot, self.developer.id: self.developer}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.global_commands: list[ApplicationCommand] = []
        self.guild_commands: dict[int, list[ApplicationCommand]] = {}
        self.interactions: dict[int, Interaction] = {}

    # --- construction -------------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> User:
        """Create a user."""
        user = User(id=self.ids.next(), username=username, global_name=global_name or username.title(), bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: User,
        locale: str = "en-US",
        bot_permissions: int = BOT_DEFAULT,
        guild_id: int | None = None,
    ) -> Guild:
        """Create a guild owned by ``owner`` with the bot as a member holding a managed role."""
        guild = Guild(id=guild_id or self.ids.next(), name=name, owner_id=owner.id, locale=locale)
        guild.roles[guild.id] = Role(id=guild.id, guild_id=guild.id, name="@everyone", permissions=EVERYONE_DEFAULT)
        self.guilds[guild.id] = guild
        self.add_member(guild, owner)
        bot_role = self.add_role(guild, self.bot.username, bot_permissions, managed=True)
        self.add_member(guild, self.bot, roles=[bot_role])
        return guild

    def add_role(self, guild: Guild, name: str, permissions: int, *, managed: bool = False) -> Role:
        """Create a role in ``guild``."""
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=int(permissions),
            position=len(guild.roles),
            managed=managed,
        )
        guild.roles[role.id] = role
        return role

    def add_member(self, guild: Guild, user: User, *, roles: Iterable[Role] = ()) -> Member:
        """Add ``user`` to ``guild`` with the given roles."""
        member = Member(user=user, guild_id=guild.id, role_ids=[r.id for r in roles])
        guild.members[user.id] = member
        return member

    def add_text_channel(
        self,
        guild: Guild,
        name: str,
        *,
        topic: str | None = None,
        overwrites: Iterable[Overwrite] = (),
        bot_deny: int = 0,
        bot_allow: int = 0,
    ) -> Channel:
        """Create a text channel; ``bot_deny``/``bot_allow`` add a member overwrite for the bot."""
        channel = Channel(
            id=self.ids.next(),
            type=ChannelType.GUILD_TEXT,
            name=name,
            guild_id=guild.id,
            position=sum(1 for c in self.channels.values() if c.guild_id == guild.id and not c.is_thread),
            topic=topic,
            overwrites=list(overwrites),
        )
        if bot_deny or bot_allow:
            channel.overwrites.append(
                Overwrite(id=self.bot.id, type=MEMBER_OVERWRITE, allow=int(bot_allow), deny=int(bot_deny))
            )
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        return channel

    def add_forum_channel(self, guild: Guild, name: str, *, topic: str | None = None, bot_deny: int = 0) -> Channel:
        """Create a forum channel: it holds posts (threads with a first message), no messages of its own."""
        channel = self.add_text_channel(guild, name, topic=topic, bot_deny=bot_deny)
        channel.type = ChannelType.GUILD_FORUM
        return channel

    def add_thread(
        self,
        parent: Channel,
        name: str,
        *,
        owner: User,
        type: ChannelType = ChannelType.PUBLIC_THREAD,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
        rate_limit_per_user: int = 0,
        invitable: bool = True,
    ) -> Channel:
        """Create a thread under ``parent``; a thread started from a message reuses the message id."""
        thread = Channel(
            id=thread_id or self.ids.next(),
            type=type,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
            rate_limit_per_user=rate_limit_per_user,
            invitable=invitable,
            member_ids=[owner.id],
        )
        self.channels[thread.id] = thread
        self.channel_messages[thread.id] = []
        return thread

    def dm_channel(self, user: User) -> Channel:
        """Return the bot's DM channel with ``user``, creating it on first use."""
        for channel in self.channels.values():
            if channel.is_dm and channel.recipient_ids == [user.id]:
                return channel
        channel = Channel(id=self.ids.next(), type=ChannelType.DM, name="", recipient_ids=[user.id])
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        return channel

    def build_default_world(self) -> World:
        """Create the guild most tests use: an owner, an admin with MANAGE_GUILD, two members, three channels."""
        owner = self.add_user("owner")
        admin = self.add_user("admin")
        alice = self.add_user("alice")
        bob = self.add_user("bob")
        guild = self.add_guild("Deep Learning Study Group", owner=owner)
        admin_role = self.add_role(guild, "Moderators", Permission.MANAGE_GUILD)
        bot_role = next(r for r in guild.roles.values() if r.managed)
        self.add_member(guild, admin, roles=[admin_role])
        self.add_member(guild, alice)
        self.add_member(guild, bob)
        channel = self.add_text_channel(guild, "daily-quiz", topic="One question a day")
        read_only = self.add_text_channel(guild, "announcements", bot_deny=Permission.SEND_MESSAGES)
        no_threads = self.add_text_channel(guild, "no-threads", bot_deny=Permission.CREATE_PUBLIC_THREADS)
        return World(
            guild=guild,
            channel=channel,
            read_only_channel=read_only,
            no_threads_channel=no_threads,
            owner=owner,
            admin=admin,
            alice=alice,
            bob=bob,
            admin_role=admin_role,
            bot_role=bot_role,
        )

    # --- lookups -------------------------------------------------------------------------------

    def user(self, user_id: int) -> User:
        """Return a user or raise 10013."""
        try:
            return self.users[user_id]
        except KeyError:
            raise errors.unknown_user() from None

    def guild(self, guild_id: int) -> Guild:
        """Return a guild the bot is in or raise 10004."""
        guild = self.guilds.get(guild_id)
        if guild is None or self.bot.id not in guild.members:
            raise errors.unknown_guild()
        return guild

    def channel(self, channel_id: int) -> Channel:
        """Return a live channel or raise 10003."""
        channel = self.channels.get(channel_id)
        if channel is None or channel.deleted:
            raise errors.unknown_channel()
        return channel

    def message(self, channel: Channel, message_id: int) -> Message:
        """Return a live, non-ephemeral message of ``channel`` or raise 10008."""
        message = self.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral_to:
            raise errors.unknown_message()
        return message

    def member(self, guild: Guild, user_id: int) -> Member:
        """Return a member or raise 10007."""
        try:
            return guild.members[user_id]
        except KeyError:
            raise errors.unknown_member() from None

    def guild_of(self, channel: Channel) -> Guild | None:
        """Return the guild of a guild channel, None for DMs."""
        return None if channel.guild_id is None else self.guilds[channel.guild_id]

    def parent_of(self, channel: Channel) -> Channel:
        """Return the channel whose overwrites apply: the parent for threads, else the channel itself."""
        if channel.is_thread and channel.parent_id is not None:
            return self.channels[channel.parent_id]
        return channel

    def channel_history(self, channel: Channel, *, include_deleted: bool = False) -> list[Message]:
        """Return the channel's messages, oldest first."""
        found = [self.messages[mid] for mid in self.channel_messages.get(channel.id, [])]
        return [m for m in found if include_deleted or not m.deleted]

    def threads(self, guild: Guild) -> list[Channel]:
        """Return the guild's live threads."""
        return [c for c in self.channels.values() if c.guild_id == guild.id and c.is_thread and not c.deleted]

    def commands(self, guild_id: int | None) -> list[ApplicationCommand]:
        """Return the registered commands of one scope (None for global)."""
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def find_command(self, guild_id: int | None, name: str, type: int = 1) -> ApplicationCommand | None:
        """Find a command the way a Discord client would: guild commands first, then global ones."""
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.commands(scope):
                if command.name == name and command.type == type:
                    return command
        return None

    def interaction_by_token(self, token: str) -> Interaction | None:
        """Return the interaction that owns a token."""
        return next((i for i in self.interactions.values() if i.token == token), None)

    # --- permissions ---------------------------------------------------------------------------

    def guild_permissions(self, guild: Guild, user_id: int) -> int:
        """Return a member's guild-wide permissions."""
        member = self.member(guild, user_id)
        return base_permissions(
            is_owner=guild.owner_id == user_id,
            everyone=guild.everyone.permissions,
            role_permissions=(guild.roles[r].permissions for r in member.role_ids if r in guild.roles),
        )

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """Return a user's permissions in a channel (threads use their parent's overwrites)."""
        guild = self.guild_of(channel)
        if guild is None:
            base = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES | Permission.READ_MESSAGE_HISTORY
            return int(base | Permission.ADD_REACTIONS | Permission.EMBED_LINKS | Permission.ATTACH_FILES)
        if user_id not in guild.members:
            return 0
        member = guild.members[user_id]
        target = self.parent_of(channel)
        return apply_overwrites(
            self.guild_permissions(guild, user_id),
            guild_id=guild.id,
            member_id=user_id,
            member_role_ids=member.role_ids,
            overwrites=target.overwrites,
        )

    def require(self, channel: Channel, user_id: int, needed: int) -> None:
        """Raise 50001 when the user cannot see the channel, 50013 when a needed permission is missing."""
        value = self.permissions_in(channel, user_id)
        if not value & Permission.VIEW_CHANNEL:
            raise errors.missing_access()
        if value & needed != needed:
            raise errors.missing_permissions()

    # --- messages ------------------------------------------------------------------------------

    def resolve_mentions(self, message: Message) -> None:
        """Fill the mention lists from the content, honouring ``allowed_mentions`` like Discord."""
        content = message.content or ""
        users = [int(m) for m in _USER_MENTION.findall(content)]
        roles = [int(m) for m in _ROLE_MENTION.findall(content)]
        everyone = "@everyone" in content or "@here" in content
        allowed = message.allowed_mentions
        if allowed is not None:
            parse = set(allowed.get("parse") or [])
            explicit_users = {int(u) for u in allowed.get("users") or []}
            explicit_roles = {int(r) for r in allowed.get("roles") or []}
            users = [u for u in users if "users" in parse or u in explicit_users]
            roles = [r for r in roles if "roles" in parse or r in explicit_roles]
            everyone = everyone and "everyone" in parse
        reference = message.message_reference
        if reference is not None and (allowed is None or allowed.get("replied_user", False)):
            replied = self.messages.get(int(reference.get("message_id", 0)))
            if replied is not None and replied.author_id not in users:
                users.append(replied.author_id)
        message.mention_user_ids = [u for u in dict.fromkeys(users) if u in self.users]
        guild = self.guilds.get(message.guild_id or 0)
        message.mention_role_ids = [r for r in dict.fromkeys(roles) if guild is not None and r in guild.roles]
        message.mention_everyone = everyone

    def store_message(self, message: Message) -> Message:
        """Record a new message and bump the channel's and thread's counters."""
        self.messages[message.id] = message
        self.channel_messages.setdefault(message.channel_id, []).append(message.id)
        channel = self.channels.get(message.channel_id)
        if channel is not None and message.ephemeral_to is None:
            channel.last_message_id = message.id
            if channel.is_thread:
                message.position = channel.total_message_sent
                channel.message_count += 1
                channel.total_message_sent += 1
                if message.author_id not in channel.member_ids:
                    channel.member_ids.append(message.author_id)
        return message

    def new_message(
        self,
        channel: Channel,
        author: User,
        content: str = "",
        *,
        embeds: list[JSON] | None = None,
        components: list[JSON] | None = None,
        flags: int = 0,
        allowed_mentions: JSON | None = None,
        type: MessageType = MessageType.DEFAULT,
        message_reference: JSON | None = None,
    ) -> Message:
        """Build and store a message from ``author`` in ``channel``."""
        message = Message(
            id=self.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=author.id,
            content=content,
            type=type,
            embeds=list(embeds or []),
            components=list(components or []),
            flags=flags,
            allowed_mentions=allowed_mentions,
            message_reference=message_reference,
        )
        self.resolve_mentions(message)
        return self.store_message(message)

    # --- payloads ------------------------------------------------------------------------------

    def channel_payload(self, channel: Channel, *, with_guild_id: bool = True) -> JSON:
        """Return a channel or thread object."""
        if channel.is_thread:
            return self.thread_payload(channel)
        if channel.is_dm:
            return {
                "id": str(channel.id),
                "type": int(channel.type),
                "last_message_id": None if channel.last_message_id is None else str(channel.last_message_id),
                "flags": 0,
                "recipients": [self.users[u].payload() for u in channel.recipient_ids],
            }
        data: JSON = {
            "id": str(channel.id),
            "type": int(channel.type),
            "name": channel.name,
            "position": channel.position,
            "parent_id": None if channel.parent_id is None else str(channel.parent_id),
            "topic": channel.topic,
            "nsfw": False,
            "rate_limit_per_user": channel.rate_limit_per_user,
            "last_message_id": None if channel.last_message_id is None else str(channel.last_message_id),
            "permission_overwrites": [o.payload() for o in channel.overwrites],
            "default_auto_archive_duration": 1440,
            "default_thread_rate_limit_per_user": 0,
            "flags": 0,
        }
        if channel.type == ChannelType.GUILD_FORUM:
            data.update(available_tags=[], default_reaction_emoji=None, default_sort_order=None, default_forum_layout=0)
        if with_guild_id and channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        return data

    def thread_member_payload(self, thread: Channel, user_id: int) -> JSON:
        """Return the thread member object for ``user_id``."""
        return {
            "id": str(thread.id),
            "user_id": str(user_id),
            "join_timestamp": thread.create_timestamp,
            "flags": 0,
        }

    def thread_payload(self, thread: Channel, *, with_member: bool = False) -> JSON:
        """Return a thread channel object, optionally with the bot's thread member."""
        metadata: JSON = {
            "archived": thread.archived,
            "auto_archive_duration": thread.auto_archive_duration,
            "archive_timestamp": thread.archive_timestamp,
            "locked": thread.locked,
            "create_timestamp": thread.create_timestamp,
        }
        if thread.type == ChannelType.PRIVATE_THREAD:
            metadata["invitable"] = thread.invitable
        data: JSON = {
            "id": str(thread.id),
            "type": int(thread.type),
            "guild_id": str(thread.guild_id),
            "parent_id": str(thread.parent_id),
            "owner_id": str(thread.owner_id),
            "name": thread.name,
            "last_message_id": None if thread.last_message_id is None else str(thread.last_message_id),
            "rate_limit_per_user": thread.rate_limit_per_user,
            "message_count": thread.message_count,
            "member_count": min(len(thread.member_ids), 50),
            "total_message_sent": thread.total_message_sent,
            "thread_metadata": metadata,
            "flags": 0,
            "applied_tags": [],
        }
        if with_member and self.bot.id in thread.member_ids:
            data["member"] = self.thread_member_payload(thread, self.bot.id)
        return data

    def user_with_member(self, user_id: int, guild_id: int | None) -> JSON:
        """Return a user object, with a nested partial member when the user belongs to the guild."""
        data = self.users[user_id].payload()
        guild = self.guilds.get(guild_id or 0)
        if guild is not None and user_id in guild.members:
            data["member"] = guild.members[user_id].payload(with_user=False)
        return data

    def reactions_payload(self, message: Message, viewer_id: int) -> list[JSON]:
        """Return the reactions array as ``viewer_id`` sees it (``me`` is per viewer)."""
        return [
            {
                "emoji": r.emoji.payload(),
                "count": len(r.user_ids),
                "count_details": {"burst": 0, "normal": len(r.user_ids)},
                "burst_colors": [],
                "me": viewer_id in r.user_ids,
                "me_burst": False,
                "burst_me": False,
                "burst_count": 0,
            }
            for r in message.reactions
            if r.user_ids
        ]

    def message_payload(self, message: Message, *, gateway: bool = False, nest_reference: bool = True) -> JSON:
        """Return the message object; gateway events add ``guild_id`` and the author's ``member``."""
        author = self.users[message.author_id]
        data: JSON = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "type": int(message.type),
            "content": message.content,
            "author": author.payload(),
            "attachments": [a.payload(self.base_url, message.channel_id) for a in message.attachments],
            "embeds": [dict(e) for e in message.embeds],
            "components": [dict(c) for c in message.components],
            "mentions": [
                self.user_with_member(u, message.guild_id) if gateway else self.users[u].payload()
                for u in message.mention_user_ids
            ],
            "mention_roles": [str(r) for r in message.mention_role_ids],
            "mention_everyone": message.mention_everyone,
            "pinned": message.pinned,
            "tts": message.tts,
            "timestamp": message.timestamp,
            "edited_timestamp": message.edited_timestamp,
            "flags": message.flags,
        }
        reactions = self.reactions_payload(message, self.bot.id)
        if reactions:
            data["reactions"] = reactions
        if message.nonce is not None:
            data["nonce"] = message.nonce
        if message.position is not None:
            data["position"] = message.position
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
        if message.application_id is not None:
            data["application_id"] = str(message.application_id)
        if message.interaction_id is not None:
            data.update(self._interaction_metadata(message.interaction_id))
        if message.message_reference is not None:
            data["message_reference"] = dict(message.message_reference)
            referenced = self.messages.get(int(message.message_reference.get("message_id", 0)))
            if nest_reference and message.type == MessageType.REPLY:
                data["referenced_message"] = (
                    None
                    if referenced is None or referenced.deleted
                    else self.message_payload(referenced, gateway=gateway, nest_reference=False)
                )
        if message.thread_id is not None and message.thread_id in self.channels:
            data["thread"] = self.thread_payload(self.channels[message.thread_id])
        if gateway and message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            guild = self.guilds.get(message.guild_id)
            if message.webhook_id is None and guild is not None and message.author_id in guild.members:
                data["member"] = guild.members[message.author_id].payload(with_user=False)
        return data

    def _interaction_metadata(self, interaction_id: int) -> JSON:
        interaction = self.interactions.get(interaction_id)
        if interaction is None:
            return {}
        user = self.users[interaction.user_id].payload()
        owners = {"0": str(interaction.guild_id)} if interaction.guild_id is not None else {"1": user["id"]}
        metadata: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": user,
            "authorizing_integration_owners": owners,
        }
        legacy: JSON = {"id": str(interaction.id), "type": interaction.type, "user": user, "name": ""}
        if interaction.command_name is not None:
            metadata["name"] = interaction.command_name
            metadata["command_type"] = 1
            legacy["name"] = interaction.command_name
        if interaction.source_message_id is not None and interaction.type == 3:
            metadata["interacted_message_id"] = str(interaction.source_message_id)
        return {"interaction_metadata": metadata, "interaction": legacy}

    def guild_create_payload(self, guild: Guild, *, include_all_members: bool) -> JSON:
        """Return the GUILD_CREATE payload; without GUILD_MEMBERS only the bot's member is sent, as on Discord."""
        members = [m.payload() for uid, m in guild.members.items() if include_all_members or uid == self.bot.id]
        channels = [
            self.channel_payload(c, with_guild_id=False)
            for c in self.channels.values()
            if c.guild_id == guild.id and not c.is_thread and not c.deleted
        ]
        threads = [self.thread_payload(t, with_member=True) for t in self.threads(guild) if not t.archived]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": guild.locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "application_id": None,
            "features": [],
            "roles": [r.payload() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "joined_at": guild.joined_at,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(guild.members),
            "members": members,
            "channels": channels,
            "threads": threads,
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "incidents_data": None,
        }

    def guild_payload(self, guild: Guild, *, with_counts: bool = False) -> JSON:
        """Return the REST guild object."""
        data = self.guild_create_payload(guild, include_all_members=False)
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at", "large", "lazy"):
            data.pop(key, None)
        data.pop("member_count", None)
        if with_counts:
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return data

    def interaction_channel_payload(self, channel: Channel, user_id: int) -> JSON:
        """Return the partial channel sent in interactions, with the invoking user's permissions."""
        data = self.channel_payload(channel)
        data["permissions"] = str(self.permissions_in(channel, user_id))
        return data

    def created_at(self, snowflake: int) -> str:
        """Return the ISO creation time of a snowflake."""
        return iso_from_snowflake(snowflake)
