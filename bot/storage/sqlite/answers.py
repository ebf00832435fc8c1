"""Answers, their revision history, and peer votes."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from bot.core.models import AnswerReceipt, AnswerRecord, Member, VoteResult
from bot.core.ports.storage import VotePoints
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db

_LATE_STATES = ("revealing", "revealed")


@dataclass(frozen=True)
class AnswerRow:
    id: int
    member_id: str
    late: bool
    withdrawn: bool


def _round_state(conn: sqlite3.Connection, round_id: int) -> str | None:
    row = conn.execute("SELECT state FROM rounds WHERE id = ?", (round_id,)).fetchone()
    return None if row is None else str(row[0])


def _answer_by_message(conn: sqlite3.Connection, round_id: int, message_id: str) -> AnswerRow | None:
    row = conn.execute(
        "SELECT id, member_id, late, withdrawn FROM answers WHERE round_id = ? AND message_id = ?",
        (round_id, message_id),
    ).fetchone()
    return None if row is None else AnswerRow(int(row[0]), str(row[1]), bool(row[2]), bool(row[3]))


class AnswerStore:
    def __init__(self, db: Database) -> None:
        self._db = db

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
        """Store a member's answer; committed before this returns. ``None`` if the round takes no answers.

        Whether the answer is late is decided inside the write, against the round's state at that moment, so an
        answer racing the reveal is either scored or marked late, never lost.
        """

        def job(conn: sqlite3.Connection) -> AnswerReceipt | None:
            state = _round_state(conn, round_id)
            if state is None or state in ("pending", "cancelled"):
                return None
            late = state in _LATE_STATES
            at = to_db(now)
            conn.execute(
                "INSERT INTO members (platform, guild_id, member_id, display_name) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET display_name = excluded.display_name "
                "WHERE display_name IS NOT excluded.display_name",
                (platform, guild_id, member.member_id, member.display_name),
            )
            existing = conn.execute(
                "SELECT id, message_id, text, withdrawn FROM answers WHERE round_id = ? AND member_id = ? AND late = ?",
                (round_id, member.member_id, int(late)),
            ).fetchone()
            if existing is not None and _redelivered(existing, message_id, text):
                return AnswerReceipt(int(existing[0]), round_id, "unchanged", late, private)
            if existing is None:
                cur = conn.execute(
                    "INSERT INTO answers (round_id, member_id, message_id, text, private, late, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (round_id, member.member_id, message_id, text, int(private), int(late), at, at),
                )
                answer_id = int(cur.lastrowid or 0)
                action, status = "create", ("late" if late else "recorded")
            else:
                # One answer per member and round: a second message replaces the first, history kept.
                answer_id = int(existing[0])
                conn.execute(
                    "UPDATE answers SET text = ?, message_id = ?, private = ?, withdrawn = 0, updated_at = ? "
                    "WHERE id = ?",
                    (text, message_id, int(private), at, answer_id),
                )
                action, status = "edit", ("late" if late else "replaced")
            conn.execute(
                "INSERT INTO answer_revisions (answer_id, action, text, at) VALUES (?, ?, ?, ?)",
                (answer_id, action, text, at),
            )
            return AnswerReceipt(answer_id, round_id, status, late, private)

        return await self._db.write(job)

    async def edit(self, round_id: int, message_id: str, text: str, now: dt.datetime) -> AnswerReceipt | None:
        """Replace the text of the answer held by ``message_id``. After the reveal the edit is only kept in the
        history: the scored answer stays what was revealed."""

        def job(conn: sqlite3.Connection) -> AnswerReceipt | None:
            answer = _answer_by_message(conn, round_id, message_id)
            if answer is None:
                return None
            state = _round_state(conn, round_id)
            frozen = state in _LATE_STATES and not answer.late
            if answer.withdrawn and not frozen:
                return None  # withdrawn already: nothing left to withdraw
            at = to_db(now)
            if not frozen:
                conn.execute(
                    "UPDATE answers SET text = ?, withdrawn = 0, updated_at = ? WHERE id = ?",
                    (text, at, answer.id),
                )
            conn.execute(
                "INSERT INTO answer_revisions (answer_id, action, text, at) VALUES (?, 'edit', ?, ?)",
                (answer.id, text, at),
            )
            return AnswerReceipt(answer.id, round_id, "kept" if frozen else "replaced", answer.late, False)

        return await self._db.write(job)

    async def withdraw(self, round_id: int, message_id: str, now: dt.datetime) -> AnswerReceipt | None:
        """A deleted message withdraws its answer while the round is open; after the reveal it is only noted."""

        def job(conn: sqlite3.Connection) -> AnswerReceipt | None:
            answer = _answer_by_message(conn, round_id, message_id)
            if answer is None:
                return None
            state = _round_state(conn, round_id)
            frozen = state in _LATE_STATES and not answer.late
            if answer.withdrawn and not frozen:
                return None  # withdrawn already: nothing left to withdraw
            at = to_db(now)
            if not frozen:
                conn.execute("UPDATE answers SET withdrawn = 1, updated_at = ? WHERE id = ?", (at, answer.id))
            conn.execute(
                "INSERT INTO answer_revisions (answer_id, action, text, at) "
                "SELECT id, 'withdraw', text, ? FROM answers WHERE id = ?",
                (at, answer.id),
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

        def job(conn: sqlite3.Connection) -> VoteResult:
            answer = _answer_by_message(conn, round_id, message_id)
            if answer is None or answer.withdrawn:
                return VoteResult(False, "no-answer")
            if answer.member_id == voter_id:
                return VoteResult(False, "self")
            if add:
                cur = conn.execute(
                    "INSERT INTO votes (answer_id, voter_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (answer.id, voter_id, to_db(now)),
                )
                if cur.rowcount == 0:
                    return VoteResult(False, "duplicate")
            else:
                cur = conn.execute("DELETE FROM votes WHERE answer_id = ? AND voter_id = ?", (answer.id, voter_id))
                if cur.rowcount == 0:
                    return VoteResult(False, "no-vote")
            _settle_vote_points(conn, answer.id, points_for)
            return VoteResult(True, "counted" if add else "removed")

        return await self._db.write(job)

    async def for_round(self, round_id: int) -> list[AnswerRecord]:
        rows = await self._db.fetchall(
            "SELECT a.id, a.member_id, a.text, a.private, a.late, a.message_id, "
            "COALESCE(m.display_name, a.member_id) AS name, "
            "(SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id) AS votes "
            "FROM answers a JOIN rounds r ON r.id = a.round_id JOIN channels c ON c.id = r.channel_ref "
            "LEFT JOIN members m ON m.platform = c.platform AND m.guild_id = c.guild_id "
            "AND m.member_id = a.member_id WHERE a.round_id = ? AND a.withdrawn = 0 ORDER BY a.created_at, a.id",
            (round_id,),
        )
        return [
            AnswerRecord(
                answer_id=int(r["id"]),
                member=Member(r["member_id"], r["name"]),
                text=r["text"],
                private=bool(r["private"]),
                late=bool(r["late"]),
                votes=int(r["votes"]),
                message_id=r["message_id"],
            )
            for r in rows
        ]

    async def message_ids(self, round_id: int) -> set[str]:
        """The platform messages that hold the round's answers now, withdrawn ones included."""
        rows = await self._db.fetchall(
            "SELECT message_id FROM answers WHERE round_id = ? AND message_id IS NOT NULL", (round_id,)
        )
        return {str(r["message_id"]) for r in rows}

    async def member_ids(self, round_id: int) -> set[str]:
        """The members who hold an answer in the round, private and withdrawn ones included."""
        rows = await self._db.fetchall("SELECT DISTINCT member_id FROM answers WHERE round_id = ?", (round_id,))
        return {str(r["member_id"]) for r in rows}

    async def history(self, answer_id: int) -> list[tuple[str, str]]:
        rows = await self._db.fetchall(
            "SELECT action, text FROM answer_revisions WHERE answer_id = ? ORDER BY id", (answer_id,)
        )
        return [(r["action"], r["text"]) for r in rows]


def _redelivered(existing: sqlite3.Row, message_id: str | None, text: str) -> bool:
    """The same message with the same text again (a platform delivering an event twice): nothing to change."""
    return message_id is not None and existing[1] == message_id and existing[2] == text and not existing[3]


def _settle_vote_points(conn: sqlite3.Connection, answer_id: int, points_for: VotePoints) -> None:
    """Bring a revealed answer's vote points, and the leaderboard totals, in line with its current votes."""
    result = conn.execute(
        "SELECT r.round_id, r.member_id, r.platform, r.guild_id, r.vote_points, r.period_week, r.period_month "
        "FROM results r WHERE r.answer_id = ?",
        (answer_id,),
    ).fetchone()
    if result is None:
        return  # not revealed yet: votes are counted at the reveal
    count_row = conn.execute("SELECT COUNT(*) FROM votes WHERE answer_id = ?", (answer_id,)).fetchone()
    new_points = points_for(int(count_row[0]) if count_row else 0)
    delta = new_points - int(result["vote_points"])
    if delta == 0:
        return
    conn.execute(
        "UPDATE results SET vote_points = ? WHERE round_id = ? AND member_id = ?",
        (new_points, result["round_id"], result["member_id"]),
    )
    for period in ("all", result["period_week"], result["period_month"]):
        conn.execute(
            "UPDATE totals SET points = points + ? WHERE platform = ? AND guild_id = ? AND period = ? "
            "AND member_id = ?",
            (delta, result["platform"], result["guild_id"], period, result["member_id"]),
        )
