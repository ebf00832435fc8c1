"""The slack-bolt app: which listener handles which request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.answers import AnswerEvents, concerns_answers
from bot.platforms.slack.blocks import ANSWER_PRIVATELY, DISPUTE_GRADING, PRIVATE_ANSWER_VIEW
from bot.platforms.slack.deliveries import DeliveryClaims
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.dispute_blocks import DISPUTE_ACCEPT, DISPUTE_CONCEPT, DISPUTE_REJECT
from bot.platforms.slack.disputes import DisputeActions
from bot.platforms.slack.inflight import InFlight, Listener
from bot.platforms.slack.private import PrivateAnswers
from bot.platforms.slack.review import (
    FORGET,
    REVIEW_ANSWER,
    REVIEW_NEXT,
    REVIEW_RATE,
    REVIEW_VIEW,
    ROUND_RATE,
    ReviewActions,
)
from bot.platforms.slack.slash import QuizCommand

log = logging.getLogger(__name__)

COMMAND = "/quiz"
EVENTS_PATH = "/slack/events"


def build_app(
    deps: SlackDeps,
    client: AsyncWebClient,
    *,
    signing_secret: str | None,
    inflight: InFlight,
    claims: DeliveryClaims,
) -> AsyncApp:
    """A bolt app answering ``/quiz``, thread messages, reactions, the private-answer button and modal, and the
    dispute button, concept menu and decision buttons; each delivery once across the processes sharing ``claims``.

    ``signing_secret`` is required over HTTP, where every request's signature is checked; Socket Mode requests
    arrive on a connection the app token opened and carry no signature.
    """
    app = AsyncApp(
        name="quizbot",
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        logger=logging.getLogger("bot.platforms.slack.bolt"),
    )
    quiz = QuizCommand(deps)
    answers = AnswerEvents(deps)
    private = PrivateAnswers(deps)
    disputes = DisputeActions(deps)
    review = ReviewActions(deps)

    def track(listener: Listener, relevant: Callable[[dict[str, Any]], bool] | None = None) -> Listener:
        # Counted while claiming too, so a shutdown waits for a claim before the database closes.
        return inflight.track(claims.once(listener, relevant=relevant))

    app.command(COMMAND)(track(quiz.handle))
    app.event("message")(track(answers.on_message, concerns_answers))
    app.event("reaction_added")(track(answers.on_reaction_added, concerns_answers))
    app.event("reaction_removed")(track(answers.on_reaction_removed, concerns_answers))
    app.action(ANSWER_PRIVATELY)(track(private.on_button))
    app.view(PRIVATE_ANSWER_VIEW)(track(private.on_submit))
    app.action(DISPUTE_GRADING)(track(disputes.on_dispute_button))
    app.action(DISPUTE_CONCEPT)(track(disputes.on_concept_chosen))
    app.action(DISPUTE_ACCEPT)(track(disputes.on_decision))
    app.action(DISPUTE_REJECT)(track(disputes.on_decision))
    app.action(REVIEW_ANSWER)(track(review.on_answer_button))
    app.view(REVIEW_VIEW)(track(review.on_submit))
    app.action(REVIEW_NEXT)(track(review.on_next))
    app.action(FORGET)(track(review.on_forget))
    for action_id in REVIEW_RATE.values():
        app.action(action_id)(track(review.on_rate_review))
    for action_id in ROUND_RATE.values():
        app.action(action_id)(track(review.on_round_rate))
    app.error(_log_error)
    return app


async def _log_error(error: Exception, body: dict[str, Any]) -> None:
    log.error("handling a Slack %s request failed", body.get("type") or "command", exc_info=error)
