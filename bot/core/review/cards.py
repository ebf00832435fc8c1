"""Review cards and their schedule: one card per member and question, scheduled by FSRS in whole days.

A card's memory (FSRS stability, difficulty and state) is opaque outside this module: it is stored as text and
only ``ReviewPolicy`` reads or writes it. A card is always what its review history makes it (``ReviewPolicy.replay``),
so a member's later correction of one rating ("I knew it") reschedules the card as if it had been rated so at once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

import fsrs

from bot.core.models import GuildKey


class Rating(IntEnum):
    """How well the member recalled the answer; the values are FSRS's."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class ReviewSource(StrEnum):
    ROUND = "round"  # the member's on-time answer in a revealed round of the group drill
    PRACTICE = "practice"  # a personal review of a due card


class Verdict(StrEnum):
    """A member's one-tap correction of an automatic rating, after they saw the reference answer."""

    KNEW = "knew"
    DIDNT = "didnt"
    TOO_EASY = "too-easy"

    @property
    def rating(self) -> Rating:
        return _VERDICT_RATINGS[self]


_VERDICT_RATINGS = {Verdict.KNEW: Rating.GOOD, Verdict.DIDNT: Rating.AGAIN, Verdict.TOO_EASY: Rating.EASY}


@dataclass(frozen=True)
class Signals:
    """What is known of an answer besides its grade. Only objective signals: a grade alone never says Hard
    (the grader cannot tell a struggle) nor Easy (only the member can say a question was too easy)."""

    hinted: bool = False  # the member asked for a hint before answering
    too_easy: bool = False  # the member tapped "too easy"


def rating_for(score: float, pass_mark: float, signals: Signals = Signals()) -> Rating:
    """The automatic rating of an answer graded ``score`` (0..1): below the pass mark Again, else Good; Hard
    for a pass after a hint; Easy only on the member's own "too easy"."""
    if signals.too_easy:
        return Rating.EASY
    if score < pass_mark:
        return Rating.AGAIN
    return Rating.HARD if signals.hinted else Rating.GOOD


@dataclass(frozen=True)
class CardKey:
    """A card's identity: one card per member of a guild and question, ever."""

    guild: GuildKey
    member_id: str
    deck_id: str
    question_id: str


# FSRS's state of a card never reviewed; stored as JSON in ``Card.memory``, with a version for later changes.
_MEMORY_VERSION = 1
NEW_MEMORY = json.dumps(
    {"v": _MEMORY_VERSION, "state": int(fsrs.State.Learning), "step": 0, "stability": None, "difficulty": None}
)


@dataclass(frozen=True, kw_only=True)
class Card:
    """A member's review card of one question.

    ``reviews`` counts the reviews that shaped it (round answers and personal reviews) and ``lapses`` the ones
    rated Again after the first; ``id`` is assigned by storage (0 before it is stored).
    """

    guild: GuildKey
    member_id: str
    deck_id: str
    question_id: str
    category: str
    created_at: dt.datetime
    due: dt.datetime
    memory: str = NEW_MEMORY
    reviews: int = 0
    lapses: int = 0
    last_review: dt.datetime | None = None
    last_rating: Rating | None = None
    id: int = 0

    @property
    def key(self) -> CardKey:
        return CardKey(self.guild, self.member_id, self.deck_id, self.question_id)

    @property
    def is_new(self) -> bool:
        return self.reviews == 0

    @property
    def stability(self) -> float | None:
        """FSRS stability in days (about the interval at 90% recall), ``None`` before the first review."""
        value = json.loads(self.memory).get("stability")
        return None if value is None else float(value)


@dataclass(frozen=True, kw_only=True)
class NewReview:
    """A review to record. ``round_id`` names the revealed round a ``ROUND`` review comes from; ``score`` is the
    grade (0..1) the rating came from, if any."""

    at: dt.datetime
    rating: Rating
    source: ReviewSource
    round_id: int | None = None
    score: float | None = None


@dataclass(frozen=True, kw_only=True)
class Review:
    """A recorded review. ``auto_rating`` is what the rules gave; ``rating`` differs when the member overrode it."""

    id: int
    card_id: int
    at: dt.datetime
    rating: Rating
    auto_rating: Rating
    source: ReviewSource
    round_id: int | None = None
    score: float | None = None

    @property
    def overridden(self) -> bool:
        return self.rating != self.auto_rating


@dataclass(frozen=True)
class ReviewPolicy:
    """How cards are rated and scheduled: the pass mark and FSRS's settings.

    A daily drill meets a member once a day at most, so there are no minute-long learning steps: every review,
    even a card's first or a failed one, schedules the card whole days ahead (FSRS without learning and relearning
    steps). ``fuzz`` spreads intervals a little so cards learnt together do not stay due together; tests turn it
    off to get exact intervals.
    """

    pass_mark: float = 0.5
    desired_retention: float = 0.9
    maximum_interval_days: int = 365
    fuzz: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.pass_mark <= 1.0:
            raise ValueError("pass_mark must be in (0, 1]")
        if not 0.0 < self.desired_retention < 1.0:
            raise ValueError("desired_retention must be in (0, 1)")
        if self.maximum_interval_days < 1:
            raise ValueError("maximum_interval_days must be at least 1")

    @cached_property
    def _scheduler(self) -> fsrs.Scheduler:
        return fsrs.Scheduler(
            desired_retention=self.desired_retention,
            learning_steps=(),
            relearning_steps=(),
            maximum_interval=self.maximum_interval_days,
            enable_fuzzing=self.fuzz,
        )

    # -- rating --------------------------------------------------------------------------------------------

    def rate(self, score: float, signals: Signals = Signals()) -> Rating:
        return rating_for(score, self.pass_mark, signals)

    def passed(self, score: float) -> bool:
        return score >= self.pass_mark

    # -- scheduling ----------------------------------------------------------------------------------------

    def new_card(self, key: CardKey, *, category: str, now: dt.datetime, due: dt.datetime | None = None) -> Card:
        """A card never reviewed, due at once (or at ``due``)."""
        at = _utc(now)
        return Card(
            guild=key.guild,
            member_id=key.member_id,
            deck_id=key.deck_id,
            question_id=key.question_id,
            category=category,
            created_at=at,
            due=_utc(due) if due is not None else at,
        )

    def schedule(self, card: Card, rating: Rating, now: dt.datetime) -> Card:
        """The card after a review rated ``rating`` at ``now``."""
        at = _utc(now)
        if card.last_review is not None and at < card.last_review:
            raise ValueError("reviews are scheduled in time order; replay the history for an earlier one")
        after, _ = self._scheduler.review_card(_to_fsrs(card), fsrs.Rating(int(rating)), at)
        lapsed = rating is Rating.AGAIN and not card.is_new
        return replace(
            card,
            due=after.due,
            memory=_memory_of(after),
            reviews=card.reviews + 1,
            lapses=card.lapses + int(lapsed),
            last_review=at,
            last_rating=rating,
        )

    def replay(self, card: Card, reviews: Iterable[Review]) -> Card:
        """The card as its whole review history makes it, from the card as created; the history in any order.

        Stability and difficulty depend on the ratings and on when each review happened, never on when a card
        was due, so replaying a history gives the same card whatever fuzzing did to the intervals in between.
        """
        fresh = replace(
            card, memory=NEW_MEMORY, due=card.created_at, reviews=0, lapses=0, last_review=None, last_rating=None
        )
        for review in sorted(reviews, key=lambda r: (r.at, r.id)):
            fresh = self.schedule(fresh, review.rating, review.at)
        return fresh

    def due_before(self, now: dt.datetime, timezone: str) -> dt.datetime:
        """The end of the member's day: a card is due today if it falls due any time before the next local midnight.

        Intervals are whole days counted from the time of a review; a member who reviewed in the evening should see
        the card the next morning, not only the next evening.
        """
        zone = ZoneInfo(timezone)
        today = now.astimezone(zone).date()
        midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        return midnight.astimezone(dt.UTC)

    def due(self, cards: Iterable[Card], now: dt.datetime, timezone: str = "UTC") -> list[Card]:
        """The cards due on the member's day of ``now``, most overdue first."""
        limit = self.due_before(now, timezone)
        return sorted((c for c in cards if c.due < limit), key=lambda c: (c.due, c.id))


def retention(reviews: Sequence[Review]) -> float | None:
    """The share of reviews that recalled a card already reviewed before (first sights are not recall);
    ``None`` when there is none yet."""
    seen: set[int] = set()
    recalled = total = 0
    for review in sorted(reviews, key=lambda r: (r.at, r.id)):
        if review.card_id in seen:
            total += 1
            recalled += review.rating is not Rating.AGAIN
        seen.add(review.card_id)
    return recalled / total if total else None


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("review times must be timezone-aware")
    # FSRS insists on the very ``timezone.utc`` object, not merely a zero offset.
    return value.astimezone(dt.UTC)


def _to_fsrs(card: Card) -> fsrs.Card:
    memory = json.loads(card.memory)
    stability, difficulty = memory.get("stability"), memory.get("difficulty")
    # An explicit id: FSRS would otherwise take the clock's milliseconds and sleep a millisecond to keep them apart.
    return fsrs.Card(
        card_id=max(card.id, 1),
        state=fsrs.State(int(memory["state"])),
        step=memory.get("step"),
        stability=None if stability is None else float(stability),
        difficulty=None if difficulty is None else float(difficulty),
        due=card.due.astimezone(dt.UTC),
        last_review=None if card.last_review is None else card.last_review.astimezone(dt.UTC),
    )


def _memory_of(card: fsrs.Card) -> str:
    return json.dumps(
        {
            "v": _MEMORY_VERSION,
            "state": int(card.state),
            "step": card.step,
            "stability": card.stability,
            "difficulty": card.difficulty,
        }
    )
