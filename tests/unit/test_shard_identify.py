"""Which guilds a process's shards hold, and the pace of IDENTIFYs per rate-limit bucket (on a fake clock)."""

from __future__ import annotations

import asyncio

from bot.config import DiscordShards
from bot.platforms.discord.sharding import GatewayInfo, IdentifyGate, IdentifyTiming, ShardScope, shard_of


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def timing(self, spacing: float = 5.0) -> IdentifyTiming:
        return IdentifyTiming(spacing=spacing, clock=self.clock, sleep=self.sleep)


def guild_on(shard_id: int, shard_count: int, millis: int = 1_000_000) -> int:
    return ((millis + (shard_id - millis) % shard_count) << 22) | 12345


async def test_shards_of_one_bucket_identify_five_seconds_apart() -> None:
    time = FakeTime()
    gate = IdentifyGate(1, time.timing())

    turns = [await gate.wait_turn(shard) for shard in range(4)]

    assert turns == [0.0, 5.0, 10.0, 15.0]


async def test_shards_of_different_buckets_identify_together() -> None:
    time = FakeTime()
    gate = IdentifyGate(2, time.timing())

    turns = {shard: await gate.wait_turn(shard) for shard in range(6)}

    assert turns == {0: 0.0, 1: 0.0, 2: 5.0, 3: 5.0, 4: 10.0, 5: 10.0}


async def test_concurrent_identifies_of_one_bucket_still_take_turns() -> None:
    time = FakeTime()
    gate = IdentifyGate(4, time.timing())

    turns = await asyncio.gather(*(gate.wait_turn(shard) for shard in (0, 4, 8, 1)))

    assert turns[:3] == [0.0, 5.0, 10.0]
    # Shard 1 (bucket 1) waited for nobody: only bucket 0's later shards slept.
    assert time.slept == [5.0, 5.0]
    assert turns[3] < turns[2]


async def test_a_bucket_that_rested_long_enough_identifies_at_once() -> None:
    time = FakeTime()
    gate = IdentifyGate(1, time.timing())
    await gate.wait_turn(0)
    time.now = 7.0

    assert await gate.wait_turn(1) == 7.0
    assert time.slept == []


def test_the_bucket_is_the_shard_id_modulo_max_concurrency() -> None:
    gate = IdentifyGate(16)

    assert [gate.bucket(shard) for shard in (0, 15, 16, 33)] == [0, 15, 0, 1]


def test_a_scope_holds_the_guilds_of_its_shards() -> None:
    scope = ShardScope.of(DiscordShards(count=4, ids=(0, 1)), recommended=9)

    assert [scope.holds(guild_on(shard, 4)) for shard in range(4)] == [True, True, False, False]
    assert scope.holds(str(guild_on(1, 4)))
    assert scope.share == "shards 0-1 of 4"


def test_automatic_sharding_runs_every_recommended_shard() -> None:
    scope = ShardScope.of(DiscordShards(), recommended=3)

    assert scope == ShardScope(count=3, ids=(0, 1, 2))
    assert scope.share is None
    assert all(scope.holds(guild_on(shard, 3)) for shard in range(3))


def test_the_shard_of_a_guild_is_discords_formula() -> None:
    assert shard_of(guild_on(2, 5), 5) == 2
    assert shard_of(str(41771983423143937), 1) == 0


def test_gateway_info_reads_discord_py_s_answer() -> None:
    limits = {"total": 1000, "remaining": 998, "reset_after": 14_400_000, "max_concurrency": 16}

    info = GatewayInfo.from_response(12, "wss://gateway.example", limits)

    assert info == GatewayInfo("wss://gateway.example", 12, 16, 998, 1000, 14_400_000)
