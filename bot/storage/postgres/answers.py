"""Answers, their revision history, and peer votes.

Every unit of work here that depends on a round's state locks the round's row first (``FOR SHARE``): a reveal's
``UPDATE`` of that row waits for it, and it waits for a reveal, so an answer, edit or vote racing the reveal
lands wholly before it (and is scored) or wholly after it (and is late, or moves the stored result). Then the
answer, then the member's name.

A crowd answering at once is what this store sees most: first answers arriving together share one transaction
and one statement (``first_answers``, a group commit). An answer that statement cannot take alone (a member's
second message, a round not taking answers) is left untouched by it and recorded in a unit of work of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from bot.core.models import AnswerReceipt, AnswerRecord, Member, VoteResult
from bot.core.ports.storage import VotePoints
from bot.storage.postgres.database import Connection, Database, WriteGroup, lock_leaderboard
from bot.storage.postgres.first_answers import NewAnswer, record_first_answers

_LATE_STATES = ("revealing", "revealed")


@dataclass(frozen=True)
class AnswerRow:
    id: int
    member_id: str
    late: bool
    withdrawn: bool


async def lock_round_state(conn: Connection, round_id: int) -> str | None:
    """The round's state, its row locked against state changes until commit; ``None`` for an unknown round."""
    value = await conn.fetchval("SELECT state FROM rounds WHERE id = $1 FOR SHARE", round_id)
    return None if value is None else str(value)


async def _lock_answer_by_message(conn: Connection, round_id: int, message_id: str) -> AnswerRow | None:
    row = await conn.fetchrow(
        "SELECT id, member_id, late, withdrawn FROM answers WHERE round_id = $1 AND message_id = $2 "
        "ORDER BY id LIMIT 1 FOR NO KEY UPDATE",
        round_id,
        message_id,
    )
    return None if row is None else AnswerRow(int(row["id"]), str(row["member_id"]), row["late"], row["withdrawn"])


async def _revision(conn: Connection, answer_id: int, action: str, text: str, at: dt.datetime) -> None:
    await conn.execute(
        "INSERT INTO answer_revisions (answer_id, action, text, at) VALUES ($1, $2, $3, $4)",
        answer_id,
        action,
        text,
        at,
    )


class AnswerStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._first_answers = WriteGroup(record_first_answers, one_statement=True)

    async def record(
        self,
        *,
        round_id: int,
        platform: str,
        guild_id: str,
        member: Member,
        message_id: str | None,
        text: str,
        private: bool,
        now: dt.datetime,
    ) -> AnswerReceipt | None:
        """Store a member's answer; committed before this returns. ``None`` if the round takes no answers."""
        answer = NewAnswer(round_id, platform, guild_id, member, message_id, text, private, now)
        try:
            receipt = await self._db.write_grouped(self._first_answers, answer)
        except asyncpg.PostgresError:
            # The server refused the whole batch (rolled back): each of its answers goes again on its own, so
            # only one the server refuses by itself fails.
            receipt = None
        if receipt is not None:
            return receipt

        async def job(conn: Connection) -> AnswerReceipt | None:
            state = await lock_round_state(conn, round_id)
            if state is None or state in ("pending", "cancelled"):
                return None
            receipt = await _store_answer(conn, answer, late=state in _LATE_STATES)
            await _name_member(conn, platform, guild_id, member)
            return receipt

        return await self._db.write(job)

    async def edit(self, round_id: int, message_id: str, text: str, now: dt.datetime) -> AnswerReceipt | None:
        """Replace the text of the answer held by ``message_id``. After the reveal the edit is only kept in the
        history: the scored answer stays what was revealed."""

        async def job(conn: Connection) -> AnswerReceipt | None:
            state = await lock_round_state(conn, round_id)
            answer = await _lock_answer_by_message(conn, round_id, message_id)
            if answer is None:
                return None
            frozen = state in _LATE_STATES and not answer.late
            if answer.withdrawn and not frozen:
                return None  # withdrawn already: nothing left to withdraw
            if not frozen:
                await conn.execute(
                    "UPDATE answers SET text = $1, withdrawn = false, updated_at = $2 WHERE id = $3",
                    text,
                    now,
                    answer.id,
                )
            await _revision(conn, answer.id, "edit", text, now)
            return AnswerReceipt(answer.id, round_id, "kept" if frozen else "replaced", answer.late, False)

        return await self._db.write(job)

    async def withdraw(self, round_id: int, message_id: str, now: dt.datetime) -> AnswerReceipt | None:
        """A deleted message withdraws its answer while the round is open; after the reveal it is only noted."""

        async def job(conn: Connection) -> AnswerReceipt | None:
            state = await lock_round_state(conn, round_id)
            answer = await _lock_answer_by_message(conn, round_id, message_id)
            if answer is None:
                return None
            frozen = state in _LATE_STATES and not answer.late
            if answer.withdrawn and not frozen:
                return None  # withdrawn already: nothing left to withdraw
            if not frozen:
                await conn.execute("UPDATE answers SET withdrawn = true, updated_at = $1 WHERE id = $2", now, answer.id)
            await conn.execute(
                "INSERT INTO answer_revisions (answer_id, action, text, at) "
                "SELECT id, 'withdraw', text, $1 FROM answers WHERE id = $2",
                now,
                answer.id,
            )
            return AnswerReceipt(answer.id, round_id, "kept" if frozen else "withdrawn", answer.late, False)

        return await self._db.write(job)

    async def vote(
        self,
        *,
        round_id: int,
        message_id: str,
        voter_id: str,
        add: bool,
        now: dt.datetime,
        points_for: VotePoints,
    ) -> VoteResult:
        """Add or remove an upvote; once a round is revealed the answer's vote points follow at once."""

        async def job(conn: Connection) -> VoteResult:
            await lock_round_state(conn, round_id)
            answer = await _lock_answer_by_message(conn, round_id, message_id)
            if answer is None or answer.withdrawn:
                return VoteResult(False, "no-answer")
            if answer.member_id == voter_id:
                return VoteResult(False, "self")
            if add:
                inserted = await conn.fetchval(
                    "INSERT INTO votes (answer_id, voter_id, at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (answer_id, voter_id) DO NOTHING RETURNING 1",
                    answer.id,
                    voter_id,
                    now,
                )
                if inserted is None:
                    return VoteResult(False, "duplicate")
            else:
                removed = await conn.fetchval(
                    "DELETE FROM votes WHERE answer_id = $1 AND voter_id = $2 RETURNING 1", answer.id, voter_id
                )
                if removed is None:
                    return VoteResult(False, "no-vote")
            await _settle_vote_points(conn, answer.id, points_for)
            return VoteResult(True, "counted" if add else "removed")

        return await self._db.write(job)

    async def for_round(self, round_id: int) -> list[AnswerRecord]:
        rows = await self._db.fetch(
            "SELECT a.id, a.member_id, a.text, a.private, a.late, a.message_id, "
            "COALESCE(m.display_name, a.member_id) AS name, "
            "(SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id) AS votes "
            "FROM answers a JOIN rounds r ON r.id = a.round_id JOIN channels c ON c.id = r.channel_ref "
            "LEFT JOIN members m ON m.platform = c.platform AND m.guild_id = c.guild_id "
            "AND m.member_id = a.member_id WHERE a.round_id = $1 AND NOT a.withdrawn ORDER BY a.created_at, a.id",
            round_id,
        )
        return [
            AnswerRecord(
                answer_id=int(r["id"]),
                member=Member(r["member_id"], r["name"]),
                text=r["text"],
                private=r["private"],
                late=r["late"],
                votes=int(r["votes"]),
                message_id=r["message_id"],
            )
            for r in rows
        ]

    async def message_ids(self, round_id: int) -> set[str]:
        """The platform messages that hold the round's answers now, withdrawn ones included."""
        rows = await self._db.fetch(
            "SELECT message_id FROM answers WHERE round_id = $1 AND message_id IS NOT NULL", round_id
        )
        return {str(r["message_id"]) for r in rows}

    async def member_ids(self, round_id: int) -> set[str]:
        """The members who hold an answer in the round, private and withdrawn ones included."""
        rows = await self._db.fetch("SELECT DISTINCT member_id FROM answers WHERE round_id = $1", round_id)
        return {str(r["member_id"]) for r in rows}

    async def history(self, answer_id: int) -> list[tuple[str, str]]:
        rows = await self._db.fetch(
            "SELECT action, text FROM answer_revisions WHERE answer_id = $1 ORDER BY id", answer_id
        )
        return [(r["action"], r["text"]) for r in rows]


async def _store_answer(conn: Connection, answer: NewAnswer, *, late: bool) -> AnswerReceipt:
    """The member's answer inserted, or put in place of the one they have (history kept), in a round whose row
    the caller has locked."""
    round_id, member_id, private = answer.round_id, answer.member.member_id, answer.private
    while True:
        existing = await conn.fetchrow(
            "SELECT id, message_id, text, withdrawn FROM answers "
            "WHERE round_id = $1 AND member_id = $2 AND late = $3 FOR NO KEY UPDATE",
            round_id,
            member_id,
            late,
        )
        if existing is not None:
            break
        # The unique (round, member, late) key decides between concurrent first answers of one member: the
        # second insert waits for the first transaction, inserts nothing, and replaces it instead.
        created = await conn.fetchval(
            "INSERT INTO answers (round_id, member_id, message_id, text, private, late, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (round_id, member_id, late) DO NOTHING RETURNING id",
            round_id,
            member_id,
            answer.message_id,
            answer.text,
            private,
            late,
            answer.now,
        )
        if created is not None:
            await _revision(conn, int(created), "create", answer.text, answer.now)
            return AnswerReceipt(int(created), round_id, "late" if late else "recorded", late, private)
    answer_id = int(existing["id"])
    if _redelivered(existing, answer.message_id, answer.text):
        return AnswerReceipt(answer_id, round_id, "unchanged", late, private)
    # One answer per member and round: a second message replaces the first, history kept.
    await conn.execute(
        "UPDATE answers SET text = $1, message_id = $2, private = $3, withdrawn = false, updated_at = $4 WHERE id = $5",
        answer.text,
        answer.message_id,
        private,
        answer.now,
        answer_id,
    )
    await _revision(conn, answer_id, "edit", answer.text, answer.now)
    return AnswerReceipt(answer_id, round_id, "late" if late else "replaced", late, private)


async def _name_member(conn: Connection, platform: str, guild_id: str, member: Member) -> None:
    """Keep the member's display name as the platform last gave it."""
    await conn.execute(
        "INSERT INTO members (platform, guild_id, member_id, display_name) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (platform, guild_id, member_id) DO UPDATE SET display_name = excluded.display_name "
        "WHERE members.display_name IS DISTINCT FROM excluded.display_name",
        platform,
        guild_id,
        member.member_id,
        member.display_name,
    )


def _redelivered(existing: asyncpg.Record, message_id: str | None, text: str) -> bool:
    """The same message with the same text again (a platform delivering an event twice): nothing to change."""
    return (
        message_id is not None
        and existing["message_id"] == message_id
        and existing["text"] == text
        and not existing["withdrawn"]
    )


async def _settle_vote_points(conn: Connection, answer_id: int, points_for: VotePoints) -> None:
    """Bring a revealed answer's vote points, and the leaderboard totals, in line with its current votes."""
    result = await conn.fetchrow(
        "SELECT round_id, member_id, platform, guild_id, vote_points, period_week, period_month "
        "FROM results WHERE answer_id = $1 FOR NO KEY UPDATE",
        answer_id,
    )
    if result is None:
        return  # not revealed yet: votes are counted at the reveal
    count = int(await conn.fetchval("SELECT COUNT(*) FROM votes WHERE answer_id = $1", answer_id))
    new_points = points_for(count)
    delta = new_points - int(result["vote_points"])
    if delta == 0:
        return
    await conn.execute(
        "UPDATE results SET vote_points = $1 WHERE round_id = $2 AND member_id = $3",
        new_points,
        result["round_id"],
        result["member_id"],
    )
    await lock_leaderboard(conn, result["platform"], result["guild_id"])
    await conn.execute(
        "UPDATE totals SET points = points + $1 WHERE platform = $2 AND guild_id = $3 AND member_id = $4 "
        "AND period = ANY($5::text[])",
        delta,
        result["platform"],
        result["guild_id"],
        result["member_id"],
        ["all", result["period_week"], result["period_month"]],
    )
