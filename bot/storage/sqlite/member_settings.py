"""Members' personal-review settings."""

from __future__ import annotations

import datetime as dt
import sqlite3

from bot.core.models import GuildKey
from bot.core.review.settings import MemberSettings
from bot.storage.rows import settings_from_row
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db

_SELECT = (
    "SELECT platform, guild_id, member_id, timezone, opted_in, reminders, reminder_time, streak_freezes "
    "FROM member_settings"
)


def delete_settings(conn: sqlite3.Connection, guild: GuildKey, member_id: str) -> int:
    """Delete the member's settings inside the caller's transaction; rows deleted."""
    return conn.execute(
        "DELETE FROM member_settings WHERE platform = ? AND guild_id = ? AND member_id = ?",
        (guild.platform, guild.guild_id, member_id),
    ).rowcount


class MemberSettingsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild: GuildKey, member_id: str) -> MemberSettings | None:
        row = await self._db.fetchone(
            f"{_SELECT} WHERE platform = ? AND guild_id = ? AND member_id = ?",
            (guild.platform, guild.guild_id, member_id),
        )
        return None if row is None else settings_from_row(row)

    async def save(self, settings: MemberSettings, now: dt.datetime) -> MemberSettings:
        values = (
            settings.guild.platform,
            settings.guild.guild_id,
            settings.member_id,
            settings.timezone,
            int(settings.opted_in),
            int(settings.reminders),
            settings.reminder_time.strftime("%H:%M"),
            settings.streak_freezes,
            to_db(now),
        )

        def job(conn: sqlite3.Connection) -> MemberSettings:
            conn.execute(
                "INSERT INTO member_settings (platform, guild_id, member_id, timezone, opted_in, reminders, "
                "reminder_time, streak_freezes, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, guild_id, member_id) DO UPDATE SET timezone = excluded.timezone, "
                "opted_in = excluded.opted_in, reminders = excluded.reminders, "
                "reminder_time = excluded.reminder_time, streak_freezes = excluded.streak_freezes, "
                "updated_at = excluded.updated_at",
                values,
            )
            row = conn.execute(
                f"{_SELECT} WHERE platform = ? AND guild_id = ? AND member_id = ?", values[:3]
            ).fetchone()
            return settings_from_row(row)

        return await self._db.write(job)

    async def opted_in(self, guild: GuildKey) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT member_id FROM member_settings WHERE platform = ? AND guild_id = ? AND opted_in = 1 "
            "ORDER BY member_id",
            (guild.platform, guild.guild_id),
        )
        return [str(r["member_id"]) for r in rows]

    async def with_reminders(self, platform: str | None = None) -> list[MemberSettings]:
        if platform is None:
            rows = await self._db.fetchall(f"{_SELECT} WHERE reminders = 1 ORDER BY platform, guild_id, member_id")
        else:
            rows = await self._db.fetchall(
                f"{_SELECT} WHERE reminders = 1 AND platform = ? ORDER BY guild_id, member_id", (platform,)
            )
        return [settings_from_row(r) for r in rows]

    async def forget(self, guild: GuildKey, member_id: str) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            return delete_settings(conn, guild, member_id) > 0

        return await self._db.write(job)
