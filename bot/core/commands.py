"""The ``/quiz`` commands as typed values, and the one place that runs them.

Every platform parses its own input (slash command options, a Slack command's text, a console line) into one of
these commands, calls ``run(command, place, caller)``, and renders the typed reply in its own idiom. A user's
mistake is a ``UserError`` whose message key the platform shows privately; admin-only commands are refused here,
whatever the platform's own gate, so a new platform cannot forget it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field, replace

from bot.core.boards import AccuracyBoard, BoardView
from bot.core.deck_schema import Category
from bot.core.decks import CategoryCount
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
    VoteResult,
)
from bot.core.quiz import Notebook as NotebookFiles
from bot.core.quiz import Quiz, RevealStatus, ScheduleChange
from bot.core.review.cards import Verdict
from bot.core.review.notebook import Translate
from bot.core.review.records import ForgetReport
from bot.core.review.service import DueCard, ReviewResult, ReviewStats
from bot.core.review.settings import MemberSettings, SettingsChange
from bot.core.scoring import ScoringRules
from bot.core.service import is_blank

# -- commands -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """Post a question now, from ``category`` if given."""

    category: str | None = None


@dataclass(frozen=True)
class ShowLeaderboard:
    """A board of the period: points from the top, the caller among their neighbours, or accuracy."""

    period: Period = Period.WEEK
    view: BoardView = BoardView.TOP


@dataclass(frozen=True)
class ShowStats:
    """A member's stats: ``member`` if given, else the caller's."""

    member: Member | None = None


@dataclass(frozen=True)
class ShowCategories:
    pass


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class ShowSettings:
    """The channel's current settings."""


@dataclass(frozen=True)
class Setup:
    """Give the channel daily questions, changing what ``change`` names."""

    change: ScheduleChange = field(default_factory=ScheduleChange)


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class RevealNow:
    pass


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class GiveAnswer:
    """The caller answers the channel's open round (where answers are commands, not thread messages)."""

    text: str
    message_id: str


@dataclass(frozen=True)
class WithdrawAnswer:
    message_id: str


@dataclass(frozen=True)
class Vote:
    """The caller up-votes (or takes back the vote on) the answer given in ``message_id``."""

    message_id: str
    add: bool = True


@dataclass(frozen=True)
class ListDisputable:
    """The concepts the caller may dispute in the channel's last revealed round."""


@dataclass(frozen=True)
class OpenDispute:
    """Dispute the ``number``-th (from 1) of the concepts ``ListDisputable`` gives."""

    number: int


@dataclass(frozen=True)
class ListDisputes:
    pass


@dataclass(frozen=True)
class DecideDispute:
    dispute_id: int
    accept: bool


# -- personal review: the caller's own cards, settings and data -------------------------------------------------


@dataclass(frozen=True)
class Review:
    """Show the caller's next card due today."""


@dataclass(frozen=True)
class AnswerReview:
    """The caller's answer to the card ``card_id`` as it was shown to them, with ``shown_reviews`` reviews then:
    a second submission of the same showing is refused."""

    card_id: int
    shown_reviews: int
    text: str


@dataclass(frozen=True)
class Me:
    """The caller's review stats and settings."""


@dataclass(frozen=True)
class MeSet:
    """Change the caller's review settings."""

    change: SettingsChange


@dataclass(frozen=True)
class MeForget:
    """Delete everything stored of the caller; without ``confirm`` only says what that would delete."""

    confirm: bool = False


@dataclass(frozen=True)
class Notebook:
    """The caller's notebook and missed-question deck, in files of at most ``max_bytes`` (the platform's upload
    limit), at most ``max_parts`` Markdown parts; ``translate`` gives its labels in ``language``."""

    translate: Translate
    language: str
    max_bytes: int
    max_parts: int | None = None


@dataclass(frozen=True)
class Export:
    """The channel's results as CSV (admins)."""


@dataclass(frozen=True)
class OverrideRating:
    """After a reveal: the caller knew the answer after all (``knew``), or did not, whatever their grade."""

    round_id: int
    knew: bool


@dataclass(frozen=True)
class TooEasy:
    """After a reveal: the question was too easy for the caller."""

    round_id: int


@dataclass(frozen=True)
class RateReview:
    """After a personal review: the caller's correction of its rating."""

    review_id: int
    verdict: Verdict


Command = (
    Ask
    | ShowLeaderboard
    | ShowStats
    | ShowCategories
    | ShowHelp
    | ShowSettings
    | Setup
    | Pause
    | Resume
    | RevealNow
    | Skip
    | GiveAnswer
    | WithdrawAnswer
    | Vote
    | ListDisputable
    | OpenDispute
    | ListDisputes
    | DecideDispute
    | Review
    | AnswerReview
    | Me
    | MeSet
    | MeForget
    | Notebook
    | Export
    | OverrideRating
    | TooEasy
    | RateReview
)

ADMIN_COMMANDS = (Setup, Pause, Resume, RevealNow, Skip, DecideDispute, Export)


def is_admin_command(command: Command) -> bool:
    return isinstance(command, ADMIN_COMMANDS)


@dataclass(frozen=True)
class Caller:
    """Who ran the command; ``admin`` if the platform says they may run the channel (e.g. Manage Server)."""

    member: Member
    admin: bool = False


# -- replies --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A plain message from the catalogue."""

    key: str
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, key: str, **values: object) -> Notice:
        return cls(key, tuple(values.items()))


@dataclass(frozen=True)
class Posted:
    """A question was posted: the channel sees it; the caller may get a pointer to it."""

    round: Round


@dataclass(frozen=True)
class BoardReply:
    """A points board: from the top, or (``AROUND``) the caller among their neighbours."""

    board: Leaderboard
    view: BoardView = BoardView.TOP


@dataclass(frozen=True)
class AccuracyReply:
    board: AccuracyBoard


@dataclass(frozen=True)
class StatsReply:
    """A member's stats; with personal review, the caller's own also hold their study streak in their own day
    (``timezone``), cards due and retention."""

    stats: MemberStats
    categories: dict[str, Category]
    review: ReviewStats | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class CategoriesReply:
    entries: tuple[CategoryCount, ...]


@dataclass(frozen=True)
class HelpReply:
    rules: ScoringRules


@dataclass(frozen=True)
class SetupReply:
    settings: ChannelSettings


@dataclass(frozen=True)
class SettingsReply:
    """A channel's settings; ``None`` for a channel never set up."""

    settings: ChannelSettings | None


@dataclass(frozen=True)
class AnswerReply:
    member: Member
    receipt: AnswerReceipt


@dataclass(frozen=True)
class VoteReply:
    result: VoteResult


@dataclass(frozen=True)
class DisputableReply:
    concepts: tuple[str, ...]


@dataclass(frozen=True)
class DisputeReply:
    dispute: Dispute


@dataclass(frozen=True)
class DisputesReply:
    disputes: tuple[Dispute, ...]


@dataclass(frozen=True)
class ReviewCardReply:
    """The caller's next due card (``None``: nothing due today)."""

    due: DueCard | None


@dataclass(frozen=True)
class ReviewResultReply:
    """A graded personal review: what the grader found, the card's next review in ``next_in_days`` days, and
    how many cards are still due today."""

    result: ReviewResult
    next_in_days: int
    remaining: int


@dataclass(frozen=True)
class MeReply:
    """The caller's review stats and settings; ``saved`` after a change."""

    member: Member
    stats: ReviewStats
    settings: MemberSettings
    saved: bool = False


@dataclass(frozen=True)
class ForgetPrompt:
    """What ``MeForget`` would delete, asked before anything is: the platform offers a way to confirm."""

    member: Member


@dataclass(frozen=True)
class ForgetReply:
    report: ForgetReport


@dataclass(frozen=True)
class NotebookReply:
    member: Member
    files: NotebookFiles


@dataclass(frozen=True)
class ExportReply:
    """The channel's results as CSV bytes (UTF-8 with a byte-order mark)."""

    channel: ChannelKey
    data: bytes

    @property
    def rows(self) -> int:
        """Scored answers in the file (records, not lines: an answer may span lines)."""
        return max(0, sum(1 for _ in csv.reader(io.StringIO(self.data.decode("utf-8-sig")))) - 1)


@dataclass(frozen=True)
class RatingReply:
    """A rating corrected: the card's next review is in ``next_in_days`` days."""

    verdict: Verdict
    next_in_days: int


Reply = (
    Notice
    | Posted
    | BoardReply
    | AccuracyReply
    | StatsReply
    | CategoriesReply
    | HelpReply
    | SetupReply
    | SettingsReply
    | AnswerReply
    | VoteReply
    | DisputableReply
    | DisputeReply
    | DisputesReply
    | ReviewCardReply
    | ReviewResultReply
    | MeReply
    | ForgetPrompt
    | ForgetReply
    | NotebookReply
    | ExportReply
    | RatingReply
)


# -- running --------------------------------------------------------------------------------------------------

# What an admin's reveal tells them: only a reveal that is out says "revealed".
_REVEAL_NOTICES = {
    RevealStatus.REVEALED: "admin.revealed",
    RevealStatus.RETRYING: "admin.reveal-retrying",
    RevealStatus.FAILED: "admin.reveal-failed",
}


async def run(quiz: Quiz, command: Command, place: ChannelKey, caller: Caller) -> Reply:
    """Run ``command`` in the channel ``place`` for ``caller``. Raises ``UserError`` for a request the quiz
    cannot honour and ``PlatformError`` when the platform refused a post."""
    if is_admin_command(command) and not caller.admin:
        raise UserError("error.not-admin")
    guild = GuildKey(place.platform, place.guild_id)
    match command:
        case Ask(category):
            return Posted(await quiz.ask(place, category))
        case ShowLeaderboard(period, BoardView.AROUND):
            return BoardReply(await quiz.leaderboard_around(guild, period, caller.member.member_id), BoardView.AROUND)
        case ShowLeaderboard(period, BoardView.ACCURACY):
            return AccuracyReply(await quiz.accuracy_board(guild, period, caller.member.member_id))
        case ShowLeaderboard(period):
            return BoardReply(await quiz.leaderboard(guild, period, caller.member.member_id))
        case ShowStats(member):
            return await _stats(quiz, guild, member or caller.member, caller)
        case ShowCategories():
            return CategoriesReply(quiz.categories(await quiz.channel(place)))
        case ShowHelp():
            return HelpReply(quiz.rules)
        case ShowSettings():
            return SettingsReply(await quiz.channel(place))
        case Setup(change):
            return SetupReply(await quiz.setup(place, change))
        case Pause():
            await quiz.pause(place)
            return Notice.of("admin.paused")
        case Resume():
            await quiz.resume(place)
            return Notice.of("admin.resumed")
        case RevealNow():
            revealed = await quiz.reveal_now(place)
            return Notice.of(_REVEAL_NOTICES[revealed.status] if revealed else "error.no-open-round")
        case Skip():
            skipped = await quiz.skip(place)
            return Notice.of("admin.skipped" if skipped else "error.no-open-round")
        case GiveAnswer() | WithdrawAnswer() | Vote():
            return await _in_open_round(quiz, command, place, caller)
        case ListDisputable():
            return DisputableReply(await _disputable(quiz, place, caller))
        case OpenDispute(number):
            return DisputeReply(await _open_dispute(quiz, place, caller, number))
        case ListDisputes():
            return DisputesReply(tuple(await quiz.open_disputes(place)))
        case DecideDispute(dispute_id, accept):
            decided = await quiz.decide_dispute(dispute_id, accept=accept, admin_id=caller.member.member_id)
            return DisputeReply(decided)
        case (
            Review()
            | AnswerReview()
            | Me()
            | MeSet()
            | MeForget()
            | Notebook()
            | Export()
            | OverrideRating()
            | TooEasy()
            | RateReview()
        ):
            return await _personal(quiz, command, place, caller)
    raise AssertionError(f"unhandled command {command!r}")


PersonalCommand = (
    Review | AnswerReview | Me | MeSet | MeForget | Notebook | Export | OverrideRating | TooEasy | RateReview
)


async def _personal(quiz: Quiz, command: PersonalCommand, place: ChannelKey, caller: Caller) -> Reply:
    """Personal review: every command acts on the caller's own cards, settings and data in the guild."""
    guild = GuildKey(place.platform, place.guild_id)
    member_id = caller.member.member_id
    match command:
        case Review():
            return ReviewCardReply(await quiz.next_review(guild, member_id))
        case AnswerReview(card_id, shown_reviews, answer):
            result = await quiz.answer_review(guild, member_id, card_id, shown_reviews, answer)
            remaining = await quiz.due_reviews(guild, member_id)
            return ReviewResultReply(result, _days_until(result.card.due, quiz.clock.now()), remaining)
        case Me():
            return await _me(quiz, guild, caller.member)
        case MeSet(change):
            await quiz.change_review_settings(guild, member_id, change)
            return replace(await _me(quiz, guild, caller.member), saved=True)
        case MeForget(confirm):
            if not quiz.reviews_available:
                raise UserError("review.error.unavailable")
            if not confirm:
                return ForgetPrompt(caller.member)
            return ForgetReply(await quiz.forget_member(guild, member_id))
        case Notebook(translate, language, max_bytes, max_parts):
            files = await quiz.notebook(
                guild, member_id, translate=translate, language=language, max_bytes=max_bytes, max_parts=max_parts
            )
            return NotebookReply(caller.member, files)
        case Export():
            return ExportReply(place, await quiz.export_results(place))
        case OverrideRating(round_id, knew):
            verdict = Verdict.KNEW if knew else Verdict.DIDNT
            card = await quiz.rate_round(guild, member_id, round_id, verdict)
            return RatingReply(verdict, _days_until(card.due, quiz.clock.now()))
        case TooEasy(round_id):
            card = await quiz.rate_round(guild, member_id, round_id, Verdict.TOO_EASY)
            return RatingReply(Verdict.TOO_EASY, _days_until(card.due, quiz.clock.now()))
        case RateReview(review_id, verdict):
            card = await quiz.rate_review(guild, member_id, review_id, verdict)
            return RatingReply(verdict, _days_until(card.due, quiz.clock.now()))
    raise AssertionError(f"unhandled command {command!r}")


async def _me(quiz: Quiz, guild: GuildKey, member: Member) -> MeReply:
    stats = await quiz.review_stats(guild, member.member_id)
    return MeReply(member, stats, await quiz.review_settings(guild, member.member_id))


def _days_until(due: dt.datetime, now: dt.datetime) -> int:
    """Whole days from ``now`` to ``due``, rounded up: a card due in 20 hours comes back tomorrow."""
    return max(0, math.ceil((due - now).total_seconds() / 86400))


async def _stats(quiz: Quiz, guild: GuildKey, member: Member, caller: Caller) -> StatsReply:
    stats = await quiz.stats(guild, member.member_id)
    if stats.member.display_name == stats.member.member_id:
        # Nothing stored under this member yet: the platform's name reads better than an id.
        stats = replace(stats, member=member)
    categories = {entry.category.id: entry.category for entry in quiz.categories(None)}
    if member.member_id != caller.member.member_id or not quiz.reviews_available:
        # Personal review is the caller's own business: nobody sees another member's cards.
        return StatsReply(stats, categories)
    review = await quiz.review_stats(guild, member.member_id)
    settings = await quiz.review_settings(guild, member.member_id)
    return StatsReply(stats, categories, review, settings.timezone)


async def _in_open_round(
    quiz: Quiz, command: GiveAnswer | WithdrawAnswer | Vote, place: ChannelKey, caller: Caller
) -> Reply:
    round_ = await quiz.current_round(place)
    if round_ is None and isinstance(command, GiveAnswer):
        # As a late reply in a revealed round's thread is kept (marked late, no points), so is a late answer here.
        round_ = await quiz.latest_revealed_round(place)
    if round_ is None:
        raise UserError("error.no-open-round")
    match command:
        case GiveAnswer(text, message_id):
            if is_blank(text):
                raise UserError("answer.empty")
            receipt = await quiz.answer(round_, caller.member, text, message_id=message_id)
            if receipt is None:
                raise UserError("answer.closed")
            return AnswerReply(caller.member, receipt)
        case WithdrawAnswer(message_id):
            withdrawn = await quiz.withdraw_answer(round_, message_id)
            if withdrawn is None:
                raise UserError("answer.nothing-to-withdraw")
            return AnswerReply(caller.member, withdrawn)
        case Vote(message_id, add):
            return VoteReply(await quiz.vote(round_, message_id, caller.member.member_id, add=add))
    raise AssertionError(f"unhandled command {command!r}")


async def _disputable(quiz: Quiz, place: ChannelKey, caller: Caller) -> tuple[str, ...]:
    round_ = await quiz.latest_revealed_round(place)
    if round_ is None:
        raise UserError("error.dispute-not-revealed")
    return await quiz.disputable_concepts(round_.id, caller.member.member_id)


async def _open_dispute(quiz: Quiz, place: ChannelKey, caller: Caller, number: int) -> Dispute:
    round_ = await quiz.latest_revealed_round(place)
    if round_ is None:
        raise UserError("error.dispute-not-revealed")
    concepts = await quiz.disputable_concepts(round_.id, caller.member.member_id)
    if not 1 <= number <= len(concepts):
        raise UserError("dispute.nothing" if not concepts else "error.dispute-bad-number", count=len(concepts))
    return await quiz.open_dispute(round_.id, caller.member.member_id, concepts[number - 1])
