"""The catalog of loaded decks: decks and their questions by id, categories with question counts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from bot.core.deck_schema import Category, Deck, Question
from bot.core.decks.issues import DeckIssue

if TYPE_CHECKING:
    from bot.core.decks.loading import LoadedDeck


class UnknownDeckError(KeyError):
    """A deck id that is not in the catalog."""

    def __str__(self) -> str:
        return f"no deck with id {self.args[0]!r}"


class UnknownQuestionError(KeyError):
    """A question id that is not in the given deck."""

    def __str__(self) -> str:
        deck_id, question_id = self.args
        return f"no question {question_id!r} in deck {deck_id!r}"


@dataclass(frozen=True, slots=True)
class DeckQuestion:
    """A question together with the deck it belongs to; ``key`` is its global identity."""

    deck_id: str
    question: Question

    @property
    def key(self) -> tuple[str, str]:
        return (self.deck_id, self.question.id)


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """A category and how many questions of the selected decks belong to it."""

    category: Category
    count: int


class DeckCatalog:
    """An immutable, indexed view over loaded decks, in load order."""

    __slots__ = ("_decks", "_index", "_paths", "_questions", "_warnings")

    def __init__(
        self,
        decks: Iterable[Deck],
        *,
        paths: Mapping[str, Path] | None = None,
        warnings: Iterable[DeckIssue] = (),
    ) -> None:
        self._decks = tuple(decks)
        index: dict[str, Deck] = {}
        questions: dict[str, Mapping[str, Question]] = {}
        for deck in self._decks:
            if deck.id in index:
                raise ValueError(f"deck id {deck.id!r} appears twice")
            index[deck.id] = deck
            questions[deck.id] = MappingProxyType({q.id: q for q in deck.questions})
        self._index: Mapping[str, Deck] = MappingProxyType(index)
        self._questions: Mapping[str, Mapping[str, Question]] = MappingProxyType(questions)
        self._paths: Mapping[str, Path] = MappingProxyType(dict(paths or {}))
        self._warnings = tuple(warnings)

    @classmethod
    def from_loaded(cls, loaded: Iterable[LoadedDeck], *, warnings: Iterable[DeckIssue] = ()) -> DeckCatalog:
        """A catalog of decks read from files, remembering each deck's path."""
        items = tuple(loaded)
        return cls(
            (item.deck for item in items),
            paths={item.deck.id: item.path for item in items},
            warnings=warnings,
        )

    def __len__(self) -> int:
        return len(self._decks)

    def __iter__(self) -> Iterator[Deck]:
        return iter(self._decks)

    def __contains__(self, deck_id: object) -> bool:
        return deck_id in self._index

    @property
    def decks(self) -> tuple[Deck, ...]:
        return self._decks

    @property
    def deck_ids(self) -> tuple[str, ...]:
        return tuple(deck.id for deck in self._decks)

    @property
    def warnings(self) -> tuple[DeckIssue, ...]:
        return self._warnings

    def deck(self, deck_id: str) -> Deck:
        """The deck with this id; raises `UnknownDeckError`."""
        try:
            return self._index[deck_id]
        except KeyError:
            raise UnknownDeckError(deck_id) from None

    def path(self, deck_id: str) -> Path | None:
        """The file the deck was read from, if it was read from one."""
        self.deck(deck_id)
        return self._paths.get(deck_id)

    def has_question(self, deck_id: str, question_id: str) -> bool:
        return question_id in self._questions.get(deck_id, {})

    def question(self, deck_id: str, question_id: str) -> Question:
        """The question with this id in this deck; raises `UnknownDeckError` or `UnknownQuestionError`."""
        self.deck(deck_id)
        try:
            return self._questions[deck_id][question_id]
        except KeyError:
            raise UnknownQuestionError(deck_id, question_id) from None

    def entries(self, deck_ids: Iterable[str] | None = None, category: str | None = None) -> tuple[DeckQuestion, ...]:
        """Questions with their deck ids, decks in the order given (all decks if None), file order within.

        With ``category``, only questions of that category; a category no selected deck declares
        gives no questions.
        """
        selected = self._select(deck_ids)
        return tuple(
            DeckQuestion(deck.id, question)
            for deck in selected
            for question in deck.questions
            if category is None or question.category == category
        )

    def questions(self, deck_ids: Iterable[str] | None = None, category: str | None = None) -> tuple[Question, ...]:
        """Like `entries` but the questions only."""
        return tuple(entry.question for entry in self.entries(deck_ids, category))

    def categories(self, deck_ids: Iterable[str] | None = None) -> tuple[CategoryCount, ...]:
        """Categories declared by the selected decks with their question counts, in declaration order.

        A category id declared by several decks is counted once, with the names of the first deck.
        """
        selected = self._select(deck_ids)
        first: dict[str, Category] = {}
        counts: dict[str, int] = {}
        for deck in selected:
            for category in deck.deck.categories:
                first.setdefault(category.id, category)
                counts.setdefault(category.id, 0)
            for question in deck.questions:
                counts[question.category] = counts.get(question.category, 0) + 1
        return tuple(CategoryCount(category, counts[category_id]) for category_id, category in first.items())

    def _select(self, deck_ids: Iterable[str] | None) -> tuple[Deck, ...]:
        if deck_ids is None:
            return self._decks
        if isinstance(deck_ids, str):
            deck_ids = (deck_ids,)
        return tuple(self.deck(deck_id) for deck_id in dict.fromkeys(deck_ids))
