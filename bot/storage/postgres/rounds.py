"""Rounds: claiming a slot, posting, revealing, cancelling; and what a channel has already been asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import asyncpg

from bot.core.models import ChannelKey, Round, RoundKind, RoundState
from bot.storage.postgres.database import Connection, Database

ROUND_SELECT = (
    "SELECT r.id, r.channel_ref, r.kind, r.state, r.deck_id, r.question_id, r.slot, r.opened_at, r.reveal_at, "
    "r.revealed_at, r.message_id, r.thread_id, c.platform, c.guild_id, c.channel_id "
    "FROM rounds r JOIN channels c ON c.id = r.channel_ref"
)


def round_from_row(row: asyncpg.Record) -> Round:
    return Round(
        id=int(row["id"]),
        channel_ref=int(row["channel_ref"]),
        channel=ChannelKey(row["platform"], row["guild_id"], row["channel_id"]),
        kind=RoundKind(row["kind"]),
        state=RoundState(row["state"]),
        deck_id=row["deck_id"],
        question_id=row["question_id"],
        opened_at=row["opened_at"],
        reveal_at=row["reveal_at"],
        slot=row["slot"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        revealed_at=row["revealed_at"],
    )


class RoundStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self,
        *,
        channel_ref: int,
        kind: RoundKind,
        deck_id: str,
        question_id: str,
        category: str,
        cycle: int,
        slot: dt.datetime | None,
        opened_at: dt.datetime,
        reveal_at: dt.datetime,
    ) -> Round | None:
        """Create a pending round; ``None`` if the channel's slot was already claimed (by anyone, ever).

        The unique (channel_ref, slot) key decides: a concurrent claimer's insert waits for the first one's
        transaction and then inserts nothing."""

        async def job(conn: Connection) -> int | None:
            value = await conn.fetchval(
                "INSERT INTO rounds (channel_ref, kind, state, deck_id, question_id, category, cycle, slot, "
                "opened_at, reveal_at, heartbeat_at) VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $8) "
                "ON CONFLICT (channel_ref, slot) DO NOTHING RETURNING id",
                channel_ref,
                kind.value,
                deck_id,
                question_id,
                category,
                cycle,
                slot,
                opened_at,
                reveal_at,
            )
            return None if value is None else int(value)

        round_id = await self._db.write(job)
        return None if round_id is None else await self.get(round_id)

    async def get(self, round_id: int) -> Round | None:
        row = await self._db.fetchrow(f"{ROUND_SELECT} WHERE r.id = $1", round_id)
        return None if row is None else round_from_row(row)

    async def by_thread(self, platform: str, thread_id: str) -> Round | None:
        row = await self._db.fetchrow(f"{ROUND_SELECT} WHERE r.thread_id = $1 AND c.platform = $2", thread_id, platform)
        return None if row is None else round_from_row(row)

    async def by_message(self, platform: str, message_id: str) -> Round | None:
        row = await self._db.fetchrow(
            f"{ROUND_SELECT} WHERE r.message_id = $1 AND c.platform = $2", message_id, platform
        )
        return None if row is None else round_from_row(row)

    async def latest_open(self, channel_ref: int) -> Round | None:
        row = await self._db.fetchrow(
            f"{ROUND_SELECT} WHERE r.channel_ref = $1 AND r.state = 'open' ORDER BY r.id DESC LIMIT 1", channel_ref
        )
        return None if row is None else round_from_row(row)

    async def latest_revealed(self, channel_ref: int) -> Round | None:
        row = await self._db.fetchrow(
            f"{ROUND_SELECT} WHERE r.channel_ref = $1 AND r.state = 'revealed' "
            "ORDER BY r.revealed_at DESC NULLS LAST, r.id DESC LIMIT 1",
            channel_ref,
        )
        return None if row is None else round_from_row(row)

    async def in_states(self, *states: RoundState) -> list[Round]:
        if not states:
            return []
        rows = await self._db.fetch(
            f"{ROUND_SELECT} WHERE r.state = ANY($1::text[]) ORDER BY r.reveal_at, r.id", [s.value for s in states]
        )
        return [round_from_row(r) for r in rows]

    async def latest_daily_slot(self, channel_ref: int) -> dt.datetime | None:
        value: dt.datetime | None = await self._db.fetchval(
            "SELECT MAX(slot) FROM rounds WHERE channel_ref = $1 AND slot IS NOT NULL", channel_ref
        )
        return value

    async def slot_claimed(self, channel_ref: int, slot: dt.datetime) -> bool:
        value = await self._db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM rounds WHERE channel_ref = $1 AND slot = $2)", channel_ref, slot
        )
        return bool(value)

    async def asked_in_cycle(self, channel_ref: int, cycle: int) -> set[tuple[str, str]]:
        rows = await self._db.fetch(
            "SELECT DISTINCT deck_id, question_id FROM rounds WHERE channel_ref = $1 AND cycle = $2 "
            "AND state != 'cancelled'",
            channel_ref,
            cycle,
        )
        return {(r["deck_id"], r["question_id"]) for r in rows}

    async def last_asked(self, channel_ref: int) -> dict[tuple[str, str], int]:
        """For each question asked in the channel, the id of the latest round that asked it."""
        rows = await self._db.fetch(
            "SELECT deck_id, question_id, MAX(id) AS last FROM rounds WHERE channel_ref = $1 "
            "AND state != 'cancelled' GROUP BY deck_id, question_id",
            channel_ref,
        )
        return {(r["deck_id"], r["question_id"]): int(r["last"]) for r in rows}

    async def channel_cycle(self, channel_ref: int) -> int:
        value = await self._db.fetchval("SELECT cycle FROM channels WHERE id = $1", channel_ref)
        return 0 if value is None else int(value)

    async def start_new_cycle(self, channel_ref: int, expected: int) -> int:
        """Move the channel to the next selection cycle, unless someone already did (a guarded update)."""

        async def job(conn: Connection) -> int:
            await conn.execute(
                "UPDATE channels SET cycle = cycle + 1 WHERE id = $1 AND cycle = $2", channel_ref, expected
            )
            value = await conn.fetchval("SELECT cycle FROM channels WHERE id = $1", channel_ref)
            return expected + 1 if value is None else int(value)

        return await self._db.write(job)

    async def mark_posted(self, round_id: int, message_id: str, thread_id: str | None) -> bool:
        """Pending -> open, recording where the question lives. False if the round was not pending."""

        async def job(conn: Connection) -> bool:
            value = await conn.fetchval(
                "UPDATE rounds SET state = 'open', message_id = $1, thread_id = $2 "
                "WHERE id = $3 AND state = 'pending' RETURNING id",
                message_id,
                thread_id,
                round_id,
            )
            return value is not None

        return await self._db.write(job)

    async def note_post_attempt(self, round_id: int) -> int:
        async def job(conn: Connection) -> int:
            value = await conn.fetchval(
                "UPDATE rounds SET post_attempts = post_attempts + 1 WHERE id = $1 RETURNING post_attempts", round_id
            )
            return 0 if value is None else int(value)

        return await self._db.write(job)

    async def cancel(self, round_id: int) -> bool:
        async def job(conn: Connection) -> bool:
            value = await conn.fetchval(
                "UPDATE rounds SET state = 'cancelled' WHERE id = $1 AND state IN ('pending', 'open') RETURNING id",
                round_id,
            )
            return value is not None

        return await self._db.write(job)

    async def reschedule_reveal(self, round_id: int, reveal_at: dt.datetime) -> None:
        async def job(conn: Connection) -> None:
            await conn.execute("UPDATE rounds SET reveal_at = $1 WHERE id = $2 AND state = 'open'", reveal_at, round_id)

        await self._db.write(job)

    async def mark_revealed(self, round_id: int, at: dt.datetime) -> bool:
        async def job(conn: Connection) -> bool:
            value = await conn.fetchval(
                "UPDATE rounds SET state = 'revealed', revealed_at = COALESCE(revealed_at, $1) "
                "WHERE id = $2 AND state = 'revealing' RETURNING id",
                at,
                round_id,
            )
            return value is not None

        return await self._db.write(job)

    async def keep_alive(self, round_ids: Collection[int], now: dt.datetime, worker: str) -> None:
        ids = sorted(set(round_ids))
        if not ids:
            return

        async def job(conn: Connection) -> None:
            await conn.execute(
                "UPDATE rounds SET heartbeat_at = $1 WHERE id = ANY($2::bigint[]) "
                "AND state IN ('pending', 'revealing') AND (worker IS NULL OR worker = $3)",
                now,
                ids,
                worker,
            )

        await self._db.write(job)

    async def take_over(
        self, round_id: int, state: RoundState, now: dt.datetime, stale_before: dt.datetime, worker: str
    ) -> bool:
        """A guarded update: a concurrent taker waits for the first one's row lock, then finds the heartbeat
        fresh and changes nothing."""

        async def job(conn: Connection) -> bool:
            value = await conn.fetchval(
                "UPDATE rounds SET heartbeat_at = $1, worker = $5 WHERE id = $2 AND state = $3 "
                "AND state IN ('pending', 'revealing') AND COALESCE(heartbeat_at, opened_at) <= $4 RETURNING id",
                now,
                round_id,
                state.value,
                stale_before,
                worker,
            )
            return value is not None

        return await self._db.write(job)

    async def still_working(self, round_id: int, worker: str, now: dt.datetime) -> bool:
        async def job(conn: Connection) -> bool:
            value = await conn.fetchval(
                "UPDATE rounds SET heartbeat_at = $1 WHERE id = $2 AND state IN ('pending', 'revealing') "
                "AND (worker IS NULL OR worker = $3) RETURNING id",
                now,
                round_id,
                worker,
            )
            return value is not None

        return await self._db.write(job)

    async def stalled(self, stale_before: dt.datetime) -> list[Round]:
        rows = await self._db.fetch(
            f"{ROUND_SELECT} WHERE (r.state IN ('pending', 'revealing') "
            "AND COALESCE(r.heartbeat_at, r.opened_at) <= $1) OR (r.state = 'open' AND r.reveal_at <= $1) "
            "ORDER BY r.reveal_at, r.id",
            stale_before,
        )
        return [round_from_row(r) for r in rows]
