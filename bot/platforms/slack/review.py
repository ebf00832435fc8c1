"""Personal review on Slack: the due card with its "Answer" button and modal, the graded result with "I knew it /
I didn't" and "Next card", the rating buttons under every reveal, the "forget me" confirmation, and files (a
notebook, an export) uploaded to the member's direct messages with the bot. Replies go to the member only.

Every id a click needs travels in the click itself (button values, the modal's ``private_metadata``), so the
buttons keep working after a restart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.commands import (
    AnswerReview,
    Caller,
    Command,
    ExportReply,
    ForgetPrompt,
    MeForget,
    NotebookReply,
    OverrideRating,
    RateReview,
    Reply,
    Review,
    ReviewCardReply,
    ReviewResultReply,
    TooEasy,
    run,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey
from bot.core.ports import PlatformError
from bot.core.review.cards import Verdict
from bot.messages import Language, text
from bot.platforms.review_options import export_file_name, notebook_files
from bot.platforms.slack.blocks import Block, SlackMessage, button, reply_message, section
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.errors import platform_errors
from bot.platforms.slack.mrkdwn import escape
from bot.platforms.slack.platform import PLATFORM
from bot.render import platform_error_text, reply_blocks

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]
Respond = Callable[..., Awaitable[Any]]

REVIEW_ANSWER = "quiz_review_answer"  # value: "card id:reviews when shown"
REVIEW_VIEW = "quiz_review_view"
REVIEW_BLOCK = "review_answer"
REVIEW_INPUT = "review_answer_input"
REVIEW_NEXT = "quiz_review_next"
# Under a graded review (value: the review id) and under a reveal (value: the round id), one per verdict.
REVIEW_RATE = {Verdict.KNEW: "quiz_review_knew", Verdict.DIDNT: "quiz_review_didnt"}
ROUND_RATE = {Verdict.KNEW: "quiz_rate_knew", Verdict.DIDNT: "quiz_rate_didnt", Verdict.TOO_EASY: "quiz_rate_too_easy"}
FORGET = "quiz_forget"  # value: the member it was shown to
# Notebook files on Slack: its uploads take far more, a Markdown part of this size is plenty to read.
SLACK_FILE_BYTES = 10 * 1024 * 1024
MAX_INPUT = 3000


# -- messages -------------------------------------------------------------------------------------------------


def actions(block_id: str, *elements: Block) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def round_rating_block(round_id: int, language: Language) -> Block:
    """ "I knew it", "I didn't", "Too easy" under a reveal: each acts on the clicking member's own card."""
    return actions(
        "quiz_rate",
        *(button(ROUND_RATE[v], text(f"review.button.{v.value}", language), str(round_id)) for v in ROUND_RATE),
    )


def personal_message(reply: Reply, language: Language) -> SlackMessage:
    """A personal-review reply for the member alone, with the buttons it needs."""
    base = reply_message(reply_blocks(reply, language))
    extra: list[Block] = []
    match reply:
        case ReviewCardReply(due) if due is not None:
            value = f"{due.card.id}:{due.card.reviews}"
            label = text("review.answer.button", language)
            extra.append(actions("quiz_review", button(REVIEW_ANSWER, label, value, style="primary")))
        case ReviewResultReply(result):
            review_id = str(result.review.id)
            extra.append(
                actions(
                    "quiz_review",
                    *(
                        button(REVIEW_RATE[v], text(f"review.button.{v.value}", language), review_id)
                        for v in REVIEW_RATE
                    ),
                    button(REVIEW_NEXT, text("review.next.button", language), "next", style="primary"),
                )
            )
        case ForgetPrompt(member):
            extra.append(
                actions(
                    "quiz_forget", button(FORGET, text("forget.button", language), member.member_id, style="danger")
                )
            )
    return SlackMessage(base.text, (*base.blocks, *extra))


def review_modal(card_id: int, reviews: int, question: str, channel_id: str, language: Language) -> Block:
    """The form a due card is answered in; ``private_metadata`` names the card as shown and where to reply."""
    return {
        "type": "modal",
        "callback_id": REVIEW_VIEW,
        "private_metadata": json.dumps({"card": card_id, "reviews": reviews, "channel": channel_id}),
        "title": {"type": "plain_text", "text": text("review.answer.title", language)[:24]},
        "submit": {"type": "plain_text", "text": text("slack.modal.submit", language)[:24]},
        "close": {"type": "plain_text", "text": text("slack.modal.cancel", language)[:24]},
        "blocks": [
            section(escape(question)),
            {
                "type": "input",
                "block_id": REVIEW_BLOCK,
                "label": {"type": "plain_text", "text": text("review.answer.label", language)},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REVIEW_INPUT,
                    "multiline": True,
                    "max_length": MAX_INPUT,
                },
            },
        ],
    }


async def share_files(deps: SlackDeps, user_id: str, reply: Reply) -> bool:
    """Upload a notebook's or an export's files to the member's direct messages with the bot; False if the reply
    has none. Raises ``PlatformError`` if Slack refused."""
    match reply:
        case NotebookReply(member, files):
            named = notebook_files(member.display_name, files)
        case ExportReply(place, data):
            named = [(export_file_name(place), data)]
        case _:
            return False
    client = deps.platform.client
    with platform_errors(f"sending files to {user_id}"):
        opened = await client.conversations_open(users=user_id)
        direct = str((opened.get("channel") or {}).get("id"))
        await client.files_upload_v2(
            channel=direct,
            file_uploads=[{"content": data, "filename": name, "title": name} for name, data in named],
            initial_comment=escape(reply_blocks(reply, deps.language)[0]),
        )
    return True


# -- clicks and forms -----------------------------------------------------------------------------------------


class ReviewActions:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps

    async def on_answer_button(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """Open the answer form of the card in the button (``views.open`` within 3 s of the click)."""
        await ack()
        card_id, _, reviews = str(_action(body).get("value") or "").partition(":")
        if not (card_id.isdigit() and reviews.isdigit()):
            return
        key = ChannelKey(PLATFORM, _team(body), _channel(body))
        try:
            shown = await run(self.deps.quiz, Review(), key, await self._caller(body))
        except UserError as exc:
            await _reply(respond, reply_message([text(exc.key, self.deps.language, **exc.values)]))
            return
        due = shown.due if isinstance(shown, ReviewCardReply) else None
        if due is None or due.card.id != int(card_id):
            # Answered meanwhile (or not theirs): show what is due now instead of a stale form.
            await _reply(respond, personal_message(shown, self.deps.language))
            return
        view = review_modal(due.card.id, int(reviews), due.question.question, _channel(body), self.deps.language)
        try:
            with platform_errors("opening the review form"):
                await self.deps.platform.client.views_open(trigger_id=body.get("trigger_id"), view=view)
        except PlatformError as exc:
            log.warning("%s", exc)

    async def on_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Close the form at once (grading may take longer than Slack waits), then grade the answer and show the
        result privately in the channel the card was shown in."""
        language = self.deps.language
        try:
            target = json.loads(view.get("private_metadata") or "{}")
            card_id, reviews, channel = int(target["card"]), int(target["reviews"]), str(target["channel"])
        except (ValueError, KeyError, TypeError):
            await ack(response_action="errors", errors={REVIEW_BLOCK: text("review.error.no-card", language)})
            return
        values = (view.get("state") or {}).get("values") or {}
        answer = str(((values.get(REVIEW_BLOCK) or {}).get(REVIEW_INPUT) or {}).get("value") or "")
        if not answer.strip():
            await ack(response_action="errors", errors={REVIEW_BLOCK: text("answer.empty", language)})
            return
        await ack()
        key = ChannelKey(PLATFORM, _team(body), channel)
        message = await self._run(AnswerReview(card_id, reviews, answer), key, await self._caller(body))
        await self.deps.platform.post_ephemeral(channel, _user(body), message)

    async def on_rate_review(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        action = _action(body)
        verdict = next(v for v, action_id in REVIEW_RATE.items() if action_id == action.get("action_id"))
        value = str(action.get("value") or "")
        if not value.isdigit():
            return
        await self._answer(body, respond, RateReview(int(value), verdict))

    async def on_round_rate(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        action = _action(body)
        verdict = next(v for v, action_id in ROUND_RATE.items() if action_id == action.get("action_id"))
        value = str(action.get("value") or "")
        if not value.isdigit():
            return
        command: Command = (
            TooEasy(int(value))
            if verdict is Verdict.TOO_EASY
            else OverrideRating(int(value), knew=verdict is Verdict.KNEW)
        )
        await self._answer(body, respond, command)

    async def on_next(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await self._answer(body, respond, Review())

    async def on_forget(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """The confirmation under "forget me": only the member it was shown to can use it."""
        await ack()
        if str(_action(body).get("value") or "") != _user(body):
            await _reply(respond, reply_message([text("review.error.not-yours", self.deps.language)]))
            return
        await self._answer(body, respond, MeForget(confirm=True), replace=True)

    async def _answer(self, body: dict[str, Any], respond: Respond, command: Command, *, replace: bool = False) -> None:
        key = ChannelKey(PLATFORM, _team(body), _channel(body))
        await _reply(respond, await self._run(command, key, await self._caller(body)), replace=replace)

    async def _run(self, command: Command, key: ChannelKey, caller: Caller) -> SlackMessage:
        language = self.deps.language
        try:
            return personal_message(await run(self.deps.quiz, command, key, caller), language)
        except UserError as exc:
            return reply_message([text(exc.key, language, **exc.values)])
        except PlatformError as exc:
            return reply_message([platform_error_text(exc, language)])
        except Exception:
            log.exception("%r by %s failed", command, caller.member.member_id)
            return reply_message([text("slack.error.failed", language)])

    async def _caller(self, body: dict[str, Any]) -> Caller:
        return Caller(await self.deps.members.member(_user(body)))


async def _reply(respond: Respond, message: SlackMessage, *, replace: bool = False) -> None:
    """An ephemeral reply to the clicking member; ``replace`` swaps it for the ephemeral message clicked in."""
    try:
        await respond(
            text=message.text, blocks=list(message.blocks), response_type="ephemeral", replace_original=replace
        )
    except Exception:
        log.exception("could not answer a review click")


def _action(body: dict[str, Any]) -> dict[str, Any]:
    found = (body.get("actions") or [{}])[0]
    return found if isinstance(found, dict) else {}


def _channel(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str(container.get("channel_id") or (body.get("channel") or {}).get("id", ""))


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id", ""))
