"""The grader reads claims: spelling, morphology, negation, related terms, misconceptions and lists."""

from __future__ import annotations

import pytest

from bot.core.deck_schema import Bullet, Difficulty, KeyConcept, Misconception, Question
from bot.core.grading import GradingService, Judgement


def question(
    *concepts: KeyConcept, misconceptions: tuple[Misconception, ...] = (), asked: str = "무엇인가"
) -> Question:
    return Question(
        id="q",
        category="basics",
        difficulty=Difficulty.EASY,
        question=asked,
        answer=(Bullet(text="참고 답안"),),
        key_concepts=concepts,
        misconceptions=misconceptions,
    )


BACKPROP = question(
    KeyConcept(concept="연쇄 법칙", aliases=("chain rule", "체인 룰")),
    KeyConcept(concept="편미분", aliases=("partial derivative",)),
    KeyConcept(concept="가중치 업데이트", aliases=("weight update", "가중치 갱신")),
    asked="역전파를 설명하라",
)
GPU = question(
    KeyConcept(concept="병렬 연산", aliases=("parallel computation", "동시에 계산")),
    KeyConcept(concept="행렬 연산", aliases=("matrix multiplication", "행렬 곱")),
    asked="딥러닝에 GPU를 쓰는 이유",
)
NORMALIZATION = question(
    KeyConcept(concept="정규화는 min-max", aliases=("정규화", "normalization"), requires=(("min-max", "0과 1 사이"),)),
    KeyConcept(
        concept="표준화는 평균 0 분산 1", aliases=("표준화", "standardization"), requires=(("평균 0", "z-score"),)
    ),
    misconceptions=(
        Misconception(
            claim="정규화를 평균 0 분산 1로 맞추는 것이라 함",
            terms=("정규화", "normalization"),
            requires=(("평균 0", "분산 1", "z-score"),),
            correction="평균 0, 분산 1은 표준화입니다.",
        ),
    ),
    asked="정규화와 표준화의 차이",
)
CROSS_ATTENTION = question(
    KeyConcept(concept="Q는 디코더", aliases=("Q", "query", "쿼리"), requires=(("디코더", "decoder"),)),
    KeyConcept(concept="K와 V는 인코더", aliases=("K", "key", "키", "V", "value"), requires=(("인코더", "encoder"),)),
    misconceptions=(
        Misconception(claim="Q가 인코더에서 온다", terms=("Q", "query", "쿼리"), requires=(("인코더", "encoder"),)),
    ),
    asked="cross attention에서 Q, K, V는 어디서 오는가",
)


@pytest.fixture(scope="module")
def grading() -> GradingService:
    return GradingService(worker=False)


def judge(grading: GradingService, q: Question, text: str) -> Judgement:
    return grading.grade(q, text)


# --- morphology and spelling --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "체인룰을 이용해서 기울기를 구합니다",
        "체인 룰에 의해 계산됩니다",
        "연쇄법칙으로 계산함",
        "It applies the chain rule.",
    ],
)
def test_a_spelling_counts_with_any_ending_particle_spacing_or_language(grading: GradingService, answer: str) -> None:
    assert "연쇄 법칙" in judge(grading, BACKPROP, answer).covered


def test_words_of_a_term_may_be_separated_by_a_short_span(grading: GradingService) -> None:
    assert "가중치 업데이트" in judge(grading, BACKPROP, "가중치를 매 스텝마다 업데이트합니다").covered


def test_words_of_a_term_in_different_clauses_do_not_make_it(grading: GradingService) -> None:
    found = judge(grading, BACKPROP, "가중치가 중요합니다. 그리고 오늘 날씨는 업데이트가 없습니다").covered
    assert "가중치 업데이트" not in found


@pytest.mark.parametrize("answer", ["It uses partial derivatives of the loss", "computes the partial derivative"])
def test_english_inflection_does_not_matter(grading: GradingService, answer: str) -> None:
    assert "편미분" in judge(grading, BACKPROP, answer).covered


@pytest.mark.parametrize("answer", ["weights are updated by the chain rule", "weight updates follow the gradient"])
def test_english_plural_and_past_tense_of_a_term_count(grading: GradingService, answer: str) -> None:
    assert "가중치 업데이트" in judge(grading, BACKPROP, answer).covered


def test_mixed_korean_english_compound_counts(grading: GradingService) -> None:
    assert "연쇄 법칙" in judge(grading, BACKPROP, "체인 rule로 미분을 곱해 나갑니다").covered


@pytest.mark.parametrize(
    ("answer", "concept"),
    [("matrix multiplcation을 빠르게 합니다", "행렬 연산"), ("paralel computation에 강합니다", "병렬 연산")],
)
def test_a_typo_in_a_long_word_is_tolerated(grading: GradingService, answer: str, concept: str) -> None:
    assert concept in judge(grading, GPU, answer).covered


def test_a_one_jamo_slip_in_hangul_is_tolerated(grading: GradingService) -> None:
    q = question(KeyConcept(concept="모멘텀", aliases=("momentum",)), asked="최적화 기법")
    assert judge(grading, q, "모멘툼을 써서 관성을 줍니다").covered == ("모멘텀",)


def test_a_short_term_gets_no_typo_tolerance(grading: GradingService) -> None:
    q = question(KeyConcept(concept="GD", aliases=("경사 하강",)), asked="최적화")
    assert judge(grading, q, "GB를 씁니다").covered == ()


def test_one_rubric_term_is_never_read_as_a_typo_of_another(grading: GradingService) -> None:
    q = question(
        KeyConcept(concept="인코더", aliases=("encoder",)),
        KeyConcept(concept="디코더", aliases=("decoder",)),
        asked="트랜스포머 구조",
    )
    assert judge(grading, q, "decoder가 토큰을 생성합니다").covered == ("디코더",)


@pytest.mark.parametrize("answer", ["\u200b체인\u200b룰을 씁니다", "ｃｈａｉｎ ｒｕｌｅ을 씁니다"])
def test_invisible_and_full_width_characters_are_folded(grading: GradingService, answer: str) -> None:
    assert "연쇄 법칙" in judge(grading, BACKPROP, answer).covered


# --- negation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "GPU는 병렬 연산을 못 해서 딥러닝엔 CPU가 낫습니다",
        "GPU는 병렬 연산을 하지 않습니다",
        "GPUs do not do parallel computation.",
        "A GPU can't run parallel computation well.",
    ],
)
def test_a_negated_claim_is_contradicted_not_covered(grading: GradingService, answer: str) -> None:
    judgement = judge(grading, GPU, answer)
    assert "병렬 연산" in judgement.contradicted
    assert "병렬 연산" not in judgement.covered


def test_a_contradiction_costs_points(grading: GradingService) -> None:
    denied = judge(grading, GPU, "GPU는 병렬 연산을 못 하고 행렬 연산만 빠릅니다")
    plain = judge(grading, GPU, "GPU는 행렬 연산이 빠릅니다")
    assert denied.score < plain.score


def test_negation_in_another_clause_does_not_touch_a_claim(grading: GradingService) -> None:
    judgement = judge(grading, GPU, "CPU는 느리지 않지만, GPU는 병렬 연산을 합니다")
    assert "병렬 연산" in judgement.covered


def test_a_negated_condition_states_no_claim_either_way(grading: GradingService) -> None:
    judgement = judge(grading, GPU, "병렬 연산이 없으면 학습이 너무 느립니다")
    assert "병렬 연산" not in judgement.contradicted


def test_a_negation_inside_a_term_is_part_of_the_claim(grading: GradingService) -> None:
    q = question(KeyConcept(concept="양수 구간에서 포화되지 않음", aliases=("포화되지 않",)), asked="ReLU의 장점")
    assert judge(grading, q, "ReLU는 양수에서 포화되지 않습니다").covered == ("양수 구간에서 포화되지 않음",)


# --- related terms, roles and misconceptions ----------------------------------------------------------


def test_a_concept_needs_its_related_terms_in_the_same_part_of_a_clause(grading: GradingService) -> None:
    judgement = judge(grading, CROSS_ATTENTION, "Q는 디코더에서, K와 V는 인코더 출력에서 옵니다")
    assert judgement.covered == ("Q는 디코더", "K와 V는 인코더")
    assert judgement.misconceptions == ()


def test_roles_are_read_without_a_comma_and_in_english(grading: GradingService) -> None:
    for answer in ("Q는 디코더에서 K와 V는 인코더에서 온다", "Q comes from the decoder and K, V from the encoder."):
        assert judge(grading, CROSS_ATTENTION, answer).covered == ("Q는 디코더", "K와 V는 인코더"), answer


def test_swapped_roles_are_a_misconception_and_score_low(grading: GradingService) -> None:
    judgement = judge(grading, CROSS_ATTENTION, "Q는 인코더에서 오고, K와 V는 디코더에서 옵니다")
    assert [m.claim for m in judgement.misconceptions] == ["Q가 인코더에서 온다"]
    assert judgement.score <= 0.1


def test_swapped_definitions_are_caught(grading: GradingService) -> None:
    judgement = judge(
        grading, NORMALIZATION, "정규화는 평균 0 분산 1로 맞추는 것이고, 표준화는 min-max로 0과 1 사이로 바꿉니다"
    )
    assert judgement.misconceptions and judgement.misconceptions[0].correction == "평균 0, 분산 1은 표준화입니다."
    assert judgement.score <= 0.3


def test_a_denied_misconception_is_not_held_against_the_member(grading: GradingService) -> None:
    judgement = judge(grading, CROSS_ATTENTION, "Q는 인코더에서 오지 않습니다. Q는 디코더에서 옵니다")
    assert judgement.misconceptions == ()
    assert "Q는 디코더" in judgement.covered


# --- anti-gaming --------------------------------------------------------------------------------------


def test_a_bare_list_of_terms_earns_only_a_small_share(grading: GradingService) -> None:
    listed = judge(grading, BACKPROP, "chain rule, partial derivative, weight update")
    explained = judge(
        grading, BACKPROP, "출력의 오차를 chain rule로 거슬러 편미분하고, 그 기울기로 가중치를 업데이트합니다"
    )
    assert listed.covered == ()
    assert set(listed.named) == {"연쇄 법칙", "편미분", "가중치 업데이트"}
    assert listed.score <= 0.3
    assert explained.score == 1.0


def test_a_korean_list_of_nouns_is_a_list(grading: GradingService) -> None:
    listed = judge(grading, BACKPROP, "연쇄 법칙, 편미분, 가중치 갱신")
    assert listed.covered == () and listed.score <= 0.3


def test_the_questions_own_words_earn_nothing(grading: GradingService) -> None:
    q = question(KeyConcept(concept="배치 정규화", aliases=("batch normalization",)), asked="배치 정규화란 무엇인가")
    assert judge(grading, q, "배치 정규화는 배치 정규화입니다").score == 0.0


def test_a_pasted_glossary_scores_low(grading: GradingService) -> None:
    glossary = ", ".join(
        spelling
        for q in (BACKPROP, GPU, NORMALIZATION, CROSS_ATTENTION)
        for concept in q.key_concepts
        for spelling in concept.spellings
    )
    for q in (BACKPROP, GPU, CROSS_ATTENTION):
        assert judge(grading, q, glossary).score <= 0.3


def test_an_off_topic_answer_scores_zero(grading: GradingService) -> None:
    assert judge(grading, BACKPROP, "모르겠습니다").score == 0.0


# --- scoring and robustness ---------------------------------------------------------------------------


def test_covering_most_concepts_earns_full_marks(grading: GradingService) -> None:
    judgement = judge(grading, BACKPROP, "체인 룰로 오차를 편미분해서 가중치를 갱신합니다")
    assert judgement.score == 1.0
    assert judgement.missed == ()


def test_an_accepted_dispute_counts_a_concept_as_covered(grading: GradingService) -> None:
    text = "오차를 거꾸로 전달해서 각 층의 기여도를 구합니다"
    before = grading.grade(BACKPROP, text)
    after = grading.grade(BACKPROP, text, accepted=frozenset({"연쇄 법칙"}))
    assert "연쇄 법칙" in before.missed and "연쇄 법칙" in after.covered
    assert after.score > before.score


def test_results_follow_rubric_order(grading: GradingService) -> None:
    judgement = judge(grading, BACKPROP, "가중치를 업데이트합니다. 체인룰을 씁니다")
    assert judgement.covered == ("연쇄 법칙", "가중치 업데이트")
    assert judgement.missed == ("편미분",)


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "   ",
        "\u200b\u200b",
        "ㅋㅋㅋㅋ",
        "!!!???",
        "<@&123> @everyone",
        "a" * 5000,
        "가" * 20_000,
        "\x00\x01",
        "😀" * 50,
    ],
)
def test_hostile_text_grades_without_error(grading: GradingService, answer: str) -> None:
    judgement = judge(grading, BACKPROP, answer)
    assert 0.0 <= judgement.score <= 1.0


def test_a_question_without_concepts_scores_zero(grading: GradingService) -> None:
    assert judge(grading, question(), "아무 답").score == 0.0


def test_must_not_denies_the_claim_it_follows(grading: GradingService) -> None:
    q = question(
        misconceptions=(
            Misconception(
                claim="test set으로 튜닝한다", terms=("test set", "테스트셋"), requires=(("튜닝", "tuning"),)
            ),
        ),
        asked="데이터를 나누는 이유",
    )
    assert judge(grading, q, "test set은 하이퍼파라미터 튜닝에 쓰면 안 됩니다.").misconceptions == ()
    assert judge(grading, q, "test set으로 하이퍼파라미터 튜닝을 하면 됩니다.").misconceptions != ()


def test_an_elliptic_negation_after_and_denies_only_its_own_part(grading: GradingService) -> None:
    q = question(
        KeyConcept(concept="BERT는 양방향", aliases=("BERT",), requires=(("bidirectional", "양방향"),)),
        asked="두 모델의 차이",
    )
    assert judge(grading, q, "BERT is bidirectional and GPT isn't.").covered == ("BERT는 양방향",)


def test_a_negated_topic_with_a_relative_clause_denies_the_clause(grading: GradingService) -> None:
    q = question(
        KeyConcept(concept="외부 데이터 연결", aliases=("외부 데이터",), requires=(("연결",),)), asked="도구 설명"
    )
    judgement = judge(grading, q, "이 도구는 외부 데이터를 연결하는 기능은 없음")
    assert judgement.contradicted == ("외부 데이터 연결",)


def test_an_english_comma_splice_starts_a_new_subject(grading: GradingService) -> None:
    q = question(
        misconceptions=(
            Misconception(claim="평균 풀링이 최댓값을 고른다", terms=("average pooling",), requires=(("largest",),)),
        ),
        asked="풀링 비교",
    )
    answer = "Max pooling just takes the largest value, average pooling keeps the overall features."
    assert judge(grading, q, answer).misconceptions == ()


SWAP = question(
    KeyConcept(concept="ViT는 전역 관계", aliases=("ViT",), requires=(("전역", "global"),)),
    misconceptions=(Misconception(claim="CNN이 전역 관계를 본다", terms=("CNN",), requires=(("전역", "global"),)),),
    asked="두 구조의 차이",
)


@pytest.mark.parametrize(
    "answer",
    [
        "ViT는 CNN과 달리 전역 관계를 봅니다",
        "ViT는 CNN보다 전역 관계를 잘 봅니다",
        "Unlike CNNs, ViT captures global relations.",
    ],
)
def test_what_a_claim_is_set_against_is_not_its_subject(grading: GradingService, answer: str) -> None:
    judgement = judge(grading, SWAP, answer)
    assert judgement.covered == ("ViT는 전역 관계",)
    assert judgement.misconceptions == ()


def test_only_with_a_negation_is_no_denial(grading: GradingService) -> None:
    q = question(
        misconceptions=(Misconception(claim="ReLU는 직선만 만든다", terms=("ReLU",), requires=(("직선",),)),),
        asked="활성화 함수",
    )
    assert judge(grading, q, "ReLU만 쓰면 직선밖에 못 만든다").misconceptions != ()


def test_a_negated_goal_is_not_the_wrong_claim_its_words_would_make(grading: GradingService) -> None:
    q = question(
        misconceptions=(
            Misconception(claim="규제가 가중치를 키운다", terms=("가중치",), requires=(("커지", "증가"),)),
        ),
        asked="규제",
    )
    assert judge(grading, q, "가중치가 너무 커지지 않도록 패널티를 줍니다").misconceptions == ()
    assert judge(grading, q, "규제를 하면 가중치가 커집니다").misconceptions != ()


def test_negations_apart_each_deny_and_side_by_side_cancel(grading: GradingService) -> None:
    q = question(
        misconceptions=(Misconception(claim="DETR은 NMS를 쓴다", terms=("NMS",), requires=(("use", "쓰"),)),),
        asked="DETR",
    )
    assert judge(grading, q, "DETR uses no anchors and no NMS.").misconceptions == ()
    assert judge(grading, q, "NMS를 안 쓰는 게 아닙니다. NMS를 쓰지 않는 것은 아니다").misconceptions != ()


def test_a_particle_glued_to_an_english_term_marks_a_topic(grading: GradingService) -> None:
    q = question(
        KeyConcept(concept="LN은 샘플마다", aliases=("LN",), requires=(("샘플마다", "per sample"),)),
        misconceptions=(Misconception(claim="BN이 샘플마다 정규화", terms=("BN",), requires=(("샘플마다",),)),),
        asked="두 정규화 비교",
    )
    judgement = judge(grading, q, "BN은 배치 방향으로 통계를 내고 LN은 샘플마다 낸다")
    assert judgement.covered == ("LN은 샘플마다",) and judgement.misconceptions == ()
