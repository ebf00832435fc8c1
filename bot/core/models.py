"""Domain values shared by the core, storage and platform adapters.

Platform ids (guilds, channels, members, messages) are opaque strings here; the adapters own their meaning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class RoundKind(StrEnum):
    DAILY = "daily"
    ON_DEMAND = "ondemand"


class RoundState(StrEnum):
    PENDING = "pending"  # claimed, question chosen, not yet visible on the platform
    OPEN = "open"
    REVEALING = "revealing"  # scores fixed; the reveal message may not have been posted yet
    REVEALED = "revealed"
    CANCELLED = "cancelled"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True)
class ChannelKey:
    """A chat channel as the platform knows it."""

    platform: str
    guild_id: str
    channel_id: str


@dataclass(frozen=True)
class GuildKey:
    platform: str
    guild_id: str


@dataclass(frozen=True)
class Schedule:
    """When a channel's daily question is posted."""

    post_time: dt.time = dt.time(9, 0)
    weekdays: frozenset[int] = frozenset(range(7))  # Monday is 0, as in datetime.weekday()
    timezone: str = "Asia/Seoul"


@dataclass(frozen=True)
class ChannelSettings:
    """A quiz channel's stored configuration."""

    ref: int
    key: ChannelKey
    schedule: Schedule
    daily_reveal_delay: dt.timedelta
    on_demand_reveal_delay: dt.timedelta
    decks: tuple[str, ...]
    paused: bool
    enabled: bool = True


@dataclass(frozen=True)
class Round:
    id: int
    channel_ref: int
    channel: ChannelKey
    kind: RoundKind
    state: RoundState
    deck_id: str
    question_id: str
    opened_at: dt.datetime
    reveal_at: dt.datetime
    slot: dt.datetime | None = None
    message_id: str | None = None
    thread_id: str | None = None
    revealed_at: dt.datetime | None = None


@dataclass(frozen=True)
class Member:
    member_id: str
    display_name: str


@dataclass(frozen=True)
class AnswerReceipt:
    """What the core did with a member's message."""

    answer_id: int
    round_id: int
    status: str  # "recorded", "replaced", "unchanged" (the same message again), "late", "withdrawn"
    late: bool
    private: bool
    truncated: bool = False  # only the first ``MAX_ANSWER_CHARS`` characters were kept and are graded


@dataclass(frozen=True)
class VoteResult:
    counted: bool
    reason: str  # "counted", "self", "duplicate", "no-answer", "removed", "capped"


@dataclass(frozen=True)
class MisconceptionNote:
    """A wrong claim the grader found in an answer, with what is right instead."""

    claim: str
    correction: str | None = None


@dataclass(frozen=True, kw_only=True)
class Points:
    """A member's scored outcome in one round: what the grader found in the answer, and points of each kind.

    ``covered`` concepts were claimed, ``named`` ones only listed, ``contradicted`` ones denied, ``missed`` ones
    absent; ``misconceptions`` are wrong claims the answer made.
    """

    covered: tuple[str, ...]
    missed: tuple[str, ...]
    named: tuple[str, ...] = ()
    contradicted: tuple[str, ...] = ()
    misconceptions: tuple[MisconceptionNote, ...] = ()
    coverage: float
    answer_points: int
    coverage_points: int
    vote_points: int
    streak: int
    streak_bonus: int

    @property
    def total(self) -> int:
        return self.answer_points + self.coverage_points + self.vote_points + self.streak_bonus

    def scored_fields(self) -> dict[str, Any]:
        """Just the scored part, to build another kind of ``Points`` from this one."""
        return {f.name: getattr(self, f.name) for f in fields(Points)}


@dataclass(frozen=True, kw_only=True)
class MemberResult(Points):
    """One member's outcome in a revealed round, with the answer it scores."""

    member: Member
    answer_text: str
    private: bool
    late: bool


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    member: Member
    points: int
    answers: int


@dataclass(frozen=True)
class Leaderboard:
    period: Period
    period_start: dt.date | None
    timezone: str
    rows: tuple[LeaderboardRow, ...]
    caller: LeaderboardRow | None = None
    total_members: int = 0


@dataclass(frozen=True)
class CategoryCoverage:
    category: str
    answers: int
    average_coverage: float


@dataclass(frozen=True)
class MemberStats:
    member: Member
    rounds_answered: int
    current_streak: int
    best_streak: int
    average_coverage: float
    points: int
    by_category: tuple[CategoryCoverage, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AnswerRecord:
    """A stored answer as the reveal sees it."""

    answer_id: int
    member: Member
    text: str
    private: bool
    late: bool
    votes: int
    message_id: str | None


@dataclass(frozen=True)
class StreakState:
    current: int
    best: int
    last_round_id: int


@dataclass(frozen=True)
class RevealInput:
    """Everything needed to score a round, read in the same transaction that closes it."""

    round: Round
    category: str
    timezone: str
    answers: tuple[AnswerRecord, ...]
    previous_daily_round_id: int | None
    streaks: dict[str, StreakState]


@dataclass(frozen=True, kw_only=True)
class ScoredAnswer(Points):
    answer_id: int
    member_id: str


@dataclass(frozen=True)
class RevealOutcome:
    """A revealed round's results, in answer order, with the answers they score."""

    round: Round
    results: tuple[MemberResult, ...]


@dataclass(frozen=True)
class ChannelDefaults:
    """Settings a channel starts with until an admin changes them."""

    schedule: Schedule = field(default_factory=Schedule)
    daily_reveal_delay: dt.timedelta = dt.timedelta(hours=8)
    on_demand_reveal_delay: dt.timedelta = dt.timedelta(minutes=10)
    decks: tuple[str, ...] = ()  # empty: every loaded deck


class DisputeState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class OpenOutcome(StrEnum):
    """What storage did with a member's request to dispute a concept."""

    OPENED = "opened"
    EXISTS = "exists"  # the member already disputed this concept of this answer
    NO_RESULT = "no-result"  # the member has no scored answer in that round
    NOT_DISPUTABLE = "not-disputable"  # the concept was not marked missed or contradicted


@dataclass(frozen=True)
class Dispute:
    """A member's claim that the grader missed a concept their revealed answer made."""

    id: int
    round_id: int
    member: Member
    concept: str
    state: DisputeState
    wording: str  # the disputed answer's text: what an accepted dispute teaches the rubric
    points_delta: int = 0  # points the decision added to the answer (accepted disputes only)


@dataclass(frozen=True)
class Rescore:
    """An answer's judgement again, with the concepts admins accepted counted as covered."""

    covered: tuple[str, ...]
    named: tuple[str, ...]
    contradicted: tuple[str, ...]
    missed: tuple[str, ...]
    coverage: float
    coverage_points: int


@dataclass(frozen=True)
class AcceptedWording:
    deck_id: str
    question_id: str
    concept: str
    wording: str
