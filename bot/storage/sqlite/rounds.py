"""Rounds: claiming a slot, posting, revealing, cancelling; and what a channel has already been asked."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection

from bot.core.models import ChannelKey, Round, RoundKind, RoundState
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import from_db, maybe_from_db, to_db

_ROUND_SELECT = (
    "SELECT r.id, r.channel_ref, r.kind, r.state, r.deck_id, r.question_id, r.slot, r.opened_at, r.reveal_at, "
    "r.revealed_at, r.message_id, r.thread_id, c.platform, c.guild_id, c.channel_id "
    "FROM rounds r JOIN channels c ON c.id = r.channel_ref"
)
# Ids bound in one statement, under SQLite's default limit on host parameters.
_ID_BATCH = 500


def round_from_row(row: sqlite3.Row) -> Round:
    return Round(
        id=int(row["id"]),
        channel_ref=int(row["channel_ref"]),
        channel=ChannelKey(row["platform"], row["guild_id"], row["channel_id"]),
        kind=RoundKind(row["kind"]),
        state=RoundState(row["state"]),
        deck_id=row["deck_id"],
        question_id=row["question_id"],
        opened_at=from_db(row["opened_at"]),
        reveal_at=from_db(row["reveal_at"]),
        slot=maybe_from_db(row["slot"]),
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        revealed_at=maybe_from_db(row["revealed_at"]),
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
        """Create a pending round; ``None`` if the channel's slot was already claimed (by anyone, ever)."""

        def job(conn: sqlite3.Connection) -> int | None:
            cur = conn.execute(
                "INSERT INTO rounds (channel_ref, kind, state, deck_id, question_id, category, cycle, slot, "
                "opened_at, reveal_at, heartbeat_at) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel_ref, slot) DO NOTHING",
                (
                    channel_ref,
                    kind.value,
                    deck_id,
                    question_id,
                    category,
                    cycle,
                    None if slot is None else to_db(slot),
                    to_db(opened_at),
                    to_db(reveal_at),
                    to_db(opened_at),
                ),
            )
            return cur.lastrowid if cur.rowcount == 1 else None

        round_id = await self._db.write(job)
        return None if round_id is None else await self.get(round_id)

    async def get(self, round_id: int) -> Round | None:
        row = await self._db.fetchone(f"{_ROUND_SELECT} WHERE r.id = ?", (round_id,))
        return None if row is None else round_from_row(row)

    async def by_thread(self, platform: str, thread_id: str) -> Round | None:
        row = await self._db.fetchone(
            f"{_ROUND_SELECT} WHERE r.thread_id = ? AND c.platform = ?", (thread_id, platform)
        )
        return None if row is None else round_from_row(row)

    async def by_message(self, platform: str, message_id: str) -> Round | None:
        row = await self._db.fetchone(
            f"{_ROUND_SELECT} WHERE r.message_id = ? AND c.platform = ?", (message_id, platform)
        )
        return None if row is None else round_from_row(row)

    async def latest_open(self, channel_ref: int) -> Round | None:
        row = await self._db.fetchone(
            f"{_ROUND_SELECT} WHERE r.channel_ref = ? AND r.state = 'open' ORDER BY r.id DESC LIMIT 1",
            (channel_ref,),
        )
        return None if row is None else round_from_row(row)

    async def latest_revealed(self, channel_ref: int) -> Round | None:
        row = await self._db.fetchone(
            f"{_ROUND_SELECT} WHERE r.channel_ref = ? AND r.state = 'revealed' ORDER BY r.revealed_at DESC, r.id DESC "
            "LIMIT 1",
            (channel_ref,),
        )
        return None if row is None else round_from_row(row)

    async def in_states(self, *states: RoundState) -> list[Round]:
        marks = ", ".join("?" for _ in states)
        rows = await self._db.fetchall(
            f"{_ROUND_SELECT} WHERE r.state IN ({marks}) ORDER BY r.reveal_at, r.id",
            tuple(s.value for s in states),
        )
        return [round_from_row(r) for r in rows]

    async def latest_daily_slot(self, channel_ref: int) -> dt.datetime | None:
        row = await self._db.fetchone(
            "SELECT MAX(slot) AS slot FROM rounds WHERE channel_ref = ? AND slot IS NOT NULL", (channel_ref,)
        )
        return None if row is None or row["slot"] is None else from_db(row["slot"])

    async def slot_claimed(self, channel_ref: int, slot: dt.datetime) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM rounds WHERE channel_ref = ? AND slot = ?", (channel_ref, to_db(slot))
        )
        return row is not None

    async def asked_in_cycle(self, channel_ref: int, cycle: int) -> set[tuple[str, str]]:
        rows = await self._db.fetchall(
            "SELECT DISTINCT deck_id, question_id FROM rounds WHERE channel_ref = ? AND cycle = ? "
            "AND state != 'cancelled'",
            (channel_ref, cycle),
        )
        return {(r["deck_id"], r["question_id"]) for r in rows}

    async def last_asked(self, channel_ref: int) -> dict[tuple[str, str], int]:
        """For each question asked in the channel, the id of the latest round that asked it."""
        rows = await self._db.fetchall(
            "SELECT deck_id, question_id, MAX(id) AS last FROM rounds WHERE channel_ref = ? "
            "AND state != 'cancelled' GROUP BY deck_id, question_id",
            (channel_ref,),
        )
        return {(r["deck_id"], r["question_id"]): int(r["last"]) for r in rows}

    async def channel_cycle(self, channel_ref: int) -> int:
        row = await self._db.fetchone("SELECT cycle FROM channels WHERE id = ?", (channel_ref,))
        return 0 if row is None else int(row["cycle"])

    async def start_new_cycle(self, channel_ref: int, expected: int) -> int:
        """Move the channel to the next selection cycle, unless someone already did."""

        def job(conn: sqlite3.Connection) -> int:
            conn.execute("UPDATE channels SET cycle = cycle + 1 WHERE id = ? AND cycle = ?", (channel_ref, expected))
            row = conn.execute("SELECT cycle FROM channels WHERE id = ?", (channel_ref,)).fetchone()
            return int(row[0]) if row else expected + 1

        return await self._db.write(job)

    async def mark_posted(self, round_id: int, message_id: str, thread_id: str | None) -> bool:
        """Pending -> open, recording where the question lives. False if the round was not pending."""

        def job(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE rounds SET state = 'open', message_id = ?, thread_id = ? WHERE id = ? AND state = 'pending'",
                (message_id, thread_id, round_id),
            )
            return cur.rowcount == 1

        return await self._db.write(job)

    async def note_post_attempt(self, round_id: int) -> int:
        def job(conn: sqlite3.Connection) -> int:
            conn.execute("UPDATE rounds SET post_attempts = post_attempts + 1 WHERE id = ?", (round_id,))
            row = conn.execute("SELECT post_attempts FROM rounds WHERE id = ?", (round_id,)).fetchone()
            return int(row[0]) if row else 0

        return await self._db.write(job)

    async def cancel(self, round_id: int) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE rounds SET state = 'cancelled' WHERE id = ? AND state IN ('pending', 'open')",
                (round_id,),
            )
            return cur.rowcount == 1

        return await self._db.write(job)

    async def reschedule_reveal(self, round_id: int, reveal_at: dt.datetime) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE rounds SET reveal_at = ? WHERE id = ? AND state = 'open'",
                (to_db(reveal_at), round_id),
            )

        await self._db.write(job)

    async def mark_revealed(self, round_id: int, at: dt.datetime) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE rounds SET state = 'revealed', revealed_at = COALESCE(revealed_at, ?) "
                "WHERE id = ? AND state = 'revealing'",
                (to_db(at), round_id),
            )
            return cur.rowcount == 1

        return await self._db.write(job)

    async def keep_alive(self, round_ids: Collection[int], now: dt.datetime, worker: str) -> None:
        ids = sorted(set(round_ids))
        if not ids:
            return

        def job(conn: sqlite3.Connection) -> None:
            for start in range(0, len(ids), _ID_BATCH):
                batch = ids[start : start + _ID_BATCH]
                conn.execute(
                    f"UPDATE rounds SET heartbeat_at = ? WHERE id IN ({', '.join('?' * len(batch))}) "
                    "AND state IN ('pending', 'revealing') AND (worker IS NULL OR worker = ?)",
                    (to_db(now), *batch, worker),
                )

        await self._db.write(job)

    async def take_over(
        self, round_id: int, state: RoundState, now: dt.datetime, stale_before: dt.datetime, worker: str
    ) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE rounds SET heartbeat_at = ?, worker = ? WHERE id = ? AND state = ? "
                "AND state IN ('pending', 'revealing') AND COALESCE(heartbeat_at, opened_at) <= ?",
                (to_db(now), worker, round_id, state.value, to_db(stale_before)),
            )
            return cur.rowcount == 1

        return await self._db.write(job)

    async def still_working(self, round_id: int, worker: str, now: dt.datetime) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE rounds SET heartbeat_at = ? WHERE id = ? AND state IN ('pending', 'revealing') "
                "AND (worker IS NULL OR worker = ?)",
                (to_db(now), round_id, worker),
            )
            return cur.rowcount == 1

        return await self._db.write(job)

    async def stalled(self, stale_before: dt.datetime) -> list[Round]:
        before = to_db(stale_before)
        rows = await self._db.fetchall(
            f"{_ROUND_SELECT} WHERE (r.state IN ('pending', 'revealing') "
            "AND COALESCE(r.heartbeat_at, r.opened_at) <= ?) OR (r.state = 'open' AND r.reveal_at <= ?) "
            "ORDER BY r.reveal_at, r.id",
            (before, before),
        )
        return [round_from_row(r) for r in rows]
