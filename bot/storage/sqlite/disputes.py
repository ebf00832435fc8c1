"""Disputes of graded concepts: opened by the answer's author, decided once by an admin."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from bot.core.models import AcceptedWording, Dispute, DisputeState, OpenOutcome
from bot.core.ports.storage import Rescorer
from bot.storage.rows import dispute_from_row
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db

_SELECT = (
    "SELECT d.*, a.text, COALESCE(m.display_name, d.member_id) AS name FROM disputes d "
    "JOIN answers a ON a.id = d.answer_id LEFT JOIN members m ON m.platform = d.platform "
    "AND m.guild_id = d.guild_id AND m.member_id = d.member_id"
)


class DisputeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(
        self, round_id: int, member_id: str, concept: str, now: dt.datetime
    ) -> tuple[OpenOutcome, Dispute | None]:
        """Open a dispute of ``concept`` in the member's result of the round, once per answer and concept."""

        def job(conn: sqlite3.Connection) -> tuple[OpenOutcome, int | None]:
            row = conn.execute(
                "SELECT answer_id, platform, guild_id, missed, contradicted FROM results "
                "WHERE round_id = ? AND member_id = ?",
                (round_id, member_id),
            ).fetchone()
            if row is None:
                return OpenOutcome.NO_RESULT, None
            if concept not in {*json.loads(row["missed"]), *json.loads(row["contradicted"])}:
                existing = conn.execute(
                    "SELECT id FROM disputes WHERE answer_id = ? AND concept = ?", (row["answer_id"], concept)
                ).fetchone()
                if existing is not None:
                    return OpenOutcome.EXISTS, int(existing["id"])
                return OpenOutcome.NOT_DISPUTABLE, None
            cur = conn.execute(
                "INSERT INTO disputes (round_id, answer_id, member_id, platform, guild_id, concept, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id, concept) DO NOTHING",
                (round_id, row["answer_id"], member_id, row["platform"], row["guild_id"], concept, to_db(now)),
            )
            if cur.rowcount == 1:
                return OpenOutcome.OPENED, cur.lastrowid
            existing = conn.execute(
                "SELECT id FROM disputes WHERE answer_id = ? AND concept = ?", (row["answer_id"], concept)
            ).fetchone()
            return OpenOutcome.EXISTS, int(existing["id"])

        outcome, dispute_id = await self._db.write(job)
        return outcome, (await self.get(dispute_id) if dispute_id is not None else None)

    async def get(self, dispute_id: int) -> Dispute | None:
        row = await self._db.fetchone(f"{_SELECT} WHERE d.id = ?", (dispute_id,))
        return dispute_from_row(row) if row else None

    async def accepted_with(self, dispute_id: int) -> frozenset[str]:
        """The concepts already accepted on the answer this dispute concerns."""
        rows = await self._db.fetchall(
            "SELECT o.concept FROM disputes d JOIN disputes o ON o.answer_id = d.answer_id "
            "WHERE d.id = ? AND o.state = 'accepted'",
            (dispute_id,),
        )
        return frozenset(r["concept"] for r in rows)

    async def for_round(self, round_id: int, state: DisputeState | None = None) -> list[Dispute]:
        if state is None:
            rows = await self._db.fetchall(f"{_SELECT} WHERE d.round_id = ? ORDER BY d.id", (round_id,))
        else:
            rows = await self._db.fetchall(
                f"{_SELECT} WHERE d.round_id = ? AND d.state = ? ORDER BY d.id", (round_id, state.value)
            )
        return [dispute_from_row(row) for row in rows]

    async def open_in_channel(self, channel_ref: int) -> list[Dispute]:
        rows = await self._db.fetchall(
            f"{_SELECT} JOIN rounds r ON r.id = d.round_id WHERE r.channel_ref = ? AND d.state = 'open' ORDER BY d.id",
            (channel_ref,),
        )
        return [dispute_from_row(row) for row in rows]

    async def decide(
        self, dispute_id: int, *, accept: bool, admin_id: str, now: dt.datetime, rescore: Rescorer
    ) -> Dispute | None:
        """Accept or reject an open dispute. Accepting re-scores the answer and moves the member's leaderboard
        totals by the difference, in the same transaction that closes the dispute: ``None`` if it was not
        open, so a decision takes effect exactly once however often it is sent."""

        def job(conn: sqlite3.Connection) -> bool:
            state = DisputeState.ACCEPTED if accept else DisputeState.REJECTED
            cur = conn.execute(
                "UPDATE disputes SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'open'",
                (state.value, admin_id, to_db(now), dispute_id),
            )
            if cur.rowcount != 1:
                return False
            if accept:
                _apply_rescore(conn, dispute_id, rescore)
            return True

        if not await self._db.write(job):
            return None
        return await self.get(dispute_id)

    async def accepted_wordings(self) -> list[AcceptedWording]:
        rows = await self._db.fetchall(
            "SELECT r.deck_id, r.question_id, d.concept, a.text FROM disputes d JOIN rounds r ON r.id = d.round_id "
            "JOIN answers a ON a.id = d.answer_id WHERE d.state = 'accepted' ORDER BY r.deck_id, r.question_id, d.id"
        )
        return [AcceptedWording(r["deck_id"], r["question_id"], r["concept"], r["text"]) for r in rows]


def _apply_rescore(conn: sqlite3.Connection, dispute_id: int, rescore: Rescorer) -> None:
    row = conn.execute(
        "SELECT s.round_id, s.member_id, s.platform, s.guild_id, s.coverage_points, s.period_week, s.period_month, "
        "a.text, d.answer_id FROM disputes d JOIN results s ON s.answer_id = d.answer_id "
        "JOIN answers a ON a.id = d.answer_id WHERE d.id = ?",
        (dispute_id,),
    ).fetchone()
    accepted = frozenset(
        r["concept"]
        for r in conn.execute(
            "SELECT concept FROM disputes WHERE answer_id = ? AND state = 'accepted'", (row["answer_id"],)
        )
    )
    result = rescore(row["text"], accepted)
    delta = result.coverage_points - int(row["coverage_points"])
    conn.execute(
        "UPDATE results SET covered = ?, named = ?, contradicted = ?, missed = ?, coverage = ?, coverage_points = ? "
        "WHERE round_id = ? AND member_id = ?",
        (
            json.dumps(list(result.covered), ensure_ascii=False),
            json.dumps(list(result.named), ensure_ascii=False),
            json.dumps(list(result.contradicted), ensure_ascii=False),
            json.dumps(list(result.missed), ensure_ascii=False),
            result.coverage,
            result.coverage_points,
            row["round_id"],
            row["member_id"],
        ),
    )
    conn.execute("UPDATE disputes SET points_delta = ? WHERE id = ?", (delta, dispute_id))
    if delta:
        conn.execute(
            "UPDATE totals SET points = points + ? WHERE platform = ? AND guild_id = ? AND member_id = ? "
            "AND period IN ('all', ?, ?)",
            (delta, row["platform"], row["guild_id"], row["member_id"], row["period_week"], row["period_month"]),
        )
