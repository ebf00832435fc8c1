"""``python -m bot run`` refusing to start on bad input, with the problem on stderr and exit code 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "QUIZBOT_DECKS"):
        monkeypatch.delenv(name, raising=False)
    # The console explicitly: stdin is not a terminal here, and without a token that alone stops `run`.
    monkeypatch.setenv("QUIZBOT_PLATFORM", "console")
    config = tmp_path / "quizbot.yaml"
    config.write_text("language: en\n", encoding="utf-8")
    monkeypatch.setenv("QUIZBOT_CONFIG", str(config))
    monkeypatch.setenv("QUIZBOT_DB", str(tmp_path / "quiz.sqlite3"))
    return config


def bot_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A child process's environment: no tokens or overrides from the outside, a temp database, the shipped decks."""
    config = tmp_path / "quizbot.yaml"
    config.write_text(f"language: en\ndecks: [{ROOT / 'questions'}]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    env.update(
        QUIZBOT_CONFIG=str(config),
        QUIZBOT_DB=str(tmp_path / "quiz.sqlite3"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        **extra,
    )
    return env


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


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


def test_run_in_a_container_without_a_token_exits_2_instead_of_opening_a_round(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=bot_environment(tmp_path),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "no chat token is set and stdin is not a terminal" in done.stderr
    assert "DISCORD_TOKEN" in done.stderr and "SLACK_APP_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "quiz.sqlite3").exists()


def test_run_with_quizbot_platform_console_reads_piped_answers(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="/quit\n",
        capture_output=True,
        text=True,
        env=bot_environment(tmp_path, QUIZBOT_PLATFORM="console"),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "[Interview question] #1" in done.stdout


def test_run_against_an_unreachable_discord_api_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    token = "NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.not-a-real-token-value"
    base = f"http://127.0.0.1:{closed_port()}"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=bot_environment(tmp_path, DISCORD_TOKEN=token, DISCORD_API_BASE=base),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"cannot reach the Discord API at {base}: Cannot connect to host 127.0.0.1")
    assert "Traceback" not in done.stderr
    assert token not in done.stderr


def test_run_against_an_unreachable_slack_api_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    secrets = {"SLACK_BOT_TOKEN": "xoxb-not-a-real-bot-token", "SLACK_APP_TOKEN": "xapp-not-a-real-app-token"}
    base = f"http://127.0.0.1:{closed_port()}/api/"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=bot_environment(tmp_path, SLACK_API_URL=base, **secrets),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"cannot reach Slack at {base}: checking the bot token (auth.test): network error")
    assert "Traceback" not in done.stderr
    assert all(secret not in done.stderr for secret in secrets.values())
