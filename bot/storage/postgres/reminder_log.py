"""What the review reminder job keeps: the end of the last window it handled, and the reminders it sent."""

from __future__ import annotations

import datetime as dt

from bot.core.models import GuildKey
from bot.storage.postgres.database import Connection, Database
from bot.storage.postgres.reviews import deleted_rows
from bot.storage.rows import stored_time


async def delete_reminders(conn: Connection, guild: GuildKey, member_id: str) -> int:
    """Delete the member's sent-reminder records inside the caller's transaction; rows deleted."""
    return deleted_rows(
        await conn.execute(
            "DELETE FROM review_reminders WHERE platform = $1 AND guild_id = $2 AND member_id = $3",
            guild.platform,
            guild.guild_id,
            member_id,
        )
    )


class ReminderLogStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def last_run(self, job: str) -> dt.datetime | None:
        value = await self._db.fetchval("SELECT at FROM job_marks WHERE name = $1", job)
        return None if value is None else stored_time(value)

    async def mark_run(self, job: str, at: dt.datetime) -> None:
        async def write(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO job_marks (name, at) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET at = excluded.at",
                job,
                at,
            )

        await self._db.write(write)

    async def claim(self, guild: GuildKey, member_id: str, day: dt.date, now: dt.datetime) -> bool:
        """The primary key (member, day) decides: a concurrent claim's insert waits for the first one's
        transaction, then inserts nothing."""

        async def write(conn: Connection) -> bool:
            claimed = await conn.fetchval(
                "INSERT INTO review_reminders (platform, guild_id, member_id, day, sent_at) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
                guild.platform,
                guild.guild_id,
                member_id,
                day,
                now,
            )
            return claimed is not None

        return await self._db.write(write)
