"""The PostgreSQL ``ReviewStore``: personal review's repositories over a quiz ``Database``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.storage.postgres.database import Database
from bot.storage.postgres.forget import MemberEraserStore
from bot.storage.postgres.history import HistoryStore
from bot.storage.postgres.member_settings import MemberSettingsStore
from bot.storage.postgres.reminder_log import ReminderLogStore
from bot.storage.postgres.reviews import ReviewStore

if TYPE_CHECKING:
    from bot.core.ports import review_storage


class ReviewStorage:
    """Shares the quiz's open ``Database`` (``PostgresStorage.db``, its pool): opening and closing it stay with
    the quiz's store."""

    def __init__(self, db: Database) -> None:
        self.cards = ReviewStore(db)
        self.settings = MemberSettingsStore(db)
        self.history = HistoryStore(db)
        self.eraser = MemberEraserStore(db)
        self.reminders = ReminderLogStore(db)


if TYPE_CHECKING:

    def _implements_the_port(storage: ReviewStorage) -> review_storage.ReviewStore:
        """Never called: the type checker proves here that ``ReviewStorage`` is a ``ReviewStore``."""
        return storage
