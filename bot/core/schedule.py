"""Daily slots: when a channel's schedule fires, in its own timezone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from bot.core.models import Schedule

_LOOKAROUND_DAYS = 8  # a week of weekdays plus one: any non-empty schedule has a slot in this window


def _slots_around(schedule: Schedule, at: dt.datetime) -> Iterator[dt.datetime]:
    zone = ZoneInfo(schedule.timezone)
    local_day = at.astimezone(zone).date()
    for offset in range(-_LOOKAROUND_DAYS, _LOOKAROUND_DAYS + 1):
        day = local_day + dt.timedelta(days=offset)
        if day.weekday() in schedule.weekdays:
            yield dt.datetime.combine(day, schedule.post_time, tzinfo=zone).astimezone(dt.UTC)


def next_slot(schedule: Schedule, after: dt.datetime) -> dt.datetime | None:
    """The first slot strictly after ``after`` (UTC); ``None`` for a schedule with no weekdays."""
    return min((s for s in _slots_around(schedule, after) if s > after), default=None)


def latest_slot(schedule: Schedule, at: dt.datetime) -> dt.datetime | None:
    """The last slot at or before ``at`` (UTC), looking back at most a week."""
    return max((s for s in _slots_around(schedule, at) if s <= at), default=None)
