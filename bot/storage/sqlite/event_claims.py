"""Claimed platform event deliveries: the first process to insert an event's row handles the event."""

from __future__ import annotations

import datetime as dt
import sqlite3

from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db


class EventClaimStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, platform: str, event_id: str, at: dt.datetime) -> bool:
        def write(conn: sqlite3.Connection) -> bool:
            # The primary key decides: of any number of writers, on any connection, one inserts the row.
            cursor = conn.execute(
                "INSERT INTO event_claims (platform, event_id, claimed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (platform, event_id, to_db(at)),
            )
            return cursor.rowcount == 1

        return await self._db.write(write)

    async def prune(self, before: dt.datetime) -> int:
        def write(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM event_claims WHERE claimed_at < ?", (to_db(before),)).rowcount

        return await self._db.write(write)
