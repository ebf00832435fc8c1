"""Key-concept coverage: which of a question's key concepts a free-text answer mentions.

Answers are mostly Korean with English terms mixed in, typed in chat. Matching is deliberately lexical and
predictable, so a member can tell from the feedback why a concept counted or not:

* Both sides are normalised the same way: zero-width and other invisible format characters are removed,
  then Unicode NFKC (full-width letters become ASCII) and case folding.
* Separators (whitespace, hyphens and dashes, underscores, middle dots) may appear, or not, between any two
  characters of a spelling: "chain rule" = "chain-rule" = "chainrule" = "Chain  Rule", "체인 룰" = "체인룰".
* Hangul has no word boundaries: Korean attaches particles and endings to a term ("체인룰을", "relu가"), so
  anything may precede or follow a spelling's Hangul end. Where a spelling has a space after a Hangul
  word, one case particle may also stand there ("가중치를 업데이트" for "가중치 업데이트").
* An end of a spelling that is an ASCII letter or digit must sit on a boundary, and a boundary is any
  character that is not ``[a-z0-9]`` (after folding). So "GD" is not found in "SGD" or "gdp", "relu" is not
  found in "prelu" or "relu6", but "leaky relu" and "leaky_relu" do mention "relu".

Every pattern is a chain of literals joined by separator runs (and at most a two-syllable particle) that
cannot overlap the literals, so a search never backtracks further than about one spelling's length and
grading is linear in the answer's length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.deck_schema import KeyConcept

# Invisible characters users paste in from editors, chat clients and RTL text: bidi controls, zero-width
# (non-)joiners and spaces, soft hyphen, variation selectors, Hangul fillers and tag characters. They are
# removed rather than treated as separators, so "chain\u200brule" reads as "chainrule".
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)

# Characters that separate the parts of a term. Only forms that survive NFKC are listed (the full-width and
# small variants fold onto these). U+119E is where NFKC sends the Hangul "ㆍ" often typed as a middle dot.
_SEPARATOR_CLASS = r"[\s\-_\u00b7\u119e\u2010-\u2015\u2027\u2043\u2212\u2219\u22c5\u2e31\u2e3a\u2e3b\u30fb]"
_SEPARATORS = re.compile(_SEPARATOR_CLASS + "+")
_SEPARATOR_GAP = _SEPARATOR_CLASS + "*"

# Korean case particles that may sit between the words of a multi-word Hangul term. A closed list keeps
# matching predictable: "가중치를 업데이트" counts for "가중치 업데이트", "가중치를 자주 업데이트" does not.
_PARTICLES = ("이", "가", "을", "를", "은", "는", "의", "에", "에서", "로", "으로", "와", "과", "도")
_PARTICLE_GAP = f"{_SEPARATOR_GAP}(?:(?:{'|'.join(_PARTICLES)}){_SEPARATOR_GAP})?"

_BOUNDARY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


@dataclass(frozen=True)
class Coverage:
    """Which key concepts an answer mentions, as concept labels in the question's concept order."""

    covered: tuple[str, ...]
    missed: tuple[str, ...]
    ratio: float
    total: int


def normalize(text: str) -> str:
    """Fold text the way matching sees it: invisible characters removed, NFKC, case-folded.

    Separators are kept; they mark Latin word boundaries ("leaky relu" vs "leakyrelu").
    """
    text = _INVISIBLE.sub("", text)
    # Case folding can leave text that NFKC would still change (e.g. some Greek and ligature forms), so
    # normalise on both sides of it. NFKC turns the compatibility Hangul fillers into invisible jamo
    # fillers, hence the second strip.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _INVISIBLE.sub("", folded)


def _is_hangul_syllable(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


def _spelling_pattern(spelling: str) -> str | None:
    """The regex source for one spelling, or None when nothing matchable is left after normalising."""
    words = [word for word in _SEPARATORS.split(normalize(spelling)) if word]
    if not words:
        return None
    parts: list[str] = []
    for index, word in enumerate(words):
        if index:
            # Where a spelling breaks after a Hangul word, a case particle may come in between
            # ("가중치 업데이트" = "가중치를 업데이트").
            parts.append(_PARTICLE_GAP if _is_hangul_syllable(words[index - 1][-1]) else _SEPARATOR_GAP)
        parts.append(_SEPARATOR_GAP.join(re.escape(char) for char in word))
    chars = "".join(words)
    body = "".join(parts)
    # The start check is a lookbehind placed after the first literal, so every alternative still begins
    # with a literal and the regex engine can skip ahead to candidate characters instead of trying each
    # position in turn.
    if chars[0] in _BOUNDARY_CHARS:
        first = re.escape(chars[0])
        body = f"{first}(?<![a-z0-9].){body[len(first) :]}"
    if chars[-1] in _BOUNDARY_CHARS:
        body = f"{body}(?![a-z0-9])"
    return body


def _concept_pattern(concept: KeyConcept) -> re.Pattern[str] | None:
    """One compiled alternation of all spellings of a concept, or None if none of them is matchable."""
    sources = dict.fromkeys(source for source in map(_spelling_pattern, concept.spellings) if source is not None)
    if not sources:
        return None
    return re.compile("|".join(sources), re.DOTALL)


class ConceptMatcher:
    """Decides which of one question's key concepts an answer mentions.

    Build it once per question and reuse it: patterns are compiled here, and ``match`` only normalises the
    answer and runs one search per concept. Instances are immutable, so they can be shared and cached (for
    example keyed by question id, or by the tuple of ``KeyConcept``, which is hashable).
    A concept's label always counts as one of its spellings; a concept none of whose spellings has a
    matchable character left after normalising is never covered but still counts in the total.
    """

    __slots__ = ("_concepts", "_patterns")

    _concepts: tuple[KeyConcept, ...]
    _patterns: tuple[re.Pattern[str] | None, ...]

    def __init__(self, concepts: Iterable[KeyConcept]) -> None:
        """Compile the spellings of ``concepts``; their order is the order of ``Coverage`` fields."""
        self._concepts = tuple(concepts)
        self._patterns = tuple(_concept_pattern(concept) for concept in self._concepts)

    @property
    def concepts(self) -> tuple[KeyConcept, ...]:
        """The key concepts this matcher grades against, in question order."""
        return self._concepts

    def match(self, answer_text: str) -> Coverage:
        """Grade one answer: which concepts it mentions and which it misses."""
        total = len(self._concepts)
        if total == 0:
            return Coverage(covered=(), missed=(), ratio=0.0, total=0)
        text = normalize(answer_text)
        covered: list[str] = []
        missed: list[str] = []
        for concept, pattern in zip(self._concepts, self._patterns, strict=True):
            found = pattern is not None and pattern.search(text) is not None
            (covered if found else missed).append(concept.concept)
        return Coverage(covered=tuple(covered), missed=tuple(missed), ratio=len(covered) / total, total=total)


def grade(answer_text: str, concepts: Iterable[KeyConcept]) -> Coverage:
    """Grade one answer against ``concepts`` without keeping a matcher.

    Convenient for one-off checks; to grade many answers to the same question, build a ``ConceptMatcher``
    once instead.
    """
    return ConceptMatcher(concepts).match(answer_text)
