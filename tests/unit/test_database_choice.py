"""Choosing the backend from ``QUIZBOT_DB``/``database:``, and a PostgreSQL URL's password never shown."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from bot.app import heartbeat_path
from bot.cli import main
from bot.config import Settings, config_yaml, load_settings
from bot.storage.backends import open_store
from bot.storage.sqlite.store import Storage
from bot.storage.urls import PostgresUrl

SECRET = "pa55-do-not-print"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (f"postgresql://quiz:{SECRET}@db:5432/quiz", "postgresql://quiz:***@db:5432/quiz"),
        (f"postgres://quiz:{SECRET}@db/quiz", "postgresql://quiz:***@db/quiz"),
        ("postgresql://quiz@db/quiz", "postgresql://quiz@db/quiz"),
        ("postgresql://db/quiz", "postgresql://db/quiz"),
        (
            f"postgresql:///quiz?host=/run/postgresql&password={SECRET}",
            "postgresql:///quiz?host=%2Frun%2Fpostgresql&password=***",
        ),
        (f"postgresql://quiz:{SECRET}@h1:5432,h2:5433/quiz", "postgresql://quiz:***@h1:5432,h2:5433/quiz"),
    ],
)
def test_a_postgresql_url_shows_no_password(url: str, masked: str) -> None:
    database = PostgresUrl(url)
    assert database.masked() == masked
    assert SECRET not in str(database) and SECRET not in repr(database)
    assert database.url.endswith(url.partition("://")[2])


def test_the_fingerprint_names_the_database_not_the_password() -> None:
    one = PostgresUrl(f"postgresql://quiz:{SECRET}@db/quiz")
    assert one.fingerprint() == PostgresUrl("postgresql://quiz:other@db/quiz").fingerprint()
    assert one.fingerprint() != PostgresUrl(f"postgresql://quiz:{SECRET}@db/other").fingerprint()


def test_the_settings_printed_mask_the_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "quizbot.yaml"
    config.write_text("language: en\n", encoding="utf-8")
    settings = load_settings({"QUIZBOT_DB": f"postgresql://quiz:{SECRET}@db:5432/quiz"}, config)
    assert "database: postgresql://quiz:***@db:5432/quiz\n" in config_yaml(settings)
    assert SECRET not in repr(settings) and SECRET not in settings.model_dump_json()


def test_the_config_command_masks_the_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "quizbot.yaml"
    config.write_text("language: en\n", encoding="utf-8")
    monkeypatch.setenv("QUIZBOT_CONFIG", str(config))
    monkeypatch.setenv("QUIZBOT_DB", f"postgres://quiz:{SECRET}@db/quiz")
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "QUIZBOT_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "database: postgresql://quiz:***@db/quiz" in out and SECRET not in out


def test_a_file_path_or_sqlite_url_keeps_sqlite(tmp_path: Path) -> None:
    config = tmp_path / "quizbot.yaml"
    config.write_text("language: en\n", encoding="utf-8")
    for written in (str(tmp_path / "q.sqlite3"), f"sqlite:///{tmp_path}/q.sqlite3"):
        assert load_settings({"QUIZBOT_DB": written}, config).database == tmp_path / "q.sqlite3"


async def test_a_file_opens_the_sqlite_store(tmp_path: Path) -> None:
    store = await open_store(Settings(database=tmp_path / "q.sqlite3", database_synchronous="full"))
    try:
        assert isinstance(store, Storage)
        row = await store.db.fetchone("PRAGMA synchronous")
        assert row is not None and row[0] == 2  # FULL: the setting is passed on
    finally:
        await store.close()


def test_the_heartbeat_lies_beside_a_sqlite_file_and_in_the_temporary_folder_for_postgresql(tmp_path: Path) -> None:
    assert heartbeat_path(Settings(database=tmp_path / "q.sqlite3")) == tmp_path / "q.sqlite3.heartbeat"
    url = f"postgresql://quiz:{SECRET}@db/quiz"
    beat = heartbeat_path(Settings(database=url))
    assert beat.parent == Path(tempfile.gettempdir()) and SECRET not in beat.name
    assert beat.name == f"quizbot-{PostgresUrl(url).fingerprint()}.heartbeat"
