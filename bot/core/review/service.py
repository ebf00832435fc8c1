"""Personal review as a service: what the command layer, the reveal and the reminder job call.

Cards come from the group drill: after each reveal ``cards_from_reveal`` gives every member who answered on time a
review of the question (rated from their grade), and every opted-in member who missed a daily round a new card of
it. Members then review due cards privately (``next_due``, ``answer_review``), correct an automatic rating with one
tap (``override``), and read their progress (``stats``), notebook and missed questions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.deck_schema import Category, Question
from bot.core.decks import DeckCatalog
from bot.core.errors import UserError
from bot.core.grading import Judgement
from bot.core.models import ChannelKey, GuildKey, RevealOutcome, RoundKind
from bot.core.ports.review_storage import RecordOutcome, ReviewRequest, ReviewStore
from bot.core.ports.storage import QuizStore
from bot.core.review.cards import (
    Card,
    CardKey,
    NewReview,
    Rating,
    Review,
    ReviewPolicy,
    ReviewSource,
    Signals,
    Verdict,
    retention,
)
from bot.core.review.export import results_csv
from bot.core.review.notebook import (
    AnkiExport,
    AnkiNote,
    NotebookEntry,
    Translate,
    anki_deck_id,
    missed_apkg,
    notebook_markdown,
)
from bot.core.review.records import ForgetReport, RoundResult
from bot.core.review.settings import (
    MemberSettings,
    SettingsChange,
    apply_change,
    default_settings,
    reminder_between,
)
from bot.core.review.streaks import Streak, streak_of_times
from bot.core.scoring import ScoringRules, vote_points
from bot.core.service import MAX_ANSWER_CHARS, is_blank

Grade = Callable[[Question, Sequence[str]], Awaitable[Sequence[Judgement]]]
"""Grades answers to one question off the event loop: ``GradingService.grade_many``."""

# Due cards read at once when looking for the next one whose question is still loaded.
_DUE_PAGE = 50


@dataclass(frozen=True)
class DueCard:
    """The card to review now, its question, and how many cards are due today, this one included."""

    card: Card
    question: Question
    category: Category | None
    remaining: int


@dataclass(frozen=True)
class ReviewResult:
    """A personal review: the card as rescheduled, the rating it got and the grader's findings."""

    card: Card
    review: Review
    rating: Rating
    judgement: Judgement
    question: Question

    @property
    def passed(self) -> bool:
        return self.rating is not Rating.AGAIN


@dataclass(frozen=True)
class RevealReviews:
    """What a reveal did to members' cards: cards reviewed by on-time answers, new cards of opted-in members who
    missed the daily round, and reviews already recorded by an earlier call (a retried reveal)."""

    reviewed: tuple[Card, ...]
    added: tuple[Card, ...]
    already: int = 0


@dataclass(frozen=True)
class ReviewStats:
    cards: int
    due_today: int
    reviews: int
    practice_reviews: int
    lapses: int
    retention: float | None  # share of recalls among reviews of cards seen before; None before any
    streak: Streak


@dataclass(frozen=True)
class Reminder:
    """A member to remind privately: their reminder time fell in the window and cards are due."""

    settings: MemberSettings
    at: dt.datetime
    due: int


class ReviewService:
    """Personal review over a backend's review repositories and its quiz store.

    ``catalog`` is called for the decks in use at each call, so a deck reload (``QuizService.reload_decks``) is
    seen at once: pass ``lambda: quiz_service.catalog``.
    """

    def __init__(
        self,
        store: ReviewStore,
        quiz: QuizStore,
        catalog: Callable[[], DeckCatalog],
        *,
        clock: Clock,
        rules: ScoringRules,
        policy: ReviewPolicy | None = None,
    ) -> None:
        self.store = store
        self.quiz = quiz
        self._catalog = catalog
        self.clock = clock
        self.rules = rules
        self.policy = policy or ReviewPolicy()

    # -- cards from the group drill -----------------------------------------------------------------------

    async def cards_from_reveal(self, outcome: RevealOutcome) -> RevealReviews:
        """Review members' cards of a revealed round's question, exactly once however often it is called.

        Each on-time answer reviews its member's card (created if new) with the automatic rating of its grade,
        at the round's reveal time. Late answers are not reviews. For a daily round, opted-in members without an
        on-time answer get a new card of the question, due at once. Call it after every reveal, and again for
        rounds a restart finds revealing or revealed (it is idempotent).
        """
        round_ = outcome.round
        guild = GuildKey(round_.channel.platform, round_.channel.guild_id)
        at = round_.revealed_at or self.clock.now()
        category = self._category_id(round_.deck_id, round_.question_id)
        requests = []
        answered: set[str] = set()
        for result in outcome.results:
            if result.late:
                continue
            member_id = result.member.member_id
            answered.add(member_id)
            key = CardKey(guild, member_id, round_.deck_id, round_.question_id)
            review = NewReview(
                at=at,
                rating=self.policy.rate(result.coverage),
                source=ReviewSource.ROUND,
                round_id=round_.id,
                score=result.coverage,
            )
            requests.append(ReviewRequest(self.policy.new_card(key, category=category, now=at), review, create=True))
        recorded = await self.store.cards.record(requests, self.policy.replay)
        added: list[Card] = []
        if round_.kind is RoundKind.DAILY:
            missing = [m for m in await self.store.settings.opted_in(guild) if m not in answered]
            added = await self.store.cards.add_cards(
                [
                    self.policy.new_card(
                        CardKey(guild, m, round_.deck_id, round_.question_id), category=category, now=at
                    )
                    for m in missing
                ]
            )
        return RevealReviews(
            reviewed=tuple(r.card for r in recorded if r.outcome is RecordOutcome.RECORDED and r.card),
            added=tuple(added),
            already=sum(r.outcome is RecordOutcome.DUPLICATE for r in recorded),
        )

    async def override(self, member_id: str, round_id: int, knew: bool) -> Card:
        """The member's one-tap correction after a reveal: "I knew it" (Good) or "I didn't" (Again) replaces the
        automatic rating of their answer in the round, and the card is rescheduled as if rated so at once.
        Repeating it changes nothing. ``UserError`` if the member has no reviewed answer in the round."""
        return await self._rerate_round(member_id, round_id, Verdict.KNEW if knew else Verdict.DIDNT)

    async def mark_too_easy(self, member_id: str, round_id: int) -> Card:
        """The member's "too easy" after a reveal: their answer in the round counts as Easy."""
        return await self._rerate_round(member_id, round_id, Verdict.TOO_EASY)

    async def override_review(self, member_id: str, guild: GuildKey, review_id: int, verdict: Verdict) -> Card:
        """The same correction for any of the member's reviews (a personal review's result screen)."""
        card = await self.store.cards.rerate(guild, member_id, review_id, verdict.rating, self.policy.replay)
        if card is None:
            raise UserError("review.error.nothing-to-override")
        return card

    async def _rerate_round(self, member_id: str, round_id: int, verdict: Verdict) -> Card:
        round_ = await self.quiz.rounds.get(round_id)
        if round_ is None:
            raise UserError("review.error.nothing-to-override")
        guild = GuildKey(round_.channel.platform, round_.channel.guild_id)
        review = await self.store.cards.round_review(guild, member_id, round_id)
        if review is None:
            raise UserError("review.error.nothing-to-override")
        return await self.override_review(member_id, guild, review.id, verdict)

    # -- personal reviews ---------------------------------------------------------------------------------

    async def next_due(self, member_id: str, guild: GuildKey, now: dt.datetime | None = None) -> DueCard | None:
        """The member's most overdue card due on their day (in their time zone), or ``None`` when done.
        Cards of questions no longer loaded are passed over."""
        now = now or self.clock.now()
        before = await self._due_before(member_id, guild, now)
        catalog = self._catalog()
        for card in await self.store.cards.due(guild, member_id, before, _DUE_PAGE):
            if catalog.has_question(card.deck_id, card.question_id):
                question = catalog.question(card.deck_id, card.question_id)
                category = catalog.deck(card.deck_id).category(question.category)
                remaining = await self.store.cards.count_due(guild, member_id, before)
                return DueCard(card, question, category, remaining)
        return None

    async def due_count(self, member_id: str, guild: GuildKey, now: dt.datetime | None = None) -> int:
        """How many of the member's cards are due on their day."""
        now = now or self.clock.now()
        return await self.store.cards.count_due(guild, member_id, await self._due_before(member_id, guild, now))

    async def answer_review(
        self,
        member_id: str,
        card: Card,
        text: str,
        grade: Grade,
        *,
        hinted: bool = False,
        too_easy: bool = False,
    ) -> ReviewResult:
        """Grade the member's answer to a card shown to them (from ``next_due``) and record the review.

        ``grade`` is the quiz's grader (``GradingService.grade_many``). The rating: Again below the pass mark,
        else Good, Hard if the member took a hint, Easy if they said it was too easy. The card counts one review
        per showing: submitting again (a double tap) raises ``UserError('review.error.stale')``.
        """
        if card.member_id != member_id:
            raise UserError("review.error.not-yours")
        cleaned = text.strip()
        if is_blank(cleaned):
            raise UserError("answer.empty")
        catalog = self._catalog()
        if not catalog.has_question(card.deck_id, card.question_id):
            raise UserError("review.error.question-gone")
        question = catalog.question(card.deck_id, card.question_id)
        (judgement,) = await grade(question, [cleaned[:MAX_ANSWER_CHARS]])
        rating = self.policy.rate(judgement.score, Signals(hinted=hinted, too_easy=too_easy))
        review = NewReview(at=self.clock.now(), rating=rating, source=ReviewSource.PRACTICE, score=judgement.score)
        (recorded,) = await self.store.cards.record(
            [ReviewRequest(card, review, expected_reviews=card.reviews)], self.policy.replay
        )
        if recorded.outcome is RecordOutcome.NO_CARD:
            raise UserError("review.error.no-card")
        if recorded.outcome is not RecordOutcome.RECORDED or recorded.card is None or recorded.review is None:
            raise UserError("review.error.stale")
        return ReviewResult(recorded.card, recorded.review, rating, judgement, question)

    async def stats(self, member_id: str, guild: GuildKey, now: dt.datetime | None = None) -> ReviewStats:
        now = now or self.clock.now()
        settings = await self.settings(member_id, guild)
        cards = await self.store.cards.cards(guild, member_id)
        reviews = await self.store.cards.reviews(guild, member_id)
        return ReviewStats(
            cards=len(cards),
            due_today=len(self.policy.due(cards, now, settings.timezone)),
            reviews=len(reviews),
            practice_reviews=sum(r.source is ReviewSource.PRACTICE for r in reviews),
            lapses=sum(c.lapses for c in cards),
            retention=retention(reviews),
            streak=streak_of_times(
                (r.at for r in reviews),
                timezone=settings.timezone,
                now=now,
                freezes_per_month=settings.streak_freezes,
            ),
        )

    # -- settings -----------------------------------------------------------------------------------------

    async def settings(self, member_id: str, guild: GuildKey) -> MemberSettings:
        """The member's settings; before they saved any, the defaults in the guild's time zone."""
        stored = await self.store.settings.get(guild, member_id)
        if stored is not None:
            return stored
        return default_settings(guild, member_id, await self.quiz.channels.guild_timezone(guild))

    async def update_settings(self, member_id: str, guild: GuildKey, change: SettingsChange) -> MemberSettings:
        """Change the member's settings, all checked before any is stored (``UserError``)."""
        changed = apply_change(await self.settings(member_id, guild), change)
        return await self.store.settings.save(changed, self.clock.now())

    async def reminders(self, since: dt.datetime, until: dt.datetime, platform: str | None = None) -> list[Reminder]:
        """Members whose reminder time fell in ``(since, until]`` and who have cards due on that day."""
        found = []
        for settings in await self.store.settings.with_reminders(platform):
            at = reminder_between(settings, since, until)
            if at is None:
                continue
            due = await self.store.cards.count_due(
                settings.guild, settings.member_id, self.policy.due_before(at, settings.timezone)
            )
            if due:
                found.append(Reminder(settings, at, due))
        return found

    # -- the member's data --------------------------------------------------------------------------------

    async def forget(self, member_id: str, guild: GuildKey) -> ForgetReport:
        """Delete everything of the member in the guild (``/quiz me forget``); other members' leaderboards stay
        consistent (votes the member cast no longer count)."""
        rules = self.rules
        return await self.store.eraser.forget_member(
            guild, member_id, lambda votes: vote_points(rules, votes, late=False)
        )

    async def notebook(
        self,
        member_id: str,
        guild: GuildKey,
        *,
        translate: Translate,
        language: str,
        max_bytes: int,
        max_parts: int | None = None,
    ) -> list[str]:
        """The member's notebook as Markdown parts of at most ``max_bytes`` bytes each (see ``notebook_markdown``)."""
        history = await self.store.history.member_results(guild, member_id)
        entries = [e for e in (self._entry(h, language) for h in history) if e is not None]
        settings = await self.settings(member_id, guild)
        name = await self.quiz.results.member_name(guild, member_id) or member_id
        return notebook_markdown(
            name,
            entries,
            translate=translate,
            max_bytes=max_bytes,
            now=self.clock.now(),
            timezone=settings.timezone,
            max_parts=max_parts,
        )

    async def missed_deck(
        self, member_id: str, guild: GuildKey, *, translate: Translate, language: str, max_bytes: int
    ) -> AnkiExport:
        """An Anki package of the questions the member missed, most recent first: cards last rated Again, cards of
        daily rounds they did not answer, and answers below the pass mark from before they had cards."""
        catalog = self._catalog()
        history = await self.store.history.member_results(guild, member_id)
        latest: dict[tuple[str, str], RoundResult] = {}
        for item in history:
            latest[(item.round.deck_id, item.round.question_id)] = item
        chosen: dict[tuple[str, str], dt.datetime] = {}
        cards = await self.store.cards.cards(guild, member_id)
        for card in cards:
            if card.is_new or card.last_rating is Rating.AGAIN:
                chosen[(card.deck_id, card.question_id)] = card.last_review or card.created_at
        carded = {(c.deck_id, c.question_id) for c in cards}
        for key, item in latest.items():
            if key not in carded and not self.policy.passed(item.result.coverage):
                chosen[key] = item.round.opened_at
        notes = []
        for key in sorted(chosen, key=lambda k: chosen[k], reverse=True):
            if not catalog.has_question(*key):
                continue
            question = catalog.question(*key)
            answered = latest.get(key)
            notes.append(
                AnkiNote(
                    deck_id=key[0],
                    question_id=key[1],
                    category=self._category_name(key[0], question, language),
                    question=question.question,
                    reference=question.answer,
                    correction=question.correction,
                    answer=None if answered is None else answered.result.answer_text,
                    missed=() if answered is None else (*answered.result.missed, *answered.result.contradicted),
                )
            )
        name = await self.quiz.results.member_name(guild, member_id) or member_id
        # Writing the package goes through a temporary file: off the event loop.
        return await asyncio.to_thread(
            missed_apkg,
            notes,
            deck_id=anki_deck_id(guild, member_id),
            deck_name=translate("notebook.anki-deck", name=name),
            translate=translate,
            max_bytes=max_bytes,
            now=self.clock.now(),
        )

    async def export_channel(self, channel: ChannelKey) -> bytes:
        """The channel's results as CSV for its admins (the caller checks the caller is one); only the header for
        a channel never set up."""
        settings = await self.quiz.channels.get(channel)
        if settings is None:
            return results_csv((), timezone="UTC")
        rows = await self.store.history.channel_results(settings.ref)
        timezone = await self.quiz.channels.guild_timezone(GuildKey(channel.platform, channel.guild_id))
        return results_csv(rows, timezone=timezone or settings.schedule.timezone)

    # -- helpers ------------------------------------------------------------------------------------------

    async def _due_before(self, member_id: str, guild: GuildKey, now: dt.datetime) -> dt.datetime:
        settings = await self.settings(member_id, guild)
        return self.policy.due_before(now, settings.timezone)

    def _category_id(self, deck_id: str, question_id: str) -> str:
        catalog = self._catalog()
        if not catalog.has_question(deck_id, question_id):
            return ""
        return catalog.question(deck_id, question_id).category

    def _category_name(self, deck_id: str, question: Question, language: str) -> str:
        category = self._catalog().deck(deck_id).category(question.category)
        if category is None:
            return question.category
        return category.ko if language == "ko" else category.en

    def _entry(self, item: RoundResult, language: str) -> NotebookEntry | None:
        catalog = self._catalog()
        round_, result = item.round, item.result
        if not catalog.has_question(round_.deck_id, round_.question_id):
            return None
        question = catalog.question(round_.deck_id, round_.question_id)
        return NotebookEntry(
            round_id=round_.id,
            opened_at=round_.opened_at,
            deck_id=round_.deck_id,
            question_id=round_.question_id,
            category=item.category,
            category_name=self._category_name(round_.deck_id, question, language),
            question=question.question,
            reference=question.answer,
            correction=question.correction,
            answer=result.answer_text,
            covered=result.covered,
            missed=result.missed,
            contradicted=result.contradicted,
            misconceptions=result.misconceptions,
            points=result.total,
            coverage=result.coverage,
        )
