"""The shipped deck as a rubric: every claim can be made, misconceptions are named, gaming earns little."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.deck_schema import Question
from bot.core.decks import load_decks
from bot.core.grading import GradingService
from tests.integration.quiz_steps import claim_for

QUESTIONS = Path(__file__).resolve().parents[2] / "questions"


@pytest.fixture(scope="module")
def questions() -> tuple[Question, ...]:
    return load_decks([QUESTIONS]).questions()


@pytest.fixture(scope="module")
def grading() -> GradingService:
    return GradingService(worker=False)


def scores_of(text: str, questions: tuple[Question, ...], grading: GradingService) -> dict[str, float]:
    """The questions on which ``text`` scores above a tenth (analysed once, judged against each)."""
    grader = grading.grader()
    analysis = grader.analyser.analyse(text)
    scores = {q.id: grader.judge(grading.rubric(q), analysis).score for q in questions}
    return {qid: score for qid, score in scores.items() if score > 0.1}


def test_every_concept_is_covered_by_a_sentence_claiming_it(
    questions: tuple[Question, ...], grading: GradingService
) -> None:
    failing = {}
    for question in questions:
        for concept in question.key_concepts:
            judgement = grading.grade(question, claim_for(concept))
            if concept.concept not in judgement.covered or judgement.misconceptions:
                failing[f"{question.id}: {concept.concept}"] = judgement
    assert failing == {}


def test_every_question_names_misconceptions(questions: tuple[Question, ...]) -> None:
    assert [q.id for q in questions if not q.misconceptions] == []


def test_every_corrected_question_has_a_misconception_with_its_correction(questions: tuple[Question, ...]) -> None:
    assert [q.id for q in questions if q.correction and not any(m.correction for m in q.misconceptions)] == []


@pytest.mark.parametrize("joiner", [", ", "\n", ". "], ids=["comma-separated", "one per line", "sentences"])
def test_a_pasted_glossary_of_every_concept_label_scores_low_everywhere(
    questions: tuple[Question, ...], grading: GradingService, joiner: str
) -> None:
    glossary = joiner.join(c.concept for q in questions for c in q.key_concepts)
    assert scores_of(glossary, questions, grading) == {}


def test_a_glossary_of_every_spelling_scores_low_everywhere(
    questions: tuple[Question, ...], grading: GradingService
) -> None:
    glossary = ", ".join(s for q in questions for c in q.key_concepts for s in c.spellings)
    assert scores_of(glossary, questions, grading) == {}


def test_repeating_the_question_earns_nothing(questions: tuple[Question, ...], grading: GradingService) -> None:
    scores = {q.id: grading.grade(q, q.question).score for q in questions}
    assert {qid: s for qid, s in scores.items() if s > 0} == {}


def test_most_reference_answers_without_corrections_score_well(
    questions: tuple[Question, ...], grading: GradingService
) -> None:
    uncorrected = [q for q in questions if not q.correction]
    scores = sorted(grading.grade(q, "\n".join(b.text for b in q.answer)).score for q in uncorrected)
    assert scores[len(scores) // 2] >= 0.6
