"""Members doing what people do in Slack: each action changes the world and sends the bot the matching event."""

from __future__ import annotations

import time
from typing import Any

from .delivery import Reply, SlackDelivery
from .world import JSON, Ephemeral, Message, User


class Actor:
    """One workspace member, acting through HTTP-mode delivery."""

    def __init__(self, user: User, delivery: SlackDelivery) -> None:
        self.user = user
        self.delivery = delivery
        self.world = delivery.world

    @property
    def id(self) -> str:
        return self.user.id

    async def slash(self, channel: str, text: str) -> Reply:
        """``/quiz <text>`` in ``channel``."""
        return await self.delivery.command(self.user, channel, text)

    async def reply(self, thread: Message, text: str, *, subtype: str | None = None) -> Message:
        """A reply in ``thread``; ``text`` is what Slack sends (already escaped, mentions as ``<...>``)."""
        message = self.world.post(thread.channel, text, user=self.id, thread_ts=thread.ts)
        await self._deliver(self._reply_event(message, subtype))
        return message

    async def redeliver(self, message: Message) -> None:
        """Deliver the event of an earlier reply again, as Slack does when it retries or two connections get it."""
        await self._deliver(self._reply_event(message, None))

    def _reply_event(self, message: Message, subtype: str | None) -> JSON:
        event: JSON = {
            "type": "message",
            "channel": message.channel,
            "user": self.id,
            "text": message.text,
            "ts": message.ts,
            "thread_ts": message.thread_ts,
            "event_ts": message.ts,
            "channel_type": "channel",
            "team": self.world.team_id,
        }
        if subtype is not None:
            event["subtype"] = subtype
        return event

    async def edit(self, message: Message, text: str) -> None:
        previous = message.to_api()
        message.text = text
        message.edited = True
        stamp = self.world.next_ts()
        current = {**message.to_api(), "edited": {"user": self.id, "ts": stamp}}
        await self._deliver(
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": message.channel,
                "ts": stamp,
                "event_ts": stamp,
                "message": current,
                "previous_message": previous,
                "channel_type": "channel",
            }
        )

    async def delete(self, message: Message) -> None:
        del self.world.messages[(message.channel, message.ts)]
        stamp = self.world.next_ts()
        await self._deliver(
            {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "channel": message.channel,
                "ts": stamp,
                "deleted_ts": message.ts,
                "event_ts": stamp,
                "previous_message": message.to_api(),
                "channel_type": "channel",
            }
        )

    async def react(self, message: Message, name: str = "+1") -> None:
        message.reactions.setdefault(name, []).append(self.id)
        await self._deliver(self._reaction("reaction_added", message, name))

    async def unreact(self, message: Message, name: str = "+1") -> None:
        message.reactions.get(name, []).remove(self.id)
        await self._deliver(self._reaction("reaction_removed", message, name))

    async def click(self, message: Message | Ephemeral, action_id: str) -> Reply:
        return await self.delivery.block_action(self.user, message, action_id)

    async def choose(self, message: Message | Ephemeral, action_id: str, value: str) -> Reply:
        """Pick the option with ``value`` in the menu ``action_id`` of ``message``."""
        return await self.delivery.select(self.user, message, action_id, value)

    async def submit(self, view: JSON, values: dict[str, dict[str, str]]) -> Reply:
        return await self.delivery.view_submission(self.user, view, values)

    def _reaction(self, kind: str, message: Message, name: str) -> JSON:
        return {
            "type": kind,
            "user": self.id,
            "reaction": name,
            "item_user": message.user or message.bot_id,
            "item": {"type": "message", "channel": message.channel, "ts": message.ts},
            "event_ts": f"{time.time():.6f}",
        }

    async def _deliver(self, event: JSON) -> Any:
        reply = await self.delivery.event(event)
        assert reply.status == 200, f"the bot refused an event: {reply.status} {reply.body}"
        return reply
