"""Answers in the style members write, for benchmarks whose grading should do real work.

Three sources per question, mixed: fragments of its reference answer (a run of a sentence's words, cut where a
member would stop typing, with a chat ending), English sentences built from the spellings of its key concepts, and,
where the tests' labelled answers are present (``tests/grading``), those hand-written member answers. Every answer
a round receives is distinct, so a reveal grades each of them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from bot.core.deck_schema import Bullet, Question

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "grading"

_KO_ENDINGS = ("", "임", "요", "인듯", "입니다", " ㅎㅎ", "인 걸로 알아요", ".")
_EN_OPENERS = ("", "I think ", "basically ", "afaik ", "So ", "It's about ")
_EN_LINKS = (", and ", " so ", " because ", "; ", " which means ", " - ")
_ASCII = re.compile(r"^[A-Za-z][A-Za-z0-9 .'/-]*$")


def _bullets(bullets: tuple[Bullet, ...]) -> Iterator[str]:
    for bullet in bullets:
        yield bullet.text
        yield from _bullets(bullet.children)


def _sentences(question: Question) -> list[list[str]]:
    """The reference answer's sentences, each as its words."""
    found = []
    for text in _bullets(question.answer):
        for sentence in re.split(r"(?<=[.!?다])\s+", text):
            words = sentence.split()
            if len(words) >= 3:
                found.append(words)
    return found or [question.question.split()]


def _english_terms(question: Question) -> list[str]:
    terms = [
        spelling
        for concept in question.key_concepts
        for spelling in (concept.concept, *concept.aliases)
        if _ASCII.match(spelling) and len(spelling) > 2
    ]
    return terms or ["it"]


def labelled_answers(directory: Path = LABELLED) -> dict[str, list[str]]:
    """The tests' hand-labelled member answers by question id (empty without the tests)."""
    found: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in data.get("cases") or []:
            if isinstance(case, dict) and case.get("question") and case.get("text"):
                found.setdefault(str(case["question"]), []).append(str(case["text"]))
    return found


class MemberAnswers:
    """Draws distinct member-style answers to the deck's questions."""

    def __init__(self, rng: random.Random, labelled: dict[str, list[str]] | None = None) -> None:
        self._rng = rng
        self._labelled = labelled if labelled is not None else labelled_answers()

    def fragment(self, question: Question) -> str:
        """A run of one or two of the reference answer's sentences, as a member would half-remember it."""
        rng = self._rng
        parts = []
        for words in rng.sample(_sentences(question), k=min(len(_sentences(question)), rng.choice((1, 1, 2)))):
            start = rng.randrange(0, max(1, len(words) // 3))
            end = rng.randint(min(len(words), start + 3), len(words))
            cut = " ".join(words[start:end])
            # A sentence typed to its end keeps its own ending; one cut short gets a chat ending.
            parts.append(cut if end == len(words) else cut + rng.choice(_KO_ENDINGS))
        return " ".join(parts)

    def english(self, question: Question) -> str:
        """A sentence or two of the question's English terms, as a member writing in English would."""
        rng = self._rng
        terms = _english_terms(question)
        picked = rng.sample(terms, k=min(len(terms), rng.randint(2, 5)))
        text = rng.choice(_EN_OPENERS) + picked[0]
        for term in picked[1:]:
            text += rng.choice(_EN_LINKS) + term
        return text

    def draw(self, question: Question) -> str:
        rng = self._rng
        labelled = self._labelled.get(question.id)
        roll = rng.random()
        if labelled and roll < 0.3:
            return rng.choice(labelled)
        if roll < 0.55:
            return self.english(question)
        if roll < 0.7:
            return f"{self.fragment(question)} ({rng.choice(_english_terms(question))})"
        return self.fragment(question)

    def for_round(self, question: Question, count: int) -> list[str]:
        """``count`` distinct answers to ``question`` (an answer drawn twice gets a member's afterthought)."""
        answers: dict[str, None] = {}
        while len(answers) < count:
            text = self.draw(question)
            if text in answers:
                text = f"{text} {self.fragment(question)}"
            answers[text] = None
        return list(answers)
