"""DISCORD_SHARD_COUNT, DISCORD_SHARD_IDS and DISCORD_REQUESTS_PER_SECOND: read from the environment, refused with
a message naming the variable, shown by ``python -m bot config``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.config import ConfigError, DiscordShards, Settings, format_shard_ids, load_settings, parse_shard_ids

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "quizbot.yaml"
    path.write_text("language: en\n", encoding="utf-8")
    return path


def settings_with(env: dict[str, str], path: Path) -> Settings:
    return load_settings(env, path)


def problems_with(env: dict[str, str], path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, path)
    return caught.value.problems


def test_without_the_variables_sharding_is_automatic(config_file: Path) -> None:
    shards = settings_with({}, config_file).shards

    assert shards == DiscordShards()
    assert shards.automatic


def test_a_count_alone_runs_every_shard_of_it(config_file: Path) -> None:
    shards = settings_with({"DISCORD_SHARD_COUNT": "4"}, config_file).shards

    assert shards == DiscordShards(count=4, ids=None)
    assert not shards.automatic


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("0-3", (0, 1, 2, 3)),
        ("0,2,4-5", (0, 2, 4, 5)),
        (" 2 - 3 , 0 ", (0, 2, 3)),
        ("5", (5,)),
        ("1-2,2-3", (1, 2, 3)),
    ],
)
def test_shard_ids_take_ranges_and_commas(config_file: Path, text: str, ids: tuple[int, ...]) -> None:
    env = {"DISCORD_SHARD_COUNT": "6", "DISCORD_SHARD_IDS": text}

    assert settings_with(env, config_file).shards == DiscordShards(count=6, ids=ids)


@pytest.mark.parametrize("text", ["a", "1-", "-1", "3-1", "0,,2", "0;1", "1.5", "0-2-3"])
def test_malformed_shard_ids_are_refused_naming_the_variable(config_file: Path, text: str) -> None:
    [problem] = problems_with({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": text}, config_file)

    assert problem.startswith("DISCORD_SHARD_IDS: ")


def test_shard_ids_past_the_count_are_refused(config_file: Path) -> None:
    [problem] = problems_with({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,2,4-5"}, config_file)

    assert problem == "DISCORD_SHARD_IDS: 2,4-5 is past the last shard of DISCORD_SHARD_COUNT=2; ids go from 0 to 1"


def test_shard_ids_need_the_count(config_file: Path) -> None:
    [problem] = problems_with({"DISCORD_SHARD_IDS": "0-1"}, config_file)

    assert problem.startswith("DISCORD_SHARD_IDS is set but DISCORD_SHARD_COUNT is not")


@pytest.mark.parametrize("text", ["0", "-2", "four", "2.5", "100001"])
def test_a_count_that_is_not_a_positive_whole_number_is_refused(config_file: Path, text: str) -> None:
    [problem] = problems_with({"DISCORD_SHARD_COUNT": text}, config_file)

    assert problem.startswith(f"DISCORD_SHARD_COUNT: {text!r} is not a whole number from 1 to 100000")


def test_a_range_of_absurd_length_is_refused_before_it_is_expanded() -> None:
    with pytest.raises(ValueError, match="spans more shards"):
        parse_shard_ids("0-999999999999")


def test_shard_ids_print_in_the_shortest_form() -> None:
    assert format_shard_ids(parse_shard_ids("5,0-2,4")) == "0-2,4-5"


def test_the_request_rate_can_be_set_per_process(tmp_path: Path) -> None:
    path = tmp_path / "quizbot.yaml"
    path.write_text("discord:\n  requests_per_second: 40\n", encoding="utf-8")

    assert settings_with({"DISCORD_REQUESTS_PER_SECOND": "25"}, path).discord.requests_per_second == 25
    assert settings_with({}, path).discord.requests_per_second == 40


@pytest.mark.parametrize(("text", "problem"), [("60", "must be at most 50"), ("fast", "must be a number")])
def test_a_request_rate_over_discords_budget_is_refused_naming_the_variable(
    config_file: Path, text: str, problem: str
) -> None:
    [reported] = problems_with({"DISCORD_REQUESTS_PER_SECOND": text}, config_file)

    assert reported.startswith("DISCORD_REQUESTS_PER_SECOND: discord.requests_per_second: ")
    assert problem in reported


def run_cli(env: dict[str, str], config: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "QUIZBOT_CONFIG": str(config), "QUIZBOT_PLATFORM": "console"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "config"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_config_shows_the_shards_and_where_the_request_rate_comes_from(config_file: Path) -> None:
    env = {"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "2-3", "DISCORD_REQUESTS_PER_SECOND": "25"}

    result = run_cli(env, config_file)

    assert result.returncode == 0, result.stderr
    assert "# discord shards: 2-3 of DISCORD_SHARD_COUNT=4" in result.stdout
    assert "from DISCORD_REQUESTS_PER_SECOND" in result.stdout
    assert "requests_per_second: 25.0" in result.stdout


def test_config_with_bad_shard_ids_exits_2_naming_the_variable(config_file: Path) -> None:
    result = run_cli({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0-2"}, config_file)

    assert result.returncode == 2
    assert result.stderr == textwrap.dedent("""\
        configuration error: DISCORD_SHARD_IDS: 2 is past the last shard of DISCORD_SHARD_COUNT=2; ids go from 0 to 1
        """)
