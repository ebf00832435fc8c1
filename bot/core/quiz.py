"""The quiz's one front door: every operation a platform needs, each doing the whole job.

A platform adapter holds a ``Quiz`` and nothing else of the core. Behind it, ``QuizService`` keeps the rules of a
round and ``QuizScheduler`` the timers; which of them an operation needs, and in what order (a new round's reveal
is planned, a changed schedule replanned, a skipped question marked on the platform), is decided here once rather
than in every adapter.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

from bot.core.boards import MIN_ACCURACY_ANSWERS, AccuracyBoard, accuracy_board
from bot.core.clock import Clock
from bot.core.decks import CategoryCount, DeckCatalog
from bot.core.errors import UserError
from bot.core.models import (
    AnswerReceipt,
    ChannelKey,
    ChannelSettings,
    Dispute,
    GuildKey,
    Leaderboard,
    Member,
    MemberStats,
    Period,
    Round,
    RoundState,
    VoteResult,
)
from bot.core.ports import ChatPlatform, PlatformError, QuestionCard
from bot.core.review.cards import Card, Verdict
from bot.core.review.notebook import AnkiExport, Translate
from bot.core.review.records import ForgetReport
from bot.core.review.service import DueCard, ReviewResult, ReviewService, ReviewStats
from bot.core.review.settings import MemberSettings, SettingsChange
from bot.core.scheduler import ManualReveal, QuizScheduler, RevealStatus
from bot.core.scoring import ScoringRules, period_key, period_start
from bot.core.service import QuizService

log = logging.getLogger(__name__)

__all__ = ["ManualReveal", "Notebook", "Quiz", "RevealStatus", "ScheduleChange"]


@dataclass(frozen=True)
class ScheduleChange:
    """A channel's settings to change; ``None`` keeps the current value."""

    post_time: dt.time | None = None
    timezone: str | None = None
    weekdays: frozenset[int] | None = None
    daily_reveal_delay: dt.timedelta | None = None
    on_demand_reveal_delay: dt.timedelta | None = None
    decks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Notebook:
    """A member's notebook: Markdown parts within the size asked for, and their missed questions as an Anki deck."""

    parts: tuple[str, ...]
    anki: AnkiExport


class Quiz:
    """The quiz on one chat platform, as that platform's adapter sees it."""

    def __init__(self, service: QuizService, scheduler: QuizScheduler, platform: ChatPlatform) -> None:
        self._service = service
        self._scheduler = scheduler
        self._platform = platform

    @classmethod
    def on(
        cls,
        service: QuizService,
        platform: ChatPlatform,
        *,
        grace: dt.timedelta = dt.timedelta(hours=1),
        retry_delay: dt.timedelta = dt.timedelta(minutes=1),
        lease: dt.timedelta = dt.timedelta(0),
    ) -> Quiz:
        """The quiz of ``service`` on ``platform``, with its own (not yet started) scheduler. ``lease``: with a
        database other processes share, how long a post or reveal in progress may go without a heartbeat before
        another process takes it over (zero: nobody else to wait for)."""
        scheduler = QuizScheduler(service, {platform.name: platform}, grace=grace, retry_delay=retry_delay, lease=lease)
        return cls(service, scheduler, platform)

    # -- running ------------------------------------------------------------------------------------------

    @property
    def platform(self) -> str:
        return self._platform.name

    @property
    def rules(self) -> ScoringRules:
        return self._service.rules

    @property
    def clock(self) -> Clock:
        return self._service.clock

    async def start(self) -> None:
        """Plan every timer from the database (finishing what a restart interrupted), then let them fire.

        Meanwhile the grader compiles every loaded question's rubric in the background: no timer waits for it,
        and a reveal that comes first compiles its own question only."""
        self._service.grading.prepare_all(self._service.catalog.questions())
        await self._scheduler.start()

    def stop(self) -> None:
        self._scheduler.shutdown()
        self._service.stop_grading()

    async def run_due(self) -> int:
        """Fire every timer due by the quiz's clock, for a quiz that was not started (tests and tools move a
        manual clock instead of waiting). Returns how many ran."""
        return await self._scheduler.run_due()

    async def reload_decks(self, catalog: DeckCatalog) -> None:
        """Use freshly loaded decks; refused (``UserError``) while a running round's question would vanish."""
        await self._service.reload_decks(catalog)

    # -- channels -----------------------------------------------------------------------------------------

    async def channel(self, key: ChannelKey) -> ChannelSettings | None:
        return await self._service.channel(key)

    async def open_channel(self, key: ChannelKey, *, daily: bool = False) -> ChannelSettings:
        """The channel's settings, created from the defaults if new (with daily posts only if ``daily``), and
        its posts planned."""
        existing = await self._service.channel(key)
        if existing is not None:
            return existing
        created = await self._service.ensure_channel(key, enabled=daily)
        await self._scheduler.schedule_channel(created)
        return created

    async def setup(self, key: ChannelKey, change: ScheduleChange, *, daily: bool = True) -> ChannelSettings:
        """Change the channel's settings (all checked before any is stored) and replan its posts. With ``daily``
        the channel gets daily posts from now on; the console keeps whatever it has."""
        settings = await self._service.configure_channel(
            key,
            post_time=change.post_time,
            weekdays=change.weekdays,
            timezone=change.timezone,
            daily_reveal_delay=change.daily_reveal_delay,
            on_demand_reveal_delay=change.on_demand_reveal_delay,
            decks=change.decks,
            enabled=True if daily else None,
        )
        await self._scheduler.schedule_channel(settings)
        return settings

    async def pause(self, key: ChannelKey) -> ChannelSettings:
        """Stop the channel's daily posts until resumed; a round already open still reveals."""
        return await self._set_paused(key, True)

    async def resume(self, key: ChannelKey) -> ChannelSettings:
        return await self._set_paused(key, False)

    async def _set_paused(self, key: ChannelKey, paused: bool) -> ChannelSettings:
        settings = await self._service.set_paused(key, paused)
        await self._scheduler.schedule_channel(settings)
        return settings

    def categories(self, channel: ChannelSettings | None) -> tuple[CategoryCount, ...]:
        """The categories a channel draws from (every loaded one for ``None``), with their question counts."""
        return self._service.categories(channel)

    # -- rounds -------------------------------------------------------------------------------------------

    async def ask(self, key: ChannelKey, category: str | None = None) -> Round:
        """Post an on-demand question now; its reveal follows after the channel's on-demand delay.

        One question is open in a channel at a time, so an answer can never go to the wrong one: while a round
        is open, asking is refused (``UserError('error.round-open')``); answer it, or an admin reveals or skips
        it. (A daily post still comes at its time; its answers go to its own thread.) Raises ``UserError`` for
        an unknown category or an empty deck too, ``PlatformError`` if the post failed (then no round is left
        behind)."""
        channel = await self._service.channel(key)
        if category is not None and all(c.category.id != category for c in self.categories(channel)):
            raise UserError("error.unknown-category", category=category)
        if channel is not None and await self._service.storage.rounds.latest_open(channel.ref) is not None:
            raise UserError("error.round-open")
        return await self._scheduler.ask(self._platform, key, category)

    async def reveal_now(self, key: ChannelKey) -> ManualReveal | None:
        """Reveal the channel's open round at once. ``None`` if none is open; otherwise the round and whether its
        reveal was posted, is being retried, or failed for good (its scores are fixed in every case)."""
        return await self._scheduler.reveal_now_outcome(key)

    async def skip(self, key: ChannelKey) -> Round | None:
        """Cancel the channel's open round without a reveal (nobody scores it) and mark its question as skipped
        on the platform. ``None`` if none is open."""
        skipped = await self._scheduler.skip(key)
        if skipped is None:
            return None
        try:
            await self._platform.mark_cancelled(self._service.question_card(skipped))
        except PlatformError as exc:
            # The round is cancelled either way; only the label on the old question is missing.
            log.warning("could not mark skipped round %d as cancelled: %s", skipped.id, exc)
        return skipped

    async def current_round(self, key: ChannelKey) -> Round | None:
        """The channel's newest open round."""
        return await self._service.current_round(key)

    async def round(self, round_id: int) -> Round | None:
        return await self._service.storage.rounds.get(round_id)

    async def round_for_thread(self, thread_id: str) -> Round | None:
        """The round whose question opened this thread on this platform, in whatever state."""
        return await self._service.round_for_thread(self._platform.name, thread_id)

    async def open_rounds(self) -> list[Round]:
        """Every round of this platform whose thread takes answers: the open ones, and those being revealed (their
        scores are fixed, so an answer written now is stored as late; a reveal cut short by a restart leaves its
        round so, and what members wrote meanwhile is only in its thread)."""
        rounds = await self._service.storage.rounds.in_states(RoundState.OPEN, RoundState.REVEALING)
        return [r for r in rounds if r.channel.platform == self._platform.name]

    def question_card(self, round_: Round) -> QuestionCard:
        return self._service.question_card(round_)

    # -- answers and votes --------------------------------------------------------------------------------

    async def answer(
        self, round_: Round, member: Member, text: str, *, message_id: str | None, private: bool = False
    ) -> AnswerReceipt | None:
        """Store a member's answer durably; acknowledge it once this returns a receipt. ``None`` for an empty
        answer or a round that takes none."""
        return await self._service.record_answer(round_, member, text, message_id=message_id, private=private)

    async def edit_answer(self, round_: Round, message_id: str, text: str) -> AnswerReceipt | None:
        """Replace the text of an answer given in a message; an emptied message withdraws it."""
        return await self._service.edit_answer(round_, message_id, text)

    async def withdraw_answer(self, round_: Round, message_id: str) -> AnswerReceipt | None:
        return await self._service.withdraw_answer(round_, message_id)

    async def vote(self, round_: Round, message_id: str, voter_id: str, *, add: bool = True) -> VoteResult:
        return await self._service.vote(round_, message_id, voter_id, add=add)

    async def recorded_message_ids(self, round_: Round) -> set[str]:
        """The messages whose text is stored as an answer of the round (what a catch-up may skip)."""
        return await self._service.recorded_message_ids(round_)

    async def answering_member_ids(self, round_: Round) -> set[str]:
        return await self._service.answering_member_ids(round_)

    # -- disputes -----------------------------------------------------------------------------------------

    async def latest_revealed_round(self, key: ChannelKey) -> Round | None:
        return await self._service.latest_revealed_round(key)

    async def disputable_concepts(self, round_id: int, member_id: str) -> tuple[str, ...]:
        return await self._service.disputable_concepts(round_id, member_id)

    async def open_dispute(self, round_id: int, member_id: str, concept: str) -> Dispute:
        return await self._service.open_dispute(round_id, member_id, concept)

    async def decide_dispute(self, dispute_id: int, *, accept: bool, admin_id: str) -> Dispute:
        """Accept or reject a dispute exactly once, re-score on accept, and post the decision in the thread."""
        return await self._service.decide_dispute(self._platform, dispute_id, accept=accept, admin_id=admin_id)

    async def open_disputes(self, key: ChannelKey) -> list[Dispute]:
        return await self._service.open_disputes(key)

    # -- leaderboard and stats ----------------------------------------------------------------------------

    async def leaderboard(
        self, guild: GuildKey, period: Period, caller_id: str | None = None, limit: int = 10
    ) -> Leaderboard:
        return await self._service.leaderboard(guild, period, caller_id, limit)

    async def leaderboard_around(self, guild: GuildKey, period: Period, caller_id: str) -> Leaderboard:
        """The caller among the members just above and below them."""
        return await self._service.leaderboard_around(guild, period, caller_id)

    async def accuracy_board(
        self, guild: GuildKey, period: Period, caller_id: str | None = None, min_answers: int = MIN_ACCURACY_ANSWERS
    ) -> AccuracyBoard:
        """Members ranked by the mean grade of their answers in the period, those with ``min_answers`` or more."""
        history = self._review().store.history
        timezone = await self._service.guild_timezone(guild)
        now = self.clock.now()
        members = await history.accuracy(guild, period_key(period, now, timezone))
        return accuracy_board(
            members,
            period=period,
            period_start=period_start(period, now, timezone),
            timezone=timezone,
            caller_id=caller_id,
            min_answers=min_answers,
        )

    async def stats(self, guild: GuildKey, member_id: str) -> MemberStats:
        return await self._service.member_stats(guild, member_id)

    # -- personal review ----------------------------------------------------------------------------------

    @property
    def reviews_available(self) -> bool:
        """Whether personal review is attached to this quiz (every storage backend holds it; a quiz built
        without it, as in some tests, has none)."""
        return self._service.review is not None

    def _review(self) -> ReviewService:
        review = self._service.review
        if review is None:
            raise UserError("review.error.unavailable")
        return review

    async def next_review(self, guild: GuildKey, member_id: str) -> DueCard | None:
        """The member's most overdue card due on their day, or ``None`` when they are done for the day."""
        return await self._review().next_due(member_id, guild)

    async def due_reviews(self, guild: GuildKey, member_id: str) -> int:
        return await self._review().due_count(member_id, guild)

    async def answer_review(
        self, guild: GuildKey, member_id: str, card_id: int, shown_reviews: int, text: str
    ) -> ReviewResult:
        """Grade the member's answer to the card they were shown (with ``shown_reviews`` reviews at the time) and
        reschedule it. A second submission of the same showing is refused (``review.error.stale``), so a double
        tap, or a form submitted twice, counts once."""
        review = self._review()
        card = await review.store.cards.get(card_id)
        if card is None or card.guild != guild:
            raise UserError("review.error.no-card")
        if card.member_id != member_id:
            raise UserError("review.error.not-yours")
        return await review.answer_review(
            member_id, replace(card, reviews=shown_reviews), text, self._service.grading.grade_many
        )

    async def rate_round(self, guild: GuildKey, member_id: str, round_id: int, verdict: Verdict) -> Card:
        """The member's one-tap correction of how their answer in a revealed round was rated: "I knew it",
        "I didn't" or "too easy"; their card is rescheduled as if it had been rated so at once."""
        review = self._review()
        round_ = await self._service.storage.rounds.get(round_id)
        if round_ is None or GuildKey(round_.channel.platform, round_.channel.guild_id) != guild:
            raise UserError("review.error.nothing-to-override")
        if verdict is Verdict.TOO_EASY:
            return await review.mark_too_easy(member_id, round_id)
        return await review.override(member_id, round_id, knew=verdict is Verdict.KNEW)

    async def rate_review(self, guild: GuildKey, member_id: str, review_id: int, verdict: Verdict) -> Card:
        """The same correction for one of the member's personal reviews."""
        return await self._review().override_review(member_id, guild, review_id, verdict)

    async def review_stats(self, guild: GuildKey, member_id: str) -> ReviewStats:
        return await self._review().stats(member_id, guild)

    async def review_settings(self, guild: GuildKey, member_id: str) -> MemberSettings:
        return await self._review().settings(member_id, guild)

    async def change_review_settings(self, guild: GuildKey, member_id: str, change: SettingsChange) -> MemberSettings:
        """Change the member's review settings (all checked before any is stored); reminders switched on are
        planned at once, and switched off stop at once."""
        settings = await self._review().update_settings(member_id, guild, change)
        await self._scheduler.plan_reminders(fresh=True)
        return settings

    async def forget_member(self, guild: GuildKey, member_id: str) -> ForgetReport:
        """Delete everything stored of the member in the guild (``/quiz me forget``)."""
        report = await self._review().forget(member_id, guild)
        await self._scheduler.plan_reminders(fresh=True)
        return report

    async def notebook(
        self,
        guild: GuildKey,
        member_id: str,
        *,
        translate: Translate,
        language: str,
        max_bytes: int,
        max_parts: int | None = None,
    ) -> Notebook:
        """The member's notebook, each file within ``max_bytes`` (a platform's upload limit)."""
        review = self._review()
        parts = await review.notebook(
            member_id, guild, translate=translate, language=language, max_bytes=max_bytes, max_parts=max_parts
        )
        anki = await review.missed_deck(member_id, guild, translate=translate, language=language, max_bytes=max_bytes)
        return Notebook(tuple(parts), anki)

    async def export_results(self, key: ChannelKey) -> bytes:
        """The channel's results as CSV, for its admins (the command layer checks the caller is one)."""
        return await self._review().export_channel(key)
