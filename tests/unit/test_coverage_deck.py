"""Coverage of realistic answers, Korean and English, against questions of the shipped deck."""

from __future__ import annotations

import pytest

from bot.core.decks import DeckCatalog
from bot.core.grading import ConceptMatcher, Coverage

DECK = "dl-interview-ko"


def grade(catalog: DeckCatalog, question_id: str, answer: str) -> Coverage:
    return ConceptMatcher(catalog.question(DECK, question_id).key_concepts).match(answer)


def concepts(catalog: DeckCatalog, question_id: str) -> tuple[str, ...]:
    return tuple(c.concept for c in catalog.question(DECK, question_id).key_concepts)


COMPLETE_ANSWERS = [
    (
        "backpropagation",
        "순전파로 출력을 구한 뒤 출력에서 입력 방향으로 연쇄법칙을 적용해 그래디언트를 계산하고 "
        "경사하강법으로 가중치를 갱신합니다",
    ),
    (
        "backpropagation",
        "Run a forward pass, then a backward pass that applies the chain rule to get each partial derivative, "
        "and finish with a weight update using the learning rate.",
    ),
    (
        "batch-normalization",
        "미니배치 평균과 분산으로 정규화한 뒤 감마와 베타로 스케일과 시프트를 학습합니다. 내부 공변량 변화를 "
        "줄이고 큰 학습률을 쓸 수 있으며 약간의 규제 효과가 있고 추론 시에는 이동 평균을 씁니다",
    ),
    (
        "batch-normalization",
        "Normalize with batch statistics (mean and variance), then apply learnable gamma and beta; it reduces "
        "internal covariate shift, allows a higher learning rate, has a regularization effect, and uses the "
        "running mean at inference.",
    ),
    ("dropout", "학습 시에만 무작위로 뉴런을 비활성화해서 특정 뉴런에 대한 의존을 줄이고 과적합을 방지합니다"),
    ("dropout", "Units are dropped at random during training only, which prevents co-adaptation and overfitting."),
    (
        "attention-mechanism-formula",
        "입력에 가중치 행렬을 곱해 Q, K, V를 만들고 QK^T 내적을 sqrt(d_k)로 나눈 뒤 softmax를 취해 "
        "value의 가중합을 구합니다",
    ),
    (
        "attention-mechanism-formula",
        "Project the inputs to query key value, take the dot product QK^T, divide by sqrt(d_k), apply softmax "
        "and return the weighted sum of the values.",
    ),
]


@pytest.mark.parametrize(("question_id", "answer"), COMPLETE_ANSWERS)
def test_a_complete_answer_covers_every_key_concept(catalog: DeckCatalog, question_id: str, answer: str) -> None:
    coverage = grade(catalog, question_id, answer)
    assert coverage.covered == concepts(catalog, question_id)
    assert coverage.missed == ()
    assert coverage.ratio == 1.0


def test_a_partial_korean_answer_covers_only_what_it_mentions(catalog: DeckCatalog) -> None:
    coverage = grade(catalog, "backpropagation", "체인룰로 미분합니다")
    assert coverage.covered == ("연쇄 법칙",)
    assert coverage.missed == ("순전파", "출력에서 입력 방향으로 전파", "그라디언트 계산", "가중치 업데이트")
    assert coverage.ratio == pytest.approx(0.2)


def test_an_english_term_inside_a_korean_answer_counts(catalog: DeckCatalog) -> None:
    coverage = grade(catalog, "dropout", "dropout은 overfitting을 막기 위해 씁니다")
    assert coverage.covered == ("과적합 방지",)


def test_batch_norm_answer_naming_only_the_statistics_covers_one_concept(catalog: DeckCatalog) -> None:
    coverage = grade(catalog, "batch-normalization", "배치정규화는 배치 통계로 정규화한다")
    assert coverage.covered == ("미니배치 통계로 정규화",)
    assert len(coverage.missed) == 5


def test_coverage_lists_concepts_in_question_order_whatever_the_answer_order(catalog: DeckCatalog) -> None:
    coverage = grade(catalog, "attention-mechanism-formula", "softmax를 하기 전에 내적을 합니다")
    assert coverage.covered == ("내적", "소프트맥스")


def test_an_unrelated_answer_covers_nothing(catalog: DeckCatalog) -> None:
    coverage = grade(catalog, "attention-mechanism-formula", "잘 모르겠습니다. 다음에 공부해 올게요")
    assert coverage.covered == ()
    assert coverage.ratio == 0.0
    assert coverage.total == 5


def test_gd_is_not_found_inside_sgd(catalog: DeckCatalog) -> None:
    coverage = grade(catalog, "gd-vs-sgd", "SGD uses a mini-batch, so the updates carry noise")
    assert "전체 데이터셋 사용" not in coverage.covered
    assert coverage.covered == ("일부 데이터 사용", "안정성")


def test_every_question_of_the_deck_is_fully_covered_by_its_concept_labels(catalog: DeckCatalog) -> None:
    for question in catalog.questions():
        answer = " 그리고 ".join(c.concept for c in question.key_concepts)
        coverage = ConceptMatcher(question.key_concepts).match(answer)
        assert coverage.missed == (), question.id
