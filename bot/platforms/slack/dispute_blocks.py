"""Block Kit for disputes: the member's menu of disputable concepts and the notice admins decide on.

The menu's option values carry the round and its thread, and name the concept as ``bot.platforms.dispute_choice``
describes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.models import Dispute
from bot.messages import Language, text
from bot.platforms.dispute_choice import choice_token, chosen_concept
from bot.platforms.slack.blocks import Block, SlackMessage, button, reply_message, section
from bot.platforms.slack.mrkdwn import escape
from bot.render import dispute_notice

DISPUTE_CONCEPT = "quiz_dispute_concept"
DISPUTE_ACCEPT = "quiz_dispute_accept"
DISPUTE_REJECT = "quiz_dispute_reject"
DISPUTE_MENU_BLOCK = "quiz_dispute_menu"
DISPUTE_DECISION_BLOCK = "quiz_dispute_decision"

MAX_OPTIONS = 25
OPTION_TEXT_LIMIT = 75
PLACEHOLDER_LIMIT = 150


@dataclass(frozen=True)
class ConceptChoice:
    """What a chosen menu option names: the round, its thread, and the concept (see ``dispute_choice``)."""

    round_id: int
    thread_ts: str
    token: str

    def value(self) -> str:
        return f"{self.round_id}:{self.thread_ts}:{self.token}"

    @classmethod
    def parse(cls, value: str) -> ConceptChoice | None:
        parts = value.split(":", 2)
        if len(parts) != 3 or not parts[0].isdigit():
            return None
        return cls(int(parts[0]), parts[1], parts[2])

    def concept_in(self, concepts: Sequence[str]) -> str | None:
        """The chosen concept in the list as it is now, or None if the member may no longer dispute it."""
        return chosen_concept(self.token, concepts)


def concept_menu(round_id: int, thread_ts: str, concepts: Sequence[str], language: Language) -> SlackMessage:
    """The ephemeral question "which concept should count?" with a menu of the member's disputable concepts."""
    options = [
        {
            "text": {"type": "plain_text", "text": _clip(concept, OPTION_TEXT_LIMIT)},
            "value": ConceptChoice(round_id, thread_ts, choice_token(index, concept)).value(),
        }
        for index, concept in enumerate(concepts[:MAX_OPTIONS])
    ]
    question = text("dispute.choose", language)
    menu: Block = {
        "type": "actions",
        "block_id": DISPUTE_MENU_BLOCK,
        "elements": [
            {
                "type": "static_select",
                "action_id": DISPUTE_CONCEPT,
                "placeholder": {
                    "type": "plain_text",
                    "text": _clip(text("dispute.button", language), PLACEHOLDER_LIMIT),
                },
                "options": options,
            }
        ],
    }
    return SlackMessage(escape(question), (section(escape(question)), menu))


def dispute_notice_message(dispute: Dispute, language: Language) -> SlackMessage:
    """The open dispute in the round's thread, with Accept and Reject buttons that carry its id."""
    notice = reply_message([dispute_notice(dispute, language)])
    decision: Block = {
        "type": "actions",
        "block_id": DISPUTE_DECISION_BLOCK,
        "elements": [
            button(DISPUTE_ACCEPT, text("dispute.accept_button", language), str(dispute.id), style="primary"),
            button(DISPUTE_REJECT, text("dispute.reject_button", language), str(dispute.id), style="danger"),
        ],
    }
    return SlackMessage(notice.text, (*notice.blocks, decision))


def without_buttons(message: dict[str, Any]) -> SlackMessage:
    """A posted notice (as a click's payload carries it) with its buttons taken off, once it is decided."""
    blocks = tuple(b for b in message.get("blocks") or [] if isinstance(b, dict) and b.get("type") != "actions")
    return SlackMessage(str(message.get("text") or ""), blocks)


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
