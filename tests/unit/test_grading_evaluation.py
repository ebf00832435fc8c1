"""The grader against answers an interviewer labelled before it saw them: the figures it must hold.

The development sets (dev-*.yaml) are what the rubric was written against; the held-out set was written
independently of the deck's aliases. Both must meet the same targets, so a regression fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.grading import evaluate, read_cases
from bot.core.decks import DeckCatalog, load_decks
from bot.core.grading import GradingService
from bot.core.grading.evaluation import Report, ranks, spearman

ROOT = Path(__file__).resolve().parents[2]
SETS = {
    "development": sorted((ROOT / "tests" / "grading").glob("dev-*.yaml")),
    "held-out": [ROOT / "tests" / "grading" / "heldout.yaml"],
}


@pytest.fixture(scope="module")
def catalog() -> DeckCatalog:
    return load_decks([ROOT / "questions"])


@pytest.fixture(scope="module", params=sorted(SETS))
def report(request: pytest.FixtureRequest, catalog: DeckCatalog) -> Report:
    cases = [case for path in SETS[request.param] for case in read_cases(path, catalog)]
    return evaluate(GradingService(worker=False), cases)


def test_the_sets_are_as_large_and_varied_as_promised(catalog: DeckCatalog) -> None:
    cases = [case for path in SETS["development"] for case in read_cases(path, catalog)]
    questions = {case.question for case in cases}
    categories = {catalog.question("dl-interview-ko", q).category for q in questions}
    assert len(cases) >= 360 and len(questions) >= 40 and len(categories) == 9
    assert sum(1 for case in cases if case.raw["lang"] == "en") >= len(cases) / 5


def test_rank_agreement_on_substantive_answers(report: Report) -> None:
    assert report.spearman_substantive >= 0.6


def test_bare_term_lists_score_low(report: Report) -> None:
    assert report.mean_by_kind["list"] <= 0.35


def test_confidently_wrong_answers_score_low(report: Report) -> None:
    assert report.mean_by_kind["wrong"] <= 0.30


def test_excellent_answers_score_high(report: Report) -> None:
    assert report.mean_by_kind["excellent"] >= 0.75


def test_off_topic_answers_score_nothing(report: Report) -> None:
    assert report.mean_by_kind["offtopic"] <= 0.05


def english_gaps(report: Report) -> dict[str, float]:
    """Kinds where fully English answers score more than 0.1 apart from Korean ones, with the difference."""
    return {kind: round(gap, 3) for kind, gap in report.english_gap_by_kind.items() if abs(gap) > 0.1}


def test_english_answers_score_like_korean_ones_of_the_same_kind(catalog: DeckCatalog) -> None:
    cases = [case for path in SETS["development"] for case in read_cases(path, catalog)]
    assert english_gaps(evaluate(GradingService(worker=False), cases)) == {}


@pytest.mark.xfail(
    strict=True,
    reason="on the held-out set, confidently wrong Korean answers still score about 0.11 above English ones",
)
def test_held_out_english_answers_score_like_korean_ones_of_the_same_kind(catalog: DeckCatalog) -> None:
    cases = [case for path in SETS["held-out"] for case in read_cases(path, catalog)]
    assert english_gaps(evaluate(GradingService(worker=False), cases)) == {}


def test_ranks_share_ties() -> None:
    assert ranks([0.5, 0.1, 0.5, 0.9]) == [2.5, 1.0, 2.5, 4.0]


def test_spearman_of_a_perfect_and_a_reversed_order() -> None:
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
