"""Guilds and quiz channels: their schedules and settings."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from bot.core.models import ChannelKey, ChannelSettings, GuildKey
from bot.storage.rows import CHANNEL_COLUMNS, channel_from_row
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db


class ChannelStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, settings: ChannelSettings, guild_timezone: str, now: dt.datetime) -> ChannelSettings:
        """Insert or update a channel (``settings.ref`` is ignored on insert) and its guild's timezone."""
        key = settings.key
        schedule = settings.schedule

        def job(conn: sqlite3.Connection) -> ChannelSettings:
            conn.execute(
                "INSERT INTO guilds (platform, guild_id, timezone) VALUES (?, ?, ?) "
                "ON CONFLICT (platform, guild_id) DO UPDATE SET timezone = excluded.timezone",
                (key.platform, key.guild_id, guild_timezone),
            )
            params = (
                key.platform,
                key.guild_id,
                key.channel_id,
                f"{schedule.post_time:%H:%M}",
                "".join(str(d) for d in sorted(schedule.weekdays)),
                schedule.timezone,
                int(settings.daily_reveal_delay.total_seconds()),
                int(settings.on_demand_reveal_delay.total_seconds()),
                json.dumps(list(settings.decks)),
                int(settings.paused),
                int(settings.enabled),
                to_db(now),
            )
            conn.execute(
                "INSERT INTO channels (platform, guild_id, channel_id, post_time, weekdays, timezone, "
                "daily_reveal_seconds, ondemand_reveal_seconds, decks, paused, enabled, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, channel_id) DO UPDATE SET guild_id = excluded.guild_id, "
                "post_time = excluded.post_time, weekdays = excluded.weekdays, timezone = excluded.timezone, "
                "daily_reveal_seconds = excluded.daily_reveal_seconds, "
                "ondemand_reveal_seconds = excluded.ondemand_reveal_seconds, decks = excluded.decks, "
                "paused = excluded.paused, enabled = excluded.enabled",
                params,
            )
            row = conn.execute(
                f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = ? AND channel_id = ?",
                (key.platform, key.channel_id),
            ).fetchone()
            assert row is not None
            return channel_from_row(row)

        return await self._db.write(job)

    async def get(self, key: ChannelKey) -> ChannelSettings | None:
        row = await self._db.fetchone(
            f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = ? AND channel_id = ?",
            (key.platform, key.channel_id),
        )
        return None if row is None else channel_from_row(row)

    async def by_ref(self, ref: int) -> ChannelSettings | None:
        row = await self._db.fetchone(f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE id = ?", (ref,))
        return None if row is None else channel_from_row(row)

    async def all(self, platform: str | None = None) -> list[ChannelSettings]:
        if platform is None:
            rows = await self._db.fetchall(f"SELECT {CHANNEL_COLUMNS} FROM channels ORDER BY id")
        else:
            rows = await self._db.fetchall(
                f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = ? ORDER BY id", (platform,)
            )
        return [channel_from_row(r) for r in rows]

    async def in_guild(self, guild: GuildKey) -> list[ChannelSettings]:
        rows = await self._db.fetchall(
            f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = ? AND guild_id = ? ORDER BY id",
            (guild.platform, guild.guild_id),
        )
        return [channel_from_row(r) for r in rows]

    async def guild_timezone(self, guild: GuildKey) -> str | None:
        row = await self._db.fetchone(
            "SELECT timezone FROM guilds WHERE platform = ? AND guild_id = ?",
            (guild.platform, guild.guild_id),
        )
        return None if row is None else str(row["timezone"])

    async def set_paused(self, ref: int, paused: bool) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE channels SET paused = ? WHERE id = ?", (int(paused), ref))

        await self._db.write(job)
