"""``ChatPlatform`` on Slack: questions as Block Kit messages, answers and reveals in the message's thread."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.deck_schema import Category, Question
from bot.core.models import ChannelKey, Dispute, Round
from bot.core.ports import PlatformError, PostedQuestion, QuestionCard, ReminderCard, RevealCard
from bot.messages import Language, text
from bot.platforms.slack.blocks import (
    ANSWER_PRIVATELY,
    SlackMessage,
    closed_question_message,
    question_message,
    reply_message,
    reveal_messages,
)
from bot.platforms.slack.dispute_blocks import dispute_notice_message
from bot.platforms.slack.errors import api_error_code, platform_errors
from bot.platforms.slack.history import BotIdentity, MessageKey, message_key, own_messages
from bot.platforms.slack.mrkdwn import escape
from bot.render import dispute_notice, reminder_text

log = logging.getLogger(__name__)

PLATFORM = "slack"
ACK_REACTION = "white_check_mark"
# How far back the channel is searched for a question an earlier attempt posted: one history page. The search runs
# only for a round whose earlier attempt may have posted (after a failure or a restart), soon after it.
FIND_HISTORY = 200


def carries_round(message: Mapping[str, Any], round_id: int) -> bool:
    """True if the message is a question card of this round: its "answer privately" button holds the round id."""
    for block in message.get("blocks") or []:
        elements = block.get("elements") if isinstance(block, Mapping) else None
        for element in elements or []:
            if (
                isinstance(element, Mapping)
                and element.get("action_id") == ANSWER_PRIVATELY
                and str(element.get("value")) == str(round_id)
            ):
                return True
    return False


class SlackPlatform:
    """Posts rounds through the Web API. Never sets ``link_names``: nothing the bot posts may ping anyone."""

    name = PLATFORM

    def __init__(
        self,
        client: AsyncWebClient,
        language: Language,
        *,
        admin_user_ids: tuple[str, ...] = (),
        identity: BotIdentity | None = None,
    ) -> None:
        self.client = client
        self.language = language
        self.admin_user_ids = admin_user_ids
        self.identity = identity
        # Reads back the thread of a round whose post was adopted (set by the bot once its catch-up exists).
        self.on_adopted: Callable[[Round], Awaitable[object]] | None = None
        # Blocks that close every reveal with a graded answer (set by the bot: the review rating buttons).
        self.reveal_extra: Callable[[int], list[dict[str, Any]]] | None = None

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        """Post the question card; its ``ts`` is both the message id and the thread answers go to."""
        message = question_message(card, self.language)
        with platform_errors(f"posting the question in {channel.channel_id}"):
            response = await self._post(channel.channel_id, message)
        ts = str(response["ts"])
        return PostedQuestion(message_id=ts, thread_id=ts)

    async def find_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion | None:
        """The bot's question card of the round among the channel's latest messages (``conversations.history``),
        found by the round id its button carries."""
        with platform_errors(f"looking for an earlier post of round {card.round.id} in {channel.channel_id}"):
            response = await self.client.conversations_history(channel=channel.channel_id, limit=FIND_HISTORY)
        for message in response.get("messages") or []:
            own = self.identity.wrote(message) if self.identity is not None else bool(message.get("bot_id"))
            if own and carries_round(message, card.round.id):
                ts = str(message["ts"])
                return PostedQuestion(message_id=ts, thread_id=ts)
        return None

    async def question_opened(self, round_: Round, *, adopted: bool) -> None:
        if adopted and self.on_adopted is not None:
            await self.on_adopted(round_)

    async def post_reveal(self, card: RevealCard) -> None:
        """Post the reveal in the thread, then mark the question message revealed.

        A retry after a partly posted reveal (or a restart) posts only the parts the thread does not hold yet.
        """
        channel = card.round.channel.channel_id
        thread = card.round.thread_id or card.round.message_id
        already: Counter[MessageKey] = Counter()
        if thread is not None and self.identity is not None:
            already = await own_messages(self.client, self.identity, channel, thread, card.round.revealed_at)
        with platform_errors(f"posting the reveal in {channel}"):
            extra = self.reveal_extra(card.round.id) if self.reveal_extra is not None else []
            for message in reveal_messages(card, self.language, extra=extra):
                key = message_key(message.text, message.blocks)
                if already[key] > 0:
                    already[key] -= 1
                    continue
                await self._post(channel, message, thread_ts=thread)
        await self._close_question(card.round, card.question, card.category, revealed=True)

    async def mark_cancelled(self, card: QuestionCard) -> None:
        """Show on the question message that its round was skipped."""
        await self._close_question(card.round, card.question, card.category, revealed=False)

    async def report_problem(self, channel: ChannelKey, problem: str) -> None:
        """Tell the configured admins by direct message, or the channel itself if none are configured.

        A failure here is only logged: the problem being reported is often that the bot cannot post at all.
        """
        note = escape(text("admin.problem", self.language, problem=problem))
        targets = self.admin_user_ids or (channel.channel_id,)
        for target in targets:
            try:
                with platform_errors(f"reporting a problem to {target}"):
                    await self.client.chat_postMessage(channel=target, text=note)
            except PlatformError as exc:
                log.warning("could not report %r for %s: %s", problem, channel, exc)

    async def post_dispute_decision(self, round_: Round, dispute: Dispute) -> None:
        """Post the decision in the round's thread."""
        thread = round_.thread_id or round_.message_id
        message = reply_message([dispute_notice(dispute, self.language)])
        with platform_errors(f"posting a dispute decision in {round_.channel.channel_id}"):
            await self._post(round_.channel.channel_id, message, thread_ts=thread)

    async def post_dispute_notice(self, round_: Round, dispute: Dispute) -> None:
        """Post a newly opened dispute in the round's thread, with the buttons admins decide it with."""
        thread = round_.thread_id or round_.message_id
        message = dispute_notice_message(dispute, self.language)
        with platform_errors(f"posting dispute {dispute.id} in {round_.channel.channel_id}"):
            await self._post(round_.channel.channel_id, message, thread_ts=thread)

    async def close_dispute_notice(self, channel_id: str, ts: str, message: SlackMessage) -> None:
        """Replace a decided dispute's notice with ``message`` (the notice without its buttons).

        Only logged on failure: the decision is stored and posted already; stale buttons answer "decided".
        """
        try:
            with platform_errors(f"updating the dispute notice {ts} in {channel_id}"):
                await self.client.chat_update(channel=channel_id, ts=ts, text=message.text, blocks=list(message.blocks))
        except PlatformError as exc:
            log.warning("%s", exc)

    async def remind_member(self, card: ReminderCard) -> None:
        """A direct message from the app (posting to a user id lands in the member's messages with the bot)."""
        note = escape(reminder_text(card, self.language, command="/quiz review", settings="/quiz me reminders=off"))
        with platform_errors(f"reminding {card.member_id}"):
            await self.client.chat_postMessage(channel=card.member_id, text=note)

    async def post_ephemeral(self, channel_id: str, user_id: str, message: SlackMessage) -> None:
        """A message only ``user_id`` sees; failures are logged, the member's action already succeeded."""
        try:
            with platform_errors(f"posting an ephemeral message in {channel_id}"):
                await self.client.chat_postEphemeral(
                    channel=channel_id, user=user_id, text=message.text, blocks=list(message.blocks) or None
                )
        except PlatformError as exc:
            log.warning("%s", exc)

    async def acknowledge(self, channel_id: str, ts: str) -> bool:
        """React with ✅ to a message whose answer is stored. False if that failed in a way that may pass (then
        the answer is acknowledged by a later catch-up)."""
        try:
            with platform_errors(f"reacting to {ts} in {channel_id}"):
                await self.client.reactions_add(channel=channel_id, timestamp=ts, name=ACK_REACTION)
        except PlatformError as exc:
            cause = exc.__cause__
            if isinstance(cause, SlackApiError) and api_error_code(cause) == "already_reacted":
                return True  # a catch-up and a live event both acknowledged it
            log.warning("%s", exc)
            return not exc.retryable
        return True

    async def _close_question(self, round_: Round, question: Question, category: Category, *, revealed: bool) -> None:
        # The reveal itself is already posted; failing to restyle the question must not make the core post it
        # again, so this only logs.
        if round_.message_id is None:
            return
        message = closed_question_message(round_, question, category, self.language, revealed=revealed)
        try:
            with platform_errors(f"updating the question {round_.message_id}"):
                await self.client.chat_update(
                    channel=round_.channel.channel_id,
                    ts=round_.message_id,
                    text=message.text,
                    blocks=list(message.blocks),
                )
        except PlatformError as exc:
            log.warning("%s", exc)

    async def _post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> dict[str, Any]:
        response = await self.client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=list(message.blocks),
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return dict(response.data) if isinstance(response.data, dict) else {}
