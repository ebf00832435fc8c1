"""Checks that span several fields of a deck, one function per rule, and `validate_deck` running them all.

The rules read the raw data rather than the models, so they still report when other parts of the deck are
invalid; rules about a single field are the schema's (`bot.core.deck_schema`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from bot.core.deck_schema import Deck
from bot.core.decks.issues import DeckIssue, Findings, Locator, by_line, render_loc
from bot.yamlsource import Loc


@dataclass(frozen=True, slots=True)
class RawQuestion:
    """A question mapping as written, with its index and its trimmed id (None when missing or blank)."""

    index: int
    data: Mapping[str, Any]
    id: str | None

    def loc(self, *path: str) -> Loc:
        return ("questions", self.index, *path)

    def field(self, name: str) -> str:
        """The field as reported: its name next to the question id, or its whole path if there is no id."""
        return name if self.id is not None else render_loc(self.loc(name))

    @property
    def has_correction(self) -> bool:
        return _has_text(self.data.get("correction"))


@dataclass(frozen=True, slots=True)
class RawDeck:
    """What the rules read of raw deck data; parts of the wrong shape are left out, the schema reports them.

    ``declared`` and ``first_question`` give the index of the first category and question with each id;
    ``corrections`` tells for each question id whether its first question has a correction.
    """

    file: str
    locate: Locator
    header: Mapping[str, Any]
    category_ids: tuple[tuple[int, str], ...]
    # Whether deck.categories is a list at all; if not, no category can be called undeclared.
    categories_listed: bool
    questions: tuple[RawQuestion, ...]
    declared: Mapping[str, int]
    first_question: Mapping[str, int]
    corrections: Mapping[str, bool]
    used_categories: frozenset[str]

    @classmethod
    def read(cls, data: Any, file: str, locate: Locator) -> RawDeck | None:
        """The rules' view of ``data``; None if it is not a mapping, as then there is nothing to cross-check."""
        if not isinstance(data, Mapping):
            return None
        header = data.get("deck")
        header = header if isinstance(header, Mapping) else {}
        category_ids = tuple(
            (index, category["id"])
            for index, category in enumerate(_items(header.get("categories")))
            if isinstance(category, Mapping) and isinstance(category.get("id"), str)
        )
        questions = tuple(
            RawQuestion(index, question, _trimmed(question.get("id")))
            for index, question in enumerate(_items(data.get("questions")))
            if isinstance(question, Mapping)
        )
        declared: dict[str, int] = {}
        for index, category_id in category_ids:
            declared.setdefault(category_id, index)
        first_question: dict[str, int] = {}
        corrections: dict[str, bool] = {}
        for question in questions:
            if question.id is not None:
                first_question.setdefault(question.id, question.index)
                corrections.setdefault(question.id, question.has_correction)
        return cls(
            file=file,
            locate=locate,
            header=header,
            category_ids=category_ids,
            categories_listed=isinstance(header.get("categories"), list | tuple),
            questions=questions,
            declared=MappingProxyType(declared),
            first_question=MappingProxyType(first_question),
            corrections=MappingProxyType(corrections),
            used_categories=frozenset(
                category.strip() for q in questions if isinstance(category := q.data.get("category"), str)
            ),
        )

    def header_issue(self, loc: Loc, message: str) -> DeckIssue:
        return DeckIssue(self.file, self.locate(loc), None, render_loc(loc), message)

    def question_issue(self, question: RawQuestion, name: str, message: str, *, at: Loc | None = None) -> DeckIssue:
        """An issue with field ``name`` of ``question``, located at that field unless ``at`` says otherwise."""
        line = self.locate(at if at is not None else question.loc(name))
        return DeckIssue(self.file, line, question.id, question.field(name), message)


QuestionRule = Callable[[RawDeck, RawQuestion], DeckIssue | None]


def validate_deck(deck: Deck, file: str = "<deck>") -> Findings:
    """The cross-reference errors and the warnings of a deck built in code (issues carry no lines).

    Field-level rules are already enforced by the models; this adds the checks that span fields:
    unique question ids, declared categories and the ``corrected`` list.
    """
    return cross_check(deck.model_dump(mode="python"), file, lambda loc: None)


def cross_check(data: Any, file: str, locate: Locator) -> Findings:
    """Every rule's errors and warnings for raw deck data, each list in line order."""
    deck = RawDeck.read(data, file, locate)
    if deck is None:
        return Findings()
    # Issues without a line (decks built in code) are reported in the order the rules run here.
    errors = [
        *unique_category_ids(deck),
        *_each_question(deck, unique_question_ids, category_is_declared, correction_is_not_empty),
        *corrected_entries_are_corrections(deck),
        *corrections_are_listed(deck),
    ]
    warnings = [*_each_question(deck, has_key_concepts), *categories_are_used(deck)]
    return Findings(tuple(sorted(errors, key=by_line)), tuple(sorted(warnings, key=by_line)))


def _each_question(deck: RawDeck, *rules: QuestionRule) -> Iterator[DeckIssue]:
    # Question by question rather than rule by rule, so issues of one question stay together.
    for question in deck.questions:
        for rule in rules:
            if (issue := rule(deck, question)) is not None:
                yield issue


# --- the rules ----------------------------------------------------------------------------------------


def unique_category_ids(deck: RawDeck) -> list[DeckIssue]:
    """Each category id is declared once: every repeat is an error naming the index of the first."""
    return [
        deck.header_issue(
            ("deck", "categories", index, "id"),
            f"duplicate category id '{category_id}' (first at index {deck.declared[category_id]})",
        )
        for index, category_id in deck.category_ids
        if deck.declared[category_id] != index
    ]


def unique_question_ids(deck: RawDeck, question: RawQuestion) -> DeckIssue | None:
    """A question id is used once per deck: a repeat is an error saying where the first one is."""
    if question.id is None:
        return None
    first = deck.first_question[question.id]
    if first == question.index:
        return None
    first_line = deck.locate(("questions", first, "id"))
    where = f"line {first_line}" if first_line is not None else f"question #{first + 1}"
    return deck.question_issue(question, "id", f"duplicate question id (first at {where})")


def category_is_declared(deck: RawDeck, question: RawQuestion) -> DeckIssue | None:
    """A question's category is one of deck.categories; not checked when deck.categories is not a list."""
    category = question.data.get("category")
    if not deck.categories_listed or not isinstance(category, str) or category.strip() in deck.declared:
        return None
    message = f"category '{category.strip()}' is not declared in deck.categories"
    return deck.question_issue(question, "category", message)


def correction_is_not_empty(deck: RawDeck, question: RawQuestion) -> DeckIssue | None:
    """A correction that is there has text; a blank one is an error, not a way of saying "none"."""
    correction = question.data.get("correction")
    if not isinstance(correction, str) or correction.strip():
        return None
    return deck.question_issue(question, "correction", "correction is empty; remove the field or write the correction")


def has_key_concepts(deck: RawDeck, question: RawQuestion) -> DeckIssue | None:
    """Warns about a question without key concepts: answers to it can only be scored by participation."""
    concepts = question.data.get("key_concepts")
    missing = concepts is None or (isinstance(concepts, list | tuple) and not concepts)
    if not missing:
        return None
    message = "no key concepts; answers to it can only be scored by participation"
    # The field is usually missing altogether, so point at the question.
    return deck.question_issue(question, "key_concepts", message, at=question.loc())


def corrected_entries_are_corrections(deck: RawDeck) -> list[DeckIssue]:
    """Each entry of deck.corrected is listed once and names a question that has a correction."""
    issues: list[DeckIssue] = []
    listed: set[str] = set()
    for index, item in _corrected_entries(deck):
        message: str | None
        if item in listed:
            message = f"'{item}' is listed twice"
        elif item not in deck.corrections:
            message = f"no question with id '{item}'"
        elif not deck.corrections[item]:
            message = f"question '{item}' is listed as corrected but has no correction"
        else:
            message = None
        if message is not None:
            issues.append(deck.header_issue(("deck", "corrected", index), message))
        listed.add(item)
    return issues


def corrections_are_listed(deck: RawDeck) -> list[DeckIssue]:
    """Each question with a correction is listed in deck.corrected (a repeated id counts once).

    Not checked when deck.corrected is there but is not a list: the schema reports that, and every
    correction reported as unlisted on top of it would be noise.
    """
    if "corrected" in deck.header and not isinstance(deck.header.get("corrected"), list | tuple):
        return []
    listed = {item for _, item in _corrected_entries(deck)}
    return [
        deck.question_issue(question, "correction", "question has a correction but is not listed in deck.corrected")
        for question in deck.questions
        if question.id is not None
        and deck.first_question[question.id] == question.index
        and question.has_correction
        and question.id not in listed
    ]


def categories_are_used(deck: RawDeck) -> list[DeckIssue]:
    """Warns about each declared category that no question belongs to."""
    return [
        deck.header_issue(("deck", "categories", index, "id"), f"category '{category_id}' has no questions")
        for category_id, index in deck.declared.items()
        if category_id not in deck.used_categories
    ]


# --- reading raw values ----------------------------------------------------------------------------------


def _items(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def _trimmed(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _has_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _corrected_entries(deck: RawDeck) -> Iterator[tuple[int, str]]:
    """The string entries of deck.corrected, trimmed, with their indexes."""
    for index, item in enumerate(_items(deck.header.get("corrected"))):
        if isinstance(item, str):
            yield index, item.strip()
