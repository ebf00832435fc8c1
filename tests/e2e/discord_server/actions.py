"""State changes that Discord announces on the gateway; shared by REST handlers and test helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .gateway import GatewayHub
from .snowflake import iso_now
from .state import (
    CLIENT_SETTABLE_FLAGS,
    JSON,
    Attachment,
    Channel,
    ChannelType,
    DiscordState,
    Emoji,
    Message,
    MessageFlag,
    MessageType,
    Reaction,
    User,
)


@dataclass
class MessageDraft:
    """The fields of a message to create, normalised from a REST body or a test helper."""

    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: JSON | None = None
    tts: bool = False
    nonce: str | int | None = None
    message_reference: JSON | None = None
    attachments: list[Attachment] = field(default_factory=list)

    @classmethod
    def from_payload(cls, payload: JSON, attachments: list[Attachment] | None = None) -> MessageDraft:
        """Normalise a create-message body (``null`` fields become empty)."""
        return cls(
            content=payload.get("content") or "",
            embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []),
            flags=int(payload.get("flags") or 0) & CLIENT_SETTABLE_FLAGS,
            allowed_mentions=payload.get("allowed_mentions"),
            tts=bool(payload.get("tts", False)),
            nonce=payload.get("nonce"),
            message_reference=payload.get("message_reference"),
            attachments=list(attachments or []),
        )


class Actions:
    """Mutates the state and dispatches the matching gateway events."""

    def __init__(self, state: DiscordState, hub: GatewayHub) -> None:
        self.state = state
        self.hub = hub

    # --- messages --------------------------------------------------------------------------------

    def post_message(
        self,
        channel: Channel,
        author: User,
        draft: MessageDraft,
        *,
        type: MessageType | None = None,
        interaction_id: int | None = None,
        ephemeral_to: int | None = None,
        message_id: int | None = None,
    ) -> Message:
        """Store a message and announce it with MESSAGE_CREATE (ephemeral messages are never announced);
        ``message_id`` for a message whose id is given (a forum post's starter message has its thread's)."""
        state = self.state
        reference = draft.message_reference
        if type is None:
            type = MessageType.REPLY if reference and reference.get("type", 0) == 0 else MessageType.DEFAULT
        if reference is not None:
            reference = {
                "type": reference.get("type", 0),
                "message_id": str(reference.get("message_id")),
                "channel_id": str(reference.get("channel_id") or channel.id),
                **({"guild_id": str(channel.guild_id)} if channel.guild_id is not None else {}),
            }
        message = Message(
            id=message_id or state.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=author.id,
            content=draft.content,
            type=type,
            embeds=draft.embeds,
            components=draft.components,
            attachments=draft.attachments,
            flags=draft.flags,
            allowed_mentions=draft.allowed_mentions,
            tts=draft.tts,
            nonce=draft.nonce,
            message_reference=reference,
            interaction_id=interaction_id,
            ephemeral_to=ephemeral_to,
        )
        if interaction_id is not None:
            message.webhook_id = state.application_id
            message.application_id = state.application_id
        state.resolve_mentions(message)
        state.store_message(message)
        if channel.is_thread and channel.archived and not channel.locked:
            self.update_thread(channel, archived=False)
        if ephemeral_to is None:
            self.hub.dispatch("MESSAGE_CREATE", state.message_payload(message, gateway=True))
        return message

    def edit_message(self, message: Message, changes: JSON, new_files: list[Attachment] | None = None) -> Message:
        """Apply a PATCH body to a message and announce MESSAGE_UPDATE."""
        if "content" in changes:
            message.revisions.append(message.content)
            message.content = changes["content"] or ""
        if "embeds" in changes:
            message.embeds = list(changes["embeds"] or [])
        if "components" in changes:
            message.components = list(changes["components"] or [])
        if "allowed_mentions" in changes:
            message.allowed_mentions = changes["allowed_mentions"]
        if "flags" in changes and changes["flags"] is not None:
            settable = int(MessageFlag.SUPPRESS_EMBEDS | MessageFlag.IS_COMPONENTS_V2)
            message.flags = (message.flags & ~settable) | (int(changes["flags"]) & settable)
        if "attachments" in changes:
            keep = {str(a.get("id")) for a in changes["attachments"] or [] if isinstance(a, dict)}
            message.attachments = [a for a in message.attachments if str(a.id) in keep]
        message.attachments.extend(new_files or [])
        message.flags &= ~MessageFlag.LOADING
        message.edited_timestamp = iso_now()
        self.state.resolve_mentions(message)
        self.announce_update(message)
        return message

    def announce_update(self, message: Message) -> None:
        """Dispatch MESSAGE_UPDATE for a non-ephemeral message."""
        if message.ephemeral_to is None:
            self.hub.dispatch("MESSAGE_UPDATE", self.state.message_payload(message, gateway=True))

    def delete_message(self, message: Message) -> None:
        """Mark a message deleted and announce MESSAGE_DELETE."""
        message.deleted = True
        channel = self.state.channels.get(message.channel_id)
        if channel is not None and channel.is_thread and message.ephemeral_to is None:
            channel.message_count = max(0, channel.message_count - 1)
        if message.ephemeral_to is None:
            data: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            self.hub.dispatch("MESSAGE_DELETE", data)

    def set_pinned(self, message: Message, pinned: bool) -> None:
        """Pin or unpin, announcing MESSAGE_UPDATE and CHANNEL_PINS_UPDATE."""
        if message.pinned == pinned:
            return
        message.pinned = pinned
        self.announce_update(message)
        data: JSON = {"channel_id": str(message.channel_id), "last_pin_timestamp": iso_now()}
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        self.hub.dispatch("CHANNEL_PINS_UPDATE", data)

    # --- reactions -------------------------------------------------------------------------------

    def _reaction_event(self, message: Message, user_id: int, emoji: Emoji) -> JSON:
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": emoji.payload(),
            "burst": False,
            "type": 0,
        }
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        return data

    def add_reaction(self, message: Message, user: User, emoji: Emoji) -> bool:
        """Add a reaction; False (and no event) when the user already reacted with that emoji."""
        reaction = message.reaction(emoji.key)
        if reaction is None:
            reaction = Reaction(emoji=emoji)
            message.reactions.append(reaction)
        if user.id in reaction.user_ids:
            return False
        reaction.user_ids.append(user.id)
        data = self._reaction_event(message, user.id, emoji)
        data["message_author_id"] = str(message.author_id)
        data["burst_colors"] = []
        guild = self.state.guilds.get(message.guild_id or 0)
        if guild is not None and user.id in guild.members:
            data["member"] = guild.members[user.id].payload()
        self.hub.dispatch("MESSAGE_REACTION_ADD", data)
        return True

    def remove_reaction(self, message: Message, user_id: int, emoji: Emoji) -> bool:
        """Remove one user's reaction; False when there was none."""
        reaction = message.reaction(emoji.key)
        if reaction is None or user_id not in reaction.user_ids:
            return False
        reaction.user_ids.remove(user_id)
        if not reaction.user_ids:
            message.reactions.remove(reaction)
        self.hub.dispatch("MESSAGE_REACTION_REMOVE", self._reaction_event(message, user_id, emoji))
        return True

    def clear_reactions(self, message: Message, emoji: Emoji | None = None) -> None:
        """Remove all reactions, or all reactions of one emoji."""
        data: JSON = {"channel_id": str(message.channel_id), "message_id": str(message.id)}
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        if emoji is None:
            message.reactions.clear()
            self.hub.dispatch("MESSAGE_REACTION_REMOVE_ALL", data)
            return
        message.reactions = [r for r in message.reactions if r.emoji.key != emoji.key]
        self.hub.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", {**data, "emoji": emoji.payload()})

    # --- channels and threads --------------------------------------------------------------------

    def start_thread(
        self,
        parent: Channel,
        name: str,
        owner: User,
        *,
        message: Message | None = None,
        type: ChannelType = ChannelType.PUBLIC_THREAD,
        auto_archive_duration: int = 1440,
        rate_limit_per_user: int = 0,
        invitable: bool = True,
    ) -> Channel:
        """Create a thread and announce THREAD_CREATE; a thread on a message takes the message's id."""
        state = self.state
        if message is not None and parent.type == ChannelType.GUILD_ANNOUNCEMENT:
            type = ChannelType.ANNOUNCEMENT_THREAD
        thread = state.add_thread(
            parent,
            name,
            owner=owner,
            type=type,
            thread_id=None if message is None else message.id,
            auto_archive_duration=auto_archive_duration,
            rate_limit_per_user=rate_limit_per_user,
            invitable=invitable,
        )
        if message is not None:
            message.thread_id = thread.id
            message.flags |= MessageFlag.HAS_THREAD
        self.hub.dispatch(
            "THREAD_CREATE",
            {**state.thread_payload(thread, with_member=owner.id == state.bot.id), "newly_created": True},
        )
        if message is None and type == ChannelType.PUBLIC_THREAD:
            # Discord posts a "started a thread" system message in the parent channel.
            notice = MessageDraft(content=name, message_reference={"message_id": thread.id, "channel_id": thread.id})
            self.post_message(parent, owner, notice, type=MessageType.THREAD_CREATED)
        return thread

    def start_forum_post(
        self, forum: Channel, name: str, owner: User, draft: MessageDraft, *, auto_archive_duration: int = 1440
    ) -> tuple[Channel, Message]:
        """Create a forum post as Discord does: a public thread under the forum (THREAD_CREATE), then its starter
        message inside it with the thread's id (MESSAGE_CREATE)."""
        state = self.state
        thread = state.add_thread(
            forum, name, owner=owner, type=ChannelType.PUBLIC_THREAD, auto_archive_duration=auto_archive_duration
        )
        self.hub.dispatch(
            "THREAD_CREATE",
            {**state.thread_payload(thread, with_member=owner.id == state.bot.id), "newly_created": True},
        )
        message = self.post_message(thread, owner, draft, type=MessageType.DEFAULT, message_id=thread.id)
        return thread, message

    def update_thread(self, thread: Channel, **changes: Any) -> Channel:
        """Change a thread's name, archived, locked, auto_archive_duration or slowmode; THREAD_UPDATE."""
        for key in ("name", "archived", "locked", "auto_archive_duration", "rate_limit_per_user", "invitable"):
            if key in changes and changes[key] is not None:
                setattr(thread, key, changes[key])
        if "archived" in changes:
            thread.archive_timestamp = iso_now()
        self.hub.dispatch("THREAD_UPDATE", self.state.thread_payload(thread))
        return thread

    def join_thread(self, thread: Channel, user: User) -> None:
        """Add a member to a thread and announce THREAD_MEMBERS_UPDATE."""
        if user.id in thread.member_ids:
            return
        thread.member_ids.append(user.id)
        self.hub.dispatch(
            "THREAD_MEMBERS_UPDATE",
            {
                "id": str(thread.id),
                "guild_id": str(thread.guild_id),
                "member_count": len(thread.member_ids),
                "added_members": [self.state.thread_member_payload(thread, user.id)],
            },
        )

    def leave_thread(self, thread: Channel, user_id: int) -> None:
        """Remove a member from a thread and announce THREAD_MEMBERS_UPDATE."""
        if user_id not in thread.member_ids:
            return
        thread.member_ids.remove(user_id)
        self.hub.dispatch(
            "THREAD_MEMBERS_UPDATE",
            {
                "id": str(thread.id),
                "guild_id": str(thread.guild_id),
                "member_count": len(thread.member_ids),
                "removed_member_ids": [str(user_id)],
            },
        )

    def announce_channel(self, channel: Channel, event: str) -> None:
        """Dispatch CHANNEL_CREATE/UPDATE/DELETE (THREAD_* for threads)."""
        if channel.is_thread:
            name = event.replace("CHANNEL_", "THREAD_")
            payload = self.state.thread_payload(channel)
            if name == "THREAD_DELETE":
                payload = {k: payload[k] for k in ("id", "guild_id", "parent_id", "type")}
            self.hub.dispatch(name, payload)
            return
        self.hub.dispatch(event, self.state.channel_payload(channel))

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel or thread."""
        channel.deleted = True
        self.announce_channel(channel, "CHANNEL_DELETE")
