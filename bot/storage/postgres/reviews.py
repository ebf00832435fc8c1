"""Review cards and their reviews: recording a review reschedules its card in the same transaction.

Every unit of work that reads a card and then writes it locks the card's row first (``FOR NO KEY UPDATE``): a
concurrent writer of the same card waits, then reads the card (its review count, its reviews) as the first one
left it. That lock is what makes a round review a card once and a practice review count once, whatever the
number of processes; the unique keys (one card per member and question, one review per card and round) back it
up. A unit of work holding several cards locks them in the order of their key, so no two wait in a cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core.models import GuildKey
from bot.core.ports.review_storage import Recorded, RecordOutcome, Replaying, ReviewRequest
from bot.core.review.cards import Card, CardKey, Rating, Review
from bot.storage.postgres.database import Connection, Database
from bot.storage.rows import CARD_COLUMNS, card_from_row, review_from_row

_CARD_SELECT = f"SELECT {CARD_COLUMNS} FROM review_cards"
_KEY = "platform = $1 AND guild_id = $2 AND member_id = $3 AND deck_id = $4 AND question_id = $5"
_MEMBER = "platform = $1 AND guild_id = $2 AND member_id = $3"
_REVIEW_COLUMNS = "id, card_id, at, rating, auto_rating, source, round_id, score"
_REVIEW_SELECT = "SELECT v.id, v.card_id, v.at, v.rating, v.auto_rating, v.source, v.round_id, v.score FROM reviews v"

KeyTuple = tuple[str, str, str, str, str]


def _key(key: CardKey) -> KeyTuple:
    return (key.guild.platform, key.guild.guild_id, key.member_id, key.deck_id, key.question_id)


async def _lock_card(conn: Connection, key: CardKey) -> Card | None:
    row = await conn.fetchrow(f"{_CARD_SELECT} WHERE {_KEY} FOR NO KEY UPDATE", *_key(key))
    return None if row is None else card_from_row(row)


async def _insert_card(conn: Connection, card: Card) -> Card | None:
    """Store a new card (never reviewed) unless its member has one for the question: the stored card, or ``None``.
    A concurrent insert of the same key waits for the first one's transaction, then inserts nothing."""
    row = await conn.fetchrow(
        "INSERT INTO review_cards (platform, guild_id, member_id, deck_id, question_id, category, created_at, due, "
        "memory) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        f"ON CONFLICT (platform, guild_id, member_id, deck_id, question_id) DO NOTHING RETURNING {CARD_COLUMNS}",
        *_key(card.key),
        card.category,
        card.created_at,
        card.due,
        card.memory,
    )
    return None if row is None else card_from_row(row)


async def _get_or_create(conn: Connection, card: Card, create: bool) -> Card | None:
    """The member's card of ``card.key``, locked until commit; created from ``card`` first when asked and missing."""
    if create:
        await _insert_card(conn, card)
    return await _lock_card(conn, card.key)


async def _history(conn: Connection, card_id: int) -> list[Review]:
    rows = await conn.fetch(f"{_REVIEW_SELECT} WHERE v.card_id = $1 ORDER BY v.at, v.id", card_id)
    return [review_from_row(r) for r in rows]


async def _reschedule(conn: Connection, card: Card, replay: Replaying) -> Card:
    """Store the card as its whole history makes it (the caller holds the card's lock)."""
    after = replay(card, await _history(conn, card.id))
    row = await conn.fetchrow(
        "UPDATE review_cards SET due = $1, memory = $2, reviews = $3, lapses = $4, last_review = $5, "
        f"last_rating = $6 WHERE id = $7 RETURNING {CARD_COLUMNS}",
        after.due,
        after.memory,
        after.reviews,
        after.lapses,
        after.last_review,
        None if after.last_rating is None else int(after.last_rating),
        card.id,
    )
    assert row is not None, "the caller holds the card's lock"
    return card_from_row(row)


async def _record_one(conn: Connection, request: ReviewRequest, card: Card | None, replay: Replaying) -> Recorded:
    if card is None:
        return Recorded(RecordOutcome.NO_CARD)
    review = request.review
    if review.round_id is not None:
        held = await conn.fetchrow(
            f"{_REVIEW_SELECT} WHERE v.card_id = $1 AND v.round_id = $2", card.id, review.round_id
        )
        if held is not None:
            return Recorded(RecordOutcome.DUPLICATE, card, review_from_row(held))
    if request.expected_reviews is not None and card.reviews != request.expected_reviews:
        return Recorded(RecordOutcome.STALE, card)
    stored = await conn.fetchrow(
        "INSERT INTO reviews (card_id, at, rating, auto_rating, source, round_id, score) "
        f"VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING {_REVIEW_COLUMNS}",
        card.id,
        review.at,
        int(review.rating),
        review.source.value,
        review.round_id,
        review.score,
    )
    assert stored is not None
    return Recorded(RecordOutcome.RECORDED, await _reschedule(conn, card, replay), review_from_row(stored))


async def _record_all(conn: Connection, requests: list[ReviewRequest], replay: Replaying) -> list[Recorded]:
    # Lock (creating where the first request of a key asks to) every card first, in key order; then record the
    # requests in their own order, as if one at a time.
    first: dict[KeyTuple, ReviewRequest] = {}
    for request in requests:
        first.setdefault(_key(request.card.key), request)
    cards: dict[KeyTuple, Card | None] = {}
    for key in sorted(first):
        request = first[key]
        cards[key] = await _get_or_create(conn, request.card, request.create)
    recorded = []
    for request in requests:
        key = _key(request.card.key)
        if cards[key] is None and request.create:  # a key's later request may create what its first did not
            cards[key] = await _get_or_create(conn, request.card, True)
        outcome = await _record_one(conn, request, cards[key], replay)
        if outcome.card is not None:
            cards[key] = outcome.card
        recorded.append(outcome)
    return recorded


class ReviewStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, requests: Sequence[ReviewRequest], replay: Replaying) -> list[Recorded]:
        """Record reviews and reschedule their cards, all in one transaction (a reveal's reviews commit together)."""
        requests = list(requests)

        async def job(conn: Connection) -> list[Recorded]:
            return await _record_all(conn, requests, replay)

        return await self._db.write(job) if requests else []

    async def add_cards(self, cards: Sequence[Card]) -> list[Card]:
        cards = list(cards)

        async def job(conn: Connection) -> list[Card]:
            # Inserted in key order (as ``record`` locks them), returned in the caller's order.
            created: dict[KeyTuple, Card] = {}
            for card in sorted(cards, key=lambda c: _key(c.key)):
                stored = await _insert_card(conn, card)
                if stored is not None:
                    created[_key(card.key)] = stored
            return [created.pop(_key(card.key)) for card in cards if _key(card.key) in created]

        return await self._db.write(job) if cards else []

    async def get(self, card_id: int) -> Card | None:
        row = await self._db.fetchrow(f"{_CARD_SELECT} WHERE id = $1", card_id)
        return None if row is None else card_from_row(row)

    async def card(self, key: CardKey) -> Card | None:
        row = await self._db.fetchrow(f"{_CARD_SELECT} WHERE {_KEY}", *_key(key))
        return None if row is None else card_from_row(row)

    async def cards(self, guild: GuildKey, member_id: str) -> list[Card]:
        rows = await self._db.fetch(
            f"{_CARD_SELECT} WHERE {_MEMBER} ORDER BY due, id", guild.platform, guild.guild_id, member_id
        )
        return [card_from_row(r) for r in rows]

    async def due(self, guild: GuildKey, member_id: str, before: dt.datetime, limit: int) -> list[Card]:
        rows = await self._db.fetch(
            f"{_CARD_SELECT} WHERE {_MEMBER} AND due < $4 ORDER BY due, id LIMIT $5",
            guild.platform,
            guild.guild_id,
            member_id,
            before,
            limit if limit >= 0 else None,  # as SQLite: a negative limit is none
        )
        return [card_from_row(r) for r in rows]

    async def count_due(self, guild: GuildKey, member_id: str, before: dt.datetime) -> int:
        value = await self._db.fetchval(
            f"SELECT COUNT(*) FROM review_cards WHERE {_MEMBER} AND due < $4",
            guild.platform,
            guild.guild_id,
            member_id,
            before,
        )
        return int(value or 0)

    async def reviews(self, guild: GuildKey, member_id: str) -> list[Review]:
        rows = await self._db.fetch(
            f"{_REVIEW_SELECT} JOIN review_cards c ON c.id = v.card_id "
            "WHERE c.platform = $1 AND c.guild_id = $2 AND c.member_id = $3 ORDER BY v.at, v.id",
            guild.platform,
            guild.guild_id,
            member_id,
        )
        return [review_from_row(r) for r in rows]

    async def round_review(self, guild: GuildKey, member_id: str, round_id: int) -> Review | None:
        row = await self._db.fetchrow(
            f"{_REVIEW_SELECT} JOIN review_cards c ON c.id = v.card_id "
            "WHERE c.platform = $1 AND c.guild_id = $2 AND c.member_id = $3 AND v.round_id = $4 "
            "ORDER BY v.id LIMIT 1",
            guild.platform,
            guild.guild_id,
            member_id,
            round_id,
        )
        return None if row is None else review_from_row(row)

    async def rerate(
        self, guild: GuildKey, member_id: str, review_id: int, rating: Rating, replay: Replaying
    ) -> Card | None:
        """Change one review's rating and reschedule its card from its history, in one transaction."""

        async def job(conn: Connection) -> Card | None:
            row = await conn.fetchrow(
                "SELECT c.* FROM reviews v JOIN review_cards c ON c.id = v.card_id "
                "WHERE v.id = $1 AND c.platform = $2 AND c.guild_id = $3 AND c.member_id = $4 "
                "FOR NO KEY UPDATE OF c",
                review_id,
                guild.platform,
                guild.guild_id,
                member_id,
            )
            if row is None:
                return None
            await conn.execute("UPDATE reviews SET rating = $1 WHERE id = $2", int(rating), review_id)
            return await _reschedule(conn, card_from_row(row), replay)

        return await self._db.write(job)

    async def forget(self, guild: GuildKey, member_id: str) -> int:
        async def job(conn: Connection) -> int:
            cards, _ = await delete_cards(conn, guild, member_id)
            return cards

        return await self._db.write(job)


def deleted_rows(status: str) -> int:
    """The row count of a ``DELETE``/``UPDATE`` command status (``"DELETE 3"``)."""
    return int(status.rsplit(" ", 1)[-1])


async def delete_cards(conn: Connection, guild: GuildKey, member_id: str) -> tuple[int, int]:
    """Delete the member's cards and their reviews, inside the caller's transaction: (cards, reviews) deleted.
    The cards are locked first, in key order, as ``record`` locks them."""
    member = (guild.platform, guild.guild_id, member_id)
    await conn.execute(f"SELECT 1 FROM review_cards WHERE {_MEMBER} ORDER BY deck_id, question_id FOR UPDATE", *member)
    reviews = deleted_rows(
        await conn.execute(
            f"DELETE FROM reviews WHERE card_id IN (SELECT id FROM review_cards WHERE {_MEMBER})", *member
        )
    )
    cards = deleted_rows(await conn.execute(f"DELETE FROM review_cards WHERE {_MEMBER}", *member))
    return cards, reviews
