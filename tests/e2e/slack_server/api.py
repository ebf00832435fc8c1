"""Web API methods over a ``SlackWorld``, with Slack's argument checks, errors and response shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .world import JSON, Ephemeral, SlackFile, SlackWorld

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_MESSAGE_TEXT = 40_000
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_PLACEHOLDER = 150
MAX_ACTION_ID = 255


class ApiError(Exception):
    """A method failed the way Slack reports it: HTTP 200 with ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


Method = Callable[[SlackWorld, JSON], JSON]


def _required(params: JSON, name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] missing required field: {name}"]})
    return str(value)


def _json_field(params: JSON, name: str) -> Any:
    """Form-encoded calls send ``blocks`` and ``view`` as JSON strings, JSON calls as objects."""
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(f"invalid_{name}") from None
    return value


def _postable_channel(world: SlackWorld, channel_id: str) -> str:
    if channel_id in world.users:
        return world.dm_channel(channel_id).id
    channel = world.channels.get(channel_id)
    if channel is None:
        raise ApiError("channel_not_found")
    if world.bot.id not in channel.members:
        raise ApiError("not_in_channel")
    return channel.id


def check_blocks(blocks: Any) -> list[JSON]:
    """Slack's Block Kit limits that matter to the bot: block count, section and header text length."""
    if blocks in (None, ""):
        return []
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        raise ApiError("invalid_blocks", response_metadata={"messages": ["[ERROR] no more than 50 items allowed"]})
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or "type" not in block:
            raise ApiError("invalid_blocks", response_metadata={"messages": [f"[ERROR] block {index} has no type"]})
        text = block.get("text") or {}
        limit = {"section": MAX_SECTION_TEXT, "header": MAX_HEADER_TEXT}.get(block["type"])
        if limit is not None and len(str(text.get("text", ""))) > limit:
            raise ApiError(
                "invalid_blocks",
                response_metadata={
                    "messages": [
                        f"[ERROR] must be less than {limit + 1} characters [json-pointer:/blocks/{index}/text]"
                    ]
                },
            )
        if block["type"] == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= MAX_ACTIONS_ELEMENTS:
                raise _invalid(f"/blocks/{index}/elements", "must provide 1-25 elements")
            action_ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
            if len(action_ids) != len(set(action_ids)):
                raise _invalid(f"/blocks/{index}/elements", "action_id must be unique within the block")
            for position, element in enumerate(elements):
                _check_element(element, f"/blocks/{index}/elements/{position}")
        if block["type"] == "section" and "accessory" in block:
            _check_element(block["accessory"], f"/blocks/{index}/accessory")
    block_ids = [b["block_id"] for b in blocks if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        raise _invalid("/blocks", "block_id must be unique within the message")
    return blocks


def _invalid(pointer: str, problem: str) -> ApiError:
    return ApiError("invalid_blocks", response_metadata={"messages": [f"[ERROR] {problem} [json-pointer:{pointer}]"]})


def _check_text(value: Any, pointer: str, limit: int) -> None:
    if not isinstance(value, dict) or value.get("type") != "plain_text":
        raise _invalid(pointer, "must be a plain_text object")
    if not 1 <= len(str(value.get("text") or "")) <= limit:
        raise _invalid(f"{pointer}/text", f"must be 1-{limit} characters")


def _check_element(element: Any, pointer: str) -> None:
    """Slack's limits on the interactive elements the bot uses: buttons and static selects."""
    if not isinstance(element, dict):
        raise _invalid(pointer, "must be an object")
    if len(str(element.get("action_id") or "")) > MAX_ACTION_ID:
        raise _invalid(f"{pointer}/action_id", f"must be less than {MAX_ACTION_ID + 1} characters")
    kind = element.get("type")
    if kind == "button":
        _check_text(element.get("text"), f"{pointer}/text", MAX_BUTTON_TEXT)
        if len(str(element.get("value") or "")) > MAX_BUTTON_VALUE:
            raise _invalid(f"{pointer}/value", f"must be less than {MAX_BUTTON_VALUE + 1} characters")
        if element.get("style") not in (None, "primary", "danger"):
            raise _invalid(f"{pointer}/style", "must be primary or danger")
    elif kind == "static_select":
        if "placeholder" in element:
            _check_text(element["placeholder"], f"{pointer}/placeholder", MAX_PLACEHOLDER)
        options = element.get("options")
        if not isinstance(options, list) or not 1 <= len(options) <= MAX_OPTIONS:
            raise _invalid(f"{pointer}/options", f"must provide 1-{MAX_OPTIONS} options")
        for position, option in enumerate(options):
            _check_text((option or {}).get("text"), f"{pointer}/options/{position}/text", MAX_OPTION_TEXT)
            if not 1 <= len(str(option.get("value") or "")) <= MAX_OPTION_VALUE:
                raise _invalid(f"{pointer}/options/{position}/value", f"must be 1-{MAX_OPTION_VALUE} characters")


def _message_text(params: JSON, blocks: list[JSON]) -> str:
    text = str(params.get("text") or "")
    if not text and not blocks:
        raise ApiError("no_text")
    if len(text) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    return text


def auth_test(world: SlackWorld, params: JSON) -> JSON:
    return {
        "url": f"https://{world.team_name.lower().replace(' ', '-')}.slack.com/",
        "team": world.team_name,
        "user": world.bot.name,
        "team_id": world.team_id,
        "user_id": world.bot.id,
        "bot_id": world.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(world: SlackWorld, params: JSON) -> JSON:
    channel = _postable_channel(world, _required(params, "channel"))
    blocks = check_blocks(_json_field(params, "blocks"))
    text = _message_text(params, blocks)
    thread_ts = params.get("thread_ts") or None
    if thread_ts is not None and world.message(channel, str(thread_ts)) is None:
        raise ApiError("thread_not_found")
    message = world.post(channel, text, bot=True, thread_ts=str(thread_ts) if thread_ts else None, blocks=blocks)
    return {"channel": channel, "ts": message.ts, "message": message.to_api()}


def chat_update(world: SlackWorld, params: JSON) -> JSON:
    channel = _postable_channel(world, _required(params, "channel"))
    message = world.message(channel, _required(params, "ts"))
    if message is None:
        raise ApiError("message_not_found")
    if message.bot_id != world.bot_id:
        raise ApiError("cant_update_message")
    blocks = check_blocks(_json_field(params, "blocks"))
    message.text = _message_text(params, blocks)
    message.blocks = blocks
    message.edited = True
    return {"channel": channel, "ts": message.ts, "text": message.text, "message": message.to_api()}


def chat_post_ephemeral(world: SlackWorld, params: JSON) -> JSON:
    channel = _postable_channel(world, _required(params, "channel"))
    user = _required(params, "user")
    if user not in world.channels[channel].members:
        raise ApiError("user_not_in_channel")
    blocks = check_blocks(_json_field(params, "blocks"))
    text = _message_text(params, blocks)
    ts = world.next_ts()
    world.ephemerals.append(Ephemeral(channel, user, text, blocks, via="chat.postEphemeral", ts=ts))
    return {"message_ts": ts}


def reactions_add(world: SlackWorld, params: JSON) -> JSON:
    channel = _postable_channel(world, _required(params, "channel"))
    message = world.message(channel, _required(params, "timestamp"))
    if message is None:
        raise ApiError("message_not_found")
    name = _required(params, "name")
    users = message.reactions.setdefault(name, [])
    if world.bot.id in users:
        raise ApiError("already_reacted")
    users.append(world.bot.id)
    return {}


def views_open(world: SlackWorld, params: JSON) -> JSON:
    trigger = _required(params, "trigger_id")
    if trigger not in world.triggers:
        raise ApiError("invalid_trigger_id")
    world.triggers.discard(trigger)  # a trigger opens one view
    view = _json_field(params, "view")
    if not isinstance(view, dict) or view.get("type") != "modal":
        raise ApiError("invalid_arguments")
    title = (view.get("title") or {}).get("text", "")
    if not title or len(title) > 24:
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] title must be 1-24 characters"]})
    opened = {**view, "id": world.next_id("V"), "team_id": world.team_id, "app_id": world.app_id}
    world.views.append(opened)
    return {"view": opened}


def users_info(world: SlackWorld, params: JSON) -> JSON:
    user = world.users.get(_required(params, "user"))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user.to_api(world.team_id)}


def usergroups_users_list(world: SlackWorld, params: JSON) -> JSON:
    group = _required(params, "usergroup")
    if group not in world.usergroups:
        raise ApiError("no_such_subteam")
    return {"users": list(world.usergroups[group])}


def conversations_replies(world: SlackWorld, params: JSON) -> JSON:
    channel = world.channels.get(_required(params, "channel"))
    if channel is None:
        raise ApiError("channel_not_found")
    message = world.message(channel.id, _required(params, "ts"))
    if message is None:
        raise ApiError("thread_not_found")
    # Like Slack: the thread from its parent, whichever of its messages ``ts`` names.
    parent_ts = message.thread_ts or message.ts
    parent = world.message(channel.id, parent_ts)
    replies = world.thread(channel.id, parent_ts)
    # Like Slack: ``oldest`` leaves out replies older than that ts (the parent still heads the list).
    oldest = float(params.get("oldest") or 0)
    messages = [m.to_api() for m in replies if float(m.ts) >= oldest]
    if parent is not None:
        head = parent.to_api()
        if replies:  # a parent carries its own ts as thread_ts once it has replies
            head.update(thread_ts=parent.ts, reply_count=len(replies))
        messages.insert(0, head)
    # Like Slack: every page starts with the parent; the cursor is where the replies go on.
    limit = int(params.get("limit") or 1000)
    start = int(params.get("cursor") or 0)
    page = messages[start : start + limit]
    if start and parent is not None:
        page.insert(0, messages[0])
    more = start + limit < len(messages)
    return {
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def conversations_history(world: SlackWorld, params: JSON) -> JSON:
    """Like Slack: a channel's top-level messages, newest first (thread replies only through their parent), for
    a member of the channel; ``oldest``/``latest`` bound the ts (exclusive unless ``inclusive``), ``limit`` and
    ``cursor`` page."""
    channel = world.channels.get(_required(params, "channel"))
    if channel is None:
        raise ApiError("channel_not_found")
    if world.bot.id not in channel.members:
        raise ApiError("not_in_channel")
    inclusive = str(params.get("inclusive") or "").lower() in ("1", "true")
    oldest = float(params.get("oldest") or 0)
    latest = float(params["latest"]) if params.get("latest") else None

    def within(ts: float) -> bool:
        above = ts >= oldest if inclusive else ts > oldest
        below = latest is None or (ts <= latest if inclusive else ts < latest)
        return above and below

    messages = []
    for message in reversed(world.channel_messages(channel.id)):
        if not within(float(message.ts)):
            continue
        data = message.to_api()
        replies = world.thread(channel.id, message.ts)
        if replies:  # a parent carries its own ts as thread_ts once it has replies
            data.update(thread_ts=message.ts, reply_count=len(replies), latest_reply=replies[-1].ts)
        messages.append(data)
    limit = min(int(params.get("limit") or 100), 999)
    start = int(params.get("cursor") or 0)
    page = messages[start : start + limit]
    more = start + limit < len(messages)
    return {
        "messages": page,
        "has_more": more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def conversations_open(world: SlackWorld, params: JSON) -> JSON:
    """Like Slack for one user: the bot's direct-message channel with them (``im:write``)."""
    users = [u for u in _required(params, "users").split(",") if u]
    if len(users) != 1:
        raise ApiError("not_implemented")  # group DMs are not modelled
    if users[0] not in world.users:
        raise ApiError("user_not_found")
    return {"channel": {"id": world.dm_channel(users[0]).id}}


def files_get_upload_url_external(world: SlackWorld, params: JSON) -> JSON:
    """Step one of an upload (``files:write``): a file id and the URL to send ``length`` bytes to."""
    name = _required(params, "filename")
    length = _required(params, "length")
    if not length.isdigit() or int(length) < 1:
        raise ApiError("invalid_arguments")
    file = SlackFile(world.next_id("F"), name, int(length))
    world.files[file.id] = file
    return {"upload_url": f"{world.upload_base}/{file.id}", "file_id": file.id}


def files_complete_upload_external(world: SlackWorld, params: JSON) -> JSON:
    """Step three: share uploaded files in ``channel_id`` (a message from the bot, with ``initial_comment``).
    Like Slack, a file whose bytes never arrived, or arrived short, cannot be completed."""
    described = _json_field(params, "files")
    if not isinstance(described, list) or not described:
        raise ApiError("invalid_arguments")
    files = []
    for item in described:
        file = world.files.get(str((item or {}).get("id")))
        if file is None or file.data is None or len(file.data) != file.length:
            raise ApiError("file_not_found")
        file.title = str(item.get("title") or file.name)
        files.append(file)
    channel_id = params.get("channel_id")
    if channel_id:
        channel = _postable_channel(world, str(channel_id))
        comment = str(params.get("initial_comment") or "")
        message = world.post(channel, comment, bot=True, thread_ts=params.get("thread_ts") or None)
        message.files = [f.id for f in files]
        for file in files:
            file.channels.append(channel)
    return {"files": [f.to_api() for f in files]}


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.postEphemeral": chat_post_ephemeral,
    "reactions.add": reactions_add,
    "views.open": views_open,
    "users.info": users_info,
    "usergroups.users.list": usergroups_users_list,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
    "conversations.open": conversations_open,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}
