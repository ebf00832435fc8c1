"""``python -m bot run`` refusing to start on bad input, with the problem on stderr and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "QUIZBOT_DECKS"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "quizbot.yaml"
    config.write_text("language: en\n", encoding="utf-8")
    monkeypatch.setenv("QUIZBOT_CONFIG", str(config))
    monkeypatch.setenv("QUIZBOT_DB", str(tmp_path / "quiz.sqlite3"))
    return config


def test_run_with_a_bad_configuration_exits_2_naming_the_problem(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env.write_text("defaults:\n  post_time: 25:00\n", encoding="utf-8")
    assert main(["run"]) == 2
    assert f"configuration error: {env}:2: defaults.post_time: " in capsys.readouterr().err


def test_run_with_a_broken_deck_exits_2_before_touching_the_database(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "decks" / "broken.yaml"
    deck.parent.mkdir()
    deck.write_text("deck:\n  id: Not A Slug\nquestions: []\n", encoding="utf-8")
    monkeypatch.setenv("QUIZBOT_DECKS", str(deck.parent))
    assert main(["run"]) == 2
    assert "deck error" in capsys.readouterr().err
    assert not (tmp_path / "quiz.sqlite3").exists()
