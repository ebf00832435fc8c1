"""Disputes on Slack: the reveal's "dispute grading" button, the member's concept menu, the admins' decision.

Every id a click needs travels in the click itself (button values, menu option values), so the buttons keep
working after a restart. Replies go to the clicking member only, through the click's ``response_url``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.errors import UserError
from bot.core.ports import PlatformError
from bot.messages import text
from bot.platforms.slack.blocks import SlackMessage, reply_message
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.dispute_blocks import DISPUTE_ACCEPT, ConceptChoice, concept_menu, without_buttons
from bot.render import platform_error_text

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]
Respond = Callable[..., Awaitable[Any]]


class DisputeActions:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps

    async def on_dispute_button(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """The reveal's button: show the member the concepts they may dispute, or say there are none."""
        await ack()
        language = self.deps.language
        value = _action(body).get("value")
        thread = str((body.get("message") or {}).get("thread_ts") or "")
        round_ = await self.deps.round_in_thread(_team(body), _channel(body), thread)
        if round_ is None or str(round_.id) != str(value):
            await _reply(respond, reply_message([text("error.dispute-not-revealed", language)]))
            return
        concepts = await self.deps.quiz.disputable_concepts(round_.id, _user(body))
        if not concepts:
            await _reply(respond, reply_message([text("dispute.nothing", language)]))
            return
        await _reply(respond, concept_menu(round_.id, thread, concepts, language))

    async def on_concept_chosen(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """The member chose a concept: open the dispute, post its notice in the thread, replace the menu."""
        await ack()
        language = self.deps.language
        selected = _action(body).get("selected_option") or {}
        choice = ConceptChoice.parse(str(selected.get("value") or ""))
        round_ = (
            None if choice is None else await self.deps.round_in_thread(_team(body), _channel(body), choice.thread_ts)
        )
        if choice is None or round_ is None or round_.id != choice.round_id:
            await _reply(respond, reply_message([text("error.dispute-not-revealed", language)]), replace=True)
            return
        user_id = _user(body)
        concept = choice.concept_in(await self.deps.quiz.disputable_concepts(round_.id, user_id))
        try:
            if concept is None:
                label = str((selected.get("text") or {}).get("text") or "")
                raise UserError("error.dispute-not-disputable", concept=label)
            dispute = await self.deps.quiz.open_dispute(round_.id, user_id, concept)
            await self.deps.platform.post_dispute_notice(round_, dispute)
            reply = text("dispute.sent", language)
        except UserError as exc:
            reply = text(exc.key, language, **exc.values)
        except PlatformError as exc:
            # The dispute is stored; only its notice is missing, which the member must hear about.
            log.warning("%s", exc)
            reply = platform_error_text(exc, language)
        await _reply(respond, reply_message([reply]), replace=True)

    async def on_decision(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """Accept or Reject on a notice: admins decide once, then the notice loses its buttons."""
        await ack()
        language = self.deps.language
        action = _action(body)
        user_id = _user(body)
        if not await self.deps.members.is_admin(user_id):
            await _reply(respond, reply_message([text("dispute.admin_only", language)]))
            return
        value = str(action.get("value") or "")
        try:
            if not value.isdigit():
                raise UserError("error.dispute-unknown")
            accept = action.get("action_id") == DISPUTE_ACCEPT
            await self.deps.quiz.decide_dispute(int(value), accept=accept, admin_id=user_id)
            reply = text("dispute.decided_ack", language)
        except UserError as exc:
            reply = text(exc.key, language, **exc.values)
            if exc.key != "error.dispute-decided":
                await _reply(respond, reply_message([reply]))
                return
        # Decided now or before: either way the buttons have nothing left to do.
        await self._close_notice(body)
        await _reply(respond, reply_message([reply]))

    async def _close_notice(self, body: dict[str, Any]) -> None:
        message = body.get("message")
        ts = (body.get("container") or {}).get("message_ts")
        if isinstance(message, dict) and ts:
            await self.deps.platform.close_dispute_notice(_channel(body), str(ts), without_buttons(message))


async def _reply(respond: Respond, message: SlackMessage, *, replace: bool = False) -> None:
    """An ephemeral reply to the clicking member; ``replace`` swaps it for the ephemeral message clicked in."""
    try:
        await respond(
            text=message.text,
            blocks=list(message.blocks),
            response_type="ephemeral",
            replace_original=replace,
        )
    except Exception:
        log.exception("could not answer a dispute click")


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    first = actions[0]
    return first if isinstance(first, dict) else {}


def _channel(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str(container.get("channel_id") or (body.get("channel") or {}).get("id", ""))


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id", ""))
