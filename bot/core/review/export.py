"""A channel's results as CSV, for its admins: one row per scored answer, in round order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.core.review.records import RoundResult

COLUMNS = (
    "round_id",
    "kind",
    "date",  # the round's local day in the guild's time zone
    "opened_at",  # UTC, ISO 8601
    "deck_id",
    "question_id",
    "category",
    "member_id",
    "member_name",
    "private",
    "answer",
    "coverage",
    "covered",
    "missed",
    "contradicted",
    "misconceptions",
    "answer_points",
    "coverage_points",
    "vote_points",
    "streak",
    "streak_bonus",
    "total",
)

# A cell a spreadsheet would run as a formula (a member's answer or name can start with anything).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def results_csv(rows: Sequence[RoundResult], *, timezone: str) -> bytes:
    """The results as UTF-8 CSV with a byte-order mark, which spreadsheet programs need to read Korean right.

    A private answer's text is left out: its author chose not to show it to the channel, admins included.
    """
    zone = ZoneInfo(timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        r, result = row.round, row.result
        writer.writerow(
            [
                r.id,
                r.kind.value,
                r.opened_at.astimezone(zone).date().isoformat(),
                r.opened_at.isoformat(),
                r.deck_id,
                r.question_id,
                row.category,
                result.member.member_id,
                _cell(result.member.display_name),
                int(result.private),
                "" if result.private else _cell(result.answer_text),
                f"{result.coverage:.3f}",
                "; ".join(result.covered),
                "; ".join(result.missed),
                "; ".join(result.contradicted),
                json.dumps([note.claim for note in result.misconceptions], ensure_ascii=False),
                result.answer_points,
                result.coverage_points,
                result.vote_points,
                result.streak,
                result.streak_bonus,
                result.total,
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _cell(value: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe defuses a would-be formula."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
