"""Stored rows as core models, the same for every backend: a row is anything read by column name (an
``sqlite3.Row``, an ``asyncpg.Record``), already holding the column's Python value."""

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
    LeaderboardRow,
    Member,
    MemberResult,
    MisconceptionNote,
    Schedule,
)
from bot.core.ranking import competition_ranks


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
        late=False,
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
