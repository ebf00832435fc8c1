"""Application command registration with Discord's validation rules."""

from __future__ import annotations

import re
from typing import Any

from .errors import field_error, invalid_form_body
from .state import JSON, ApplicationCommand, DiscordState

CHAT_INPUT = 1
USER_COMMAND = 2
MESSAGE_COMMAND = 3

_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
_OPTION_TYPES = range(1, 12)
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_COMMANDS = 100


def _name_errors(name: Any, *, chat_input: bool) -> dict[str, Any] | None:
    if not isinstance(name, str) or not name:
        return field_error("BASE_TYPE_REQUIRED", "This field is required")
    if chat_input and (not _NAME.match(name) or name != name.lower()):
        return field_error("APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")
    if len(name) > 32:
        return field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    return None


def _description_errors(description: Any) -> dict[str, Any] | None:
    if not isinstance(description, str) or not description:
        return field_error("BASE_TYPE_REQUIRED", "This field is required")
    if len(description) > 100:
        return field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    return None


def _option_errors(options: list[Any], *, depth: int) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if len(options) > MAX_OPTIONS:
        return field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_OPTIONS} or fewer in length.")
    names: set[str] = set()
    seen_optional = False
    kinds = {int(o.get("type", 0)) for o in options if isinstance(o, dict)}
    if kinds & {1, 2} and kinds - {1, 2}:
        errors["_errors"] = [
            {"code": "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "message": "Subcommands cannot mix with options"}
        ]
    for index, option in enumerate(options):
        one: dict[str, Any] = {}
        if not isinstance(option, dict):
            errors[str(index)] = field_error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        kind = option.get("type")
        if kind not in _OPTION_TYPES:
            one["type"] = field_error("BASE_TYPE_CHOICES", f"Value must be one of {list(_OPTION_TYPES)}.")
        elif kind == 2 and depth > 0:
            one["type"] = field_error("APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Groups cannot be nested")
        elif kind == 1 and depth > 1:
            one["type"] = field_error("APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands cannot be nested")
        name_error = _name_errors(option.get("name"), chat_input=True)
        if name_error:
            one["name"] = name_error
        elif option["name"] in names:
            one["name"] = field_error("APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option name already exists")
        else:
            names.add(option["name"])
        description_error = _description_errors(option.get("description"))
        if description_error:
            one["description"] = description_error
        if option.get("required"):
            if seen_optional:
                one["required"] = field_error(
                    "APPLICATION_COMMAND_OPTION_REQUIRED_BEFORE_OPTIONAL", "Required options must be placed first"
                )
        elif kind not in (1, 2):
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > MAX_CHOICES:
            one["choices"] = field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length.")
        if kind in (1, 2):
            nested = _option_errors(option.get("options") or [], depth=depth + 1)
            if kind == 2 and any(int(o.get("type", 0)) != 1 for o in option.get("options") or []):
                nested.setdefault("_errors", []).append(
                    {"code": "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "message": "Groups contain only subcommands"}
                )
            if nested:
                one["options"] = nested
        if one:
            errors[str(index)] = one
    return errors


def command_errors(definition: Any) -> dict[str, Any]:
    """Return the 50035 ``errors`` tree for one command definition (empty when valid)."""
    if not isinstance(definition, dict):
        return field_error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    errors: dict[str, Any] = {}
    kind = int(definition.get("type", CHAT_INPUT))
    name_error = _name_errors(definition.get("name"), chat_input=kind == CHAT_INPUT)
    if name_error:
        errors["name"] = name_error
    if kind == CHAT_INPUT:
        description_error = _description_errors(definition.get("description"))
        if description_error:
            errors["description"] = description_error
        option_errors = _option_errors(definition.get("options") or [], depth=0)
        if option_errors:
            errors["options"] = option_errors
    elif definition.get("description"):
        errors["description"] = field_error("APPLICATION_COMMAND_INVALID_DESCRIPTION", "Must be empty")
    permissions = definition.get("default_member_permissions")
    if permissions is not None and not str(permissions).isdigit():
        errors["default_member_permissions"] = field_error("NUMBER_TYPE_COERCE", "Value is not a valid number.")
    return errors


def validate_bulk(definitions: Any) -> list[JSON]:
    """Validate a bulk-overwrite body; raise 50035 with per-index errors."""
    if not isinstance(definitions, list):
        raise invalid_form_body(field_error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))
    if len(definitions) > MAX_COMMANDS:
        raise invalid_form_body(field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_COMMANDS} or fewer in length."))
    errors: dict[str, Any] = {}
    seen: set[tuple[int, str]] = set()
    for index, definition in enumerate(definitions):
        one = command_errors(definition)
        if not one:
            key = (int(definition.get("type", CHAT_INPUT)), definition["name"])
            if key in seen:
                one = {
                    "name": field_error(
                        "APPLICATION_COMMAND_ALREADY_EXISTS", "Application command names must be unique"
                    )
                }
            seen.add(key)
        if one:
            errors[str(index)] = one
    if errors:
        raise invalid_form_body(errors)
    return definitions


def upsert(state: DiscordState, guild_id: int | None, definition: JSON) -> tuple[ApplicationCommand, bool]:
    """Create or replace one command of a scope; returns the command and whether it was new.

    Discord keeps a command's id when a command of the same name and type is overwritten.
    """
    commands = state.commands(guild_id)
    kind = int(definition.get("type", CHAT_INPUT))
    clean = {k: v for k, v in definition.items() if k not in ("id", "application_id", "version", "guild_id")}
    clean["type"] = kind
    existing = next((c for c in commands if c.name == definition["name"] and c.type == kind), None)
    if existing is not None:
        if existing.definition != clean:
            existing.definition = clean
            existing.version = state.ids.next()
        return existing, False
    command = ApplicationCommand(
        id=state.ids.next(),
        application_id=state.application_id,
        guild_id=guild_id,
        name=definition["name"],
        type=kind,
        version=state.ids.next(),
        definition=clean,
    )
    commands.append(command)
    return command, True


def overwrite(state: DiscordState, guild_id: int | None, definitions: list[JSON]) -> list[ApplicationCommand]:
    """Replace every command of a scope (bulk overwrite)."""
    kept = [upsert(state, guild_id, d)[0] for d in definitions]
    commands = state.commands(guild_id)
    commands[:] = kept
    return kept
