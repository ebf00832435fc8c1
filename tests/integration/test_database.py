"""The SQLite file: migrations applied once, online backups, integrity checks, and the ``db`` commands."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.clock import SystemClock
from bot.core.decks import load_decks
from bot.core.models import ChannelDefaults, ChannelKey, RoundKind
from bot.core.scheduler import QuizScheduler
from bot.core.scoring import ScoringRules
from bot.core.service import QuizService
from bot.storage.sqlite.database import Database, MigrationError, load_migrations
from bot.storage.sqlite.store import Storage
from tests.conftest import QUESTIONS, RecordingPlatform
from tests.integration.quiz_steps import answer

LATEST = len(load_migrations())


def count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def some_answers(
    service: QuizService, scheduler: QuizScheduler, platform: RecordingPlatform, key: ChannelKey
) -> None:
    round_ = await scheduler.ask(platform, key)
    for name in ("Alice", "Bob", "Carol"):
        await answer(service, round_, name, f"{name}의 답")
    await scheduler.reveal_now(key)


# -- migrations -----------------------------------------------------------------------------------------------


async def test_a_new_database_gets_every_migration_once(storage: Storage, db_path: Path) -> None:
    assert await storage.db.schema_version() == LATEST
    assert count(db_path, "SELECT version FROM schema_version ORDER BY version DESC LIMIT 1") == LATEST
    assert count(db_path, "SELECT COUNT(*) FROM schema_version") == LATEST


async def test_reopening_a_database_applies_nothing_again(
    storage: Storage,
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    db_path: Path,
) -> None:
    await some_answers(service, scheduler, platform, channel_key)
    await storage.close()
    for _ in range(2):
        again = await Storage(db_path).open()
        assert await again.db.schema_version() == LATEST
        await again.close()
    assert count(db_path, "SELECT COUNT(*) FROM schema_version") == LATEST
    assert count(db_path, "SELECT COUNT(*) FROM answers") == 3


async def test_an_older_database_gets_only_the_missing_migrations(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    first = load_migrations()[0]
    with sqlite3.connect(path) as conn:
        conn.executescript(first.sql)
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)")
        conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (1, ?, 'then')", (first.name,))
        conn.execute("INSERT INTO guilds (platform, guild_id, timezone) VALUES ('fake', 'g', 'UTC')")
    upgraded = await Storage(path).open()
    try:
        assert await upgraded.db.schema_version() == LATEST
    finally:
        await upgraded.close()
    assert count(path, "SELECT COUNT(*) FROM guilds") == 1
    assert count(path, "SELECT COUNT(*) FROM schema_version WHERE version = 1 AND applied_at = 'then'") == 1


async def test_a_database_newer_than_the_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)")
        conn.execute("INSERT INTO schema_version (version, name) VALUES (99, 'from the future')")
    database = Database(path)
    with pytest.raises(MigrationError, match="newer"):
        await database.open()
    await database.close()


def test_migrations_are_numbered_without_gaps() -> None:
    assert [m.version for m in load_migrations()] == list(range(1, len(load_migrations()) + 1))


async def test_a_slot_can_be_claimed_only_once(service: QuizService, channel_key: ChannelKey) -> None:
    channel = await service.ensure_channel(channel_key, enabled=True)
    slot = service.clock.now()
    first = await service.open_round(channel, RoundKind.DAILY, slot=slot)
    second = await service.open_round(channel, RoundKind.DAILY, slot=slot)
    assert first is not None
    assert second is None
    assert await service.storage.rounds.slot_claimed(channel.ref, slot)


# -- backup and check -----------------------------------------------------------------------------------------


async def test_a_backup_of_the_live_database_opens_and_holds_the_data(
    storage: Storage,
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    tmp_path: Path,
) -> None:
    await some_answers(service, scheduler, platform, channel_key)
    target = tmp_path / "backups" / "copy.sqlite3"
    await storage.db.backup(target)

    assert count(target, "SELECT COUNT(*) FROM answers") == 3
    assert count(target, "SELECT COUNT(*) FROM results") == 3
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy = await Storage(target).open()
    try:
        assert await copy.db.schema_version() == LATEST
        assert await copy.db.integrity_check() == []
        assert len(await copy.channels.all()) == 1
    finally:
        await copy.close()


async def test_a_backup_taken_while_answers_arrive_is_consistent(
    storage: Storage,
    service: QuizService,
    scheduler: QuizScheduler,
    platform: RecordingPlatform,
    channel_key: ChannelKey,
    tmp_path: Path,
) -> None:
    round_ = await scheduler.ask(platform, channel_key)
    writers = [answer(service, round_, f"m{i}", "답") for i in range(200)]
    target = tmp_path / "during.sqlite3"
    await asyncio.gather(*writers, storage.db.backup(target))
    copied = count(target, "SELECT COUNT(*) FROM answers")
    assert 0 <= copied <= 200
    assert count(target, "SELECT COUNT(*) FROM answer_revisions") == copied
    assert count(target, "SELECT COUNT(*) FROM members") == copied


async def test_a_backup_never_overwrites_a_file(storage: Storage, tmp_path: Path) -> None:
    target = tmp_path / "exists.sqlite3"
    target.write_text("keep me")
    with pytest.raises(FileExistsError):
        await storage.db.backup(target)
    assert target.read_text() == "keep me"


async def test_a_sound_database_passes_the_check(storage: Storage) -> None:
    assert await storage.db.integrity_check() == []


# -- the db commands ------------------------------------------------------------------------------------------


@pytest.fixture
def filled_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database file with a revealed round, and the environment pointing the commands at it."""
    path = tmp_path / "live.sqlite3"
    config = tmp_path / "empty.yaml"
    config.write_text("")
    monkeypatch.setenv("QUIZBOT_DB", str(path))
    monkeypatch.setenv("QUIZBOT_CONFIG", str(config))

    async def fill() -> None:
        storage = await Storage(path).open()
        try:
            service = QuizService(
                storage,
                load_decks([QUESTIONS]),
                rules=ScoringRules(),
                defaults=ChannelDefaults(),
                clock=SystemClock(),
            )
            platform = RecordingPlatform()
            await some_answers(
                service,
                QuizScheduler(service, {platform.name: platform}),
                platform,
                ChannelKey(platform.name, "g", "c"),
            )
        finally:
            await storage.close()

    asyncio.run(fill())
    return path


def test_db_backup_writes_a_copy_that_has_the_data(
    filled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backup.sqlite3"
    assert main(["db", "backup", str(target)]) == 0
    assert f"backed up {filled_db} to {target}" in capsys.readouterr().out
    assert count(target, "SELECT COUNT(*) FROM answers") == 3
    assert count(target, "SELECT COUNT(*) FROM results") == 3


def test_db_backup_refuses_to_overwrite(filled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken.sqlite3"
    target.write_text("precious")
    assert main(["db", "backup", str(target)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert target.read_text() == "precious"


def test_db_check_passes_a_sound_database(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "check"]) == 0
    assert capsys.readouterr().out.strip() == "ok"


def test_db_check_reports_a_broken_reference(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(filled_db) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute(
            "INSERT INTO answers (round_id, member_id, text, created_at, updated_at) VALUES (999, 'x', 't', 'a', 'a')"
        )
    assert main(["db", "check"]) == 1
    captured = capsys.readouterr()
    assert "1 problems" in captured.out
    assert "foreign key: table answers" in captured.err


def test_db_check_without_a_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUIZBOT_DB", str(tmp_path / "absent.sqlite3"))
    monkeypatch.setenv("QUIZBOT_CONFIG", str(tmp_path / "absent.yaml"))
    (tmp_path / "absent.yaml").write_text("")
    assert main(["db", "check"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "absent.sqlite3").exists()


def test_db_migrate_reports_the_schema_version(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "migrate"]) == 0
    assert capsys.readouterr().out.strip() == f"schema version {LATEST}"
    assert count(filled_db, "SELECT COUNT(*) FROM schema_version") == LATEST


def test_a_configuration_error_stops_a_db_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("colour: blue\n")
    monkeypatch.setenv("QUIZBOT_CONFIG", str(config))
    assert main(["db", "check"]) == 2
    assert f"configuration error: {config}:1: colour" in capsys.readouterr().err


def test_config_command_prints_settings_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("language: en\n")
    monkeypatch.setenv("QUIZBOT_CONFIG", str(config))
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token-value")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "platform: discord" in out
    assert "language: en" in out
    assert "very-secret-token-value" not in out
