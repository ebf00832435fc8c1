"""Question selection: no repeats within a cycle, a fresh cycle avoids the last question, reproducible."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.core.decks import DeckCatalog, DeckQuestion
from bot.core.selection import choose_question


def run_cycle(
    pool: Sequence[DeckQuestion], rng: random.Random, history: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Ask questions from ``pool`` until one starts a new cycle; ``history`` holds every key asked so far."""
    asked: set[tuple[str, str]] = set()
    picked = []
    while True:
        last = {key: index + 1 for index, key in enumerate(history)}
        choice = choose_question(pool, asked, last, rng, filtered=False)
        assert choice is not None
        if choice.starts_new_cycle:
            return picked
        asked.add(choice.entry.key)
        history.append(choice.entry.key)
        picked.append(choice.entry.key)


def test_no_question_repeats_until_the_pool_is_exhausted(catalog: DeckCatalog) -> None:
    pool = catalog.entries()
    picked = run_cycle(pool, random.Random(7), [])
    assert len(picked) == len(pool) == 70
    assert len(set(picked)) == len(picked)


def test_an_exhausted_pool_starts_a_new_cycle_avoiding_the_last_question(catalog: DeckCatalog) -> None:
    pool = catalog.entries()
    history: list[tuple[str, str]] = []
    run_cycle(pool, random.Random(7), history)
    last = {key: index + 1 for index, key in enumerate(history)}
    for seed in range(50):
        choice = choose_question(pool, set(history), last, random.Random(seed), filtered=False)
        assert choice is not None
        assert choice.starts_new_cycle
        assert choice.entry.key != history[-1]


def test_a_new_cycle_of_two_questions_starts_with_the_one_not_asked_last(catalog: DeckCatalog) -> None:
    first, second = catalog.entries()[:2]
    last = {first.key: 1, second.key: 2}
    for seed in range(20):
        choice = choose_question([first, second], {first.key, second.key}, last, random.Random(seed), filtered=False)
        assert choice is not None
        assert choice.entry.key == first.key


def test_a_one_question_pool_repeats_its_only_question(catalog: DeckCatalog) -> None:
    only = catalog.entries()[:1]
    choice = choose_question(only, {only[0].key}, {only[0].key: 1}, random.Random(1), filtered=False)
    assert choice is not None
    assert choice.entry.key == only[0].key
    assert choice.starts_new_cycle


def test_category_filter_draws_only_that_category(catalog: DeckCatalog) -> None:
    pool = catalog.entries(category="detection")
    rng = random.Random(7)
    for _ in range(20):
        choice = choose_question(pool, set(), {}, rng, filtered=True)
        assert choice is not None
        assert choice.entry.question.category == "detection"


def test_category_filter_prefers_questions_not_asked_in_the_cycle(catalog: DeckCatalog) -> None:
    pool = catalog.entries(category="detection")
    asked = {entry.key for entry in pool[:-1]}
    choice = choose_question(pool, asked, {}, random.Random(7), filtered=True)
    assert choice is not None
    assert choice.entry.key == pool[-1].key
    assert not choice.starts_new_cycle


def test_exhausted_category_takes_its_least_recently_asked_question_without_a_new_cycle(
    catalog: DeckCatalog,
) -> None:
    pool = catalog.entries(category="detection")
    order = [pool[2], pool[0], pool[4], pool[1], pool[3]]
    last = {entry.key: 10 + index for index, entry in enumerate(order)}
    choice = choose_question(pool, {e.key for e in pool}, last, random.Random(7), filtered=True)
    assert choice is not None
    assert choice.entry.key == pool[2].key
    assert not choice.starts_new_cycle


def test_the_same_seed_picks_the_same_questions(catalog: DeckCatalog) -> None:
    pool = catalog.entries()
    assert run_cycle(pool, random.Random(7), []) == run_cycle(pool, random.Random(7), [])


def test_different_seeds_pick_in_different_orders(catalog: DeckCatalog) -> None:
    pool = catalog.entries()
    assert run_cycle(pool, random.Random(7), []) != run_cycle(pool, random.Random(8), [])


def test_an_empty_pool_has_no_choice() -> None:
    assert choose_question([], set(), {}, random.Random(7), filtered=False) is None
