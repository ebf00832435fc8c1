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
    # An answer of this many comma-separated pieces, nearly all bare terms, is a dump (a pasted glossary): a
    # predicate somewhere in it does not make its terms claims.
    dump_chunks: int = 8
    dump_listed_share: float = 0.75
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
    clause: int  # the clause of its last word: where its claim is made
    segments: frozenset[int]
    variant: tuple[str, ...] = ()
    own: frozenset[int] = frozenset()  # the words of the term itself, without its required terms


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
    """Where all keys of a variant stand close together in one part of a clause: in the variant's order
    within a short span, or side by side in either order ("gradient가 vanishing" for "vanishing gradient")."""
    places = [reader.where(key) for key in variant]
    if not all(places):
        return []
    positions = reader.analysis.positions
    span = len(variant) + window
    hits: list[_Hit] = []
    for anchor in places[0]:
        here = positions[anchor]
        chosen = [anchor]
        for found in places[1:]:
            near = [
                p
                for p in found
                if positions[p].clause == here.clause
                and positions[p].segments & here.segments
                and (0 <= p - chosen[-1] <= span or abs(p - chosen[-1]) <= 1)
            ]
            if not near:
                break
            chosen.append(min(near, key=lambda p: abs(p - chosen[-1])))
        else:
            last = max(chosen)
            segments = frozenset().union(*(positions[p].segments for p in chosen))
            hits.append(_Hit(frozenset(chosen), positions[last].clause, segments, variant, frozenset(chosen)))
    return hits


def _term_hits(reader: _Reader, term: Term, window: int) -> list[_Hit]:
    return [hit for variant in term.variants for hit in _variant_hits(reader, variant, window)]


def _pattern_hits(reader: _Reader, pattern: Pattern, window: int) -> list[_Hit]:
    """Matches of a pattern's term whose required terms stand in a segment it speaks in.

    A word negated on its own ("without labels", "레이블 없이") is not said, unless the term includes the
    negation."""
    hits = []
    positions = reader.analysis.positions
    for hit in _term_hits(reader, pattern.term, window):
        used = set(hit.positions)
        clause = hit.clause
        for required in pattern.requires:
            partners = [other for other in _term_hits(reader, required, window) if other.segments & hit.segments]
            if not partners:
                break
            # The longest way of writing it: "not distinguish" rather than "distinguish".
            partner = max(partners, key=lambda other: (len(other.positions), -min(other.positions)))
            used.update(partner.positions)
            clause = max(clause, partner.clause)
        else:
            if any(positions[p].negated_by is not None and positions[p].negated_by not in used for p in used):
                continue
            segments = frozenset().union(*(positions[p].segments for p in used))
            hits.append(_Hit(frozenset(used), clause, segments, hit.variant, hit.own))
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
        concept_hits = [
            [h for h in _pattern_hits(reader, c.pattern, window) if h.variant in c.pattern.informative]
            for c in rubric.concepts
        ]
        # A negation a correct claim spells out ("포화되지 않", "no labels needed") is that claim's own.
        polarity = _polarity(analysis, {p for hits in concept_hits for hit in hits for p in hit.positions})

        covered: list[str] = []
        named: list[str] = []
        contradicted: list[str] = []
        missed: list[str] = []
        credit = 0.0
        claims = 0
        for concept, hits in zip(rubric.concepts, concept_hits, strict=True):
            status = "covered" if concept.label in accepted else self._status(analysis, polarity, hits)
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
            for m in rubric.misconceptions
            if self._misconception_found(analysis, reader, m.pattern, window)
        )
        total = len(rubric.concepts)
        score = min(1.0, credit / total / self.rules.full_marks_at) if total else 0.0
        dump = (
            analysis.chunks >= self.rules.dump_chunks
            and analysis.listed_chunks >= self.rules.dump_listed_share * analysis.chunks
        )
        if claims == 0 or dump:
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
    def _misconception_found(analysis: Analysis, reader: _Reader, pattern: Pattern, window: int) -> bool:
        """A wrong claim is made where its terms stand together in a claim whose clause does not deny it. Only a
        negation the wrong claim itself spells out is its own: one another claim spells out still denies it."""
        for hit in _pattern_hits(reader, pattern, window):
            if not any(analysis.positions[p].claimed for p in hit.own):
                continue  # a bare list of terms makes no claim, wrong or right
            polarity = _polarity(analysis, set(hit.positions))
            if hit.clause not in polarity.negated and hit.clause not in polarity.neutral:
                return True
        return False

    @staticmethod
    def _status(analysis: Analysis, polarity: _Polarity, hits: Iterable[_Hit]) -> str:
        statuses = set()
        for hit in hits:
            if hit.clause in polarity.neutral:
                continue
            if hit.clause in polarity.negated:
                statuses.add("contradicted")
            elif any(analysis.positions[p].claimed for p in hit.own):
                statuses.add("covered")
            else:
                statuses.add("named")
        for status in ("covered", "contradicted", "named"):
            if status in statuses:
                return status
        return "missed"
