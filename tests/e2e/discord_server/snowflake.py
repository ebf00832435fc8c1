"""Discord snowflake ids and ISO timestamps."""

from __future__ import annotations

import datetime as dt
import time

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Issues strictly increasing snowflakes whose timestamp part is the creation time.

    discord.py derives ``created_at`` from the id, so ids must carry a real timestamp.
    """

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake, greater than every one issued before."""
        candidate = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17)
        self._last = max(candidate, self._last + 1)
        return self._last

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """Return a new snowflake that, as a guild id, lands on ``shard_id`` of ``shard_count`` (Discord's
        ``(guild_id >> 22) % shard_count``): the timestamp part is moved up by less than ``shard_count`` ms."""
        candidate = self.next()
        millis = candidate >> 22
        ahead = (shard_id - millis) % shard_count
        if ahead:
            self._last = ((millis + ahead) << 22) | (1 << 17)
        return self._last


def iso_now() -> str:
    """Return the current UTC time in the ISO-8601 form Discord uses."""
    return dt.datetime.now(dt.UTC).isoformat()


def iso_from_snowflake(snowflake: int) -> str:
    """Return the creation time encoded in ``snowflake`` as an ISO-8601 string."""
    millis = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC).isoformat()
