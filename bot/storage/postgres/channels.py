"""Guilds and quiz channels: their schedules and settings."""

from __future__ import annotations

import datetime as dt
import json

from bot.core.models import ChannelKey, ChannelSettings, GuildKey
from bot.storage.postgres.database import Connection, Database
from bot.storage.rows import CHANNEL_COLUMNS, channel_from_row


class ChannelStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, settings: ChannelSettings, guild_timezone: str, now: dt.datetime) -> ChannelSettings:
        """Insert or update a channel (``settings.ref`` is ignored on insert) and its guild's timezone."""
        key = settings.key
        schedule = settings.schedule

        async def job(conn: Connection) -> ChannelSettings:
            await conn.execute(
                "INSERT INTO guilds (platform, guild_id, timezone) VALUES ($1, $2, $3) "
                "ON CONFLICT (platform, guild_id) DO UPDATE SET timezone = excluded.timezone",
                key.platform,
                key.guild_id,
                guild_timezone,
            )
            row = await conn.fetchrow(
                "INSERT INTO channels (platform, guild_id, channel_id, post_time, weekdays, timezone, "
                "daily_reveal_seconds, ondemand_reveal_seconds, decks, paused, enabled, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                "ON CONFLICT (platform, channel_id) DO UPDATE SET guild_id = excluded.guild_id, "
                "post_time = excluded.post_time, weekdays = excluded.weekdays, timezone = excluded.timezone, "
                "daily_reveal_seconds = excluded.daily_reveal_seconds, "
                "ondemand_reveal_seconds = excluded.ondemand_reveal_seconds, decks = excluded.decks, "
                f"paused = excluded.paused, enabled = excluded.enabled RETURNING {CHANNEL_COLUMNS}",
                key.platform,
                key.guild_id,
                key.channel_id,
                f"{schedule.post_time:%H:%M}",
                "".join(str(d) for d in sorted(schedule.weekdays)),
                schedule.timezone,
                int(settings.daily_reveal_delay.total_seconds()),
                int(settings.on_demand_reveal_delay.total_seconds()),
                json.dumps(list(settings.decks)),
                settings.paused,
                settings.enabled,
                now,
            )
            assert row is not None
            return channel_from_row(row)

        return await self._db.write(job)

    async def get(self, key: ChannelKey) -> ChannelSettings | None:
        row = await self._db.fetchrow(
            f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = $1 AND channel_id = $2",
            key.platform,
            key.channel_id,
        )
        return None if row is None else channel_from_row(row)

    async def by_ref(self, ref: int) -> ChannelSettings | None:
        row = await self._db.fetchrow(f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE id = $1", ref)
        return None if row is None else channel_from_row(row)

    async def all(self, platform: str | None = None) -> list[ChannelSettings]:
        if platform is None:
            rows = await self._db.fetch(f"SELECT {CHANNEL_COLUMNS} FROM channels ORDER BY id")
        else:
            rows = await self._db.fetch(
                f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = $1 ORDER BY id", platform
            )
        return [channel_from_row(r) for r in rows]

    async def in_guild(self, guild: GuildKey) -> list[ChannelSettings]:
        rows = await self._db.fetch(
            f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = $1 AND guild_id = $2 ORDER BY id",
            guild.platform,
            guild.guild_id,
        )
        return [channel_from_row(r) for r in rows]

    async def guild_timezone(self, guild: GuildKey) -> str | None:
        value = await self._db.fetchval(
            "SELECT timezone FROM guilds WHERE platform = $1 AND guild_id = $2", guild.platform, guild.guild_id
        )
        return None if value is None else str(value)

    async def set_paused(self, ref: int, paused: bool) -> None:
        async def job(conn: Connection) -> None:
            await conn.execute("UPDATE channels SET paused = $1 WHERE id = $2", paused, ref)

        await self._db.write(job)
