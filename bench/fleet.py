"""The bot as a fleet: several ``python -m bot run`` processes, each running some of the shards, on PostgreSQL,
against the tests' Discord-compatible server (``bench.cluster``).

``fleet``: every channel's daily question falls due in the same minute; members answer in the threads already
made while the fan-out goes on. Figures from the server's request log: the time to the last thread against the
bound of the configured rate (accepted requests ÷ the processes' summed rate), 429s, question-to-thread delay,
and each answer's acknowledgement delay (member's message to the bot's reaction).

``fleet-restart``: the processes start on a database with one open round per channel, while the server takes
``latency`` seconds over every request; from the processes' start to their schedulers running (a missed daily
post, one per shard, goes out) and every round's thread read back (catch-up), against the bound of the rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import statistics
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from bench.cluster import (
    ChannelKind,
    Cluster,
    ProcessSpec,
    WorldSpec,
    bench_settings,
    configure_channels,
    configure_daily,
    open_posted_rounds,
)
from bench.stats import Figure, figure_over_runs, percentile
from bot.core.clock import SystemClock
from bot.runtime import open_runtime
from tests.e2e.discord_server.ratelimit import RequestRecord

FANOUT = "fleet"
RESTART = "fleet-restart"
POST_ROUTE = "/channels/{channel_id}/messages"
THREAD_ROUTE = "/channels/{channel_id}/messages/{message_id}/threads"
REACTION_ROUTE = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"
ANSWER = "ReLU keeps the gradient at 1 for positive inputs, so deep networks avoid the vanishing gradient."


@dataclass(frozen=True)
class FleetPlan:
    """``channels`` in ``guilds`` guilds on ``shard_count`` shards, run by ``processes`` processes (consecutive
    shards each) that share ``total_rate`` requests per second equally."""

    channels: int
    guilds: int
    shard_count: int = 4
    processes: int = 2
    total_rate: float = 50.0
    kind: ChannelKind = "text"

    def process_specs(self) -> list[ProcessSpec]:
        per = -(-self.shard_count // self.processes)
        rate = self.total_rate / self.processes
        return [
            ProcessSpec(f"bot{p}", tuple(range(p * per, min(self.shard_count, (p + 1) * per))), self.shard_count, rate)
            for p in range(self.processes)
        ]

    def world(self, members: int = 4) -> WorldSpec:
        return WorldSpec(self.guilds, self.channels, self.kind, shard_count=self.shard_count, members=members)


class LogCursor:
    """Reads the server's request log once, in order, keeping what the figures need."""

    def __init__(self, records: list[RequestRecord], since: float = 0.0) -> None:
        self.records = records
        self.since = since
        self.position = 0
        self.posted: dict[int, float] = {}  # channel -> first question posted
        self.threaded: dict[int, float] = {}  # channel -> thread created
        self.new_threads: deque[int] = deque()  # thread ids not handed to members yet
        self.reacted: dict[int, float] = {}  # message -> first reaction by the bot
        self.reads: dict[int, float] = {}  # channel -> first history read

    def advance(self) -> None:
        records = self.records
        while self.position < len(records):
            record = records[self.position]
            self.position += 1
            if record.at < self.since or record.status >= 300:
                continue
            parts = record.path.split("/")
            if record.route == POST_ROUTE and record.method == "POST":
                self.posted.setdefault(int(parts[2]), record.at)
            elif record.route == THREAD_ROUTE:
                self.threaded.setdefault(int(parts[2]), record.at)
                self.new_threads.append(int(parts[4]))  # a thread on a message takes the message's id
            elif record.route == REACTION_ROUTE:
                self.reacted.setdefault(int(parts[4]), record.at)
            elif record.route == POST_ROUTE and record.method == "GET":
                self.reads.setdefault(int(parts[2]), record.at)


@dataclass
class Crowd:
    """Members answering, ``per_second`` on average, each in the newest thread nobody answered yet."""

    cluster: Cluster
    cursor: LogCursor
    per_second: float
    sent: dict[int, float] = field(default_factory=dict)  # message id -> when the member wrote it

    async def run(self, stop: asyncio.Event) -> None:
        members = self.cluster.world.members
        turn = 0
        while not stop.is_set():
            self.cursor.advance()
            if self.cursor.new_threads:
                thread = self.cursor.new_threads.pop()
                member = members[turn % len(members)]
                turn += 1
                message = self.cluster.server.user_says(thread, member, f"{ANSWER} ({turn})")
                self.sent[message.id] = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0 / self.per_second)

    def ack_delays(self) -> list[float]:
        return [self.cursor.reacted[m] - at for m, at in self.sent.items() if m in self.cursor.reacted]


@dataclass(frozen=True)
class FanoutRun:
    channels: int
    posted_once: int
    with_thread: int
    seconds: float  # due time to the last thread created
    requests: int  # REST requests in that time
    rate_limited: int
    rate: float  # the processes' summed configured rate
    thread_delay: float  # median over channels, question posted to thread created
    answers: int
    acks: tuple[float, ...]  # member's message to the bot's reaction, per acknowledged answer
    acks_stored: int  # acknowledged answers the database holds

    @property
    def bound(self) -> float:
        """The least time the configured rate allows for the requests the server accepted (a 429 is not one: it
        is time lost)."""
        return (self.requests - self.rate_limited) / self.rate

    @property
    def ratio(self) -> float:
        return self.seconds / self.bound if self.bound else float("inf")


def _next_minute(after: dt.datetime) -> dt.datetime:
    return after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


async def _configure_due_soon(cluster: Cluster, start_lead: float) -> dt.datetime:
    """Configure every channel's daily post for one minute, far enough ahead for the configuring itself (timed on
    a sample first) and the processes' start."""
    targets = cluster.targets
    sample = targets[: min(100, len(targets))]
    async with open_runtime(bench_settings(cluster.database.url), clock=SystemClock()) as runtime:
        began = time.monotonic()
        placeholder = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)).time().replace(second=0, microsecond=0)
        await configure_channels(runtime.service, sample, placeholder)
        per_channel = (time.monotonic() - began) / len(sample)
        lead = per_channel * len(targets) * 1.2 + start_lead
        slot = _next_minute(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead))
        await configure_channels(runtime.service, targets, slot.time())
    return slot


def dump_requests(records: list[RequestRecord], path: Path, since: float) -> None:
    """The request log as tab-separated lines (seconds from ``since``, method, path, status, scope), to look into
    a run after the fact."""
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            out.write(f"{r.at - since:.3f}\t{r.method}\t{r.path}\t{r.status}\t{r.scope or ''}\n")


async def fanout(
    directory: Path, plan: FleetPlan, *, answers_per_second: float, start_lead: float, keep: Path | None = None
) -> FanoutRun:
    """One fan-out; ``keep``: a directory to copy the bots' logs and the request log to."""
    async with Cluster(plan.world(), directory) as cluster:
        slot = await _configure_due_soon(cluster, start_lead)
        specs = plan.process_specs()
        for spec in specs:
            await cluster.spawn(spec)
        gateway = cluster.server.gateway
        await cluster.wait_for(
            lambda: len(gateway.connected_sessions) >= plan.shard_count, within=300, what="every shard's session"
        )
        if dt.datetime.now(dt.UTC) >= slot:
            raise RuntimeError("the processes took longer to start than the lead before the due minute")
        due = time.monotonic() + (slot.timestamp() - time.time())
        cursor = LogCursor(cluster.server.requests.records, since=due - 0.5)
        crowd = Crowd(cluster, cursor, answers_per_second)
        stop = asyncio.Event()
        members = asyncio.create_task(crowd.run(stop), name="members")
        rate = sum(s.rate for s in specs)
        try:
            await asyncio.sleep(max(0.0, due - time.monotonic()))

            def all_threaded() -> bool:
                cursor.advance()
                return len(cursor.threaded) >= plan.channels

            await cluster.wait_for(all_threaded, within=3 * 2 * plan.channels / rate + 120, what="every thread")
        finally:
            stop.set()
            await members
        end = max(cursor.threaded.values())

        def all_acked() -> bool:
            cursor.advance()
            return all(m in cursor.reacted for m in crowd.sent)

        with contextlib.suppress(TimeoutError):
            await cluster.wait_for(all_acked, within=30, what="every answer's reaction")
        audit = await cluster.audit()
        if keep is not None:
            _keep(cluster, keep, since=due)
    window = [r for r in cluster.server.requests.records if due - 0.5 <= r.at <= end]
    delays = [cursor.threaded[c] - cursor.posted[c] for c in cursor.threaded if c in cursor.posted]
    return FanoutRun(
        channels=plan.channels,
        posted_once=audit.posted_once,
        with_thread=audit.with_thread,
        seconds=end - due,
        requests=len(window),
        rate_limited=sum(1 for r in window if r.status == 429),
        rate=rate,
        thread_delay=statistics.median(delays) if delays else float("inf"),
        answers=len(crowd.sent),
        acks=tuple(crowd.ack_delays()),
        acks_stored=audit.acknowledged_stored,
    )


@dataclass(frozen=True)
class RestartRun:
    rounds: int
    ready: float  # process start to the last shard's missed post (its scheduler running)
    caught_up: float  # process start to the last round's thread read back
    requests: int  # REST requests from process start to both done, 429s not counted
    rate: float
    latency: float

    @property
    def seconds(self) -> float:
        return max(self.ready, self.caught_up)

    @property
    def bound(self) -> float:
        return self.requests / self.rate

    @property
    def ratio(self) -> float:
        return self.seconds / self.bound if self.bound else float("inf")


async def restart(directory: Path, plan: FleetPlan, *, latency: float, keep: Path | None = None) -> RestartRun:
    """One restart; ``keep``: a directory to copy the bots' logs and the request log to."""
    async with Cluster(plan.world(members=1), directory) as cluster:
        sentinels = {t.shard: t for t in cluster.targets}  # the last channel of each shard
        rounds = [t for t in cluster.targets if t not in sentinels.values()]
        threads = await open_posted_rounds(cluster.database.url, cluster.server, rounds)
        missed = dt.datetime.now(dt.UTC).time().replace(second=0, microsecond=0)
        await configure_daily(cluster.database.url, list(sentinels.values()), missed)
        set_latency(cluster, latency)
        specs = plan.process_specs()
        start = time.monotonic()
        cursor = LogCursor(cluster.server.requests.records, since=start)
        for spec in specs:
            await cluster.spawn(spec)
        wanted = set(threads.values())

        def done() -> bool:
            cursor.advance()
            posted = all(t.channel_id in cursor.posted for t in sentinels.values())
            return posted and wanted.issubset(cursor.reads)

        rate = sum(s.rate for s in specs)
        await cluster.wait_for(done, within=3 * len(wanted) / rate + 180, what="the schedulers and the catch-up")
        ready = max(cursor.posted[t.channel_id] for t in sentinels.values()) - start
        caught_up = max(cursor.reads[t] for t in wanted) - start
        if keep is not None:
            _keep(cluster, keep, since=start)
    finish = start + max(ready, caught_up)
    requests = sum(1 for r in cluster.server.requests.records if start <= r.at <= finish and r.status != 429)
    return RestartRun(len(wanted), ready, caught_up, requests, rate, latency)


def _keep(cluster: Cluster, keep: Path, since: float) -> None:
    keep.mkdir(parents=True, exist_ok=True)
    for bot in cluster.bots:
        (keep / bot.log_path.name).write_bytes(bot.log_path.read_bytes())
    dump_requests(cluster.server.requests.records, keep / "requests.tsv", since)


def set_latency(cluster: Cluster, seconds: float) -> None:
    """Make the server take ``seconds`` over every REST request (0: as fast as it can)."""
    if not seconds:
        return
    # A ``*`` stands for one path segment: one pattern per depth covers every route.
    for depth in range(1, 10):
        cluster.server.faults.delay("*", "/*" * depth, seconds)


# --- the command line's entry points -----------------------------------------------------------------------------


def _quiet() -> None:
    # The harness's own database connections log nothing worth seeing; the bots log to their files.
    logging.getLogger("discord").setLevel(logging.ERROR)


def measure_fanout(
    plan: FleetPlan,
    *,
    answers_per_second: float = 2.0,
    start_lead: float = 40.0,
    base: Path | None = None,
    keep: Path | None = None,
) -> FanoutRun:
    _quiet()
    with tempfile.TemporaryDirectory(prefix="quizbot-fleet-", dir=base) as tmp:
        run = fanout(Path(tmp), plan, answers_per_second=answers_per_second, start_lead=start_lead, keep=keep)
        return asyncio.run(run)


def measure_restart(
    plan: FleetPlan, *, latency: float = 0.05, base: Path | None = None, keep: Path | None = None
) -> RestartRun:
    _quiet()
    with tempfile.TemporaryDirectory(prefix="quizbot-fleet-restart-", dir=base) as tmp:
        return asyncio.run(restart(Path(tmp), plan, latency=latency, keep=keep))


def run_fanout(plan: FleetPlan, *, runs: int, base: Path | None = None, keep: Path | None = None) -> list[Figure]:
    passes = [measure_fanout(plan, base=base, keep=keep) for _ in range(runs)]
    label = (
        f"{plan.channels:,} {plan.kind} channels, {plan.guilds:,} guilds, {plan.shard_count} shards, "
        f"{plan.processes} processes"
    )
    return [
        figure_over_runs(
            FANOUT,
            f"posted once with thread ÷ due ({label})",
            [min(p.posted_once, p.with_thread) / p.channels for p in passes],
            "ratio",
            target="= 1.0",
            lower=1.0,
        ),
        figure_over_runs(FANOUT, "due time to last thread created", [p.seconds for p in passes], "s"),
        figure_over_runs(FANOUT, "REST requests in that time", [float(p.requests) for p in passes], "requests"),
        figure_over_runs(
            FANOUT,
            "time ÷ bound of the configured rate (accepted requests ÷ summed rate)",
            [p.ratio for p in passes],
            "ratio",
            target="≤ 1.15",
            upper=1.15 + 1e-9,
        ),
        figure_over_runs(
            FANOUT,
            "requests answered 429",
            [100 * p.rate_limited / p.requests if p.requests else 0.0 for p in passes],
            "%",
            target="< 0.1 %",
            upper=0.1 - 1e-9,
        ),
        figure_over_runs(
            FANOUT,
            "median question posted to its thread created",
            [p.thread_delay for p in passes],
            "s",
            target="< 2 s",
            upper=2.0 - 1e-9,
        ),
        figure_over_runs(FANOUT, "answers written during the fan-out", [float(p.answers) for p in passes], "answers"),
        figure_over_runs(
            FANOUT,
            "answers acknowledged and stored ÷ written",
            [p.acks_stored / p.answers if p.answers else 0.0 for p in passes],
            "ratio",
            target="= 1.0",
            lower=1.0,
        ),
        figure_over_runs(
            FANOUT,
            "answer to acknowledgement p99",
            [percentile(p.acks, 99) if p.acks else float("inf") for p in passes],
            "s",
            target="< 2 s",
            upper=2.0 - 1e-9,
        ),
    ]


def run_restart(
    plan: FleetPlan, *, runs: int, latency: float = 0.05, base: Path | None = None, keep: Path | None = None
) -> list[Figure]:
    passes = [measure_restart(plan, latency=latency, base=base, keep=keep) for _ in range(runs)]
    label = f"{plan.channels:,} open rounds, {latency * 1000:.0f} ms per request"
    return [
        figure_over_runs(
            RESTART, f"start to every shard's scheduler running ({label})", [p.ready for p in passes], "s"
        ),
        figure_over_runs(RESTART, "start to every thread read back", [p.caught_up for p in passes], "s"),
        figure_over_runs(
            RESTART, "REST requests in that time (429s not counted)", [float(p.requests) for p in passes], "requests"
        ),
        figure_over_runs(
            RESTART,
            "time ÷ bound of the configured rate (accepted requests ÷ summed rate)",
            [p.ratio for p in passes],
            "ratio",
            target="≤ 1.2",
            upper=1.2 + 1e-9,
        ),
    ]
