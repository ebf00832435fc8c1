"""The message catalogue: every text in Korean and English, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.core.deck_schema import Difficulty
from bot.core.models import Period
from bot.core.scoring import ScoringRules
from bot.messages import _CATALOGUE, has, text

KEYS = sorted(_CATALOGUE)
ROOT = Path(__file__).resolve().parents[2]


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@pytest.mark.parametrize("key", KEYS)
def test_every_message_has_korean_and_english(key: str) -> None:
    entry = _CATALOGUE[key]
    assert set(entry) == {"ko", "en"}
    assert entry["ko"].strip()
    assert entry["en"].strip()


@pytest.mark.parametrize("key", KEYS)
def test_both_languages_use_the_same_placeholders(key: str) -> None:
    entry = _CATALOGUE[key]
    assert placeholders(entry["ko"]) == placeholders(entry["en"])


def test_text_formats_values_into_the_chosen_language() -> None:
    assert text("stats.title", "ko", name="지우") == "지우님의 기록"
    assert text("stats.title", "en", name="Jiwoo") == "Stats for Jiwoo"


def test_messages_the_renderers_build_from_values_exist() -> None:
    for difficulty in Difficulty:
        assert has(f"difficulty.{difficulty.value}")
    for period in Period:
        assert has(f"leaderboard.period.{period.value}")
    for status in ("recorded", "replaced", "late", "withdrawn"):
        assert has(f"answer.{status}")


def test_help_text_takes_every_scoring_weight() -> None:
    weights = set(ScoringRules().model_dump())
    assert placeholders(_CATALOGUE["help.body"]["ko"]) == weights


def test_every_user_error_raised_in_the_code_has_a_message() -> None:
    sources = (path.read_text(encoding="utf-8") for path in (ROOT / "bot").rglob("*.py"))
    keys = {key for source in sources for key in re.findall(r'UserError\(\s*"([a-z.-]+)"', source)}
    assert {"error.unknown-category", "error.unknown-timezone", "error.bad-weekdays", "error.bad-delay"} <= keys
    assert sorted(key for key in keys if not has(key)) == []
