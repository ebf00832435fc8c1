"""Daily fan-out on Discord: many channels due in the same minute, against the tests' Discord-compatible server.

The real bot runs (``QuizBot`` with its ``DiscordPlatform``, shared ``RequestPacer``, real APScheduler and
``SystemClock``) against ``tests.e2e.discord_server`` on 127.0.0.1, which enforces Discord's global limit of 50
requests per second per token with 429s. Every channel's daily post is set to the same minute; the figures come
from the server's request log and from the database. Needs the development dependencies (the test server).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from bench.harness import QUESTIONS
from bench.stats import Figure, figure_over_runs
from bot.config import DiscordConfig, Secrets, Settings
from bot.core.clock import SystemClock
from bot.core.models import ChannelKey
from bot.core.service import QuizService
from bot.platforms.discord.bot import QuizBot
from bot.platforms.discord.runner import serve
from bot.runtime import open_runtime
from tests.e2e.discord_server import DiscordServer
from tests.e2e.discord_server.ratelimit import RequestRecord

NAME = "fanout"
GLOBAL_LIMIT = 50  # requests per second, as the test server and Discord enforce it
POST_ROUTE = "/channels/{channel_id}/messages"
THREAD_ROUTE = "/channels/{channel_id}/messages/{message_id}/threads"


@dataclass(frozen=True)
class FanoutRun:
    """One fan-out: what was due, what was posted, and what the server saw from the due time on."""

    channels: int
    posted_with_thread: int
    seconds: float  # due time to the last thread created
    requests: int  # REST requests the server received in that time
    rate_limited: int  # of which answered 429
    thread_delay: float = 0.0  # median, over channels, of question posted to its thread created

    @property
    def bound(self) -> float:
        """The least time the global limit allows for those requests."""
        return self.requests / GLOBAL_LIMIT

    @property
    def ratio(self) -> float:
        return self.seconds / self.bound if self.bound else float("inf")


def _next_minute(after: dt.datetime, lead: float) -> dt.datetime:
    earliest = after + dt.timedelta(seconds=lead)
    return earliest.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


async def fanout(directory: Path, *, channels: int, per_guild: int = 10, lead: float = 20.0) -> FanoutRun:
    """Post the daily question of ``channels`` channels (``per_guild`` to a guild), all due in one minute."""
    server = DiscordServer()
    owner = server.world.owner
    targets = []
    for g in range((channels + per_guild - 1) // per_guild):
        guild = server.state.add_guild(f"study group {g}", owner=owner)
        for c in range(min(per_guild, channels - g * per_guild)):
            targets.append((guild.id, server.state.add_text_channel(guild, f"daily-quiz-{c}").id))
    await server.start()
    try:
        settings = Settings(database=directory / "fanout.sqlite3", decks=(QUESTIONS,), discord=DiscordConfig())
        secrets = Secrets(discord_token=SecretStr(server.token), discord_api_base=server.base_url)
        settings = settings.model_copy(update={"secrets": secrets})
        async with open_runtime(settings, clock=SystemClock()) as runtime:
            service = runtime.service
            slot = _next_minute(dt.datetime.now(dt.UTC), lead)
            for guild_id, channel_id in targets:
                await service.configure_channel(
                    ChannelKey("discord", str(guild_id), str(channel_id)),
                    post_time=slot.time(),
                    timezone="UTC",
                    weekdays=frozenset(range(7)),
                    enabled=True,
                )
            bot = QuizBot(runtime, guild_ready_timeout=0.5)
            stop = asyncio.Event()
            running = asyncio.create_task(serve(bot, stop), name="quizbot")
            try:
                await asyncio.wait_for(bot.scheduler_started.wait(), timeout=60)
                if dt.datetime.now(dt.UTC) >= slot:
                    raise RuntimeError("the bot took longer to start than the lead before the due minute")
                due = time.monotonic() + (slot.timestamp() - time.time())
                deadline = slot.timestamp() + 5 * channels * 2 / GLOBAL_LIMIT + 60
                for _ in range(int((deadline - time.time()) / 0.25) + 1):
                    if await _open_rounds(service) >= channels:
                        break
                    await asyncio.sleep(0.25)
            finally:
                stop.set()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(running, timeout=30)
            posted = await _verified_posts(service, server, targets)
    finally:
        await server.close()
    window = [r for r in server.requests.records if r.at >= due - 0.5]
    threads = [r for r in window if r.route == THREAD_ROUTE and r.status < 300]
    end = max((r.at for r in threads), default=due)
    counted = [r for r in window if r.at <= end]
    return FanoutRun(
        channels=channels,
        posted_with_thread=posted,
        seconds=end - due,
        requests=len(counted),
        rate_limited=sum(1 for r in counted if r.status == 429),
        thread_delay=_median_thread_delay(window),
    )


def _median_thread_delay(window: list[RequestRecord]) -> float:
    """The median time from a channel's question being posted to its thread being created."""
    posted: dict[str, float] = {}
    delays: list[float] = []
    for record in window:
        if record.status >= 300:
            continue
        channel = record.path.split("/")[2]
        if record.route == POST_ROUTE and channel not in posted:
            posted[channel] = record.at
        elif record.route == THREAD_ROUTE and channel in posted:
            delays.append(record.at - posted[channel])
    return statistics.median(delays) if delays else 0.0


async def _open_rounds(service: QuizService) -> int:
    row = await service.storage.db.fetchone("SELECT COUNT(*) AS n FROM rounds WHERE state = 'open'")
    return int(row["n"]) if row else 0


async def _verified_posts(service: QuizService, server: DiscordServer, targets: list[tuple[int, int]]) -> int:
    """Channels whose round is open, recorded with its message and thread, both present on the server, the
    thread under that message's channel; one question per channel."""
    rows = await service.storage.db.fetchall(
        "SELECT c.channel_id, r.message_id, r.thread_id FROM rounds r JOIN channels c ON c.id = r.channel_ref "
        "WHERE r.state = 'open' AND r.kind = 'daily'"
    )
    by_channel = {int(r["channel_id"]): r for r in rows}
    good = 0
    for _, channel_id in targets:
        row = by_channel.get(channel_id)
        if row is None or row["message_id"] is None or row["thread_id"] is None:
            continue
        thread = server.state.channels.get(int(row["thread_id"]))
        message = server.state.messages.get(int(row["message_id"]))
        questions = server.bot_messages(channel_id)
        if thread is not None and thread.parent_id == channel_id and message is not None and len(questions) == 1:
            good += 1
    return good


def measure(*, channels: int, lead: float = 20.0, base: Path | None = None) -> FanoutRun:
    with tempfile.TemporaryDirectory(prefix="quizbot-fanout-", dir=base) as tmp:
        # discord.py logs every 429 it waits out at WARNING; the figures count them instead.
        logging.getLogger("discord").setLevel(logging.ERROR)
        return asyncio.run(fanout(Path(tmp), channels=channels, lead=lead))


def run(*, channels: int, runs: int, lead: float = 20.0, base: Path | None = None) -> list[Figure]:
    passes = [measure(channels=channels, lead=lead, base=base) for _ in range(runs)]
    label = f"{channels:,} channels due in one minute"
    return [
        figure_over_runs(
            NAME,
            f"posted with thread ÷ due ({label})",
            [p.posted_with_thread / p.channels for p in passes],
            "ratio",
            target="= 1.0",
            lower=1.0,
        ),
        figure_over_runs(NAME, "due time to last thread created", [p.seconds for p in passes], "s"),
        figure_over_runs(NAME, "median question posted to its thread created", [p.thread_delay for p in passes], "s"),
        figure_over_runs(NAME, "REST requests in that time", [float(p.requests) for p in passes], "requests"),
        figure_over_runs(
            NAME,
            "time ÷ bound of the global limit (requests ÷ 50/s)",
            [p.ratio for p in passes],
            "ratio",
            target="≤ 1.2",
            upper=1.2 + 1e-9,
        ),
        figure_over_runs(
            NAME,
            "requests answered 429",
            [100 * p.rate_limited / p.requests if p.requests else 0.0 for p in passes],
            "%",
            target="< 1 %",
            upper=1.0,
        ),
    ]
