"""The deck format: typed models of a question deck as written in YAML.

The loader (``bot.core.decks``) turns YAML into these models and reports errors with file, line,
question id and field. Everything else in the bot works with these models only.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _strings_to_bullets(value: object) -> object:
    if isinstance(value, list | tuple):
        return [{"text": item} if isinstance(item, str) else item for item in value]
    return value


class Strict(BaseModel):
    """Base for deck models: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Bullet(Strict):
    """One bullet of a reference answer, with optional nested bullets."""

    text: str = Field(min_length=1)
    children: tuple[Bullet, ...] = ()

    @field_validator("children", mode="before")
    @classmethod
    def _plain_strings_are_leaves(cls, value: object) -> object:
        """A nested bullet without children of its own may be written as a plain string."""
        return _strings_to_bullets(value)


TermGroup = tuple[str, ...]


def _nonempty_groups(groups: tuple[TermGroup, ...]) -> tuple[TermGroup, ...]:
    if any(not group or not all(term.strip() for term in group) for group in groups):
        raise ValueError("every group of required terms needs at least one non-empty term")
    return groups


class KeyConcept(Strict):
    """A claim a good answer makes: a term said about something, with every spelling a member might use.

    ``requires`` lists groups of related terms: one term of each group must stand in the same part of a
    clause as the concept's term for the claim to count ("K와 V" with "인코더": where K and V come from).
    """

    concept: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    requires: tuple[TermGroup, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.concept, *self.aliases)

    _requires_groups = field_validator("requires")(_nonempty_groups)


class Misconception(Strict):
    """A wrong claim members make about the question: found in an answer, it costs points and is shown
    with its correction. It is found where one of ``terms`` stands with a term of every ``requires`` group
    in one part of a clause that is not negated."""

    claim: str = Field(min_length=1)
    terms: tuple[str, ...] = Field(min_length=1)
    requires: tuple[TermGroup, ...] = ()
    correction: str | None = None

    @field_validator("terms")
    @classmethod
    def _terms_are_not_empty(cls, terms: tuple[str, ...]) -> tuple[str, ...]:
        if not all(term.strip() for term in terms):
            raise ValueError("terms must not be empty")
        return terms

    _requires_groups = field_validator("requires")(_nonempty_groups)


class Category(Strict):
    """A topic of the deck, with its display names."""

    id: str = Field(pattern=SLUG_PATTERN)
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Source(Strict):
    """Where the deck's content comes from and on what terms."""

    author: str = Field(min_length=1)
    title: str = Field(min_length=1)
    date: dt.date | None = None
    url: str | None = None
    license: str = Field(min_length=1)


class Question(Strict):
    """One interview question with its reference answer and the concepts used for scoring."""

    id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    category: str = Field(pattern=SLUG_PATTERN)
    difficulty: Difficulty
    tags: tuple[str, ...] = ()
    question: str = Field(min_length=1)
    answer: tuple[Bullet, ...] = Field(min_length=1)
    # Imported decks may start without key concepts; validation warns, scoring then counts answers only.
    key_concepts: tuple[KeyConcept, ...] = Field(default=(), max_length=8)
    misconceptions: tuple[Misconception, ...] = Field(default=(), max_length=12)
    correction: str | None = None

    @field_validator("answer", mode="before")
    @classmethod
    def _plain_strings_are_bullets(cls, value: object) -> object:
        """A bullet without children may be written as a plain string."""
        return _strings_to_bullets(value)


class DeckHeader(Strict):
    """Deck metadata: identity, language, version, provenance and categories."""

    id: str = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1)
    language: str = Field(pattern=r"^[a-z]{2}(?:-[A-Z]{2})?$")
    version: int = Field(ge=1)
    description: str | None = None
    source: Source | None = None
    categories: tuple[Category, ...] = Field(min_length=1)
    corrected: tuple[str, ...] = ()


class Deck(Strict):
    """A whole deck: a header and its questions, in order."""

    deck: DeckHeader
    questions: tuple[Question, ...] = Field(min_length=1)

    @property
    def id(self) -> str:
        return self.deck.id

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.deck.categories if c.id == category_id), None)
