"""The fairer boards' rules: who is ranked for accuracy and how ties fall, and the window around the caller."""

from __future__ import annotations

from bot.core.boards import MemberAccuracy, accuracy_board, around, rank_accuracy
from bot.core.models import LeaderboardRow, Member, Period


def accuracy(name: str, answers: int, mean: float) -> MemberAccuracy:
    return MemberAccuracy(Member(name, name.title()), answers, mean)


def test_members_with_too_few_answers_are_not_ranked_and_equal_means_share_a_rank() -> None:
    members = [
        accuracy("ann", 3, 0.8),
        accuracy("bo", 5, 0.8004),  # prints as 80.0%: ties with ann, listed first for more answers
        accuracy("cy", 2, 1.0),
        accuracy("di", 4, 0.5),
    ]

    rows = rank_accuracy(members, min_answers=3)

    assert [(r.rank, r.member.member_id) for r in rows] == [(1, "bo"), (1, "ann"), (3, "di")]


def test_the_board_keeps_the_top_and_the_callers_own_standing() -> None:
    members = [accuracy(f"m{i}", 3, i / 20) for i in range(15)] + [accuracy("new", 1, 1.0)]

    board = accuracy_board(members, period=Period.ALL, period_start=None, timezone="UTC", caller_id="new", limit=10)

    assert len(board.rows) == 10 and board.ranked == 15 and board.rows[0].member.member_id == "m14"
    assert board.caller is None and board.caller_stats == accuracy("new", 1, 1.0)


def test_around_is_cut_at_the_ends_of_the_board() -> None:
    rows = [LeaderboardRow(n, Member(f"m{n}", f"M{n}"), 100 - n, 1) for n in range(1, 6)]

    assert [r.rank for r in around(rows, "m1")] == [1, 2, 3]
    assert [r.rank for r in around(rows, "m3")] == [1, 2, 3, 4, 5]
    assert [r.rank for r in around(rows, "m5")] == [3, 4, 5]
    assert around(rows, "nobody") == ()
