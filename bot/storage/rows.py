"""Stored rows as core models, the same for every backend: a row is anything read by column name (an
``sqlite3.Row``, an ``asyncpg.Record``), already holding the column's Python value; times as either backend keeps
them (``stored_time``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, Protocol

from bot.core.models import (
    ChannelKey,
    ChannelSettings,
    Dispute,
    DisputeState,
    GuildKey,
    LeaderboardRow,
    Member,
    MemberResult,
    MisconceptionNote,
    Round,
    Schedule,
)
from bot.core.ranking import competition_ranks
from bot.core.review.cards import Card, Rating, Review, ReviewSource
from bot.core.review.records import RoundResult
from bot.core.review.settings import MemberSettings


class Row(Protocol):
    def __getitem__(self, column: str, /) -> Any: ...


CHANNEL_COLUMNS = (
    "id, platform, guild_id, channel_id, post_time, weekdays, timezone, daily_reveal_seconds, "
    "ondemand_reveal_seconds, decks, paused, enabled"
)


def channel_from_row(row: Row) -> ChannelSettings:
    hour, minute = (int(part) for part in row["post_time"].split(":"))
    return ChannelSettings(
        ref=int(row["id"]),
        key=ChannelKey(row["platform"], row["guild_id"], row["channel_id"]),
        schedule=Schedule(
            post_time=dt.time(hour, minute),
            weekdays=frozenset(int(d) for d in row["weekdays"]),
            timezone=row["timezone"],
        ),
        daily_reveal_delay=dt.timedelta(seconds=int(row["daily_reveal_seconds"])),
        on_demand_reveal_delay=dt.timedelta(seconds=int(row["ondemand_reveal_seconds"])),
        decks=tuple(json.loads(row["decks"])),
        paused=bool(row["paused"]),
        enabled=bool(row["enabled"]),
    )


def stored_result(row: Row) -> MemberResult:
    """A member's stored result of a revealed round, from ``results`` joined with its answer and member name."""
    return MemberResult(
        member=Member(row["member_id"], row["name"]),
        answer_text=row["text"],
        private=bool(row["private"]),
        late=False,  # only on-time answers are scored
        covered=tuple(json.loads(row["covered"])),
        missed=tuple(json.loads(row["missed"])),
        named=tuple(json.loads(row["named"])),
        contradicted=tuple(json.loads(row["contradicted"])),
        misconceptions=tuple(MisconceptionNote(**note) for note in json.loads(row["misconceptions"])),
        coverage=float(row["coverage"]),
        answer_points=int(row["answer_points"]),
        coverage_points=int(row["coverage_points"]),
        vote_points=int(row["vote_points"]),
        streak=int(row["streak"]),
        streak_bonus=int(row["streak_bonus"]),
    )


def dispute_from_row(row: Row) -> Dispute:
    """A dispute, from ``disputes`` joined with the disputed answer's text and the member's name."""
    return Dispute(
        id=int(row["id"]),
        round_id=int(row["round_id"]),
        member=Member(row["member_id"], row["name"]),
        concept=row["concept"],
        state=DisputeState(row["state"]),
        wording=row["text"],
        points_delta=int(row["points_delta"]),
    )


def leaderboard_rows(rows: Sequence[Row]) -> list[LeaderboardRow]:
    """The top of a board (``member_id``, ``name``, ``points``, ``answers``, highest points first), ranked by the
    core's policy."""
    ranks = competition_ranks([int(r["points"]) for r in rows])
    return [
        LeaderboardRow(rank, Member(r["member_id"], r["name"]), int(r["points"]), int(r["answers"]))
        for rank, r in zip(ranks, rows, strict=True)
    ]


def stored_time(value: dt.datetime | str) -> dt.datetime:
    """A stored time in UTC: PostgreSQL gives a ``timestamptz``, SQLite the UTC ISO-8601 text it keeps."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment.astimezone(dt.UTC)


CARD_COLUMNS = (
    "id, platform, guild_id, member_id, deck_id, question_id, category, created_at, due, memory, reviews, lapses, "
    "last_review, last_rating"
)


def card_from_row(row: Row) -> Card:
    """A review card, from ``review_cards``."""
    return Card(
        id=int(row["id"]),
        guild=GuildKey(row["platform"], row["guild_id"]),
        member_id=row["member_id"],
        deck_id=row["deck_id"],
        question_id=row["question_id"],
        category=row["category"],
        created_at=stored_time(row["created_at"]),
        due=stored_time(row["due"]),
        memory=row["memory"],
        reviews=int(row["reviews"]),
        lapses=int(row["lapses"]),
        last_review=None if row["last_review"] is None else stored_time(row["last_review"]),
        last_rating=None if row["last_rating"] is None else Rating(int(row["last_rating"])),
    )


def review_from_row(row: Row) -> Review:
    """A recorded review, from ``reviews``."""
    return Review(
        id=int(row["id"]),
        card_id=int(row["card_id"]),
        at=stored_time(row["at"]),
        rating=Rating(int(row["rating"])),
        auto_rating=Rating(int(row["auto_rating"])),
        source=ReviewSource(row["source"]),
        round_id=None if row["round_id"] is None else int(row["round_id"]),
        score=None if row["score"] is None else float(row["score"]),
    )


def settings_from_row(row: Row) -> MemberSettings:
    """A member's review settings, from ``member_settings`` (``reminder_time`` kept as ``HH:MM``)."""
    return MemberSettings(
        guild=GuildKey(row["platform"], row["guild_id"]),
        member_id=row["member_id"],
        timezone=row["timezone"],
        opted_in=bool(row["opted_in"]),
        reminders=bool(row["reminders"]),
        reminder_time=dt.time.fromisoformat(row["reminder_time"]),
        streak_freezes=int(row["streak_freezes"]),
    )


# The scored results with their rounds and answers, as both backends read them: round columns named as
# ``round_from_row`` reads them, then the result's as ``round_result`` reads them.
RESULT_HISTORY_SELECT = (
    "SELECT r.id, r.channel_ref, r.kind, r.state, r.deck_id, r.question_id, r.slot, r.opened_at, r.reveal_at, "
    "r.revealed_at, r.message_id, r.thread_id, c.platform, c.guild_id, c.channel_id, "
    "s.member_id, s.category, s.covered, s.missed, s.named, s.contradicted, s.misconceptions, s.coverage, "
    "s.answer_points, s.coverage_points, s.vote_points, s.streak, s.streak_bonus, a.text, a.private, "
    "COALESCE(m.display_name, s.member_id) AS name "
    "FROM results s JOIN rounds r ON r.id = s.round_id JOIN channels c ON c.id = r.channel_ref "
    "JOIN answers a ON a.id = s.answer_id "
    "LEFT JOIN members m ON m.platform = s.platform AND m.guild_id = s.guild_id AND m.member_id = s.member_id"
)


def round_result(row: Row, round_: Round) -> RoundResult:
    """A member's result in a revealed round for the notebook: ``stored_result``'s columns and the result's
    ``category``, with the round as the backend reads it."""
    return RoundResult(round_, row["category"], stored_result(row))
