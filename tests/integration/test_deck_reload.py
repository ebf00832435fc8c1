"""Reloading decks at run time (SIGHUP): new questions are used, a broken or incompatible reload changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import reload_decks
from bot.config import Settings
from bot.core.models import ChannelKey, RoundKind
from bot.runtime import open_runtime

DECK = """\
deck:
  id: mini
  title: Mini deck
  language: en
  version: {version}
  categories:
    - {{id: basics, ko: 기초, en: Basics}}
questions:
{questions}
"""
QUESTION = """\
  - id: {id}
    category: basics
    difficulty: easy
    question: What is {id}?
    answer: [It is {id}.]
    key_concepts:
      - {{concept: {id}}}
"""


def write_deck(folder: Path, *ids: str, version: int = 1) -> None:
    questions = "".join(QUESTION.format(id=question_id) for question_id in ids)
    (folder / "mini.yaml").write_text(DECK.format(version=version, questions=questions), encoding="utf-8")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "alpha")
    return Settings(database=tmp_path / "quiz.sqlite3", decks=(decks,))


async def test_reload_uses_questions_added_to_the_deck_files(settings: Settings) -> None:
    async with open_runtime(settings) as runtime:
        write_deck(settings.decks[0], "alpha", "beta", version=2)

        assert await reload_decks(runtime)

        deck = runtime.service.catalog.deck("mini")
        assert [q.id for q in deck.questions] == ["alpha", "beta"]
        assert deck.deck.version == 2


async def test_a_broken_deck_file_keeps_the_decks_loaded_before(settings: Settings) -> None:
    async with open_runtime(settings) as runtime:
        before = runtime.service.catalog
        (settings.decks[0] / "mini.yaml").write_text("deck: [unclosed\n", encoding="utf-8")

        assert not await reload_decks(runtime)

        assert runtime.service.catalog is before


async def test_reload_is_refused_while_a_running_round_asks_a_removed_question(settings: Settings) -> None:
    async with open_runtime(settings) as runtime:
        service = runtime.service
        channel = await service.ensure_channel(ChannelKey("console", "g", "c"))
        opened = await service.open_round(channel, RoundKind.ON_DEMAND)
        assert opened is not None and opened.question_id == "alpha"
        before = service.catalog
        write_deck(settings.decks[0], "beta", version=2)

        assert not await reload_decks(runtime)

        assert service.catalog is before
        assert service.catalog.has_question("mini", "alpha")
