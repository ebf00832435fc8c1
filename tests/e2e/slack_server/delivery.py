"""Slack's side of HTTP mode: events, slash commands and interactions as signed requests to the bot."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from .server import FakeSlack
from .signing import signed_headers
from .world import JSON, Ephemeral, Message, SlackWorld, User


@dataclass(frozen=True)
class Reply:
    """The bot's HTTP answer to one delivered request."""

    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackDelivery:
    """Sends what Slack would send to the bot's Request URL, signed with the signing secret."""

    def __init__(self, fake: FakeSlack, url: str, signing_secret: str) -> None:
        self.fake = fake
        self.world: SlackWorld = fake.world
        self.url = url
        self.signing_secret = signing_secret

    # -- transport ----------------------------------------------------------------------------------------

    async def send(
        self,
        body: bytes,
        content_type: str,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        url: str | None = None,
    ) -> Reply:
        """POST ``body``, signed with ``secret`` (the real one unless a test forges it) at ``timestamp``, to the
        bot's Request URL (or ``url``: another instance of the bot)."""
        signed = signed_headers(secret or self.signing_secret, timestamp or int(time.time()), body, content_type)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url or self.url, data=body, headers={**signed, **(headers or {})}) as response,
        ):
            return Reply(response.status, await response.text())

    async def send_form(self, fields: dict[str, str], **options: Any) -> Reply:
        return await self.send(urlencode(fields).encode(), "application/x-www-form-urlencoded", **options)

    async def send_json(self, payload: JSON, **options: Any) -> Reply:
        return await self.send(json.dumps(payload).encode(), "application/json", **options)

    # -- what Slack sends ---------------------------------------------------------------------------------

    def command_fields(self, user: User, channel: str, text: str, command: str = "/quiz") -> dict[str, str]:
        """The form fields of a slash command invocation."""
        trigger = self._trigger()
        return {
            "token": "legacy-verification-token",
            "team_id": self.world.team_id,
            "team_domain": "study-group",
            "channel_id": channel,
            "channel_name": self.world.channels[channel].name,
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": self.world.app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(channel, user.id),
            "trigger_id": trigger,
        }

    async def command(self, user: User, channel: str, text: str, **options: Any) -> Reply:
        return await self.send_form(self.command_fields(user, channel, text), **options)

    def event_envelope(self, event: JSON) -> JSON:
        return {
            "token": "legacy-verification-token",
            "team_id": self.world.team_id,
            "api_app_id": self.world.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": self.world.next_id("Ev"),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": self.world.team_id,
                    "user_id": self.world.bot.id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    async def event(self, event: JSON, **options: Any) -> Reply:
        return await self.send_json(self.event_envelope(event), **options)

    async def block_action(self, user: User, message: Message | Ephemeral, action_id: str) -> Reply:
        """A click on the button ``action_id`` of ``message`` (a channel message or an ephemeral one)."""
        button = _find_element(message.blocks, action_id)
        action = {
            "action_id": action_id,
            "block_id": button.get("block_id", "quiz_actions"),
            "text": button.get("text"),
            "value": button.get("value"),
            "type": "button",
            "action_ts": f"{time.time():.6f}",
        }
        return await self._send_action(user, message, action)

    async def select(self, user: User, message: Message | Ephemeral, action_id: str, value: str) -> Reply:
        """Choosing the option whose value is ``value`` in the static select ``action_id`` of ``message``."""
        menu = _find_element(message.blocks, action_id)
        option = next((o for o in menu.get("options", []) if o.get("value") == value), None)
        assert option is not None, f"no option {value!r} in the menu {action_id!r}"
        action = {
            "type": "static_select",
            "action_id": action_id,
            "block_id": menu.get("block_id"),
            "selected_option": option,
            "placeholder": menu.get("placeholder"),
            "action_ts": f"{time.time():.6f}",
        }
        state = {"values": {menu.get("block_id"): {action_id: {"type": "static_select", "selected_option": option}}}}
        return await self._send_action(user, message, action, state=state)

    async def _send_action(
        self, user: User, message: Message | Ephemeral, action: JSON, *, state: JSON | None = None
    ) -> Reply:
        """A ``block_actions`` payload; like Slack, one from an ephemeral message carries no ``message``."""
        ephemeral = isinstance(message, Ephemeral)
        payload: JSON = {
            "type": "block_actions",
            "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": self.world.team_id},
            "api_app_id": self.world.app_id,
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": self._trigger(),
            "team": {"id": self.world.team_id, "domain": "study-group"},
            "channel": {"id": message.channel, "name": self.world.channels[message.channel].name},
            "response_url": self.fake.response_url(message.channel, user.id, message),
            "actions": [action],
        }
        if not ephemeral:
            assert isinstance(message, Message)
            payload["message"] = message.to_api()
        if state is not None:
            payload["state"] = state
        return await self.send_form({"payload": json.dumps(payload)})

    async def view_submission(self, user: User, view: JSON, values: dict[str, dict[str, str]]) -> Reply:
        """Submitting the modal ``view`` with plain-text ``values`` as ``{block_id: {action_id: text}}``."""
        state = {
            block: {action: {"type": "plain_text_input", "value": text} for action, text in actions.items()}
            for block, actions in values.items()
        }
        payload = {
            "type": "view_submission",
            "team": {"id": self.world.team_id, "domain": "study-group"},
            "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": self.world.team_id},
            "api_app_id": self.world.app_id,
            "token": "legacy-verification-token",
            "trigger_id": self._trigger(),
            "view": {**view, "state": {"values": state}, "hash": "156772938.1827394"},
            "response_urls": [],
            "is_enterprise_install": False,
        }
        return await self.send_form({"payload": json.dumps(payload)})

    def _trigger(self) -> str:
        trigger = f"{self.world.next_id('')}.{int(time.time())}.trigger"
        self.world.triggers.add(trigger)
        return trigger


def _find_element(blocks: list[JSON], action_id: str) -> JSON:
    for block in blocks:
        # Interactive elements sit in an actions block's elements or as a section's accessory.
        for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
            if element.get("action_id") == action_id:
                return {**element, "block_id": block.get("block_id")}
    raise AssertionError(f"no element {action_id!r} in the message")
