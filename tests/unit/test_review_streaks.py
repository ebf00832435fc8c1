"""Study streaks follow the member's own calendar day, across time zones and daylight-saving changes; freezes bridge
missed days without raising the streak."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.review.streaks import Streak, local_day, streak_of_days, streak_of_times

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def day(d: int, month: int = 3) -> dt.date:
    return dt.date(2025, month, d)


# -- the member's day -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "late", "early", "utc_same_day"),
    [
        # 23:30 and 00:30 the next day in Seoul (UTC+9) are 14:30 and 15:30 the same UTC day.
        ("Asia/Seoul", at(2025, 3, 5, 14, 30), at(2025, 3, 5, 15, 30), True),
        # 23:00 and 01:00 in Los Angeles (UTC-8 in January) are 07:00 and 09:00 the same UTC day.
        ("America/Los_Angeles", at(2025, 1, 10, 7, 0), at(2025, 1, 10, 9, 0), True),
        # 23:50 and 00:10 in Kolkata (UTC+5:30): the half hour matters.
        ("Asia/Kolkata", at(2025, 3, 5, 18, 20), at(2025, 3, 5, 18, 40), True),
    ],
)
def test_two_reviews_either_side_of_local_midnight_make_two_days(
    timezone: str, late: dt.datetime, early: dt.datetime, utc_same_day: bool
) -> None:
    assert (local_day(early, timezone) - local_day(late, timezone)).days == 1
    in_zone = streak_of_times([late, early], timezone=timezone, now=early, freezes_per_month=0)
    assert (in_zone.current, in_zone.best, in_zone.reviewed_today) == (2, 2, True)
    in_utc = streak_of_times([late, early], timezone="UTC", now=early, freezes_per_month=0)
    assert in_utc.current == (1 if utc_same_day else 2)


def test_kolkata_midnight_falls_on_the_half_hour() -> None:
    assert local_day(at(2025, 3, 5, 18, 29), "Asia/Kolkata") == day(5)
    assert local_day(at(2025, 3, 5, 18, 30), "Asia/Kolkata") == day(6)


def test_a_daily_review_at_half_past_midnight_in_new_york_across_the_march_change() -> None:
    # 00:30 local on 8-11 March 2025; clocks jump from 02:00 EST to 03:00 EDT on 9 March, so 00:30 is 05:30 UTC
    # before the change and 04:30 UTC after it. A fixed UTC-5 offset would put 10 March's review on 9 March.
    times = [at(2025, 3, 8, 5, 30), at(2025, 3, 9, 5, 30), at(2025, 3, 10, 4, 30), at(2025, 3, 11, 4, 30)]
    assert [local_day(t, "America/New_York") for t in times] == [day(8), day(9), day(10), day(11)]
    streak = streak_of_times(times, timezone="America/New_York", now=times[-1], freezes_per_month=0)
    assert (streak.current, streak.best) == (4, 4)
    fixed = dt.timezone(dt.timedelta(hours=-5))
    assert times[2].astimezone(fixed).date() == day(9)  # what the wrong arithmetic would say


def test_a_daily_review_at_half_past_eleven_in_new_york_across_the_november_change() -> None:
    # 23:30 local on 1-3 November 2025; clocks fall back from 02:00 EDT to 01:00 EST on 2 November (a 25-hour day).
    times = [at(2025, 11, 2, 3, 30), at(2025, 11, 3, 4, 30), at(2025, 11, 4, 4, 30)]
    assert [local_day(t, "America/New_York") for t in times] == [day(1, 11), day(2, 11), day(3, 11)]
    streak = streak_of_times(times, timezone="America/New_York", now=times[-1], freezes_per_month=0)
    assert (streak.current, streak.best) == (3, 3)
    # 01:30 happens twice on 2 November (EDT, then EST): both are the same day.
    assert local_day(at(2025, 11, 2, 5, 30), "America/New_York") == local_day(
        at(2025, 11, 2, 6, 30), "America/New_York"
    )


def test_naive_times_have_no_day() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_day(dt.datetime(2025, 3, 5, 9), "Asia/Seoul")


# -- streaks and freezes --------------------------------------------------------------------------------------


def test_consecutive_days_build_a_streak_and_repeats_count_once() -> None:
    assert streak_of_days([day(1), day(2), day(2), day(3)], day(3), 0) == Streak(3, 3, (), True)


def test_no_days_no_streak() -> None:
    assert streak_of_days([], day(3), 2) == Streak(0, 0)


def test_today_not_yet_reviewed_keeps_yesterdays_streak_alive() -> None:
    assert streak_of_days([day(1), day(2)], day(3), 0) == Streak(2, 2, (), False)


def test_a_missed_day_without_a_freeze_breaks_the_streak() -> None:
    streak = streak_of_days([day(1), day(2), day(4)], day(4), 0)
    assert (streak.current, streak.best) == (1, 2)


def test_a_freeze_bridges_one_missed_day_without_raising_the_streak() -> None:
    streak = streak_of_days([day(1), day(2), day(4)], day(4), 1)
    assert streak == Streak(3, 3, (day(3),), True)  # days 1, 2 and 4: the frozen 3rd does not count


def test_one_freeze_does_not_bridge_two_missed_days_but_two_do() -> None:
    assert streak_of_days([day(1), day(4)], day(4), 1).current == 1
    assert streak_of_days([day(1), day(4)], day(4), 2) == Streak(2, 2, (day(2), day(3)), True)


def test_freezes_are_counted_per_month_of_the_missed_day() -> None:
    # One freeze a month: 3 March takes March's, so missing 6 March breaks the streak.
    march = streak_of_days([day(1), day(2), day(4), day(5), day(7)], day(7), 1)
    assert (march.current, march.best, march.frozen) == (1, 4, (day(3),))
    # 31 March and 2 April each take their own month's freeze.
    across = streak_of_days([day(30), day(1, 4), day(3, 4)], day(3, 4), 1)
    assert (across.current, across.frozen) == (3, (day(31), day(2, 4)))


def test_a_freeze_keeps_a_streak_current_over_yesterday() -> None:
    # Last review on the 2nd; today is the 4th and nothing yet: the 3rd is frozen, the streak still current.
    assert streak_of_days([day(1), day(2)], day(4), 1) == Streak(2, 2, (day(3),), False)
    assert streak_of_days([day(1), day(2)], day(4), 0) == Streak(0, 2, (), False)


def test_the_best_streak_is_kept_after_a_break() -> None:
    streak = streak_of_days([day(1), day(2), day(3), day(4), day(10), day(11)], day(11), 0)
    assert (streak.current, streak.best) == (2, 4)


def test_days_after_today_are_ignored() -> None:
    assert streak_of_days([day(1), day(2), day(9)], day(2), 0) == Streak(2, 2, (), True)
