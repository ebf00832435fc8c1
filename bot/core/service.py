"""The quiz as a service: what platforms and the scheduler call. Knows nothing of any chat platform."""

from __future__ import annotations

import datetime as dt
import logging
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.boards import NEIGHBOURS, around
from bot.core.clock import Clock
from bot.core.deck_schema import Category, Question
from bot.core.decks import CategoryCount, DeckCatalog
from bot.core.errors import UserError
from bot.core.grading import GradingService, Judgement
from bot.core.grading.background import BackgroundGrading, GradingRequest
from bot.core.grading.judgements import text_key
from bot.core.models import (
    AnswerReceipt,
    ChannelDefaults,
    ChannelKey,
    ChannelSettings,
    Dispute,
    GuildKey,
    Leaderboard,
    LeaderboardRow,
    Member,
    MemberStats,
    OpenOutcome,
    Period,
    Rescore,
    RevealInput,
    RevealOutcome,
    Round,
    RoundKind,
    RoundState,
    Schedule,
    ScoredAnswer,
    VoteResult,
)
from bot.core.ports import (
    ChatPlatform,
    Fence,
    PlatformError,
    PostedQuestion,
    QuestionCard,
    RevealCard,
    check_fence,
)
from bot.core.ports.storage import QuizStore
from bot.core.rounds import score_round
from bot.core.scoring import ScoringRules, answer_points, period_key, period_start, vote_points
from bot.core.selection import choose_question

if TYPE_CHECKING:
    from bot.core.review.service import ReviewService

log = logging.getLogger(__name__)

# The longest answer kept and graded: Slack's message limit, above Discord's (4,000 with Nitro). A longer answer
# (the console takes any length) is cut here and its author told.
MAX_ANSWER_CHARS = 40_000
# What a private-answer form accepts: Discord's limit for a text input.
MAX_FORM_CHARS = 4000


# Passes of grading before a reveal's transaction (see ``QuizService.reveal``).
_REVEAL_GRADING_PASSES = 3


class _Ungraded(Exception):
    """A reveal found an answer graded before its transaction began: it rolls back and grades it first."""


class QuizService:
    def __init__(
        self,
        storage: QuizStore,
        catalog: DeckCatalog,
        *,
        rules: ScoringRules,
        defaults: ChannelDefaults,
        clock: Clock,
        rng: random.Random | None = None,
        grading: GradingService | None = None,
    ) -> None:
        self.storage = storage
        self.catalog = catalog
        self.rules = rules
        self.defaults = defaults
        self.clock = clock
        self._rng = rng or random.Random()
        self.grading = grading or GradingService()
        # Personal review over the same storage, when its backend holds it (the runtime sets it): every reveal
        # turns the round's answers into review cards. ``None``: no personal review on this database.
        self.review: ReviewService | None = None
        # Answers are graded as they arrive and their judgements stored, so a reveal mostly reads them.
        self.background = BackgroundGrading(self.grading, storage.judgements)
        # Begin loading the analyser now, in the background, so the first reveal rarely waits for it.
        self.grading.start()

    async def grading_idle(self) -> None:
        """Wait until every answer waiting to be graded in the background is graded and its judgement stored."""
        await self.background.idle()

    def stop_grading(self) -> None:
        """Grade no more answers in the background (the bot is stopping): what is waiting is left to reveals."""
        self.background.stop()

    async def close(self) -> None:
        """Stop background grading and wait for its batch in progress to end; before the store is closed."""
        await self.background.close()

    # -- channels -----------------------------------------------------------------------------------------

    async def channel(self, key: ChannelKey) -> ChannelSettings | None:
        return await self.storage.channels.get(key)

    async def ensure_channel(self, key: ChannelKey, *, enabled: bool = False) -> ChannelSettings:
        """The channel's settings, creating them from the defaults (on-demand only unless ``enabled``)."""
        existing = await self.storage.channels.get(key)
        if existing is not None:
            return existing
        return await self.configure_channel(key, enabled=enabled)

    async def configure_channel(
        self,
        key: ChannelKey,
        *,
        post_time: dt.time | None = None,
        weekdays: frozenset[int] | None = None,
        timezone: str | None = None,
        daily_reveal_delay: dt.timedelta | None = None,
        on_demand_reveal_delay: dt.timedelta | None = None,
        decks: tuple[str, ...] | None = None,
        enabled: bool | None = None,
        paused: bool | None = None,
    ) -> ChannelSettings:
        """Create or change a channel's settings. Validates everything before storing anything."""
        current = await self.storage.channels.get(key)
        base = current or ChannelSettings(
            ref=0,
            key=key,
            schedule=self.defaults.schedule,
            daily_reveal_delay=self.defaults.daily_reveal_delay,
            on_demand_reveal_delay=self.defaults.on_demand_reveal_delay,
            decks=self.defaults.decks,
            paused=False,
            enabled=False,
        )
        schedule = Schedule(
            post_time=post_time or base.schedule.post_time,
            weekdays=base.schedule.weekdays if weekdays is None else weekdays,
            timezone=timezone or base.schedule.timezone,
        )
        validate_schedule(schedule)
        chosen_decks = base.decks if decks is None else decks
        unknown = [d for d in chosen_decks if d not in self.catalog]
        if unknown:
            raise UserError("error.unknown-deck", decks=", ".join(unknown))
        for delay in (daily_reveal_delay, on_demand_reveal_delay):
            if delay is not None and not dt.timedelta(minutes=1) <= delay <= dt.timedelta(days=7):
                raise UserError("error.bad-delay")
        settings = replace(
            base,
            schedule=schedule,
            daily_reveal_delay=daily_reveal_delay or base.daily_reveal_delay,
            on_demand_reveal_delay=on_demand_reveal_delay or base.on_demand_reveal_delay,
            decks=chosen_decks,
            enabled=base.enabled if enabled is None else enabled,
            paused=base.paused if paused is None else paused,
        )
        return await self.storage.channels.save(settings, schedule.timezone, self.clock.now())

    async def reload_decks(self, catalog: DeckCatalog) -> None:
        """Swap in freshly loaded decks. Refused with ``UserError('error.decks-in-use')`` if the question of a round
        still running would no longer exist: it could then be neither shown nor scored."""
        running = await self.storage.rounds.in_states(RoundState.PENDING, RoundState.OPEN, RoundState.REVEALING)
        missing = sorted(
            {f"{r.deck_id}/{r.question_id}" for r in running if not catalog.has_question(r.deck_id, r.question_id)}
        )
        if missing:
            raise UserError("error.decks-in-use", questions=", ".join(missing))
        self.catalog = catalog
        # The new decks' rubrics are compiled in the background now, not by the first reveals that need them.
        self.grading.prepare_all(catalog.questions())

    def deck_ids(self, channel: ChannelSettings) -> tuple[str, ...]:
        """The decks a channel draws from: its own choice, or every loaded deck that is still loaded."""
        chosen = tuple(d for d in channel.decks if d in self.catalog)
        return chosen or self.catalog.deck_ids

    def categories(self, channel: ChannelSettings | None) -> tuple[CategoryCount, ...]:
        return self.catalog.categories(self.deck_ids(channel) if channel else None)

    # -- rounds -------------------------------------------------------------------------------------------

    async def open_round(
        self,
        channel: ChannelSettings,
        kind: RoundKind,
        *,
        slot: dt.datetime | None = None,
        category: str | None = None,
    ) -> Round | None:
        """Choose a question and claim a round for it (pending until posted). ``None`` if the slot is taken."""
        deck_ids = self.deck_ids(channel)
        if category is not None and not any(c.category.id == category for c in self.catalog.categories(deck_ids)):
            raise UserError("error.unknown-category", category=category)
        candidates = self.catalog.entries(deck_ids, category)
        if not candidates:
            raise UserError("error.no-questions")
        cycle = await self.storage.rounds.channel_cycle(channel.ref)
        asked = await self.storage.rounds.asked_in_cycle(channel.ref, cycle)
        last = await self.storage.rounds.last_asked(channel.ref)
        choice = choose_question(candidates, asked, last, self._rng, filtered=category is not None)
        assert choice is not None
        if choice.starts_new_cycle:
            cycle = await self.storage.rounds.start_new_cycle(channel.ref, cycle)
        now = self.clock.now()
        # A daily post made late (after a restart, within the grace period) still gets its full answer time.
        delay = channel.daily_reveal_delay if kind is RoundKind.DAILY else channel.on_demand_reveal_delay
        return await self.storage.rounds.claim(
            channel_ref=channel.ref,
            kind=kind,
            deck_id=choice.entry.deck_id,
            question_id=choice.entry.question.id,
            category=choice.entry.question.category,
            cycle=cycle,
            slot=slot,
            opened_at=now,
            reveal_at=now + delay,
        )

    async def publish_round(
        self, platform: ChatPlatform, round_: Round, timezone: str | None = None, fence: Fence | None = None
    ) -> Round:
        """Post a pending round on its platform and open it. Raises ``PlatformError`` if the post failed.

        The attempt is counted before anything is sent. An earlier attempt may have made the post and then failed,
        or been killed, before the round recorded it: every attempt after the first looks for that post and adopts
        it, so a round is never shown twice. ``fence``: with other processes on the database, whether the round is
        still this one's; checked before the post (and by platforms, again right before sending), raising
        ``Superseded`` if not."""
        attempts = await self.storage.rounds.note_post_attempt(round_.id)
        if timezone is None:
            # A retry knows only the round; the card shows times in its channel's zone.
            channel = await self.storage.channels.by_ref(round_.channel_ref)
            timezone = None if channel is None else channel.schedule.timezone
        card = replace(self.question_card(round_, timezone), fence=fence)
        found = await platform.find_question(round_.channel, card) if attempts > 1 else None
        if found is not None:
            log.warning("round %d was posted by an earlier attempt; adopting that post", round_.id)
            return await self._open_posted(platform, round_, found, adopted=True)
        await check_fence(fence)
        posted = await platform.post_question(round_.channel, card)
        return await self._open_posted(platform, round_, posted, adopted=False)

    async def adopt_post(self, platform: ChatPlatform, round_: Round) -> Round | None:
        """Open a pending round with the post an earlier attempt made, if the platform shows one; ``None`` (and
        nothing changed) if it does not. For a round that must not be posted any more (an on-demand one, or one
        past its grace period) but may be visible already. Raises ``PlatformError`` if the channel cannot be
        read."""
        found = await platform.find_question(round_.channel, self.question_card(round_))
        if found is None:
            return None
        log.warning("round %d was posted before a restart; adopting that post", round_.id)
        return await self._open_posted(platform, round_, found, adopted=True)

    async def _open_posted(
        self, platform: ChatPlatform, round_: Round, posted: PostedQuestion, *, adopted: bool
    ) -> Round:
        opened_now = await self.storage.rounds.mark_posted(round_.id, posted.message_id, posted.thread_id)
        opened = await self.storage.rounds.get(round_.id)
        assert opened is not None
        if opened_now:
            await platform.question_opened(opened, adopted=adopted)
        return opened

    async def ask_now(self, platform: ChatPlatform, key: ChannelKey, category: str | None = None) -> Round:
        """An on-demand round in this channel, posted at once."""
        channel = await self.ensure_channel(key)
        round_ = await self.open_round(channel, RoundKind.ON_DEMAND, category=category)
        assert round_ is not None  # on-demand rounds have no slot to collide on
        try:
            return await self.publish_round(platform, round_, channel.schedule.timezone)
        except PlatformError as exc:
            # A post that failed on its way back (a timeout, a dropped connection) may have gone out all the same:
            # then it is this round's question, not an orphan whose button and thread lead nowhere.
            adopted = await self._adopt_after_failure(platform, round_) if exc.retryable else None
            if adopted is not None:
                return adopted
            await self.storage.rounds.cancel(round_.id)
            raise

    async def _adopt_after_failure(self, platform: ChatPlatform, round_: Round) -> Round | None:
        try:
            return await self.adopt_post(platform, round_)
        except PlatformError as exc:
            log.warning("could not tell whether round %d was posted after all: %s", round_.id, exc)
            return None

    def question_card(self, round_: Round, timezone: str | None = None) -> QuestionCard:
        """What a platform shows for the round; times in the channel's ``timezone`` (the default one if unknown)."""
        question, category = self._question(round_)
        deck_title = self.catalog.deck(round_.deck_id).deck.title
        return QuestionCard(round_, question, category, deck_title, timezone or self.defaults.schedule.timezone)

    async def reveal(self, platform: ChatPlatform, round_id: int, fence: Fence | None = None) -> RevealOutcome | None:
        """Reveal an open round exactly once: fix scores, post the reveal, mark it revealed.

        Returns ``None`` if the round was not open (already revealed, cancelled, or never posted).
        """
        round_ = await self.storage.rounds.get(round_id)
        if round_ is None or round_.state is not RoundState.OPEN:
            return None
        question, _ = self._question(round_)
        # Most answers were graded as they arrived: their stored judgements count if graded from the same text,
        # question, rules and grader (the fingerprint), and the rest are graded now, before the write
        # transaction, off the event loop and off the database writer, so the reveal holds the writer (and
        # every answer waiting to be stored) only to store scores. An answer that arrives or changes meanwhile
        # is graded in a second pass; only if answers keep changing does the last attempt grade the newcomers
        # inside the transaction.
        stored = await self.storage.judgements.for_round(round_id, self.grading.fingerprint(round_.deck_id, question))
        judged: dict[str, Judgement] = {}
        for attempt in range(_REVEAL_GRADING_PASSES):
            answers = await self.storage.answers.for_round(round_id)
            self.background.discard({a.answer_id for a in answers})
            unjudged = {a.text for a in answers if not a.late} - judged.keys()
            judged.update((text, stored[key]) for text in unjudged if (key := text_key(text)) in stored)
            fresh = sorted(unjudged - judged.keys())
            if fresh:
                judged.update(zip(fresh, await self.grading.grade_many(question, fresh), strict=True))
            last = attempt == _REVEAL_GRADING_PASSES - 1

            def score(inputs: RevealInput, last: bool = last) -> list[ScoredAnswer]:
                return score_round(inputs, self.rules, lambda texts: self._judged(question, judged, texts, last))

            try:
                outcome = await self.storage.results.reveal(
                    round_id, self.clock.now(), score, self._period_keys, question.category
                )
            except _Ungraded:
                continue
            if outcome is None:
                return None
            await self.finish_reveal(platform, outcome.round.id, fence)
            return outcome
        return None

    def _judged(
        self, question: Question, judged: dict[str, Judgement], texts: Sequence[str], grade_missing: bool
    ) -> list[Judgement]:
        """The judgements of ``texts`` graded before the transaction; raises ``_Ungraded`` for one that is not,
        unless ``grade_missing`` (then it is graded here, on the writer)."""
        missing = [text for text in texts if text not in judged]
        if missing and not grade_missing:
            raise _Ungraded
        if missing:
            judged.update(zip(missing, self.grading.grade_all(question, missing), strict=True))
        return [judged[text] for text in texts]

    async def finish_reveal(self, platform: ChatPlatform, round_id: int, fence: Fence | None = None) -> None:
        """Post the reveal of a round whose scores are fixed; used at reveal time and after a restart. ``fence``
        as for ``publish_round``."""
        outcome = await self.storage.results.outcome(round_id)
        if outcome is None or outcome.round.state is not RoundState.REVEALING:
            return
        # Before the post, so the review buttons under the reveal find the cards, and before the round is marked
        # revealed, so a retried post or a restart that finds the round still revealing records them again
        # (``cards_from_reveal`` is idempotent: a card holds one review per round).
        await self._review_cards(outcome)
        await check_fence(fence)
        await platform.post_reveal(replace(await self.reveal_card(outcome), fence=fence))
        await self.storage.rounds.mark_revealed(round_id, self.clock.now())

    async def _review_cards(self, outcome: RevealOutcome) -> None:
        if self.review is None:
            return
        try:
            await self.review.cards_from_reveal(outcome)
        except Exception:
            # The group's reveal matters more than one round's review cards: it goes out regardless.
            log.exception("could not record the review cards of round %d", outcome.round.id)

    async def reveal_card(self, outcome: RevealOutcome) -> RevealCard:
        question, category = self._question(outcome.round)
        private = tuple(a for a in await self.storage.answers.for_round(outcome.round.id) if a.private and not a.late)
        return RevealCard(outcome.round, question, category, outcome.results, private)

    async def current_round(self, key: ChannelKey) -> Round | None:
        channel = await self.storage.channels.get(key)
        return None if channel is None else await self.storage.rounds.latest_open(channel.ref)

    async def skip(self, key: ChannelKey) -> Round | None:
        """Cancel the channel's open round without a reveal; nobody scores it."""
        round_ = await self.current_round(key)
        if round_ is not None and await self.storage.rounds.cancel(round_.id):
            return round_
        return None

    async def set_paused(self, key: ChannelKey, paused: bool) -> ChannelSettings:
        channel = await self.ensure_channel(key)
        return await self.configure_channel(channel.key, paused=paused)

    # -- answers and votes --------------------------------------------------------------------------------

    async def round_for_thread(self, platform: str, thread_id: str) -> Round | None:
        return await self.storage.rounds.by_thread(platform, thread_id)

    async def record_answer(
        self, round_: Round, member: Member, text: str, *, message_id: str | None, private: bool = False
    ) -> AnswerReceipt | None:
        """Store a member's answer durably; the caller may acknowledge it once this returns a receipt."""
        cleaned = text.strip()
        if is_blank(cleaned):
            return None
        receipt = await self.storage.answers.record(
            round_id=round_.id,
            platform=round_.channel.platform,
            guild_id=round_.channel.guild_id,
            member=member,
            message_id=message_id,
            text=cleaned[:MAX_ANSWER_CHARS],
            private=private,
            now=self.clock.now(),
        )
        self._grade_later(round_, receipt, cleaned[:MAX_ANSWER_CHARS])
        return _noting_truncation(receipt, cleaned)

    async def edit_answer(self, round_: Round, message_id: str, text: str) -> AnswerReceipt | None:
        cleaned = text.strip()
        if is_blank(cleaned):
            return await self.withdraw_answer(round_, message_id)
        receipt = await self.storage.answers.edit(round_.id, message_id, cleaned[:MAX_ANSWER_CHARS], self.clock.now())
        self._grade_later(round_, receipt, cleaned[:MAX_ANSWER_CHARS])
        return _noting_truncation(receipt, cleaned)

    def _grade_later(self, round_: Round, receipt: AnswerReceipt | None, text: str) -> None:
        """Queue a newly stored on-time text for grading ahead of the reveal. Late answers are never scored,
        and an unchanged one was queued when it first came."""
        if receipt is None or receipt.late or receipt.status not in ("recorded", "replaced"):
            return
        if not self.catalog.has_question(round_.deck_id, round_.question_id):
            return  # its reveal reports the missing question
        question = self.catalog.question(round_.deck_id, round_.question_id)
        self.background.submit(GradingRequest(receipt.answer_id, round_.deck_id, question, text))

    async def withdraw_answer(self, round_: Round, message_id: str) -> AnswerReceipt | None:
        return await self.storage.answers.withdraw(round_.id, message_id, self.clock.now())

    async def recorded_message_ids(self, round_: Round) -> set[str]:
        """The ids of the messages whose text is stored as an answer of the round (a member's earlier message
        that a later one replaced is no longer among them)."""
        return await self.storage.answers.message_ids(round_.id)

    async def answering_member_ids(self, round_: Round) -> set[str]:
        """The members who hold an answer in the round, whether in a message, private or withdrawn."""
        return await self.storage.answers.member_ids(round_.id)

    async def vote(self, round_: Round, message_id: str, voter_id: str, *, add: bool = True) -> VoteResult:
        rules = self.rules
        return await self.storage.answers.vote(
            round_id=round_.id,
            message_id=message_id,
            voter_id=voter_id,
            add=add,
            now=self.clock.now(),
            points_for=lambda votes: vote_points(rules, votes, late=False),
        )

    # -- disputes -----------------------------------------------------------------------------------------

    async def disputable_concepts(self, round_id: int, member_id: str) -> tuple[str, ...]:
        """The concepts a member may dispute in a revealed round: those marked missed or contradicted."""
        outcome = await self.storage.results.outcome(round_id)
        if outcome is None:
            return ()
        mine = next((r for r in outcome.results if r.member.member_id == member_id), None)
        return () if mine is None else (*mine.contradicted, *mine.missed)

    async def open_dispute(self, round_id: int, member_id: str, concept: str) -> Dispute:
        """Open the member's dispute of a concept the grader marked missed or contradicted in their answer.

        Raises ``UserError`` if the round is not revealed, the member has no scored answer there, the concept
        was credited already, or the member disputed it before.
        """
        round_ = await self.storage.rounds.get(round_id)
        if round_ is None or round_.state not in (RoundState.REVEALED, RoundState.REVEALING):
            raise UserError("error.dispute-not-revealed")
        outcome, dispute = await self.storage.disputes.open(round_id, member_id, concept, self.clock.now())
        if outcome is OpenOutcome.NO_RESULT:
            raise UserError("error.dispute-no-answer")
        if outcome is OpenOutcome.NOT_DISPUTABLE:
            raise UserError("error.dispute-not-disputable", concept=concept)
        if outcome is OpenOutcome.EXISTS:
            raise UserError("error.dispute-exists", concept=concept)
        assert dispute is not None
        return dispute

    async def decide_dispute(self, platform: ChatPlatform, dispute_id: int, *, accept: bool, admin_id: str) -> Dispute:
        """Accept or reject an open dispute, exactly once. Accepting re-scores the answer with the concept
        credited and updates the leaderboard; either way the decision is posted in the round's thread.

        The caller checks that ``admin_id`` may decide (manages the channel). Raises ``UserError`` if the
        dispute does not exist or was decided already.
        """
        existing = await self.storage.disputes.get(dispute_id)
        if existing is None:
            raise UserError("error.dispute-unknown")
        round_ = await self.storage.rounds.get(existing.round_id)
        assert round_ is not None
        question, _ = self._question(round_)
        rules = self.rules
        # Grade before the write transaction, so the database writer waits for no grading; only a concurrent
        # decision on the same answer (other concepts accepted meanwhile) makes the transaction grade again.
        expected = await self.storage.disputes.accepted_with(dispute_id) | {existing.concept}
        graded = (await self.grading.grade_many(question, [existing.wording], expected))[0] if accept else None

        def rescore(text: str, accepted: frozenset[str]) -> Rescore:
            if graded is not None and accepted == expected and text == existing.wording:
                judgement = graded
            else:
                judgement = self.grading.grade(question, text, accepted)
            return Rescore(
                covered=judgement.covered,
                named=judgement.named,
                contradicted=judgement.contradicted,
                missed=judgement.missed,
                coverage=judgement.score,
                coverage_points=answer_points(rules, judgement.score, late=False).coverage,
            )

        decided = await self.storage.disputes.decide(
            dispute_id, accept=accept, admin_id=admin_id, now=self.clock.now(), rescore=rescore
        )
        if decided is None:
            raise UserError("error.dispute-decided")
        try:
            await platform.post_dispute_decision(round_, decided)
        except PlatformError as error:
            # The decision and the scores are committed; only the notice is lost, and the admin saw the reply.
            log.warning("could not post the decision of dispute %s: %s", dispute_id, error)
        return decided

    async def latest_revealed_round(self, key: ChannelKey) -> Round | None:
        channel = await self.storage.channels.get(key)
        return None if channel is None else await self.storage.rounds.latest_revealed(channel.ref)

    async def open_disputes(self, key: ChannelKey) -> list[Dispute]:
        channel = await self.storage.channels.get(key)
        return [] if channel is None else await self.storage.disputes.open_in_channel(channel.ref)

    # -- leaderboard and stats ----------------------------------------------------------------------------

    async def guild_timezone(self, guild: GuildKey) -> str:
        return await self.storage.channels.guild_timezone(guild) or self.defaults.schedule.timezone

    async def leaderboard(
        self, guild: GuildKey, period: Period, caller_id: str | None = None, limit: int = 10
    ) -> Leaderboard:
        timezone = await self.guild_timezone(guild)
        now = self.clock.now()
        key = period_key(period, now, timezone)
        rows = tuple(await self.storage.results.top(guild, key, limit))
        caller = None
        if caller_id is not None:
            caller = next((r for r in rows if r.member.member_id == caller_id), None)
            if caller is None:
                caller = await self.storage.results.standing(guild, key, caller_id)
        return Leaderboard(
            period=period,
            period_start=period_start(period, now, timezone),
            timezone=timezone,
            rows=rows,
            caller=caller,
            total_members=await self.storage.results.member_count(guild, key),
        )

    async def leaderboard_around(
        self, guild: GuildKey, period: Period, caller_id: str, reach: int = NEIGHBOURS
    ) -> Leaderboard:
        """The caller's row with the ``reach`` members just above and below them; no rows if the caller has no
        points in the period. Reads the board from the top only as far as the caller's neighbours."""
        timezone = await self.guild_timezone(guild)
        now = self.clock.now()
        key = period_key(period, now, timezone)
        standing = await self.storage.results.standing(guild, key, caller_id)
        window: tuple[LeaderboardRow, ...] = ()
        if standing is not None:
            # Members tied with the caller may be listed before them: read further until the caller and the
            # members after them are in, or the board ends.
            limit = standing.rank + 2 * reach + 2
            while True:
                rows = await self.storage.results.top(guild, key, limit)
                window = around(rows, caller_id, reach)
                listed = [row.member.member_id for row in rows]
                if len(rows) < limit or (caller_id in listed and listed.index(caller_id) + reach < len(rows)):
                    break
                limit *= 2
        return Leaderboard(
            period=period,
            period_start=period_start(period, now, timezone),
            timezone=timezone,
            rows=window,
            caller=standing,
            total_members=await self.storage.results.member_count(guild, key),
        )

    async def member_stats(self, guild: GuildKey, member_id: str) -> MemberStats:
        standing = await self.storage.results.standing(guild, "all", member_id)
        by_category = tuple(await self.storage.results.coverage_by_category(guild, member_id))
        current, best = await self.storage.results.streaks(guild, member_id)
        answered = sum(c.answers for c in by_category)
        average = sum(c.average_coverage * c.answers for c in by_category) / answered if answered else 0.0
        name = await self.storage.results.member_name(guild, member_id) or member_id
        return MemberStats(
            member=Member(member_id, name),
            rounds_answered=answered,
            current_streak=current,
            best_streak=best,
            average_coverage=average,
            points=standing.points if standing else 0,
            by_category=by_category,
        )

    # -- helpers ------------------------------------------------------------------------------------------

    def _question(self, round_: Round) -> tuple[Question, Category]:
        question = self.catalog.question(round_.deck_id, round_.question_id)
        category = self.catalog.deck(round_.deck_id).category(question.category)
        assert category is not None  # the deck loader checks every category is declared
        return question, category

    @staticmethod
    def _period_keys(at: dt.datetime, timezone: str) -> tuple[str, str]:
        return period_key(Period.WEEK, at, timezone), period_key(Period.MONTH, at, timezone)


def is_blank(text: str) -> bool:
    """True for text with nothing to read: only spaces, zero-width and other invisible format characters."""
    return not any(not char.isspace() and unicodedata.category(char) not in _INVISIBLE for char in text)


# Format (zero-width space, joiners, direction marks), control and unassigned characters show nothing.
_INVISIBLE = frozenset({"Cf", "Cc", "Cn", "Zs", "Zl", "Zp"})


def _noting_truncation(receipt: AnswerReceipt | None, text: str) -> AnswerReceipt | None:
    if receipt is None or len(text) <= MAX_ANSWER_CHARS:
        return receipt
    return replace(receipt, truncated=True)


def validate_schedule(schedule: Schedule) -> None:
    """Raise ``UserError`` for a schedule that cannot run: unknown timezone or no weekdays."""
    try:
        ZoneInfo(schedule.timezone)
    except (KeyError, ValueError):
        raise UserError("error.unknown-timezone", timezone=schedule.timezone) from None
    if not schedule.weekdays or not schedule.weekdays <= frozenset(range(7)):
        raise UserError("error.bad-weekdays")
