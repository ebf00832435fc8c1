"""Settings: defaults, the YAML file with located errors, environment overrides and secrets."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_DB,
    ConfigError,
    Settings,
    load_settings,
    parse_duration,
    parse_time_of_day,
    parse_weekdays,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "discord-token-value-0123456789"


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "quizbot.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, path)
    return caught.value.problems


def test_without_a_file_the_built_in_defaults_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.source is None
    assert settings.language == "ko"
    assert settings.database == DEFAULT_DB
    assert settings.defaults.timezone == "Asia/Seoul"
    assert settings.defaults.post_time == dt.time(9, 0)
    assert settings.defaults.weekdays == frozenset(range(7))
    assert settings.defaults.daily_reveal_delay == dt.timedelta(hours=8)
    assert settings.scoring.answer == 10
    assert settings.scheduler.grace_period == dt.timedelta(hours=1)
    assert settings.platform() == "console"


def test_the_shipped_configuration_file_states_the_defaults() -> None:
    shipped = load_settings({}, ROOT / "config" / "quizbot.yaml")
    assert shipped.model_dump() == Settings().model_dump()


def test_values_from_the_file_are_parsed(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        """\
        language: en
        defaults:
          timezone: Europe/Berlin
          post_time: "07:30"
          weekdays: mon-fri
          daily_reveal_delay: 1h30m
        console:
          reveal_delay: 45s
        """,
    )
    settings = load_settings({}, path)
    assert settings.source == path
    assert settings.language == "en"
    assert settings.defaults.post_time == dt.time(7, 30)
    assert settings.defaults.weekdays == frozenset(range(5))
    assert settings.defaults.daily_reveal_delay == dt.timedelta(hours=1, minutes=30)
    assert settings.console.reveal_delay == dt.timedelta(seconds=45)


def test_an_unquoted_time_read_by_yaml_as_minutes_still_parses(tmp_path: Path) -> None:
    path = write_config(tmp_path, "defaults:\n  post_time: 9:15\n")
    assert load_settings({}, path).defaults.post_time == dt.time(9, 15)


def test_unknown_key_is_named_with_file_and_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "language: en\ndefaults:\n  timezon: Asia/Seoul\n")
    assert problems_of(path) == [f"{path}:3: defaults.timezon: unknown setting 'timezon' (did you mean 'timezone'?)"]


def test_unknown_section_is_named_with_file_and_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "language: en\ncolour: blue\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: colour: unknown setting 'colour'; this section takes: language, database")


def test_bad_type_is_named_with_file_line_and_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, "scoring:\n  answer: 10\n  vote: lots\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: scoring.vote: ")
    assert "must be a whole number, not 'lots'" in problem


def test_bad_timezone_is_named_with_file_line_and_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, "defaults:\n  post_time: '09:00'\n  timezone: Mars/Olympus\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: defaults.timezone: ")
    assert "Mars/Olympus" in problem


@pytest.mark.parametrize("written", ["25:00", '"25:00"', '"9:75"'])
def test_impossible_time_is_named_with_file_line_and_key(tmp_path: Path, written: str) -> None:
    path = write_config(tmp_path, f"defaults:\n  post_time: {written}\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: defaults.post_time: ")
    assert written.strip('"') in problem


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    path = write_config(tmp_path, "defaults:\n  timezone: Nowhere/Land\nscoring:\n  vote: -1\nlog_level: LOUD\n")
    located = sorted(problem.split(": ")[0:2] for problem in problems_of(path))
    assert located == [[f"{path}:2", "defaults.timezone"], [f"{path}:4", "scoring.vote"], [f"{path}:5", "log_level"]]


def test_bad_duration_and_weekday_are_explained(tmp_path: Path) -> None:
    path = write_config(tmp_path, "scheduler:\n  grace_period: soon\ndefaults:\n  weekdays: [mon, funday]\n")
    problems = problems_of(path)
    assert any(p.startswith(f"{path}:2: scheduler.grace_period: ") and "duration" in p for p in problems)
    assert any(p.startswith(f"{path}:4: defaults.weekdays: ") and "funday" in p for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "language: en\ndefaults: [1\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:")
    assert "invalid YAML" in problem


def test_a_configuration_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, "- language\n- en\n")
    assert problems_of(path) == [f"{path}:1: the configuration must be a mapping of sections"]


def test_a_missing_configuration_file_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    (problem,) = problems_of(missing)
    assert problem.startswith(f"{missing}: cannot read")


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    path = write_config(tmp_path, "")
    assert load_settings({}, path).model_dump() == Settings().model_dump()


def test_quizbot_config_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "language: en\n")
    settings = load_settings({"QUIZBOT_CONFIG": str(path)})
    assert settings.source == path
    assert settings.language == "en"


def test_quizbot_db_overrides_the_database_of_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "database: from-file.sqlite3\n")
    settings = load_settings({"QUIZBOT_CONFIG": str(path), "QUIZBOT_DB": str(tmp_path / "env.sqlite3")})
    assert settings.database == tmp_path / "env.sqlite3"


def test_quizbot_decks_lists_deck_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"QUIZBOT_DECKS": f"a{os.pathsep}b/c.yaml"})
    assert settings.decks == (Path("a"), Path("b/c.yaml"))


def test_secrets_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"DISCORD_TOKEN": f"  {TOKEN}  ", "SLACK_BOT_TOKEN": ""})
    assert settings.secrets.discord_token is not None
    assert settings.secrets.discord_token.get_secret_value() == TOKEN
    assert settings.secrets.slack_bot_token is None
    assert settings.platform() == "discord"


def test_slack_runs_when_only_slack_has_a_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}).platform() == "slack"


def test_secrets_never_appear_in_repr_or_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "DISCORD_TOKEN": TOKEN,
        "SLACK_BOT_TOKEN": "xoxb-secret-bot",
        "SLACK_APP_TOKEN": "xapp-secret-app",
        "SLACK_SIGNING_SECRET": "signing-secret-value",
    }
    settings = load_settings(env)
    renderings = [
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        repr(settings.secrets),
        settings.secrets.model_dump_json(),
        str(settings.model_dump()),
    ]
    for rendering in renderings:
        for secret in env.values():
            assert secret not in rendering


def test_a_token_written_in_the_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, f"language: en\nsecrets:\n  discord_token: {TOKEN}\n")

    with pytest.raises(ConfigError) as raised:
        load_settings({}, path)

    (problem,) = raised.value.problems
    assert problem.startswith(f"{path}:2: secrets:")
    assert "environment" in problem
    assert TOKEN not in problem


def test_durations_accept_units_and_seconds() -> None:
    assert parse_duration("1h30m") == dt.timedelta(hours=1, minutes=30)
    assert parse_duration("2d") == dt.timedelta(days=2)
    assert parse_duration(45) == dt.timedelta(seconds=45)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("")


def test_weekdays_accept_ranges_lists_and_names() -> None:
    assert parse_weekdays("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_weekdays("mon,wed,fri") == frozenset({0, 2, 4})
    assert parse_weekdays(["Tuesday", "thu"]) == frozenset({1, 3})
    assert parse_weekdays("weekdays") == frozenset(range(5))


def test_time_of_day_rejects_the_sixtieth_minute() -> None:
    with pytest.raises(ValueError, match="'12:60' is not a time of day"):
        parse_time_of_day("12:60")
