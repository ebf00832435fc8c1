"""Naming a disputable concept in a menu option, shared by the platforms that show a menu.

A concept can be longer than an option's value may be, so the value is the concept's index in the member's
disputable concepts with a short digest of the concept. The list is read again when the member chooses, and the
digest finds the concept they saw even if the list moved meanwhile (a decision credited an earlier concept).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

DIGEST_CHARS = 12


def concept_digest(concept: str) -> str:
    return hashlib.sha256(concept.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def choice_token(index: int, concept: str) -> str:
    """What a menu option sends back for the ``index``-th disputable concept: ``index:digest``."""
    return f"{index}:{concept_digest(concept)}"


def chosen_concept(token: str, concepts: Sequence[str]) -> str | None:
    """The concept a token stands for among the member's disputable concepts as they are now, or ``None`` if it
    is no longer among them."""
    index_text, _, digest = token.partition(":")
    if index_text.isdigit() and int(index_text) < len(concepts):
        candidate = concepts[int(index_text)]
        if concept_digest(candidate) == digest:
            return candidate
    return next((concept for concept in concepts if concept_digest(concept) == digest), None)
