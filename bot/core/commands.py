"""The ``/quiz`` commands as typed values, and the one place that runs them.

Every platform parses its own input (slash command options, a Slack command's text, a console line) into one of
these commands, calls ``run(command, place, caller)``, and renders the typed reply in its own idiom. A user's
mistake is a ``UserError`` whose message key the platform shows privately; admin-only commands are refused here,
whatever the platform's own gate, so a new platform cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
from bot.core.quiz import Quiz, ScheduleChange
from bot.core.scoring import ScoringRules

# -- commands -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """Post a question now, from ``category`` if given."""

    category: str | None = None


@dataclass(frozen=True)
class ShowLeaderboard:
    period: Period = Period.WEEK


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


Command = (
    Ask
    | ShowLeaderboard
    | ShowStats
    | ShowCategories
    | ShowHelp
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
)

ADMIN_COMMANDS = (Setup, Pause, Resume, RevealNow, Skip, DecideDispute)


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
    board: Leaderboard


@dataclass(frozen=True)
class StatsReply:
    stats: MemberStats
    categories: dict[str, Category]


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


Reply = (
    Notice
    | Posted
    | BoardReply
    | StatsReply
    | CategoriesReply
    | HelpReply
    | SetupReply
    | AnswerReply
    | VoteReply
    | DisputableReply
    | DisputeReply
    | DisputesReply
)


# -- running --------------------------------------------------------------------------------------------------


async def run(quiz: Quiz, command: Command, place: ChannelKey, caller: Caller) -> Reply:
    """Run ``command`` in the channel ``place`` for ``caller``. Raises ``UserError`` for a request the quiz
    cannot honour and ``PlatformError`` when the platform refused a post."""
    if is_admin_command(command) and not caller.admin:
        raise UserError("error.not-admin")
    guild = GuildKey(place.platform, place.guild_id)
    match command:
        case Ask(category):
            return Posted(await quiz.ask(place, category))
        case ShowLeaderboard(period):
            return BoardReply(await quiz.leaderboard(guild, period, caller.member.member_id))
        case ShowStats(member):
            return await _stats(quiz, guild, member or caller.member)
        case ShowCategories():
            return CategoriesReply(quiz.categories(await quiz.channel(place)))
        case ShowHelp():
            return HelpReply(quiz.rules)
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
            return Notice.of("admin.revealed" if revealed else "error.no-open-round")
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
    raise AssertionError(f"unhandled command {command!r}")


async def _stats(quiz: Quiz, guild: GuildKey, member: Member) -> StatsReply:
    stats = await quiz.stats(guild, member.member_id)
    if stats.member.display_name == stats.member.member_id:
        # Nothing stored under this member yet: the platform's name reads better than an id.
        stats = replace(stats, member=member)
    categories = {entry.category.id: entry.category for entry in quiz.categories(None)}
    return StatsReply(stats, categories)


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
            if not text.strip():
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
