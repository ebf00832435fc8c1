"""Block Kit payloads: the question card, its revealed and cancelled states, the reveal, replies and the modal.

Every limit Slack enforces on a message is respected here, so a long reveal is split into several messages
instead of being rejected.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.deck_schema import Category, Question
from bot.core.models import Round, RoundKind
from bot.core.ports import QuestionCard, RevealCard
from bot.messages import Language, text
from bot.platforms.slack.mrkdwn import escape, mrkdwn
from bot.render import category_name, reveal_blocks, split_blocks

Block = dict[str, Any]

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BLOCKS_PER_MESSAGE = 50
# Slack truncates message text past 40,000 characters; stay clear of it with room for the fallback text.
MESSAGE_CHARS = 36_000
FALLBACK_LIMIT = 300

ANSWER_PRIVATELY = "quiz_answer_private"
PRIVATE_ANSWER_VIEW = "quiz_private_answer"
PRIVATE_ANSWER_BLOCK = "answer"
PRIVATE_ANSWER_INPUT = "answer_input"
DISPUTE_GRADING = "quiz_dispute"
BUTTON_TEXT_LIMIT = 75


@dataclass(frozen=True)
class SlackMessage:
    """One message as ``chat.postMessage`` takes it: notification text and blocks."""

    text: str
    blocks: tuple[Block, ...]


def section(mrkdwn_text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn_text[:SECTION_LIMIT]}}


def context(*elements: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": e} for e in elements]}


def header(plain: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(plain, HEADER_LIMIT), "emoji": True}}


def slack_date(when: dt.datetime) -> str:
    """A time every reader sees in their own timezone, with a UTC fallback for clients that cannot format it."""
    fallback = when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def question_title(round_: Round, language: Language) -> str:
    return text("question.title" if round_.kind is RoundKind.DAILY else "question.ondemand_title", language)


def _question_blocks(round_: Round, question: Question, category: Category, language: Language) -> list[Block]:
    difficulty = text(f"difficulty.{question.difficulty.value}", language)
    return [
        header(question_title(round_, language)),
        section(escape(question.question)),
        context(
            f"*{escape(text('question.category', language))}:* {escape(category_name(category, language))}"
            f"  ·  *{escape(text('question.difficulty', language))}:* {escape(difficulty)}"
        ),
    ]


def _fallback(round_: Round, question: Question, language: Language) -> str:
    return escape(_clip(f"{question_title(round_, language)}: {question.question}", FALLBACK_LIMIT))


def question_message(card: QuestionCard, language: Language) -> SlackMessage:
    """The open question: header, question, category and difficulty, reveal time, how to answer, a button."""
    blocks = _question_blocks(card.round, card.question, card.category, language)
    blocks += [
        context(f"⏰ *{escape(text('question.reveal_at', language))}:* {slack_date(card.reveal_at)}"),
        context(escape(text("question.how_to", language))),
        {
            "type": "actions",
            "block_id": "quiz_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ANSWER_PRIVATELY,
                    "text": {"type": "plain_text", "text": text("slack.question.answer_private", language)},
                    "value": str(card.round.id),
                }
            ],
        },
    ]
    return SlackMessage(_fallback(card.round, card.question, language), tuple(blocks))


def closed_question_message(
    round_: Round, question: Question, category: Category, language: Language, *, revealed: bool
) -> SlackMessage:
    """The question after its round ended: no button, a note that it was revealed (see the thread) or cancelled."""
    blocks = _question_blocks(round_, question, category, language)
    note = (
        f"✅ *{escape(text('question.revealed', language))}* · {escape(text('slack.question.see_thread', language))}"
        if revealed
        else f"✖️ *{escape(text('question.cancelled', language))}*"
    )
    blocks.append(context(note))
    return SlackMessage(_fallback(round_, question, language), tuple(blocks))


def reveal_messages(card: RevealCard, language: Language, *, extra: Sequence[Block] = ()) -> list[SlackMessage]:
    """The reveal as thread messages, each under Slack's block, section and text limits; ``extra`` blocks (the
    review rating buttons) close it, once there is a graded answer."""
    title = text("reveal.title", language)
    packed = _pack(mrkdwn(b) for b in reveal_blocks(card, language))
    if card.results and packed:
        # An accessory on the last section, not an actions block of its own: the message keeps its block count,
        # and a retried reveal (which compares blocks by their text) still recognises it.
        packed[-1][-1] = {
            **packed[-1][-1],
            "accessory": button(DISPUTE_GRADING, text("dispute.button", language), str(card.round.id)),
        }
        if extra and len(packed[-1]) + len(extra) > BLOCKS_PER_MESSAGE:
            packed.append([])
        packed[-1].extend(extra)
    return [SlackMessage(escape(title), tuple(blocks)) for blocks in packed]


def button(action_id: str, label: str, value: str, *, style: str | None = None) -> Block:
    """A button element; ``value`` comes back in the click's payload, so it must name what the click acts on."""
    element: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": _clip(label, BUTTON_TEXT_LIMIT)},
        "value": value,
    }
    if style is not None:
        element["style"] = style
    return element


def reply_message(blocks: Sequence[str]) -> SlackMessage:
    """A reply built from ``bot.render`` blocks, for ephemeral answers to commands (one message; they are short)."""
    sections = [section(chunk) for chunk in split_blocks((mrkdwn(b) for b in blocks), SECTION_LIMIT)]
    fallback = escape(_clip(blocks[0].replace("**", ""), FALLBACK_LIMIT)) if blocks else ""
    return SlackMessage(fallback, tuple(sections[:BLOCKS_PER_MESSAGE]))


def _pack(chunks: Iterable[str]) -> list[list[Block]]:
    messages: list[list[Block]] = []
    current: list[Block] = []
    size = 0
    for chunk in split_blocks(chunks, SECTION_LIMIT):
        if current and (len(current) == BLOCKS_PER_MESSAGE or size + len(chunk) > MESSAGE_CHARS):
            messages.append(current)
            current, size = [], 0
        current.append(section(chunk))
        size += len(chunk)
    if current:
        messages.append(current)
    return messages


def private_answer_view(channel_id: str, thread_ts: str, language: Language) -> Block:
    """The modal behind the "answer privately" button; ``private_metadata`` says which round it answers."""
    return {
        "type": "modal",
        "callback_id": PRIVATE_ANSWER_VIEW,
        "private_metadata": json.dumps({"channel": channel_id, "thread": thread_ts}),
        "title": {"type": "plain_text", "text": _clip(text("slack.modal.title", language), 24)},
        "submit": {"type": "plain_text", "text": _clip(text("slack.modal.submit", language), 24)},
        "close": {"type": "plain_text", "text": _clip(text("slack.modal.cancel", language), 24)},
        "blocks": [
            {
                "type": "input",
                "block_id": PRIVATE_ANSWER_BLOCK,
                "label": {"type": "plain_text", "text": text("slack.modal.label", language)},
                "element": {
                    "type": "plain_text_input",
                    "action_id": PRIVATE_ANSWER_INPUT,
                    "multiline": True,
                    "max_length": 3000,
                },
            }
        ],
    }


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
