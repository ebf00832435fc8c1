"""Members' personal-review settings."""

from __future__ import annotations

import datetime as dt

from bot.core.models import GuildKey
from bot.core.review.settings import MemberSettings
from bot.storage.postgres.database import Connection, Database
from bot.storage.postgres.reviews import deleted_rows
from bot.storage.rows import settings_from_row

_COLUMNS = "platform, guild_id, member_id, timezone, opted_in, reminders, reminder_time, streak_freezes"
_SELECT = f"SELECT {_COLUMNS} FROM member_settings"


async def delete_settings(conn: Connection, guild: GuildKey, member_id: str) -> int:
    """Delete the member's settings inside the caller's transaction; rows deleted."""
    return deleted_rows(
        await conn.execute(
            "DELETE FROM member_settings WHERE platform = $1 AND guild_id = $2 AND member_id = $3",
            guild.platform,
            guild.guild_id,
            member_id,
        )
    )


class MemberSettingsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild: GuildKey, member_id: str) -> MemberSettings | None:
        row = await self._db.fetchrow(
            f"{_SELECT} WHERE platform = $1 AND guild_id = $2 AND member_id = $3",
            guild.platform,
            guild.guild_id,
            member_id,
        )
        return None if row is None else settings_from_row(row)

    async def save(self, settings: MemberSettings, now: dt.datetime) -> MemberSettings:
        async def job(conn: Connection) -> MemberSettings:
            row = await conn.fetchrow(
                "INSERT INTO member_settings (platform, guild_id, member_id, timezone, opted_in, reminders, "
                "reminder_time, streak_freezes, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                "ON CONFLICT (platform, guild_id, member_id) DO UPDATE SET timezone = excluded.timezone, "
                "opted_in = excluded.opted_in, reminders = excluded.reminders, "
                "reminder_time = excluded.reminder_time, streak_freezes = excluded.streak_freezes, "
                f"updated_at = excluded.updated_at RETURNING {_COLUMNS}",
                settings.guild.platform,
                settings.guild.guild_id,
                settings.member_id,
                settings.timezone,
                settings.opted_in,
                settings.reminders,
                settings.reminder_time.strftime("%H:%M"),
                settings.streak_freezes,
                now,
            )
            assert row is not None
            return settings_from_row(row)

        return await self._db.write(job)

    async def opted_in(self, guild: GuildKey) -> list[str]:
        rows = await self._db.fetch(
            "SELECT member_id FROM member_settings WHERE platform = $1 AND guild_id = $2 AND opted_in "
            "ORDER BY member_id",
            guild.platform,
            guild.guild_id,
        )
        return [str(r["member_id"]) for r in rows]

    async def with_reminders(self, platform: str | None = None) -> list[MemberSettings]:
        if platform is None:
            rows = await self._db.fetch(f"{_SELECT} WHERE reminders ORDER BY platform, guild_id, member_id")
        else:
            rows = await self._db.fetch(
                f"{_SELECT} WHERE reminders AND platform = $1 ORDER BY guild_id, member_id", platform
            )
        return [settings_from_row(r) for r in rows]

    async def forget(self, guild: GuildKey, member_id: str) -> bool:
        async def job(conn: Connection) -> bool:
            return await delete_settings(conn, guild, member_id) > 0

        return await self._db.write(job)
