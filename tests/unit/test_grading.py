"""Key-concept coverage of free-text answers, mostly Korean with English terms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.deck_schema import KeyConcept
from bot.core.grading import ConceptMatcher, Coverage, grade

DECK_PATH = Path(__file__).resolve().parents[2] / "questions" / "dl-interview-ko.yaml"

# Mirrors the backpropagation question of the shipped deck.
BACKPROP = (
    KeyConcept(concept="연쇄 법칙", aliases=("chain rule", "체인 룰")),
    KeyConcept(concept="편미분", aliases=("partial derivative", "미분")),
    KeyConcept(concept="가중치 업데이트", aliases=("weight update", "가중치 갱신")),
)
# Mirrors the GD vs SGD question.
GD_VS_SGD = (
    KeyConcept(concept="GD", aliases=("gradient descent", "경사 하강법")),
    KeyConcept(concept="SGD", aliases=("stochastic gradient descent", "확률적 경사 하강법")),
    KeyConcept(concept="미니 배치", aliases=("mini batch",)),
)
RELU = (KeyConcept(concept="ReLU"),)
BATCH_NORM = (KeyConcept(concept="batch 정규화", aliases=("배치 정규화", "batch normalization")),)


def covered(answer: str, concepts: tuple[KeyConcept, ...]) -> tuple[str, ...]:
    return grade(answer, concepts).covered


# --- Korean ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["체인룰을 이용합니다", "체인 룰에 의해", "연쇄법칙으로 계산", "연쇄 법칙은"])
def test_korean_term_followed_by_particle_is_covered(answer: str) -> None:
    assert covered(answer, BACKPROP) == ("연쇄 법칙",)


@pytest.mark.parametrize("answer", ["연쇄법칙", "연쇄 법칙", "연쇄  법칙", "연쇄-법칙", "연쇄·법칙", "연쇄ㆍ법칙"])
def test_spacing_inside_a_korean_term_is_ignored(answer: str) -> None:
    assert covered(answer, BACKPROP) == ("연쇄 법칙",)


def test_korean_spelling_written_without_space_matches_spaced_answer() -> None:
    concepts = (KeyConcept(concept="체인룰"),)
    assert covered("체인 룰 덕분에", concepts) == ("체인룰",)


def test_korean_term_inside_a_longer_word_is_covered() -> None:
    # "미분" is an alias of 편미분; Hangul has no word boundaries, so 편미분 mentions it.
    assert covered("손실을 편미분하면", (KeyConcept(concept="미분"),)) == ("미분",)


def test_case_particle_between_words_of_a_korean_term_is_tolerated() -> None:
    assert covered("가중치를 업데이트합니다", BACKPROP) == ("가중치 업데이트",)


def test_other_words_between_words_of_a_korean_term_do_not_match() -> None:
    assert covered("가중치를 자주 업데이트합니다", BACKPROP) == ()


# --- English: separators and case ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    ["chain rule", "chain-rule", "chainrule", "Chain  Rule", "CHAIN_RULE", "chain\trule", "chain – rule"],
)
def test_separators_and_case_inside_an_english_term_are_ignored(answer: str) -> None:
    assert covered(f"uses the {answer}.", BACKPROP) == ("연쇄 법칙",)


def test_english_spelling_written_without_space_matches_spaced_answer() -> None:
    concepts = (KeyConcept(concept="dropout"),)
    assert covered("drop out 을 씁니다", concepts) == ("dropout",)


@pytest.mark.parametrize("answer", ["RELU", "relu", "ReLu"])
def test_letter_case_is_ignored(answer: str) -> None:
    assert covered(f"{answer} 를 씁니다", RELU) == ("ReLU",)


@pytest.mark.parametrize("answer", ["ＲｅＬＵ를 사용", "ｃｈａｉｎ　ｒｕｌｅ", "Ｇｒａｄｉｅｎｔ　Ｄｅｓｃｅｎｔ"])
def test_full_width_letters_and_spaces_match(answer: str) -> None:
    concepts = (*RELU, *BACKPROP[:1], *GD_VS_SGD[:1])
    assert len(covered(answer, concepts)) == 1


# --- Boundaries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["SGD를 씁니다", "gdp가 올랐다", "sgd", "AGD"])
def test_short_latin_term_is_not_found_inside_a_longer_word(answer: str) -> None:
    assert "GD" not in covered(answer, GD_VS_SGD)


@pytest.mark.parametrize("answer", ["GD는 느리다", "전체 데이터로 GD", "(GD)", "gd, sgd", "GD로"])
def test_short_latin_term_is_found_next_to_hangul_and_punctuation(answer: str) -> None:
    assert "GD" in covered(answer, GD_VS_SGD)


def test_gd_and_sgd_are_told_apart_in_one_answer() -> None:
    assert covered("SGD는 일부만 쓰고", GD_VS_SGD) == ("SGD",)


@pytest.mark.parametrize("answer", ["leaky relu", "leaky_relu", "leaky-ReLU"])
def test_relu_is_mentioned_by_leaky_relu(answer: str) -> None:
    assert covered(answer, RELU) == ("ReLU",)


@pytest.mark.parametrize("answer", ["prelu", "PReLU 를 썼다", "relu6", "relux"])
def test_relu_is_not_found_glued_to_latin_letters_or_digits(answer: str) -> None:
    assert covered(answer, RELU) == ()


# --- Mixed Hangul and Latin ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer", ["batch 정규화는", "batch정규화를", "Batch-정규화", "배치정규화", "BatchNormalization"]
)
def test_mixed_hangul_latin_spelling_matches_like_the_others(answer: str) -> None:
    assert covered(answer, BATCH_NORM) == ("batch 정규화",)


def test_mixed_spelling_keeps_the_latin_boundary() -> None:
    assert covered("minibatch 정규화", BATCH_NORM) == ()


def test_latin_term_right_after_hangul_is_covered() -> None:
    assert covered("이건relu입니다", RELU) == ("ReLU",)


# --- Invisible and hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer", ["체인\u200b룰", "Re\u200dLU", "\ufeffchain\u200crule", "re\u00adlu", "\u202erelu\u202c"]
)
def test_zero_width_and_bidi_characters_are_ignored(answer: str) -> None:
    assert len(covered(answer, (*RELU, *BACKPROP))) == 1


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "   \n\t ",
        "-_-·-",
        "\x00\x01\x7f\x1b[31m",
        "🙂👩‍👩‍👧‍👦🇰🇷",
        "שלום עולם مرحبا",
        "\ud800 lone surrogate",
        "\u0301\u0301\u0301",
        "𝐫𝐞𝐥𝐮" * 10,
    ],
)
def test_hostile_text_grades_without_error(answer: str) -> None:
    result = grade(answer, BACKPROP)
    assert result.total == 3
    assert len(result.covered) + len(result.missed) == 3


def test_mathematical_bold_letters_fold_to_plain_letters() -> None:
    assert covered("𝐫𝐞𝐥𝐮를 사용", RELU) == ("ReLU",)


def test_answer_made_only_of_separators_covers_nothing() -> None:
    assert covered("- - - _ _ · ·", BACKPROP) == ()


# --- Spellings as written in a deck -------------------------------------------------------------------


def test_empty_alias_list_means_the_label_alone() -> None:
    concepts = (KeyConcept(concept="역전파"),)
    assert covered("역전파는 오차를", concepts) == ("역전파",)


def test_alias_match_reports_the_concept_label() -> None:
    assert covered("we need the partial derivative", BACKPROP) == ("편미분",)


def test_regex_characters_in_a_spelling_are_literal() -> None:
    concepts = (KeyConcept(concept="C++"), KeyConcept(concept="L2 (ridge)"))
    assert covered("c 와 l2 ridge", concepts) == ()
    assert covered("C++ 와 l2 (Ridge)", concepts) == ("C++", "L2 (ridge)")


def test_spelling_without_any_matchable_character_is_never_covered() -> None:
    result = grade("- - -", (KeyConcept(concept="--"),))
    assert result == Coverage(covered=(), missed=("--",), ratio=0.0, total=1)


# --- Coverage ---------------------------------------------------------------------------------------


def test_empty_concept_list_gives_zero_ratio() -> None:
    assert grade("아무 답변", ()) == Coverage(covered=(), missed=(), ratio=0.0, total=0)


def test_covered_and_missed_follow_question_order_not_answer_order() -> None:
    result = grade("가중치 갱신 전에 chain rule을 씁니다", BACKPROP)
    assert result.covered == ("연쇄 법칙", "가중치 업데이트")
    assert result.missed == ("편미분",)


def test_ratio_is_covered_over_total() -> None:
    result = grade("연쇄 법칙", BACKPROP)
    assert result.total == 3
    assert result.ratio == pytest.approx(1 / 3)


def test_full_reference_style_answer_covers_every_concept() -> None:
    answer = (
        "역전파는 출력층의 오차를 체인룰로 거꾸로 전파하면서 각 가중치에 대한 손실의 편미분을 구하고, "
        "그 기울기로 가중치를 업데이트합니다."
    )
    assert grade(answer, BACKPROP) == Coverage(
        covered=tuple(c.concept for c in BACKPROP), missed=(), ratio=1.0, total=3
    )


def test_matcher_gives_the_same_result_as_grade() -> None:
    matcher = ConceptMatcher(GD_VS_SGD)
    answer = "GD와 SGD의 차이는 mini-batch 크기"
    assert matcher.match(answer) == grade(answer, GD_VS_SGD)
    assert matcher.concepts == GD_VS_SGD


def test_matcher_accepts_any_iterable_of_concepts() -> None:
    matcher = ConceptMatcher(iter(BACKPROP))
    assert matcher.match("편미분").covered == ("편미분",)


# --- Speed --------------------------------------------------------------------------------------------

EIGHT_CONCEPTS = (
    *BACKPROP,
    *GD_VS_SGD,
    KeyConcept(concept="드롭아웃", aliases=("dropout", "drop out")),
    KeyConcept(concept="과적합", aliases=("overfitting", "오버피팅")),
)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(("역전파는 오차를 전파하며 각 층의 gradient를 계산합니다. " * 3000)[:100_000], id="prose"),
        pytest.param(("chain rul 체인 르 partial derivativ weight updat gd1 " * 2000)[:100_000], id="near-misses"),
        pytest.param("c" + " " * 99_999, id="separator-run"),
        pytest.param("가중치를" * 25_000, id="particle-repeats"),
    ],
)
def test_hundred_kilobyte_answer_is_graded_without_error(answer: str) -> None:
    # How fast this is lives in bench/; here it only has to finish and count every concept.
    coverage = ConceptMatcher(EIGHT_CONCEPTS).match(answer)

    assert coverage.total == len(EIGHT_CONCEPTS)
    assert len(coverage.covered) + len(coverage.missed) == len(EIGHT_CONCEPTS)


# --- The shipped deck ---------------------------------------------------------------------------------


def _deck_questions() -> list[dict[str, Any]]:
    if not DECK_PATH.exists():
        pytest.skip(f"{DECK_PATH.relative_to(DECK_PATH.parents[1])} is not there yet")
    data = yaml.safe_load(DECK_PATH.read_text(encoding="utf-8"))
    questions: list[dict[str, Any]] = data["questions"]
    return questions


def _key_concepts(question: dict[str, Any]) -> tuple[KeyConcept, ...]:
    return tuple(
        KeyConcept(concept=item["concept"], aliases=tuple(item.get("aliases") or ()))
        for item in question.get("key_concepts") or ()
    )


def _answer_text(bullets: list[Any]) -> str:
    parts: list[str] = []
    for bullet in bullets:
        if isinstance(bullet, str):
            parts.append(bullet)
        else:
            parts.append(bullet["text"])
            parts.append(_answer_text(bullet.get("children") or []))
    return "\n".join(parts)


def test_every_deck_question_is_fully_covered_by_its_own_concept_labels() -> None:
    not_covered = {}
    for question in _deck_questions():
        concepts = _key_concepts(question)
        result = grade(" ".join(concept.concept for concept in concepts), concepts)
        if result.missed:
            not_covered[question["id"]] = result.missed
    assert not_covered == {}


def test_reference_answers_of_basic_deck_questions_cover_a_concept() -> None:
    basic = [
        question
        for question in _deck_questions()
        if _key_concepts(question)
        and (str(question["id"]).startswith("what-is-") or question.get("difficulty") == "easy")
    ]
    if not basic:
        pytest.skip("the deck has no basic ('what-is-…' or easy) question with key concepts")
    uncovered = [
        question["id"]
        for question in basic
        if not grade(_answer_text(question["answer"]), _key_concepts(question)).covered
    ]
    assert uncovered == []
