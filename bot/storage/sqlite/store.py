"""The storage facade the core is given: one database, one store per table group; the SQLite ``QuizStore``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.storage.sqlite.answers import AnswerStore
from bot.storage.sqlite.channels import ChannelStore
from bot.storage.sqlite.database import Database, Synchronous
from bot.storage.sqlite.disputes import DisputeStore
from bot.storage.sqlite.event_claims import EventClaimStore
from bot.storage.sqlite.judgements import JudgementStore
from bot.storage.sqlite.results import ResultStore
from bot.storage.sqlite.rounds import RoundStore

if TYPE_CHECKING:
    from bot.core.ports.storage import QuizStore


class Storage:
    def __init__(self, path: Path, *, synchronous: Synchronous = "normal") -> None:
        self.db = Database(path, synchronous=synchronous)
        self.channels = ChannelStore(self.db)
        self.rounds = RoundStore(self.db)
        self.answers = AnswerStore(self.db)
        self.results = ResultStore(self.db)
        self.disputes = DisputeStore(self.db)
        self.event_claims = EventClaimStore(self.db)
        self.judgements = JudgementStore(self.db)

    async def open(self) -> Storage:
        await self.db.open()
        return self

    async def close(self) -> None:
        await self.db.close()


if TYPE_CHECKING:

    def _implements_the_port(storage: Storage) -> QuizStore:
        """Never called: the type checker proves here that ``Storage`` is a ``QuizStore``."""
        return storage
