"""The console runner in-process: settings to runtime to a console channel fed from an iterator of lines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.core.models import ChannelKey
from bot.platforms.console.runner import run_console
from bot.runtime import open_runtime
from tests.conftest import QUESTIONS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "quizbot.yaml"
    config.write_text(
        f"language: en\ndecks: [{QUESTIONS}]\nconsole:\n  reveal_delay: 6h\n  seed: 3\n", encoding="utf-8"
    )
    return load_settings({"QUIZBOT_CONFIG": str(config), "QUIZBOT_DB": str(tmp_path / "quiz.sqlite3")})


async def lines(*typed: str) -> AsyncIterator[str]:
    for line in typed:
        await asyncio.sleep(0)
        yield line + "\n"


async def test_the_console_runs_until_quit_and_the_database_is_closed_after(settings: Settings) -> None:
    printed: list[str] = []
    stop = asyncio.Event()
    async with open_runtime(settings, on_demand_delay=True) as runtime:
        await asyncio.wait_for(
            run_console(runtime, stop, lines("Alice: 모르겠습니다", "/reveal", "/quit"), printed.append), timeout=30
        )
        assert stop.is_set()
        channel = await runtime.service.channel(ChannelKey("console", settings.console.guild, settings.console.channel))
        assert channel is not None
        assert channel.on_demand_reveal_delay.total_seconds() == 6 * 3600
    output = "\n".join(printed)
    assert "  ✓ Alice: Answer saved." in output
    assert output.count("Reference answer") == 1
    assert "Alice: 10 pts (answer 10 + concepts 0 + votes 0 + streak 0)" in output
    with pytest.raises(RuntimeError, match="not open"):
        await runtime.storage.db.fetchall("SELECT 1")


async def test_the_runner_returns_when_stop_is_set(settings: Settings) -> None:
    asked = asyncio.Event()
    stop = asyncio.Event()

    def write(text: str) -> None:
        if "[Interview question] #1" in text:
            asked.set()

    async def silence() -> AsyncIterator[str]:
        await asyncio.Event().wait()  # nobody types anything
        yield ""

    async with open_runtime(settings, on_demand_delay=True) as runtime:
        task = asyncio.create_task(run_console(runtime, stop, silence(), write))
        await asyncio.wait_for(asked.wait(), timeout=30)
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert task.done() and task.exception() is None
