"""Disputes against a real database: a member disputes a concept, an admin decides once, scores follow."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli.suggest import format_suggestions
from bot.core.errors import UserError
from bot.core.models import ChannelKey, DisputeState, Round
from bot.core.scheduler import QuizScheduler
from bot.core.scoring import ScoringRules, answer_points
from bot.core.service import QuizService
from tests.conftest import RecordingPlatform
from tests.integration.quiz_steps import UNRELATED, answer, labels, member, stored_results, total_points

pytestmark = pytest.mark.backends("sqlite", "postgresql")


@pytest.fixture
async def revealed(
    service: QuizService, scheduler: QuizScheduler, platform: RecordingPlatform, channel_key: ChannelKey
) -> Round:
    """A revealed round in which Alice answered something that earns no concept."""
    round_ = await scheduler.ask(platform, channel_key)
    await answer(service, round_, "Alice", UNRELATED)
    done = await scheduler.reveal_now(channel_key)
    assert done is not None
    return round_


def credit_for_one(service: QuizService, round_: Round, rules: ScoringRules) -> int:
    """Coverage points for one concept of the round's question, as the grader scales them."""
    share = 1 / len(labels(service, round_)) / service.grading.rules.full_marks_at
    return answer_points(rules, min(share, 1.0), late=False).coverage


async def test_a_member_can_dispute_each_concept_marked_missed(service: QuizService, revealed: Round) -> None:
    assert await service.disputable_concepts(revealed.id, "alice") == labels(service, revealed)
    assert await service.disputable_concepts(revealed.id, "bob") == ()


async def test_an_accepted_dispute_rescores_the_answer_and_the_leaderboard_once(
    service: QuizService,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    revealed: Round,
    rules: ScoringRules,
) -> None:
    concept = labels(service, revealed)[0]
    before = await total_points(service, channel_key, "alice")
    dispute = await service.open_dispute(revealed.id, "alice", concept)
    assert dispute.state is DisputeState.OPEN

    decided = await service.decide_dispute(platform, dispute.id, accept=True, admin_id="admin")

    gained = credit_for_one(service, revealed, rules)
    assert decided.state is DisputeState.ACCEPTED and decided.points_delta == gained > 0
    assert await total_points(service, channel_key, "alice") == (before or 0) + gained
    assert (await stored_results(service, revealed.id))["alice"].total == 10 + gained
    outcome = await service.storage.results.outcome(revealed.id)
    assert outcome is not None and concept in outcome.results[0].covered
    assert [d.state for _, d in platform.decisions] == [DisputeState.ACCEPTED]
    with pytest.raises(UserError) as again:
        await service.decide_dispute(platform, dispute.id, accept=True, admin_id="admin")
    assert again.value.key == "error.dispute-decided"
    assert await total_points(service, channel_key, "alice") == (before or 0) + gained


async def test_concurrent_decisions_take_effect_exactly_once(
    service: QuizService, platform: RecordingPlatform, channel_key: ChannelKey, revealed: Round, rules: ScoringRules
) -> None:
    before = await total_points(service, channel_key, "alice") or 0
    dispute = await service.open_dispute(revealed.id, "alice", labels(service, revealed)[0])
    outcomes = await asyncio.gather(
        *(service.decide_dispute(platform, dispute.id, accept=True, admin_id=f"a{i}") for i in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert await total_points(service, channel_key, "alice") == before + credit_for_one(service, revealed, rules)


async def test_a_rejected_dispute_changes_no_points(
    service: QuizService, platform: RecordingPlatform, channel_key: ChannelKey, revealed: Round
) -> None:
    before = await total_points(service, channel_key, "alice")
    dispute = await service.open_dispute(revealed.id, "alice", labels(service, revealed)[0])
    decided = await service.decide_dispute(platform, dispute.id, accept=False, admin_id="admin")
    assert decided.state is DisputeState.REJECTED and decided.points_delta == 0
    assert await total_points(service, channel_key, "alice") == before
    assert [d.state for _, d in platform.decisions] == [DisputeState.REJECTED]


async def test_two_accepted_disputes_of_one_answer_both_count(
    service: QuizService, platform: RecordingPlatform, channel_key: ChannelKey, revealed: Round, rules: ScoringRules
) -> None:
    first, second = labels(service, revealed)[:2]
    for concept in (first, second):
        dispute = await service.open_dispute(revealed.id, "alice", concept)
        await service.decide_dispute(platform, dispute.id, accept=True, admin_id="admin")
    outcome = await service.storage.results.outcome(revealed.id)
    assert outcome is not None and {first, second} <= set(outcome.results[0].covered)
    share = min(2 / len(labels(service, revealed)) / service.grading.rules.full_marks_at, 1.0)
    assert (await stored_results(service, revealed.id))["alice"].total == 10 + answer_points(
        rules, share, late=False
    ).coverage


@pytest.mark.parametrize(
    ("who", "concept", "code"),
    [
        ("bob", None, "dispute-no-answer"),
        ("alice", "no such concept", "dispute-not-disputable"),
    ],
)
async def test_a_dispute_that_cannot_be_made_is_refused(
    service: QuizService, revealed: Round, who: str, concept: str | None, code: str
) -> None:
    with pytest.raises(UserError) as refused:
        await service.open_dispute(revealed.id, who, concept or labels(service, revealed)[0])
    assert refused.value.key == f"error.{code}"


async def test_the_same_concept_cannot_be_disputed_twice(service: QuizService, revealed: Round) -> None:
    concept = labels(service, revealed)[0]
    await service.open_dispute(revealed.id, "alice", concept)
    with pytest.raises(UserError) as refused:
        await service.open_dispute(revealed.id, "alice", concept)
    assert refused.value.key == "error.dispute-exists"


async def test_an_open_round_cannot_be_disputed(
    service: QuizService, scheduler: QuizScheduler, platform: RecordingPlatform, channel_key: ChannelKey
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    await service.record_answer(round_, member("Alice"), UNRELATED, message_id="a1")
    with pytest.raises(UserError) as refused:
        await service.open_dispute(round_.id, "alice", labels(service, round_)[0])
    assert refused.value.key == "error.dispute-not-revealed"


async def test_accepted_wordings_are_suggested_per_question_and_concept(
    service: QuizService, platform: RecordingPlatform, revealed: Round
) -> None:
    concept = labels(service, revealed)[0]
    dispute = await service.open_dispute(revealed.id, "alice", concept)
    await service.decide_dispute(platform, dispute.id, accept=True, admin_id="admin")
    printed = format_suggestions(await service.storage.disputes.accepted_wordings())
    assert f"{revealed.deck_id}/{revealed.question_id}" in printed
    assert f"concept: {concept} (1 accepted)" in printed
    assert UNRELATED in printed


async def test_open_disputes_are_listed_for_the_channel(
    service: QuizService, channel_key: ChannelKey, revealed: Round
) -> None:
    dispute = await service.open_dispute(revealed.id, "alice", labels(service, revealed)[0])
    assert [d.id for d in await service.open_disputes(channel_key)] == [dispute.id]
