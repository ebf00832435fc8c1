"""The interface a chat platform implements so the core can post rounds and reveals on it.

Inbound traffic goes the other way: an adapter turns its platform's events into calls on ``bot.core.quiz.Quiz``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.core.deck_schema import Category, Question
from bot.core.models import AnswerRecord, ChannelKey, Dispute, GuildKey, MemberResult, Round

Fence = Callable[[], Awaitable[bool]]
"""Whether the round is still this process's to post: checked right before a post is sent."""


@dataclass(frozen=True)
class QuestionCard:
    """What a platform shows when a round opens."""

    round: Round
    question: Question
    category: Category
    deck_title: str
    timezone: str = "UTC"  # the channel's, for platforms that print times themselves
    # A platform that makes a post wait its turn (a request budget) awaits this, when set, right before sending;
    # ``False``: another process took the round over meanwhile, so it sends nothing and raises ``Superseded``.
    fence: Fence | None = field(default=None, compare=False, repr=False)

    @property
    def reveal_at(self) -> dt.datetime:
        return self.round.reveal_at


@dataclass(frozen=True)
class RevealCard:
    """What a platform shows when a round is revealed."""

    round: Round
    question: Question
    category: Category
    results: tuple[MemberResult, ...]
    private_answers: tuple[AnswerRecord, ...]
    fence: Fence | None = field(default=None, compare=False, repr=False)  # as ``QuestionCard.fence``


@dataclass(frozen=True)
class ReminderCard:
    """A member's private reminder that review cards are due today (they opted in to reminders)."""

    guild: GuildKey
    member_id: str
    due: int


@dataclass(frozen=True)
class PostedQuestion:
    """Where a question landed: the message, and the thread answers go to (Slack: the message ts)."""

    message_id: str
    thread_id: str


class PlatformError(Exception):
    """A platform call failed. ``retryable`` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Superseded(Exception):
    """A post was not sent: while it waited its turn, another process took its round over (``Fence``)."""


async def check_fence(fence: Fence | None) -> None:
    """For platforms, right before sending a post: raises ``Superseded`` if the round is not ours any more."""
    if fence is not None and not await fence():
        raise Superseded("another process took the round over")


class ChatPlatform(Protocol):
    """A chat platform as the core sees it. Implementations raise ``PlatformError`` on failure."""

    name: str

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        """Post the question and open the place answers go (a thread). Returns the ids."""
        ...

    async def find_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion | None:
        """The question of ``card.round`` as an earlier attempt posted it, found on the platform by the round id
        the post carries; ``None`` if it is not there. That attempt may have failed, or its process been killed,
        after the post became visible and before the round recorded it. A post found without the place answers
        go gets it now. Raises ``PlatformError`` if the channel cannot be read."""
        ...

    async def question_opened(self, round_: Round, *, adopted: bool) -> None:
        """The round is open now: its post is recorded and answers in its thread count. ``adopted``: the post was
        made by an earlier attempt and found again, so members may have answered before the round was open;
        their answers are read in now. Never raises (a failure is logged and retried by the platform)."""
        ...

    async def post_reveal(self, card: RevealCard) -> None:
        """Post the reference answer and the results under the question, and mark the question revealed."""
        ...

    async def mark_cancelled(self, card: QuestionCard) -> None:
        """Show on the posted question that its round was skipped (no reveal will follow)."""
        ...

    async def report_problem(self, channel: ChannelKey, problem: str) -> None:
        """Tell the channel's admins something needs their attention (e.g. missing permissions)."""
        ...

    async def post_dispute_decision(self, round_: Round, dispute: Dispute) -> None:
        """Post an admin's decision on a member's dispute in the round's thread, pinging nobody."""
        ...

    async def remind_member(self, card: ReminderCard) -> None:
        """Tell one member privately (a direct message) that review cards are due; nobody else sees it. Raises
        ``PlatformError`` if it cannot be delivered (e.g. the member accepts no direct messages)."""
        ...


@runtime_checkable
class PartialPlatform(Protocol):
    """A platform process that runs only some of the platform's guilds (a Discord process running some of the
    bot's shards); other processes run the rest, on the same database. A platform without ``serves`` runs them all.
    """

    @property
    def share(self) -> str | None:
        """A stable name of the guilds this process runs (e.g. ``shards 0-1 of 4``), ``None`` if it runs all."""
        ...

    def serves(self, guild: GuildKey) -> bool:
        """True if this process runs ``guild``: plans its posts, reveals, retries and reminders."""
        ...


def serves(platform: ChatPlatform, guild: GuildKey) -> bool:
    """True if ``platform`` runs ``guild`` in this process (every platform that is not a ``PartialPlatform``)."""
    return not isinstance(platform, PartialPlatform) or platform.serves(guild)


def share_of(platform: ChatPlatform) -> str | None:
    """The name of the guilds ``platform`` runs in this process, ``None`` for all of them."""
    return platform.share if isinstance(platform, PartialPlatform) else None
