"""The Discord-compatible server: the aiohttp app plus the helpers tests drive it with."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from .actions import Actions, MessageDraft
from .gateway import GUILDS_PER_SHARD, PRIVILEGED_INTENTS, SESSION_STARTS, DispatchRecord, GatewayConfig, GatewayHub
from .interactions import (
    APPLICATION_COMMAND,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    RESPONSE_DEADLINE,
    TOKEN_LIFETIME,
    CommandNotAvailable,
    InteractionHandle,
    InteractionService,
    InvalidInteraction,
    build_options,
    find_component,
    may_use_command,
    modal_submit_components,
)
from .permissions import MEMBER_OVERWRITE, Overwrite, Permission
from .ratelimit import API_PREFIX, FaultInjector, RateLimitConfig, RateLimiter, RequestLog
from .rest import RestApi
from .state import (
    DEFAULT_ATTACHMENT_SIZE_LIMIT,
    JSON,
    MAX_ATTACHMENTS,
    ApplicationCommand,
    Channel,
    DiscordState,
    Emoji,
    Guild,
    Message,
    Role,
    User,
    World,
)
from .waiting import ChangeFeed

T = TypeVar("T")


@dataclass(frozen=True)
class ServerConfig:
    """Server settings; the defaults suit fast tests."""

    token: str = "fake-bot-token.quizbot"
    bot_username: str = "QuizBot"
    host: str = "127.0.0.1"
    port: int = 0
    heartbeat_interval_ms: int = 1000
    rate_limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    privileged_intents: int = PRIVILEGED_INTENTS
    interaction_deadline: float = RESPONSE_DEADLINE
    interaction_token_lifetime: float = TOKEN_LIFETIME
    replay_buffer: int = 1000
    clock: Callable[[], float] = time.monotonic
    # The largest file one upload may carry (a guild without boosts: 10 MiB); larger ones get 413 / 40005.
    attachment_size_limit: int = DEFAULT_ATTACHMENT_SIZE_LIMIT
    # Sharding: the most guilds one session may hold (more: closed with 4011; GET /gateway/bot recommends enough
    # shards), how many buckets may IDENTIFY at once, and the session starts a token has.
    guilds_per_shard: int = GUILDS_PER_SHARD
    max_concurrency: int = 1
    session_starts: int = SESSION_STARTS


class DiscordServer:
    """A Discord REST API and gateway on 127.0.0.1 with an in-memory world."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        cfg = self.config
        self.feed = ChangeFeed()
        self.state = DiscordState(base_url="", bot_username=cfg.bot_username)
        self.state.attachment_size_limit = cfg.attachment_size_limit
        self.world: World = self.state.build_default_world()
        self.gateway = GatewayHub(
            GatewayConfig(
                token=cfg.token,
                heartbeat_interval_ms=cfg.heartbeat_interval_ms,
                privileged_intents=cfg.privileged_intents,
                replay_buffer=cfg.replay_buffer,
                guilds_per_shard=cfg.guilds_per_shard,
                max_concurrency=cfg.max_concurrency,
                session_starts=cfg.session_starts,
                clock=cfg.clock,
            ),
            self.state,
            self.feed,
        )
        self.actions = Actions(self.state, self.gateway)
        self.interactions = InteractionService(
            self.state,
            self.actions,
            self.feed,
            clock=cfg.clock,
            response_deadline=cfg.interaction_deadline,
            token_lifetime=cfg.interaction_token_lifetime,
        )
        self.rate_limiter = RateLimiter(cfg.rate_limits, clock=cfg.clock, wall=time.time)
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.rest = RestApi(
            state=self.state,
            actions=self.actions,
            interactions=self.interactions,
            hub=self.gateway,
            limiter=self.rate_limiter,
            faults=self.faults,
            log=self.requests,
            feed=self.feed,
            token=cfg.token,
            clock=cfg.clock,
        )
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        # Room for a message's files at the limit and its JSON: the API, not aiohttp, refuses an upload too large.
        app = web.Application(client_max_size=MAX_ATTACHMENTS * self.config.attachment_size_limit + 1024 * 1024)
        self.rest.install(app)
        app.router.add_get("/gateway", self.gateway.handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        self.state.base_url = self.base_url
        self.gateway.url = f"ws://{host}:{port}/gateway"

    async def close(self) -> None:
        """Close every gateway connection and stop listening."""
        self.gateway.release_connections()
        await self.gateway.disconnect(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- addresses and identities ---------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """What to assign to ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The websocket URL (also returned by ``GET /gateway/bot`` and READY's ``resume_gateway_url``)."""
        return self.gateway.url

    @property
    def token(self) -> str:
        """The bot token the server accepts."""
        return self.config.token

    @property
    def application_id(self) -> int:
        """The application id (equal to the bot user's id)."""
        return self.state.application_id

    @property
    def bot(self) -> User:
        """The bot user."""
        return self.state.bot

    @property
    def guild(self) -> Guild:
        """The default guild."""
        return self.world.guild

    @property
    def channel(self) -> Channel:
        """The default text channel, where the bot has its usual permissions."""
        return self.world.channel

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in this server met while handling requests."""
        return self.rest.internal_errors

    # --- lookups for tests ------------------------------------------------------------------------

    def _channel(self, channel: Channel | int) -> Channel:
        return channel if isinstance(channel, Channel) else self.state.channel(int(channel))

    def _user(self, user: User | int) -> User:
        return user if isinstance(user, User) else self.state.user(int(user))

    def _message(self, message: Message | int) -> Message:
        if isinstance(message, Message):
            return message
        return self.state.messages[int(message)]

    def _guild_for(self, guild: Guild | int | None, channel: Channel) -> Guild | None:
        if guild is None:
            return self.state.guild_of(channel)
        return guild if isinstance(guild, Guild) else self.state.guilds[int(guild)]

    def channel_named(self, name: str, guild: Guild | None = None) -> Channel:
        """Return the live channel or thread called ``name``."""
        for channel in self.state.channels.values():
            if channel.name == name and not channel.deleted and (guild is None or channel.guild_id == guild.id):
                return channel
        raise KeyError(name)

    def thread(self, thread_id: int) -> Channel:
        """Return a thread by id."""
        return self.state.channel(thread_id)

    def messages_in(self, channel: Channel | int, *, include_deleted: bool = False) -> list[Message]:
        """Every message of a channel or thread, oldest first, ephemeral ones included."""
        return self.state.channel_history(self._channel(channel), include_deleted=include_deleted)

    def bot_messages(self, channel: Channel | int) -> list[Message]:
        """The bot's live messages in a channel, oldest first."""
        return [m for m in self.messages_in(channel) if m.author_id == self.bot.id]

    def visible_messages(self, channel: Channel | int, user: User | int) -> list[Message]:
        """What ``user`` sees in a channel: public messages plus ephemeral ones addressed to them."""
        user_id = self._user(user).id
        return [m for m in self.messages_in(channel) if m.visible_to(user_id)]

    def commands(self, guild: Guild | int | None = None) -> list[ApplicationCommand]:
        """Registered commands of a guild (or global ones when ``guild`` is None)."""
        guild_id = guild.id if isinstance(guild, Guild) else guild
        return list(self.state.commands(guild_id))

    def events(self, name: str | None = None) -> list[DispatchRecord]:
        """Dispatched gateway events, optionally of one name."""
        return self.gateway.events(name)

    # --- waiting ---------------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy and return its value (re-checked on every change)."""
        return await self.feed.wait_for(predicate, timeout=timeout)

    async def wait_for_event(
        self,
        name: str,
        predicate: Callable[[JSON], bool] | None = None,
        *,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> DispatchRecord:
        """Wait for a dispatched event named ``name`` (from index ``after`` of the event list on)."""

        def found() -> DispatchRecord | None:
            for record in self.gateway.dispatched[after:]:
                if record.name == name and (predicate is None or predicate(record.data)):
                    return record
            return None

        return await self.feed.wait_for(found, timeout=timeout, what=f"gateway event {name}")

    async def wait_for_message(
        self,
        channel: Channel | int,
        predicate: Callable[[Message], bool] | None = None,
        *,
        author: User | int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Message:
        """Wait for a live message in a channel matching ``predicate`` (and ``author``)."""
        target = self._channel(channel)
        author_id = None if author is None else self._user(author).id

        def found() -> Message | None:
            for message in self.state.channel_history(target):
                if author_id is not None and message.author_id != author_id:
                    continue
                if predicate is None or predicate(message):
                    return message
            return None

        return await self.feed.wait_for(found, timeout=timeout, what=f"a message in #{target.name}")

    # --- world changes ----------------------------------------------------------------------------

    def set_bot_permissions(self, channel: Channel | int, *, allow: int = 0, deny: int = 0) -> None:
        """Replace the bot's member overwrite in a channel and announce CHANNEL_UPDATE."""
        target = self._channel(channel)
        target.overwrites = [o for o in target.overwrites if not (o.type == MEMBER_OVERWRITE and o.id == self.bot.id)]
        if allow or deny:
            target.overwrites.append(Overwrite(id=self.bot.id, type=MEMBER_OVERWRITE, allow=allow, deny=deny))
        self.actions.announce_channel(target, "CHANNEL_UPDATE")

    def create_text_channel(
        self, name: str, *, guild: Guild | None = None, bot_deny: int = 0, topic: str | None = None
    ) -> Channel:
        """Create a text channel and announce CHANNEL_CREATE."""
        channel = self.state.add_text_channel(guild or self.guild, name, topic=topic, bot_deny=bot_deny)
        self.actions.announce_channel(channel, "CHANNEL_CREATE")
        return channel

    def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> tuple[Guild, Channel]:
        """Create a guild like the default one (the world's owner, its admin with Manage Server, the bot) with a
        ``daily-quiz`` channel; ``shard=(shard_id, shard_count)`` puts it on that shard. Create guilds before the
        bot connects: no GUILD_CREATE is sent for them."""
        world = self.world
        guild_id = self.state.ids.next_on_shard(*shard) if shard is not None else None
        guild = self.state.add_guild(name, owner=world.owner, guild_id=guild_id)
        admins = self.state.add_role(guild, "Moderators", Permission.MANAGE_GUILD)
        self.state.add_member(guild, world.admin, roles=[admins])
        return guild, self.state.add_text_channel(guild, "daily-quiz", topic="One question a day")

    def add_member(self, username: str, *, roles: tuple[Role, ...] = (), guild: Guild | None = None) -> User:
        """Create a user who joins a guild; announces GUILD_MEMBER_ADD."""
        target = guild or self.guild
        user = self.state.add_user(username)
        member = self.state.add_member(target, user, roles=roles)
        self.gateway.dispatch("GUILD_MEMBER_ADD", {**member.payload(), "guild_id": str(target.id)})
        return user

    def dm_channel(self, user: User | int) -> Channel:
        """The bot's DM channel with a user."""
        return self.state.dm_channel(self._user(user))

    # --- what members do --------------------------------------------------------------------------

    def user_says(
        self,
        channel: Channel | int,
        user: User | int,
        content: str,
        *,
        reply_to: Message | None = None,
        embeds: list[JSON] | None = None,
    ) -> Message:
        """A member posts a message (MESSAGE_CREATE); raises ``PermissionError`` where they may not post."""
        target = self._channel(channel)
        author = self._user(user)
        if not target.is_dm:
            needed = Permission.SEND_MESSAGES_IN_THREADS if target.is_thread else Permission.SEND_MESSAGES
            if self.state.permissions_in(target, author.id) & needed != needed:
                raise PermissionError(f"{author.username} may not post in #{target.name}")
            if target.is_thread and target.locked:
                raise PermissionError(f"#{target.name} is locked")
        reference = None if reply_to is None else {"message_id": reply_to.id, "channel_id": reply_to.channel_id}
        draft = MessageDraft(content=content, embeds=list(embeds or []), message_reference=reference)
        message = self.actions.post_message(target, author, draft)
        return message

    def user_edits(self, message: Message | int, content: str) -> Message:
        """The author edits their message (MESSAGE_UPDATE)."""
        target = self._message(message)
        return self.actions.edit_message(target, {"content": content})

    def user_deletes(self, message: Message | int) -> None:
        """A message is deleted by its author (MESSAGE_DELETE)."""
        self.actions.delete_message(self._message(message))

    def user_reacts(self, message: Message | int, user: User | int, emoji: str) -> bool:
        """A member adds a unicode reaction (MESSAGE_REACTION_ADD); False if they had already."""
        return self.actions.add_reaction(self._message(message), self._user(user), Emoji.parse(emoji))

    def user_unreacts(self, message: Message | int, user: User | int, emoji: str) -> bool:
        """A member removes their reaction (MESSAGE_REACTION_REMOVE)."""
        return self.actions.remove_reaction(self._message(message), self._user(user).id, Emoji.parse(emoji))

    def user_starts_thread(self, message: Message | int, user: User | int, name: str) -> Channel:
        """A member starts a public thread on a message (THREAD_CREATE)."""
        target = self._message(message)
        parent = self.state.channel(target.channel_id)
        return self.actions.start_thread(parent, name, self._user(user), message=target)

    # --- interactions ---------------------------------------------------------------------------

    def invoke_command(
        self,
        guild: Guild | int | None,
        channel: Channel | int,
        user: User | int,
        name: str,
        *,
        subcommand: str | None = None,
        subcommand_group: str | None = None,
        options: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        enforce_permissions: bool = True,
    ) -> InteractionHandle:
        """A member runs a registered slash command (INTERACTION_CREATE type 2).

        Raises ``CommandNotAvailable`` when the command is not registered for the guild or the member
        lacks its ``default_member_permissions`` (a Discord client would not offer it), and
        ``InvalidInteraction`` for options the client would refuse.
        """
        target = self._channel(channel)
        invoker = self._user(user)
        target_guild = self._guild_for(guild, target)
        command = self.state.find_command(None if target_guild is None else target_guild.id, name)
        if command is None:
            raise CommandNotAvailable(f"/{name} is not registered")
        data: JSON = {"id": str(command.id), "name": command.name, "type": command.type}
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        if target_guild is not None:
            if enforce_permissions and not may_use_command(self.state, target_guild, target, invoker, command):
                raise CommandNotAvailable(f"{invoker.username} may not use /{name} in #{target.name}")
            nested, resolved = build_options(
                self.state,
                target_guild,
                command,
                subcommand=subcommand,
                subcommand_group=subcommand_group,
                options=options or {},
            )
            if nested:
                data["options"] = nested
            if resolved:
                data["resolved"] = resolved
        elif options or subcommand:
            raise InvalidInteraction("options in DMs are not modelled")
        full_name = " ".join(p for p in (name, subcommand_group, subcommand) if p)
        return self.interactions.create(
            type=APPLICATION_COMMAND,
            guild=target_guild,
            channel=target,
            user=invoker,
            data=data,
            locale=locale,
            command_name=full_name,
        )

    def _component_interaction(
        self, message: Message | int, user: User | int, data: JSON, locale: str
    ) -> InteractionHandle:
        target = self._message(message)
        if target.author_id != self.bot.id:
            raise InvalidInteraction("only the bot's own messages send component interactions to it")
        if target.deleted:
            raise InvalidInteraction("the message was deleted")
        invoker = self._user(user)
        if not target.visible_to(invoker.id):
            raise InvalidInteraction(f"{invoker.username} cannot see message {target.id}")
        channel = self.state.channel(target.channel_id)
        return self.interactions.create(
            type=MESSAGE_COMPONENT,
            guild=self.state.guild_of(channel),
            channel=channel,
            user=invoker,
            data=data,
            locale=locale,
            message=target,
        )

    def click_button(
        self, message: Message | int, custom_id: str, user: User | int, *, locale: str = "en-US"
    ) -> InteractionHandle:
        """A member clicks a button on a bot message (INTERACTION_CREATE type 3)."""
        component = find_component(self._message(message), custom_id)
        if component.get("type") != 2:
            raise InvalidInteraction(f"{custom_id!r} is not a button")
        return self._component_interaction(message, user, {"custom_id": custom_id, "component_type": 2}, locale)

    def choose(
        self,
        message: Message | int,
        custom_id: str,
        values: list[str],
        user: User | int,
        *,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A member picks options of a string select menu (INTERACTION_CREATE type 3)."""
        component = find_component(self._message(message), custom_id)
        if component.get("type") != 3:
            raise InvalidInteraction(f"{custom_id!r} is not a string select")
        allowed = {str(o.get("value")) for o in component.get("options") or []}
        if not set(values) <= allowed:
            raise InvalidInteraction(f"{sorted(set(values) - allowed)} are not options of {custom_id!r}")
        least, most = int(component.get("min_values", 1)), int(component.get("max_values", 1))
        if not least <= len(set(values)) == len(values) <= most:
            raise InvalidInteraction(f"{custom_id!r} takes {least} to {most} distinct options, not {values}")
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return self._component_interaction(message, user, data, locale)

    def submit_modal(
        self,
        interaction: InteractionHandle,
        custom_id: str,
        values: Mapping[str, Any],
        user: User | int | None = None,
        *,
        locale: str | None = None,
    ) -> InteractionHandle:
        """A member submits the modal the bot answered ``interaction`` with (INTERACTION_CREATE type 5)."""
        modal = interaction.record.modal
        if modal is None:
            raise InvalidInteraction(f"interaction {interaction.id} was not answered with a modal")
        if modal.get("custom_id") != custom_id:
            raise InvalidInteraction(f"the modal's custom_id is {modal.get('custom_id')!r}, not {custom_id!r}")
        invoker = self._user(user if user is not None else interaction.record.user_id)
        channel = self.state.channel(interaction.record.channel_id)
        source = interaction.record.source_message_id
        data = {"custom_id": custom_id, "components": modal_submit_components(modal, values)}
        return self.interactions.create(
            type=MODAL_SUBMIT,
            guild=self.state.guild_of(channel),
            channel=channel,
            user=invoker,
            data=data,
            locale=locale or str(interaction.payload.get("locale", "en-US")),
            message=None if source is None else self.state.messages.get(source),
        )
