"""Importing outlines: the seed list and Markdown outlines become decks that load back unchanged."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.core.deck_import import OutlineError, deck_to_yaml, import_outline, import_outline_file, question_id
from bot.core.deck_schema import Bullet, Deck, KeyConcept, Source
from bot.core.decks import parse_deck, validate_deck

SEED = Path(__file__).resolve().parents[2] / "questions" / "source" / "dl-interview-ko.txt"


def seed_question_lines() -> list[str]:
    """Question lines of the seed by a direct scan: a column-0 line whose next text line is a bullet."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    body = [line for line in lines[lines.index("[딥러닝]") + 1 :] if line.strip()]
    return [
        line.strip()
        for line, following in itertools.pairwise(body)
        if not line[0].isspace() and following.lstrip().startswith("•")
    ]


def seed_bullet_texts() -> list[str]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    body = lines[lines.index("[딥러닝]") + 1 :]
    return [line.strip().removeprefix("•").strip() for line in body if line.lstrip().startswith("•")]


def flatten(bullets: tuple[Bullet, ...]) -> list[str]:
    return [text for bullet in bullets for text in (bullet.text, *flatten(bullet.children))]


@pytest.fixture(scope="module")
def seed_deck() -> Deck:
    return import_outline_file(SEED)


def test_seed_import_gives_the_70_seed_questions_in_order(seed_deck: Deck) -> None:
    assert [q.question for q in seed_deck.questions] == seed_question_lines()
    assert len(seed_deck.questions) == 70


def test_seed_preamble_does_not_become_questions(seed_deck: Deck) -> None:
    texts = {q.question for q in seed_deck.questions}

    assert seed_deck.questions[0].question == "딥러닝이란 무엇인가"
    assert {"면접", "🧐 사용 방법", "끝.", "반응형"}.isdisjoint(texts)


def test_seed_bullets_are_kept_in_order(seed_deck: Deck) -> None:
    imported = [text for q in seed_deck.questions for text in flatten(q.answer)]

    assert imported == seed_bullet_texts()


def test_seed_nested_backpropagation_bullets_keep_their_levels(seed_deck: Deck) -> None:
    backprop = next(q for q in seed_deck.questions if q.question == "backpropagation에 대하여 설명하라")
    hand = backprop.answer[3]

    assert hand.text == "(손 계산)"
    assert [child.text.split(":")[0] for child in hand.children] == ["순전파", "손실값", "역전파"]
    assert [len(child.children) for child in hand.children] == [2, 1, 5]
    assert hand.children[2].children[1].text == "(그라디언트 loss) ∇C = dC/dw (loss의 웨이트 편미분)"


def test_seed_gets_a_korean_section_category(seed_deck: Deck) -> None:
    assert [c.model_dump() for c in seed_deck.deck.categories] == [{"id": "section-1", "ko": "딥러닝", "en": "딥러닝"}]
    assert {q.category for q in seed_deck.questions} == {"section-1"}


def test_seed_ids_are_readable_ordinal_slugs(seed_deck: Deck) -> None:
    ids = [q.id for q in seed_deck.questions]

    assert ids[0] == "q001"
    assert ids[7] == "q008-gradient-vanishing"
    assert len(set(ids)) == 70


def test_seed_deck_defaults(seed_deck: Deck) -> None:
    assert seed_deck.id == "dl-interview-ko"
    assert seed_deck.deck.language == "ko"
    assert {q.difficulty.value for q in seed_deck.questions} == {"medium"}


def test_imported_questions_warn_about_missing_key_concepts(seed_deck: Deck) -> None:
    findings = validate_deck(seed_deck)

    assert findings.ok
    assert len([w for w in findings.warnings if w.field == "key_concepts"]) == 70


def test_seed_yaml_loads_back_to_an_equal_deck(seed_deck: Deck) -> None:
    assert parse_deck(deck_to_yaml(seed_deck)).deck == seed_deck


def test_yaml_keeps_korean_readable_and_schema_field_order(seed_deck: Deck) -> None:
    text = deck_to_yaml(seed_deck)
    first_question = text[text.index("  - id: q001") :].splitlines()[:5]

    assert "question: 딥러닝이란 무엇인가" in text
    assert "\\u" not in text
    assert [line.split(":")[0].strip(" -") for line in first_question] == [
        "id",
        "category",
        "difficulty",
        "question",
        "answer",
    ]


def test_full_deck_round_trips_through_yaml(seed_deck: Deck) -> None:
    question = seed_deck.questions[0].model_copy(
        update={
            "tags": ("basics",),
            "key_concepts": (KeyConcept(concept="인공신경망", aliases=("neural network", "ANN")),),
            "correction": "Deep learning is: a subset of machine learning.",
        }
    )
    header = seed_deck.deck.model_copy(
        update={
            "corrected": (question.id,),
            "description": "Notes: with a colon",
            "source": Source(author="davidlds", title="[취준] 딥러닝", license="public domain"),
        }
    )
    deck = seed_deck.model_copy(update={"deck": header, "questions": (question, *seed_deck.questions[1:])})

    assert parse_deck(deck_to_yaml(deck)).deck == deck


def test_markdown_headings_become_categories() -> None:
    outline = """\
# Deep Learning Interview

## Optimization

What is momentum?
- It accumulates past gradients.

## 정규화

What is dropout?
* Randomly drops units.
"""
    deck = import_outline(outline, deck_id="md", title="MD")

    assert [(c.id, c.en) for c in deck.deck.categories] == [("optimization", "Optimization"), ("section-3", "정규화")]
    assert [q.category for q in deck.questions] == ["optimization", "section-3"]


def test_markdown_bullets_nest_by_indentation() -> None:
    outline = """\
Explain backpropagation
1. Forward pass
2. Backward pass
    - chain rule
        - product of local derivatives
3. Update
"""
    [question] = import_outline(outline, deck_id="md", title="MD").questions

    assert question.answer == (
        Bullet(text="Forward pass"),
        Bullet(
            text="Backward pass",
            children=(Bullet(text="chain rule", children=(Bullet(text="product of local derivatives"),)),),
        ),
        Bullet(text="Update"),
    )


def test_lines_without_bullets_are_not_questions() -> None:
    outline = """\
Some blog preamble.
Another line of it.

What is ReLU?

- max(0, x)

끝.
"""
    deck = import_outline(outline, deck_id="plain", title="Plain")

    assert [q.question for q in deck.questions] == ["What is ReLU?"]
    assert deck.deck.categories[0].id == "general"


def test_level_three_heading_followed_by_bullets_is_a_question() -> None:
    outline = "## Basics\n\n### What is a tensor?\n- An n-dimensional array.\n"
    [question] = import_outline(outline, deck_id="md", title="MD").questions

    assert (question.id, question.question) == ("q001-what-is-a-tensor", "What is a tensor?")


def test_indented_line_without_marker_continues_the_bullet() -> None:
    outline = "What is Adam?\n- Momentum plus\n  RMSprop scaling.\n"
    [question] = import_outline(outline, deck_id="md", title="MD").questions

    assert question.answer == (Bullet(text="Momentum plus RMSprop scaling."),)


def test_outline_without_questions_is_refused() -> None:
    with pytest.raises(OutlineError, match="no questions"):
        import_outline("just prose\nand more prose\n", deck_id="x", title="X")


def test_invalid_deck_id_is_refused() -> None:
    with pytest.raises(OutlineError, match=r"deck\.id"):
        import_outline("Q?\n- A.\n", deck_id="Not A Slug", title="X")


def test_language_defaults_from_the_script() -> None:
    english = import_outline("What?\n- This.\n", deck_id="en-deck", title="E")
    korean = import_outline("무엇인가?\n- 이것.\n", deck_id="ko-deck", title="K")

    assert (english.deck.language, korean.deck.language) == ("en", "ko")


def test_question_id_pads_the_ordinal_and_keeps_english_words() -> None:
    assert question_id(8, "gradient vanishing의 근본적인 원인을 설명하라") == "q008-gradient-vanishing"
    assert question_id(12, "모멘텀을 수식으로 설명하라", width=4) == "q0012"
