"""Judgements kept between an answer's arrival and its round's reveal: how they are keyed and written down.

An answer is graded when it arrives and its judgement stored; the reveal reads it back instead of grading again.
A stored judgement is used only while everything it was graded from is unchanged: the answer's text (its
``text_key``) and the ``fingerprint`` of the rest — the grader's version and rules, the morphological model, the
question (its deck, id and whole content: a deck edit changes it) and the concepts counted as accepted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from importlib import metadata

from bot.core.deck_schema import Question
from bot.core.grading.grader import GradingRules, Judgement
from bot.core.models import MisconceptionNote

# Raise whenever a change to the grader (its analysis, matching or scoring) can change a judgement: every
# judgement stored before then is stale.
GRADER_VERSION = 1

# The analyser's dictionary and model decide how an answer is read; an upgrade can change a judgement.
_MODEL_PACKAGES = ("kiwipiepy", "kiwipiepy_model")


@dataclass(frozen=True)
class AnswerJudgement:
    """A judgement of one answer's text, stored for its round's reveal."""

    answer_id: int
    text_key: str  # ``text_key`` of the text graded
    fingerprint: str  # ``judgement_fingerprint`` of what else it was graded from
    judgement: Judgement


def text_key(text: str) -> str:
    """The key of an answer's text: equal texts, equal keys; the stored judgement never holds the text itself."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def judgement_fingerprint(
    deck_id: str, question: Question, rules: GradingRules, accepted: frozenset[str] = frozenset()
) -> str:
    """What a judgement depends on besides the answer's text, as one digest: any change gives another one."""
    basis = {
        "grader": GRADER_VERSION,
        "model": {name: _version(name) for name in _MODEL_PACKAGES},
        "rules": dataclasses.asdict(rules),
        "deck": deck_id,
        "question": question.model_dump(mode="json"),
        "accepted": sorted(accepted),
    }
    encoded = json.dumps(basis, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def judgement_to_json(judgement: Judgement) -> str:
    """The judgement's fields as JSON; ``judgement_from_json`` gives back an equal ``Judgement``."""
    return json.dumps(
        {
            "score": judgement.score,
            "covered": list(judgement.covered),
            "named": list(judgement.named),
            "contradicted": list(judgement.contradicted),
            "missed": list(judgement.missed),
            "misconceptions": [{"claim": m.claim, "correction": m.correction} for m in judgement.misconceptions],
            "total": judgement.total,
        },
        ensure_ascii=False,
    )


def judgement_from_json(encoded: str) -> Judgement:
    fields = json.loads(encoded)
    return Judgement(
        score=float(fields["score"]),
        covered=tuple(fields["covered"]),
        named=tuple(fields["named"]),
        contradicted=tuple(fields["contradicted"]),
        missed=tuple(fields["missed"]),
        misconceptions=tuple(MisconceptionNote(m["claim"], m["correction"]) for m in fields["misconceptions"]),
        total=int(fields["total"]),
    )
