"""Which question a channel gets next: no repeats until every question of its decks has been asked."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.decks import DeckQuestion


@dataclass(frozen=True)
class Choice:
    entry: DeckQuestion
    starts_new_cycle: bool


def choose_question(
    candidates: Sequence[DeckQuestion],
    asked_this_cycle: set[tuple[str, str]],
    last_asked: Mapping[tuple[str, str], int],
    rng: random.Random,
    *,
    filtered: bool,
) -> Choice | None:
    """Pick a question among ``candidates`` (already in deck order, so a seeded ``rng`` is reproducible).

    Questions not yet asked in the current cycle come first. When an unfiltered pool is exhausted a new cycle
    starts, avoiding the question asked last. A category-filtered request that finds its category exhausted takes
    the least recently asked question of it and leaves the channel's cycle alone.
    """
    if not candidates:
        return None
    fresh = [c for c in candidates if c.key not in asked_this_cycle]
    if fresh:
        return Choice(rng.choice(fresh), starts_new_cycle=False)
    if filtered:
        oldest = min(last_asked.get(c.key, 0) for c in candidates)
        return Choice(rng.choice([c for c in candidates if last_asked.get(c.key, 0) == oldest]), False)
    newest = max(last_asked.values(), default=None)
    pool = [c for c in candidates if last_asked.get(c.key) != newest] or list(candidates)
    return Choice(rng.choice(pool), starts_new_cycle=True)
