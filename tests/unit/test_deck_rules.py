"""The cross-field deck rules, each called on its own with raw deck data."""

from __future__ import annotations

from typing import Any

from bot.core.decks import DeckIssue
from bot.core.decks.validation import (
    RawDeck,
    categories_are_used,
    category_is_declared,
    corrected_entries_are_corrections,
    correction_is_not_empty,
    corrections_are_listed,
    has_key_concepts,
    unique_category_ids,
    unique_question_ids,
)
from bot.yamlsource import Loc


def line_by_path(loc: Loc) -> int:
    """A fake line for each path, so tests can tell where an issue points."""
    lines = {
        ("questions", 0, "id"): 10,
        ("questions", 1): 20,
        ("questions", 1, "id"): 21,
        ("questions", 1, "category"): 22,
    }
    return lines.get(loc, 99)


def raw_deck(questions: list[Any], *, categories: Any = ("basics",), corrected: Any = None) -> RawDeck:
    """Raw deck data; a tuple of ``categories`` declares those ids, anything else is written as given."""
    header: dict[str, Any] = {}
    if isinstance(categories, tuple):
        header["categories"] = [{"id": category_id} for category_id in categories]
    elif categories is not None:
        header["categories"] = categories
    if corrected is not None:
        header["corrected"] = corrected
    deck = RawDeck.read({"deck": header, "questions": questions}, "deck.yaml", line_by_path)
    assert deck is not None
    return deck


def question(question_id: str | None, **fields: Any) -> dict[str, Any]:
    return {"id": question_id, "category": "basics", "key_concepts": ["k"], **fields}


def test_a_repeated_question_id_is_reported_at_the_repeat_with_the_line_of_the_first() -> None:
    deck = raw_deck([question("a"), question(" a ")])

    assert unique_question_ids(deck, deck.questions[0]) is None
    assert unique_question_ids(deck, deck.questions[1]) == DeckIssue(
        "deck.yaml", 21, "a", "id", "duplicate question id (first at line 10)"
    )


def test_a_repeated_question_id_without_lines_names_the_first_question_by_number() -> None:
    deck = RawDeck.read({"questions": [question("a"), question("a")]}, "deck.yaml", lambda loc: None)
    assert deck is not None

    issue = unique_question_ids(deck, deck.questions[1])

    assert issue is not None
    assert issue.message == "duplicate question id (first at question #1)"


def test_a_repeated_category_id_is_an_error_naming_the_first_index() -> None:
    deck = raw_deck([question("a")], categories=("basics", "training", "basics"))

    assert [issue.message for issue in unique_category_ids(deck)] == [
        "duplicate category id 'basics' (first at index 0)"
    ]


def test_an_undeclared_category_of_a_question_without_id_is_reported_by_its_path() -> None:
    deck = raw_deck([question("a"), question(None, category=" nope ")])

    assert category_is_declared(deck, deck.questions[1]) == DeckIssue(
        "deck.yaml", 22, None, "questions[1].category", "category 'nope' is not declared in deck.categories"
    )


def test_categories_are_not_checked_when_deck_categories_is_not_a_list() -> None:
    deck = raw_deck([question("a", category="anything")], categories="basics")

    assert category_is_declared(deck, deck.questions[0]) is None


def test_a_blank_correction_is_an_error_but_a_missing_one_is_not() -> None:
    deck = raw_deck([question("a", correction="  "), question("b")])

    blank = correction_is_not_empty(deck, deck.questions[0])

    assert blank is not None
    assert blank.message == "correction is empty; remove the field or write the correction"
    assert correction_is_not_empty(deck, deck.questions[1]) is None


def test_a_question_without_key_concepts_gets_a_warning_pointing_at_the_question() -> None:
    deck = raw_deck([question("a"), {"id": "b", "category": "basics"}])

    assert has_key_concepts(deck, deck.questions[0]) is None
    warning = has_key_concepts(deck, deck.questions[1])
    assert warning is not None
    assert (warning.line, warning.field) == (20, "key_concepts")


def test_corrected_entries_must_be_unique_known_and_corrected() -> None:
    deck = raw_deck(
        [question("fixed", correction="It is X."), question("plain")],
        corrected=["fixed", "fixed", "ghost", "plain"],
    )

    assert [issue.message for issue in corrected_entries_are_corrections(deck)] == [
        "'fixed' is listed twice",
        "no question with id 'ghost'",
        "question 'plain' is listed as corrected but has no correction",
    ]


def test_a_correction_missing_from_deck_corrected_is_an_error() -> None:
    deck = raw_deck(
        [question("fixed", correction="It is X."), question("listed", correction="Y.")], corrected=["listed"]
    )

    assert [(issue.question_id, issue.field) for issue in corrections_are_listed(deck)] == [("fixed", "correction")]


def test_corrections_are_not_checked_against_a_deck_corrected_that_is_not_a_list() -> None:
    deck = raw_deck([question("fixed", correction="It is X.")], corrected="fixed")

    assert corrections_are_listed(deck) == []


def test_a_declared_category_without_questions_gets_a_warning() -> None:
    deck = raw_deck([question("a")], categories=("basics", "unused"))

    assert [issue.message for issue in categories_are_used(deck)] == ["category 'unused' has no questions"]
