"""Points, streak bonuses and leaderboard periods: pure arithmetic, no storage, no platforms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from bot.core.models import Period


class ScoringRules(BaseModel):
    """Weights of every way to earn points; set in configuration under ``scoring``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: int = Field(10, ge=0, description="points for any on-time answer")
    coverage: int = Field(20, ge=0, description="points for covering every key concept, in proportion")
    vote: int = Field(2, ge=0, description="points per upvote from another member")
    vote_cap: int = Field(5, ge=0, description="upvotes counted per answer at most")
    streak_bonus: int = Field(2, ge=0, description="bonus per consecutive daily round beyond the first")
    streak_bonus_cap: int = Field(10, ge=0, description="largest streak bonus for one round")


@dataclass(frozen=True)
class AnswerPoints:
    answer: int
    coverage: int


def answer_points(rules: ScoringRules, coverage_ratio: float, *, late: bool) -> AnswerPoints:
    """Points for one answer at reveal. A late answer is kept but earns nothing."""
    if late:
        return AnswerPoints(0, 0)
    ratio = min(max(coverage_ratio, 0.0), 1.0)
    # Round half up so that, e.g., 1 of 4 concepts with 10 points gives 3, not banker's-rounded 2.
    return AnswerPoints(rules.answer, int(rules.coverage * ratio + 0.5))


def vote_points(rules: ScoringRules, votes: int, *, late: bool) -> int:
    """Points an answer earns from other members' upvotes, capped per answer."""
    if late:
        return 0
    return min(max(votes, 0), rules.vote_cap) * rules.vote


def streak_bonus(rules: ScoringRules, streak: int) -> int:
    """Bonus for answering ``streak`` consecutive daily rounds (1 means no streak yet)."""
    if streak <= 1:
        return 0
    return min((streak - 1) * rules.streak_bonus, rules.streak_bonus_cap)


def next_streak(previous: int, previous_round_id: int | None, last_answered_round_id: int | None) -> int:
    """The streak after answering a daily round: extended only if the member answered the one before it."""
    if previous_round_id is not None and last_answered_round_id == previous_round_id:
        return previous + 1
    return 1


def week_start(day: dt.date) -> dt.date:
    """Weeks start on Monday."""
    return day - dt.timedelta(days=day.weekday())


def period_key(period: Period, at: dt.datetime, timezone: str) -> str:
    """The storage key of the leaderboard period containing ``at`` in the guild's timezone."""
    if period is Period.ALL:
        return "all"
    local = at.astimezone(ZoneInfo(timezone)).date()
    if period is Period.WEEK:
        return f"W{week_start(local).isoformat()}"
    return f"M{local:%Y-%m}"


def period_start(period: Period, at: dt.datetime, timezone: str) -> dt.date | None:
    """First local day of the period containing ``at``; ``None`` for all time."""
    local = at.astimezone(ZoneInfo(timezone)).date()
    if period is Period.WEEK:
        return week_start(local)
    if period is Period.MONTH:
        return local.replace(day=1)
    return None
