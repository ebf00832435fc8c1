"""In-memory Slack workspace: the team, users, usergroups, channels, messages, reactions and what the bot was shown.

The Web API (``api.py``) reads and changes this world; tests change it through ``actors.py`` the way members do,
and read it to see what the bot did.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False

    def to_api(self, team_id: str) -> JSON:
        """The ``user`` object ``users.info`` returns."""
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name or self.name,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_bot": self.is_bot,
            "profile": {
                "real_name": self.real_name or self.name,
                "display_name": self.display_name,
            },
        }


@dataclass
class Channel:
    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    is_im: bool = False


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str | None = None
    bot_id: str | None = None
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited: bool = False
    files: list[str] = field(default_factory=list)  # ids of the files shared with the message

    def to_api(self) -> JSON:
        """The message object the Web API and events carry."""
        data: JSON = {"type": "message", "ts": self.ts, "text": self.text}
        if self.user is not None:
            data["user"] = self.user
        if self.bot_id is not None:
            data["bot_id"] = self.bot_id
        if self.blocks:
            data["blocks"] = self.blocks
        if self.thread_ts is not None:
            data["thread_ts"] = self.thread_ts
        if self.reactions:
            data["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)} for name, users in self.reactions.items()
            ]
        return data

    def all_text(self) -> str:
        """The message's text and every text field of its blocks, for assertions about what was shown."""
        parts = [self.text]
        parts.extend(_block_texts(self.blocks))
        return "\n".join(parts)


def _block_texts(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["text"]] if isinstance(value.get("text"), str) else []
        for item in value.values():
            found.extend(_block_texts(item))
        return found
    if isinstance(value, list):
        return [text for item in value for text in _block_texts(item)]
    return []


@dataclass
class SlackFile:
    """A file uploaded with ``files.getUploadURLExternal``, its upload URL and ``files.completeUploadExternal``;
    ``channels`` are where it was shared (empty until the upload is completed)."""

    id: str
    name: str
    length: int
    title: str = ""
    data: bytes | None = None
    channels: list[str] = field(default_factory=list)

    def to_api(self) -> JSON:
        return {"id": self.id, "name": self.name, "title": self.title or self.name, "size": len(self.data or b"")}


@dataclass
class Ephemeral:
    """A message only one user saw: from ``chat.postEphemeral`` or a ``response_url`` reply."""

    channel: str
    user: str
    text: str
    blocks: list[JSON]
    via: str  # "chat.postEphemeral" or "response_url"
    response_type: str = "ephemeral"
    ts: str = ""  # what a click on one of its buttons or menus names as the container's ``message_ts``

    def all_text(self) -> str:
        return "\n".join([self.text, *_block_texts(self.blocks)])


class SlackWorld:
    """One workspace with a bot user in it."""

    def __init__(self, team_id: str = "T0QUIZ001", team_name: str = "Study Group") -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.app_id = "A0QUIZ001"
        self.bot = User("U0QUIZBOT", "quizbot", is_bot=True)
        self.bot_id = "B0QUIZBOT"
        self.users: dict[str, User] = {self.bot.id: self.bot}
        self.usergroups: dict[str, list[str]] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: list[JSON] = []
        self.triggers: set[str] = set()
        self.files: dict[str, SlackFile] = {}
        # Where ``files.getUploadURLExternal`` sends uploads: the server's upload endpoint, set when it starts.
        self.upload_base = ""
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self.base_epoch = 1_741_000_000

    # -- set-up -------------------------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, **flags: Any) -> User:
        user = User(user_id, name, real_name=flags.pop("real_name", name.title()), **flags)
        self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, *, members: tuple[str, ...] = (), bot: bool = True) -> Channel:
        channel = Channel(channel_id, name, set(members) | ({self.bot.id} if bot else set()))
        self.channels[channel_id] = channel
        return channel

    # -- changes ------------------------------------------------------------------------------------------

    def next_ts(self) -> str:
        return f"{self.base_epoch + next(self._ts)}.{next(self._ids):06d}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def post(
        self,
        channel: str,
        text: str,
        *,
        user: str | None = None,
        bot: bool = False,
        thread_ts: str | None = None,
        blocks: list[JSON] | None = None,
    ) -> Message:
        message = Message(
            channel=channel,
            ts=self.next_ts(),
            text=text,
            user=self.bot.id if bot else user,
            bot_id=self.bot_id if bot else None,
            blocks=blocks or [],
            thread_ts=thread_ts,
        )
        self.messages[(channel, message.ts)] = message
        return message

    def dm_channel(self, user_id: str) -> Channel:
        """The bot's direct-message channel with ``user_id`` (posting to a user id lands here)."""
        channel_id = f"D{user_id[1:]}"
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(channel_id, user_id, {user_id, self.bot.id}, is_im=True)
        return self.channels[channel_id]

    # -- queries ------------------------------------------------------------------------------------------

    def message(self, channel: str, ts: str) -> Message | None:
        return self.messages.get((channel, ts))

    def channel_messages(self, channel: str) -> list[Message]:
        """Top-level messages of a channel, oldest first."""
        return [m for (c, _), m in sorted(self.messages.items()) if c == channel and m.thread_ts in (None, m.ts)]

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """The replies in a thread (without its parent), oldest first."""
        return [
            m
            for (c, ts), m in sorted(self.messages.items())
            if c == channel and m.thread_ts == thread_ts and ts != thread_ts
        ]

    def shared_files(self, channel: str) -> list[SlackFile]:
        """The files shared in a channel, in upload order."""
        return [f for f in self.files.values() if channel in f.channels]

    def bot_messages(self, channel: str) -> list[Message]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == channel and m.bot_id == self.bot_id]

    def ephemerals_for(self, user: str) -> list[Ephemeral]:
        return [e for e in self.ephemerals if e.user == user]
