"""The deck the bot ships: complete, faithful to its source and ready for scoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.deck_import import import_outline_file
from bot.core.deck_schema import Bullet, Deck
from bot.core.decks import LoadedDeck, read_deck

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "questions" / "dl-interview-ko.yaml"
SEED = ROOT / "questions" / "source" / "dl-interview-ko.txt"


def flatten(bullets: tuple[Bullet, ...]) -> list[str]:
    return [text for bullet in bullets for text in (bullet.text, *flatten(bullet.children))]


@pytest.fixture(scope="module")
def shipped() -> LoadedDeck:
    return read_deck(SHIPPED)


@pytest.fixture(scope="module")
def seed() -> Deck:
    return import_outline_file(SEED)


def test_shipped_deck_loads_without_warnings(shipped: LoadedDeck) -> None:
    assert [str(warning) for warning in shipped.warnings] == []


def test_shipped_questions_are_the_seed_questions_in_order(shipped: LoadedDeck, seed: Deck) -> None:
    assert len(shipped.deck.questions) == 70
    assert [q.question for q in shipped.deck.questions] == [q.question for q in seed.questions]


def test_every_shipped_question_has_an_answer(shipped: LoadedDeck) -> None:
    assert [q.id for q in shipped.deck.questions if not q.answer] == []


def test_every_shipped_question_has_two_to_eight_key_concepts(shipped: LoadedDeck) -> None:
    counts = {q.id: len(q.key_concepts) for q in shipped.deck.questions}

    assert {question_id: n for question_id, n in counts.items() if not 2 <= n <= 8} == {}


def test_every_seed_bullet_appears_in_the_shipped_answer_in_order(shipped: LoadedDeck, seed: Deck) -> None:
    missing: dict[str, list[str]] = {}
    for ours, theirs in zip(shipped.deck.questions, seed.questions, strict=True):
        remaining = iter(flatten(ours.answer))
        # Each seed bullet must be found after the previous one; consuming the iterator keeps the order.
        lost = [text for text in flatten(theirs.answer) if not any(text in bullet for bullet in remaining)]
        if lost:
            missing[ours.id] = lost

    assert missing == {}


def test_corrected_lists_exactly_the_questions_with_corrections(shipped: LoadedDeck) -> None:
    with_corrections = [q.id for q in shipped.deck.questions if q.correction]

    assert with_corrections
    assert sorted(shipped.deck.deck.corrected) == sorted(with_corrections)
