"""The storage contract (``bot.core.ports.storage``): what every backend must do, checked through the port only.

Each test names one guarantee and fails if a backend breaks it. Inputs are built from core models; scores come
from a small scorer of our own (an answer's text is its points), so nothing here depends on grading.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import TypedDict, Unpack

import pytest

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
    Member,
    MisconceptionNote,
    OpenOutcome,
    Rescore,
    RevealInput,
    RevealOutcome,
    Round,
    RoundKind,
    RoundState,
    Schedule,
    ScoredAnswer,
    StreakState,
    VoteResult,
)
from bot.core.ports.storage import ALL_TIME, QuizStore
from bot.storage.review_backends import review_store_for
from tests.storage.conftest import StoreOpener

T0 = dt.datetime(2025, 3, 5, 0, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
KEY = ChannelKey("fake", "guild-1", "channel-1")
GUILD = GuildKey("fake", "guild-1")
WEEK, MONTH = "W2025-03-03", "M2025-03"
DECK = "deck"
MISSED = ("alpha", "beta")
CONTRADICTED = ("delta",)


# -- building inputs ------------------------------------------------------------------------------------------


def settings(key: ChannelKey = KEY, **changes: object) -> ChannelSettings:
    base = ChannelSettings(
        ref=0,
        key=key,
        schedule=Schedule(dt.time(9, 0), frozenset(range(7)), "Asia/Seoul"),
        daily_reveal_delay=dt.timedelta(hours=8),
        on_demand_reveal_delay=dt.timedelta(minutes=10),
        decks=(DECK,),
        paused=False,
        enabled=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def channel(store: QuizStore, key: ChannelKey = KEY, timezone: str = "Asia/Seoul") -> ChannelSettings:
    return await store.channels.save(settings(key), timezone, T0)


async def try_claim(
    store: QuizStore,
    ch: ChannelSettings,
    *,
    slot: dt.datetime | None = None,
    question: str = "q1",
    cycle: int = 0,
    opened_at: dt.datetime = T0,
    reveal_at: dt.datetime | None = None,
) -> Round | None:
    return await store.rounds.claim(
        channel_ref=ch.ref,
        kind=RoundKind.ON_DEMAND if slot is None else RoundKind.DAILY,
        deck_id=DECK,
        question_id=question,
        category="basics",
        cycle=cycle,
        slot=slot,
        opened_at=opened_at if slot is None else slot,
        reveal_at=reveal_at or (opened_at if slot is None else slot) + HOUR,
    )


class ClaimArgs(TypedDict, total=False):
    slot: dt.datetime | None
    question: str
    cycle: int
    opened_at: dt.datetime
    reveal_at: dt.datetime | None


async def claim(store: QuizStore, ch: ChannelSettings, **kwargs: Unpack[ClaimArgs]) -> Round:
    claimed = await try_claim(store, ch, **kwargs)
    assert claimed is not None
    return claimed


async def open_round(store: QuizStore, ch: ChannelSettings, **kwargs: Unpack[ClaimArgs]) -> Round:
    """A claimed round posted as message ``question-<id>`` in thread ``thread-<id>``."""
    claimed = await claim(store, ch, **kwargs)
    assert await store.rounds.mark_posted(claimed.id, f"question-{claimed.id}", f"thread-{claimed.id}")
    opened = await store.rounds.get(claimed.id)
    assert opened is not None and opened.state is RoundState.OPEN
    return opened


async def answer(
    store: QuizStore,
    round_: Round,
    member_id: str,
    text: str,
    *,
    message_id: str | None = None,
    private: bool = False,
    at: dt.datetime = T0,
) -> AnswerReceipt | None:
    """``member_id``'s answer, in message ``<member>-<round>`` unless given (none when private)."""
    return await store.answers.record(
        round_id=round_.id,
        platform=round_.channel.platform,
        guild_id=round_.channel.guild_id,
        member=Member(member_id, member_id.title()),
        message_id=None if private else (message_id or f"{member_id}-{round_.id}"),
        text=text,
        private=private,
        now=at,
    )


class Scorer:
    """Scores every answer it is given: a numeric text is its answer points (else 10), two points per vote, and a
    daily streak that continues when the member's last scored round was the previous daily round."""

    def __init__(self, *, fail: bool = False) -> None:
        self.calls: list[RevealInput] = []
        self.fail = fail

    def __call__(self, inputs: RevealInput) -> Sequence[ScoredAnswer]:
        self.calls.append(inputs)
        if self.fail:
            raise ScorerFailed
        return [self._score(inputs, a) for a in inputs.answers]

    @staticmethod
    def _score(inputs: RevealInput, record: AnswerRecord) -> ScoredAnswer:
        points = int(record.text) if record.text.isdigit() else 10
        streak = 0
        if inputs.round.kind is RoundKind.DAILY:
            before = inputs.streaks.get(record.member.member_id)
            previous = inputs.previous_daily_round_id
            continues = before is not None and previous is not None and before.last_round_id == previous
            streak = before.current + 1 if continues and before else 1
        return ScoredAnswer(
            answer_id=record.answer_id,
            member_id=record.member.member_id,
            covered=("gamma",),
            missed=MISSED,
            contradicted=CONTRADICTED,
            misconceptions=(MisconceptionNote("a wrong claim", "what is right"),),
            coverage=points / 100,
            answer_points=points,
            coverage_points=0,
            vote_points=2 * record.votes,
            streak=streak,
            streak_bonus=0,
        )


class ScorerFailed(Exception):
    pass


class PeriodKeys:
    def __init__(self, week: str = WEEK, month: str = MONTH) -> None:
        self.week, self.month = week, month
        self.calls: list[tuple[dt.datetime, str]] = []

    def __call__(self, at: dt.datetime, timezone: str) -> tuple[str, str]:
        self.calls.append((at, timezone))
        return self.week, self.month


async def try_reveal(
    store: QuizStore,
    round_: Round,
    scorer: Scorer | None = None,
    *,
    at: dt.datetime = T0 + 2 * HOUR,
    periods: PeriodKeys | None = None,
    category: str = "basics",
) -> RevealOutcome | None:
    return await store.results.reveal(round_.id, at, scorer or Scorer(), periods or PeriodKeys(), category)


class RevealArgs(TypedDict, total=False):
    at: dt.datetime
    periods: PeriodKeys | None
    category: str


async def reveal(
    store: QuizStore, round_: Round, scorer: Scorer | None = None, **kwargs: Unpack[RevealArgs]
) -> RevealOutcome:
    outcome = await try_reveal(store, round_, scorer, **kwargs)
    assert outcome is not None
    return outcome


async def board(store: QuizStore, period: str = ALL_TIME, guild: GuildKey = GUILD) -> list[tuple[int, str, int]]:
    return [(r.rank, r.member.member_id, r.points) for r in await store.results.top(guild, period, 100)]


async def points_of(store: QuizStore, member_id: str, period: str = ALL_TIME) -> int | None:
    row = await store.results.standing(GUILD, period, member_id)
    return None if row is None else row.points


class Rescorer:
    """Credits the accepted concepts and gives ``coverage_points``; records what it was asked."""

    def __init__(self, coverage_points: int, *, fail: bool = False) -> None:
        self.coverage_points = coverage_points
        self.fail = fail
        self.calls: list[tuple[str, frozenset[str]]] = []

    def __call__(self, text: str, accepted: frozenset[str]) -> Rescore:
        self.calls.append((text, accepted))
        if self.fail:
            raise ScorerFailed
        return Rescore(
            covered=("gamma", *sorted(accepted)),
            named=(),
            contradicted=tuple(c for c in CONTRADICTED if c not in accepted),
            missed=tuple(c for c in MISSED if c not in accepted),
            coverage=1.0,
            coverage_points=self.coverage_points,
        )


async def revealed_answer(store: QuizStore, ch: ChannelSettings | None = None, text: str = "20") -> Round:
    """A revealed round in which Alice's answer ``text`` missed ``MISSED`` and contradicted ``CONTRADICTED``."""
    round_ = await open_round(store, ch or await channel(store))
    await answer(store, round_, "alice", text)
    await reveal(store, round_)
    return round_


async def decide(
    store: QuizStore, dispute: Dispute, rescore: Rescorer, *, accept: bool = True, admin: str = "admin"
) -> Dispute | None:
    return await store.disputes.decide(dispute.id, accept=accept, admin_id=admin, now=T0 + DAY, rescore=rescore)


async def open_dispute(store: QuizStore, round_: Round, concept: str, member_id: str = "alice") -> Dispute:
    outcome, dispute = await store.disputes.open(round_.id, member_id, concept, T0 + DAY)
    assert outcome is OpenOutcome.OPENED and dispute is not None
    return dispute


# -- channels -------------------------------------------------------------------------------------------------


async def test_a_saved_channel_gets_a_ref_and_reads_back_by_key_and_by_ref(store: QuizStore) -> None:
    saved = await store.channels.save(settings(ref=12345), "Asia/Seoul", T0)
    assert saved.ref > 0
    assert saved == replace(settings(), ref=saved.ref)
    assert await store.channels.get(KEY) == saved
    assert await store.channels.by_ref(saved.ref) == saved
    assert await store.channels.get(replace(KEY, channel_id="elsewhere")) is None
    assert await store.channels.by_ref(saved.ref + 1000) is None


async def test_saving_a_known_channel_again_updates_it_under_the_same_ref(store: QuizStore) -> None:
    first = await channel(store)
    await store.rounds.start_new_cycle(first.ref, 0)
    changed = settings(
        schedule=Schedule(dt.time(7, 30), frozenset({0, 2, 4}), "UTC"),
        daily_reveal_delay=dt.timedelta(hours=2),
        on_demand_reveal_delay=dt.timedelta(seconds=90),
        decks=("a", "b"),
        paused=True,
        enabled=False,
    )
    second = await store.channels.save(changed, "Europe/Paris", T0 + DAY)
    assert second == replace(changed, ref=first.ref)
    assert await store.channels.all() == [second]
    assert await store.channels.guild_timezone(GUILD) == "Europe/Paris"
    assert await store.rounds.channel_cycle(first.ref) == 1


async def test_channels_are_listed_in_ref_order_by_platform_and_by_guild(store: QuizStore) -> None:
    a = await channel(store, ChannelKey("fake", "g1", "c1"))
    b = await channel(store, ChannelKey("other", "g1", "c2"))
    c = await channel(store, ChannelKey("fake", "g2", "c3"))
    d = await channel(store, ChannelKey("fake", "g1", "c4"))
    assert a.ref < b.ref < c.ref < d.ref
    assert await store.channels.all() == [a, b, c, d]
    assert await store.channels.all("fake") == [a, c, d]
    assert await store.channels.all("nowhere") == []
    assert await store.channels.in_guild(GuildKey("fake", "g1")) == [a, d]
    assert await store.channels.in_guild(GuildKey("other", "g1")) == [b]
    assert await store.channels.in_guild(GuildKey("fake", "none")) == []


async def test_a_guilds_timezone_is_the_one_last_saved_with_any_of_its_channels(store: QuizStore) -> None:
    assert await store.channels.guild_timezone(GUILD) is None
    await channel(store, KEY, "Asia/Seoul")
    await channel(store, replace(KEY, channel_id="channel-2"), "America/New_York")
    assert await store.channels.guild_timezone(GUILD) == "America/New_York"
    assert await store.channels.guild_timezone(GuildKey("other", GUILD.guild_id)) is None


async def test_pausing_a_channel_is_stored(store: QuizStore) -> None:
    ch = await channel(store)
    await store.channels.set_paused(ch.ref, True)
    assert (await store.channels.get(KEY)) == replace(ch, paused=True)
    await store.channels.set_paused(ch.ref, False)
    await store.channels.set_paused(ch.ref + 1000, True)
    assert (await store.channels.get(KEY)) == ch


# -- rounds: claiming a slot ----------------------------------------------------------------------------------


async def test_a_claimed_round_is_pending_with_what_was_claimed(store: QuizStore) -> None:
    ch = await channel(store)
    slot = T0 + 9 * HOUR
    claimed = await claim(store, ch, slot=slot, question="q7", reveal_at=slot + 8 * HOUR)
    assert (claimed.state, claimed.kind, claimed.channel_ref, claimed.channel) == (
        RoundState.PENDING,
        RoundKind.DAILY,
        ch.ref,
        KEY,
    )
    assert (claimed.deck_id, claimed.question_id, claimed.slot, claimed.opened_at, claimed.reveal_at) == (
        DECK,
        "q7",
        slot,
        slot,
        slot + 8 * HOUR,
    )
    assert (claimed.message_id, claimed.thread_id, claimed.revealed_at) == (None, None, None)
    assert await store.rounds.get(claimed.id) == claimed
    assert await store.rounds.get(claimed.id + 1000) is None
    assert await store.rounds.slot_claimed(ch.ref, slot)
    assert not await store.rounds.slot_claimed(ch.ref, slot + DAY)


async def test_a_slot_is_claimed_once_even_after_its_round_is_cancelled(store: QuizStore) -> None:
    ch = await channel(store)
    assert await store.rounds.latest_daily_slot(ch.ref) is None
    await open_round(store, ch, slot=T0 - DAY)
    first = await claim(store, ch, slot=T0)
    assert await try_claim(store, ch, slot=T0, question="q2") is None
    assert await store.rounds.cancel(first.id)
    assert await try_claim(store, ch, slot=T0, question="q3") is None
    assert await store.rounds.in_states(RoundState.CANCELLED) == [replace(first, state=RoundState.CANCELLED)]
    await claim(store, ch)  # on demand: no slot
    assert await store.rounds.latest_daily_slot(ch.ref) == T0  # the cancelled round's slot still counts


async def test_of_concurrent_claims_of_one_slot_exactly_one_gets_the_round(store: QuizStore) -> None:
    ch = await channel(store)
    claims = await asyncio.gather(*(try_claim(store, ch, slot=T0, question=f"q{i}") for i in range(10)))
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1
    assert await store.rounds.in_states(RoundState.PENDING) == winners


async def test_claims_through_two_stores_on_the_same_data_give_one_round(store: QuizStore, reopen: StoreOpener) -> None:
    ch = await channel(store)
    other = await reopen()
    claims = await asyncio.gather(*(try_claim(s, ch, slot=T0) for s in (store, other) * 4))
    assert sum(c is not None for c in claims) == 1
    assert len(await other.rounds.in_states(RoundState.PENDING)) == 1


async def test_rounds_without_a_slot_are_never_refused_and_slots_are_per_channel(store: QuizStore) -> None:
    ch = await channel(store)
    elsewhere = await channel(store, replace(KEY, channel_id="channel-2"))
    on_demand = [await try_claim(store, ch) for _ in range(3)]
    assert all(r is not None for r in on_demand)
    assert len({r.id for r in on_demand if r is not None}) == 3
    assert await try_claim(store, ch, slot=T0) is not None
    assert await try_claim(store, elsewhere, slot=T0) is not None


# -- rounds: states -------------------------------------------------------------------------------------------


async def test_posting_opens_a_pending_round_exactly_once(store: QuizStore) -> None:
    ch = await channel(store)
    claimed = await claim(store, ch)
    posts = [("m1", "t1"), ("m2", "t2"), ("m3", None)]
    results = await asyncio.gather(*(store.rounds.mark_posted(claimed.id, m, t) for m, t in posts))
    assert sorted(results) == [False, False, True]
    opened = await store.rounds.get(claimed.id)
    assert opened is not None and opened.state is RoundState.OPEN
    assert (opened.message_id, opened.thread_id) == posts[results.index(True)]
    assert not await store.rounds.mark_posted(claimed.id, "m4", "t4")
    assert await store.rounds.get(claimed.id) == opened
    cancelled = await claim(store, ch)
    await store.rounds.cancel(cancelled.id)
    assert not await store.rounds.mark_posted(cancelled.id, "m5", "t5")


async def test_a_posted_round_is_found_by_its_thread_and_message_on_its_platform_only(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    assert await store.rounds.by_thread("fake", f"thread-{round_.id}") == round_
    assert await store.rounds.by_message("fake", f"question-{round_.id}") == round_
    assert await store.rounds.by_thread("other", f"thread-{round_.id}") is None
    assert await store.rounds.by_message("other", f"question-{round_.id}") is None
    assert await store.rounds.by_thread("fake", f"question-{round_.id}") is None


async def test_latest_open_is_the_channels_newest_open_round(store: QuizStore) -> None:
    ch = await channel(store)
    assert await store.rounds.latest_open(ch.ref) is None
    older = await open_round(store, ch)
    newer = await open_round(store, ch)
    await claim(store, ch)  # pending: not open
    await open_round(store, await channel(store, replace(KEY, channel_id="channel-2")))
    assert await store.rounds.latest_open(ch.ref) == newer
    await store.rounds.cancel(newer.id)
    assert await store.rounds.latest_open(ch.ref) == older


async def test_cancel_cancels_only_pending_or_open_rounds_and_says_whether_it_did(store: QuizStore) -> None:
    ch = await channel(store)
    pending, opened, revealed = await claim(store, ch), await open_round(store, ch), await open_round(store, ch)
    await reveal(store, revealed)
    cancels = await asyncio.gather(*(store.rounds.cancel(pending.id) for _ in range(4)))
    assert sorted(cancels) == [False, False, False, True]
    assert await store.rounds.cancel(opened.id)
    assert not await store.rounds.cancel(opened.id)
    assert not await store.rounds.cancel(revealed.id)
    assert not await store.rounds.cancel(revealed.id + 1000)
    states = [(await store.rounds.get(r.id)) for r in (pending, opened, revealed)]
    assert [r.state for r in states if r] == [RoundState.CANCELLED, RoundState.CANCELLED, RoundState.REVEALING]


async def test_in_states_lists_the_rounds_of_every_channel_by_reveal_time(store: QuizStore) -> None:
    ch = await channel(store)
    late = await open_round(store, ch, reveal_at=T0 + 3 * HOUR)
    early = await claim(store, ch, reveal_at=T0 + HOUR)
    middle = await open_round(store, await channel(store, replace(KEY, channel_id="c2")), reveal_at=T0 + 2 * HOUR)
    await store.rounds.cancel((await claim(store, ch)).id)
    assert [r.id for r in await store.rounds.in_states(RoundState.PENDING, RoundState.OPEN)] == [
        early.id,
        middle.id,
        late.id,
    ]
    assert await store.rounds.in_states(RoundState.OPEN) == [middle, late]
    assert await store.rounds.in_states() == []


async def test_a_reveal_time_moves_only_while_the_round_is_open(store: QuizStore) -> None:
    ch = await channel(store)
    opened, pending = await open_round(store, ch), await claim(store, ch)
    await store.rounds.reschedule_reveal(opened.id, T0 + 5 * HOUR)
    await store.rounds.reschedule_reveal(pending.id, T0 + 5 * HOUR)
    assert (await store.rounds.get(opened.id)) == replace(opened, reveal_at=T0 + 5 * HOUR)
    assert (await store.rounds.get(pending.id)) == pending
    await reveal(store, opened)
    await store.rounds.reschedule_reveal(opened.id, T0 + 9 * HOUR)
    after = await store.rounds.get(opened.id)
    assert after is not None and after.reveal_at == T0 + 5 * HOUR


async def test_marking_revealed_moves_a_revealing_round_once_and_keeps_its_reveal_time(store: QuizStore) -> None:
    ch = await channel(store)
    round_, earlier = await open_round(store, ch), await open_round(store, ch)
    assert not await store.rounds.mark_revealed(round_.id, T0 + 3 * HOUR)  # still open
    await reveal(store, round_, at=T0 + 2 * HOUR)
    assert await store.rounds.latest_revealed(ch.ref) is None  # revealing is not revealed yet
    marks = await asyncio.gather(*(store.rounds.mark_revealed(round_.id, T0 + 3 * HOUR) for _ in range(3)))
    assert sorted(marks) == [False, False, True]
    done = await store.rounds.get(round_.id)
    assert done is not None and (done.state, done.revealed_at) == (RoundState.REVEALED, T0 + 2 * HOUR)
    assert await store.rounds.latest_revealed(ch.ref) == done
    await reveal(store, earlier, at=T0 + HOUR)  # a newer round, revealed at an earlier time
    assert await store.rounds.mark_revealed(earlier.id, T0 + 4 * HOUR)
    assert await store.rounds.latest_revealed(ch.ref) == done


async def test_questions_asked_leave_out_cancelled_rounds(store: QuizStore) -> None:
    ch = await channel(store)
    await open_round(store, ch, question="q1", cycle=0)
    await store.rounds.cancel((await claim(store, ch, question="q2", cycle=0)).id)
    third = await claim(store, ch, question="q3", cycle=1)
    fourth = await open_round(store, ch, question="q1", cycle=1)
    assert await store.rounds.asked_in_cycle(ch.ref, 0) == {(DECK, "q1")}
    assert await store.rounds.asked_in_cycle(ch.ref, 1) == {(DECK, "q1"), (DECK, "q3")}
    assert await store.rounds.last_asked(ch.ref) == {(DECK, "q1"): fourth.id, (DECK, "q3"): third.id}


async def test_a_new_cycle_starts_once_for_callers_expecting_the_same_cycle(store: QuizStore) -> None:
    ch = await channel(store)
    assert await store.rounds.channel_cycle(ch.ref) == 0
    moved = await asyncio.gather(*(store.rounds.start_new_cycle(ch.ref, 0) for _ in range(5)))
    assert moved == [1] * 5
    assert await store.rounds.start_new_cycle(ch.ref, 0) == 1  # a stale expectation moves nothing
    assert await store.rounds.start_new_cycle(ch.ref, 1) == 2
    assert await store.rounds.channel_cycle(ch.ref) == 2


# -- rounds: work in progress and its heartbeat -------------------------------------------------------------------

MINUTE = dt.timedelta(minutes=1)


async def test_a_pending_round_is_taken_over_once_and_only_when_its_heartbeat_is_stale(store: QuizStore) -> None:
    pending = await claim(store, await channel(store), opened_at=T0)
    rounds = store.rounds
    assert not await rounds.take_over(pending.id, RoundState.PENDING, T0 + MINUTE, T0 - MINUTE, "b")  # claimed at T0
    assert not await rounds.take_over(pending.id, RoundState.REVEALING, T0 + MINUTE, T0, "b")  # not in that state
    takes = await asyncio.gather(
        *(rounds.take_over(pending.id, RoundState.PENDING, T0 + MINUTE, T0, f"w{i}") for i in range(5))
    )
    assert sorted(takes) == [False] * 4 + [True]
    assert not await rounds.take_over(pending.id, RoundState.PENDING, T0 + 2 * MINUTE, T0, "c")  # fresh again
    assert await rounds.take_over(pending.id, RoundState.PENDING, T0 + 2 * MINUTE, T0 + MINUTE, "c")
    assert await rounds.get(pending.id) == pending  # the heartbeat is not part of the round


async def test_a_revealing_round_carries_the_heartbeat_its_reveal_set(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    assert not await store.rounds.take_over(round_.id, RoundState.PENDING, T0 + HOUR, T0 + HOUR, "b")  # open now
    await reveal(store, round_, at=T0 + 2 * HOUR)
    assert not await store.rounds.take_over(round_.id, RoundState.REVEALING, T0 + 3 * HOUR, T0 + HOUR, "b")
    assert await store.rounds.take_over(round_.id, RoundState.REVEALING, T0 + 3 * HOUR, T0 + 2 * HOUR, "b")
    assert await store.rounds.mark_revealed(round_.id, T0 + 3 * HOUR)
    assert not await store.rounds.take_over(round_.id, RoundState.REVEALING, T0 + 4 * HOUR, T0 + 4 * HOUR, "c")


async def test_keep_alive_renews_only_rounds_in_progress(store: QuizStore) -> None:
    ch = await channel(store)
    pending = await claim(store, ch, opened_at=T0)
    opened = await open_round(store, ch, opened_at=T0, reveal_at=T0 + DAY)
    await store.rounds.keep_alive([pending.id, opened.id, opened.id + 1000], T0 + HOUR, "a")
    await store.rounds.keep_alive([], T0 + 2 * HOUR, "a")
    assert await store.rounds.stalled(T0 + 30 * MINUTE) == []
    assert [r.id for r in await store.rounds.stalled(T0 + HOUR)] == [pending.id]
    assert await store.rounds.get(opened.id) == opened


async def test_stalled_lists_abandoned_work_and_overdue_open_rounds_by_reveal_time(store: QuizStore) -> None:
    ch = await channel(store)
    revealing = await open_round(store, ch, opened_at=T0, reveal_at=T0 + HOUR)
    await reveal(store, revealing, at=T0 + HOUR)
    late_open = await open_round(store, ch, opened_at=T0, reveal_at=T0 + 2 * HOUR)
    pending = await claim(store, ch, opened_at=T0 + MINUTE, reveal_at=T0 + 3 * HOUR)
    await open_round(store, ch, opened_at=T0, reveal_at=T0 + DAY)  # not due yet
    done = await open_round(store, ch, opened_at=T0, reveal_at=T0 + MINUTE)
    await reveal(store, done, at=T0 + MINUTE)
    assert await store.rounds.mark_revealed(done.id, T0 + MINUTE)
    cancelled = await claim(store, ch, opened_at=T0)
    assert await store.rounds.cancel(cancelled.id)
    assert await store.rounds.stalled(T0) == []
    assert [r.id for r in await store.rounds.stalled(T0 + MINUTE)] == [pending.id]
    stalled = await store.rounds.stalled(T0 + 2 * HOUR)
    assert [(r.id, r.state) for r in stalled] == [
        (revealing.id, RoundState.REVEALING),
        (late_open.id, RoundState.OPEN),
        (pending.id, RoundState.PENDING),
    ]


async def test_a_round_taken_over_is_no_longer_the_work_of_whoever_had_it(store: QuizStore) -> None:
    ch = await channel(store)
    pending = await claim(store, ch, opened_at=T0)
    rounds = store.rounds
    assert await rounds.still_working(pending.id, "a", T0 + MINUTE)  # the claimer, with no worker named
    assert not await rounds.take_over(pending.id, RoundState.PENDING, T0 + 3 * MINUTE, T0, "b")  # beat at T0 + 1
    assert await rounds.take_over(pending.id, RoundState.PENDING, T0 + 3 * MINUTE, T0 + MINUTE, "b")
    assert not await rounds.still_working(pending.id, "a", T0 + 4 * MINUTE)
    await rounds.keep_alive([pending.id], T0 + 10 * MINUTE, "a")  # not a's to keep alive any more
    assert [r.id for r in await rounds.stalled(T0 + 3 * MINUTE)] == [pending.id]
    assert await rounds.still_working(pending.id, "b", T0 + 4 * MINUTE)
    assert await rounds.stalled(T0 + 3 * MINUTE) == []
    assert await rounds.mark_posted(pending.id, "m1", "t1")
    assert not await rounds.still_working(pending.id, "b", T0 + 5 * MINUTE)  # open: nobody's work now
    await reveal(store, await rounds.get(pending.id) or pending, at=T0 + HOUR)
    assert await rounds.still_working(pending.id, "a", T0 + HOUR)  # the revealer names no worker


async def test_of_two_stores_taking_over_one_round_exactly_one_does(store: QuizStore, reopen: StoreOpener) -> None:
    pending = await claim(store, await channel(store), opened_at=T0)
    other = await reopen()
    takes = await asyncio.gather(
        *(s.rounds.take_over(pending.id, RoundState.PENDING, T0 + HOUR, T0 + MINUTE, "b") for s in (store, other) * 4)
    )
    assert sum(takes) == 1


async def test_every_post_attempt_is_counted(store: QuizStore) -> None:
    round_ = await claim(store, await channel(store))
    assert [await store.rounds.note_post_attempt(round_.id) for _ in range(3)] == [1, 2, 3]
    assert await store.rounds.note_post_attempt(round_.id + 1000) == 0


# -- answers --------------------------------------------------------------------------------------------------


async def test_an_answer_to_an_open_round_is_recorded(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    receipt = await answer(store, round_, "alice", "first", message_id="a1")
    assert receipt is not None
    assert receipt == AnswerReceipt(receipt.answer_id, round_.id, "recorded", late=False, private=False)
    assert await store.answers.for_round(round_.id) == [
        AnswerRecord(receipt.answer_id, Member("alice", "Alice"), "first", False, False, 0, "a1")
    ]
    assert await store.answers.history(receipt.answer_id) == [("create", "first")]
    assert await store.results.member_name(GUILD, "alice") == "Alice"


async def test_rounds_that_are_not_open_or_revealed_take_no_answers(store: QuizStore) -> None:
    ch = await channel(store)
    pending = await claim(store, ch)
    cancelled = await open_round(store, ch)
    await store.rounds.cancel(cancelled.id)
    unknown = replace(pending, id=pending.id + 1000)
    for round_ in (pending, cancelled, unknown):
        assert await answer(store, round_, "alice", "hello") is None
        assert await store.answers.member_ids(round_.id) == set()


async def test_a_members_later_answer_replaces_the_earlier_one(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    first = await answer(store, round_, "alice", "one", message_id="a1")
    second = await answer(store, round_, "alice", "two", message_id="a2")
    assert first is not None and second is not None
    assert (second.answer_id, second.status, second.late) == (first.answer_id, "replaced", False)
    (stored,) = await store.answers.for_round(round_.id)
    assert (stored.answer_id, stored.text, stored.message_id) == (first.answer_id, "two", "a2")
    assert await store.answers.message_ids(round_.id) == {"a2"}
    assert await store.answers.history(first.answer_id) == [("create", "one"), ("edit", "two")]


async def test_the_same_message_delivered_twice_changes_nothing(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    first = await answer(store, round_, "alice", "one", message_id="a1")
    again = await answer(store, round_, "alice", "one", message_id="a1")
    assert first is not None and again is not None
    assert (again.answer_id, again.status) == (first.answer_id, "unchanged")
    assert await store.answers.history(first.answer_id) == [("create", "one")]


async def test_concurrent_answers_of_one_member_leave_one_answer(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    texts = [f"text {i}" for i in range(8)]
    receipts = await asyncio.gather(
        *(answer(store, round_, "alice", t, message_id=f"a{i}") for i, t in enumerate(texts))
    )
    assert len({r.answer_id for r in receipts if r}) == 1
    assert sorted(r.status for r in receipts if r) == ["recorded"] + ["replaced"] * 7
    (stored,) = await store.answers.for_round(round_.id)
    assert stored.text in texts
    assert len(await store.answers.history(stored.answer_id)) == 8


async def test_an_answer_after_the_reveal_is_kept_as_late_and_never_scored(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    on_time = await answer(store, round_, "alice", "20")
    outcome = await reveal(store, round_)
    bob = await answer(store, round_, "bob", "30")
    alice_late = await answer(store, round_, "alice", "40", message_id="alice-late")
    again = await answer(store, round_, "alice", "50", message_id="alice-later")
    assert on_time is not None and bob is not None and alice_late is not None and again is not None
    assert (bob.status, bob.late) == ("late", True)
    assert alice_late.late and alice_late.answer_id != on_time.answer_id
    assert (again.answer_id, again.status) == (alice_late.answer_id, "late")
    assert [(a.member.member_id, a.text, a.late) for a in await store.answers.for_round(round_.id)] == [
        ("alice", "20", False),
        ("bob", "30", True),
        ("alice", "50", True),
    ]
    assert await store.results.outcome(round_.id) == outcome
    assert await board(store) == [(1, "alice", 20)]
    assert await store.answers.member_ids(round_.id) == {"alice", "bob"}
    assert await store.answers.message_ids(round_.id) == {f"alice-{round_.id}", f"bob-{round_.id}", "alice-later"}


async def test_an_answer_racing_the_reveal_is_either_scored_or_late_never_lost(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    members = [f"m{i:02d}" for i in range(30)]
    early = [answer(store, round_, m, "10") for m in members[:15]]
    racing = [answer(store, round_, m, "10") for m in members[15:]]
    done = await asyncio.gather(*early, try_reveal(store, round_), *racing)
    outcome = done.pop(len(early))
    assert isinstance(outcome, RevealOutcome)
    scored = {r.member.member_id for r in outcome.results}
    answered = [r for r in done if isinstance(r, AnswerReceipt)]
    assert len(answered) == len(members)
    assert {m for m, r in zip(members, answered, strict=True) if not r.late} == scored
    assert len(await store.answers.for_round(round_.id)) == len(members)


async def test_an_edit_replaces_the_text_while_the_round_is_open(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    first = await answer(store, round_, "alice", "one", message_id="a1")
    edited = await store.answers.edit(round_.id, "a1", "two", T0 + HOUR)
    assert first is not None and edited is not None
    assert (edited.answer_id, edited.status) == (first.answer_id, "replaced")
    assert [a.text for a in await store.answers.for_round(round_.id)] == ["two"]
    assert await store.answers.history(first.answer_id) == [("create", "one"), ("edit", "two")]
    assert await store.answers.edit(round_.id, "unknown", "three", T0) is None


async def test_after_the_reveal_an_edit_or_deletion_leaves_the_scored_answer_as_it_was(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    first = await answer(store, round_, "alice", "20", message_id="a1")
    outcome = await reveal(store, round_)
    edited = await store.answers.edit(round_.id, "a1", "99", T0 + 3 * HOUR)
    withdrawn = await store.answers.withdraw(round_.id, "a1", T0 + 3 * HOUR)
    assert first is not None and edited is not None and withdrawn is not None
    assert (edited.status, withdrawn.status) == ("kept", "kept")
    assert [(a.member.member_id, a.text) for a in await store.answers.for_round(round_.id)] == [("alice", "20")]
    stored = await store.results.outcome(round_.id)
    assert stored is not None and stored.results == outcome.results
    assert await store.answers.history(first.answer_id) == [("create", "20"), ("edit", "99"), ("withdraw", "20")]


async def test_a_withdrawn_answer_is_neither_listed_nor_scored_but_its_message_is_known(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    await answer(store, round_, "alice", "20", message_id="a1")
    await answer(store, round_, "bob", "20", message_id="b1")
    withdrawn = await store.answers.withdraw(round_.id, "a1", T0)
    assert withdrawn is not None and withdrawn.status == "withdrawn"
    assert [a.member.member_id for a in await store.answers.for_round(round_.id)] == ["bob"]
    assert await store.answers.message_ids(round_.id) == {"a1", "b1"}
    assert await store.answers.member_ids(round_.id) == {"alice", "bob"}
    assert await store.answers.withdraw(round_.id, "unknown", T0) is None
    scorer = Scorer()
    await reveal(store, round_, scorer)
    assert [a.member.member_id for a in scorer.calls[0].answers] == ["bob"]


async def test_answering_again_brings_a_withdrawn_answer_back(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    first = await answer(store, round_, "alice", "one", message_id="a1")
    await store.answers.withdraw(round_.id, "a1", T0)
    back = await answer(store, round_, "alice", "two", message_id="a2")
    assert first is not None and back is not None and back.answer_id == first.answer_id
    assert [(a.text, a.message_id) for a in await store.answers.for_round(round_.id)] == [("two", "a2")]


async def test_private_answers_are_listed_without_a_message(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    receipt = await answer(store, round_, "alice", "secret", private=True)
    assert receipt is not None and (receipt.status, receipt.private) == ("recorded", True)
    (stored,) = await store.answers.for_round(round_.id)
    assert (stored.private, stored.message_id) == (True, None)
    assert await store.answers.member_ids(round_.id) == {"alice"}
    assert await store.answers.message_ids(round_.id) == set()


# -- votes ----------------------------------------------------------------------------------------------------


async def vote(store: QuizStore, round_: Round, message_id: str, voter: str, *, add: bool = True) -> VoteResult:
    return await store.answers.vote(
        round_id=round_.id, message_id=message_id, voter_id=voter, add=add, now=T0, points_for=lambda n: 2 * n
    )


async def votes_of(store: QuizStore, round_: Round) -> dict[str, int]:
    return {a.member.member_id: a.votes for a in await store.answers.for_round(round_.id)}


async def test_a_vote_counts_once_per_voter_and_can_be_taken_back(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    await answer(store, round_, "alice", "hello", message_id="a1")
    assert await vote(store, round_, "a1", "bob") == VoteResult(True, "counted")
    assert await vote(store, round_, "a1", "bob") == VoteResult(False, "duplicate")
    assert await vote(store, round_, "a1", "carol") == VoteResult(True, "counted")
    assert await votes_of(store, round_) == {"alice": 2}
    assert await vote(store, round_, "a1", "bob", add=False) == VoteResult(True, "removed")
    assert await vote(store, round_, "a1", "bob", add=False) == VoteResult(False, "no-vote")
    assert await votes_of(store, round_) == {"alice": 1}
    concurrent = await asyncio.gather(*(vote(store, round_, "a1", "dave") for _ in range(6)))
    assert sorted(r.reason for r in concurrent) == ["counted"] + ["duplicate"] * 5
    assert await votes_of(store, round_) == {"alice": 2}


async def test_votes_for_oneself_or_for_no_answer_are_refused(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    await answer(store, round_, "alice", "hello", message_id="a1")
    await answer(store, round_, "bob", "hi", message_id="b1")
    await store.answers.withdraw(round_.id, "b1", T0)
    assert await vote(store, round_, "a1", "alice") == VoteResult(False, "self")
    assert await vote(store, round_, "b1", "alice") == VoteResult(False, "no-answer")
    assert await vote(store, round_, "nothing", "alice") == VoteResult(False, "no-answer")
    assert await votes_of(store, round_) == {"alice": 0}


async def test_a_vote_after_the_reveal_moves_the_members_points_in_every_period(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    await answer(store, round_, "alice", "20", message_id="a1")
    await answer(store, round_, "bob", "20", message_id="b1")
    calls: list[int] = []

    def five_each(votes: int) -> int:
        calls.append(votes)
        return 5 * votes

    async def vote_bob(voter: str, add: bool = True) -> VoteResult:
        return await store.answers.vote(
            round_id=round_.id, message_id="b1", voter_id=voter, add=add, now=T0, points_for=five_each
        )

    assert (await vote_bob("carol")).counted
    assert calls == []  # before the reveal, votes are scored by the reveal itself
    await reveal(store, round_)
    assert await board(store) == [(1, "bob", 22), (2, "alice", 20)]
    assert (await vote_bob("dave")).counted
    assert calls == [2]
    for period in (ALL_TIME, WEEK, MONTH):
        assert await board(store, period) == [(1, "bob", 30), (2, "alice", 20)]
    outcome = await store.results.outcome(round_.id)
    assert outcome is not None and [r.vote_points for r in outcome.results] == [0, 10]
    assert (await vote_bob("dave", add=False)).counted
    assert await points_of(store, "bob") == 25


# -- results: the reveal --------------------------------------------------------------------------------------


async def test_reveal_scores_the_on_time_answers_in_one_step_that_closes_the_round(store: QuizStore) -> None:
    ch = await channel(store, timezone="America/New_York")
    round_ = await open_round(store, ch)
    await answer(store, round_, "alice", "20", message_id="a1", at=T0)
    await answer(store, round_, "carol", "15", at=T0 + HOUR)
    await vote(store, round_, "a1", "bob")
    scorer, periods = Scorer(), PeriodKeys()
    outcome = await reveal(store, round_, scorer, at=T0 + 2 * HOUR, periods=periods, category="training")
    (inputs,) = scorer.calls
    assert (inputs.round.id, inputs.round.state) == (round_.id, RoundState.REVEALING)
    assert (inputs.category, inputs.timezone, inputs.previous_daily_round_id) == ("training", "America/New_York", None)
    assert [(a.member.member_id, a.text, a.votes, a.late) for a in inputs.answers] == [
        ("alice", "20", 1, False),
        ("carol", "15", 0, False),
    ]
    assert periods.calls == [(round_.opened_at, "America/New_York")]
    assert (outcome.round.id, outcome.round.state, outcome.round.revealed_at) == (
        round_.id,
        RoundState.REVEALING,
        T0 + 2 * HOUR,
    )
    assert [(r.member, r.answer_text, r.total, r.late) for r in outcome.results] == [
        (Member("alice", "Alice"), "20", 22, False),
        (Member("carol", "Carol"), "15", 15, False),
    ]
    assert await store.rounds.get(round_.id) == outcome.round


async def test_of_concurrent_reveals_through_two_stores_exactly_one_scores_the_round(
    store: QuizStore, reopen: StoreOpener
) -> None:
    round_ = await open_round(store, await channel(store))
    await answer(store, round_, "alice", "20")
    other = await reopen()
    scorers = [Scorer() for _ in range(6)]
    outcomes = await asyncio.gather(
        *(try_reveal(s, round_, sc) for s, sc in zip((store, other) * 3, scorers, strict=True))
    )
    assert sum(o is not None for o in outcomes) == 1
    assert sum(len(s.calls) for s in scorers) == 1
    assert await board(store) == [(1, "alice", 20)]
    row = await store.results.standing(GUILD, ALL_TIME, "alice")
    assert row is not None and row.answers == 1


async def test_a_round_that_is_not_open_is_not_revealed_nor_scored(store: QuizStore) -> None:
    ch = await channel(store)
    pending, cancelled, revealed = await claim(store, ch), await open_round(store, ch), await open_round(store, ch)
    await store.rounds.cancel(cancelled.id)
    await answer(store, revealed, "alice", "20")
    await reveal(store, revealed)
    scorer = Scorer()
    for round_ in (pending, cancelled, revealed, replace(pending, id=pending.id + 1000)):
        assert await try_reveal(store, round_, scorer) is None
    assert scorer.calls == []
    assert await board(store) == [(1, "alice", 20)]


async def test_a_failing_scorer_leaves_the_round_open_and_nothing_scored(store: QuizStore) -> None:
    ch = await channel(store)
    round_ = await open_round(store, ch)
    await answer(store, round_, "alice", "20")
    with pytest.raises(ScorerFailed):
        await try_reveal(store, round_, Scorer(fail=True))
    assert await store.rounds.get(round_.id) == round_
    assert await store.results.member_count(GUILD, ALL_TIME) == 0
    stored = await store.results.outcome(round_.id)
    assert stored is not None and stored.results == ()
    assert await try_reveal(store, round_) is not None


async def test_the_stored_outcome_is_what_the_reveal_fixed(store: QuizStore) -> None:
    ch = await channel(store)
    round_ = await open_round(store, ch)
    await answer(store, round_, "alice", "20")
    await answer(store, round_, "bob", "secret", private=True)
    outcome = await reveal(store, round_)
    stored = await store.results.outcome(round_.id)
    assert stored is not None
    assert stored.results == outcome.results
    assert [r.private for r in stored.results] == [False, True]
    assert stored.results[0].misconceptions == (MisconceptionNote("a wrong claim", "what is right"),)
    assert stored.round == await store.rounds.get(round_.id)
    assert await store.results.outcome(round_.id + 1000) is None
    never = await store.results.outcome((await open_round(store, ch)).id)
    assert never is not None and never.results == ()


# -- results: leaderboards and statistics ---------------------------------------------------------------------


async def scored_round(
    store: QuizStore, points: dict[str, int], ch: ChannelSettings | None = None, **kw: Unpack[RevealArgs]
) -> Round:
    round_ = await open_round(store, ch or await channel(store))
    for member_id, value in points.items():
        await answer(store, round_, member_id, str(value))
    await reveal(store, round_, **kw)
    return round_


async def test_the_leaderboard_ranks_equal_points_together(store: QuizStore) -> None:
    # Answer order differs from member id order: ties are listed by member id, whatever the answer order.
    await scored_round(store, {"m6": 14, "m2": 20, "m5": 16, "m1": 20, "m4": 16, "m3": 18})
    expected = [(1, "m1", 20), (1, "m2", 20), (3, "m3", 18), (4, "m4", 16), (4, "m5", 16), (6, "m6", 14)]
    for period in (ALL_TIME, WEEK, MONTH):
        assert await board(store, period) == expected
    top4 = await store.results.top(GUILD, ALL_TIME, 4)
    assert [(r.rank, r.member, r.points, r.answers) for r in top4] == [
        (rank, Member(m, m.title()), p, 1) for rank, m, p in expected[:4]
    ]


async def test_a_members_standing_is_one_more_than_the_members_with_more_points(store: QuizStore) -> None:
    points = {"a": 700, "b": 300, "c": 300, "d": 256, "e": 255, "f": 255, "g": 5, "h": 0}
    await scored_round(store, points)
    listed = {member: rank for rank, member, _ in await board(store)}
    assert listed == {"a": 1, "b": 2, "c": 2, "d": 4, "e": 5, "f": 5, "g": 7, "h": 8}
    for member_id, value in points.items():
        row = await store.results.standing(GUILD, ALL_TIME, member_id)
        assert row is not None
        assert (row.rank, row.member, row.points, row.answers) == (
            listed[member_id],
            Member(member_id, member_id.title()),
            value,
            1,
        )
    assert await store.results.standing(GUILD, ALL_TIME, "stranger") is None
    assert await store.results.standing(GUILD, "W1999-01-04", "a") is None
    assert await store.results.member_count(GUILD, ALL_TIME) == len(points)
    assert await store.results.member_count(GUILD, "W1999-01-04") == 0


async def test_points_add_up_over_rounds_per_period_and_per_guild(store: QuizStore) -> None:
    ch = await channel(store)
    await scored_round(store, {"alice": 20, "bob": 5}, ch, periods=PeriodKeys("W1", "M1"))
    await scored_round(store, {"alice": 15}, ch, periods=PeriodKeys("W2", "M1"))
    other = await channel(store, ChannelKey("fake", "guild-2", "channel-9"))
    await scored_round(store, {"alice": 7}, other, periods=PeriodKeys("W2", "M1"))
    assert await board(store) == [(1, "alice", 35), (2, "bob", 5)]
    assert await board(store, "W1") == [(1, "alice", 20), (2, "bob", 5)]
    assert await board(store, "W2") == [(1, "alice", 15)]
    assert await board(store, "M1") == [(1, "alice", 35), (2, "bob", 5)]
    assert await board(store, ALL_TIME, GuildKey("fake", "guild-2")) == [(1, "alice", 7)]
    row = await store.results.standing(GUILD, ALL_TIME, "alice")
    assert row is not None and row.answers == 2


async def test_consecutive_daily_rounds_carry_streaks_into_the_next_reveal(store: QuizStore) -> None:
    ch = await channel(store)
    first, second, third = [await open_round(store, ch, slot=T0 + day * DAY) for day in range(3)]
    scorers = [Scorer() for _ in range(4)]
    await answer(store, first, "alice", "10")
    await answer(store, first, "bob", "10")
    await reveal(store, first, scorers[0])
    await answer(store, second, "alice", "10")
    await reveal(store, second, scorers[1])
    await answer(store, third, "alice", "10")
    await answer(store, third, "bob", "10")
    await reveal(store, third, scorers[2])
    extra = await open_round(store, ch)  # on demand: no streak
    await answer(store, extra, "bob", "10")
    await reveal(store, extra, scorers[3])

    assert (scorers[0].calls[0].previous_daily_round_id, scorers[0].calls[0].streaks) == (None, {})
    assert scorers[1].calls[0].previous_daily_round_id == first.id
    assert scorers[1].calls[0].streaks == {"alice": StreakState(1, 1, first.id)}
    assert scorers[2].calls[0].streaks == {
        "alice": StreakState(2, 2, second.id),
        "bob": StreakState(1, 1, first.id),
    }
    assert scorers[3].calls[0].previous_daily_round_id is None
    third_outcome = await store.results.outcome(third.id)
    assert third_outcome is not None
    assert {r.member.member_id: r.streak for r in third_outcome.results} == {"alice": 3, "bob": 1}
    assert await store.results.streaks(GUILD, "alice") == (3, 3)
    assert await store.results.streaks(GUILD, "bob") == (1, 1)


async def test_a_missed_daily_round_ends_the_current_streak_but_not_the_best(store: QuizStore) -> None:
    ch = await channel(store)
    days = (["alice", "bob"], ["alice", "bob"], ["bob"], ["alice", "bob"])
    for day, members in enumerate(days):
        round_ = await open_round(store, ch, slot=T0 + day * DAY)
        for member_id in members:
            await answer(store, round_, member_id, "10")
        await reveal(store, round_)
        if day == 2:
            assert await store.results.streaks(GUILD, "alice") == (0, 2)
    assert await store.results.streaks(GUILD, "alice") == (1, 2)  # a new streak; the best is kept
    assert await store.results.streaks(GUILD, "bob") == (4, 4)
    assert await store.results.streaks(GUILD, "nobody") == (0, 0)


async def test_member_statistics_come_from_the_stored_results(store: QuizStore) -> None:
    ch = await channel(store)
    await scored_round(store, {"alice": 20}, ch, category="training")
    await scored_round(store, {"alice": 40}, ch, category="basics")
    await scored_round(store, {"alice": 60}, ch, category="basics")
    assert await store.results.coverage_by_category(GUILD, "alice") == [
        CategoryCoverage("basics", 2, pytest.approx(0.5)),  # type: ignore[arg-type]
        CategoryCoverage("training", 1, pytest.approx(0.2)),  # type: ignore[arg-type]
    ]
    assert await store.results.coverage_by_category(GUILD, "nobody") == []
    assert await store.results.member_name(GUILD, "alice") == "Alice"
    assert await store.results.member_name(GUILD, "nobody") is None


# -- disputes -------------------------------------------------------------------------------------------------


async def test_a_dispute_of_a_missed_or_contradicted_concept_opens_once(store: QuizStore) -> None:
    round_ = await revealed_answer(store)
    outcome, dispute = await store.disputes.open(round_.id, "alice", "alpha", T0 + DAY)
    assert outcome is OpenOutcome.OPENED and dispute is not None
    assert dispute == Dispute(dispute.id, round_.id, Member("alice", "Alice"), "alpha", DisputeState.OPEN, "20", 0)
    assert await store.disputes.get(dispute.id) == dispute
    assert await store.disputes.open(round_.id, "alice", "alpha", T0 + DAY) == (OpenOutcome.EXISTS, dispute)
    concurrent = await asyncio.gather(*(store.disputes.open(round_.id, "alice", "delta", T0) for _ in range(5)))
    assert sorted(o for o, _ in concurrent) == [OpenOutcome.EXISTS] * 4 + [OpenOutcome.OPENED]
    assert len({d.id for _, d in concurrent if d}) == 1
    contradicted = next(d for _, d in concurrent if d is not None)
    assert await store.disputes.for_round(round_.id) == [dispute, contradicted]
    assert await store.disputes.for_round(round_.id, DisputeState.ACCEPTED) == []
    assert await store.disputes.get(contradicted.id + 1000) is None


async def test_a_credited_concept_or_an_unscored_answer_cannot_be_disputed(store: QuizStore) -> None:
    ch = await channel(store)
    round_ = await revealed_answer(store, ch)
    assert await store.disputes.open(round_.id, "alice", "gamma", T0) == (OpenOutcome.NOT_DISPUTABLE, None)
    assert await store.disputes.open(round_.id, "alice", "unheard-of", T0) == (OpenOutcome.NOT_DISPUTABLE, None)
    assert await store.disputes.open(round_.id, "bob", "alpha", T0) == (OpenOutcome.NO_RESULT, None)
    still_open = await open_round(store, ch)
    await answer(store, still_open, "alice", "20")
    assert await store.disputes.open(still_open.id, "alice", "alpha", T0) == (OpenOutcome.NO_RESULT, None)
    assert await store.disputes.for_round(round_.id) == []


async def test_accepting_a_dispute_rescores_the_answer_and_moves_the_totals_once(store: QuizStore) -> None:
    round_ = await revealed_answer(store)
    dispute = await open_dispute(store, round_, "alpha")
    rescore = Rescorer(coverage_points=7)
    decided = await decide(store, dispute, rescore)
    assert decided == replace(dispute, state=DisputeState.ACCEPTED, points_delta=7)
    assert rescore.calls == [("20", frozenset({"alpha"}))]
    for period in (ALL_TIME, WEEK, MONTH):
        assert await points_of(store, "alice", period) == 27
    outcome = await store.results.outcome(round_.id)
    assert outcome is not None
    (result,) = outcome.results
    assert (result.covered, result.missed, result.coverage, result.coverage_points, result.total) == (
        ("gamma", "alpha"),
        ("beta",),
        1.0,
        7,
        27,
    )
    assert await store.disputes.accepted_with(dispute.id) == {"alpha"}
    assert await decide(store, dispute, rescore) is None
    assert await decide(store, dispute, rescore, accept=False) is None
    assert len(rescore.calls) == 1
    assert await points_of(store, "alice") == 27


async def test_of_concurrent_decisions_exactly_one_takes_effect(store: QuizStore) -> None:
    round_ = await revealed_answer(store)
    dispute = await open_dispute(store, round_, "alpha")
    rescorers = [Rescorer(coverage_points=7) for _ in range(5)]
    decided = await asyncio.gather(*(decide(store, dispute, r, admin=f"a{i}") for i, r in enumerate(rescorers)))
    assert sum(d is not None for d in decided) == 1
    assert sum(len(r.calls) for r in rescorers) == 1
    assert await points_of(store, "alice") == 27


async def test_a_second_accepted_concept_rescores_with_both_and_adds_only_the_difference(store: QuizStore) -> None:
    round_ = await revealed_answer(store)
    first = await open_dispute(store, round_, "alpha")
    second = await open_dispute(store, round_, "delta")
    await decide(store, first, Rescorer(coverage_points=7))
    rescore = Rescorer(coverage_points=12)
    decided = await decide(store, second, rescore)
    assert decided is not None and decided.points_delta == 5
    assert rescore.calls == [("20", frozenset({"alpha", "delta"}))]
    assert await points_of(store, "alice") == 32
    assert await store.disputes.accepted_with(first.id) == {"alpha", "delta"}


async def test_rejecting_a_dispute_changes_no_score_and_it_is_not_opened_again(store: QuizStore) -> None:
    round_ = await revealed_answer(store)
    before = await store.results.outcome(round_.id)
    dispute = await open_dispute(store, round_, "alpha")
    rescore = Rescorer(coverage_points=7)
    rejected = await decide(store, dispute, rescore, accept=False)
    assert rejected == replace(dispute, state=DisputeState.REJECTED)
    assert rescore.calls == []
    assert await store.results.outcome(round_.id) == before
    assert await points_of(store, "alice") == 20
    assert await store.disputes.open(round_.id, "alice", "alpha", T0) == (OpenOutcome.EXISTS, rejected)


async def test_a_failing_rescorer_leaves_the_dispute_open_and_the_scores_as_they_were(store: QuizStore) -> None:
    round_ = await revealed_answer(store)
    before = await store.results.outcome(round_.id)
    dispute = await open_dispute(store, round_, "alpha")
    with pytest.raises(ScorerFailed):
        await decide(store, dispute, Rescorer(coverage_points=7, fail=True))
    assert await store.disputes.get(dispute.id) == dispute
    assert await store.results.outcome(round_.id) == before
    assert await points_of(store, "alice") == 20
    assert await decide(store, dispute, Rescorer(coverage_points=7)) is not None


async def test_open_disputes_are_listed_per_channel_and_accepted_wordings_kept(store: QuizStore) -> None:
    here = await channel(store)
    there = await channel(store, replace(KEY, channel_id="channel-2"))
    round_here = await revealed_answer(store, here, text="21")
    round_there = await revealed_answer(store, there, text="22")
    alpha, beta = await open_dispute(store, round_here, "alpha"), await open_dispute(store, round_here, "beta")
    elsewhere = await open_dispute(store, round_there, "alpha")
    assert await store.disputes.open_in_channel(here.ref) == [alpha, beta]
    await decide(store, alpha, Rescorer(coverage_points=3))
    assert await store.disputes.open_in_channel(here.ref) == [beta]
    assert await store.disputes.open_in_channel(there.ref) == [elsewhere]
    assert await store.disputes.accepted_wordings() == [AcceptedWording(DECK, "q1", "alpha", "21")]


# -- event claims ---------------------------------------------------------------------------------------------


async def test_an_event_is_claimed_by_its_first_claimer_only(store: QuizStore) -> None:
    claims = store.event_claims
    assert await claims.claim("slack", "Ev01", T0)
    assert not await claims.claim("slack", "Ev01", T0 + HOUR)
    assert await claims.claim("slack", "Ev02", T0)  # another event
    assert await claims.claim("discord", "Ev01", T0)  # the same id on another platform


async def test_of_concurrent_claims_of_one_event_through_two_stores_exactly_one_wins(
    store: QuizStore, reopen: StoreOpener
) -> None:
    other = await reopen()
    keys = [f"Ev{i % 3}" for i in range(12)]  # each event claimed twice through each store
    won = await asyncio.gather(
        *((store, other)[i % 2].event_claims.claim("slack", key, T0) for i, key in enumerate(keys))
    )
    assert sorted(key for key, first in zip(keys, won, strict=True) if first) == ["Ev0", "Ev1", "Ev2"]


async def test_pruning_removes_only_claims_older_than_the_cutoff(store: QuizStore) -> None:
    claims = store.event_claims
    assert await claims.claim("slack", "old", T0)
    assert await claims.claim("discord", "old", T0 + HOUR)
    assert await claims.claim("slack", "recent", T0 + DAY)

    assert await claims.prune(T0 + DAY) == 2
    assert await claims.prune(T0 + DAY) == 0
    assert await claims.claim("slack", "old", T0 + DAY)  # forgotten: claimable again
    assert await claims.claim("discord", "old", T0 + DAY)
    assert not await claims.claim("slack", "recent", T0 + DAY)  # claimed at the cutoff itself: kept


async def test_a_claim_outlives_the_store_that_took_it(store: QuizStore, reopen: StoreOpener) -> None:
    assert await store.event_claims.claim("slack", "Ev01", T0)
    await store.close()
    assert not await (await reopen()).event_claims.claim("slack", "Ev01", T0)


# -- answer judgements ----------------------------------------------------------------------------------------


def judgement(score: float, *covered: str) -> Judgement:
    return Judgement(
        score=score,
        covered=covered,
        named=(),
        contradicted=(),
        missed=("omega",),
        misconceptions=(MisconceptionNote("wrong", "right"),),
        total=len(covered) + 1,
    )


async def test_judgements_are_read_back_per_round_under_their_fingerprint_only(store: QuizStore) -> None:
    ch = await channel(store)
    first, second = await open_round(store, ch), await open_round(store, ch)
    mine = await answer(store, first, "ann", "10")
    theirs = await answer(store, second, "bob", "20")
    assert mine is not None and theirs is not None
    saved = [
        AnswerJudgement(mine.answer_id, "k10", "fp", judgement(0.5, "alpha")),
        AnswerJudgement(theirs.answer_id, "k20", "fp", judgement(1.0, "alpha", "beta")),
        AnswerJudgement(mine.answer_id, "k11", "old-fp", judgement(0.0)),
    ]
    assert await store.judgements.save(saved) == 3
    assert await store.judgements.for_round(first.id, "fp") == {"k10": judgement(0.5, "alpha")}
    assert await store.judgements.for_round(first.id, "old-fp") == {"k11": judgement(0.0)}
    assert await store.judgements.for_round(second.id, "fp") == {"k20": judgement(1.0, "alpha", "beta")}
    assert await store.judgements.for_round(second.id, "other") == {}


async def test_a_judgement_saved_again_for_the_same_text_replaces_the_first(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    receipt = await answer(store, round_, "ann", "10")
    assert receipt is not None
    await store.judgements.save([AnswerJudgement(receipt.answer_id, "k", "old", judgement(0.25))])
    await store.judgements.save([AnswerJudgement(receipt.answer_id, "k", "new", judgement(0.75, "alpha"))])
    assert await store.judgements.for_round(round_.id, "old") == {}
    assert await store.judgements.for_round(round_.id, "new") == {"k": judgement(0.75, "alpha")}


async def test_a_judgement_of_an_unknown_answer_is_skipped(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    receipt = await answer(store, round_, "ann", "10")
    assert receipt is not None
    saved = [
        AnswerJudgement(receipt.answer_id + 1000, "gone", "fp", judgement(1.0)),
        AnswerJudgement(receipt.answer_id, "k", "fp", judgement(0.5)),
    ]
    assert await store.judgements.save(saved) == 1
    assert await store.judgements.for_round(round_.id, "fp") == {"k": judgement(0.5)}


async def test_judgements_outlive_the_store_that_saved_them(store: QuizStore, reopen: StoreOpener) -> None:
    round_ = await open_round(store, await channel(store))
    receipt = await answer(store, round_, "ann", "10")
    assert receipt is not None
    await store.judgements.save([AnswerJudgement(receipt.answer_id, "k", "fp", judgement(0.5))])
    await store.close()
    assert await (await reopen()).judgements.for_round(round_.id, "fp") == {"k": judgement(0.5)}


async def test_forgetting_a_member_deletes_the_judgements_of_their_answers(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    mine, theirs = await answer(store, round_, "ann", "10"), await answer(store, round_, "bob", "20")
    assert mine is not None and theirs is not None
    await store.judgements.save(
        [
            AnswerJudgement(mine.answer_id, "k10", "fp", judgement(0.5)),
            AnswerJudgement(theirs.answer_id, "k20", "fp", judgement(1.0)),
        ]
    )
    eraser = review_store_for(store)
    assert eraser is not None
    report = await eraser.eraser.forget_member(GUILD, "ann", lambda votes: votes)
    assert report.deleted["answer_judgements"] == 1
    assert await store.judgements.for_round(round_.id, "fp") == {"k20": judgement(1.0)}


# -- durability -----------------------------------------------------------------------------------------------


async def snapshot(store: QuizStore, rounds: list[Round]) -> list[object]:
    seen: list[object] = [await store.channels.all(), await store.channels.guild_timezone(GUILD)]
    seen.append(await store.rounds.in_states(*RoundState))
    for round_ in rounds:
        seen.append(await store.answers.for_round(round_.id))
        seen.append(await store.results.outcome(round_.id))
        seen.append(await store.disputes.for_round(round_.id))
    seen.append(await store.results.top(GUILD, ALL_TIME, 10))
    seen.append(await store.results.streaks(GUILD, "alice"))
    return seen


async def test_acknowledged_writes_survive_closing_and_reopening(store: QuizStore, reopen: StoreOpener) -> None:
    ch = await channel(store)
    revealed = await open_round(store, ch, slot=T0)
    await answer(store, revealed, "alice", "20", message_id="a1")
    await answer(store, revealed, "bob", "15", message_id="b1")
    await vote(store, revealed, "a1", "bob")
    await reveal(store, revealed)
    await store.rounds.mark_revealed(revealed.id, T0 + 3 * HOUR)
    await decide(store, await open_dispute(store, revealed, "alpha"), Rescorer(coverage_points=4))
    await open_dispute(store, revealed, "beta", member_id="bob")
    still_open = await open_round(store, ch)
    await answer(store, still_open, "carol", "10", private=True)
    before = await snapshot(store, [revealed, still_open])
    await store.close()
    again = await reopen()
    assert await snapshot(again, [revealed, still_open]) == before
    assert before[0] == [ch]  # the snapshot holds what was written, not nothing
    assert await again.rounds.latest_open(ch.ref) == still_open


async def test_a_write_is_seen_by_another_store_as_soon_as_it_returns(store: QuizStore, reopen: StoreOpener) -> None:
    other = await reopen()
    ch = await channel(store)
    assert await other.channels.by_ref(ch.ref) == ch
    round_ = await open_round(other, ch)
    receipt = await answer(store, round_, "alice", "20")
    assert receipt is not None
    assert [a.answer_id for a in await other.answers.for_round(round_.id)] == [receipt.answer_id]


async def test_writes_under_way_when_the_store_closes_are_committed(store: QuizStore, reopen: StoreOpener) -> None:
    round_ = await open_round(store, await channel(store))
    writes = [asyncio.ensure_future(answer(store, round_, f"m{i:02d}", "10")) for i in range(50)]
    await asyncio.sleep(0)  # every write has started
    await store.close()
    receipts = await asyncio.gather(*writes)
    assert all(r is not None for r in receipts)
    again = await reopen()
    assert len(await again.answers.for_round(round_.id)) == 50


async def test_withdrawing_an_answer_again_is_nothing_to_withdraw(store: QuizStore) -> None:
    round_ = await open_round(store, await channel(store))
    first = await answer(store, round_, "alice", "one", message_id="a1")
    assert first is not None
    withdrawn = await store.answers.withdraw(round_.id, "a1", T0)
    assert withdrawn is not None and withdrawn.status == "withdrawn"

    assert await store.answers.withdraw(round_.id, "a1", T0) is None
    assert await store.answers.history(first.answer_id) == [("create", "one"), ("withdraw", "one")]
