"""Study streaks: consecutive days a member reviewed, counted in the member's own day and time zone.

A day counts when the member reviewed at least once on it (an on-time answer in a round, or a personal review),
by their local calendar. A streak freeze bridges one missed day: the streak survives it without growing. Each
calendar month (of the missed day) grants ``freezes_per_month`` of them, spent automatically on the first
missed days that need one. Freezes are worked out from the history every time, so nothing about them is stored.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Streak:
    """``current``: days in the streak still alive today (today counts once the member has reviewed; until then a
    streak reaching yesterday, or bridged to it by freezes, is still current). ``best``: the longest ever.
    ``frozen``: the missed days a freeze bridged, in order. ``reviewed_today``: whether today already counts."""

    current: int
    best: int
    frozen: tuple[dt.date, ...] = ()
    reviewed_today: bool = False


def local_day(at: dt.datetime, timezone: str) -> dt.date:
    """The member's calendar day at the instant ``at``."""
    if at.tzinfo is None:
        raise ValueError("a naive time has no day in any time zone")
    return at.astimezone(ZoneInfo(timezone)).date()


def streak_of_days(days: Iterable[dt.date], today: dt.date, freezes_per_month: int) -> Streak:
    """The streak of a member active on ``days`` (local dates, any order, repeats allowed), as of ``today``.

    Days after ``today`` are ignored: a clock set back cannot grant a streak.
    """
    active = sorted({d for d in days if d <= today})
    spent: Counter[tuple[int, int]] = Counter()
    frozen: list[dt.date] = []
    run = best = 0
    previous: dt.date | None = None
    for day in active:
        if previous is not None and _bridge(previous, day, spent, freezes_per_month, frozen):
            run += 1
        else:
            run = 1
        best = max(best, run)
        previous = day
    if previous is None:
        return Streak(0, 0)
    reviewed_today = previous == today
    # Today is not over: a streak reaching yesterday is alive. Missed days before yesterday need freezes.
    alive = reviewed_today or _bridge(previous, today, spent, freezes_per_month, frozen)
    return Streak(run if alive else 0, best, tuple(frozen), reviewed_today)


def streak_of_times(times: Iterable[dt.datetime], *, timezone: str, now: dt.datetime, freezes_per_month: int) -> Streak:
    """The streak of a member who reviewed at ``times``, in their ``timezone``, as of ``now``."""
    return streak_of_days((local_day(t, timezone) for t in times), local_day(now, timezone), freezes_per_month)


def _bridge(
    last: dt.date, next_day: dt.date, spent: Counter[tuple[int, int]], allowance: int, frozen: list[dt.date]
) -> bool:
    """Whether a streak reaching ``last`` continues to ``next_day``: the day after, or over missed days that each
    take a freeze of their own month. Spends the freezes (in ``spent`` and ``frozen``) only if it does."""
    missed = [last + _ONE_DAY * n for n in range(1, (next_day - last).days)]
    needed = Counter((d.year, d.month) for d in missed)
    if any(spent[month] + count > allowance for month, count in needed.items()):
        return False
    spent.update(needed)
    frozen.extend(missed)
    return True
