"""Review cards and their reviews: recording a review reschedules its card in the same transaction."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence

from bot.core.models import GuildKey
from bot.core.ports.review_storage import Recorded, RecordOutcome, Replaying, ReviewRequest
from bot.core.review.cards import Card, CardKey, Rating, Review
from bot.storage.rows import CARD_COLUMNS, card_from_row, review_from_row
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db

_CARD_SELECT = f"SELECT {CARD_COLUMNS} FROM review_cards"
_MEMBER = "platform = ? AND guild_id = ? AND member_id = ?"
_REVIEW_SELECT = "SELECT v.id, v.card_id, v.at, v.rating, v.auto_rating, v.source, v.round_id, v.score FROM reviews v"


def _member(guild: GuildKey, member_id: str) -> tuple[str, str, str]:
    return (guild.platform, guild.guild_id, member_id)


def _key(key: CardKey) -> tuple[str, str, str, str, str]:
    return (key.guild.platform, key.guild.guild_id, key.member_id, key.deck_id, key.question_id)


def _card_by_key(conn: sqlite3.Connection, key: CardKey) -> Card | None:
    row = conn.execute(f"{_CARD_SELECT} WHERE {_MEMBER} AND deck_id = ? AND question_id = ?", _key(key)).fetchone()
    return None if row is None else card_from_row(row)


def _insert_card(conn: sqlite3.Connection, card: Card) -> bool:
    """Store a new card (never reviewed) unless its member has one for the question; whether it was stored."""
    cur = conn.execute(
        "INSERT INTO review_cards (platform, guild_id, member_id, deck_id, question_id, category, created_at, due, "
        "memory) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (platform, guild_id, member_id, deck_id, question_id) DO NOTHING",
        (*_key(card.key), card.category, to_db(card.created_at), to_db(card.due), card.memory),
    )
    return cur.rowcount == 1


def _history(conn: sqlite3.Connection, card_id: int) -> list[Review]:
    rows = conn.execute(f"{_REVIEW_SELECT} WHERE v.card_id = ? ORDER BY v.at, v.id", (card_id,)).fetchall()
    return [review_from_row(r) for r in rows]


def _reschedule(conn: sqlite3.Connection, card: Card, replay: Replaying) -> Card:
    """Store the card as its whole history makes it."""
    after = replay(card, _history(conn, card.id))
    conn.execute(
        "UPDATE review_cards SET due = ?, memory = ?, reviews = ?, lapses = ?, last_review = ?, last_rating = ? "
        "WHERE id = ?",
        (
            to_db(after.due),
            after.memory,
            after.reviews,
            after.lapses,
            None if after.last_review is None else to_db(after.last_review),
            None if after.last_rating is None else int(after.last_rating),
            card.id,
        ),
    )
    row = conn.execute(f"{_CARD_SELECT} WHERE id = ?", (card.id,)).fetchone()
    return card_from_row(row)


def _record_one(conn: sqlite3.Connection, request: ReviewRequest, replay: Replaying) -> Recorded:
    card = _card_by_key(conn, request.card.key)
    if card is None:
        if not request.create:
            return Recorded(RecordOutcome.NO_CARD)
        _insert_card(conn, request.card)
        card = _card_by_key(conn, request.card.key)
        assert card is not None
    review = request.review
    if review.round_id is not None:
        held = conn.execute(
            f"{_REVIEW_SELECT} WHERE v.card_id = ? AND v.round_id = ?", (card.id, review.round_id)
        ).fetchone()
        if held is not None:
            return Recorded(RecordOutcome.DUPLICATE, card, review_from_row(held))
    if request.expected_reviews is not None and card.reviews != request.expected_reviews:
        return Recorded(RecordOutcome.STALE, card)
    cur = conn.execute(
        "INSERT INTO reviews (card_id, at, rating, auto_rating, source, round_id, score) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            card.id,
            to_db(review.at),
            int(review.rating),
            int(review.rating),
            review.source.value,
            review.round_id,
            review.score,
        ),
    )
    stored = conn.execute(f"{_REVIEW_SELECT} WHERE v.id = ?", (cur.lastrowid,)).fetchone()
    return Recorded(RecordOutcome.RECORDED, _reschedule(conn, card, replay), review_from_row(stored))


class ReviewStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, requests: Sequence[ReviewRequest], replay: Replaying) -> list[Recorded]:
        """Record reviews and reschedule their cards, all in one transaction (a reveal's reviews commit together)."""
        requests = list(requests)

        def job(conn: sqlite3.Connection) -> list[Recorded]:
            return [_record_one(conn, request, replay) for request in requests]

        return await self._db.write(job) if requests else []

    async def add_cards(self, cards: Sequence[Card]) -> list[Card]:
        cards = list(cards)

        def job(conn: sqlite3.Connection) -> list[Card]:
            created = []
            for card in cards:
                if _insert_card(conn, card):
                    stored = _card_by_key(conn, card.key)
                    assert stored is not None
                    created.append(stored)
            return created

        return await self._db.write(job) if cards else []

    async def get(self, card_id: int) -> Card | None:
        row = await self._db.fetchone(f"{_CARD_SELECT} WHERE id = ?", (card_id,))
        return None if row is None else card_from_row(row)

    async def card(self, key: CardKey) -> Card | None:
        row = await self._db.fetchone(f"{_CARD_SELECT} WHERE {_MEMBER} AND deck_id = ? AND question_id = ?", _key(key))
        return None if row is None else card_from_row(row)

    async def cards(self, guild: GuildKey, member_id: str) -> list[Card]:
        rows = await self._db.fetchall(f"{_CARD_SELECT} WHERE {_MEMBER} ORDER BY due, id", _member(guild, member_id))
        return [card_from_row(r) for r in rows]

    async def due(self, guild: GuildKey, member_id: str, before: dt.datetime, limit: int) -> list[Card]:
        rows = await self._db.fetchall(
            f"{_CARD_SELECT} WHERE {_MEMBER} AND due < ? ORDER BY due, id LIMIT ?",
            (*_member(guild, member_id), to_db(before), limit),
        )
        return [card_from_row(r) for r in rows]

    async def count_due(self, guild: GuildKey, member_id: str, before: dt.datetime) -> int:
        row = await self._db.fetchone(
            f"SELECT COUNT(*) AS n FROM review_cards WHERE {_MEMBER} AND due < ?",
            (*_member(guild, member_id), to_db(before)),
        )
        return int(row["n"]) if row else 0

    async def reviews(self, guild: GuildKey, member_id: str) -> list[Review]:
        rows = await self._db.fetchall(
            f"{_REVIEW_SELECT} JOIN review_cards c ON c.id = v.card_id "
            "WHERE c.platform = ? AND c.guild_id = ? AND c.member_id = ? ORDER BY v.at, v.id",
            _member(guild, member_id),
        )
        return [review_from_row(r) for r in rows]

    async def round_review(self, guild: GuildKey, member_id: str, round_id: int) -> Review | None:
        row = await self._db.fetchone(
            f"{_REVIEW_SELECT} JOIN review_cards c ON c.id = v.card_id "
            "WHERE c.platform = ? AND c.guild_id = ? AND c.member_id = ? AND v.round_id = ?",
            (*_member(guild, member_id), round_id),
        )
        return None if row is None else review_from_row(row)

    async def rerate(
        self, guild: GuildKey, member_id: str, review_id: int, rating: Rating, replay: Replaying
    ) -> Card | None:
        """Change one review's rating and reschedule its card from its history, in one transaction."""

        def job(conn: sqlite3.Connection) -> Card | None:
            row = conn.execute(
                "SELECT c.* FROM reviews v JOIN review_cards c ON c.id = v.card_id "
                "WHERE v.id = ? AND c.platform = ? AND c.guild_id = ? AND c.member_id = ?",
                (review_id, *_member(guild, member_id)),
            ).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE reviews SET rating = ? WHERE id = ?", (int(rating), review_id))
            return _reschedule(conn, card_from_row(row), replay)

        return await self._db.write(job)

    async def forget(self, guild: GuildKey, member_id: str) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cards, _ = delete_cards(conn, guild, member_id)
            return cards

        return await self._db.write(job)


def delete_cards(conn: sqlite3.Connection, guild: GuildKey, member_id: str) -> tuple[int, int]:
    """Delete the member's cards and their reviews, inside the caller's transaction: (cards, reviews) deleted."""
    reviews = conn.execute(
        f"DELETE FROM reviews WHERE card_id IN (SELECT id FROM review_cards WHERE {_MEMBER})", _member(guild, member_id)
    ).rowcount
    cards = conn.execute(f"DELETE FROM review_cards WHERE {_MEMBER}", _member(guild, member_id)).rowcount
    return cards, reviews
