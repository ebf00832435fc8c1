"""Fairer boards: the caller among their neighbours on the points board, accuracy (the mean grade of members with
enough answers), and the caller's own study streak, cards due and retention in their stats."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.boards import AccuracyBoard, BoardView
from bot.core.clock import ManualClock
from bot.core.commands import (
    AccuracyReply,
    BoardReply,
    Caller,
    GiveAnswer,
    MeSet,
    RevealNow,
    ShowLeaderboard,
    ShowStats,
    run,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey, Period
from bot.core.ports.storage import QuizStore
from bot.core.quiz import Quiz
from bot.core.review.cards import ReviewPolicy
from bot.core.review.service import ReviewService
from bot.core.review.settings import SettingsChange
from bot.core.service import QuizService
from bot.render import reply_blocks
from bot.storage.review_backends import review_store_for
from tests.integration.quiz_steps import UNRELATED, answer_covering, labels, member

ADMIN = Caller(member("Admin"), admin=True)


@pytest.fixture
def reviews(service: QuizService, storage: QuizStore, clock: ManualClock) -> ReviewService:
    store = review_store_for(storage)
    assert store is not None
    service.review = ReviewService(
        store, storage, lambda: service.catalog, clock=clock, rules=service.rules, policy=ReviewPolicy(fuzz=False)
    )
    return service.review


async def round_answered(quiz: Quiz, key: ChannelKey, service: QuizService, answers: dict[str, bool]) -> None:
    """One on-demand round: each member answers fully (True) or with nothing right (False); revealed."""
    round_ = await quiz.ask(key)
    full = answer_covering(service, round_, len(labels(service, round_)))
    for name, right in answers.items():
        await run(quiz, GiveAnswer(full if right else UNRELATED, f"{name}-{round_.id}"), key, Caller(member(name)))
    await run(quiz, RevealNow(), key, ADMIN)


async def ladder(quiz: Quiz, key: ChannelKey, service: QuizService) -> None:
    """Six members with 10, 20, ... 60 points: ``m1`` answers one round, ``m6`` all six (none right)."""
    for number in range(1, 7):
        await round_answered(quiz, key, service, {f"m{i}": False for i in range(number, 7)})


async def test_around_shows_the_caller_with_two_members_above_and_below(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService
) -> None:
    await ladder(quiz, channel_key, service)

    middle = await run(quiz, ShowLeaderboard(Period.ALL, BoardView.AROUND), channel_key, Caller(member("m3")))
    top = await run(quiz, ShowLeaderboard(Period.ALL, BoardView.AROUND), channel_key, Caller(member("m6")))
    outsider = await run(quiz, ShowLeaderboard(Period.ALL, BoardView.AROUND), channel_key, Caller(member("zed")))

    assert isinstance(middle, BoardReply) and middle.view is BoardView.AROUND
    assert [(r.rank, r.member.member_id, r.points) for r in middle.board.rows] == [
        (2, "m5", 50),
        (3, "m4", 40),
        (4, "m3", 30),
        (5, "m2", 20),
        (6, "m1", 10),
    ]
    assert middle.board.caller is not None and middle.board.caller.rank == 4
    assert isinstance(top, BoardReply) and [r.member.member_id for r in top.board.rows] == ["m6", "m5", "m4"]
    assert isinstance(outsider, BoardReply) and outsider.board.rows == () and outsider.board.caller is None
    lines = reply_blocks(middle, "en")
    assert lines[0] == "**Leaderboard · All time · around you**"
    assert lines[1].split("\n")[2] == "**4. m3: 30 pts (3)**"
    assert lines[2] == "Your rank: 4 of 6, 30 pts"
    assert reply_blocks(outsider, "en")[1] == "You have no points in this period yet."


async def test_around_reads_past_members_tied_with_the_caller(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService
) -> None:
    """Ten members share the top: the caller listed last among them still gets two neighbours above."""
    await round_answered(quiz, channel_key, service, {f"t{i}": False for i in range(10)})

    board = await run(quiz, ShowLeaderboard(Period.ALL, BoardView.AROUND), channel_key, Caller(member("t9")))

    assert isinstance(board, BoardReply)
    assert [(r.rank, r.member.member_id) for r in board.board.rows] == [(1, "t7"), (1, "t8"), (1, "t9")]


async def test_accuracy_ranks_the_mean_grade_of_members_with_enough_answers(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService, clock: ManualClock
) -> None:
    for number in range(4):
        answers = {"alice": True, "bob": False, "dave": number % 2 == 0}
        if number < 2:
            answers["carol"] = True
        await round_answered(quiz, channel_key, service, answers)

    reply = await run(quiz, ShowLeaderboard(Period.ALL, BoardView.ACCURACY), channel_key, Caller(member("carol")))

    assert isinstance(reply, AccuracyReply)
    board = reply.board
    assert isinstance(board, AccuracyBoard) and board.min_answers == 3 and board.ranked == 3
    assert [(r.rank, r.member.member_id, round(r.mean, 2), r.answers) for r in board.rows] == [
        (1, "alice", 1.0, 4),
        (2, "dave", 0.5, 4),
        (3, "bob", 0.0, 4),
    ]
    assert board.caller is None and board.caller_stats is not None and board.caller_stats.answers == 2
    assert reply_blocks(reply, "en") == [
        "**Accuracy · All time (mean grade, at least 3 answers)**",
        "1. alice: 100% (4 answers)\n2. dave: 50% (4 answers)\n3. bob: 0% (4 answers)",
        "Your mean: 100% over 2 answers; 3 answers put you on the board.",
    ]
    ranked = await run(quiz, ShowLeaderboard(Period.ALL, BoardView.ACCURACY), channel_key, Caller(member("dave")))
    assert reply_blocks(ranked, "ko")[-1] == "내 순위: 2위 / 3명, 평균 50%"

    # A week later only that week's answers count in the week's board.
    clock.advance(dt.timedelta(days=7))
    await round_answered(quiz, channel_key, service, {"alice": True})
    week = await run(quiz, ShowLeaderboard(Period.WEEK, BoardView.ACCURACY), channel_key, Caller(member("alice")))
    assert isinstance(week, AccuracyReply) and week.board.rows == ()
    assert week.board.caller_stats is not None and week.board.caller_stats.answers == 1
    assert reply_blocks(week, "en")[1] == "Nobody has 3 answers in this period yet."


async def test_the_accuracy_board_needs_review_storage(quiz: Quiz, channel_key: ChannelKey) -> None:
    with pytest.raises(UserError) as refused:
        await run(quiz, ShowLeaderboard(Period.ALL, BoardView.ACCURACY), channel_key, Caller(member("alice")))
    assert refused.value.key == "review.error.unavailable"


async def test_own_stats_show_the_study_streak_in_the_members_day_cards_due_and_retention(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService, clock: ManualClock
) -> None:
    await round_answered(quiz, channel_key, service, {"alice": False, "bob": True})
    await run(quiz, MeSet(SettingsChange(timezone="America/New_York")), channel_key, Caller(member("alice")))

    own = await run(quiz, ShowStats(), channel_key, Caller(member("alice")))
    others = await run(quiz, ShowStats(member("alice")), channel_key, Caller(member("bob")))

    assert reply_blocks(own, "en")[-1] == (
        "In your day (America/New_York): study streak 1 day (best 1 day) · reviews due today: 0 · retention: -"
    )
    assert not any("study streak" in block for block in reply_blocks(others, "en"))
    clock.advance(dt.timedelta(days=1))
    tomorrow = await run(quiz, ShowStats(), channel_key, Caller(member("alice")))
    assert "reviews due today: 1" in reply_blocks(tomorrow, "en")[-1]
