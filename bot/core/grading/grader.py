"""Grading an answer against its question's rubric: which claims it makes, contradicts or gets wrong.

A concept is *covered* where one of its terms stands, with a term of each group it requires, in one part of
a clause that is not negated and says something (a predicate, a particle, a relation word); *named* where
it only stands in a list; *contradicted* where its clause negates it. A misconception is found where its
terms stand together in a clause that is not negated. Negation inside a condition ("…이 없으면") or a
purpose ("…지 않도록") states no claim either way; a purpose negation reads as "to prevent".

The score: covered concepts count fully, named ones a small share, the share of the rubric covered is
scaled so that an answer making most of the claims gets full marks, and every misconception and
contradiction costs points. An answer that only names things scores at most a small share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.core.grading.analysis import NOT, Analyser, Analysis
from bot.core.grading.rubric import Pattern, Rubric, Term
from bot.core.grading.text import jamo, typo_budget
from bot.core.models import MisconceptionNote as FoundMisconception


@dataclass(frozen=True)
class GradingRules:
    """How matches turn into a score. The defaults are what the shipped deck is evaluated with."""

    named_share: float = 0.25  # a concept only named in a list counts this much of a covered one
    full_marks_at: float = 0.8  # covering this share of the concepts earns full marks
    misconception_cost: float = 0.3
    contradiction_cost: float = 0.15
    list_cap: float = 0.3  # an answer that claims nothing scores at most this
    window: int = 3  # other words that may stand between the words of one term


@dataclass(frozen=True)
class Judgement:
    """What the grader found in one answer, in rubric order, and the score it gives (0..1)."""

    score: float
    covered: tuple[str, ...]
    named: tuple[str, ...]
    contradicted: tuple[str, ...]
    missed: tuple[str, ...]
    misconceptions: tuple[FoundMisconception, ...] = ()
    total: int = 0

    @property
    def ratio(self) -> float:
        """The score, under the name earlier results used for coverage."""
        return self.score


@dataclass(frozen=True)
class _Hit:
    positions: frozenset[int]
    clause: int
    segment: int


@dataclass
class _Reader:
    """One answer being graded: its analysis, and the typo look-ups already made for it."""

    analysis: Analysis
    vocabulary: frozenset[str]
    fuzzy: dict[str, tuple[int, ...]] = field(default_factory=dict)
    choices: list[str] | None = None
    choice_keys: list[str] | None = None

    def where(self, key: str) -> tuple[int, ...]:
        exact = self.analysis.where(key)
        if exact or key == NOT:
            return exact
        budget = typo_budget(key)
        if budget == 0:
            return ()
        if key not in self.fuzzy:
            self.fuzzy[key] = self._near(key, budget)
        return self.fuzzy[key]

    def _near(self, key: str, budget: int) -> tuple[int, ...]:
        if self.choices is None:
            # A word that is itself a rubric term is never read as a typo of another ("encoder"/"decoder").
            self.choice_keys = [k for k in self.analysis.index if k not in self.vocabulary and k != NOT]
            self.choices = [jamo(k) for k in self.choice_keys]
        assert self.choice_keys is not None
        found: set[int] = set()
        target = jamo(key)
        for _, distance, n in process.extract(
            target, self.choices, scorer=Levenshtein.distance, score_cutoff=budget, limit=None
        ):
            candidate = self.choice_keys[n]
            # The typed word must be about as long as the term: "gradiant" for "gradient", not "grad".
            if distance <= typo_budget(candidate):
                found.update(self.analysis.where(candidate))
        return tuple(sorted(found))


def _variant_hits(reader: _Reader, variant: tuple[str, ...], window: int) -> list[_Hit]:
    """Where all keys of a variant stand close together inside one clause (in any order)."""
    places = [reader.where(key) for key in variant]
    if not all(places):
        return []
    positions = reader.analysis.positions
    span = len(variant) + window
    hits: list[_Hit] = []
    for anchor in places[0]:
        clause = positions[anchor].clause
        chosen = {anchor}
        for found in places[1:]:
            near = [p for p in found if positions[p].clause == clause and abs(p - anchor) <= span]
            if not near:
                break
            chosen.add(min(near, key=lambda p: abs(p - anchor)))
        else:
            segment = positions[max(chosen)].segment
            hits.append(_Hit(frozenset(chosen), clause, segment))
    return hits


def _term_hits(reader: _Reader, term: Term, window: int) -> list[_Hit]:
    return [hit for variant in term.variants for hit in _variant_hits(reader, variant, window)]


def _pattern_hits(reader: _Reader, pattern: Pattern, window: int) -> list[_Hit]:
    """Matches of a pattern's term whose required terms stand in the same segment."""
    hits = []
    positions = reader.analysis.positions
    for hit in _term_hits(reader, pattern.term, window):
        used = set(hit.positions)
        segments = {positions[p].segment for p in hit.positions}
        for required in pattern.requires:
            partners = [
                other
                for other in _term_hits(reader, required, window)
                if {positions[p].segment for p in other.positions} & segments
            ]
            if not partners:
                break
            used.update(partners[0].positions)
        else:
            hits.append(_Hit(frozenset(used), hit.clause, hit.segment))
    return hits


@dataclass(frozen=True)
class _Polarity:
    negated: frozenset[int]  # clauses whose claim is denied
    neutral: frozenset[int]  # clauses that state a condition: no claim either way


def _polarity(analysis: Analysis, consumed: set[int]) -> _Polarity:
    negated: set[int] = set()
    neutral: set[int] = set()
    for n, clause in enumerate(analysis.clauses):
        free = [p for p in clause.negators if p not in consumed]
        if len(free) % 2 == 0:
            continue
        if clause.conditional:
            neutral.add(n)
        elif not clause.purpose:
            negated.add(n)
    return _Polarity(frozenset(negated), frozenset(neutral))


class Grader:
    """Grades answers against compiled rubrics. Pure and thread-safe once built."""

    def __init__(self, analyser: Analyser, rules: GradingRules | None = None) -> None:
        self.analyser = analyser
        self.rules = rules or GradingRules()

    def grade(self, rubric: Rubric, text: str, accepted: frozenset[str] = frozenset()) -> Judgement:
        """Judge ``text``. Concepts in ``accepted`` (labels admins accepted on dispute) count as covered."""
        analysis = self.analyser.analyse(text)
        reader = _Reader(analysis, rubric.vocabulary)
        window = self.rules.window
        concept_hits = [_pattern_hits(reader, c.pattern, window) for c in rubric.concepts]
        wrong_hits = [_pattern_hits(reader, m.pattern, window) for m in rubric.misconceptions]
        consumed = {p for hits in (*concept_hits, *wrong_hits) for hit in hits for p in hit.positions}
        polarity = _polarity(analysis, consumed)
        # A negated purpose ("과적합이 생기지 않도록") states a goal: the negation is read as "prevent".

        covered: list[str] = []
        named: list[str] = []
        contradicted: list[str] = []
        missed: list[str] = []
        credit = 0.0
        claims = 0
        for concept, hits in zip(rubric.concepts, concept_hits, strict=True):
            status = (
                "covered"
                if concept.label in accepted
                else self._status(analysis, polarity, hits, concept.pattern.informative)
            )
            if status == "covered":
                covered.append(concept.label)
                credit += 1
                claims += 1
            elif status == "named":
                named.append(concept.label)
                credit += self.rules.named_share
            elif status == "contradicted":
                contradicted.append(concept.label)
            else:
                missed.append(concept.label)
        found = tuple(
            FoundMisconception(m.claim, m.correction)
            for m, hits in zip(rubric.misconceptions, wrong_hits, strict=True)
            if any(h.clause not in polarity.negated and h.clause not in polarity.neutral for h in hits)
        )
        total = len(rubric.concepts)
        score = min(1.0, credit / total / self.rules.full_marks_at) if total else 0.0
        if claims == 0:
            score = min(score, self.rules.list_cap)
        score -= self.rules.misconception_cost * len(found) + self.rules.contradiction_cost * len(contradicted)
        return Judgement(
            score=round(max(0.0, min(1.0, score)), 4),
            covered=tuple(covered),
            named=tuple(named),
            contradicted=tuple(contradicted),
            missed=tuple(missed),
            misconceptions=found,
            total=total,
        )

    @staticmethod
    def _status(analysis: Analysis, polarity: _Polarity, hits: Iterable[_Hit], informative: bool) -> str:
        if not informative:
            return "missed"
        statuses = set()
        for hit in hits:
            if hit.clause in polarity.neutral:
                continue
            if hit.clause in polarity.negated:
                statuses.add("contradicted")
            elif hit.segment in analysis.claim_segments:
                statuses.add("covered")
            else:
                statuses.add("named")
        for status in ("covered", "contradicted", "named"):
            if status in statuses:
                return status
        return "missed"
