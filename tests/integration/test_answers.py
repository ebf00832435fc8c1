"""Answers and votes against a real database: one answer per member, edits, withdrawals, late answers."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable

import pytest

from bot.core.clock import ManualClock
from bot.core.models import AnswerReceipt, ChannelKey, GuildKey, Member, Period, Round
from bot.core.scheduler import QuizScheduler
from bot.core.scoring import answer_points
from bot.core.service import MAX_ANSWER_CHARS, QuizService
from tests.conftest import RecordingPlatform
from tests.integration.quiz_steps import answer, answer_covering, labels, member, stored_results, total_points

pytestmark = pytest.mark.backends("sqlite", "postgresql")


@pytest.fixture
async def open_round(scheduler: QuizScheduler, platform: RecordingPlatform, channel_key: ChannelKey) -> Round:
    return await scheduler.ask(platform, channel_key)


async def reveal(scheduler: QuizScheduler, channel_key: ChannelKey) -> Round:
    revealed = await scheduler.reveal_now(channel_key)
    assert revealed is not None
    return revealed


# -- one answer per member ----------------------------------------------------------------------------------


async def test_first_answer_is_recorded(service: QuizService, open_round: Round) -> None:
    receipt = await service.record_answer(open_round, member("Alice"), "  첫 답  ", message_id="a1")
    assert receipt is not None
    assert (receipt.status, receipt.late, receipt.round_id) == ("recorded", False, open_round.id)
    (stored,) = await service.storage.answers.for_round(open_round.id)
    assert (stored.text, stored.message_id, stored.member.display_name) == ("첫 답", "a1", "Alice")


async def test_second_message_replaces_the_first_and_keeps_history(service: QuizService, open_round: Round) -> None:
    first = await service.record_answer(open_round, member("Alice"), "첫 답", message_id="a1")
    second = await service.record_answer(open_round, member("Alice"), "둘째 답", message_id="a2")
    assert first is not None and second is not None
    assert second.status == "replaced"
    assert second.answer_id == first.answer_id
    (stored,) = await service.storage.answers.for_round(open_round.id)
    assert (stored.text, stored.message_id) == ("둘째 답", "a2")
    assert await service.storage.answers.history(first.answer_id) == [("create", "첫 답"), ("edit", "둘째 답")]


async def test_the_replacing_answer_is_the_one_scored(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", answer_covering(service, open_round, 0), message_id="a1")
    await answer(service, open_round, "Alice", answer_covering(service, open_round, 99), message_id="a2")
    await reveal(scheduler, channel_key)
    assert (await stored_results(service, open_round.id))["alice"].coverage == 1.0


async def test_an_empty_answer_is_not_recorded(service: QuizService, open_round: Round) -> None:
    assert await service.record_answer(open_round, member("Alice"), "   \n ", message_id="a1") is None
    assert await service.storage.answers.for_round(open_round.id) == []


async def test_a_very_long_answer_is_cut_to_the_maximum_and_the_receipt_says_so(
    service: QuizService, open_round: Round
) -> None:
    receipt = await service.record_answer(open_round, member("Alice"), "가" * (MAX_ANSWER_CHARS + 10), message_id="a1")
    assert receipt is not None and receipt.truncated
    (stored,) = await service.storage.answers.for_round(open_round.id)
    assert len(stored.text) == MAX_ANSWER_CHARS


async def test_an_answer_at_the_limit_is_kept_whole(service: QuizService, open_round: Round) -> None:
    receipt = await service.record_answer(open_round, member("Alice"), "가" * MAX_ANSWER_CHARS, message_id="a1")
    assert receipt is not None and not receipt.truncated
    (stored,) = await service.storage.answers.for_round(open_round.id)
    assert len(stored.text) == MAX_ANSWER_CHARS


async def test_answers_to_a_skipped_round_are_refused(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    assert await scheduler.skip(channel_key) is not None
    assert await service.record_answer(open_round, member("Alice"), "답", message_id="a1") is None


# -- edits and withdrawals ------------------------------------------------------------------------------------


async def test_edit_before_the_reveal_replaces_the_answer(service: QuizService, open_round: Round) -> None:
    await answer(service, open_round, "Alice", "원래 답", message_id="a1")
    receipt = await service.edit_answer(open_round, "a1", "고친 답")
    assert receipt is not None and receipt.status == "replaced"
    (stored,) = await service.storage.answers.for_round(open_round.id)
    assert stored.text == "고친 답"


async def test_edit_after_the_reveal_keeps_the_scored_answer(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    scored_text = answer_covering(service, open_round, 1)
    await answer(service, open_round, "Alice", scored_text, message_id="a1")
    await reveal(scheduler, channel_key)
    before = await stored_results(service, open_round.id)

    receipt = await service.edit_answer(open_round, "a1", answer_covering(service, open_round, 99))
    assert receipt is not None and receipt.status == "kept"
    (stored,) = await service.storage.answers.for_round(open_round.id)
    assert stored.text == scored_text
    assert await stored_results(service, open_round.id) == before
    assert [action for action, _ in await service.storage.answers.history(receipt.answer_id)] == ["create", "edit"]


async def test_editing_to_nothing_withdraws(service: QuizService, open_round: Round) -> None:
    await answer(service, open_round, "Alice", "답", message_id="a1")
    receipt = await service.edit_answer(open_round, "a1", "  ")
    assert receipt is not None and receipt.status == "withdrawn"


async def test_deleting_the_message_withdraws_the_answer(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", answer_covering(service, open_round, 99), message_id="a1")
    await answer(service, open_round, "Bob", "답", message_id="b1")
    receipt = await service.withdraw_answer(open_round, "a1")
    assert receipt is not None and receipt.status == "withdrawn"
    await reveal(scheduler, channel_key)
    assert set(await stored_results(service, open_round.id)) == {"bob"}
    assert await service.storage.answers.history(receipt.answer_id) == [
        ("create", answer_covering(service, open_round, 99)),
        ("withdraw", answer_covering(service, open_round, 99)),
    ]


async def test_answering_again_after_withdrawing_restores_an_answer(service: QuizService, open_round: Round) -> None:
    await answer(service, open_round, "Alice", "첫 답", message_id="a1")
    await service.withdraw_answer(open_round, "a1")
    receipt = await service.record_answer(open_round, member("Alice"), "다시 쓴 답", message_id="a2")
    assert receipt is not None and receipt.status == "replaced"
    (stored,) = await service.storage.answers.for_round(open_round.id)
    assert stored.text == "다시 쓴 답"


async def test_deleting_after_the_reveal_keeps_the_scored_answer(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", "답", message_id="a1")
    await reveal(scheduler, channel_key)
    receipt = await service.withdraw_answer(open_round, "a1")
    assert receipt is not None and receipt.status == "kept"
    assert set(await stored_results(service, open_round.id)) == {"alice"}
    assert len(await service.storage.answers.for_round(open_round.id)) == 1


async def test_editing_an_unknown_message_does_nothing(service: QuizService, open_round: Round) -> None:
    assert await service.edit_answer(open_round, "nope", "답") is None
    assert await service.withdraw_answer(open_round, "nope") is None


# -- late answers ---------------------------------------------------------------------------------------------


async def test_late_answer_is_kept_marked_late_and_earns_nothing(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", "제시간 답", message_id="a1")
    await reveal(scheduler, channel_key)
    receipt = await service.record_answer(
        open_round, member("Bob"), answer_covering(service, open_round, 99), message_id="b1"
    )
    assert receipt is not None
    assert (receipt.status, receipt.late) == ("late", True)
    stored = {a.member.member_id: a for a in await service.storage.answers.for_round(open_round.id)}
    assert stored["bob"].late
    assert set(await stored_results(service, open_round.id)) == {"alice"}
    assert await total_points(service, channel_key, "bob") is None


async def test_late_answer_of_a_member_who_answered_in_time_leaves_the_scored_one(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", "제시간 답", message_id="a1")
    await reveal(scheduler, channel_key)
    before = await total_points(service, channel_key, "alice")
    receipt = await service.record_answer(open_round, member("Alice"), "늦은 보충", message_id="a2")
    assert receipt is not None and receipt.status == "late"
    texts = sorted((a.text, a.late) for a in await service.storage.answers.for_round(open_round.id))
    assert texts == [("늦은 보충", True), ("제시간 답", False)]
    assert await total_points(service, channel_key, "alice") == before


async def test_late_answers_are_not_published_as_private_answers(
    service: QuizService,
    scheduler: QuizScheduler,
    channel_key: ChannelKey,
    platform: RecordingPlatform,
    open_round: Round,
) -> None:
    await service.record_answer(open_round, member("Alice"), "비밀 답", message_id=None, private=True)
    await reveal(scheduler, channel_key)
    await service.record_answer(open_round, member("Bob"), "늦은 비밀 답", message_id=None, private=True)
    (card,) = platform.reveals
    assert [a.text for a in card.private_answers] == ["비밀 답"]


# -- votes ----------------------------------------------------------------------------------------------------


async def test_a_member_cannot_vote_for_their_own_answer(service: QuizService, open_round: Round) -> None:
    await answer(service, open_round, "Alice", "답", message_id="a1")
    result = await service.vote(open_round, "a1", "alice")
    assert (result.counted, result.reason) == (False, "self")


async def test_a_second_vote_by_the_same_member_is_ignored(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", "답", message_id="a1")
    assert (await service.vote(open_round, "a1", "bob")).reason == "counted"
    assert (await service.vote(open_round, "a1", "bob")).reason == "duplicate"
    await reveal(scheduler, channel_key)
    assert (await stored_results(service, open_round.id))["alice"].vote_points == 2


async def test_votes_beyond_the_cap_earn_nothing(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", "답", message_id="a1")
    for voter in range(8):
        assert (await service.vote(open_round, "a1", f"voter-{voter}")).counted
    await reveal(scheduler, channel_key)
    assert (await stored_results(service, open_round.id))["alice"].vote_points == 10


async def test_a_vote_for_a_withdrawn_answer_is_not_counted(service: QuizService, open_round: Round) -> None:
    await answer(service, open_round, "Alice", "답", message_id="a1")
    await service.withdraw_answer(open_round, "a1")
    assert (await service.vote(open_round, "a1", "bob")).reason == "no-answer"


async def test_a_removed_vote_is_not_counted_at_the_reveal(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", "답", message_id="a1")
    await service.vote(open_round, "a1", "bob")
    assert (await service.vote(open_round, "a1", "bob", add=False)).reason == "removed"
    assert (await service.vote(open_round, "a1", "bob", add=False)).reason == "no-vote"
    await reveal(scheduler, channel_key)
    assert (await stored_results(service, open_round.id))["alice"].vote_points == 0


async def test_a_vote_after_the_reveal_updates_points_and_leaderboard(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", answer_covering(service, open_round, 0), message_id="a1")
    await answer(service, open_round, "Bob", answer_covering(service, open_round, 0), message_id="b1")
    await service.vote(open_round, "b1", "carol")
    await reveal(scheduler, channel_key)
    guild = GuildKey(channel_key.platform, channel_key.guild_id)
    board = await service.leaderboard(guild, Period.WEEK)
    assert [(r.member.member_id, r.points) for r in board.rows] == [("bob", 12), ("alice", 10)]

    for voter in ("bob", "carol", "dave"):
        assert (await service.vote(open_round, "a1", voter)).counted
    assert (await stored_results(service, open_round.id))["alice"].vote_points == 6
    for period in (Period.WEEK, Period.MONTH, Period.ALL):
        board = await service.leaderboard(guild, period)
        assert [(r.member.member_id, r.points) for r in board.rows] == [("alice", 16), ("bob", 12)], period

    await service.vote(open_round, "a1", "dave", add=False)
    assert await total_points(service, channel_key, "alice") == 14


async def test_a_vote_after_the_reveal_respects_the_cap(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    await answer(service, open_round, "Alice", answer_covering(service, open_round, 0), message_id="a1")
    await reveal(scheduler, channel_key)
    for voter in range(9):
        await service.vote(open_round, "a1", f"voter-{voter}")
    assert await total_points(service, channel_key, "alice") == 10 + 10


async def test_a_vote_for_a_late_answer_earns_nothing(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round, clock: ManualClock
) -> None:
    await reveal(scheduler, channel_key)
    clock.advance(dt.timedelta(minutes=1))
    await answer(service, open_round, "Alice", "늦은 답", message_id="a1")
    await service.vote(open_round, "a1", "bob")
    assert await total_points(service, channel_key, "alice") is None


async def test_coverage_points_follow_the_concepts_covered(
    service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey, open_round: Round
) -> None:
    count = len(labels(service, open_round))
    await answer(service, open_round, "Alice", answer_covering(service, open_round, count))
    await answer(service, open_round, "Bob", answer_covering(service, open_round, 1))
    await reveal(scheduler, channel_key)
    results = await stored_results(service, open_round.id)
    assert results["alice"].total == 30
    share = min(1.0, 1 / count / service.grading.rules.full_marks_at)
    assert results["bob"].total == 10 + answer_points(service.rules, share, late=False).coverage


async def test_an_answer_racing_the_reveal_is_either_scored_or_late_never_lost(
    service: QuizService, platform: RecordingPlatform, scheduler: QuizScheduler, channel_key: ChannelKey
) -> None:
    names = [f"m{i}" for i in range(20)]
    for reveal_position in (0, 7, 13, 20):
        round_ = await scheduler.ask(platform, channel_key)
        calls: list[Awaitable[object]] = [
            service.record_answer(round_, member(n), "답", message_id=f"{n}-{round_.id}") for n in names
        ]
        calls.insert(reveal_position, service.reveal(platform, round_.id))
        outcomes = await asyncio.gather(*calls)
        assert outcomes.pop(reveal_position) is not None
        receipts = dict(zip(names, outcomes, strict=True))
        assert all(isinstance(receipt, AnswerReceipt) for receipt in receipts.values())
        scored = set(await stored_results(service, round_.id))
        late = {n for n, receipt in receipts.items() if isinstance(receipt, AnswerReceipt) and receipt.late}
        assert scored | late == set(names)
        assert scored.isdisjoint(late)


@pytest.mark.parametrize("text", ["\u200b\u200b", " \u200d\ufeff ", "\u2060", "\u00a0\u3000"])
async def test_an_answer_of_invisible_characters_only_is_not_an_answer(
    service: QuizService, scheduler: QuizScheduler, platform: RecordingPlatform, channel_key: ChannelKey, text: str
) -> None:
    round_ = await scheduler.ask(platform, channel_key)

    assert await service.record_answer(round_, Member("m", "M"), text, message_id="m1") is None
    assert await service.storage.answers.for_round(round_.id) == []
