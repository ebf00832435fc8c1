"""Points for answers, votes and streaks."""

from __future__ import annotations

import pytest

from bot.core.scoring import ScoringRules, answer_points, next_streak, streak_bonus, vote_points

RULES = ScoringRules()


def test_on_time_answer_earns_answer_points_and_coverage_in_proportion() -> None:
    points = answer_points(RULES, 0.5, late=False)
    assert (points.answer, points.coverage) == (10, 10)


def test_full_coverage_earns_all_coverage_points() -> None:
    assert answer_points(RULES, 1.0, late=False).coverage == 20


def test_no_coverage_still_earns_the_answer_points() -> None:
    points = answer_points(RULES, 0.0, late=False)
    assert (points.answer, points.coverage) == (10, 0)


@pytest.mark.parametrize(
    ("coverage_weight", "ratio", "expected"),
    [
        (10, 1 / 4, 3),  # 2.5 rounds half up, not to the even 2
        (20, 1 / 3, 7),  # 6.67
        (20, 2 / 3, 13),  # 13.33
        (20, 1 / 8, 3),  # 2.5
        (20, 3 / 8, 8),  # 7.5
        (10, 1 / 6, 2),  # 1.67
    ],
)
def test_coverage_points_round_half_up(coverage_weight: int, ratio: float, expected: int) -> None:
    rules = ScoringRules(coverage=coverage_weight)
    assert answer_points(rules, ratio, late=False).coverage == expected


def test_coverage_ratio_outside_zero_to_one_is_clamped() -> None:
    assert answer_points(RULES, 1.7, late=False).coverage == 20
    assert answer_points(RULES, -0.3, late=False).coverage == 0


def test_late_answer_earns_no_points() -> None:
    points = answer_points(RULES, 1.0, late=True)
    assert (points.answer, points.coverage) == (0, 0)


def test_late_answer_earns_no_vote_points() -> None:
    assert vote_points(RULES, 3, late=True) == 0


def test_each_vote_earns_vote_points() -> None:
    assert vote_points(RULES, 3, late=False) == 6


def test_votes_beyond_the_cap_earn_nothing_more() -> None:
    assert vote_points(RULES, 5, late=False) == 10
    assert vote_points(RULES, 12, late=False) == 10


def test_vote_cap_follows_the_rules() -> None:
    assert vote_points(ScoringRules(vote=3, vote_cap=2), 4, late=False) == 6


def test_negative_vote_count_earns_nothing() -> None:
    assert vote_points(RULES, -2, late=False) == 0


@pytest.mark.parametrize(("streak", "bonus"), [(0, 0), (1, 0), (2, 2), (3, 4), (6, 10)])
def test_streak_bonus_grows_from_the_second_consecutive_round(streak: int, bonus: int) -> None:
    assert streak_bonus(RULES, streak) == bonus


def test_streak_bonus_is_capped() -> None:
    assert streak_bonus(RULES, 7) == 10
    assert streak_bonus(RULES, 100) == 10


def test_streak_bonus_cap_follows_the_rules() -> None:
    assert streak_bonus(ScoringRules(streak_bonus=5, streak_bonus_cap=7), 4) == 7


def test_streak_extends_when_the_previous_daily_round_was_answered() -> None:
    assert next_streak(3, previous_round_id=41, last_answered_round_id=41) == 4


def test_streak_restarts_when_the_previous_daily_round_was_missed() -> None:
    assert next_streak(3, previous_round_id=41, last_answered_round_id=40) == 1


def test_first_answer_starts_a_streak_of_one() -> None:
    assert next_streak(0, previous_round_id=41, last_answered_round_id=None) == 1


def test_first_daily_round_of_a_channel_starts_a_streak_of_one() -> None:
    assert next_streak(0, previous_round_id=None, last_answered_round_id=None) == 1


def test_scoring_rules_reject_negative_weights() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        ScoringRules(vote=-1)


def test_scoring_rules_reject_unknown_weights() -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        ScoringRules.model_validate({"bonus": 3})
