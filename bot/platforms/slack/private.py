"""The "answer privately" button and its modal: an answer nobody sees until the reveal."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.models import RoundState
from bot.core.ports import PlatformError
from bot.messages import text
from bot.platforms.slack.blocks import PRIVATE_ANSWER_BLOCK, PRIVATE_ANSWER_INPUT, private_answer_view, reply_message
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.errors import platform_errors

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]


class PrivateAnswers:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps

    async def on_button(self, ack: Ack, body: dict[str, Any]) -> None:
        """Open the modal for the round of the message the button is on (``views.open`` within 3 s of the click)."""
        await ack()
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id", ""))
        thread = str(container.get("message_ts") or (body.get("message") or {}).get("ts", ""))
        user_id = str((body.get("user") or {}).get("id", ""))
        round_ = await self.deps.round_in_thread(_team(body), channel, thread)
        if round_ is None or round_.state is not RoundState.OPEN:
            await self._tell(channel, user_id, "answer.closed")
            return
        view = private_answer_view(channel, thread, self.deps.language)
        try:
            with platform_errors("opening the private answer modal"):
                await self.deps.platform.client.views_open(trigger_id=body.get("trigger_id"), view=view)
        except PlatformError as exc:
            log.warning("%s", exc)

    async def on_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Store the private answer, then close the modal; errors keep it open with the reason under the field."""
        language = self.deps.language
        try:
            target = json.loads(view.get("private_metadata") or "{}")
            channel, thread = str(target["channel"]), str(target["thread"])
        except (ValueError, KeyError, TypeError):
            await ack(response_action="errors", errors={PRIVATE_ANSWER_BLOCK: text("answer.closed", language)})
            return
        values = (view.get("state") or {}).get("values") or {}
        answer = str(((values.get(PRIVATE_ANSWER_BLOCK) or {}).get(PRIVATE_ANSWER_INPUT) or {}).get("value") or "")
        if not answer.strip():
            await ack(response_action="errors", errors={PRIVATE_ANSWER_BLOCK: text("answer.empty", language)})
            return
        user_id = str((body.get("user") or {}).get("id", ""))
        round_ = await self.deps.round_in_thread(_team(body), channel, thread)
        receipt = None
        if round_ is not None:
            member = await self.deps.members.member(user_id)
            # Modal input is what the member typed, not Slack-escaped message text: stored as is.
            receipt = await self.deps.quiz.answer(round_, member, answer, message_id=None, private=True)
        if receipt is None:
            await ack(response_action="errors", errors={PRIVATE_ANSWER_BLOCK: text("answer.closed", language)})
            return
        # Closing the modal is the member's receipt, so it happens only once the answer is stored.
        await ack()
        await self._tell(channel, user_id, "answer.late" if receipt.late else "answer.private_saved")

    async def _tell(self, channel: str, user_id: str, key: str) -> None:
        await self.deps.platform.post_ephemeral(channel, user_id, reply_message([text(key, self.deps.language)]))


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id", ""))
