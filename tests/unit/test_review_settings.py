"""Member settings: changes checked before they are taken, and reminders at the member's local time."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import UserError
from bot.core.models import GuildKey
from bot.core.review.settings import (
    MAX_STREAK_FREEZES,
    MemberSettings,
    SettingsChange,
    apply_change,
    default_settings,
    next_reminder,
    reminder_at,
    reminder_between,
)

GUILD = GuildKey("fake", "guild-1")


def settings(**values: object) -> MemberSettings:
    return MemberSettings(guild=GUILD, member_id="alice", **values)  # type: ignore[arg-type]


def test_defaults_take_the_guilds_time_zone() -> None:
    assert default_settings(GUILD, "alice", "America/New_York").timezone == "America/New_York"
    assert default_settings(GUILD, "alice").timezone == "Asia/Seoul"
    fresh = default_settings(GUILD, "alice")
    assert (fresh.opted_in, fresh.reminders, fresh.streak_freezes) == (False, False, 2)


def test_a_change_keeps_what_it_does_not_name() -> None:
    changed = apply_change(settings(), SettingsChange(opted_in=True, reminder_time=dt.time(7, 45, 30)))
    assert changed == settings(opted_in=True, reminder_time=dt.time(7, 45))


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(UserError) as raised:
        apply_change(settings(), SettingsChange(timezone="Mars/Olympus"))
    assert raised.value.key == "error.unknown-timezone"


@pytest.mark.parametrize("freezes", [-1, MAX_STREAK_FREEZES + 1])
def test_streak_freezes_are_bounded(freezes: int) -> None:
    with pytest.raises(UserError) as raised:
        apply_change(settings(), SettingsChange(streak_freezes=freezes))
    assert raised.value.key == "review.error.bad-freezes"


def test_a_reminder_falls_at_the_local_time_in_utc() -> None:
    seoul = settings(timezone="Asia/Seoul", reminders=True, reminder_time=dt.time(21, 0))
    assert reminder_at(seoul, dt.date(2025, 3, 5)) == dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)
    kolkata = settings(timezone="Asia/Kolkata", reminders=True, reminder_time=dt.time(8, 0))
    assert reminder_at(kolkata, dt.date(2025, 3, 5)) == dt.datetime(2025, 3, 5, 2, 30, tzinfo=dt.UTC)


def test_a_reminder_follows_daylight_saving_time() -> None:
    new_york = settings(timezone="America/New_York", reminders=True, reminder_time=dt.time(20, 0))
    assert reminder_at(new_york, dt.date(2025, 3, 8)) == dt.datetime(2025, 3, 9, 1, 0, tzinfo=dt.UTC)
    assert reminder_at(new_york, dt.date(2025, 3, 10)) == dt.datetime(2025, 3, 11, 0, 0, tzinfo=dt.UTC)


def test_each_reminder_falls_in_exactly_one_window() -> None:
    member = settings(timezone="America/Los_Angeles", reminders=True, reminder_time=dt.time(20, 0))
    start = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    ticks = [start + dt.timedelta(minutes=15 * n) for n in range(4 * 24 * 14)]  # two weeks of 15-minute ticks
    found = [reminder_between(member, a, b) for a, b in itertools.pairwise(ticks)]
    sent = [at for at in found if at is not None]
    # Every evening from 28 February to 13 March, once each, at 20:00 local across the 9 March change.
    assert len(sent) == len(set(sent)) == 14
    local = [at.astimezone(ZoneInfo("America/Los_Angeles")) for at in sent]
    assert {t.time() for t in local} == {dt.time(20, 0)}
    assert [t.date() for t in local] == [dt.date(2025, 2, 28) + dt.timedelta(days=n) for n in range(14)]


def test_no_reminder_with_reminders_off() -> None:
    member = settings(reminders=False)
    now = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)
    assert reminder_between(member, now, now + dt.timedelta(days=3)) is None
    assert next_reminder(member, now) is None


def test_the_next_reminder_is_strictly_after_now() -> None:
    member = settings(timezone="Asia/Seoul", reminders=True, reminder_time=dt.time(21, 0))
    exactly = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)
    assert next_reminder(member, exactly) == exactly + dt.timedelta(days=1)
    assert next_reminder(member, exactly - dt.timedelta(seconds=1)) == exactly
