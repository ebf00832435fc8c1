"""Claimed platform event deliveries: the first process to insert an event's row handles the event."""

from __future__ import annotations

import datetime as dt

from bot.storage.postgres.database import Connection, Database


class EventClaimStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, platform: str, event_id: str, at: dt.datetime) -> bool:
        async def job(conn: Connection) -> bool:
            # The primary key decides: a concurrent inserter of the same key waits for the first to commit, then
            # inserts nothing.
            inserted = await conn.fetchval(
                "INSERT INTO event_claims (platform, event_id, claimed_at) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING RETURNING true",
                platform,
                event_id,
                at,
            )
            return inserted is True

        return await self._db.write(job)

    async def prune(self, before: dt.datetime) -> int:
        async def job(conn: Connection) -> int:
            status = await conn.execute("DELETE FROM event_claims WHERE claimed_at < $1", before)
            return int(status.rsplit(" ", 1)[-1])  # "DELETE n"

        return await self._db.write(job)
