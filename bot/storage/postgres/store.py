"""The PostgreSQL ``QuizStore``: one database (a connection pool), one store per table group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.storage.postgres.answers import AnswerStore
from bot.storage.postgres.channels import ChannelStore
from bot.storage.postgres.database import POOL_MIN_SIZE, Database
from bot.storage.postgres.disputes import DisputeStore
from bot.storage.postgres.event_claims import EventClaimStore
from bot.storage.postgres.judgements import JudgementStore
from bot.storage.postgres.results import ResultStore
from bot.storage.postgres.rounds import RoundStore

if TYPE_CHECKING:
    from bot.core.ports.storage import QuizStore


class PostgresStorage:
    """``url`` is a ``postgresql://`` URL; ``name`` what messages call the database (never the password)."""

    def __init__(self, url: str, *, name: str = "PostgreSQL", min_connections: int = POOL_MIN_SIZE) -> None:
        self.db = Database(url, name=name, min_size=min_connections)
        self.channels = ChannelStore(self.db)
        self.rounds = RoundStore(self.db)
        self.answers = AnswerStore(self.db)
        self.results = ResultStore(self.db)
        self.disputes = DisputeStore(self.db)
        self.event_claims = EventClaimStore(self.db)
        self.judgements = JudgementStore(self.db)

    async def open(self) -> PostgresStorage:
        await self.db.open()
        return self

    async def close(self) -> None:
        await self.db.close()


if TYPE_CHECKING:

    def _implements_the_port(storage: PostgresStorage) -> QuizStore:
        """Never called: the type checker proves here that ``PostgresStorage`` is a ``QuizStore``."""
        return storage
