"""Review cards: rating rules, FSRS scheduling in whole days (fuzzing off), replay, due days and retention."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot.core.models import GuildKey
from bot.core.review.cards import (
    Card,
    CardKey,
    Rating,
    Review,
    ReviewPolicy,
    ReviewSource,
    Signals,
    Verdict,
    rating_for,
    retention,
)

POLICY = ReviewPolicy(fuzz=False)
KEY = CardKey(GuildKey("fake", "guild-1"), "alice", "dl", "relu-why")
START = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)


def new_card(at: dt.datetime = START) -> Card:
    return POLICY.new_card(KEY, category="basics", now=at)


def interval(card: Card) -> int:
    assert card.last_review is not None
    return (card.due - card.last_review).days


# -- rating rules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "signals", "expected"),
    [
        (0.0, Signals(), Rating.AGAIN),
        (0.49, Signals(), Rating.AGAIN),
        (0.5, Signals(), Rating.GOOD),  # the pass mark itself passes
        (1.0, Signals(), Rating.GOOD),  # a perfect grade alone is never Easy
        (0.9, Signals(hinted=True), Rating.HARD),  # Hard only from the objective signal
        (0.2, Signals(hinted=True), Rating.AGAIN),  # a hint does not lift a fail
        (0.2, Signals(too_easy=True), Rating.EASY),  # the member's own tap wins
        (1.0, Signals(hinted=True, too_easy=True), Rating.EASY),
    ],
)
def test_ratings_come_from_the_grade_and_objective_signals(score: float, signals: Signals, expected: Rating) -> None:
    assert rating_for(score, 0.5, signals) is expected
    assert POLICY.rate(score, signals) is expected


def test_verdicts_map_to_ratings() -> None:
    assert [v.rating for v in Verdict] == [Rating.GOOD, Rating.AGAIN, Rating.EASY]


def test_policy_rejects_a_pass_mark_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="pass_mark"):
        ReviewPolicy(pass_mark=0)
    with pytest.raises(ValueError, match="pass_mark"):
        ReviewPolicy(pass_mark=1.5)


# -- scheduling -----------------------------------------------------------------------------------------------


def test_a_new_card_is_due_at_once_and_has_no_memory_yet() -> None:
    card = new_card()
    assert card.is_new and card.due == START and card.stability is None and card.last_rating is None


def test_every_review_schedules_whole_days_ahead_without_learning_steps() -> None:
    for rating in Rating:
        after = POLICY.schedule(new_card(), rating, START)
        assert after.due - START >= dt.timedelta(days=1)
        assert (after.due - START) % dt.timedelta(days=1) == dt.timedelta(0)
        assert after.reviews == 1 and after.last_rating is rating and after.last_review == START


def test_first_ratings_order_the_first_interval() -> None:
    days = [interval(POLICY.schedule(new_card(), rating, START)) for rating in Rating]
    assert days == sorted(days) and days[0] == 1 and days[-1] > days[0]


def test_ninety_days_of_reviews_grow_on_good_and_reset_on_again() -> None:
    """One member reviewing one card whenever it falls due, for 90 days, at 09:00 UTC: Good until day 40, one
    Again at the first review after it, then Good again."""
    card = new_card()
    now = START
    log: list[tuple[int, Rating, int]] = []  # (day, rating, interval in days)
    while now < START + dt.timedelta(days=90):
        day = (now - START).days
        failed = any(r is Rating.AGAIN for _, r, _ in log)
        rating = Rating.AGAIN if day >= 40 and not failed else Rating.GOOD
        card = POLICY.schedule(card, rating, now)
        log.append((day, rating, interval(card)))
        now = card.due
    again = next(i for i, (_, r, _) in enumerate(log) if r is Rating.AGAIN)
    before, lapse, after = log[:again], log[again], log[again + 1 :]
    growing = [days for _, _, days in before]
    assert growing == sorted(growing) and len(set(growing)) == len(growing), growing  # strictly longer each time
    assert growing[-1] >= 10
    assert lapse[2] < growing[-1] / 2 and lapse[2] <= 7  # the lapse brings the card back within days
    regrowing = [days for _, _, days in after]
    assert regrowing and regrowing == sorted(regrowing) and regrowing[0] >= lapse[2]
    assert card.lapses == 1 and card.reviews == len(log)


def test_fuzzing_off_is_deterministic_and_on_stays_near() -> None:
    reviewed = POLICY.schedule(POLICY.schedule(new_card(), Rating.GOOD, START), Rating.GOOD, START + dt.timedelta(2))
    again = POLICY.schedule(POLICY.schedule(new_card(), Rating.GOOD, START), Rating.GOOD, START + dt.timedelta(2))
    assert reviewed == again
    fuzzy = ReviewPolicy(fuzz=True)
    base = interval(reviewed)
    for _ in range(20):
        card = fuzzy.schedule(fuzzy.schedule(new_card(), Rating.GOOD, START), Rating.GOOD, START + dt.timedelta(2))
        assert abs(interval(card) - base) <= base * 0.3  # FSRS spreads an 11-day interval by about 2 days


def test_a_review_before_the_last_one_is_refused() -> None:
    card = POLICY.schedule(new_card(), Rating.GOOD, START + dt.timedelta(days=3))
    with pytest.raises(ValueError, match="time order"):
        POLICY.schedule(card, Rating.GOOD, START)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        POLICY.schedule(new_card(), Rating.GOOD, dt.datetime(2025, 3, 5, 9))


def test_times_in_any_zone_are_kept_in_utc() -> None:
    seoul = dt.timezone(dt.timedelta(hours=9))
    card = POLICY.schedule(new_card(), Rating.GOOD, START.astimezone(seoul))
    assert card.last_review is not None and card.last_review.tzinfo is dt.UTC and card.due.tzinfo is dt.UTC


def review(card_id: int, review_id: int, at: dt.datetime, rating: Rating) -> Review:
    return Review(id=review_id, card_id=card_id, at=at, rating=rating, auto_rating=rating, source=ReviewSource.PRACTICE)


def test_replay_gives_the_card_its_history_makes_in_any_order() -> None:
    times = [START, START + dt.timedelta(days=2), START + dt.timedelta(days=13)]
    ratings = [Rating.GOOD, Rating.AGAIN, Rating.GOOD]
    stepwise = new_card()
    for at, rating in zip(times, ratings, strict=True):
        stepwise = POLICY.schedule(stepwise, rating, at)
    history = [review(1, n, at, r) for n, (at, r) in enumerate(zip(times, ratings, strict=True), start=1)]
    assert POLICY.replay(new_card(), reversed(history)) == stepwise
    # A card already scheduled replays from scratch: only its history counts.
    assert POLICY.replay(stepwise, history) == stepwise


def test_an_override_reschedules_as_if_rated_so_at_once() -> None:
    auto = POLICY.replay(new_card(), [review(1, 1, START, Rating.AGAIN)])
    knew = POLICY.replay(new_card(), [review(1, 1, START, Rating.GOOD)])
    assert knew == POLICY.schedule(new_card(), Rating.GOOD, START)
    assert knew.due > auto.due and knew.lapses == auto.lapses == 0


# -- due days -------------------------------------------------------------------------------------------------


def test_a_card_is_due_all_of_the_members_day() -> None:
    # Due at 20:00 in Seoul on 6 March: due from the member's morning of 6 March, not before.
    due = dt.datetime(2025, 3, 6, 11, 0, tzinfo=dt.UTC)
    card = replace(new_card(), due=due, id=7)
    morning = dt.datetime(2025, 3, 5, 23, 30, tzinfo=dt.UTC)  # 08:30 on 6 March in Seoul
    assert POLICY.due([card], morning, "Asia/Seoul") == [card]
    assert POLICY.due([card], morning, "UTC") == []  # still 5 March in UTC
    assert POLICY.due([card], dt.datetime(2025, 3, 5, 14, 59, tzinfo=dt.UTC), "Asia/Seoul") == []


def test_due_cards_come_most_overdue_first() -> None:
    cards = [replace(new_card(), id=n, due=START - dt.timedelta(days=d)) for n, d in ((1, 1), (2, 3))]
    assert [c.id for c in POLICY.due(cards, START, "UTC")] == [2, 1]


def test_due_before_is_the_next_local_midnight() -> None:
    assert POLICY.due_before(START, "Asia/Seoul") == dt.datetime(2025, 3, 5, 15, 0, tzinfo=dt.UTC)
    assert POLICY.due_before(START, "America/Los_Angeles") == dt.datetime(2025, 3, 6, 8, 0, tzinfo=dt.UTC)


# -- retention ------------------------------------------------------------------------------------------------


def test_retention_counts_recalls_of_cards_seen_before() -> None:
    day = dt.timedelta(days=1)
    reviews = [
        review(1, 1, START, Rating.AGAIN),  # first sight: not a recall
        review(1, 2, START + day, Rating.GOOD),
        review(1, 3, START + 3 * day, Rating.AGAIN),
        review(2, 4, START, Rating.GOOD),
        review(2, 5, START + 2 * day, Rating.HARD),
    ]
    assert retention(reviews) == pytest.approx(2 / 3)
    assert retention(reviews[:1]) is None
    assert retention([]) is None
