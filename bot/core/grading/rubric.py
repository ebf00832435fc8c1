"""A question's rubric read into keys once, so grading an answer only looks keys up.

Every spelling of a concept, of a misconception and of their required terms is read by the same analyser
as the answers, into one or more variants (sequences of keys). A variant made only of words the question
itself uses earns nothing on its own: repeating the question is not an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.deck_schema import Question, TermGroup
from bot.core.grading.analysis import NOT, Analyser


@dataclass(frozen=True)
class Term:
    """The variants of a group of spellings; each variant is the keys of one way to write it."""

    variants: tuple[tuple[str, ...], ...]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(key for variant in self.variants for key in variant)


@dataclass(frozen=True)
class Pattern:
    """A term, and the related terms that must stand in the same part of a clause with it."""

    term: Term
    requires: tuple[Term, ...]


@dataclass(frozen=True)
class RubricConcept:
    label: str
    pattern: Pattern


@dataclass(frozen=True)
class RubricMisconception:
    claim: str
    correction: str | None
    pattern: Pattern


@dataclass(frozen=True)
class Rubric:
    concepts: tuple[RubricConcept, ...]
    misconceptions: tuple[RubricMisconception, ...]
    question_keys: frozenset[str]
    # Every key the rubric names: a typo is never read as one of these when it is another of them.
    vocabulary: frozenset[str]


def _term(analyser: Analyser, spellings: TermGroup, *, negation_alone: bool = True) -> Term:
    variants: dict[tuple[str, ...], None] = {}
    for spelling in spellings:
        for variant in analyser.term_variants(spelling):
            # A term spelled as a bare negation ("nothing to do with") would match any denial; as a required
            # term ("[않, not]") it is how a claim spells out its own negation.
            if negation_alone or set(variant) - {NOT}:
                variants[variant] = None
    return Term(tuple(variants))


def _pattern(analyser: Analyser, spellings: TermGroup, requires: tuple[TermGroup, ...]) -> Pattern:
    term = _term(analyser, spellings, negation_alone=False)
    required = tuple(_term(analyser, group) for group in requires)
    return Pattern(term, required)


def compile_rubric(analyser: Analyser, question: Question) -> Rubric:
    """Read a question's concepts and misconceptions into keys."""
    asked = analyser.analyse(question.question)
    question_keys = frozenset(key for position in asked.positions for key in position.keys)
    concepts = tuple(
        RubricConcept(c.concept, _pattern(analyser, c.spellings, c.requires)) for c in question.key_concepts
    )
    misconceptions = tuple(
        RubricMisconception(m.claim, m.correction, _pattern(analyser, m.terms, m.requires))
        for m in question.misconceptions
    )
    vocabulary = frozenset(
        key
        for pattern in [*(c.pattern for c in concepts), *(m.pattern for m in misconceptions)]
        for term in (pattern.term, *pattern.requires)
        for key in term.keys
    )
    return Rubric(concepts, misconceptions, question_keys, vocabulary)
