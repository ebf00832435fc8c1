"""Thread replies, their edits and deletions, and 👍 reactions: answers and upvotes for the core."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from bot.core.models import Round
from bot.core.ports import PlatformError
from bot.messages import text
from bot.platforms.slack.blocks import reply_message
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.errors import platform_errors
from bot.platforms.slack.mrkdwn import plain_text

log = logging.getLogger(__name__)

# Subtypes that are still a member writing in the thread; every other subtype (joins, bot posts, ...) is ignored.
ANSWER_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
UPVOTES = frozenset({"+1", "thumbsup"})
MAX_CACHED_THREADS = 10_000


class AnswerEvents:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps
        # message ts -> the thread it belongs to ("" for none); reactions do not say which thread they are in.
        self._threads: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """``message`` events: a reply answers, ``message_changed`` edits, ``message_deleted`` withdraws."""
        reply = thread_reply(event)
        if reply is None:
            return
        team_id = str(body.get("team_id", ""))
        subtype = event.get("subtype")
        if subtype == "message_changed":
            await self._edit(team_id, reply, event)
        elif subtype == "message_deleted":
            await self._withdraw(team_id, reply)
        else:
            await self._answer(team_id, reply, event)

    async def on_reaction_added(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        await self._vote(str(body.get("team_id", "")), event, add=True)

    async def on_reaction_removed(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        await self._vote(str(body.get("team_id", "")), event, add=False)

    async def _answer(self, team_id: str, reply: ThreadReply, event: dict[str, Any]) -> None:
        channel, ts, thread = reply
        round_ = await self.deps.round_in_thread(team_id, channel, thread)
        if round_ is None:
            return
        answer = plain_text(str(event.get("text") or ""))
        if not answer.strip():
            return
        catch_up = self.deps.catch_up
        if catch_up is None:
            await self._record(round_, event, answer)
            return
        # Waits while the round's thread is read back; skips a reply that read-back has taken.
        async with catch_up.live(round_.id, ts) as mine:
            if mine:
                await self._record(round_, event, answer)

    async def _record(self, round_: Round, event: dict[str, Any], answer: str) -> None:
        channel, ts, thread = str(event.get("channel", "")), str(event.get("ts", "")), str(event.get("thread_ts"))
        user_id = str(event["user"])
        member = await self.deps.members.member(user_id)
        try:
            receipt = await self.deps.quiz.answer(round_, member, answer, message_id=ts)
        except Exception:
            if self.deps.catch_up is None:
                raise
            # Slack took the event already and will not send it again: the thread is read back once writes work.
            log.exception("could not store reply %s in %s; reading the thread again later", ts, channel)
            self.deps.catch_up.rescan_later(round_.id)
            return
        if receipt is None:
            await self._tell(channel, user_id, "answer.closed")
            return
        self._remember(channel, ts, thread)
        # Only now is the answer durable, so only now may the member see the check mark.
        if not await self.deps.platform.acknowledge(channel, ts) and self.deps.catch_up is not None:
            self.deps.catch_up.rescan_later(round_.id)
        if receipt.status in ("replaced", "late"):
            await self._tell(channel, user_id, f"answer.{receipt.status}")

    async def _edit(self, team_id: str, reply: ThreadReply, event: dict[str, Any]) -> None:
        channel, ts, thread = reply
        round_ = await self.deps.round_in_thread(team_id, channel, thread)
        if round_ is not None:
            message = event.get("message") or {}
            await self.deps.quiz.edit_answer(round_, ts, plain_text(str(message.get("text") or "")))

    async def _withdraw(self, team_id: str, reply: ThreadReply) -> None:
        channel, ts, thread = reply
        round_ = await self.deps.round_in_thread(team_id, channel, thread)
        if round_ is not None:
            await self.deps.quiz.withdraw_answer(round_, ts)

    async def _vote(self, team_id: str, event: dict[str, Any], *, add: bool) -> None:
        if not is_upvote(event):
            return
        item = event.get("item") or {}
        channel, ts = str(item.get("channel", "")), str(item.get("ts", ""))
        round_ = await self._round_of_message(team_id, channel, ts)
        if round_ is None:
            return
        result = await self.deps.quiz.vote(round_, ts, str(event["user"]), add=add)
        log.debug("vote by %s on %s: %s", event["user"], ts, result.reason)

    async def _round_of_message(self, team_id: str, channel: str, ts: str) -> Round | None:
        thread = self._threads.get((channel, ts))
        if thread is None:
            try:
                with platform_errors(f"finding the thread of {ts} in {channel}"):
                    response = await self.deps.platform.client.conversations_replies(
                        channel=channel, ts=ts, limit=1, inclusive=True
                    )
            except PlatformError as exc:
                log.warning("%s", exc)
                return None
            messages = response.get("messages") or []
            own = next((m for m in messages if m.get("ts") == ts), messages[0] if messages else {})
            thread = str(own.get("thread_ts") or "")
            self._remember(channel, ts, thread)
        if not thread or thread == ts:
            return None
        return await self.deps.round_in_thread(team_id, channel, thread)

    def _remember(self, channel: str, ts: str, thread: str) -> None:
        self._threads[(channel, ts)] = thread
        self._threads.move_to_end((channel, ts))
        while len(self._threads) > MAX_CACHED_THREADS:
            self._threads.popitem(last=False)

    async def _tell(self, channel: str, user_id: str, key: str) -> None:
        await self.deps.platform.post_ephemeral(channel, user_id, reply_message([text(key, self.deps.language)]))


def _from_bot(message: dict[str, Any]) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message"


ThreadReply = tuple[str, str, str]  # channel, the reply's ts, its thread's ts


def thread_reply(event: dict[str, Any]) -> ThreadReply | None:
    """The member's thread reply a ``message`` event writes, edits or deletes; ``None`` for anything else (a
    top-level message, the question itself, the bot's own posts, joins, a change that is not an edit such as a
    reply count or an unfurl), which no answer can come of."""
    subtype = event.get("subtype")
    if subtype in ANSWER_SUBTYPES:
        if _from_bot(event) or not event.get("user"):
            return None
        ts, thread = str(event.get("ts", "")), event.get("thread_ts")
    elif subtype == "message_changed":
        message = event.get("message") or {}
        if _from_bot(message) or message.get("text") == (event.get("previous_message") or {}).get("text"):
            return None
        ts, thread = str(message.get("ts", "")), message.get("thread_ts")
    elif subtype == "message_deleted":
        ts, thread = str(event.get("deleted_ts", "")), (event.get("previous_message") or {}).get("thread_ts")
    else:
        return None
    if not thread or thread == ts:
        return None
    return str(event.get("channel", "")), ts, str(thread)


def is_upvote(event: dict[str, Any]) -> bool:
    """Whether a reaction event is a member's 👍 on a message (skin tones included)."""
    item = event.get("item") or {}
    reaction = str(event.get("reaction", "")).split("::", 1)[0]  # "+1::skin-tone-3" is still a 👍
    return reaction in UPVOTES and item.get("type") == "message" and bool(event.get("user"))


def concerns_answers(body: dict[str, Any]) -> bool:
    """Whether an Events API delivery can touch an answer or a vote, judged from the event alone. Only those are
    worth a claim (a database write): a busy channel's chatter and the bot's own posts are not."""
    event = body.get("event") or {}
    kind = event.get("type")
    if kind == "message":
        return thread_reply(event) is not None
    if kind in ("reaction_added", "reaction_removed"):
        return is_upvote(event)
    return True
