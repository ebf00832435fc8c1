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
MAX_SELECT_OPTIONS = 25
MAX_SELECT_PLACEHOLDER = 150
MAX_OPTION_TEXT = 100  # an option's label, value and description each
STRING_SELECT = 3
# A select menu fills its action row (width 5); a button takes one of the five places.
ROW_WIDTH = 5
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
        elif row["type"] == 1:
            row_errors = _row_errors(row.get("components") or [])
            if row_errors:
                errors[str(index)] = {"components": row_errors}
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


def _row_errors(items: list[Any]) -> dict[str, Any]:
    """Errors of an action row's items: its width, and each string select's options and values."""
    errors: dict[str, Any] = {}
    width = sum(ROW_WIDTH if isinstance(i, dict) and 3 <= int(i.get("type", 0)) <= 8 else 1 for i in items)
    if width > ROW_WIDTH:
        errors.update(
            field_error("COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
        )
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") == STRING_SELECT:
            select_errors = _string_select_errors(item)
            if select_errors:
                errors[str(index)] = select_errors
    return errors


def _string_select_errors(select: dict[str, Any]) -> dict[str, Any]:
    """Discord's rules for a string select: 1 to 25 options with labels and values of 1 to 100 characters,
    a placeholder of at most 150, ``min_values`` up to 25 and ``max_values`` from 1 to 25."""
    errors: dict[str, Any] = {}
    options = select.get("options")
    if not isinstance(options, list) or not 1 <= len(options) <= MAX_SELECT_OPTIONS:
        errors["options"] = field_error(
            "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MAX_SELECT_OPTIONS} in length."
        )
        options = []
    option_errors: dict[str, Any] = {}
    for index, option in enumerate(options):
        one: dict[str, Any] = {}
        for name in ("label", "value"):
            value = option.get(name) if isinstance(option, dict) else None
            if not isinstance(value, str) or not value:
                one[name] = field_error("BASE_TYPE_REQUIRED", "This field is required")
            elif len(value) > MAX_OPTION_TEXT:
                one[name] = _too_long(MAX_OPTION_TEXT)
        description = option.get("description") if isinstance(option, dict) else None
        if isinstance(description, str) and len(description) > MAX_OPTION_TEXT:
            one["description"] = _too_long(MAX_OPTION_TEXT)
        if one:
            option_errors[str(index)] = one
    if option_errors:
        errors["options"] = option_errors
    placeholder = select.get("placeholder")
    if isinstance(placeholder, str) and len(placeholder) > MAX_SELECT_PLACEHOLDER:
        errors["placeholder"] = _too_long(MAX_SELECT_PLACEHOLDER)
    least = int(select.get("min_values", 1))
    most = int(select.get("max_values", 1))
    if not 0 <= least <= MAX_SELECT_OPTIONS:
        errors["min_values"] = field_error(
            "NUMBER_TYPE_MAX", f"Int value should be less than or equal to {MAX_SELECT_OPTIONS}."
        )
    if not 1 <= most <= MAX_SELECT_OPTIONS:
        errors["max_values"] = field_error(
            "NUMBER_TYPE_MAX", f"Int value should be less than or equal to {MAX_SELECT_OPTIONS}."
        )
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
