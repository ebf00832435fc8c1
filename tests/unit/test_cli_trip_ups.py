"""What a new study group trips over on the command line: each is a clear line and a consistent exit code.

Exit codes: 0 done, 1 a check that ran and failed (health, database integrity), 2 anything the user must fix.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import bot.app
from bot.cli import main
from bot.config import load_settings, parse_shard_ids
from bot.core.decks import DeckError, DeckIssue

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "questions"
TOKEN = "discord-token-value-do-not-print-0123456789"
SLACK_TOKEN = "xoxb-slack-token-do-not-print"
DeckWriter = Callable[..., Path]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: a configuration file in a temp folder, no tokens, no overrides."""
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "SLACK_", "QUIZBOT_")):
            monkeypatch.delenv(name)
    path = tmp_path / "quizbot.yaml"
    path.write_text(f"language: en\ndecks: [{QUESTIONS}]\n", encoding="utf-8")
    monkeypatch.setenv("QUIZBOT_CONFIG", str(path))
    monkeypatch.setenv("QUIZBOT_DB", str(tmp_path / "quiz.sqlite3"))
    return path


# --- 1. no token and nobody at the keyboard ---------------------------------------------------------------------


def test_run_without_a_token_or_a_terminal_exits_2_naming_the_tokens(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cannot start: no chat token is set and stdin is not a terminal")
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "QUIZBOT_PLATFORM=console"):
        assert name in err
    assert not (tmp_path / "quiz.sqlite3").exists()  # no round opened


def test_a_terminal_still_gets_the_console(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import run

    settings = load_settings()
    assert run.start_problems(settings, interactive=True) == []
    assert run.start_problems(settings, interactive=False) == [run.NO_TOKEN]
    monkeypatch.setenv("QUIZBOT_PLATFORM", "console")
    assert run.start_problems(load_settings(), interactive=False) == []


# --- 2. one source of truth for the decks -----------------------------------------------------------------------


@pytest.fixture
def own_decks(write_deck: DeckWriter, valid_deck_yaml: str, tmp_path: Path) -> Path:
    write_deck(valid_deck_yaml, "own/demo.yaml")
    return tmp_path / "own"


def test_decks_list_reads_the_decks_of_the_configuration(
    config: Path, own_decks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(f"language: en\ndecks: [{own_decks}]\n", encoding="utf-8")
    assert main(["decks", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"deck paths (from {config}:2): {own_decks}\n")
    assert "demo  Demo deck" in out


def test_decks_list_says_when_quizbot_decks_overrides_the_configuration(
    config: Path, own_decks: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUIZBOT_DECKS", str(own_decks))
    assert main(["decks", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"deck paths (from QUIZBOT_DECKS (overriding decks: at {config}:2)): {own_decks}\n")


def test_decks_list_lists_what_run_loads(config: Path, own_decks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text(f"decks: [{own_decks}, {QUESTIONS}]\n", encoding="utf-8")
    assert main(["decks", "list"]) == 0
    printed = capsys.readouterr().out.splitlines()[0]
    assert printed.endswith(": " + ", ".join(str(path) for path in load_settings().decks))


def test_decks_list_with_a_broken_configuration_exits_2(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text("decks: [a\n", encoding="utf-8")
    assert main(["decks", "list"]) == 2
    assert f"configuration error: {config}:1: invalid YAML" in capsys.readouterr().err


def test_the_image_does_not_override_the_decks_of_a_mounted_configuration() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(ENV\s+)?QUIZBOT_DECKS=", dockerfile, re.MULTILINE)


def test_the_compose_example_fails_fast_without_a_token_and_mounts_config_and_decks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    docker = readme[readme.index("## Docker") : readme.index("## Layout")]
    assert "DISCORD_TOKEN: ${DISCORD_TOKEN:?set DISCORD_TOKEN}" in docker
    assert "- ./config:/config:ro" in docker and "- ./questions:/app/questions:ro" in docker
    assert "quizbot config" in docker and "quizbot decks list" in docker


# --- 3. config: a missing Slack app token; a closed pipe -----------------------------------------------------------


def test_config_flags_a_slack_bot_token_without_the_app_token(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    assert main(["config"]) == 2
    captured = capsys.readouterr()
    assert "configuration error: SLACK_APP_TOKEN is not set" in captured.err
    assert "# secrets (from the environment, never printed): SLACK_BOT_TOKEN set" in captured.out
    assert SLACK_TOKEN not in captured.out + captured.err


def test_config_output_to_a_closed_pipe_is_not_a_traceback(config: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for command in (["config"], ["--help"], ["decks", "list"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # like `| head -1` finishing before the bot writes a line
        err = process.stderr.read().decode()
        process.stderr.close()
        assert process.wait(timeout=60) == 0, err
        assert "BrokenPipeError" not in err and "Traceback" not in err


# --- 4. import does not overwrite hand-written work ---------------------------------------------------------------


def test_import_refuses_to_overwrite_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outline = tmp_path / "outline.md"
    outline.write_text("# Basics\nWhat is ReLU?\n- max(0, x)\n", encoding="utf-8")
    target = tmp_path / "mine.yaml"
    target.write_text("key concepts written by hand\n", encoding="utf-8")

    assert main(["decks", "import", str(outline), "-o", str(target)]) == 2
    assert f"{target} already exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "key concepts written by hand\n"

    assert main(["decks", "import", str(outline), "-o", str(target), "--force"]) == 0
    assert "What is ReLU?" in target.read_text(encoding="utf-8")


# --- 5. a database that cannot be opened -------------------------------------------------------------------------


def test_run_with_an_unopenable_database_exits_2_naming_it(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    database = blocker / "quiz.sqlite3"
    monkeypatch.setenv("QUIZBOT_DB", str(database))
    monkeypatch.setenv("QUIZBOT_PLATFORM", "console")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert f"cannot open the database {database}: " in err
    assert "Traceback" not in err


def test_run_with_a_database_that_is_a_folder_exits_2_naming_it(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "folder.sqlite3"
    database.mkdir()
    monkeypatch.setenv("QUIZBOT_DB", str(database))
    monkeypatch.setenv("QUIZBOT_PLATFORM", "console")
    assert main(["run"]) == 2
    assert f"cannot open the database {database}: unable to open database file" in capsys.readouterr().err


def test_run_with_an_unreachable_postgresql_server_exits_2_naming_it_without_the_password(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUIZBOT_DB", "postgresql://quiz:s3cret@127.0.0.1:1/quiz")  # nothing listens on port 1
    monkeypatch.setenv("QUIZBOT_PLATFORM", "console")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "cannot use the PostgreSQL database postgresql://quiz:***@127.0.0.1:1/quiz: " in err
    assert "s3cret" not in err


def test_a_config_file_that_is_not_utf8_exits_2(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_bytes("language: en\nlog_level: INFO # \xe9\n".encode("latin-1"))
    assert main(["config"]) == 2
    assert f"configuration error: {config}:2: not UTF-8 text" in capsys.readouterr().err


# --- 6. a deck's YAML syntax error names the line of the mistake ------------------------------------------------


def test_a_broken_deck_names_the_line_of_the_mistake(
    write_deck: DeckWriter, valid_deck_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = valid_deck_yaml.splitlines(keepends=True)
    broken = next(n for n, line in enumerate(lines) if line.strip() == "title: Demo deck")
    lines[broken] = '  title: "Demo deck\n'  # the quote is never closed
    path = write_deck("".join(lines), "broken.yaml")
    assert main(["decks", "validate", str(path)]) == 2
    assert f"{path}:{broken + 1}: invalid YAML" in capsys.readouterr().err


# --- 7. start-up failures are one line and exit 2 -----------------------------------------------------------------


def _connector_error() -> Exception:
    import aiohttp
    from aiohttp.client_reqrep import ConnectionKey

    key = ConnectionKey("127.0.0.1", 9, False, True, None, None, None)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connect call failed"))


def _slack_api_error() -> Exception:
    from slack_sdk.errors import SlackApiError

    return SlackApiError("failed", {"ok": False, "error": "invalid_auth"})  # type: ignore[no-untyped-call]


def _login_failure() -> Exception:
    import discord

    return discord.LoginFailure("Improper token has been passed.")


def _auth_refused() -> Exception:
    from bot.core.ports import PlatformError

    return PlatformError("checking the bot token (auth.test): invalid_auth", retryable=False)


def _slack_config() -> Exception:
    from bot.platforms.slack.client import SlackConfigError

    return SlackConfigError("SLACK_APP_TOKEN is not set (Socket Mode needs the app-level token)")


def _deck_error() -> Exception:
    return DeckError([DeckIssue("questions/x.yaml", 3, None, None, "invalid YAML: oops")])


@pytest.mark.parametrize(
    ("env", "error", "expected"),
    [
        ({"DISCORD_TOKEN": TOKEN}, _login_failure, "Discord rejected DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": TOKEN}, _connector_error, "cannot reach the Discord API at https://discord.com/api: "),
        ({"DISCORD_TOKEN": TOKEN}, lambda: TimeoutError(), "cannot reach the Discord API"),
        (
            {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_APP_TOKEN": "xapp-1"},
            _auth_refused,
            "Slack rejected SLACK_BOT_TOKEN",
        ),
        (
            {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_APP_TOKEN": "xapp-1"},
            _slack_api_error,
            "Slack refused the Socket Mode",
        ),
        ({"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_APP_TOKEN": "xapp-1"}, _slack_config, "cannot start on Slack: SLACK_"),
        ({"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_APP_TOKEN": "xapp-1"}, _connector_error, "cannot reach Slack at "),
        ({"QUIZBOT_PLATFORM": "console"}, lambda: sqlite3.OperationalError("attempt to write a readonly database"), ""),
        ({"QUIZBOT_PLATFORM": "console"}, _deck_error, "deck error:\nquestions/x.yaml:3"),
    ],
)
def test_start_up_failures_are_one_clear_line_and_exit_2(
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    error: Callable[[], Exception],
    expected: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    async def failing(settings: object) -> None:
        raise error()

    monkeypatch.setattr(bot.app, "run", failing)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    if not expected:  # the database: named by its path
        expected = f"cannot open the database {load_settings().database}: attempt to write a readonly database"
    assert err.startswith(expected) or f"\n{expected}" in err, err
    assert "Traceback" not in err
    assert TOKEN not in err and SLACK_TOKEN not in err


def test_a_bug_at_start_is_still_a_traceback(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUIZBOT_PLATFORM", "console")

    async def failing(settings: object) -> None:
        raise KeyError("a bug, not a user's mistake")

    monkeypatch.setattr(bot.app, "run", failing)
    with pytest.raises(KeyError):
        main(["run"])


def test_run_with_slack_but_no_app_token_exits_2_before_connecting(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cannot start: SLACK_APP_TOKEN is not set")
    assert SLACK_TOKEN not in err


def test_explaining_a_console_failure_never_imports_the_chat_libraries(config: Path) -> None:
    script = (
        "import sqlite3, sys\n"
        "from bot.cli.run import start_failure\n"
        "from bot.config import load_settings\n"
        "settings = load_settings({'QUIZBOT_PLATFORM': 'console'})\n"
        "assert start_failure(sqlite3.OperationalError('x'), settings)\n"
        "assert start_failure(OSError('y'), settings) is None\n"
        "print(sorted(m for m in ('discord', 'slack_sdk', 'slack_bolt') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


# --- 8. exit codes: 2 to fix something, 1 for a failed check -----------------------------------------------------


def test_deck_problems_and_unknown_ids_exit_2(
    write_deck: DeckWriter, valid_deck_yaml: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_deck(valid_deck_yaml, "decks/demo.yaml").parent
    bad = write_deck(valid_deck_yaml.replace("difficulty: easy", "difficulty: trivial", 1), "bad.yaml")
    assert main(["decks", "validate", str(bad)]) == 2
    assert main(["decks", "validate", str(tmp_path / "empty-nothing")]) == 2
    assert main(["decks", "show", "no-such-id", "--dir", str(good)]) == 2
    assert main(["decks", "show", "demo/no-such-question", "--dir", str(good)]) == 2
    assert main(["decks", "list", "--dir", str(tmp_path / "nowhere")]) == 2
    assert main(["decks", "import", str(tmp_path / "missing.md")]) == 2
    capsys.readouterr()


def test_db_commands_without_a_database_exit_2(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "check"]) == 2
    assert f"no database at {tmp_path / 'quiz.sqlite3'} (from QUIZBOT_DB)" in capsys.readouterr().err
    assert main(["db", "backup", str(tmp_path / "copy.sqlite3")]) == 2


def test_db_check_of_a_file_that_is_not_a_database_exits_1(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "quiz.sqlite3").write_bytes(b"not a database at all " * 500)
    assert main(["db", "check"]) == 1
    assert "file is not a database" in capsys.readouterr().err


def test_an_unhealthy_bot_exits_1(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health"]) == 1
    assert "unhealthy" in capsys.readouterr().out


def test_the_exit_codes_are_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Command line") : readme.index("## Decks")]
    assert "| 1 | a check ran and failed" in section
    assert "| 2 | something for you to fix" in section


# --- 9. every make target declared has a rule -------------------------------------------------------------------


def test_every_phony_make_target_has_a_rule() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    (phony,) = re.findall(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    rules = set(re.findall(r"^([A-Za-z][\w-]*):", makefile, re.MULTILINE))
    missing = [target for target in phony.split() if target not in rules]
    assert missing == []
    assert re.search(r"^unit:.*\n\t.*pytest.*tests/unit", makefile, re.MULTILINE)
    assert re.search(r"^sync:.*\n\t.*-m bot sync", makefile, re.MULTILINE)


# --- 10. config prints what the file takes ---------------------------------------------------------------------


def test_config_prints_configuration_yaml_that_reads_back(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(
        "language: en\ndefaults:\n  weekdays: mon-fri\n  post_time: '08:15'\n  daily_reveal_delay: 8h\n",
        encoding="utf-8",
    )
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "weekdays: mon-fri" in out and 'post_time: "08:15"' in out and "daily_reveal_delay: 8h" in out
    assert "PT8H" not in out and "08:15:00" not in out
    pasted = tmp_path / "pasted.yaml"
    pasted.write_text(out, encoding="utf-8")
    assert load_settings({}, pasted).model_dump() == load_settings().model_dump()


def test_the_postgresql_compose_example_splits_every_shard_once_within_the_tokens_budget() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Running with PostgreSQL") : readme.index("## Layout")]
    compose = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    bots = [service for service in compose["services"].values() if "DISCORD_TOKEN" in service["environment"]]
    assert len(bots) == 2
    counts = {int(bot["environment"]["DISCORD_SHARD_COUNT"]) for bot in bots}
    assert len(counts) == 1
    shards = sorted(i for bot in bots for i in parse_shard_ids(bot["environment"]["DISCORD_SHARD_IDS"]))
    assert shards == list(range(counts.pop()))
    assert sum(float(bot["environment"]["DISCORD_REQUESTS_PER_SECOND"]) for bot in bots) <= 50
    assert all(bot["environment"]["QUIZBOT_DB"].startswith("postgresql://") for bot in bots)
    assert all(bot["depends_on"]["db"]["condition"] == "service_healthy" for bot in bots)
