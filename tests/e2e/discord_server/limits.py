"""Discord's size limits on message, embed, component and modal payloads (50035 when exceeded)."""

from __future__ import annotations

from typing import Any

from .errors import field_error, invalid_form_body

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER_TEXT = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_MODAL_TITLE = 45
MAX_THREAD_NAME = 100


def _too_long(limit: int) -> dict[str, Any]:
    return field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _embed_errors(embed: dict[str, Any]) -> tuple[dict[str, Any], int]:
    errors: dict[str, Any] = {}
    title = _text(embed.get("title"))
    description = _text(embed.get("description"))
    footer = _text((embed.get("footer") or {}).get("text"))
    author = _text((embed.get("author") or {}).get("name"))
    total = len(title) + len(description) + len(footer) + len(author)
    if len(title) > MAX_EMBED_TITLE:
        errors["title"] = _too_long(MAX_EMBED_TITLE)
    if len(description) > MAX_EMBED_DESCRIPTION:
        errors["description"] = _too_long(MAX_EMBED_DESCRIPTION)
    if len(footer) > MAX_FOOTER_TEXT:
        errors["footer"] = {"text": _too_long(MAX_FOOTER_TEXT)}
    if len(author) > MAX_AUTHOR_NAME:
        errors["author"] = {"name": _too_long(MAX_AUTHOR_NAME)}
    fields = embed.get("fields") or []
    if len(fields) > MAX_EMBED_FIELDS:
        errors["fields"] = field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBED_FIELDS} or fewer in length.")
    field_errors: dict[str, Any] = {}
    for index, field in enumerate(fields):
        name = _text(field.get("name"))
        value = _text(field.get("value"))
        total += len(name) + len(value)
        one: dict[str, Any] = {}
        if not name:
            one["name"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
        elif len(name) > MAX_FIELD_NAME:
            one["name"] = _too_long(MAX_FIELD_NAME)
        if not value:
            one["value"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
        elif len(value) > MAX_FIELD_VALUE:
            one["value"] = _too_long(MAX_FIELD_VALUE)
        if one:
            field_errors[str(index)] = one
    if field_errors and "fields" not in errors:
        errors["fields"] = field_errors
    return errors, total


def _walk_components(components: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        if not isinstance(component, dict):
            continue
        found.append(component)
        found.extend(_walk_components(component.get("components") or []))
        child = component.get("component")
        if isinstance(child, dict):
            found.extend(_walk_components([child]))
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            found.extend(_walk_components([accessory]))
    return found


def iter_components(components: list[Any]) -> list[dict[str, Any]]:
    """Return every component in ``components``, depth first (rows, containers, labels, accessories)."""
    return _walk_components(components)


def _component_errors(components: list[Any], *, is_v2: bool) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not is_v2 and len(components) > MAX_ACTION_ROWS:
        return field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ACTION_ROWS} or fewer in length.")
    for index, row in enumerate(components):
        if not isinstance(row, dict) or "type" not in row:
            errors[str(index)] = field_error("BASE_TYPE_REQUIRED", "This field is required")
            continue
        if row["type"] == 1 and len(row.get("components") or []) > MAX_ROW_ITEMS:
            errors[str(index)] = {
                "components": field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ROW_ITEMS} or fewer in length.")
            }
    seen: set[str] = set()
    for component in _walk_components(components):
        custom_id = component.get("custom_id")
        if custom_id is None:
            continue
        if not isinstance(custom_id, str) or len(custom_id) > MAX_CUSTOM_ID:
            errors["custom_id"] = _too_long(MAX_CUSTOM_ID)
        elif custom_id in seen:
            errors["custom_id"] = field_error(
                "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        seen.add(custom_id)
        label = component.get("label")
        if component.get("type") == 2 and isinstance(label, str) and len(label) > MAX_BUTTON_LABEL:
            errors["label"] = _too_long(MAX_BUTTON_LABEL)
    return errors


def validate_message(payload: dict[str, Any]) -> None:
    """Raise 50035 when content, embeds or components exceed Discord's limits."""
    errors: dict[str, Any] = {}
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors["content"] = field_error("STRING_TYPE_CONVERT", "Could not interpret value as string.")
    elif isinstance(content, str) and len(content) > MAX_CONTENT:
        errors["content"] = _too_long(MAX_CONTENT)
    embeds = payload.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        errors["embeds"] = field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
    else:
        embed_errors: dict[str, Any] = {}
        total = 0
        for index, embed in enumerate(embeds):
            one, size = _embed_errors(embed if isinstance(embed, dict) else {})
            total += size
            if one:
                embed_errors[str(index)] = one
        if total > MAX_EMBED_TOTAL:
            embed_errors.update(
                field_error("MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}")
            )
        if embed_errors:
            errors["embeds"] = embed_errors
    components = payload.get("components") or []
    is_v2 = bool(int(payload.get("flags") or 0) & (1 << 15))
    component_errors = _component_errors(components, is_v2=is_v2)
    if component_errors:
        errors["components"] = component_errors
    mentions = payload.get("allowed_mentions")
    if mentions is not None:
        parse = mentions.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and mentions.get(kind):
                errors["allowed_mentions"] = field_error(
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
    if errors:
        raise invalid_form_body(errors)


def validate_modal(data: dict[str, Any]) -> None:
    """Raise 50035 for a modal callback without custom_id/title/components or over the limits."""
    errors: dict[str, Any] = {}
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        errors["custom_id"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
    elif len(custom_id) > MAX_CUSTOM_ID:
        errors["custom_id"] = _too_long(MAX_CUSTOM_ID)
    title = data.get("title")
    if not isinstance(title, str) or not title:
        errors["title"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
    elif len(title) > MAX_MODAL_TITLE:
        errors["title"] = _too_long(MAX_MODAL_TITLE)
    components = data.get("components") or []
    if not components:
        errors["components"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
    elif len(components) > MAX_ACTION_ROWS:
        errors["components"] = field_error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ACTION_ROWS} or fewer in length.")
    if errors:
        raise invalid_form_body(errors)


def validate_thread_name(name: Any) -> str:
    """Return the thread name or raise 50035 when it is missing or longer than 100 characters."""
    if not isinstance(name, str) or not name.strip():
        raise invalid_form_body({"name": field_error("BASE_TYPE_REQUIRED", "This field is required")})
    if len(name) > MAX_THREAD_NAME:
        raise invalid_form_body({"name": _too_long(MAX_THREAD_NAME)})
    return name


def is_empty_message(payload: dict[str, Any], *, has_files: bool) -> bool:
    """True when a message would have nothing to show (Discord answers 50006)."""
    return not (
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or has_files
    )
