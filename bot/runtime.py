"""What a platform runner is given: settings and the quiz's core over an open database, built once per run."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.decks import load_decks
from bot.core.ports import ChatPlatform
from bot.core.ports.storage import QuizStore
from bot.core.quiz import Quiz
from bot.core.review.service import ReviewService
from bot.core.service import QuizService
from bot.storage.backends import open_store
from bot.storage.review_backends import review_store_for
from bot.storage.urls import PostgresUrl


@dataclass
class Runtime:
    """Settings and a ready quiz service over an open database; a runner turns it into a ``Quiz`` on its
    platform once that platform exists (it usually needs a connected client first)."""

    settings: Settings
    storage: QuizStore
    service: QuizService

    def quiz_on(self, platform: ChatPlatform) -> Quiz:
        return Quiz.on(
            self.service,
            platform,
            grace=self.settings.scheduler.grace_period,
            retry_delay=self.settings.scheduler.retry_delay,
            lease=self.settings.scheduler.takeover_after if self.shared_database else dt.timedelta(0),
        )

    @property
    def shared_database(self) -> bool:
        """Whether other bot processes may use the same database (PostgreSQL), so work is taken over only after
        its lease runs out."""
        return isinstance(self.settings.database, PostgresUrl)


class PlatformRunner(Protocol):
    async def __call__(self, runtime: Runtime, stop: asyncio.Event) -> None: ...


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings, *, clock: Clock | None = None, rng: random.Random | None = None, on_demand_delay: bool = False
) -> AsyncIterator[Runtime]:
    """Load decks, open the database (applying migrations) and build the service; close everything after."""
    catalog = await asyncio.to_thread(load_decks, settings.decks)
    storage = await open_store(settings)  # SQLite (with settings.database_synchronous) or PostgreSQL
    try:
        override = settings.console.reveal_delay if on_demand_delay else None
        service = QuizService(
            storage,
            catalog,
            rules=settings.scoring,
            defaults=settings.defaults.to_core(ondemand_override=override),
            clock=clock or SystemClock(),
            rng=rng,
        )
        # Personal review shares the store's database (both backends hold it).
        review_store = review_store_for(storage)
        if review_store is not None:
            service.review = ReviewService(
                review_store, storage, lambda: service.catalog, clock=service.clock, rules=service.rules
            )
        try:
            yield Runtime(settings, storage, service)
        finally:
            await service.close()
    finally:
        await storage.close()
