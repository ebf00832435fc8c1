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

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.core.grading.analysis import NOT, Analyser, Analysis
from bot.core.grading.rubric import Pattern, Rubric, Term
from bot.core.grading.text import jamo, typo_budget
from bot.core.models import MisconceptionNote


@dataclass(frozen=True)
class GradingRules:
    """How matches turn into a score. The defaults are what the shipped deck is evaluated with."""

    named_share: float = 0.25  # a concept only named in a list counts this much of a covered one
    full_marks_at: float = 0.8  # covering this share of the concepts earns full marks
    misconception_cost: float = 0.4
    contradiction_cost: float = 0.15
    list_cap: float = 0.3  # an answer that claims nothing scores at most this
    dump_cap: float = 0.1  # a pasted list or glossary (see below) scores at most this
    # An answer of this many comma-separated pieces, nearly all bare terms, is a dump (a pasted glossary): a
    # predicate somewhere in it does not make its terms claims.
    dump_chunks: int = 8
    dump_listed_share: float = 0.75
    # So is a long answer most of whose pieces name nothing of this question's rubric (a glossary of the
    # whole deck, pasted into every round).
    off_topic_chunks: int = 12
    off_topic_share: float = 0.75
    window: int = 3  # other words that may stand between the words of one term


@dataclass(frozen=True)
class Judgement:
    """What the grader found in one answer, in rubric order, and the score it gives (0..1)."""

    score: float
    covered: tuple[str, ...]
    named: tuple[str, ...]
    contradicted: tuple[str, ...]
    missed: tuple[str, ...]
    misconceptions: tuple[MisconceptionNote, ...] = ()
    total: int = 0

    @property
    def ratio(self) -> float:
        """The score, under the name earlier results used for coverage."""
        return self.score


@dataclass(frozen=True)
class _Hit:
    positions: frozenset[int]
    last: int  # its last word: where its claim is made (the clause and segment that may negate it)
    segments: frozenset[int]
    variant: tuple[str, ...] = ()
    own: frozenset[int] = frozenset()  # the words of the term itself, without its required terms
    keys: frozenset[str] = frozenset()  # the keys it matched, of the term and of its required terms


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
        near = self.fuzzy.get(key)
        if near is None:
            budget = typo_budget(key)
            near = self.fuzzy[key] = self._near(key, budget) if budget else ()
        return near

    def _near(self, key: str, budget: int) -> tuple[int, ...]:
        if self.choices is None:
            # A word that is itself a rubric term, or a word of the question, is never read as a typo of a
            # rubric term ("encoder" for "decoder", the question's "LLaVA" for "LLaMA").
            # A word too short for any typo tolerance can be no one's typo either.
            self.choice_keys = [
                k for k in self.analysis.index if k not in self.vocabulary and k != NOT and typo_budget(k)
            ]
            self.choices = [jamo(k) for k in self.choice_keys]
        if not self.choices:
            return ()
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
            hits.append(_Hit(frozenset(chosen), last, segments, variant, frozenset(chosen), frozenset(variant)))
    return hits


def _term_hits(reader: _Reader, term: Term, window: int) -> list[_Hit]:
    return [hit for variant in term.variants for hit in _variant_hits(reader, variant, window)]


def _pattern_hits(reader: _Reader, pattern: Pattern, window: int) -> list[_Hit]:
    """Matches of a pattern's term whose required terms stand in a segment it speaks in.

    A word negated on its own ("without labels", "레이블 없이") is not said, unless the term includes the
    negation."""
    hits = []
    positions = reader.analysis.positions
    term_hits = _term_hits(reader, pattern.term, window)
    required_hits = [_term_hits(reader, required, window) for required in pattern.requires] if term_hits else []
    for hit in term_hits:
        if any(positions[p].contrast for p in hit.own):
            continue  # "ViT는 CNN과 달리 …" says nothing of CNN's own
        choices: list[list[_Hit]] = []
        for found in required_hits:
            partners = [other for other in found if other.segments & hit.segments]
            if not partners:
                break
            # A few ways each required term is written nearby, best first: in the term's own clause, then the
            # longest ("not distinguish" rather than "distinguish"), then the nearest. Each pairing is a hit, so
            # one that is said outweighs one that is negated.
            clause = positions[hit.last].clause
            partners.sort(key=lambda o: (positions[o.last].clause != clause, -len(o.positions), abs(o.last - hit.last)))
            choices.append(partners[:2])
        else:
            for combination in itertools.product(*choices):
                used = set(hit.positions).union(*(o.positions for o in combination))
                if any(positions[p].negated_by is not None and positions[p].negated_by not in used for p in used):
                    continue
                keys = set(hit.keys).union(*(o.keys for o in combination))
                segments = frozenset().union(*(positions[p].segments for p in used))
                hits.append(_Hit(frozenset(used), max(used), segments, hit.variant, hit.own, frozenset(keys)))
    return hits


@dataclass(frozen=True)
class _Polarity:
    negated: frozenset[int]  # segments whose claim is denied
    neutral: frozenset[int]  # segments of clauses that state a condition: no claim either way
    # Segments whose negation states a goal ("가중치가 커지지 않도록"): a right claim of prevention, never the
    # wrong claim its words would make without the negation.
    averted: frozenset[int] = frozenset()

    def of(self, analysis: Analysis, hit: _Hit) -> str:
        segment = analysis.positions[hit.last].segment
        if segment in self.neutral:
            return "neutral"
        if segment in self.negated:
            return "negated"
        return "averted" if segment in self.averted else "said"


def _denies(negators: list[int]) -> bool:
    """Whether negators deny their segment. Negators side by side cancel out ("없지 않다", "not un-"); apart,
    each denies ("no anchors and no NMS")."""
    run = 1
    for before, after in itertools.pairwise(sorted(negators)):
        if after - before <= 2:
            run += 1
            continue
        if run % 2:
            return True
        run = 1
    return run % 2 == 1


def _polarity(analysis: Analysis, consumed: set[int]) -> _Polarity:
    """Which segments a negation denies. A negator negates the part of its clause it stands in (a clause's
    topic set off before a contrast keeps its claim); negators in ``consumed`` belong to a term and negate
    nothing more."""
    negated: set[int] = set()
    neutral: set[int] = set()
    averted: set[int] = set()
    for clause in analysis.clauses:
        by_segment: dict[int, list[int]] = {}
        for p in clause.negators:
            if p not in consumed:
                by_segment.setdefault(analysis.positions[p].segment, []).append(p)
        for segment, negators in by_segment.items():
            if not _denies(negators):
                continue
            if clause.conditional:
                neutral.add(segment)
            elif clause.purpose:
                averted.add(segment)
            else:
                negated.add(segment)
    return _Polarity(frozenset(negated), frozenset(neutral), frozenset(averted))


class Grader:
    """Grades answers against compiled rubrics. Pure and thread-safe once built."""

    def __init__(self, analyser: Analyser, rules: GradingRules | None = None) -> None:
        self.analyser = analyser
        self.rules = rules or GradingRules()

    def grade(self, rubric: Rubric, text: str, accepted: frozenset[str] = frozenset()) -> Judgement:
        """Judge ``text``. Concepts in ``accepted`` (labels admins accepted on dispute) count as covered."""
        return self.judge(rubric, self.analyser.analyse(text), accepted)

    def judge(self, rubric: Rubric, analysis: Analysis, accepted: frozenset[str] = frozenset()) -> Judgement:
        """Judge an answer already analysed (one analysis can be judged against several questions)."""
        reader = _Reader(analysis, rubric.vocabulary | rubric.question_keys)
        window = self.rules.window
        asked = rubric.question_keys | {NOT}
        wrong = [(m, self._misconception_hit(analysis, reader, m.pattern, window)) for m in rubric.misconceptions]
        found = tuple(MisconceptionNote(m.claim, m.correction) for m, hit in wrong if hit is not None)
        # Words that state a wrong claim ("표준화는 min-max로 0~1") earn nothing for a right one.
        misspoken = {p for _, hit in wrong if hit is not None for p in hit.positions}
        # A match made only of the question's own words says nothing.
        concept_hits = [
            [h for h in _pattern_hits(reader, c.pattern, window) if h.keys - asked and not h.positions & misspoken]
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
        total = len(rubric.concepts)
        score = min(1.0, credit / total / self.rules.full_marks_at) if total else 0.0
        matched = {analysis.positions[p].chunk for hits in concept_hits for hit in hits for p in hit.positions}
        dump = self._is_dump(analysis, matched)
        if claims == 0:
            score = min(score, self.rules.list_cap)
        if dump:
            score = min(score, self.rules.dump_cap)
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

    def _is_dump(self, analysis: Analysis, matched_chunks: set[int]) -> bool:
        """A pasted list or glossary: a predicate somewhere in it does not make its terms claims."""
        rules = self.rules
        if analysis.chunks >= rules.dump_chunks and analysis.listed_chunks >= rules.dump_listed_share * analysis.chunks:
            return True
        if analysis.chunks < rules.off_topic_chunks:
            return False
        return len(matched_chunks) < (1 - rules.off_topic_share) * analysis.chunks

    @staticmethod
    def _misconception_hit(analysis: Analysis, reader: _Reader, pattern: Pattern, window: int) -> _Hit | None:
        """Where a wrong claim is made: its terms stand together in a claim whose clause does not deny it. Only a
        negation the wrong claim itself spells out is its own: one another claim spells out still denies it."""
        for hit in _pattern_hits(reader, pattern, window):
            if not any(analysis.positions[p].claimed for p in hit.own):
                continue  # a bare list of terms makes no claim, wrong or right
            if _polarity(analysis, set(hit.positions)).of(analysis, hit) == "said":
                return hit
        return None

    @staticmethod
    def _status(analysis: Analysis, polarity: _Polarity, hits: Iterable[_Hit]) -> str:
        statuses = set()
        for hit in hits:
            said = polarity.of(analysis, hit)
            if said == "neutral":
                continue
            if said == "negated":
                statuses.add("contradicted")
            elif any(analysis.positions[p].claimed for p in hit.own):
                statuses.add("covered")
            else:
                statuses.add("named")
        for status in ("covered", "contradicted", "named"):
            if status in statuses:
                return status
        return "missed"
