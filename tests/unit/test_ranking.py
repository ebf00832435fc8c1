"""The leaderboard's ranking policy: equal points share a rank, the next rank skips the tied places."""

from __future__ import annotations

import random

import pytest

from bot.core.ranking import competition_ranks, rank_of


def test_distinct_points_rank_by_position() -> None:
    assert competition_ranks([30, 20, 10]) == [1, 2, 3]


def test_equal_points_share_a_rank_and_the_next_rank_skips_the_tied_places() -> None:
    assert competition_ranks([20, 20, 18, 16, 16, 16, 14]) == [1, 1, 3, 4, 4, 4, 7]


def test_a_tie_at_the_bottom_shares_the_rank_of_its_first_member() -> None:
    assert competition_ranks([9, 5, 5]) == [1, 2, 2]


def test_everyone_tied_is_first() -> None:
    assert competition_ranks([7, 7, 7, 7]) == [1, 1, 1, 1]


def test_an_empty_board_has_no_ranks() -> None:
    assert competition_ranks([]) == []


def test_zero_and_negative_points_are_ranked_like_any_others() -> None:
    assert competition_ranks([0, 0, -2]) == [1, 1, 3]


def test_points_not_listed_highest_first_are_refused() -> None:
    with pytest.raises(ValueError, match="highest first"):
        competition_ranks([10, 20])


def test_a_rank_is_one_more_than_the_members_with_more_points() -> None:
    assert [rank_of(n) for n in (0, 1, 2, 12)] == [1, 2, 3, 13]


def test_a_negative_count_of_members_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        rank_of(-1)


def test_a_listed_rank_and_a_counted_rank_always_agree() -> None:
    """``top`` ranks a listed board, ``standing`` counts members with more points: the same policy."""
    rng = random.Random(11)
    for _ in range(200):
        points = sorted((rng.randrange(6) for _ in range(rng.randrange(1, 15))), reverse=True)
        expected = [rank_of(sum(other > mine for other in points)) for mine in points]
        assert competition_ranks(points) == expected
