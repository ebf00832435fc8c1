"""Bad configuration input that used to get through, crash or be blamed on the wrong line: each is refused with
the file, line and key, in plain words."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import (
    ConfigError,
    Settings,
    config_yaml,
    format_duration,
    format_weekdays,
    load_settings,
    parse_duration,
    parse_weekdays,
    platform_problems,
)
from bot.storage.urls import PostgresUrl

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, body: str | bytes, name: str = "quizbot.yaml") -> Path:
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def problems(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(env or {}, path)
    return caught.value.problems


# --- encoding ----------------------------------------------------------------------------------------------------


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "language: en\n# caf\xe9 in Latin-1\nlog_level: INFO\n".encode("latin-1"))
    (problem,) = problems(path)
    assert problem == f"{path}:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"


def test_a_byte_order_mark_is_not_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufefflanguage: en\n".encode())
    assert load_settings({}, path).language == "en"


# --- durations ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["-3600", "0", "0s", "0h0m"])
def test_a_duration_of_zero_or_less_is_refused_with_file_line_and_key(tmp_path: Path, written: str) -> None:
    path = write(tmp_path, f"language: en\nscheduler:\n  grace_period: {written}\n")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:3: scheduler.grace_period: ")
    assert "longer than zero" in problem


@pytest.mark.parametrize("written", ["99999999999d", "400d", 10**30, 1e300, float("inf")])
def test_a_huge_duration_is_a_clean_value_error(written: object) -> None:
    with pytest.raises(ValueError, match="too long; durations go up to 365d"):
        parse_duration(written)


def test_a_huge_duration_in_the_file_is_a_located_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "defaults:\n  daily_reveal_delay: 99999999999d\n")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:2: defaults.daily_reveal_delay: '99999999999d' is too long")


def test_nan_is_not_a_duration() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(float("nan"))


@pytest.mark.parametrize(
    ("seconds", "written"), [(45, "45s"), (600, "10m"), (5400, "1h30m"), (8 * 3600, "8h"), (2 * 86400, "2d")]
)
def test_durations_are_written_the_way_the_file_takes_them(seconds: int, written: str) -> None:
    duration = dt.timedelta(seconds=seconds)
    assert format_duration(duration) == written
    assert parse_duration(written) == duration


# --- weekdays ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["mon-xyz", "xyz-fri", "monxyz", "mon,wed,fry", "mo", ["mon", "funday"], [1]])
def test_a_misspelled_weekday_is_refused_not_guessed(written: object) -> None:
    with pytest.raises(ValueError, match="is not a weekday"):
        parse_weekdays(written)


def test_the_misspelled_part_is_named() -> None:
    with pytest.raises(ValueError, match="'xyz' is not a weekday; use mon, tue, wed, thu, fri, sat or sun"):
        parse_weekdays("mon-xyz")


def test_weekdays_take_full_names_ranges_and_mixtures() -> None:
    assert parse_weekdays("Monday-Wednesday") == frozenset({0, 1, 2})
    assert parse_weekdays("mon-wed,sat") == frozenset({0, 1, 2, 5})
    assert parse_weekdays(["sunday", "sat"]) == frozenset({5, 6})
    assert parse_weekdays("daily") == frozenset(range(7))


@pytest.mark.parametrize(
    ("days", "written"),
    [
        (frozenset(range(7)), "daily"),
        (frozenset(range(5)), "mon-fri"),
        (frozenset({4, 5, 6, 0}), "fri-mon"),
        (frozenset({0, 2, 4}), ["mon", "wed", "fri"]),
        (frozenset({5, 6}), ["sat", "sun"]),
    ],
)
def test_weekdays_are_written_the_way_the_file_takes_them(days: frozenset[int], written: object) -> None:
    assert format_weekdays(days) == written
    assert parse_weekdays(written) == days


def test_a_misspelled_weekday_in_the_file_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "defaults:\n  weekdays: mon-xyz\n")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:2: defaults.weekdays: 'xyz' is not a weekday")


# --- the database ------------------------------------------------------------------------------------------------


def test_a_postgresql_url_in_the_environment_selects_postgresql(tmp_path: Path) -> None:
    path = write(tmp_path, "language: en\n")
    settings = load_settings({"QUIZBOT_DB": "postgresql://quiz:pw@db:5432/quiz"}, path)
    assert settings.database == PostgresUrl("postgresql://quiz:pw@db:5432/quiz")
    assert not (tmp_path / "postgresql:").exists()
    assert "pw" not in str(settings.database) and "pw" not in repr(settings)


def test_a_postgres_url_in_the_file_selects_postgresql_too(tmp_path: Path) -> None:
    path = write(tmp_path, "language: en\ndatabase: postgres://db/quiz\n")
    database = load_settings({}, path).database
    assert isinstance(database, PostgresUrl) and database.url == "postgresql://db/quiz"


def test_a_postgresql_url_with_a_driver_is_refused_without_repeating_it(tmp_path: Path) -> None:
    path = write(tmp_path, "language: en\ndatabase: postgresql+psycopg://quiz:pw@db/quiz\n")
    (problem,) = problems(path)
    assert problem == f"{path}:2: database: write the PostgreSQL URL as postgresql://..., without +psycopg"


def test_another_database_url_is_refused_too(tmp_path: Path) -> None:
    path = write(tmp_path, "database: mysql://db/quiz\n")
    (problem,) = problems(path)
    assert "mysql:// database URLs are not supported" in problem


@pytest.mark.parametrize(
    ("written", "path"),
    [("sqlite:///data/q.sqlite3", Path("data/q.sqlite3")), ("sqlite:////srv/q.sqlite3", Path("/srv/q.sqlite3"))],
)
def test_a_sqlite_url_names_a_file(tmp_path: Path, written: str, path: Path) -> None:
    config = write(tmp_path, "language: en\n")
    assert load_settings({"QUIZBOT_DB": written}, config).database == path


# --- YAML syntax errors name the line of the mistake ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("language: en\ndefaults\n  timezone: UTC\nlog_level: INFO\n", 2),  # a key without its colon
        ('language: en\ndefaults:\n  post_time: "09:00\n  timezone: UTC\n', 3),  # a quote left open
        ("language: en\ndecks: [questions\nlog_level: INFO\n", 2),  # a bracket left open
        ("language: en\ndefaults:\n  timezone: UTC\n   post_time: '09:00'\n", 4),  # indented too far
        ("decks:\n  - questions\n  other: x\n", 3),  # a key in a list
    ],
)
def test_a_yaml_syntax_error_names_the_line_of_the_mistake(tmp_path: Path, body: str, line: int) -> None:
    path = write(tmp_path, body)
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{line}: invalid YAML: ")


# --- pydantic's wording translated ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("defaults:\n  timezon: UTC\n", "2: defaults.timezon: unknown setting 'timezon' (did you mean 'timezone'?)"),
        ("sheduler:\n  grace_period: 1h\n", "1: sheduler: unknown setting 'sheduler' (did you mean 'scheduler'?)"),
        ("language: fr\n", "1: language: must be 'ko' or 'en', not 'fr'"),
        ("scoring:\n  vote: lots\n", "2: scoring.vote: must be a whole number, not 'lots'"),
        ("scoring:\n  vote: -1\n", "2: scoring.vote: must be at least 0, not -1"),
        ("discord:\n  requests_per_second: fast\n", "2: discord.requests_per_second: must be a number, not 'fast'"),
        ("discord:\n  requests_per_second: 0\n", "2: discord.requests_per_second: must be more than 0, not 0"),
        ("slack:\n  http_port: 70000\n", "2: slack.http_port: must be less than 65536, not 70000"),
        ("console:\n  seed: 1.5\n", "2: console.seed: must be a whole number, not 1.5"),
        ("defaults: soon\n", "1: defaults: must be a section of indented key: value lines, not 'soon'"),
        ("discord:\n  dev_guild_ids: 5\n", "2: discord.dev_guild_ids: must be a list such as [a, b], not 5"),
        ("source: x.yaml\n", "1: source: unknown setting 'source'"),
    ],
)
def test_problems_are_in_plain_words_with_file_line_and_key(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, body)
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{expected}")
    assert "Input should" not in problem and "Extra inputs" not in problem


def test_a_single_deck_path_needs_no_list(tmp_path: Path) -> None:
    path = write(tmp_path, "decks: my-decks\ndefaults:\n  decks: demo\n")
    settings = load_settings({}, path)
    assert settings.decks == (Path("my-decks"),)
    assert settings.defaults.decks == ("demo",)


# --- where decks and the database come from --------------------------------------------------------------------


def test_the_file_decides_the_decks_unless_quizbot_decks_is_set(tmp_path: Path) -> None:
    path = write(tmp_path, "language: en\ndecks: [mine]\n")
    from_file = load_settings({}, path)
    assert from_file.decks == (Path("mine"),)
    assert from_file.decks_origin == f"{path}:2"
    from_env = load_settings({"QUIZBOT_DECKS": "elsewhere"}, path)
    assert from_env.decks == (Path("elsewhere"),)
    assert from_env.decks_origin == f"QUIZBOT_DECKS (overriding decks: at {path}:2)"


def test_defaults_are_said_to_be_built_in(tmp_path: Path) -> None:
    settings = load_settings({}, write(tmp_path, "language: en\n"))
    assert settings.decks_origin == "built-in default"
    assert settings.database_origin == "built-in default"


# --- choosing the platform --------------------------------------------------------------------------------------


def test_quizbot_platform_chooses_the_console_whatever_tokens_are_set(tmp_path: Path) -> None:
    path = write(tmp_path, "language: en\n")
    settings = load_settings({"QUIZBOT_PLATFORM": " Console ", "DISCORD_TOKEN": "t"}, path)
    assert settings.platform() == "console"
    assert settings.chosen_platform == "console"
    assert load_settings({"QUIZBOT_PLATFORM": "auto", "DISCORD_TOKEN": "t"}, path).platform() == "discord"


def test_an_unknown_quizbot_platform_is_refused(tmp_path: Path) -> None:
    (problem,) = problems(write(tmp_path, "language: en\n"), {"QUIZBOT_PLATFORM": "telegram"})
    assert problem.startswith("QUIZBOT_PLATFORM: 'telegram' is not a platform")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["SLACK_APP_TOKEN is not set"]),
        ({"SLACK_APP_TOKEN": "xapp-1"}, ["SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"]),
        ({"QUIZBOT_PLATFORM": "discord"}, ["QUIZBOT_PLATFORM=discord, but DISCORD_TOKEN is not set"]),
        ({"QUIZBOT_PLATFORM": "slack", "SLACK_APP_TOKEN": "xapp-1"}, ["QUIZBOT_PLATFORM=slack, but SLACK_BOT_TOKEN"]),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, []),
        ({"DISCORD_TOKEN": "d"}, []),
        ({}, []),
    ],
)
def test_platform_problems_name_the_missing_variable(tmp_path: Path, env: dict[str, str], expected: list[str]) -> None:
    settings = load_settings(env, write(tmp_path, "language: en\n"))
    found = platform_problems(settings)
    assert len(found) == len(expected)
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(start)


def test_slack_http_mode_needs_the_signing_secret_not_the_app_token(tmp_path: Path) -> None:
    path = write(tmp_path, "slack:\n  mode: http\n")
    (problem,) = platform_problems(load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, path))
    assert problem.startswith("SLACK_SIGNING_SECRET is not set")


# --- printing the settings back ----------------------------------------------------------------------------------


def test_printed_settings_use_the_file_formats_and_read_back_the_same(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        language: en
        decks: [a, b]
        defaults:
          post_time: "07:30"
          weekdays: [mon, wed]
          daily_reveal_delay: 1h30m
        scheduler:
          grace_period: 2d
        console:
          seed: 3
        """,
    )
    settings = load_settings({}, path)
    printed = config_yaml(settings)
    assert 'post_time: "07:30"' in printed
    assert "weekdays: [mon, wed]" in printed
    assert "daily_reveal_delay: 1h30m" in printed
    assert "grace_period: 2d" in printed
    assert "PT" not in printed and "07:30:00" not in printed
    again = load_settings({}, write(tmp_path, printed, "again.yaml"))
    assert again.model_dump() == settings.model_dump()


def test_the_shipped_file_documents_every_setting() -> None:
    shipped: dict[str, Any] = yaml.safe_load((ROOT / "config" / "quizbot.yaml").read_text(encoding="utf-8"))
    printed: dict[str, Any] = yaml.safe_load(config_yaml(Settings()))

    def keys(data: dict[str, Any], prefix: str = "") -> set[str]:
        found = set()
        for key, value in data.items():
            found.add(prefix + key)
            if isinstance(value, dict):
                found |= keys(value, f"{prefix}{key}.")
        return found

    assert "console.seed" in keys(shipped)
    assert keys(printed) <= keys(shipped)
