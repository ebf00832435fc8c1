"""Disputes of graded concepts: opened by the answer's author, decided once by an admin."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from bot.core.models import AcceptedWording, Dispute, DisputeState, OpenOutcome
from bot.core.ports.storage import Rescorer
from bot.storage.postgres.database import Connection, Database, lock_leaderboard
from bot.storage.rows import dispute_from_row

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
        """Open a dispute of ``concept`` in the member's result of the round, once per answer and concept: the
        unique (answer, concept) key decides between concurrent requests."""

        async def job(conn: Connection) -> tuple[OpenOutcome, int | None]:
            row = await conn.fetchrow(
                "SELECT answer_id, platform, guild_id, missed, contradicted FROM results "
                "WHERE round_id = $1 AND member_id = $2",
                round_id,
                member_id,
            )
            if row is None:
                return OpenOutcome.NO_RESULT, None
            answer_id = int(row["answer_id"])
            if concept not in {*json.loads(row["missed"]), *json.loads(row["contradicted"])}:
                existing = await _existing(conn, answer_id, concept)
                if existing is not None:
                    return OpenOutcome.EXISTS, existing
                return OpenOutcome.NOT_DISPUTABLE, None
            created = await conn.fetchval(
                "INSERT INTO disputes (round_id, answer_id, member_id, platform, guild_id, concept, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (answer_id, concept) DO NOTHING RETURNING id",
                round_id,
                answer_id,
                member_id,
                row["platform"],
                row["guild_id"],
                concept,
                now,
            )
            if created is not None:
                return OpenOutcome.OPENED, int(created)
            return OpenOutcome.EXISTS, await _existing(conn, answer_id, concept)

        outcome, dispute_id = await self._db.write(job)
        return outcome, (await self.get(dispute_id) if dispute_id is not None else None)

    async def get(self, dispute_id: int) -> Dispute | None:
        row = await self._db.fetchrow(f"{_SELECT} WHERE d.id = $1", dispute_id)
        return dispute_from_row(row) if row else None

    async def accepted_with(self, dispute_id: int) -> frozenset[str]:
        """The concepts already accepted on the answer this dispute concerns."""
        rows = await self._db.fetch(
            "SELECT o.concept FROM disputes d JOIN disputes o ON o.answer_id = d.answer_id "
            "WHERE d.id = $1 AND o.state = 'accepted'",
            dispute_id,
        )
        return frozenset(r["concept"] for r in rows)

    async def for_round(self, round_id: int, state: DisputeState | None = None) -> list[Dispute]:
        if state is None:
            rows = await self._db.fetch(f"{_SELECT} WHERE d.round_id = $1 ORDER BY d.id", round_id)
        else:
            rows = await self._db.fetch(
                f"{_SELECT} WHERE d.round_id = $1 AND d.state = $2 ORDER BY d.id", round_id, state.value
            )
        return [dispute_from_row(row) for row in rows]

    async def open_in_channel(self, channel_ref: int) -> list[Dispute]:
        rows = await self._db.fetch(
            f"{_SELECT} JOIN rounds r ON r.id = d.round_id WHERE r.channel_ref = $1 AND d.state = 'open' ORDER BY d.id",
            channel_ref,
        )
        return [dispute_from_row(row) for row in rows]

    async def decide(
        self, dispute_id: int, *, accept: bool, admin_id: str, now: dt.datetime, rescore: Rescorer
    ) -> Dispute | None:
        """Accept or reject an open dispute. Accepting re-scores the answer and moves the member's leaderboard
        totals by the difference, in the same transaction that closes the dispute: ``None`` if it was not
        open (the guarded update), so a decision takes effect exactly once however often it is sent."""

        async def job(conn: Connection) -> bool:
            state = DisputeState.ACCEPTED if accept else DisputeState.REJECTED
            decided = await conn.fetchval(
                "UPDATE disputes SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'open' "
                "RETURNING id",
                state.value,
                admin_id,
                now,
                dispute_id,
            )
            if decided is None:
                return False
            if accept:
                await _apply_rescore(conn, dispute_id, rescore)
            return True

        if not await self._db.write(job):
            return None
        return await self.get(dispute_id)

    async def accepted_wordings(self) -> list[AcceptedWording]:
        rows = await self._db.fetch(
            "SELECT r.deck_id, r.question_id, d.concept, a.text FROM disputes d JOIN rounds r ON r.id = d.round_id "
            "JOIN answers a ON a.id = d.answer_id WHERE d.state = 'accepted' ORDER BY r.deck_id, r.question_id, d.id"
        )
        return [AcceptedWording(r["deck_id"], r["question_id"], r["concept"], r["text"]) for r in rows]


async def _existing(conn: Connection, answer_id: int, concept: str) -> int | None:
    value = await conn.fetchval("SELECT id FROM disputes WHERE answer_id = $1 AND concept = $2", answer_id, concept)
    return None if value is None else int(value)


async def _apply_rescore(conn: Connection, dispute_id: int, rescore: Rescorer) -> None:
    # The result row is locked before the accepted concepts are read: two disputes of one answer decided at
    # once re-score one after the other, the second with both concepts.
    row = await conn.fetchrow(
        "SELECT s.round_id, s.member_id, s.platform, s.guild_id, s.coverage_points, s.period_week, s.period_month, "
        "a.text, d.answer_id FROM disputes d JOIN results s ON s.answer_id = d.answer_id "
        "JOIN answers a ON a.id = d.answer_id WHERE d.id = $1 FOR NO KEY UPDATE OF s",
        dispute_id,
    )
    assert row is not None, "a dispute is only opened on a scored answer"
    concepts = await conn.fetch(
        "SELECT concept FROM disputes WHERE answer_id = $1 AND state = 'accepted'", row["answer_id"]
    )
    accepted = frozenset(r["concept"] for r in concepts)
    result = await asyncio.to_thread(rescore, row["text"], accepted)
    delta = result.coverage_points - int(row["coverage_points"])
    await conn.execute(
        "UPDATE results SET covered = $1, named = $2, contradicted = $3, missed = $4, coverage = $5, "
        "coverage_points = $6 WHERE round_id = $7 AND member_id = $8",
        json.dumps(list(result.covered), ensure_ascii=False),
        json.dumps(list(result.named), ensure_ascii=False),
        json.dumps(list(result.contradicted), ensure_ascii=False),
        json.dumps(list(result.missed), ensure_ascii=False),
        result.coverage,
        result.coverage_points,
        row["round_id"],
        row["member_id"],
    )
    await conn.execute("UPDATE disputes SET points_delta = $1 WHERE id = $2", delta, dispute_id)
    if delta:
        await lock_leaderboard(conn, row["platform"], row["guild_id"])
        await conn.execute(
            "UPDATE totals SET points = points + $1 WHERE platform = $2 AND guild_id = $3 AND member_id = $4 "
            "AND period = ANY($5::text[])",
            delta,
            row["platform"],
            row["guild_id"],
            row["member_id"],
            ["all", row["period_week"], row["period_month"]],
        )
