"""Answers the live handlers did not take on Slack, read back from the threads of the open rounds.

slack-bolt acknowledges an event to Slack before its listener stores the answer, so Slack never sends an event
again that a killed process had taken; events sent while the bot is disconnected are not queued for it either.
So the threads of the open rounds are read back when the bot starts (before its timers, so an overdue reveal
scores what was caught up) and whenever Socket Mode reconnects: each reply the database does not hold yet is
recorded and acknowledged as if it had just arrived, oldest first, and every stored answer without the bot's ✅ is
acknowledged. A round whose post is adopted after a restart is read back when it opens, and one whose answer could
not be stored (a full disk) again a little later (``bot.platforms.catchup``). It is also what recovers an answer
whose event another process sharing the database claimed and died before storing (``deliveries``): the copy this
process dropped is not needed, the thread holds the reply.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.core.models import Round
from bot.core.quiz import Quiz
from bot.platforms.catchup import RoundCatchUp, missed_messages
from bot.platforms.slack.answers import ANSWER_SUBTYPES
from bot.platforms.slack.errors import platform_errors
from bot.platforms.slack.members import MemberDirectory
from bot.platforms.slack.mrkdwn import plain_text
from bot.platforms.slack.platform import ACK_REACTION, SlackPlatform

log = logging.getLogger(__name__)

# How far back a thread is read: five pages. Older replies of a busier thread stay unread.
CATCH_UP_HISTORY = 1000
PAGE_SIZE = 200

Message = Mapping[str, Any]


def is_member_reply(message: Message, thread_ts: str) -> bool:
    """A reply a member wrote in the thread (not the question itself, not a bot) that could be an answer."""
    return (
        bool(message.get("user"))
        and not message.get("bot_id")
        and message.get("subtype") in ANSWER_SUBTYPES
        and str(message.get("ts", "")) != thread_ts
    )


class SlackCatchUp(RoundCatchUp):
    """Reads back the answer threads of open rounds on Slack."""

    def __init__(self, quiz: Quiz, platform: SlackPlatform, members: MemberDirectory) -> None:
        super().__init__()
        self.quiz = quiz
        self.platform = platform
        self.members = members

    async def open_rounds(self) -> list[Round]:
        return [round_ for round_ in await self.quiz.open_rounds() if round_.thread_id or round_.message_id]

    async def current(self, round_id: int) -> Round | None:
        return await self.quiz.round(round_id)

    async def read_round(self, round_: Round) -> int:
        channel = round_.channel.channel_id
        thread = round_.thread_id or round_.message_id
        if thread is None:
            return 0
        replies = [m for m in await self._replies(channel, thread) if is_member_reply(m, thread)]
        # Read after the thread, so an answer recorded live before the read counts as held.
        recorded = await self.quiz.recorded_message_ids(round_)
        answering = await self.quiz.answering_member_ids(round_)
        missed = missed_messages(
            replies, recorded, answering, message_id=lambda m: str(m.get("ts")), author_id=lambda m: str(m["user"])
        )
        count = 0
        for message in missed:
            ts = str(message["ts"])
            answer = plain_text(str(message.get("text") or ""))
            if self.busy(ts) or not answer.strip():
                continue
            member = await self.members.member(str(message["user"]))
            receipt = await self.quiz.answer(round_, member, answer, message_id=ts)
            self.note_recorded(ts)
            if receipt is not None:
                count += 1
                await self._acknowledge(round_, ts)
        for message in replies:
            # Stored, but the ✅ never went out (the bot was killed while it was on its way, or it failed).
            ts = str(message["ts"])
            if (
                ts in recorded
                and not self.busy(ts)
                and not self._reacted(message)
                and str(message.get("text") or "").strip()
            ):
                await self._acknowledge(round_, ts)
        return count

    def _reacted(self, message: Message) -> bool:
        me = self.platform.identity.user_id if self.platform.identity is not None else None
        for reaction in message.get("reactions") or []:
            if reaction.get("name") == ACK_REACTION and me in (reaction.get("users") or []):
                return True
        return False

    async def _acknowledge(self, round_: Round, ts: str) -> None:
        if not await self.platform.acknowledge(round_.channel.channel_id, ts):
            self.rescan_later(round_.id)

    async def _replies(self, channel: str, thread_ts: str) -> list[Message]:
        """The thread's messages, oldest first, up to ``CATCH_UP_HISTORY``."""
        seen: dict[str, Message] = {}
        cursor: str | None = None
        with platform_errors(f"reading the thread {thread_ts} in {channel}"):
            while len(seen) < CATCH_UP_HISTORY:
                response = await self.platform.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=PAGE_SIZE, cursor=cursor
                )
                for message in response.get("messages") or []:
                    # Slack repeats the parent at the top of every page; a ts is one message.
                    seen.setdefault(str(message.get("ts", "")), message)
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not response.get("has_more") or cursor is None:
                    break
        return sorted(seen.values(), key=lambda m: float(m.get("ts") or 0))
