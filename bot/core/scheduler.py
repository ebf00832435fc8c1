"""APScheduler wiring: daily posts and reveals, rebuilt from the database at every start.

Every job calls an idempotent core operation (claim a slot, reveal an open round), so a job that fires twice,
late, or in two processes at once still posts and reveals exactly once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.core.models import ChannelKey, ChannelSettings, GuildKey, Round, RoundKind, RoundState
from bot.core.ports import ChatPlatform, PlatformError, ReminderCard, Superseded, serves, share_of
from bot.core.review.streaks import local_day
from bot.core.schedule import latest_slot, next_slot
from bot.core.service import QuizService
from bot.core.work import WorkInProgress

log = logging.getLogger(__name__)

# The review reminder job: it runs at the start of every minute while any member has reminders on, and each run
# handles the window since the last one (kept in storage, so a restart neither skips a window nor repeats one).
REMINDERS_JOB = "reminders"
REMINDER_INTERVAL = dt.timedelta(minutes=1)
# How far back a run looks after a long stop: a reminder is only worth sending on the member's day it was for.
REMINDER_CATCH_UP = dt.timedelta(days=1)
# How many rounds are taken up at once at start (interrupted reveals, unposted rounds) and how many jobs due at the
# same time ``run_due`` runs at once; each waits for its platform's pace, this only bounds what waits.
STARTUP_CONCURRENCY = 64
# How many daily posts and reveals run at once. Thousands fall due in the same minute; each does some database
# work before its request, and all of them at once would spread that work so thin that the first requests leave
# late. A bounded number keeps requests flowing from the first second; the platform's pace still sets the rate.
JOB_CONCURRENCY = 64
# With a shared database: renewing this process's heartbeats, and looking for work other processes left behind.
HEARTBEAT_JOB = "heartbeat"
SWEEP_JOB = "takeover"


class RevealStatus(StrEnum):
    """What became of a reveal whose scores were fixed."""

    REVEALED = "revealed"  # posted
    RETRYING = "retrying"  # the post failed and is tried again after the retry delay
    FAILED = "failed"  # the post failed for good; the admins were told, and the next start tries once more


@dataclass(frozen=True)
class ManualReveal:
    """An admin's reveal: the round (as it was when the reveal began) and what became of it."""

    round: Round
    status: RevealStatus


class QuizScheduler:
    def __init__(
        self,
        service: QuizService,
        platforms: Mapping[str, ChatPlatform],
        *,
        grace: dt.timedelta = dt.timedelta(hours=1),
        retry_delay: dt.timedelta = dt.timedelta(minutes=1),
        lease: dt.timedelta = dt.timedelta(0),
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self.service = service
        self.platforms = dict(platforms)
        self.grace = grace
        self.retry_delay = retry_delay
        # ``lease``: how long a post or reveal in progress may go without its heartbeat before another process
        # takes it over; zero for a database only this process uses (it takes its unfinished work over at once).
        self.work = WorkInProgress(service.storage.rounds, service.clock, lease)
        # Reveals whose post failed for good: left for the next start, not retried by the takeover sweep.
        self._given_up: set[int] = set()
        self._job_slots = asyncio.Semaphore(JOB_CONCURRENCY)
        self._aps = scheduler or AsyncIOScheduler(timezone=dt.UTC)
        # Ids of jobs planned while APScheduler is not started. Its pending list can only be searched job by job,
        # so knowing which ids are not in it keeps planning thousands of jobs (rebuild, run_due) linear.
        self._planned_unstarted: set[str] = set()

    async def start(self) -> None:
        """Rebuild every job from storage, do what is overdue, then start firing jobs."""
        if self._aps.running:
            await self.rebuild()
            return
        # Rebuild into a started but paused scheduler: nothing fires before the rebuild is complete, and finding a
        # job by id is a lookup in its job store, not a walk through every job planned so far (which made
        # starting with thousands of channels quadratic).
        self._aps.start(paused=True)
        self._planned_unstarted.clear()
        try:
            await self.rebuild()
        except BaseException:
            self._aps.shutdown(wait=False)
            raise
        self._aps.resume()

    def shutdown(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)

    def job_count(self) -> int:
        return len(self._aps.get_jobs())

    def next_run(self, job_id: str) -> dt.datetime | None:
        job = self._aps.get_job(job_id)
        return None if job is None else job.trigger.run_date

    async def run_due(self) -> int:
        """Run, in time order, every job due by the service clock. For a scheduler that is not started: tests
        and tools move a manual clock and call this instead of waiting for wall-clock time."""
        ran = 0
        slots = asyncio.Semaphore(STARTUP_CONCURRENCY)

        async def run(job: Any) -> None:
            async with slots:
                await job.func(*job.args)

        while True:
            now = self.service.clock.now()
            due = sorted(
                (job for job in self._aps.get_jobs() if job.trigger.run_date <= now),
                key=lambda job: (job.trigger.run_date, job.id),
            )
            if not due:
                return ran
            # Jobs due at the same time run together (as a started scheduler would run them), later ones after.
            for _, group in itertools.groupby(due, key=lambda job: job.trigger.run_date):
                batch = list(group)
                for job in batch:
                    self._remove(job.id)
                outcomes = await asyncio.gather(*(run(job) for job in batch), return_exceptions=True)
                ran += len(batch)
                for outcome in outcomes:
                    if isinstance(outcome, BaseException):
                        raise outcome  # the caller sees a job's failure, once the others have finished

    # -- rebuilding ---------------------------------------------------------------------------------------

    async def rebuild(self) -> None:
        """Bring jobs in line with the database: finish interrupted reveals, retry or drop unposted rounds,
        schedule reveals of open rounds (overdue ones at once) and the next post of every channel."""
        rounds = self.service.storage.rounds
        # Interrupted reveals first, then unposted rounds; within each step the rounds go concurrently (each waits
        # for its platform's pace), so a start after a long stop does not take one round trip per round.
        await self._concurrently(await rounds.in_states(RoundState.REVEALING), self._finish_reveal)
        await self._concurrently(await rounds.in_states(RoundState.PENDING), self._retry_or_drop)
        for round_ in await rounds.in_states(RoundState.OPEN):
            if self.serves(round_.channel) and await self._question_still_loaded(round_):
                self.schedule_reveal(round_)
        for channel in await self.service.storage.channels.all():
            if channel.key.platform in self.platforms:
                await self.schedule_channel(channel)
        # Reminders missed while the bot was down are sent now, if still on the member's day.
        await self.plan_reminders()
        self._plan_takeover()

    async def _concurrently(self, batch: list[Round], step: Callable[[Round], Awaitable[object]]) -> int:
        """``step`` for every round of ``batch`` this process serves and takes over whose question is still
        loaded, at most ``STARTUP_CONCURRENCY`` at once; a round that fails is logged and leaves the others to go
        on. Returns how many rounds were taken over."""
        slots = asyncio.Semaphore(STARTUP_CONCURRENCY)

        async def one(round_: Round) -> bool:
            # Rounds of guilds another process runs (another Discord shard) are that process's to finish.
            if not self.serves(round_.channel) or round_.id in self._given_up:
                return False
            async with slots:
                try:
                    # A round another live process is posting or revealing is its to finish (its heartbeat is
                    # fresh); the takeover sweep looks again once the lease has run out.
                    if not await self.work.take(round_):
                        return False
                    if await self._question_still_loaded(round_):
                        await step(round_)
                except Exception:
                    log.exception("could not take up round %d", round_.id)
                return True

        return sum(await asyncio.gather(*(one(round_) for round_ in batch)))

    async def schedule_channel(self, channel: ChannelSettings) -> None:
        """(Re)plan a channel's daily posts: the missed slot within the grace period now, the next one later."""
        job_id = f"post:{channel.ref}"
        if not channel.enabled or channel.paused or not self.serves(channel.key):
            self._remove(job_id)
            return
        now = self.service.clock.now()
        missed = latest_slot(channel.schedule, now)
        if (
            missed is not None
            and now - missed <= self.grace
            and not await self.service.storage.rounds.slot_claimed(channel.ref, missed)
        ):
            self._add(job_id + ":catch-up", now, self.post_daily, channel.ref, missed)
        upcoming = next_slot(channel.schedule, now)
        if upcoming is not None:
            self._add(job_id, upcoming, self.post_daily, channel.ref, upcoming)

    def serves(self, key: ChannelKey) -> bool:
        """True if this process runs the channel's guild (always, unless its platform runs only some guilds)."""
        platform = self.platforms.get(key.platform)
        return platform is None or serves(platform, GuildKey(key.platform, key.guild_id))

    def schedule_reveal(self, round_: Round) -> None:
        self._add(f"reveal:{round_.id}", max(round_.reveal_at, self.service.clock.now()), self.reveal, round_.id)

    async def plan_reminders(self, *, fresh: bool = False) -> None:
        """Keep the reminder job planned while any member of these platforms has reminders on, and only then.

        ``fresh``: a member just changed their settings. If the job was idle (nobody had reminders), it starts
        from now rather than catching up on a time when nobody wanted reminding."""
        review = self.service.review
        if review is None:
            return
        if not await self._anyone_reminded():
            self._remove(REMINDERS_JOB)
            return
        if self.next_run(REMINDERS_JOB) is not None:
            return
        now = self.service.clock.now()
        if fresh:
            await review.store.reminders.mark_run(self._reminders_mark(), now)
        self._add(REMINDERS_JOB, now, self.send_reminders)

    async def send_reminders(self) -> int:
        """The reminder job: privately remind every member whose reminder time fell since the last run, once per
        member and day, if cards are due on that day; then plan the next run. Returns how many were sent."""
        review = self.service.review
        if review is None:
            return 0
        marks = review.store.reminders
        mark = self._reminders_mark()
        now = self.service.clock.now()
        since = max(await marks.last_run(mark) or now, now - REMINDER_CATCH_UP)
        sent = 0
        for name, platform in self.platforms.items():
            for reminder in await review.reminders(since, now, platform=name):
                settings = reminder.settings
                if not serves(platform, settings.guild):
                    continue  # the process running that guild reminds its members
                day = local_day(reminder.at, settings.timezone)
                if day != local_day(now, settings.timezone):
                    continue  # the member's day is over: tomorrow's reminder will say it
                # Claimed before it is sent: a restart between the two loses one reminder rather than sending two.
                if not await marks.claim(settings.guild, settings.member_id, day, now):
                    continue
                try:
                    await platform.remind_member(ReminderCard(settings.guild, settings.member_id, reminder.due))
                    sent += 1
                except PlatformError as exc:
                    log.warning("could not remind member %s of %s: %s", settings.member_id, settings.guild, exc)
        await marks.mark_run(mark, now)
        if await self._anyone_reminded():
            self._add(REMINDERS_JOB, now.replace(second=0, microsecond=0) + REMINDER_INTERVAL, self.send_reminders)
        return sent

    def _reminders_mark(self) -> str:
        """Where the reminder job keeps its last run: each process running only some guilds keeps its own, so
        one process's run does not close the window of the guilds another runs."""
        shares = sorted(f"{name} {share}" for name, platform in self.platforms.items() if (share := share_of(platform)))
        return ":".join([REMINDERS_JOB, *shares])

    async def _anyone_reminded(self) -> bool:
        review = self.service.review
        if review is None:
            return False
        for name in self.platforms:
            if await review.store.settings.with_reminders(name):
                return True
        return False

    # -- jobs ---------------------------------------------------------------------------------------------

    async def post_daily(self, channel_ref: int, slot: dt.datetime) -> Round | None:
        """Post the channel's question for ``slot`` unless that slot was already claimed; plan the next one."""
        async with self._job_slots:
            return await self._post_daily(channel_ref, slot)

    async def _post_daily(self, channel_ref: int, slot: dt.datetime) -> Round | None:
        channel = await self.service.storage.channels.by_ref(channel_ref)
        if channel is None or not self.serves(channel.key):
            return None
        try:
            if not channel.enabled or channel.paused:
                return None
            if self.service.clock.now() - slot > self.grace:
                log.warning("skipping the %s post of channel %s: past the grace period", slot, channel.key)
                return None
            round_ = await self.service.open_round(channel, RoundKind.DAILY, slot=slot)
            if round_ is None:
                return None  # someone (this process earlier, or another one) already has this slot
            self.work.begin(round_.id)
            return await self._publish(round_, channel.schedule.timezone)
        finally:
            await self._plan_next(channel, slot)

    async def retry_post(self, round_id: int) -> Round | None:
        round_ = await self.service.storage.rounds.get(round_id)
        if round_ is None or round_.state is not RoundState.PENDING:
            self.work.end(round_id)
            return None
        return await self._retry_or_drop(round_)

    async def reveal(self, round_id: int) -> bool:
        """The reveal job: reveal the round if it is still open. True if this call revealed it."""
        async with self._job_slots:
            return await self._reveal(round_id) is not None

    async def _reveal(self, round_id: int) -> RevealStatus | None:
        """Reveal the round if it is still open; what became of its post, or ``None`` if this call did not
        reveal it."""
        round_ = await self.service.storage.rounds.get(round_id)
        if round_ is None:
            return None
        platform = self.platforms.get(round_.channel.platform)
        if platform is None:
            log.error("round %d belongs to platform %r which is not running", round_id, round_.channel.platform)
            return None
        # Held from before the reveal fixes the scores, so the heartbeat is renewed while the post waits its turn.
        self.work.begin(round_id)
        try:
            revealed = await self.service.reveal(platform, round_id, self.work.fence(round_id))
        except PlatformError as exc:
            # The scores are fixed; only the message is missing.
            return await self._reveal_post_failed(round_, platform, exc)
        except Superseded:
            self._superseded(round_id, "reveal")
            return None
        except BaseException:
            self.work.end(round_id)
            raise
        self.work.end(round_id)
        return None if revealed is None else RevealStatus.REVEALED

    # -- entry points for platform commands ---------------------------------------------------------------

    async def ask(self, platform: ChatPlatform, key: ChannelKey, category: str | None = None) -> Round:
        """An on-demand round, posted now, revealed after the channel's on-demand delay."""
        round_ = await self.service.ask_now(platform, key, category)
        self.schedule_reveal(round_)
        return round_

    async def reveal_now(self, key: ChannelKey) -> Round | None:
        """Reveal the channel's open round at once (admin command). ``None`` if nothing is open."""
        outcome = await self.reveal_now_outcome(key)
        return None if outcome is None else outcome.round

    async def reveal_now_outcome(self, key: ChannelKey) -> ManualReveal | None:
        """Reveal the channel's open round at once, saying whether its post went out; ``None`` if nothing is
        open."""
        round_ = await self.service.current_round(key)
        if round_ is None:
            return None
        self._remove(f"reveal:{round_.id}")
        status = await self._reveal(round_.id)
        return None if status is None else ManualReveal(round_, status)

    async def skip(self, key: ChannelKey) -> Round | None:
        round_ = await self.service.skip(key)
        if round_ is not None:
            self._remove(f"reveal:{round_.id}")
        return round_

    # -- work other processes left behind ------------------------------------------------------------------

    def _plan_takeover(self) -> None:
        if not self.work.shared:
            return
        now = self.service.clock.now()
        self._add(HEARTBEAT_JOB, now + self.work.beat_every, self.beat)
        self._add(SWEEP_JOB, now + self.work.lease / 2, self.sweep)

    async def beat(self) -> None:
        """The heartbeat job: tell the database this process is still at the rounds it is posting or revealing."""
        try:
            await self.work.beat()
        finally:
            self._add(HEARTBEAT_JOB, self.service.clock.now() + self.work.beat_every, self.beat)

    async def sweep(self) -> int:
        """The takeover job: finish what another process (stopped, or no longer running these guilds) left
        undone: a post or reveal whose heartbeat ran out, an open round long past its reveal time that nobody
        here has planned. Every step is a compare-and-set in the database, so two sweeping processes do it once.
        Returns how many rounds it took up."""
        try:
            stalled = [r for r in await self.work.stalled() if self._takes_over(r)]
            overdue = [r for r in stalled if r.state is RoundState.OPEN]
            revealing = [r for r in stalled if r.state is RoundState.REVEALING]
            taken = await self._concurrently(revealing, self._finish_reveal)
            taken += await self._concurrently(
                [r for r in stalled if r.state is RoundState.PENDING], self._retry_or_drop
            )
            for round_ in overdue:
                # The reveal itself is the compare-and-set: of several processes planning it, one reveals.
                log.warning("round %d is past its reveal time and nobody revealed it; revealing it here", round_.id)
                self.schedule_reveal(round_)
            return taken + len(overdue)
        finally:
            self._add(SWEEP_JOB, self.service.clock.now() + self.work.lease / 2, self.sweep)

    def _superseded(self, round_id: int, what: str) -> None:
        # Not a failure: the process that took the round over posts it (this one was too slow to keep it).
        log.warning("round %d was taken over by another process before its %s was sent; leaving it", round_id, what)
        self.work.end(round_id)

    def _takes_over(self, round_: Round) -> bool:
        if round_.channel.platform not in self.platforms or not self.serves(round_.channel):
            return False
        if self.work.holds(round_.id) or round_.id in self._given_up:
            return False  # this process is at it (a retry is planned), or has given up until the next start
        if round_.state is RoundState.OPEN:
            return self.next_run(f"reveal:{round_.id}") is None
        return True

    # -- internals ----------------------------------------------------------------------------------------

    async def _publish(self, round_: Round, timezone: str | None = None) -> Round | None:
        platform = self.platforms[round_.channel.platform]
        try:
            opened = await self.service.publish_round(platform, round_, timezone, self.work.fence(round_.id))
        except PlatformError as exc:
            await self._post_failed(round_, exc)
            return None
        except Superseded:
            self._superseded(round_.id, "question")
            return None
        except BaseException:
            self.work.end(round_.id)
            raise
        return self._opened(opened)

    def _opened(self, round_: Round) -> Round | None:
        self.work.end(round_.id)
        if round_.state is not RoundState.OPEN:
            return None  # someone else opened or cancelled it meanwhile; their timers are theirs
        self.schedule_reveal(round_)
        return round_

    async def _retry_or_drop(self, round_: Round) -> Round | None:
        platform = self.platforms.get(round_.channel.platform)
        if platform is None:
            return None
        started = round_.slot or round_.opened_at
        if round_.kind is RoundKind.ON_DEMAND or self.service.clock.now() - started > self.grace:
            return await self._adopt_or_drop(platform, round_)
        return await self._publish(round_)

    async def _adopt_or_drop(self, platform: ChatPlatform, round_: Round) -> Round | None:
        """A pending round that is not to be posted any more: an on-demand question nobody saw arrive is better
        dropped than posted late. But an attempt killed between posting and recording it left it visible, with
        its button and thread: then it is adopted and runs its course."""
        try:
            adopted = await self.service.adopt_post(platform, round_)
        except PlatformError as exc:
            if exc.retryable and self.service.clock.now() + self.retry_delay <= round_.reveal_at + self.grace:
                log.warning("cannot tell whether round %d was posted (%s); looking again later", round_.id, exc)
                retry_at = self.service.clock.now() + self.retry_delay
                self._add(f"post-retry:{round_.id}", retry_at, self.retry_post, round_.id)
                return None
            log.error("cannot tell whether round %d was posted, dropping it: %s", round_.id, exc)
            adopted = None
        if adopted is not None:
            return self._opened(adopted)
        log.warning("dropping round %d: it was never posted and its time has passed", round_.id)
        await self.service.storage.rounds.cancel(round_.id)
        self.work.end(round_.id)
        return None

    async def _post_failed(self, round_: Round, exc: PlatformError) -> None:
        started = round_.slot or round_.opened_at
        retry_at = self.service.clock.now() + self.retry_delay
        if exc.retryable and retry_at - started <= self.grace:
            log.warning("posting round %d failed (%s); retrying at %s", round_.id, exc, retry_at)
            self._add(f"post-retry:{round_.id}", retry_at, self.retry_post, round_.id)
            return
        log.error("posting round %d in %s failed for good: %s", round_.id, round_.channel, exc)
        await self.service.storage.rounds.cancel(round_.id)
        self.work.end(round_.id)
        await self._report(self.platforms[round_.channel.platform], round_.channel, str(exc))

    async def _plan_next(self, channel: ChannelSettings, after: dt.datetime) -> None:
        upcoming = next_slot(channel.schedule, max(after, self.service.clock.now()))
        if upcoming is not None and channel.enabled and not channel.paused:
            self._add(f"post:{channel.ref}", upcoming, self.post_daily, channel.ref, upcoming)

    async def _finish_by_id(self, round_id: int) -> None:
        round_ = await self.service.storage.rounds.get(round_id)
        if round_ is not None:
            await self._finish_reveal(round_)

    async def _finish_reveal(self, round_: Round) -> None:
        platform = self.platforms.get(round_.channel.platform)
        if platform is None:
            return
        try:
            await self.service.finish_reveal(platform, round_.id, self.work.fence(round_.id))
        except PlatformError as exc:
            await self._reveal_post_failed(round_, platform, exc)
            return
        except Superseded:
            self._superseded(round_.id, "reveal")
            return
        except BaseException:
            self.work.end(round_.id)
            raise
        self.work.end(round_.id)

    async def _reveal_post_failed(self, round_: Round, platform: ChatPlatform, exc: PlatformError) -> RevealStatus:
        """Retry a reveal post that may succeed later; for one that cannot, tell the admins and stop trying
        (the round stays 'revealing', so the next start tries once more, e.g. after permissions are fixed)."""
        if exc.retryable:
            log.warning("posting the reveal of round %d failed (%s); retrying", round_.id, exc)
            self._add(
                f"reveal-retry:{round_.id}",
                self.service.clock.now() + self.retry_delay,
                self._finish_by_id,
                round_.id,
            )
            return RevealStatus.RETRYING
        log.error("posting the reveal of round %d in %s failed for good: %s", round_.id, round_.channel, exc)
        self.work.end(round_.id)
        self._given_up.add(round_.id)
        await self._report(platform, round_.channel, str(exc))
        return RevealStatus.FAILED

    async def _report(self, platform: ChatPlatform, channel: ChannelKey, problem: str) -> None:
        try:
            await platform.report_problem(channel, problem)
        except PlatformError:
            log.exception("could not tell the admins of %s about it either", channel)

    async def _question_still_loaded(self, round_: Round) -> bool:
        """False for a round whose question is no longer in the loaded decks (a deck was removed or edited
        while it was running): it can be neither shown nor scored, so it is cancelled if it can still be, and
        left out rather than stopping the whole rebuild."""
        if self.service.catalog.has_question(round_.deck_id, round_.question_id):
            return True
        cancelled = await self.service.storage.rounds.cancel(round_.id)
        self.work.end(round_.id)
        log.warning(
            "round %d asks %s/%s, which is no longer loaded; %s",
            round_.id,
            round_.deck_id,
            round_.question_id,
            "cancelled it" if cancelled else "its reveal cannot be posted",
        )
        return False

    def _add(self, job_id: str, when: dt.datetime, func: object, *args: object) -> None:
        # Until APScheduler starts it keeps added jobs in a pending list where ``replace_existing`` is not
        # applied yet, so a job replanned before ``start()`` (or under ``run_due``) would exist twice.
        self._remove(job_id)
        self._aps.add_job(
            func,
            DateTrigger(run_date=when, timezone=dt.UTC),
            args=args,
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,  # late jobs still run; the operations themselves know what is too late
            coalesce=True,
        )
        if not self._aps.running:
            self._planned_unstarted.add(job_id)

    def _remove(self, job_id: str) -> None:
        if not self._aps.running:
            if job_id not in self._planned_unstarted:
                return
            self._planned_unstarted.discard(job_id)
        if self._aps.get_job(job_id) is not None:
            self._aps.remove_job(job_id)
