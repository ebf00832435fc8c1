"""The interface a storage backend implements so the core can keep channels, rounds, answers, scores and disputes.

The docstrings below are the contract: every backend must behave as they say, and ``tests/storage`` checks it
against each one. They use only core models and the callbacks defined here; nothing of a backend's own types
(connections, rows, cursors) crosses this port.

Rules that hold for every method of every repository:

* **One unit of work per call.** A method that writes does so atomically: all of its effects are kept or none
  is. If it raises (including when a callback it was given raises), nothing it did is kept.
* **Returning means durable.** A write method returns only once its unit of work is committed: any read that
  starts afterwards sees it, through this store or any other store opened on the same data (another process),
  and it is kept across ``close()`` and a later ``open()``, and across a crash of the process.
* **Concurrency.** Calls may run concurrently, from one store or from several stores on the same data. Each
  write behaves as if the writes ran one at a time (serializable); the conditional state changes below
  (claim, mark_posted, cancel, reveal, mark_revealed, decide, ...) decide inside their unit of work, so of any
  number of concurrent callers exactly the ones the contract allows succeed. Reads see committed data only.
* **Callbacks** (``Scorer``, ``PeriodKeys``, ``Rescorer``, ``VotePoints``) run inside the unit of work that
  needs them: they must be plain, quick, synchronous functions of their arguments, they may be called on a
  thread other than the event loop's, and they must not call back into the store.
* A value returned after a write (a ``Round``, ``Dispute``, ...) may be read just after the commit, so it can
  already show a later change made by someone else.
* Times are timezone-aware; a backend returns them in UTC (equal instants, not necessarily equal offsets).
* Ids and refs (``ChannelSettings.ref``, ``Round.id``, answer and dispute ids) are positive integers assigned by
  the backend, increasing in creation order ("newest" below means highest id). Nothing is ever deleted, except
  event claims, which are transient (``EventClaims.prune``), and what forgetting a member removes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Protocol, Self

from bot.core.grading.grader import Judgement
from bot.core.grading.judgements import AnswerJudgement
from bot.core.models import (
    AcceptedWording,
    AnswerReceipt,
    AnswerRecord,
    CategoryCoverage,
    ChannelKey,
    ChannelSettings,
    Dispute,
    DisputeState,
    GuildKey,
    LeaderboardRow,
    Member,
    OpenOutcome,
    Rescore,
    RevealInput,
    RevealOutcome,
    Round,
    RoundKind,
    RoundState,
    ScoredAnswer,
    VoteResult,
)

Scorer = Callable[[RevealInput], Sequence[ScoredAnswer]]
"""Scores a round being revealed: one ``ScoredAnswer`` per answer of ``RevealInput.answers`` it scores, each
naming that answer's ``answer_id`` and ``member_id``."""

PeriodKeys = Callable[[dt.datetime, str], tuple[str, str]]
"""(week key, month key) of the leaderboard periods a round opened at this time counts in, in this timezone."""

Rescorer = Callable[[str, frozenset[str]], Rescore]
"""Re-grades an answer's text with the given concepts counted as covered."""

VotePoints = Callable[[int], int]
"""The vote points an answer earns for this many upvotes."""

ALL_TIME = "all"
"""The period key of the all-time leaderboard; every result counts in it besides its week and month."""


class ChannelRepository(Protocol):
    """Quiz channels and their guilds' timezones.

    A channel is identified by ``(key.platform, key.channel_id)``; ``key.guild_id`` is stored with it but is not
    part of the identity (a channel saved again under another guild moves there).
    """

    async def save(self, settings: ChannelSettings, guild_timezone: str, now: dt.datetime) -> ChannelSettings:
        """Insert or update the channel (an upsert on its identity) and set its guild's timezone, in one unit.

        ``settings.ref`` is ignored: a new channel gets a fresh ref (and cycle 0), a known one keeps its ref and
        its question-selection cycle. Returns the channel as stored. Saving the same settings again changes
        nothing.
        """
        ...

    async def get(self, key: ChannelKey) -> ChannelSettings | None:
        """The channel with this platform and channel id (whatever ``key.guild_id``), or ``None``."""
        ...

    async def by_ref(self, ref: int) -> ChannelSettings | None:
        """The channel with this ref, or ``None``."""
        ...

    async def all(self, platform: str | None = None) -> list[ChannelSettings]:
        """Every channel (of ``platform``, if given), in ref order."""
        ...

    async def in_guild(self, guild: GuildKey) -> list[ChannelSettings]:
        """The guild's channels, in ref order."""
        ...

    async def guild_timezone(self, guild: GuildKey) -> str | None:
        """The timezone last saved for the guild (by ``save`` of any of its channels), or ``None``."""
        ...

    async def set_paused(self, ref: int, paused: bool) -> None:
        """Set the channel's ``paused`` flag; nothing happens for an unknown ref. Idempotent."""
        ...


class RoundRepository(Protocol):
    """Rounds through their states: pending -> open -> revealing -> revealed, or pending/open -> cancelled.

    Every state change is a compare-and-set inside one unit of work: it happens only from the states named, and
    of concurrent callers attempting the same change exactly one sees it succeed.
    """

    async def claim(
        self,
        *,
        channel_ref: int,
        kind: RoundKind,
        deck_id: str,
        question_id: str,
        category: str,
        cycle: int,
        slot: dt.datetime | None,
        opened_at: dt.datetime,
        reveal_at: dt.datetime,
    ) -> Round | None:
        """Create a ``pending`` round in the channel (which must exist, else the call raises).

        A non-``None`` ``slot`` can be claimed once per channel, ever: ``None`` is returned if any round of the
        channel holds that slot already, whatever its state (a cancelled round's slot stays taken). Of concurrent
        claimers of one (channel, slot), from one store or several, exactly one gets the round. Rounds without a
        slot (on-demand) are never refused. ``category`` and ``cycle`` are kept for ``asked_in_cycle``.
        """
        ...

    async def get(self, round_id: int) -> Round | None:
        """The round with this id, or ``None``."""
        ...

    async def by_thread(self, platform: str, thread_id: str) -> Round | None:
        """The round whose question lives in this thread of this platform, or ``None``."""
        ...

    async def by_message(self, platform: str, message_id: str) -> Round | None:
        """The round whose question is this message of this platform, or ``None``."""
        ...

    async def latest_open(self, channel_ref: int) -> Round | None:
        """The channel's newest (highest id) round in state ``open``, or ``None``."""
        ...

    async def latest_revealed(self, channel_ref: int) -> Round | None:
        """The channel's round in state ``revealed`` (not ``revealing``) with the latest ``revealed_at``
        (highest id among equals), or ``None``."""
        ...

    async def in_states(self, *states: RoundState) -> list[Round]:
        """Every round, of every channel, in one of ``states``, by ``reveal_at`` then id. No states: ``[]``."""
        ...

    async def latest_daily_slot(self, channel_ref: int) -> dt.datetime | None:
        """The latest slot claimed in the channel, by a round in any state (cancelled included), or ``None``."""
        ...

    async def slot_claimed(self, channel_ref: int, slot: dt.datetime) -> bool:
        """Whether a round of the channel, in any state, holds this slot."""
        ...

    async def asked_in_cycle(self, channel_ref: int, cycle: int) -> set[tuple[str, str]]:
        """``(deck_id, question_id)`` of the channel's rounds claimed with this cycle, cancelled ones excluded."""
        ...

    async def last_asked(self, channel_ref: int) -> dict[tuple[str, str], int]:
        """For each question asked in the channel, the id of the latest round that asked it, cancelled rounds
        excluded."""
        ...

    async def channel_cycle(self, channel_ref: int) -> int:
        """The channel's current question-selection cycle; a new channel's is 0, an unknown channel's 0."""
        ...

    async def start_new_cycle(self, channel_ref: int, expected: int) -> int:
        """Move the channel from cycle ``expected`` to the next one, unless it is not at ``expected`` any more
        (compare-and-set: concurrent callers with the same ``expected`` move it once). Returns the channel's cycle
        after the call (``expected + 1`` for an unknown channel, where nothing is stored)."""
        ...

    async def mark_posted(self, round_id: int, message_id: str, thread_id: str | None) -> bool:
        """``pending`` -> ``open``, recording where the question was posted. ``True`` only for the call that made
        the change; ``False`` (and nothing changed, the first message and thread kept) if the round was not
        pending. A message or thread id already recorded for another round is an error (the call raises)."""
        ...

    async def note_post_attempt(self, round_id: int) -> int:
        """Count one more attempt to post the round; the number of attempts so far (0 for an unknown round).
        Not idempotent: every call counts. Durable before the post is sent, so a count above one tells an attempt
        that an earlier one may have posted before it failed or its process died."""
        ...

    async def cancel(self, round_id: int) -> bool:
        """``pending`` or ``open`` -> ``cancelled``. ``True`` only for the call that cancelled it; ``False`` if the
        round was in any other state (revealing, revealed, cancelled) or unknown."""
        ...

    async def reschedule_reveal(self, round_id: int, reveal_at: dt.datetime) -> None:
        """Set the reveal time of an ``open`` round; silently nothing for a round in any other state."""
        ...

    async def mark_revealed(self, round_id: int, at: dt.datetime) -> bool:
        """``revealing`` -> ``revealed``. ``True`` only for the call that made the change; ``False`` if the round
        was not revealing. ``revealed_at`` keeps the time ``results.reveal`` set; ``at`` is used only if none was
        set."""
        ...

    # A round in ``pending`` or ``revealing`` is work in progress: a process is posting its question or its reveal.
    # Its heartbeat says that process is still at it, and its worker names who took the work over (``None``: the
    # process that claimed the round, or moved it to ``revealing``). ``claim`` sets the heartbeat to ``opened_at``
    # and ``results.reveal`` to its ``now``, both with no worker; the process at work renews the heartbeat with
    # ``keep_alive`` while the post waits. A round whose heartbeat is older than the lease was left by a process
    # that stopped: another one may ``take_over`` the work; and ``still_working`` tells a process, right before it
    # sends anything, whether the round is still its own.

    async def keep_alive(self, round_ids: Collection[int], now: dt.datetime, worker: str) -> None:
        """Set the heartbeat to ``now`` for those of ``round_ids`` still ``pending`` or ``revealing`` whose worker is
        ``worker`` or none."""
        ...

    async def take_over(
        self, round_id: int, state: RoundState, now: dt.datetime, stale_before: dt.datetime, worker: str
    ) -> bool:
        """If the round is in ``state`` (``pending`` or ``revealing``) with its heartbeat at or before
        ``stale_before``, make ``worker`` its worker with the heartbeat ``now`` and return ``True``. Of concurrent
        callers with the same ``stale_before``, from one store or several, exactly one gets ``True``."""
        ...

    async def still_working(self, round_id: int, worker: str, now: dt.datetime) -> bool:
        """Whether the round is still in progress with ``worker`` (or no one else) as its worker: if so its
        heartbeat becomes ``now`` and ``True`` is returned; ``False`` once another worker took it over or it left
        ``pending``/``revealing``."""
        ...

    async def stalled(self, stale_before: dt.datetime) -> list[Round]:
        """Rounds nobody seems to be working on: ``pending`` or ``revealing`` with the heartbeat at or before
        ``stale_before``, and ``open`` with ``reveal_at`` at or before it; by ``reveal_at`` then id."""
        ...


class AnswerRepository(Protocol):
    """Members' answers, their revision history and peer votes.

    A member holds at most one on-time answer and at most one late answer per round. On-time answers are those
    recorded while the round is ``open``; they are what ``results.reveal`` scores. Answers recorded once the
    round is ``revealing`` or ``revealed`` are stored as late: kept and listed, never scored.
    """

    async def record(
        self,
        *,
        round_id: int,
        platform: str,
        guild_id: str,
        member: Member,
        message_id: str | None,
        text: str,
        private: bool,
        now: dt.datetime,
    ) -> AnswerReceipt | None:
        """Store the member's answer and remember their display name in the guild; ``None`` (nothing stored) if
        the round is unknown, ``pending`` or ``cancelled``.

        Whether the answer is late is decided inside the unit of work, against the round's state at that moment:
        an answer racing ``results.reveal`` is either recorded before it (and scored) or after it (and late),
        never lost. In an ``open`` round the first answer gets status ``"recorded"`` and a later one from the same
        member replaces it (same ``answer_id``, status ``"replaced"``; text, message id and privacy replaced, a
        withdrawal undone). In a ``revealing``/``revealed`` round the answer is late (``late=True``, status
        ``"late"``): the first late answer creates the member's late answer, later ones replace it, and the
        member's on-time (scored) answer is never touched. The same message with the same text again (a
        platform delivering one event twice) changes nothing and gets status ``"unchanged"``. Every other call
        adds a revision to ``history``; concurrent answers of one member leave one answer holding one of the texts.
        """
        ...

    async def edit(self, round_id: int, message_id: str, text: str, now: dt.datetime) -> AnswerReceipt | None:
        """The message holding an answer was edited. ``None`` if no answer of the round is held by
        ``message_id``. Once the round is revealing or revealed an on-time answer is frozen: its text stays what
        was scored and the edit is only added to its history (status ``"kept"``). Any other answer (the round
        open or cancelled, or a late answer) gets the new text, a withdrawal undone (status ``"replaced"``).
        The receipt's ``private`` is always ``False``."""
        ...

    async def withdraw(self, round_id: int, message_id: str, now: dt.datetime) -> AnswerReceipt | None:
        """The message holding an answer was deleted. ``None`` if no answer of the round is held by
        ``message_id``. Once the round is revealing or revealed an on-time answer stays as scored and the
        withdrawal is only noted in its history (status ``"kept"``). Any other answer is withdrawn: left out of
        ``for_round``, of the reveal and of voting (status ``"withdrawn"``). Withdrawing it again is ``None``
        and changes nothing.
        The receipt's ``private`` is always ``False``."""
        ...

    async def vote(
        self,
        *,
        round_id: int,
        message_id: str,
        voter_id: str,
        add: bool,
        now: dt.datetime,
        points_for: VotePoints,
    ) -> VoteResult:
        """Add (``add=True``) or remove a ``voter_id``'s upvote of the answer held by ``message_id``.

        Each voter holds at most one vote per answer: adding again gives ``VoteResult(False, "duplicate")`` and
        removing a vote that is not there ``(False, "no-vote")``, both changing nothing, so of concurrent equal
        requests exactly one counts. ``(False, "no-answer")`` if no answer of the round is held by the message or
        it is withdrawn; ``(False, "self")`` for a vote on one's own answer. Otherwise ``(True, "counted")`` or
        ``(True, "removed")``. Votes are taken in any round state. Once the answer has a stored result (its round
        was revealed), the same unit of work sets its vote points to ``points_for(its vote count)`` and moves the
        member's leaderboard totals (all-time, week and month) by the difference.
        """
        ...

    async def for_round(self, round_id: int) -> list[AnswerRecord]:
        """The round's answers, on-time and late, withdrawn ones excluded, with their vote counts and the members'
        display names, by the time of their first recording (the ``now`` it was given), then id."""
        ...

    async def message_ids(self, round_id: int) -> set[str]:
        """The platform messages holding the round's answers now, withdrawn and late ones included."""
        ...

    async def member_ids(self, round_id: int) -> set[str]:
        """The members holding an answer in the round: private, withdrawn and late ones included."""
        ...

    async def history(self, answer_id: int) -> list[tuple[str, str]]:
        """Every revision of the answer, oldest first, as ``(action, text)``: ``"create"`` for its first
        recording, ``"edit"`` for each replacement or edit (kept or not), ``"withdraw"`` for each withdrawal
        (with the text at that moment)."""
        ...


class ResultRepository(Protocol):
    """Scores fixed at the reveal, leaderboards per period, and member statistics.

    A period is a key string: ``ALL_TIME`` or one given by ``PeriodKeys``. Every result counts in the all-time,
    week and month period of its round (by the round's ``opened_at`` in the guild's timezone).
    """

    async def reveal(
        self, round_id: int, now: dt.datetime, score: Scorer, period_keys: PeriodKeys, category: str
    ) -> RevealOutcome | None:
        """Close an ``open`` round and fix its scores, in ONE unit of work; ``None`` if the round was not open.

        This is the single point that makes a reveal happen at most once: of any number of concurrent callers
        (from one store or several) exactly one gets the outcome, and only that one's ``score`` is called. In its
        unit of work it moves the round ``open`` -> ``revealing`` with ``revealed_at = now``; calls ``score`` once
        with a ``RevealInput`` of the round (as ``revealing``), ``category``, the guild's timezone (``"UTC"`` if
        none is stored), the round's on-time answers that are not withdrawn (in ``for_round`` order, with their
        vote counts), the id of the channel's previous daily round that is revealing or revealed (daily rounds
        only, else ``None``), and the current streak states in this channel of the members answering; calls
        ``period_keys(round.opened_at, timezone)``; stores one result per ``ScoredAnswer`` and adds its
        ``total`` (and one answer) to the member's totals for ``ALL_TIME``, the week and the month; for a daily
        round sets each scored member's streak in the channel to their ``streak`` (best kept as the maximum).
        If ``score`` or ``period_keys`` raises, nothing is kept: the round stays open and the error propagates.

        Returns the round (``revealing``) and one ``MemberResult`` per scored answer, in the scorer's order.
        """
        ...

    async def outcome(self, round_id: int) -> RevealOutcome | None:
        """The round as it is now and its stored results (including later vote and dispute changes), in answer
        order, to post a reveal again after a crash. ``None`` for an unknown round; a round never revealed has
        no results."""
        ...

    async def top(self, guild: GuildKey, period: str, limit: int) -> list[LeaderboardRow]:
        """The ``limit`` members with the most points in the guild's period, by points descending then member
        id; members with equal points share a rank (``bot.core.ranking.competition_ranks``: 1, 2, 2, 4)."""
        ...

    async def standing(self, guild: GuildKey, period: str, member_id: str) -> LeaderboardRow | None:
        """The member's row in the guild's period, ranked like ``top`` (1 + members with more points), or
        ``None`` if the member has no points entry in that period."""
        ...

    async def member_count(self, guild: GuildKey, period: str) -> int:
        """How many members have a points entry in the guild's period."""
        ...

    async def coverage_by_category(self, guild: GuildKey, member_id: str) -> list[CategoryCoverage]:
        """Per category, the member's number of results in the guild and their average coverage, by category."""
        ...

    async def streaks(self, guild: GuildKey, member_id: str) -> tuple[int, int]:
        """``(current, best)`` daily streak over the guild's channels. A channel's streak is current only while
        the member answered that channel's latest revealing-or-revealed daily round; ``(0, 0)`` if none."""
        ...

    async def member_name(self, guild: GuildKey, member_id: str) -> str | None:
        """The display name last recorded with one of the member's answers in the guild, or ``None``."""
        ...


class DisputeRepository(Protocol):
    """Members' disputes of concepts the grader marked missed or contradicted; decided once by an admin."""

    async def open(
        self, round_id: int, member_id: str, concept: str, now: dt.datetime
    ) -> tuple[OpenOutcome, Dispute | None]:
        """Open a dispute of ``concept`` in the member's result of the round; at most one dispute per answer and
        concept, ever (a decided one is not opened again).

        ``(NO_RESULT, None)`` if the member has no result in the round; ``(EXISTS, that dispute)`` if one exists
        for this answer and concept; ``(NOT_DISPUTABLE, None)`` if the concept is neither missed nor
        contradicted in the result (and was never disputed); otherwise ``(OPENED, the new open dispute)``. Of
        concurrent equal requests exactly one opens it; the others get ``EXISTS``.
        """
        ...

    async def get(self, dispute_id: int) -> Dispute | None:
        """The dispute, with the disputed answer's current text as its ``wording``, or ``None``."""
        ...

    async def accepted_with(self, dispute_id: int) -> frozenset[str]:
        """The concepts already accepted on the answer this dispute concerns (its own, if accepted)."""
        ...

    async def for_round(self, round_id: int, state: DisputeState | None = None) -> list[Dispute]:
        """The round's disputes (in ``state``, if given), by id."""
        ...

    async def open_in_channel(self, channel_ref: int) -> list[Dispute]:
        """The open disputes of the channel's rounds, by id."""
        ...

    async def decide(
        self, dispute_id: int, *, accept: bool, admin_id: str, now: dt.datetime, rescore: Rescorer
    ) -> Dispute | None:
        """Accept or reject an ``open`` dispute, exactly once: ``None`` (nothing changed, ``rescore`` not called)
        if it is not open or unknown, so of concurrent or repeated decisions exactly one takes effect.

        Accepting, in the same unit of work that closes the dispute, calls ``rescore(answer text, every concept
        accepted on the answer, this one included)``, stores the new judgement in the member's result (covered,
        named, contradicted, missed, coverage, coverage points), records the change of coverage points as the
        dispute's ``points_delta`` and moves the member's all-time, week and month totals by it. If ``rescore``
        raises, nothing is kept: the dispute stays open. Rejecting changes no score. Returns the decided dispute.
        """
        ...

    async def accepted_wordings(self) -> list[AcceptedWording]:
        """Every accepted dispute's answer text, as a wording of its concept, by deck, question, then id."""
        ...


class JudgementRepository(Protocol):
    """Answers' judgements graded before their round's reveal, so the reveal need not grade them again.

    A judgement is stored for ``(answer_id, text_key)`` with the ``fingerprint`` of what it was graded from; it is
    a cache: any of them may be missing, and the reveal grades what it does not find. Forgetting a member deletes
    the judgements of their answers with the answers.
    """

    async def save(self, judgements: Sequence[AnswerJudgement]) -> int:
        """Store each judgement for its answer and text key, replacing one stored for the same pair (whatever
        its fingerprint). One stored for an answer that no longer exists (forgotten meanwhile) is skipped.
        How many were stored."""
        ...

    async def for_round(self, round_id: int, fingerprint: str) -> dict[str, Judgement]:
        """The stored judgements of the round's answers (withdrawn and late ones included) graded under
        ``fingerprint``, by text key. Judgements of earlier texts of an answer may be among them."""
        ...


class EventClaims(Protocol):
    """Which platform event deliveries have been taken, so that an event a platform delivers more than once (a
    retry, a copy to each of several bot processes) is handled by one process, once.

    A claim is identified by ``(platform, event_id)``; it is transient: kept until ``prune`` removes it, which
    callers do once no copy of the event can still arrive.
    """

    async def claim(self, platform: str, event_id: str, at: dt.datetime) -> bool:
        """Take the event, recording ``at`` as the time it was claimed. ``True`` only for the first claimer;
        ``False`` (nothing changed, the first claim's time kept) if it was claimed before and not pruned since.
        Of concurrent claimers of one event, from one store or several processes, exactly one gets ``True``."""
        ...

    async def prune(self, before: dt.datetime) -> int:
        """Remove every claim claimed before ``before`` (of every platform); how many were removed. Such an event
        can be claimed again afterwards."""
        ...


class QuizStore(Protocol):
    """One storage backend: a repository per table group, over one set of data."""

    @property
    def channels(self) -> ChannelRepository: ...

    @property
    def rounds(self) -> RoundRepository: ...

    @property
    def answers(self) -> AnswerRepository: ...

    @property
    def results(self) -> ResultRepository: ...

    @property
    def disputes(self) -> DisputeRepository: ...

    @property
    def event_claims(self) -> EventClaims: ...

    @property
    def judgements(self) -> JudgementRepository: ...

    async def open(self) -> Self:
        """Connect and bring the data's schema up to date; returns the store. On failure nothing is left open.
        Data committed through any earlier store on the same data is there."""
        ...

    async def close(self) -> None:
        """Finish every write already started (each is committed, or fails to its caller) and disconnect.
        Safe to call twice."""
        ...
