"""What the bot already posted in a thread, so a retried reveal posts only the parts that are missing."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import PlatformError
from bot.platforms.slack.errors import platform_errors

log = logging.getLogger(__name__)

HISTORY_LIMIT = 1000
PAGE_SIZE = 200
CLOCK_SKEW_MARGIN = dt.timedelta(minutes=10)

MessageKey = tuple[str, ...]


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is in its workspace, as ``auth.test`` says: its user id and its bot id."""

    user_id: str | None
    bot_id: str | None

    def wrote(self, message: Mapping[str, Any]) -> bool:
        """True if ``message`` (as the Web API returns it) was posted by this bot."""
        user, bot = message.get("user"), message.get("bot_id")
        return bool((self.user_id and user == self.user_id) or (self.bot_id and bot == self.bot_id))


def message_key(text: str, blocks: Sequence[Mapping[str, Any]]) -> MessageKey:
    """What identifies a posted message: the texts of its blocks, or its text if it has none.

    Slack hands blocks back with fields it added (``block_id``, ``verbatim``), so whole blocks cannot be compared;
    every part of a reveal has the same notification text, so that alone cannot tell parts apart.
    """
    if not blocks:
        return (text,)
    key: list[str] = []
    for block in blocks:
        inner = block.get("text")
        key.append(f"{block.get('type', '')}:{inner.get('text', '') if isinstance(inner, Mapping) else ''}")
    return tuple(key)


async def own_messages(
    client: AsyncWebClient, identity: BotIdentity, channel: str, thread_ts: str, since: dt.datetime | None = None
) -> Counter[MessageKey]:
    """How often each message of the bot appears in the thread since ``since`` (up to ``HISTORY_LIMIT`` messages
    read): a reveal's parts all come after the reveal began, so a busy thread's older replies need not be read.

    Empty if the thread cannot be read: posting a part twice is better than not posting the reveal at all.
    """
    seen: dict[str, Mapping[str, Any]] = {}
    cursor: str | None = None
    # Message timestamps are Slack's clock, ``since`` is ours: leave a wide margin for skew between the two.
    oldest = f"{(since - CLOCK_SKEW_MARGIN).timestamp():.6f}" if since is not None else None
    try:
        with platform_errors(f"reading the thread {thread_ts} in {channel}"):
            while len(seen) < HISTORY_LIMIT:
                response = await client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=PAGE_SIZE, cursor=cursor, oldest=oldest
                )
                for message in response.get("messages") or []:
                    # Slack repeats the parent at the top of every page; a ts is one message.
                    seen.setdefault(str(message.get("ts", "")), message)
                metadata = response.get("response_metadata") or {}
                cursor = metadata.get("next_cursor") or None
                if not response.get("has_more") or cursor is None:
                    break
    except PlatformError as exc:
        log.warning("could not read the thread before posting in it, posting everything: %s", exc)
        return Counter()
    return Counter(
        message_key(str(m.get("text") or ""), m.get("blocks") or []) for m in seen.values() if identity.wrote(m)
    )
