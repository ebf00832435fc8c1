"""Fault trials across processes: two ``python -m bot run`` processes on one PostgreSQL database, against the tests'
Discord-compatible server in this process; one of them is killed with SIGKILL at a random point of a daily fan-out
or of a reveal burst, and started again. Members keep answering in the answer threads all along.

Each trial builds its own world (``bench.cluster``): a few guilds whose channels all have their daily post due,
a fresh database, two bot processes with a low request rate each (so that a fan-out lasts seconds and the kill
lands inside it) and a reveal delay of seconds (a channel setting, written to the database). The daily post is
the slot of the current minute: the scheduler posts a slot it finds missed within its grace period at once, with
the same job as at the slot's time, so the trial does not wait for the next whole minute (``--trigger minute``
does). The victim is killed a random delay after the server first sees the phase's request (a question posted in
a quiz channel, or a message posted in an answer thread), stays down a random moment, and is started again.

A trial passes when, once everything is revealed and the bots are stopped, the audit
(``bench.trials_support.audit``) finds no doubled post, no doubled reveal, no lost answer and no stuck round.
Everything must be revealed within ``settle_within`` of the restart: the reveal delay, one and a half takeover
leases (the bots' ``scheduler.takeover_after``, set short for the trials: a restarted process cannot tell its
killed self's half-done work from a live process's, so it waits out the lease) and ``--deadline`` seconds.

``--mode sharded`` gives each process one of two Discord shards; ``--mode overlap`` runs both processes
unsharded, so both serve every channel and only the database's claims keep the work exactly once. The victim is
killed a random delay after the first request of the phase for a channel of its own (in its shard).

    bash tests/postgres_cluster.sh .venv/bin/python -m bench.fault_trials --trials 20 --seed 1

Exits 1 if any trial finds a violation or cannot run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bench.cluster import BotProcess, Cluster, ProcessSpec, Target, WorldSpec, postgres_server
from bench.trials_support import (
    Audit,
    Members,
    acknowledged,
    audit,
    is_question_post,
    is_reveal_post,
    questions_in,
    read_database,
    reveal_title,
    reveals_in,
    settled,
)
from bot.config import SchedulerConfig
from bot.messages import Language
from tests.e2e.discord_server import DiscordServer
from tests.e2e.discord_server.ratelimit import RequestRecord

Kind = Literal["fanout", "reveal"]
Mode = Literal["sharded", "overlap"]
SHARDS = 2
LANGUAGE: Language = "en"  # the language ``bench.cluster`` runs the bots in
START_WITHIN = 90.0  # seconds for two fresh processes to connect and post their first question
UNFINISHED = "SELECT COUNT(*) FROM rounds WHERE state IN ('pending', 'open', 'revealing')"
POLL = 0.2  # seconds between looks at the server and the database while waiting for a trial to settle


@dataclass(frozen=True)
class TrialOptions:
    guilds: int = 6
    channels: int = 60
    members: int = 3
    rate: float = 8.0  # requests per second per process
    reveal_delay: float = 25.0  # seconds
    deadline: float = 90.0  # seconds after the restart (and after the reveal delay) for everything to settle
    answers_per_second: float = 4.0
    kill_window: float = 6.0  # the kill comes up to this many seconds after the phase's first request
    takeover_after: float = 15.0  # seconds: the bots' lease on a post or reveal in progress
    mode: Mode = "sharded"
    trigger: Literal["start", "minute"] = "start"


@dataclass(frozen=True)
class TrialPlan:
    number: int
    kind: Kind
    victim: int  # which of the two processes
    kill_after: float  # seconds after the phase's first request
    down_for: float  # seconds between the kill and the restart
    seed: int  # of the members' choices


@dataclass
class TrialOutcome:
    plan: TrialPlan
    audit: Audit | None = None
    error: str | None = None
    progress: str = ""  # how far the phase was when the kill came
    settle_seconds: float | None = None  # from the restart to everything revealed and acknowledged
    answers: int = 0
    acknowledged: int = 0
    seconds: float = 0.0
    logs: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and self.audit is not None and self.audit.violations == 0


def plan_trials(count: int, seed: int) -> list[TrialPlan]:
    """Half the trials kill during the fan-out, half during the reveals, alternating; the rest is drawn from
    ``seed``."""
    rng = random.Random(seed)
    kinds: tuple[Kind, Kind] = ("fanout", "reveal")
    return [
        TrialPlan(
            number=n + 1,
            kind=kinds[n % 2],
            victim=rng.randrange(2),
            kill_after=round(rng.uniform(0.1, 1.0), 3),  # scaled by the kill window when run
            down_for=round(rng.uniform(0.3, 3.0), 3),
            seed=rng.randrange(2**31),
        )
        for n in range(count)
    ]


def process_specs(options: TrialOptions, directory: Path) -> list[ProcessSpec]:
    specs = []
    for i in range(2):
        config = bot_config(directory / f"bot{i}-trial.yaml", options)
        env = (("QUIZBOT_CONFIG", str(config)),)
        if options.mode == "overlap":
            specs.append(ProcessSpec(f"bot{i}", rate=options.rate, extra_env=env))
        else:
            specs.append(ProcessSpec(f"bot{i}", shard_ids=(i,), shard_count=SHARDS, rate=options.rate, extra_env=env))
    return specs


def bot_config(path: Path, options: TrialOptions) -> Path:
    """The bots' configuration file: ``bench.cluster``'s, plus a short takeover lease where the bot has one (a
    restarted process waits that long before it finishes the posts and reveals its killed self left half done)."""
    lines = [f"language: {LANGUAGE}", "log_level: INFO", "discord:", f"  requests_per_second: {options.rate:g}"]
    if "takeover_after" in SchedulerConfig.model_fields:
        lines += ["scheduler:", f"  takeover_after: {options.takeover_after:g}s"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def settle_within(options: TrialOptions) -> float:
    """How long after the restart everything must be revealed: the reveal delay, the takeover lease and half
    again (the sweep that finds abandoned work runs every half lease), and ``deadline`` for the work itself."""
    takeover = 1.5 * options.takeover_after if "takeover_after" in SchedulerConfig.model_fields else 0.0
    return options.deadline + options.reveal_delay + takeover


def post_time(options: TrialOptions) -> dt.time:
    """The slot: the current minute (due at start), or the next one (due when the scheduler's clock gets there)."""
    now = dt.datetime.now(dt.UTC)
    slot = now.replace(second=0, microsecond=0)
    if options.trigger == "minute":
        slot += dt.timedelta(minutes=1 if now.second < 40 else 2)  # time for the bots to start before it
    return slot.time()


async def first_request(server: DiscordServer, wanted: Callable[[RequestRecord], bool], within: float) -> RequestRecord:
    """The first request the server answered with success for which ``wanted`` holds, as soon as it comes."""
    seen = 0

    def found() -> RequestRecord | None:
        nonlocal seen
        records = server.requests.records
        for record in records[seen:]:
            if record.status < 300 and wanted(record):
                return record
        seen = len(records)
        return None

    return await server.wait_for(found, timeout=within)


def progress(server: DiscordServer, targets: Sequence[Target], victim_shard: int | None, title: str) -> str:
    """How much of the phase was done when the kill came: questions (or reveals) visible, overall and in the
    victim's shard."""

    def done(target: Target) -> bool:
        questions = questions_in(server, target.channel_id)
        return bool(questions)

    def revealed(target: Target) -> bool:
        return any(
            q.thread_id is not None and reveals_in(server, q.thread_id, title)
            for q in questions_in(server, target.channel_id)
        )

    parts = []
    for name, test in (("posted", done), ("revealed", revealed)):
        overall = sum(1 for t in targets if test(t))
        text = f"{name} {overall}/{len(targets)}"
        if victim_shard is not None:
            mine = [t for t in targets if t.shard == victim_shard]
            text += f" (victim's shard {sum(1 for t in mine if test(t))}/{len(mine)})"
        parts.append(text)
    return ", ".join(parts)


async def run_trial(plan: TrialPlan, options: TrialOptions, directory: Path) -> TrialOutcome:
    outcome = TrialOutcome(plan)
    began = time.monotonic()
    spec = WorldSpec(guilds=options.guilds, channels=options.channels, shard_count=SHARDS, members=options.members)
    title = reveal_title(LANGUAGE)
    try:
        async with Cluster(spec, directory) as cluster:
            try:
                await _trial(cluster, plan, options, outcome, title)
            except Exception:
                outcome.logs = [f"[{bot.spec.name}, started {bot.starts}x]\n{bot.log_tail(40)}" for bot in cluster.bots]
                raise
    except Exception as exc:  # a trial that cannot run is reported, and the others still run
        outcome.error = f"{type(exc).__name__}: {exc}"
    outcome.seconds = time.monotonic() - began
    return outcome


async def _trial(cluster: Cluster, plan: TrialPlan, options: TrialOptions, outcome: TrialOutcome, title: str) -> None:
    server = cluster.server
    targets = cluster.targets
    channels = frozenset(t.channel_id for t in targets)
    await cluster.configure_daily(post_time(options), reveal_delay=dt.timedelta(minutes=1))
    # Below the minute ``/quiz setup`` allows: written as the setting is stored.
    await cluster.database.fetch("UPDATE channels SET daily_reveal_seconds = $1", int(options.reveal_delay))
    members = Members(
        server,
        {t.channel_id: t.guild_id for t in targets},
        {t.guild_id: list(cluster.world.members) for t in targets},
        random.Random(plan.seed),
        title,
        per_second=options.answers_per_second,
    )
    bots = [await cluster.spawn(spec) for spec in process_specs(options, cluster.directory)]
    stop_answering = asyncio.Event()
    answering = asyncio.create_task(members.keep_answering(stop_answering))
    try:
        await _kill_and_restart(cluster, bots, plan, options, outcome, title)
        restarted = time.monotonic()
        within = settle_within(options)

        async def finished() -> bool:
            if not settled(server, channels, members.written, title):
                return False
            return await cluster.database.count(UNFINISHED) == 0

        with contextlib.suppress(TimeoutError):
            done = await cluster.wait_for(finished, within=within, every=POLL, what="every round revealed")
            outcome.settle_seconds = done - restarted
    finally:
        stop_answering.set()
        await answering
        await asyncio.gather(*(bot.stop() for bot in bots))
    outcome.answers = len(members.written)
    outcome.acknowledged = sum(1 for m in members.written if acknowledged(server, m))
    outcome.audit = audit(server, channels, await read_database(cluster.database.url), members.written, title)
    if outcome.audit.violations or outcome.settle_seconds is None:
        outcome.logs = [f"[{bot.spec.name}, started {bot.starts}x]\n{bot.log_tail(40)}" for bot in bots]


async def _kill_and_restart(
    cluster: Cluster,
    bots: list[BotProcess],
    plan: TrialPlan,
    options: TrialOptions,
    outcome: TrialOutcome,
    title: str,
) -> None:
    server = cluster.server
    victim = bots[plan.victim]
    shard = plan.victim if options.mode == "sharded" else None
    # The phase as the victim does it: the first request for a channel of its own shard.
    mine = frozenset(t.channel_id for t in cluster.targets if shard is None or t.shard == shard)
    if plan.kind == "fanout":
        wait = START_WITHIN + (60.0 if options.trigger == "minute" else 0.0)
        await first_request(server, lambda r: is_question_post(r, mine), wait)
    else:
        wait = START_WITHIN + options.reveal_delay + 60.0
        await first_request(server, lambda r: is_reveal_post(server, r, mine), wait)
    await asyncio.sleep(plan.kill_after * options.kill_window)  # the random kill point
    outcome.progress = progress(server, cluster.targets, shard, title)
    await victim.kill()
    await asyncio.sleep(plan.down_for)  # down for a random moment, while members keep answering
    await victim.start()


# -- the command line -------------------------------------------------------------------------------------------


def describe(outcome: TrialOutcome, options: TrialOptions) -> str:
    plan = outcome.plan
    kill = (
        f"kill bot{plan.victim} {plan.kill_after * options.kill_window:.2f} s after the first "
        f"{'post' if plan.kind == 'fanout' else 'reveal'} ({outcome.progress}), down {plan.down_for:.1f} s"
    )
    head = f"trial {plan.number:2d} {plan.kind:6s} {kill}"
    if outcome.error is not None:
        return f"{head}\n    ERROR {outcome.error}"
    settle = (
        "never settled" if outcome.settle_seconds is None else f"settled {outcome.settle_seconds:.1f} s after restart"
    )
    found = outcome.audit
    violations = 0 if found is None else found.violations
    verdict = "ok" if outcome.passed else f"FAILED ({violations} violations)"
    answers = f"answers {outcome.answers}, acknowledged {outcome.acknowledged}"
    body = f"    {settle}; {answers}; {outcome.seconds:.0f} s; {verdict}"
    lines = [head, body]
    if found is not None:
        lines += [f"    {line}" for line in found.lines()[:20]]
    return "\n".join(lines)


def totals(outcomes: Sequence[TrialOutcome]) -> list[str]:
    def count(get: Callable[[Audit], list[str]]) -> int:
        return sum(len(get(o.audit)) for o in outcomes if o.audit is not None)

    by_kind = {
        kind: (
            sum(1 for o in outcomes if o.plan.kind == kind and o.passed),
            sum(1 for o in outcomes if o.plan.kind == kind),
        )
        for kind in ("fanout", "reveal")
    }
    return [
        f"trials: {len(outcomes)} ({by_kind['fanout'][1]} killed mid-fan-out, {by_kind['reveal'][1]} mid-reveal); "
        f"passed {sum(1 for o in outcomes if o.passed)}",
        f"doubled posts: {count(lambda a: a.doubled_posts)}",
        f"doubled reveals: {count(lambda a: a.doubled_reveals)}",
        f"lost answers: {count(lambda a: a.lost_answers)} "
        f"(of {sum(o.answers for o in outcomes)} written, {sum(o.acknowledged for o in outcomes)} acknowledged)",
        f"stuck rounds: {count(lambda a: a.stuck_rounds)}",
        f"trials that could not run: {sum(1 for o in outcomes if o.error is not None)}",
    ]


async def run_all(plans: Sequence[TrialPlan], options: TrialOptions, parallel: int, keep: Path | None) -> int:
    queue = list(plans)
    outcomes: list[TrialOutcome] = []

    async def worker() -> None:
        while queue:
            plan = queue.pop(0)
            directory = Path(tempfile.mkdtemp(prefix=f"quizbot-trial-{plan.number}-"))
            outcome = await run_trial(plan, options, directory)
            outcomes.append(outcome)
            print(describe(outcome, options), flush=True)
            if not outcome.passed:
                for log in outcome.logs:
                    print("      " + log.replace("\n", "\n      "), flush=True)
            if keep is not None and not outcome.passed:
                shutil.copytree(directory, keep / f"trial-{plan.number}", dirs_exist_ok=True)
            shutil.rmtree(directory, ignore_errors=True)

    await asyncio.gather(*(worker() for _ in range(parallel)))
    outcomes.sort(key=lambda o: o.plan.number)
    print()
    for line in totals(outcomes):
        print(line)
    return 0 if all(o.passed for o in outcomes) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fault_trials", description=__doc__.split("\n\n")[0])
    defaults = TrialOptions()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1, help="draws victims, kill points and members' answers")
    parser.add_argument("--mode", choices=("sharded", "overlap"), default=defaults.mode)
    parser.add_argument("--trigger", choices=("start", "minute"), default=defaults.trigger)
    parser.add_argument("--parallel", type=int, default=2, help="trials at once (each has its own world)")
    parser.add_argument("--channels", type=int, default=defaults.channels)
    parser.add_argument("--guilds", type=int, default=defaults.guilds)
    parser.add_argument("--members", type=int, default=defaults.members)
    parser.add_argument("--rate", type=float, default=defaults.rate, help="requests per second per process")
    parser.add_argument("--reveal-delay", type=float, default=defaults.reveal_delay, help="seconds")
    parser.add_argument("--deadline", type=float, default=defaults.deadline, help="seconds after the restart")
    parser.add_argument("--kill-window", type=float, default=defaults.kill_window, help="seconds")
    parser.add_argument(
        "--takeover-after", type=float, default=defaults.takeover_after, help="the bots' takeover lease, seconds"
    )
    parser.add_argument("--keep", type=Path, default=None, help="copy the logs of failed trials here")
    args = parser.parse_args(argv)
    if postgres_server() is None:
        print(
            "the trials need PostgreSQL: run under tests/postgres_cluster.sh or set QUIZBOT_TEST_POSTGRES",
            file=sys.stderr,
        )
        return 2
    options = TrialOptions(
        guilds=args.guilds,
        channels=args.channels,
        members=args.members,
        rate=args.rate,
        reveal_delay=args.reveal_delay,
        deadline=args.deadline,
        kill_window=args.kill_window,
        takeover_after=args.takeover_after,
        mode=args.mode,
        trigger=args.trigger,
    )
    logging.basicConfig(level=logging.WARNING)
    plans = plan_trials(args.trials, args.seed)
    print(
        f"{args.trials} trials, seed {args.seed}, mode {options.mode}, {options.channels} channels in "
        f"{options.guilds} guilds, {options.rate:g} requests/s per process, reveal delay {options.reveal_delay:g} s",
        flush=True,
    )
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    return asyncio.run(run_all(plans, options, max(1, args.parallel), args.keep))


if __name__ == "__main__":
    raise SystemExit(main())
