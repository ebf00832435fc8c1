"""How times are stored: UTC ISO-8601 text, which sorts and compares correctly in SQL."""

from __future__ import annotations

import datetime as dt


def to_db(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime cannot be stored")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def from_db(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def maybe_from_db(value: str | None) -> dt.datetime | None:
    return None if value is None else from_db(value)
