"""The interface a storage backend implements for personal review: cards, reviews, member settings, the history
a notebook is made of, and forgetting a member.

The rules of ``bot.core.ports.storage`` hold here too: **one unit of work per call** (all of a write's effects are
kept or none is, including when a callback it was given raises), **returning means durable**, writes behave as if
they ran one at a time (serializable) whatever the number of stores or processes, callbacks run inside the unit of
work as plain quick synchronous functions that must not call back into the store, and times come back in UTC.

A member is identified by a guild (``GuildKey``) and a member id: the same person in two guilds has two sets of
cards and settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.core.boards import MemberAccuracy
from bot.core.models import GuildKey
from bot.core.ports.storage import VotePoints
from bot.core.review.cards import Card, CardKey, NewReview, Rating, Review
from bot.core.review.records import ForgetReport, RoundResult
from bot.core.review.settings import MemberSettings

Replaying = Callable[[Card, Sequence[Review]], Card]
"""The card as its history makes it: given the stored card and every review of it (in time order, then id), the
card with its schedule (``due``, memory, counts, last review) recomputed. ``ReviewPolicy.replay``."""


class RecordOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # the card already holds a review of this round: nothing changed
    STALE = "stale"  # the card was reviewed since the caller read it (``expected_reviews``): nothing changed
    NO_CARD = "no-card"  # no card for the key and ``create`` was not asked: nothing changed


@dataclass(frozen=True)
class ReviewRequest:
    """One review to record on the card of ``card.key``.

    ``create``: if the member has no card for the question yet, store ``card`` (as a new card) first; otherwise
    ``card`` only names the key. ``expected_reviews``: record only if the stored card has exactly this many reviews
    (the count the caller showed the member), so a review submitted twice counts once.
    """

    card: Card
    review: NewReview
    create: bool = False
    expected_reviews: int | None = None


@dataclass(frozen=True)
class Recorded:
    """What storage did with one ``ReviewRequest``: the card as stored after it (``None`` for ``NO_CARD``) and the
    review recorded (``RECORDED``) or already there (``DUPLICATE``)."""

    outcome: RecordOutcome
    card: Card | None = None
    review: Review | None = None


class ReviewRepository(Protocol):
    """Members' review cards and the reviews that schedule them.

    A member holds at most one card per question: ``(guild, member_id, deck_id, question_id)`` is unique, whatever
    races. A card holds at most one review per round (``round_id``), so a reveal processed twice reviews once. A
    card's schedule is always ``replay(card, its reviews)`` as of the last write: recording a review and
    rescheduling its card are one unit of work, and so are changing a rating and rescheduling.
    Card and review ids are positive integers assigned by the backend.
    """

    async def record(self, requests: Sequence[ReviewRequest], replay: Replaying) -> list[Recorded]:
        """Record the requests in order, in ONE unit of work; one ``Recorded`` per request.

        For each: find the member's card of ``request.card.key``; if there is none, create it from
        ``request.card`` when ``request.create`` (ids and review counts of the given card are ignored) or give
        ``NO_CARD``. ``DUPLICATE`` (with the card and the review already held) if the review has a ``round_id``
        the card already holds a review of; ``STALE`` (with the stored card) if ``expected_reviews`` is given and
        differs from the stored card's ``reviews``. Otherwise store the review (its ``auto_rating`` is its
        ``rating``), call ``replay(card, every review of the card, this one included)`` and store the card it
        returns: ``RECORDED``. Of concurrent requests for one card and round exactly one records it; of concurrent
        requests with the same ``expected_reviews`` exactly one does. If ``replay`` raises, nothing of the whole
        call is kept.
        """
        ...

    async def add_cards(self, cards: Sequence[Card]) -> list[Card]:
        """Store each card whose member has no card for its question yet, in ONE unit of work; cards whose key
        exists are left as they are (idempotent). Returns the cards created, as stored (with ids)."""
        ...

    async def get(self, card_id: int) -> Card | None:
        """The card with this id, or ``None``."""
        ...

    async def card(self, key: CardKey) -> Card | None:
        """The member's card of the question, or ``None``."""
        ...

    async def cards(self, guild: GuildKey, member_id: str) -> list[Card]:
        """Every card of the member, by due time then id."""
        ...

    async def due(self, guild: GuildKey, member_id: str, before: dt.datetime, limit: int) -> list[Card]:
        """At most ``limit`` of the member's cards due strictly before ``before``, most overdue first (due, id)."""
        ...

    async def count_due(self, guild: GuildKey, member_id: str, before: dt.datetime) -> int:
        """How many of the member's cards are due strictly before ``before``."""
        ...

    async def reviews(self, guild: GuildKey, member_id: str) -> list[Review]:
        """Every review of the member's cards, by time then id."""
        ...

    async def round_review(self, guild: GuildKey, member_id: str, round_id: int) -> Review | None:
        """The member's review that came from this round, or ``None``."""
        ...

    async def rerate(
        self, guild: GuildKey, member_id: str, review_id: int, rating: Rating, replay: Replaying
    ) -> Card | None:
        """Set the rating of the member's review ``review_id`` (its ``auto_rating`` kept) and store
        ``replay(card, every review of the card)`` as its card, in ONE unit of work. ``None`` (nothing changed,
        ``replay`` not called) if no review of that id belongs to the member's cards in the guild. Idempotent:
        the same rating again gives the same card."""
        ...

    async def forget(self, guild: GuildKey, member_id: str) -> int:
        """Delete every card of the member in the guild and their reviews, in ONE unit of work; how many cards."""
        ...


class MemberSettingsRepository(Protocol):
    """Members' review settings; one row per member of a guild."""

    async def get(self, guild: GuildKey, member_id: str) -> MemberSettings | None:
        """The member's stored settings, or ``None`` if they never saved any."""
        ...

    async def save(self, settings: MemberSettings, now: dt.datetime) -> MemberSettings:
        """Insert or replace the member's settings (an upsert on guild and member); returns them as stored."""
        ...

    async def opted_in(self, guild: GuildKey) -> list[str]:
        """The ids of the guild's members who opted in, in id order."""
        ...

    async def with_reminders(self, platform: str | None = None) -> list[MemberSettings]:
        """Every member's settings with reminders on (of ``platform``, if given), by guild then member id."""
        ...

    async def forget(self, guild: GuildKey, member_id: str) -> bool:
        """Delete the member's settings; whether there were any."""
        ...


class StudyHistory(Protocol):
    """The group drill's scored results, read for notebooks and exports."""

    async def member_results(self, guild: GuildKey, member_id: str) -> list[RoundResult]:
        """The member's results in the guild's revealed rounds (as ``ResultRepository.outcome`` gives them), by
        the round's ``opened_at`` then round id."""
        ...

    async def channel_results(self, channel_ref: int) -> list[RoundResult]:
        """Every result of the channel's rounds, by the round's ``opened_at``, round id, then answer order."""
        ...

    async def accuracy(self, guild: GuildKey, period: str) -> list[MemberAccuracy]:
        """Per member of the guild with a scored answer in the leaderboard period ``period`` (``all``, a week's or
        a month's key, as ``bot.core.scoring.period_key`` makes them): how many, and their mean grade; by member
        id."""
        ...


class ReminderLog(Protocol):
    """What the review reminder job keeps across restarts."""

    async def last_run(self, job: str) -> dt.datetime | None:
        """The end of the last window the job ``job`` handled, or ``None`` if it never ran."""
        ...

    async def mark_run(self, job: str, at: dt.datetime) -> None:
        """Record that the job handled every window up to ``at``."""
        ...

    async def claim(self, guild: GuildKey, member_id: str, day: dt.date, now: dt.datetime) -> bool:
        """Claim the member's reminder of their local ``day``, before it is sent: True for the one call that
        claims it, False if it was claimed already (whatever races), so a reminder is sent at most once."""
        ...


class MemberEraser(Protocol):
    """Forgetting a member (``/quiz me forget``) across everything stored."""

    async def forget_member(self, guild: GuildKey, member_id: str, points_for: VotePoints) -> ForgetReport:
        """Delete everything of the member in the guild, in ONE unit of work: their answers and answer history,
        results, leaderboard totals of every period, streaks, disputes, display name, the votes they cast and the
        votes on their answers, their review cards, reviews, settings and the record of reminders sent to them.

        Leaderboards stay consistent: the member's totals go with their results, and each other member's answer
        that lost one of the forgotten member's votes gets ``points_for(its remaining votes)`` as vote points, its
        owner's totals (all-time, week, month) moved by the difference. Rounds stay (they belong to the channel).
        Idempotent: forgetting again deletes nothing. Returns the rows deleted per table.
        """
        ...


class ReviewStore(Protocol):
    """One backend's personal-review repositories, over the same data as its ``QuizStore``."""

    @property
    def cards(self) -> ReviewRepository: ...

    @property
    def settings(self) -> MemberSettingsRepository: ...

    @property
    def history(self) -> StudyHistory: ...

    @property
    def eraser(self) -> MemberEraser: ...

    @property
    def reminders(self) -> ReminderLog: ...
