"""What the review reminder job keeps: the end of the last window it handled, and the reminders it sent."""

from __future__ import annotations

import datetime as dt
import sqlite3

from bot.core.models import GuildKey
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import from_db, to_db


def delete_reminders(conn: sqlite3.Connection, guild: GuildKey, member_id: str) -> int:
    """Delete the member's sent-reminder records inside the caller's transaction; rows deleted."""
    return conn.execute(
        "DELETE FROM review_reminders WHERE platform = ? AND guild_id = ? AND member_id = ?",
        (guild.platform, guild.guild_id, member_id),
    ).rowcount


class ReminderLogStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def last_run(self, job: str) -> dt.datetime | None:
        row = await self._db.fetchone("SELECT at FROM job_marks WHERE name = ?", (job,))
        return None if row is None else from_db(row["at"])

    async def mark_run(self, job: str, at: dt.datetime) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO job_marks (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at",
                (job, to_db(at)),
            )

        await self._db.write(write)

    async def claim(self, guild: GuildKey, member_id: str, day: dt.date, now: dt.datetime) -> bool:
        def write(conn: sqlite3.Connection) -> bool:
            return (
                conn.execute(
                    "INSERT INTO review_reminders (platform, guild_id, member_id, day, sent_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (guild.platform, guild.guild_id, member_id, day.isoformat(), to_db(now)),
                ).rowcount
                == 1
            )

        return await self._db.write(write)
