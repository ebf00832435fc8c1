"""Which backends hold personal review: the SQLite store does (migration 005); the PostgreSQL backend has no
review tables yet, so a bot on PostgreSQL runs without personal review and its review commands say so."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.ports.review_storage import ReviewStore
    from bot.core.ports.storage import QuizStore


def review_store_for(storage: QuizStore) -> ReviewStore | None:
    """The personal-review repositories over an open quiz store's own database, or ``None`` for a backend that
    holds none yet. They share the store's connection: opening and closing stay with the quiz store."""
    from bot.storage.sqlite.store import Storage

    if isinstance(storage, Storage):
        from bot.storage.sqlite.review_store import ReviewStorage

        return ReviewStorage(storage.db)
    return None
