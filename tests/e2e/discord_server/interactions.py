"""Interactions: building the payloads a Discord client would cause, and answering callbacks like Discord."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import errors
from .actions import Actions, MessageDraft
from .errors import field_error, invalid_form_body
from .limits import iter_components, validate_message, validate_modal
from .permissions import ALL_PERMISSIONS, Permission
from .state import (
    JSON,
    ApplicationCommand,
    Attachment,
    Channel,
    DiscordState,
    Guild,
    Interaction,
    InteractionCallback,
    Message,
    MessageFlag,
    MessageType,
    Role,
    User,
)
from .waiting import ChangeFeed

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

# Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS: Mapping[int, frozenset[int]] = {
    APPLICATION_COMMAND: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL}),
    MESSAGE_COMPONENT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, MODAL}
    ),
    AUTOCOMPLETE: frozenset({AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}),
}

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10

RESPONSE_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0


class CommandNotAvailable(Exception):
    """The Discord client would not offer this command to this user (unknown or not permitted)."""


class InvalidInteraction(ValueError):
    """The requested interaction is one a Discord client could not produce."""


# --- payload building ------------------------------------------------------------------------------


def _choice_values(option: JSON) -> list[Any]:
    return [c.get("value") for c in option.get("choices") or []]


def _coerce(state: DiscordState, guild: Guild, option: JSON, value: Any, resolved: JSON) -> Any:
    kind = int(option.get("type", STRING))
    name = option.get("name")
    if kind == STRING:
        text = str(value)
        if "max_length" in option and len(text) > int(option["max_length"]):
            raise InvalidInteraction(f"option {name!r} is longer than {option['max_length']}")
        if "min_length" in option and len(text) < int(option["min_length"]):
            raise InvalidInteraction(f"option {name!r} is shorter than {option['min_length']}")
        result: Any = text
    elif kind == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInteraction(f"option {name!r} needs an integer")
        result = value
    elif kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInteraction(f"option {name!r} needs a number")
        result = float(value)
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            raise InvalidInteraction(f"option {name!r} needs a boolean")
        result = value
    elif kind in (USER, MENTIONABLE) and isinstance(value, User):
        resolved.setdefault("users", {})[str(value.id)] = value.payload()
        if value.id in guild.members:
            member = guild.members[value.id].payload(with_user=False)
            member["permissions"] = str(state.guild_permissions(guild, value.id))
            resolved.setdefault("members", {})[str(value.id)] = member
        result = str(value.id)
    elif kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        result = str(value.id)
    elif kind == CHANNEL and isinstance(value, Channel):
        channel = state.channel_payload(value)
        channel["permissions"] = str(ALL_PERMISSIONS)
        resolved.setdefault("channels", {})[str(value.id)] = channel
        result = str(value.id)
    else:
        raise InvalidInteraction(f"option {name!r} of type {kind} cannot take {value!r}")
    if kind in (INTEGER, NUMBER):
        if "min_value" in option and result < option["min_value"]:
            raise InvalidInteraction(f"option {name!r} is below {option['min_value']}")
        if "max_value" in option and result > option["max_value"]:
            raise InvalidInteraction(f"option {name!r} is above {option['max_value']}")
    choices = _choice_values(option)
    if choices and result not in choices:
        raise InvalidInteraction(f"option {name!r} must be one of {choices}, got {result!r}")
    return result


def build_options(
    state: DiscordState,
    guild: Guild,
    command: ApplicationCommand,
    *,
    subcommand: str | None,
    subcommand_group: str | None,
    options: Mapping[str, Any],
) -> tuple[list[JSON], JSON]:
    """Return the nested ``options`` and ``resolved`` of a chat-input interaction, validated and typed."""
    path = [p for p in (subcommand_group, subcommand) if p]
    definitions: list[JSON] = command.definition.get("options") or []
    if path:
        leaf = command.option(*path)
        if leaf is None or int(leaf.get("type", 0)) not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            raise CommandNotAvailable(f"/{command.name} has no subcommand {' '.join(path)!r}")
        if int(leaf["type"]) == SUB_COMMAND_GROUP:
            raise InvalidInteraction(f"{' '.join(path)!r} is a group; name a subcommand too")
        definitions = leaf.get("options") or []
    elif any(int(o.get("type", 0)) in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in definitions):
        raise InvalidInteraction(f"/{command.name} needs a subcommand")
    known = {o["name"]: o for o in definitions}
    unknown = set(options) - set(known)
    if unknown:
        raise InvalidInteraction(f"unknown options {sorted(unknown)} for /{command.name} {' '.join(path)}")
    resolved: JSON = {}
    values: list[JSON] = []
    for definition in definitions:
        name = definition["name"]
        if name not in options:
            if definition.get("required"):
                raise InvalidInteraction(f"option {name!r} is required")
            continue
        value = _coerce(state, guild, definition, options[name], resolved)
        values.append({"name": name, "type": int(definition.get("type", STRING)), "value": value})
    nested = values
    kinds = [SUB_COMMAND_GROUP, SUB_COMMAND][2 - len(path) :]
    for name, kind in reversed(list(zip(path, kinds, strict=True))):
        nested = [{"name": name, "type": kind, "options": nested}]
    return nested, resolved


def may_use_command(
    state: DiscordState, guild: Guild, channel: Channel, user: User, command: ApplicationCommand
) -> bool:
    """True when Discord would show the command to ``user`` in ``channel``."""
    permissions = state.permissions_in(channel, user.id)
    if not permissions & Permission.USE_APPLICATION_COMMANDS:
        return False
    required = command.definition.get("default_member_permissions")
    if required is None:
        return True
    needed = int(required)
    guild_permissions = state.guild_permissions(guild, user.id)
    return bool(guild_permissions & Permission.ADMINISTRATOR) or (needed != 0 and guild_permissions & needed == needed)


# --- handles for tests -----------------------------------------------------------------------------


class InteractionHandle:
    """What a test holds after triggering an interaction: waits for the bot's answers."""

    def __init__(self, state: DiscordState, feed: ChangeFeed, record: Interaction) -> None:
        self._state = state
        self._feed = feed
        self.record = record

    @property
    def id(self) -> int:
        """The interaction id."""
        return self.record.id

    @property
    def token(self) -> str:
        """The interaction token."""
        return self.record.token

    @property
    def payload(self) -> JSON:
        """The INTERACTION_CREATE payload that was dispatched."""
        return self.record.payload

    @property
    def callback(self) -> InteractionCallback | None:
        """The accepted initial response, if any."""
        return self.record.callback

    @property
    def original(self) -> Message | None:
        """The message the initial response created or updated."""
        mid = self.record.original_message_id
        return None if mid is None else self._state.messages.get(mid)

    @property
    def followups(self) -> list[Message]:
        """Follow-up messages, oldest first."""
        return [self._state.messages[m] for m in self.record.followup_ids]

    async def response(self, timeout: float = 5.0) -> InteractionCallback:  # noqa: ASYNC109
        """Wait for the initial callback."""
        return await self._feed.wait_for(
            lambda: self.record.callback, timeout=timeout, what=f"a response to interaction {self.id}"
        )

    async def message(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """Wait for the original response message to have content (a deferred one must be edited first)."""

        def ready() -> Message | None:
            message = self.original
            if message is None or message.flags & MessageFlag.LOADING:
                return None
            return message

        return await self._feed.wait_for(ready, timeout=timeout, what=f"the message answering interaction {self.id}")

    async def followup(self, index: int = 0, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """Wait for the ``index``-th follow-up message."""

        def found() -> Message | None:
            followups = self.followups
            return followups[index] if len(followups) > index else None

        return await self._feed.wait_for(found, timeout=timeout, what=f"follow-up #{index} of interaction {self.id}")

    async def modal(self, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """Wait for the bot to answer with a modal and return its data."""
        return await self._feed.wait_for(lambda: self.record.modal, timeout=timeout, what="a modal")


# --- callbacks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackResult:
    """What the callback endpoint answers (``body`` None means 204)."""

    body: JSON | None


class InteractionService:
    """Creates interactions and processes callbacks, follow-ups and original-response edits."""

    def __init__(
        self,
        state: DiscordState,
        actions: Actions,
        feed: ChangeFeed,
        *,
        clock: Callable[[], float],
        response_deadline: float = RESPONSE_DEADLINE,
        token_lifetime: float = TOKEN_LIFETIME,
    ) -> None:
        self.state = state
        self.actions = actions
        self.feed = feed
        self.clock = clock
        self.response_deadline = response_deadline
        self.token_lifetime = token_lifetime

    # --- creating ----------------------------------------------------------------------------------

    def create(
        self,
        *,
        type: int,
        guild: Guild | None,
        channel: Channel,
        user: User,
        data: JSON,
        locale: str = "en-US",
        message: Message | None = None,
        command_name: str | None = None,
    ) -> InteractionHandle:
        """Record an interaction, dispatch INTERACTION_CREATE and return a handle."""
        state = self.state
        interaction_id = state.ids.next()
        token = f"aW50ZXJhY3Rpb246{interaction_id}:{secrets.token_urlsafe(48)}"
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(state.application_id),
            "type": type,
            "data": data,
            "channel_id": str(channel.id),
            "channel": state.interaction_channel_payload(channel, user.id),
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(state.permissions_in(channel, state.bot.id)),
            "entitlements": [],
            "attachment_size_limit": state.attachment_size_limit,
        }
        if guild is not None:
            member = guild.members[user.id].payload()
            member["permissions"] = str(state.permissions_in(channel, user.id))
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.locale, "features": []},
                guild_locale=guild.locale,
                member=member,
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            payload.update(user=user.payload(), authorizing_integration_owners={"0": "0"}, context=1)
        if message is not None:
            payload["message"] = state.message_payload(message)
        record = Interaction(
            id=interaction_id,
            token=token,
            type=type,
            payload=payload,
            user_id=user.id,
            channel_id=channel.id,
            guild_id=None if guild is None else guild.id,
            created_at=self.clock(),
            command_name=command_name,
            source_message_id=None if message is None else message.id,
        )
        state.interactions[interaction_id] = record
        self.actions.hub.dispatch("INTERACTION_CREATE", payload)
        return InteractionHandle(state, self.feed, record)

    # --- callback ----------------------------------------------------------------------------------

    def lookup(self, interaction_id: int, token: str) -> Interaction:
        """Return the interaction addressed by a callback URL or raise 10062."""
        record = self.state.interactions.get(interaction_id)
        if record is None or record.token != token:
            raise errors.unknown_interaction()
        return record

    def callback(
        self, record: Interaction, body: JSON, files: list[Attachment], *, with_response: bool
    ) -> CallbackResult:
        """Process ``POST /interactions/{id}/{token}/callback``."""
        try:
            result = self._callback(record, body, files, with_response=with_response)
        except errors.ApiError as exc:
            record.rejected_callbacks.append((exc.status, exc.code))
            raise
        return result

    def _callback(
        self, record: Interaction, body: JSON, files: list[Attachment], *, with_response: bool
    ) -> CallbackResult:
        if record.callback is not None:
            raise errors.already_acknowledged()
        if self.clock() - record.created_at > self.response_deadline:
            raise errors.unknown_interaction()
        kind = body.get("type")
        if not isinstance(kind, int) or kind not in ALLOWED_CALLBACKS.get(record.type, frozenset()):
            raise invalid_form_body({"type": field_error("INTERACTION_TYPE_INVALID", "Invalid interaction type")})
        if kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE) and record.source_message_id is None:
            raise invalid_form_body(
                {"type": field_error("INTERACTION_TYPE_INVALID", "This interaction has no message to update")}
            )
        data: JSON = body.get("data") or {}
        message: Message | None = None
        if kind == CHANNEL_MESSAGE:
            message = self._respond_with_message(record, data, files)
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            message = self._respond_deferred(record, data)
        elif kind == DEFERRED_UPDATE_MESSAGE:
            message = self.state.messages[record.source_message_id or 0]
        elif kind == UPDATE_MESSAGE:
            message = self.state.messages[record.source_message_id or 0]
            validate_message({**self._message_view(message), **data})
            self.actions.edit_message(message, data, files)
        elif kind == MODAL:
            validate_modal(data)
            record.modal = data
        record.callback = InteractionCallback(
            type=kind, data=data, at=self.clock(), message_id=None if message is None else message.id
        )
        if message is not None:
            record.original_message_id = message.id
        self.feed.notify()
        if not with_response:
            return CallbackResult(None)
        return CallbackResult(self._callback_response(record, kind, message))

    def _message_view(self, message: Message) -> JSON:
        return {"content": message.content, "embeds": message.embeds, "components": message.components}

    def _respond_with_message(self, record: Interaction, data: JSON, files: list[Attachment]) -> Message:
        validate_message(data)
        draft = MessageDraft.from_payload(data, files)
        if not (draft.content or draft.embeds or draft.components or draft.attachments):
            raise errors.empty_message()
        return self._post(record, draft)

    def _respond_deferred(self, record: Interaction, data: JSON) -> Message:
        flags = int(data.get("flags") or 0) & MessageFlag.EPHEMERAL
        return self._post(record, MessageDraft(flags=flags | MessageFlag.LOADING))

    def _post(self, record: Interaction, draft: MessageDraft) -> Message:
        channel = self.state.channels[record.channel_id]
        ephemeral = bool(draft.flags & MessageFlag.EPHEMERAL)
        kind = MessageType.CHAT_INPUT_COMMAND if record.type == APPLICATION_COMMAND else MessageType.DEFAULT
        return self.actions.post_message(
            channel,
            self.state.bot,
            draft,
            type=kind,
            interaction_id=record.id,
            ephemeral_to=record.user_id if ephemeral else None,
        )

    def _callback_response(self, record: Interaction, kind: int, message: Message | None) -> JSON:
        interaction: JSON = {
            "id": str(record.id),
            "type": record.type,
            "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(message is not None and message.ephemeral),
        }
        if message is not None:
            interaction["response_message_id"] = str(message.id)
        resource: JSON = {"type": kind}
        if message is not None and kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE):
            resource["message"] = self.state.message_payload(message)
        return {"interaction": interaction, "resource": resource}

    # --- webhook side --------------------------------------------------------------------------

    def by_webhook(self, application_id: int, token: str) -> Interaction:
        """Return the interaction behind a webhook URL; 10015 before it was acknowledged, 50027 once expired."""
        record = self.state.interaction_by_token(token)
        if application_id != self.state.application_id or record is None or record.callback is None:
            raise errors.unknown_webhook()
        if self.clock() - record.created_at > self.token_lifetime:
            raise errors.invalid_webhook_token()
        return record

    def webhook_message(self, record: Interaction, message_ref: str) -> Message:
        """Return ``@original`` or a follow-up of this interaction, else 10008."""
        if message_ref == "@original":
            message_id = record.original_message_id
        else:
            message_id = int(message_ref) if message_ref.isdigit() else None
            if message_id not in record.followup_ids and message_id != record.original_message_id:
                message_id = None
        message = None if message_id is None else self.state.messages.get(message_id)
        if message is None or message.deleted:
            raise errors.unknown_message()
        return message

    def followup(self, record: Interaction, body: JSON, files: list[Attachment]) -> Message:
        """Create a follow-up; the first one after a deferred response fills the loading message instead."""
        validate_message(body)
        draft = MessageDraft.from_payload(body, files)
        if not (draft.content or draft.embeds or draft.components or draft.attachments):
            raise errors.empty_message()
        original = None if record.original_message_id is None else self.state.messages.get(record.original_message_id)
        if original is not None and original.flags & MessageFlag.LOADING:
            self.actions.edit_message(original, body, files)
            self.feed.notify()
            return original
        message = self._post(record, draft)
        record.followup_ids.append(message.id)
        self.feed.notify()
        return message

    def edit(self, record: Interaction, message: Message, body: JSON, files: list[Attachment]) -> Message:
        """Edit the original response or a follow-up."""
        validate_message({**self._message_view(message), **body})
        self.actions.edit_message(message, body, files)
        self.feed.notify()
        return message

    def delete(self, record: Interaction, message: Message) -> None:
        """Delete the original response or a follow-up."""
        self.actions.delete_message(message)
        self.feed.notify()


# --- component and modal payloads -------------------------------------------------------------------


def find_component(message: Message, custom_id: str) -> JSON:
    """Return the component with ``custom_id`` on ``message`` or raise ``InvalidInteraction``."""
    for component in iter_components(message.components):
        if component.get("custom_id") == custom_id:
            if component.get("disabled"):
                raise InvalidInteraction(f"component {custom_id!r} is disabled")
            return component
    raise InvalidInteraction(f"message {message.id} has no component {custom_id!r}")


def modal_submit_components(modal: JSON, values: Mapping[str, Any]) -> list[JSON]:
    """Mirror the modal's layout (action rows or labels) with the submitted values, as Discord does."""
    used: set[str] = set()

    def submitted(component: JSON) -> JSON:
        custom_id = component.get("custom_id")
        kind = int(component.get("type", 4))
        result: JSON = {"type": kind, "custom_id": custom_id}
        if "id" in component:
            result["id"] = component["id"]
        value = values.get(str(custom_id))
        if custom_id in values:
            used.add(str(custom_id))
        if kind == 4:
            text = "" if value is None else str(value)
            if component.get("required", True) and not text:
                raise InvalidInteraction(f"modal field {custom_id!r} is required")
            if "max_length" in component and len(text) > int(component["max_length"]):
                raise InvalidInteraction(f"modal field {custom_id!r} is longer than {component['max_length']}")
            result["value"] = text
        else:
            result["values"] = (
                [] if value is None else [str(v) for v in (value if isinstance(value, list) else [value])]
            )
        return result

    rows: list[JSON] = []
    for top in modal.get("components") or []:
        kind = int(top.get("type", 1))
        if kind == 1:
            rows.append({"type": 1, "components": [submitted(c) for c in top.get("components") or []]})
        elif kind == 18 and isinstance(top.get("component"), dict):
            label: JSON = {"type": 18, "component": submitted(top["component"])}
            if "id" in top:
                label["id"] = top["id"]
            rows.append(label)
        elif top.get("custom_id") is not None:
            rows.append(submitted(top))
    unknown = set(values) - used
    if unknown:
        raise InvalidInteraction(f"modal has no fields {sorted(unknown)}")
    return rows
