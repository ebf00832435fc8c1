"""Event claims beyond one process: bot processes sharing a database, each delivered a copy of every event, get
each event once between them; and moving a SQLite database to PostgreSQL leaves the transient claims behind."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.postgres.copy import TABLES, copy_sqlite_to_postgres
from bot.storage.postgres.store import PostgresStorage
from bot.storage.sqlite.store import Storage
from tests.postgres import Database, Schema
from tests.storage.claim_race import store_on

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 300
PROCESSES = 3


@pytest.fixture(params=["sqlite", "postgresql"])
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Where the processes' data lives: a fresh SQLite file, or a fresh schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "quiz.sqlite3")
        return
    schema = await Schema().create()  # skips without a server (fails under CI)
    try:
        yield schema.url
    finally:
        await schema.drop()


async def test_processes_claiming_the_same_events_at_once_handle_each_event_once(target: str) -> None:
    await (await store_on(target).open()).close()  # the schema made once, before the race
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.storage.claim_race",
            target,
            str(EVENTS),
            f"p{n}",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for n in range(PROCESSES)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert await asyncio.wait_for(process.stdout.readline(), 60) == b"ready\n"
        for process in processes:  # all at once
            assert process.stdin is not None
            process.stdin.write(b"go\n")
        outputs = await asyncio.wait_for(asyncio.gather(*(process.communicate() for process in processes)), 120)
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
    assert [process.returncode for process in processes] == [0] * PROCESSES
    won = [json.loads(out.decode().splitlines()[-1]) for out, _ in outputs]
    claims = Counter(event_id for each in won for event_id in each)
    assert sorted(claims) == [f"Ev{i:04d}" for i in range(EVENTS)]  # every event handled...
    assert set(claims.values()) == {1}  # ...by exactly one process


async def test_db_copy_leaves_the_claims_of_a_sqlite_database_behind(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    source = await Storage(path).open()
    at = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)
    assert await source.event_claims.claim("slack", "Ev01", at)
    await source.close()
    database = await Database().create()  # skips without a server (fails under CI)
    try:
        target = await PostgresStorage(database.url).open()
        try:
            assert await copy_sqlite_to_postgres(path, target.db) == {table.name: 0 for table in TABLES}
            assert await target.event_claims.claim("slack", "Ev01", at)  # not copied: free on PostgreSQL
        finally:
            await target.close()
    finally:
        await database.drop()
