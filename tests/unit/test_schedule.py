"""Daily slots: the channel's post time on its weekdays, in its timezone, expressed in UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.core.models import Schedule
from bot.core.schedule import latest_slot, next_slot

UTC = dt.UTC
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
DAILY_SEOUL = Schedule(dt.time(9, 0), frozenset(range(7)), "Asia/Seoul")
WEEKDAYS_SEOUL = Schedule(dt.time(9, 0), frozenset(range(5)), "Asia/Seoul")


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def test_next_slot_is_today_when_the_post_time_is_still_ahead() -> None:
    before = dt.datetime(2025, 3, 5, 8, 0, tzinfo=SEOUL)
    assert next_slot(DAILY_SEOUL, before) == utc(2025, 3, 5, 0, 0)  # 09:00 in Seoul


def test_next_slot_is_strictly_after_the_given_time() -> None:
    slot = utc(2025, 3, 5, 0, 0)
    assert next_slot(DAILY_SEOUL, slot) == utc(2025, 3, 6, 0, 0)


def test_next_slot_skips_days_outside_the_schedule() -> None:
    friday_after_post = dt.datetime(2025, 3, 7, 10, 0, tzinfo=SEOUL)
    assert next_slot(WEEKDAYS_SEOUL, friday_after_post) == utc(2025, 3, 10, 0, 0)  # Monday


def test_next_slot_uses_the_local_date_not_the_utc_date() -> None:
    # 23:00 UTC Friday is already Saturday 08:00 in Seoul: no weekday post until Monday.
    assert next_slot(WEEKDAYS_SEOUL, utc(2025, 3, 7, 23, 0)) == utc(2025, 3, 10, 0, 0)


def test_a_weekly_slot_is_found_across_a_whole_week() -> None:
    mondays = Schedule(dt.time(9, 0), frozenset({0}), "Asia/Seoul")
    after_monday_post = dt.datetime(2025, 3, 3, 9, 1, tzinfo=SEOUL)
    assert next_slot(mondays, after_monday_post) == utc(2025, 3, 10, 0, 0)


def test_latest_slot_includes_a_slot_at_exactly_now() -> None:
    slot = utc(2025, 3, 5, 0, 0)
    assert latest_slot(DAILY_SEOUL, slot) == slot


def test_latest_slot_is_yesterdays_before_todays_post_time() -> None:
    assert latest_slot(DAILY_SEOUL, dt.datetime(2025, 3, 5, 8, 59, tzinfo=SEOUL)) == utc(2025, 3, 4, 0, 0)


def test_latest_slot_skips_days_outside_the_schedule() -> None:
    sunday = dt.datetime(2025, 3, 9, 12, 0, tzinfo=SEOUL)
    assert latest_slot(WEEKDAYS_SEOUL, sunday) == utc(2025, 3, 7, 0, 0)  # Friday


def test_latest_slot_of_a_weekly_schedule_looks_back_six_days() -> None:
    mondays = Schedule(dt.time(9, 0), frozenset({0}), "Asia/Seoul")
    sunday = dt.datetime(2025, 3, 9, 23, 0, tzinfo=SEOUL)
    assert latest_slot(mondays, sunday) == utc(2025, 3, 3, 0, 0)


def test_a_schedule_without_weekdays_has_no_slots() -> None:
    never = Schedule(dt.time(9, 0), frozenset(), "Asia/Seoul")
    now = utc(2025, 3, 5, 0, 0)
    assert next_slot(never, now) is None
    assert latest_slot(never, now) is None


def test_slot_times_follow_the_channel_timezone() -> None:
    berlin = Schedule(dt.time(9, 0), frozenset(range(7)), "Europe/Berlin")
    assert next_slot(berlin, utc(2025, 1, 15, 0, 0)) == utc(2025, 1, 15, 8, 0)  # CET, UTC+1


def test_slots_keep_the_local_time_across_spring_forward() -> None:
    new_york = Schedule(dt.time(9, 0), frozenset(range(7)), "America/New_York")
    saturday = next_slot(new_york, utc(2025, 3, 8, 0, 0))
    sunday = next_slot(new_york, utc(2025, 3, 8, 15, 0))
    assert saturday == utc(2025, 3, 8, 14, 0)  # 09:00 EST
    assert sunday == utc(2025, 3, 9, 13, 0)  # 09:00 EDT
    assert sunday is not None
    assert sunday.astimezone(NEW_YORK).time() == dt.time(9, 0)


def test_slots_keep_the_local_time_across_fall_back() -> None:
    new_york = Schedule(dt.time(9, 0), frozenset(range(7)), "America/New_York")
    assert next_slot(new_york, utc(2025, 11, 1, 14, 0)) == utc(2025, 11, 2, 14, 0)  # 09:00 EST
    assert latest_slot(new_york, utc(2025, 11, 2, 13, 59)) == utc(2025, 11, 1, 13, 0)  # 09:00 EDT


def test_a_post_time_in_the_spring_forward_gap_fires_once_that_day() -> None:
    # 02:30 does not exist on 9 March 2025 in New York; the slot is taken with the offset before the change.
    night = Schedule(dt.time(2, 30), frozenset(range(7)), "America/New_York")
    slots = _slots_between(night, utc(2025, 3, 8, 12, 0), utc(2025, 3, 10, 12, 0))
    assert slots == [utc(2025, 3, 9, 7, 30), utc(2025, 3, 10, 6, 30)]


def test_a_post_time_repeated_by_fall_back_fires_once_that_day() -> None:
    # 01:30 happens twice on 2 November 2025 in New York; the first one (EDT) is the slot.
    night = Schedule(dt.time(1, 30), frozenset(range(7)), "America/New_York")
    slots = _slots_between(night, utc(2025, 11, 1, 12, 0), utc(2025, 11, 3, 12, 0))
    assert slots == [utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)]


def test_every_local_day_gets_exactly_one_slot_over_a_year() -> None:
    for timezone in ("Asia/Seoul", "America/New_York", "Europe/London", "Australia/Sydney"):
        schedule = Schedule(dt.time(9, 0), frozenset(range(7)), timezone)
        slots = _slots_between(schedule, utc(2025, 1, 1, 0, 0), utc(2026, 1, 1, 0, 0))
        local_days = [s.astimezone(ZoneInfo(timezone)).date() for s in slots]
        assert len(local_days) == len(set(local_days)) >= 364, timezone
        assert all(s.astimezone(ZoneInfo(timezone)).time() == dt.time(9, 0) for s in slots), timezone


def test_latest_and_next_slot_bracket_any_instant() -> None:
    instant = utc(2025, 6, 18, 3, 17)
    before, after = latest_slot(WEEKDAYS_SEOUL, instant), next_slot(WEEKDAYS_SEOUL, instant)
    assert before is not None and after is not None
    assert before <= instant < after
    assert next_slot(WEEKDAYS_SEOUL, before) == after


def _slots_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    slots = []
    current = next_slot(schedule, start)
    while current is not None and current < end:
        slots.append(current)
        current = next_slot(schedule, current)
    return slots
