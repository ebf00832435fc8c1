"""Discord shards: which guilds a process runs, and the pace at which its shards may IDENTIFY.

Discord puts guild ``g`` on shard ``(g >> 22) % shard_count``. A large bot runs its shards in one process
(automatic sharding) or splits them over several (``DISCORD_SHARD_COUNT`` and ``DISCORD_SHARD_IDS``), each process
on the same database. Shards start sessions in buckets: shard ``s`` is in bucket ``s % max_concurrency``, and each
bucket may IDENTIFY once every five seconds (``session_start_limit`` of ``GET /gateway/bot``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.config import DiscordShards, format_shard_ids

# Discord allows one IDENTIFY per bucket in this many seconds.
IDENTIFY_SPACING = 5.0
# The close code of a session that would hold more guilds than one shard may.
SHARDING_REQUIRED = 4011


def shard_of(guild_id: int | str, shard_count: int) -> int:
    """The shard Discord delivers ``guild_id``'s events on."""
    return (int(guild_id) >> 22) % shard_count


@dataclass(frozen=True)
class GatewayInfo:
    """``GET /gateway/bot``: where the gateway is, how many shards Discord recommends, and how many sessions the
    token may start (in total before ``reset_after`` milliseconds, and at once: ``max_concurrency``)."""

    url: str
    shards: int
    max_concurrency: int = 1
    remaining: int | None = None
    total: int | None = None
    reset_after_ms: int | None = None

    @classmethod
    def from_response(cls, shards: int, url: str, limits: Mapping[str, Any]) -> GatewayInfo:
        """From what discord.py's ``http.get_bot_gateway()`` returns."""
        return cls(
            url=url,
            shards=max(1, int(shards)),
            max_concurrency=max(1, int(limits.get("max_concurrency") or 1)),
            remaining=_int_or_none(limits.get("remaining")),
            total=_int_or_none(limits.get("total")),
            reset_after_ms=_int_or_none(limits.get("reset_after")),
        )


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int | float | str) and str(value).lstrip("-").isdigit() else None


@dataclass(frozen=True)
class ShardScope:
    """The shards this process runs out of ``count``."""

    count: int
    ids: tuple[int, ...]

    @classmethod
    def of(cls, shards: DiscordShards, recommended: int) -> ShardScope:
        """The configured shards, or all ``recommended`` ones when sharding is automatic."""
        count = shards.count if shards.count is not None else recommended
        return cls(count=count, ids=shards.ids if shards.ids is not None else tuple(range(count)))

    @property
    def runs_all(self) -> bool:
        return len(self.ids) == self.count

    @property
    def share(self) -> str | None:
        """``shards 0-1 of 4``, or ``None`` when this process runs every shard."""
        return None if self.runs_all else f"shards {format_shard_ids(self.ids)} of {self.count}"

    def holds(self, guild_id: int | str) -> bool:
        """True if ``guild_id``'s shard is one of this process's."""
        return self.runs_all or shard_of(guild_id, self.count) in self.ids

    def describe(self) -> str:
        return f"shards {format_shard_ids(self.ids)} of {self.count}"


@dataclass(frozen=True)
class IdentifyTiming:
    """How far apart a bucket's IDENTIFYs are, and the clock and sleep that measure it: injectable, so that the
    spacing can be tested without waiting for it."""

    spacing: float = IDENTIFY_SPACING
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep


class IdentifyGate:
    """Spaces IDENTIFYs: one per bucket (``shard_id % max_concurrency``) every ``timing.spacing`` seconds. Shards
    of different buckets identify at once; the next shard of a bucket waits for the bucket's previous turn to age.
    """

    def __init__(self, max_concurrency: int, timing: IdentifyTiming | None = None) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.timing = timing or IdentifyTiming()
        self._last: dict[int, float] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def bucket(self, shard_id: int) -> int:
        """Discord's ``rate_limit_key`` of the shard."""
        return shard_id % self.max_concurrency

    async def wait_turn(self, shard_id: int) -> float:
        """Return when ``shard_id`` may IDENTIFY, and count that as its bucket's turn; returns the time of it."""
        bucket = self.bucket(shard_id)
        async with self._locks.setdefault(bucket, asyncio.Lock()):
            timing = self.timing
            last = self._last.get(bucket)
            if last is not None:
                delay = last + timing.spacing - timing.clock()
                if delay > 0:
                    await timing.sleep(delay)
            now = timing.clock()
            self._last[bucket] = now
            return now


class ShardingRequired(discord.DiscordException):
    """Discord closed a session with 4011: its shard would hold more guilds than Discord allows."""

    def __init__(self, count: int | None, recommended: int | None, *, automatic: bool) -> None:
        self.count = count
        self.recommended = recommended
        advice = f" (Discord recommends {recommended})" if recommended else ""
        if automatic:
            problem = (
                f"the bot's guilds outgrew the {count} shards chosen at start; start it again to shard anew{advice}"
            )
        else:
            problem = (
                f"DISCORD_SHARD_COUNT={count} puts more guilds on one shard than Discord allows; unset "
                f"DISCORD_SHARD_COUNT for automatic sharding, or raise it{advice}"
            )
        super().__init__(f"sharding required (gateway close code 4011): {problem}")
