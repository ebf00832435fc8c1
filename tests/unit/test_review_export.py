"""A channel's results as CSV for admins."""

from __future__ import annotations

import csv
import datetime as dt
import io

from bot.core.models import ChannelKey, Member, MemberResult, MisconceptionNote, Round, RoundKind, RoundState
from bot.core.review.export import COLUMNS, results_csv
from bot.core.review.records import RoundResult

OPENED = dt.datetime(2025, 3, 5, 16, 0, tzinfo=dt.UTC)  # 01:00 on 6 March in Seoul


def result(member_id: str, name: str, text: str, *, private: bool = False) -> MemberResult:
    return MemberResult(
        member=Member(member_id, name),
        answer_text=text,
        private=private,
        late=False,
        covered=("vanishing gradient",),
        missed=("saturation", "sparsity"),
        misconceptions=(MisconceptionNote("ReLU is smooth", "Not at 0."),),
        coverage=0.5,
        answer_points=10,
        coverage_points=10,
        vote_points=2,
        streak=2,
        streak_bonus=2,
    )


ROUND = Round(
    id=7,
    channel_ref=1,
    channel=ChannelKey("fake", "guild-1", "channel-1"),
    kind=RoundKind.DAILY,
    state=RoundState.REVEALED,
    deck_id="dl",
    question_id="relu-why",
    opened_at=OPENED,
    reveal_at=OPENED + dt.timedelta(hours=8),
)


def read(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark spreadsheets need for Korean
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_has_the_documented_columns_and_one_row_per_result() -> None:
    rows = [
        RoundResult(ROUND, "basics", result("alice", "Alice", "렐루는 기울기를 살립니다")),
        RoundResult(ROUND, "basics", result("bob", "Bob", "secret", private=True)),
    ]
    data = results_csv(rows, timezone="Asia/Seoul")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(header) == COLUMNS
    alice, bob = read(data)
    assert alice["round_id"] == "7" and alice["kind"] == "daily" and alice["date"] == "2025-03-06"
    assert alice["opened_at"] == "2025-03-05T16:00:00+00:00"
    assert (alice["deck_id"], alice["question_id"], alice["category"]) == ("dl", "relu-why", "basics")
    assert (alice["member_id"], alice["member_name"], alice["answer"]) == ("alice", "Alice", "렐루는 기울기를 살립니다")
    assert (alice["coverage"], alice["covered"], alice["missed"]) == (
        "0.500",
        "vanishing gradient",
        "saturation; sparsity",
    )
    assert alice["misconceptions"] == '["ReLU is smooth"]'
    assert (alice["answer_points"], alice["vote_points"], alice["streak_bonus"], alice["total"]) == (
        "10",
        "2",
        "2",
        "24",
    )
    assert (bob["private"], bob["answer"]) == ("1", "")  # a private answer's text stays private


def test_cells_a_spreadsheet_would_run_are_defused() -> None:
    data = results_csv([RoundResult(ROUND, "basics", result("eve", "=HYPERLINK(1)", "+SUM(A1)"))], timezone="UTC")
    (row,) = read(data)
    assert (row["member_name"], row["answer"]) == ("'=HYPERLINK(1)", "'+SUM(A1)")


def test_no_results_give_just_the_header() -> None:
    assert read(results_csv([], timezone="UTC")) == []
