"""Personal review over a quiz store's own database: both backends hold it (SQLite's migrations 005-006,
PostgreSQL's 002)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.ports.review_storage import ReviewStore
    from bot.core.ports.storage import QuizStore


def review_store_for(storage: QuizStore) -> ReviewStore | None:
    """The personal-review repositories over an open quiz store's own database, or ``None`` for a store of no
    backend here (a test's stand-in, say). They share the store's connections: opening and closing stay with the
    quiz store."""
    from bot.storage.postgres.store import PostgresStorage
    from bot.storage.sqlite.store import Storage

    if isinstance(storage, Storage):
        from bot.storage.sqlite.review_store import ReviewStorage

        return ReviewStorage(storage.db)
    if isinstance(storage, PostgresStorage):
        from bot.storage.postgres.review_store import ReviewStorage as PostgresReviewStorage

        return PostgresReviewStorage(storage.db)
    return None
