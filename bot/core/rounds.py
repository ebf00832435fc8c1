"""Scoring a round at its reveal: the grader's judgement, votes and streaks turned into points."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.grading import Judgement
from bot.core.models import RevealInput, RoundKind, ScoredAnswer
from bot.core.scoring import ScoringRules, answer_points, next_streak, streak_bonus, vote_points


def score_round(
    inputs: RevealInput, rules: ScoringRules, grade_all: Callable[[Sequence[str]], Sequence[Judgement]]
) -> list[ScoredAnswer]:
    """Score every on-time answer of a round being revealed, in answer order; all are graded in one call."""
    scored = []
    daily = inputs.round.kind is RoundKind.DAILY
    judgements = grade_all([answer.text for answer in inputs.answers])
    for answer, coverage in zip(inputs.answers, judgements, strict=True):
        points = answer_points(rules, coverage.score, late=False)
        streak = 0
        if daily:
            before = inputs.streaks.get(answer.member.member_id)
            streak = next_streak(
                before.current if before else 0,
                inputs.previous_daily_round_id,
                before.last_round_id if before else None,
            )
        scored.append(
            ScoredAnswer(
                answer_id=answer.answer_id,
                member_id=answer.member.member_id,
                covered=coverage.covered,
                missed=coverage.missed,
                named=coverage.named,
                contradicted=coverage.contradicted,
                misconceptions=coverage.misconceptions,
                coverage=coverage.score,
                answer_points=points.answer,
                coverage_points=points.coverage,
                vote_points=vote_points(rules, answer.votes, late=False),
                streak=streak,
                streak_bonus=streak_bonus(rules, streak) if daily else 0,
            )
        )
    return scored
