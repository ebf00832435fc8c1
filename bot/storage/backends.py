"""Which storage backend the settings choose: a SQLite file (a path or ``sqlite:///path``) or a PostgreSQL
server (``postgresql://...``), both behind the ``QuizStore`` port."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.storage.urls import PostgresUrl

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.ports.storage import QuizStore
    from bot.storage.postgres.store import PostgresStorage


class StoreUnavailable(Exception):
    """The PostgreSQL server could not be reached, refused us, or holds a schema we cannot use. The message
    names the database by its URL without the password."""


async def open_store(settings: Settings) -> QuizStore:
    """Open the store ``settings.database`` names, applying its schema migrations; the caller closes it.

    A PostgreSQL server that cannot be used raises ``StoreUnavailable``; SQLite raises ``sqlite3.Error`` or
    ``OSError`` naming the file."""
    database = settings.database
    if isinstance(database, PostgresUrl):
        return await open_postgres(database)
    from bot.storage.sqlite.store import Storage

    return await Storage(database, synchronous=settings.database_synchronous).open()


async def open_postgres(database: PostgresUrl) -> PostgresStorage:
    import asyncpg

    from bot.storage.postgres.database import MigrationError
    from bot.storage.postgres.store import PostgresStorage

    try:
        return await PostgresStorage(database.url, name=database.masked()).open()
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, MigrationError) as exc:
        reason = str(exc) or type(exc).__name__
        raise StoreUnavailable(f"cannot use the PostgreSQL database {database.masked()}: {reason}") from exc
