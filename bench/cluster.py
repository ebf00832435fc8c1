"""Several ``python -m bot run`` processes on one PostgreSQL database against the tests' Discord-compatible server.

The server (``tests.e2e.discord_server``) runs in the calling process, on 127.0.0.1, in its event loop; the bots
are real subprocesses that reach it over HTTP and the gateway. A run::

    spec = WorldSpec(guilds=2500, channels=10_000, shard_count=4)
    async with Cluster(spec, directory) as cluster:      # server up, world built, fresh database created
        await cluster.configure_daily(slot.time())       # every channel's daily post, through QuizService
        a = await cluster.spawn(ProcessSpec("a", shard_ids=(0, 1), shard_count=4, rate=25))
        b = await cluster.spawn(ProcessSpec("b", shard_ids=(2, 3), shard_count=4, rate=25))
        await cluster.wait_for(lambda: cluster.server.gateway.identify_count >= 4, within=60, what="4 sessions")
        await a.kill()                                   # kill -9: no clean-up in the bot
        await a.start()                                  # the same process again (log appended)
        await cluster.wait_for(lambda: cluster.database.rounds_in_state("open"), within=60)  # may be async
        audit = await cluster.audit()                    # posts / reveals per round, acks stored, stuck rounds

``cluster.server`` is the ``DiscordServer`` (its ``requests.records`` is the request log, ``state`` the world),
``cluster.world.targets`` the channels (guild, channel, shard), ``cluster.world.members`` users who are members
of every guild (``cluster.server.user_says(thread_id, member, text)`` makes one answer).

Pieces usable alone: ``build_world`` (guilds whose ids fall on chosen shards, channels, members),
``RunDatabase`` (a fresh database on the server ``QUIZBOT_TEST_POSTGRES`` names, dropped afterwards),
``configure_daily`` / ``open_posted_rounds`` (state written through the bot's own storage layer),
``BotProcess`` (start, ``kill`` = SIGKILL, ``stop`` = SIGTERM, log file), ``audit_run``.

Shard variables (``DISCORD_SHARD_COUNT``, ``DISCORD_SHARD_IDS``, ``DISCORD_REQUESTS_PER_SECOND``) are passed as
given; the request rate is also written to the process's configuration file (``discord.requests_per_second``),
which a bot without the variable still reads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import asyncpg

from bench.harness import QUESTIONS, REPO
from bench.worldbuild import GUILD_FORUM, ChannelKind, Target, World, WorldSpec, build_world
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.models import RoundKind
from bot.core.service import QuizService
from bot.runtime import open_runtime
from tests.e2e.discord_server import DiscordServer, RateLimitConfig, ServerConfig
from tests.e2e.discord_server.actions import MessageDraft
from tests.postgres import Database

__all__ = [
    "POSTGRES_ENV",
    "Audit",
    "BotProcess",
    "ChannelKind",
    "Cluster",
    "ProcessSpec",
    "RunDatabase",
    "Target",
    "World",
    "WorldSpec",
    "audit_run",
    "bench_settings",
    "build_world",
    "configure_channels",
    "configure_daily",
    "open_posted_rounds",
    "postgres_server",
]

POSTGRES_ENV = "QUIZBOT_TEST_POSTGRES"
GLOBAL_LIMIT = 50  # requests per second per token, as the test server and Discord enforce it


def postgres_server() -> str | None:
    """The PostgreSQL server the benchmarks may create databases on (``QUIZBOT_TEST_POSTGRES``), if any."""
    return os.environ.get(POSTGRES_ENV, "").strip() or None


# --- the database --------------------------------------------------------------------------------------------


class RunDatabase(Database):
    """A fresh, empty database on ``server`` for one run; ``url`` names it (the bot applies its migrations).
    ``drop`` disconnects whoever is still connected (a killed bot's sessions)."""

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        """A read-only query for waits and audits (the bench's own view of the bot's tables)."""
        conn = await asyncpg.connect(self.url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def count(self, sql: str, *args: object) -> int:
        rows = await self.fetch(sql, *args)
        return int(rows[0][0]) if rows else 0

    async def rounds_in_state(self, state: str) -> int:
        return await self.count("SELECT COUNT(*) FROM rounds WHERE state = $1", state)


def bench_settings(database_url: str) -> Settings:
    """The settings the harness itself opens the database with (the shipped decks, English)."""
    return Settings(database=database_url, decks=(QUESTIONS,), language="en")


async def _in_parallel(items: Sequence[Target], action: Callable[[Target], object], concurrency: int) -> None:
    queue = list(items)

    async def worker() -> None:
        while queue:
            result = action(queue.pop())
            if asyncio.iscoroutine(result):
                await result

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def configure_daily(
    database_url: str,
    targets: Sequence[Target],
    post_time: dt.time,
    *,
    timezone: str = "UTC",
    reveal_delay: dt.timedelta = dt.timedelta(hours=8),
    concurrency: int = 8,
) -> None:
    """Every target channel posts daily at ``post_time`` (configured as ``/quiz setup`` would, through
    ``QuizService.configure_channel``)."""
    async with open_runtime(bench_settings(database_url), clock=SystemClock()) as runtime:
        await configure_channels(
            runtime.service, targets, post_time, timezone=timezone, reveal_delay=reveal_delay, concurrency=concurrency
        )


async def configure_channels(
    service: QuizService,
    targets: Sequence[Target],
    post_time: dt.time,
    *,
    timezone: str = "UTC",
    reveal_delay: dt.timedelta = dt.timedelta(hours=8),
    concurrency: int = 8,
) -> None:
    """``configure_daily`` on a service already open (e.g. to time it apart from opening the database)."""

    async def configure(target: Target) -> None:
        await service.configure_channel(
            target.key,
            post_time=post_time,
            timezone=timezone,
            weekdays=frozenset(range(7)),
            daily_reveal_delay=reveal_delay,
            enabled=True,
        )

    await _in_parallel(targets, configure, concurrency)


async def open_posted_rounds(
    database_url: str,
    server: DiscordServer,
    targets: Sequence[Target],
    *,
    reveal_delay: dt.timedelta = dt.timedelta(hours=2),
    concurrency: int = 8,
) -> dict[int, int]:
    """One open on-demand round per target, as if the bot had posted it: the question message and its thread are
    made on the server, and the round claimed and marked posted through the bot's storage. The channels are set
    up with a daily post 12 hours away, so nothing else falls due. Returns thread id by channel id."""
    threads: dict[int, int] = {}
    away = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)).time().replace(second=0, microsecond=0)
    async with open_runtime(bench_settings(database_url), clock=SystemClock()) as runtime:
        service = runtime.service

        async def open_one(target: Target) -> None:
            channel = await service.configure_channel(
                target.key,
                post_time=away,
                timezone="UTC",
                weekdays=frozenset(range(7)),
                on_demand_reveal_delay=reveal_delay,
                enabled=True,
            )
            claimed = await service.open_round(channel, RoundKind.ON_DEMAND)
            assert claimed is not None  # on-demand rounds have no slot to collide on
            parent = server.state.channel(target.channel_id)
            draft = MessageDraft(content=f"question of round {claimed.id}")
            question = server.actions.post_message(parent, server.bot, draft)
            thread = server.actions.start_thread(parent, f"answers {claimed.id}", server.bot, message=question)
            await service.storage.rounds.mark_posted(claimed.id, str(question.id), str(thread.id))
            threads[target.channel_id] = thread.id

        await _in_parallel(targets, open_one, concurrency)
    return threads


# --- bot processes -------------------------------------------------------------------------------------------


def _shard_ranges(ids: Iterable[int]) -> str:
    """``0-1`` for (0, 1); ``0,2`` for (0, 2)."""
    ordered = sorted(ids)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        return f"{ordered[0]}-{ordered[-1]}"
    return ",".join(str(i) for i in ordered)


@dataclass(frozen=True)
class ProcessSpec:
    """One bot process: its name (log file), its shards (``None``: unsharded) and its requests per second."""

    name: str
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None
    rate: float = 45.0
    extra_env: tuple[tuple[str, str], ...] = ()

    def shard_env(self) -> dict[str, str]:
        env = {"DISCORD_REQUESTS_PER_SECOND": f"{self.rate:g}"}
        if self.shard_ids is not None and self.shard_count is not None:
            env["DISCORD_SHARD_COUNT"] = str(self.shard_count)
            env["DISCORD_SHARD_IDS"] = _shard_ranges(self.shard_ids)
        return env


@dataclass
class BotProcess:
    """``python -m bot run`` with its environment; output goes to ``log_path`` (appended across restarts)."""

    spec: ProcessSpec
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0  # time.monotonic() of the latest start
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Start (or start again, after ``kill``/``stop``) the process."""
        if self.alive:
            raise RuntimeError(f"bot {self.spec.name} is already running")
        if self._log is None:
            self._log = self.log_path.open("ab")
        self._log.write(f"--- start {self.starts + 1} at {dt.datetime.now(dt.UTC).isoformat()}\n".encode())
        self._log.flush()
        self.started_at = time.monotonic()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=REPO, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log, stderr=self._log,
        )  # fmt: skip
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    async def kill(self) -> int | None:
        """``kill -9``: no clean-up of any kind in the bot; returns the exit status."""
        if not self.alive or self.process is None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGKILL)
        return await self.process.wait()

    async def stop(self, grace: float = 30.0) -> int | None:
        """SIGTERM (a clean stop), then SIGKILL after ``grace`` seconds; returns the exit status."""
        if not self.alive or self.process is None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            return await self.kill()

    def close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        """The end of its output, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# --- the audit -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audit:
    """What the server and the database show after a run."""

    channels: int
    posts_per_channel: dict[int, int]  # questions the bot posted in each target channel (forum: its posts)
    rounds_by_state: dict[str, int]
    with_thread: int  # open or revealed rounds recorded with a message and a thread present on the server
    reveals_per_round: dict[int, int]  # bot messages in each revealed round's thread (its reveal)
    acknowledged: int  # member messages in threads carrying the bot's reaction
    acknowledged_stored: int  # of which the database holds the answer (by message id)
    stuck: tuple[int, ...]  # rounds pending, or still open/revealing after their reveal time plus ``grace``

    @property
    def posted_once(self) -> int:
        """Channels with exactly one question."""
        return sum(1 for n in self.posts_per_channel.values() if n == 1)

    @property
    def double_posts(self) -> int:
        return sum(1 for n in self.posts_per_channel.values() if n > 1)

    @property
    def double_reveals(self) -> int:
        return sum(1 for n in self.reveals_per_round.values() if n > 1)


async def audit_run(
    server: DiscordServer,
    database: RunDatabase,
    targets: Sequence[Target],
    *,
    grace: dt.timedelta = dt.timedelta(seconds=60),
) -> Audit:
    """Count, per channel and per round, what the server shows and what the database holds."""
    rows = await database.fetch(
        "SELECT r.id, r.state, r.message_id, r.thread_id, r.reveal_at, c.channel_id "
        "FROM rounds r JOIN channels c ON c.id = r.channel_ref"
    )
    state = server.state
    bot_id = server.bot.id
    # A forum's question is a post: a thread of the bot's under it, not a message in it.
    forum_posts: dict[int, int] = {}
    for channel in list(state.channels.values()):
        if channel.is_thread and channel.owner_id == bot_id and channel.parent_id is not None:
            forum_posts[channel.parent_id] = forum_posts.get(channel.parent_id, 0) + 1
    posts = {
        t.channel_id: forum_posts.get(t.channel_id, 0)
        if int(state.channels[t.channel_id].type) == GUILD_FORUM
        else sum(1 for m in server.messages_in(t.channel_id) if m.author_id == bot_id)
        for t in targets
    }
    by_state: dict[str, int] = {}
    with_thread = 0
    reveals: dict[int, int] = {}
    stuck: list[int] = []
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        by_state[row["state"]] = by_state.get(row["state"], 0) + 1
        thread = state.channels.get(int(row["thread_id"])) if row["thread_id"] else None
        if thread is not None and row["message_id"] and int(row["message_id"]) in state.messages:
            with_thread += 1
        if row["state"] == "revealed" and thread is not None:
            reveals[int(row["id"])] = sum(1 for m in server.messages_in(thread.id) if m.author_id == bot_id)
        overdue = row["state"] in ("open", "revealing") and row["reveal_at"] + grace < now
        if row["state"] == "pending" or overdue:
            stuck.append(int(row["id"]))
    stored = {
        r["message_id"] for r in await database.fetch("SELECT message_id FROM answers WHERE message_id IS NOT NULL")
    }
    acknowledged = stored_acks = 0
    for channel in list(state.channels.values()):
        if not channel.is_thread:
            continue
        for message in server.messages_in(channel.id):
            if message.author_id == bot_id:
                continue
            if any(any(u == bot_id for u in r.user_ids) for r in message.reactions):
                acknowledged += 1
                stored_acks += str(message.id) in stored
    return Audit(
        channels=len(targets),
        posts_per_channel=posts,
        rounds_by_state=by_state,
        with_thread=with_thread,
        reveals_per_round=reveals,
        acknowledged=acknowledged,
        acknowledged_stored=stored_acks,
        stuck=tuple(stuck),
    )


# --- the whole cluster ---------------------------------------------------------------------------------------


class Cluster:
    """The server with its world, a fresh database, and the bot processes spawned on them.

    ``global_limit``: the server's requests per second per token (429 above it). ``heartbeat_ms``: the gateway's
    heartbeat interval (Discord's is about 41 s; shorter finds dead sessions sooner)."""

    def __init__(
        self,
        spec: WorldSpec,
        directory: Path,
        *,
        global_limit: int = GLOBAL_LIMIT,
        heartbeat_ms: int = 5_000,
        postgres: str | None = None,
    ) -> None:
        server_url = postgres or postgres_server()
        if server_url is None:
            raise RuntimeError(f"the cluster needs PostgreSQL: set {POSTGRES_ENV} (tests/postgres_cluster.sh does)")
        self.spec = spec
        self.directory = directory
        self.server = DiscordServer(
            ServerConfig(
                heartbeat_interval_ms=heartbeat_ms, rate_limits=RateLimitConfig(global_per_second=global_limit)
            )
        )
        self.world: World = build_world(self.server, spec)
        self.database = RunDatabase(server_url)
        self.bots: list[BotProcess] = []

    @property
    def targets(self) -> list[Target]:
        return self.world.targets

    async def __aenter__(self) -> Cluster:
        await self.server.start()
        # The server's world (10,000 channels and their guilds) stays for the whole run: out of the collector's
        # full passes, which would stall the server and make requests that arrived meanwhile count as one burst.
        gc.freeze()
        try:
            await self.database.create()
        except BaseException:
            await self.server.close()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await asyncio.gather(*(bot.stop(grace=15) for bot in self.bots), return_exceptions=True)
            for bot in self.bots:
                bot.close_log()
        finally:
            try:
                await self.server.close()
            finally:
                await self.database.drop()

    async def configure_daily(self, post_time: dt.time, **options: object) -> None:
        """Every target channel's daily post at ``post_time`` (UTC); see ``configure_daily``."""
        await configure_daily(self.database.url, self.targets, post_time, **options)  # type: ignore[arg-type]

    async def open_posted_rounds(self, **options: object) -> dict[int, int]:
        """One open round per target channel, already posted; see ``open_posted_rounds``."""
        return await open_posted_rounds(self.database.url, self.server, self.targets, **options)  # type: ignore[arg-type]

    def env_for(self, spec: ProcessSpec) -> dict[str, str]:
        """The environment ``python -m bot run`` gets: the platform, the database, the server, the shards."""
        config = self.directory / f"{spec.name}.yaml"
        config.write_text(
            f"language: en\nlog_level: INFO\ndiscord:\n  requests_per_second: {spec.rate:g}\n", encoding="utf-8"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
        env.update(
            QUIZBOT_PLATFORM="discord",
            QUIZBOT_CONFIG=str(config),
            QUIZBOT_DB=self.database.url,
            QUIZBOT_DECKS=str(QUESTIONS),
            DISCORD_TOKEN=self.server.token,
            DISCORD_API_BASE=self.server.base_url,
            PYTHONUNBUFFERED="1",
        )
        env.update(spec.shard_env())
        env.update(dict(spec.extra_env))
        return env

    async def spawn(self, spec: ProcessSpec) -> BotProcess:
        """Start a bot process (see ``BotProcess`` to kill and restart it)."""
        bot = BotProcess(spec, self.env_for(spec), self.directory / f"{spec.name}.log")
        await bot.start()
        self.bots.append(bot)
        return bot

    async def wait_for(
        self,
        condition: Callable[[], object],
        *,
        within: float,
        every: float = 0.25,
        what: str = "the condition",
    ) -> float:
        """Poll ``condition`` (a function, or one returning an awaitable) until it is true; returns the
        ``time.monotonic()`` it was first seen true. Raises ``TimeoutError`` naming ``what``, with the bots'
        latest output, if it is not true within ``within`` seconds or every bot has exited."""
        deadline = time.monotonic() + within
        while True:
            result = condition()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return time.monotonic()
            if time.monotonic() > deadline or (self.bots and not any(b.alive for b in self.bots)):
                tails = "\n".join(f"[{b.spec.name}]\n{b.log_tail()}" for b in self.bots)
                raise TimeoutError(f"waited {within:.0f} s for {what}; bot output:\n{tails}")
            await asyncio.sleep(every)

    async def audit(self, **options: dt.timedelta) -> Audit:
        return await audit_run(self.server, self.database, self.targets, **options)
