"""Fairer boards beside the points leaderboard: the caller among their neighbours, and accuracy (the mean grade of
a member's answers) for those who answered often enough that a mean says something.

Points reward turning up; accuracy rewards being right, so a member who joined late or answers less often still
has a board to climb. Equal means share a rank, as equal points do (``bot.core.ranking``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.models import LeaderboardRow, Member, Period
from bot.core.ranking import competition_ranks

# A mean of fewer answers than this is luck more than accuracy: such members are not ranked (but see their own).
MIN_ACCURACY_ANSWERS = 3
# Members shown on either side of the caller on the board around them.
NEIGHBOURS = 2


class BoardView(StrEnum):
    TOP = "top"  # points, from the top
    AROUND = "around"  # points, the caller with the members just above and below
    ACCURACY = "accuracy"  # the mean grade of each member's answers


@dataclass(frozen=True)
class MemberAccuracy:
    """What storage counts: a member's scored on-time answers in a period and their mean grade (0..1)."""

    member: Member
    answers: int
    mean: float


@dataclass(frozen=True)
class AccuracyRow:
    rank: int
    member: Member
    answers: int
    mean: float


@dataclass(frozen=True)
class AccuracyBoard:
    """The accuracy board of a period. ``caller``: the caller's row if ranked; ``caller_stats``: their own mean
    and answers either way (``None`` without any answer in the period)."""

    period: Period
    period_start: dt.date | None
    timezone: str
    min_answers: int
    rows: tuple[AccuracyRow, ...]
    ranked: int  # members with at least ``min_answers`` answers
    caller: AccuracyRow | None = None
    caller_stats: MemberAccuracy | None = None


def rank_accuracy(members: Sequence[MemberAccuracy], min_answers: int) -> list[AccuracyRow]:
    """Members with at least ``min_answers`` answers, by mean grade (in whole tenths of a percent, so means that
    print alike tie), more answers first among equals, then by member id."""
    eligible = sorted(
        (m for m in members if m.answers >= min_answers),
        key=lambda m: (-_tenths(m.mean), -m.answers, m.member.member_id),
    )
    ranks = competition_ranks([_tenths(m.mean) for m in eligible])
    return [AccuracyRow(rank, m.member, m.answers, m.mean) for rank, m in zip(ranks, eligible, strict=True)]


def accuracy_board(
    members: Sequence[MemberAccuracy],
    *,
    period: Period,
    period_start: dt.date | None,
    timezone: str,
    caller_id: str | None,
    min_answers: int = MIN_ACCURACY_ANSWERS,
    limit: int = 10,
) -> AccuracyBoard:
    rows = rank_accuracy(members, min_answers)
    caller = next((r for r in rows if r.member.member_id == caller_id), None)
    stats = next((m for m in members if m.member.member_id == caller_id), None)
    return AccuracyBoard(
        period=period,
        period_start=period_start,
        timezone=timezone,
        min_answers=min_answers,
        rows=tuple(rows[:limit]),
        ranked=len(rows),
        caller=caller,
        caller_stats=stats,
    )


def around(rows: Sequence[LeaderboardRow], caller_id: str, reach: int = NEIGHBOURS) -> tuple[LeaderboardRow, ...]:
    """The caller's row with up to ``reach`` rows above and below it, from a board listed from the top; empty if
    the caller is not on it."""
    index = next((i for i, row in enumerate(rows) if row.member.member_id == caller_id), None)
    if index is None:
        return ()
    return tuple(rows[max(0, index - reach) : index + reach + 1])


def _tenths(mean: float) -> int:
    return round(mean * 1000)
