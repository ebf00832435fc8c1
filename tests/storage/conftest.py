"""The storage contract runs against every backend: the ``store`` fixture is one open ``QuizStore`` per backend.

To add a backend, add a ``Backend`` factory to ``BACKENDS`` under the fixture's new param, giving each test
fresh, empty data, and skipping when no server is configured. The tests themselves only use the ``QuizStore``
port, so they need no change. ``"postgresql"`` runs each test in a fresh schema of the server
``QUIZBOT_TEST_POSTGRES`` names (``tests/postgres.py``): skipped without one, failed under CI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Protocol

import pytest

from bot.core.ports.storage import QuizStore
from bot.storage.postgres.store import PostgresStorage
from bot.storage.sqlite.store import Storage
from tests.postgres import Schema


class Backend(Protocol):
    """One test's data in one backend."""

    async def open(self) -> QuizStore:
        """Another open store on this data, as another process would open it."""
        ...

    async def dispose(self) -> None:
        """Remove the data, once every store on it is closed."""
        ...


class SqliteBackend:
    """A real SQLite file in the test's temporary folder."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "quiz.sqlite3"

    async def open(self) -> QuizStore:
        store: QuizStore = Storage(self.path)
        return await store.open()

    async def dispose(self) -> None:
        """pytest removes the temporary folder."""


class PostgresBackend:
    """A fresh schema on the test PostgreSQL server, dropped afterwards."""

    def __init__(self, tmp_path: Path) -> None:
        self.schema = Schema()  # skips the test here when no server is configured (fails it under CI)
        self._created = False

    async def open(self) -> QuizStore:
        if not self._created:
            await self.schema.create()
            self._created = True
        store: QuizStore = PostgresStorage(self.schema.url)
        return await store.open()

    async def dispose(self) -> None:
        if self._created:
            await self.schema.drop()


BACKENDS: dict[str, Callable[[Path], Backend]] = {"sqlite": SqliteBackend, "postgresql": PostgresBackend}

StoreOpener = Callable[[], Awaitable[QuizStore]]


class _Opened:
    """The backend of the test being run and every store opened on it, closed at teardown."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.stores: list[QuizStore] = []

    async def open(self) -> QuizStore:
        store = await self.backend.open()
        self.stores.append(store)
        return store


_OPENED = pytest.StashKey[_Opened]()


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[QuizStore]:
    """An open store on fresh, empty data of one backend."""
    opened = _Opened(BACKENDS[request.param](tmp_path))
    request.node.stash[_OPENED] = opened
    try:
        yield await opened.open()
    finally:
        for each in reversed(opened.stores):
            await each.close()  # closing twice is allowed: a test may have closed it already
        await opened.backend.dispose()


@pytest.fixture
def reopen(store: QuizStore, request: pytest.FixtureRequest) -> StoreOpener:
    """Opens another store on the same data as ``store`` (closed at teardown): a second process, or the same
    one after a restart once ``store`` is closed."""
    opened: _Opened = request.node.stash[_OPENED]
    return opened.open
