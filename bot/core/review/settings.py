"""A member's personal-review settings: their time zone, reminders, streak freezes, and whether they opted in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.models import GuildKey

DEFAULT_TIMEZONE = "Asia/Seoul"
DEFAULT_REMINDER_TIME = dt.time(20, 0)
DEFAULT_STREAK_FREEZES = 2
# More than a few freezes a month would make a streak mean little.
MAX_STREAK_FREEZES = 5


@dataclass(frozen=True, kw_only=True)
class MemberSettings:
    """One member's settings in one guild.

    ``opted_in``: the member joined personal review, so daily rounds they miss become cards too (answered rounds
    always do). ``reminders``: a private reminder at ``reminder_time`` of their own day when cards are due.
    ``streak_freezes``: missed days per calendar month (of their time zone) that keep a streak alive.
    """

    guild: GuildKey
    member_id: str
    timezone: str = DEFAULT_TIMEZONE
    opted_in: bool = False
    reminders: bool = False
    reminder_time: dt.time = DEFAULT_REMINDER_TIME
    streak_freezes: int = DEFAULT_STREAK_FREEZES


@dataclass(frozen=True)
class SettingsChange:
    """Settings to change; ``None`` keeps the current value."""

    timezone: str | None = None
    opted_in: bool | None = None
    reminders: bool | None = None
    reminder_time: dt.time | None = None
    streak_freezes: int | None = None


def default_settings(guild: GuildKey, member_id: str, timezone: str | None = None) -> MemberSettings:
    """A member's settings before they changed any: the guild's time zone if known."""
    return MemberSettings(guild=guild, member_id=member_id, timezone=timezone or DEFAULT_TIMEZONE)


def apply_change(settings: MemberSettings, change: SettingsChange) -> MemberSettings:
    """The settings with ``change`` applied, all checked (``UserError``) before any is taken."""
    changed = replace(
        settings,
        timezone=settings.timezone if change.timezone is None else change.timezone.strip(),
        opted_in=settings.opted_in if change.opted_in is None else change.opted_in,
        reminders=settings.reminders if change.reminders is None else change.reminders,
        # Seconds and time zones on a reminder time mean nothing here: it is a wall-clock time of the member's day.
        reminder_time=(
            settings.reminder_time
            if change.reminder_time is None
            else change.reminder_time.replace(second=0, microsecond=0, tzinfo=None)
        ),
        streak_freezes=settings.streak_freezes if change.streak_freezes is None else change.streak_freezes,
    )
    validate(changed)
    return changed


def validate(settings: MemberSettings) -> None:
    try:
        ZoneInfo(settings.timezone)
    except (KeyError, ValueError):
        raise UserError("error.unknown-timezone", timezone=settings.timezone) from None
    if not 0 <= settings.streak_freezes <= MAX_STREAK_FREEZES:
        raise UserError("review.error.bad-freezes", max=MAX_STREAK_FREEZES)


def reminder_at(settings: MemberSettings, day: dt.date) -> dt.datetime:
    """When the member's reminder of their local ``day`` falls, in UTC.

    On a daylight-saving change the local time may not exist (spring) or happen twice (autumn): the first
    reading is taken, so the reminder comes once, an hour early or late at worst.
    """
    zone = ZoneInfo(settings.timezone)
    return dt.datetime.combine(day, settings.reminder_time, tzinfo=zone).astimezone(dt.UTC)


def reminder_between(settings: MemberSettings, since: dt.datetime, until: dt.datetime) -> dt.datetime | None:
    """The member's reminder time in ``(since, until]``, if reminders are on and one falls there.

    A periodic job asks this for each window since its last run, so a reminder is neither skipped nor sent twice
    across restarts, provided the job keeps its last ``until``.
    """
    if not settings.reminders or until <= since:
        return None
    zone = ZoneInfo(settings.timezone)
    day = since.astimezone(zone).date() - dt.timedelta(days=1)
    last = until.astimezone(zone).date() + dt.timedelta(days=1)
    while day <= last:
        at = reminder_at(settings, day)
        if since < at <= until:
            return at
        day += dt.timedelta(days=1)
    return None


def next_reminder(settings: MemberSettings, now: dt.datetime) -> dt.datetime | None:
    """The member's next reminder strictly after ``now``, or ``None`` with reminders off."""
    if not settings.reminders:
        return None
    return reminder_between(settings, now, now + dt.timedelta(days=2))
