"""What every benchmark builds on: a real database and quiz service, and a chat platform that only counts."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.clock import Clock
from bot.core.decks import DeckCatalog, load_decks
from bot.core.models import ChannelDefaults, ChannelKey, Dispute, Round
from bot.core.ports import PostedQuestion, QuestionCard, RevealCard
from bot.core.scoring import ScoringRules
from bot.core.service import QuizService
from bot.storage.sqlite.database import Synchronous
from bot.storage.sqlite.store import Storage

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "questions"
PLATFORM = "bench"


def load_catalog() -> DeckCatalog:
    """The shipped deck, as the bot loads it."""
    return load_decks([QUESTIONS])


@dataclass
class StubPlatform:
    """A chat platform that answers at once and remembers when each reveal arrived (``time.monotonic``)."""

    name: str = PLATFORM
    posted: int = 0
    reveals: dict[int, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        self.posted += 1
        return PostedQuestion(message_id=f"m{card.round.id}", thread_id=f"t{card.round.id}")

    async def find_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion | None:
        """Benchmarks kill no post half-way."""
        return None

    async def question_opened(self, round_: Round, *, adopted: bool) -> None:
        """Nothing to read back: answers arrive through the service."""

    async def post_reveal(self, card: RevealCard) -> None:
        self.reveals[card.round.id] = time.monotonic()

    async def report_problem(self, channel: ChannelKey, problem: str) -> None:
        self.problems.append(problem)

    async def mark_cancelled(self, card: QuestionCard) -> None:
        self.cancelled.append(card.round.id)

    async def post_dispute_decision(self, round_: Round, dispute: Dispute) -> None:
        """Benchmarks decide no disputes."""


@contextlib.asynccontextmanager
async def open_service(
    path: Path, clock: Clock, *, catalog: DeckCatalog | None = None, seed: int = 7, synchronous: Synchronous = "normal"
) -> AsyncIterator[QuizService]:
    """A quiz service over the database at ``path`` (created and migrated if new), closed afterwards."""
    storage = await Storage(path, synchronous=synchronous).open()
    try:
        yield QuizService(
            storage,
            catalog or load_catalog(),
            rules=ScoringRules(),
            defaults=ChannelDefaults(),
            clock=clock,
            rng=random.Random(seed),
        )
    finally:
        await storage.close()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)
