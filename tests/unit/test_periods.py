"""Leaderboard periods: weeks (from Monday) and months in the guild's timezone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.models import Period
from bot.core.scoring import period_key, period_start, week_start

UTC = dt.UTC
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")


def at(zone: dt.tzinfo, *parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone)


def test_weeks_start_on_monday() -> None:
    assert week_start(dt.date(2025, 3, 9)) == dt.date(2025, 3, 3)  # a Sunday
    assert week_start(dt.date(2025, 3, 10)) == dt.date(2025, 3, 10)  # a Monday


def test_sunday_late_evening_in_seoul_still_counts_in_that_week() -> None:
    sunday_night = at(SEOUL, 2025, 3, 9, 23, 30)
    assert period_key(Period.WEEK, sunday_night, "Asia/Seoul") == "W2025-03-03"
    assert period_start(Period.WEEK, sunday_night, "Asia/Seoul") == dt.date(2025, 3, 3)


def test_monday_just_after_midnight_in_seoul_is_still_sunday_in_utc() -> None:
    monday_early = at(SEOUL, 2025, 3, 10, 0, 30)  # Sunday 15:30 UTC
    assert period_key(Period.WEEK, monday_early, "Asia/Seoul") == "W2025-03-10"
    assert period_key(Period.WEEK, monday_early, "UTC") == "W2025-03-03"


def test_the_same_instant_falls_in_the_guilds_own_week() -> None:
    instant = at(UTC, 2025, 3, 9, 20, 0)  # Sunday 20:00 UTC, Monday 05:00 in Seoul
    assert period_start(Period.WEEK, instant, "UTC") == dt.date(2025, 3, 3)
    assert period_start(Period.WEEK, instant, "Asia/Seoul") == dt.date(2025, 3, 10)


def test_last_evening_of_the_month_counts_in_that_month() -> None:
    assert period_key(Period.MONTH, at(SEOUL, 2025, 3, 31, 23, 30), "Asia/Seoul") == "M2025-03"


def test_month_turns_at_local_midnight_not_utc_midnight() -> None:
    instant = at(UTC, 2025, 3, 31, 16, 0)  # 1 April 01:00 in Seoul
    assert period_key(Period.MONTH, instant, "Asia/Seoul") == "M2025-04"
    assert period_key(Period.MONTH, instant, "UTC") == "M2025-03"
    assert period_start(Period.MONTH, instant, "Asia/Seoul") == dt.date(2025, 4, 1)


def test_february_of_a_leap_year_ends_on_the_29th() -> None:
    assert period_key(Period.MONTH, at(SEOUL, 2024, 2, 29, 23, 59), "Asia/Seoul") == "M2024-02"
    assert period_key(Period.MONTH, at(SEOUL, 2024, 3, 1, 0, 0), "Asia/Seoul") == "M2024-03"


def test_new_year_in_seoul_starts_a_month_of_the_new_year() -> None:
    instant = at(UTC, 2025, 12, 31, 15, 30)  # 1 January 2026 00:30 in Seoul
    assert period_key(Period.MONTH, instant, "Asia/Seoul") == "M2026-01"
    assert period_key(Period.MONTH, instant, "UTC") == "M2025-12"


def test_a_week_spanning_new_year_starts_on_its_monday_of_the_old_year() -> None:
    new_year = at(SEOUL, 2026, 1, 1, 12, 0)  # a Thursday
    assert period_key(Period.WEEK, new_year, "Asia/Seoul") == "W2025-12-29"
    assert period_key(Period.WEEK, at(SEOUL, 2025, 12, 29, 0, 0), "Asia/Seoul") == "W2025-12-29"


def test_week_in_new_york_follows_local_time_across_the_spring_forward_weekend() -> None:
    sunday_night = at(NEW_YORK, 2025, 3, 9, 23, 30)  # the day clocks moved forward; 03:30 UTC Monday
    assert period_key(Period.WEEK, sunday_night, "America/New_York") == "W2025-03-03"
    assert period_key(Period.WEEK, sunday_night, "UTC") == "W2025-03-10"


def test_week_in_new_york_follows_local_time_across_the_fall_back_weekend() -> None:
    # Clocks went back on Sunday 2 November 2025: 23:30 that evening is 04:30 UTC Monday (EST, UTC-5).
    sunday_night = at(UTC, 2025, 11, 3, 4, 30)
    assert period_key(Period.WEEK, sunday_night, "America/New_York") == "W2025-10-27"
    monday_early = at(UTC, 2025, 11, 3, 5, 30)  # 00:30 Monday in New York
    assert period_key(Period.WEEK, monday_early, "America/New_York") == "W2025-11-03"


def test_month_in_new_york_turns_at_local_midnight_in_summer_time() -> None:
    instant = at(UTC, 2025, 8, 1, 3, 30)  # 31 July 23:30 EDT
    assert period_key(Period.MONTH, instant, "America/New_York") == "M2025-07"
    assert period_key(Period.MONTH, at(UTC, 2025, 8, 1, 4, 0), "America/New_York") == "M2025-08"


@pytest.mark.parametrize("timezone", ["Asia/Seoul", "UTC", "America/New_York"])
def test_all_time_has_one_key_and_no_start(timezone: str) -> None:
    instant = at(UTC, 2025, 6, 1, 12, 0)
    assert period_key(Period.ALL, instant, timezone) == "all"
    assert period_start(Period.ALL, instant, timezone) is None


def test_week_key_and_start_agree() -> None:
    instant = at(SEOUL, 2025, 5, 17, 10, 0)
    start = period_start(Period.WEEK, instant, "Asia/Seoul")
    assert start is not None
    assert period_key(Period.WEEK, instant, "Asia/Seoul") == f"W{start.isoformat()}"
