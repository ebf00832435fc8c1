"""Grading answers as they arrive, in the background, and storing their judgements for the reveal.

Hours pass between an answer and its round's reveal, while at the reveal a burst of rounds can fall due at once: a
reveal that grades every answer then waits for thousands of gradings queued before its own. So each answer is
graded when it is recorded (again when edited) and its judgement stored; the reveal reads those and grades only
what is missing.

The queue is bounded and coalescing: one entry per answer (an edit replaces the text waiting), at most
``capacity`` answers waiting (past that an answer is left to its reveal), one task draining it in small batches
so a reveal waits behind at most one batch in the grading worker. Nothing here is needed for correctness: a
judgement not stored is graded by the reveal, as before.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from bot.core.deck_schema import Question
from bot.core.grading.judgements import AnswerJudgement, text_key
from bot.core.grading.service import GradingService

if TYPE_CHECKING:
    from bot.core.ports.storage import JudgementRepository

log = logging.getLogger(__name__)

CAPACITY = 10_000
BATCH = 32  # answers graded between two looks at the queue: ~40 ms of the worker for member-style answers


@dataclass(frozen=True)
class GradingRequest:
    """One answer's text to grade against its round's question."""

    answer_id: int
    deck_id: str
    question: Question
    text: str


class BackgroundGrading:
    """Grades submitted answers one batch at a time, off the event loop, and saves their judgements."""

    def __init__(
        self,
        grading: GradingService,
        store: JudgementRepository,
        *,
        capacity: int = CAPACITY,
        batch: int = BATCH,
    ) -> None:
        self._grading = grading
        self._store = store
        self._capacity = capacity
        self._batch = batch
        self._waiting: dict[int, GradingRequest] = {}
        self._runner: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def submit(self, request: GradingRequest) -> bool:
        """Queue an answer's text for grading; returns at once. ``False`` if it was left to its reveal (the queue
        full, or stopped). A text waiting for the same answer is replaced."""
        if self._stopped:
            return False
        if request.answer_id not in self._waiting and len(self._waiting) >= self._capacity:
            log.debug("grading queue full; answer %d is left to its reveal", request.answer_id)
            return False
        self._waiting.pop(request.answer_id, None)
        self._waiting[request.answer_id] = request
        if self._running() is None:
            self._runner = asyncio.get_running_loop().create_task(self._drain(), name="background-grading")
        return True

    def discard(self, answer_ids: set[int]) -> None:
        """Stop waiting to grade these answers (their reveal grades them now)."""
        for answer_id in answer_ids:
            self._waiting.pop(answer_id, None)

    async def idle(self) -> None:
        """Wait until nothing is waiting and the last batch is stored (or given up)."""
        while (runner := self._running()) is not None:
            await asyncio.wait({runner})

    def _running(self) -> asyncio.Task[None] | None:
        # A task cancelled before it began never ran its ``finally``: it is over all the same.
        if self._runner is not None and self._runner.done():
            self._runner = None
        return self._runner

    def stop(self) -> None:
        """Drop what is waiting and cancel the batch in progress; accept nothing more."""
        self._stopped = True
        self._waiting.clear()
        if self._runner is not None:
            self._runner.cancel()

    async def close(self) -> None:
        """``stop``, then wait for the batch in progress to end (a grading already in the worker is not waited
        for, and its judgements are not stored)."""
        self.stop()
        runner = self._runner
        if runner is not None:
            await asyncio.gather(runner, return_exceptions=True)

    async def _drain(self) -> None:
        try:
            while self._waiting:
                taken = list(islice(self._waiting, self._batch))
                batch = [self._waiting.pop(answer_id) for answer_id in taken]
                await self._grade(batch)
        finally:
            if self._runner is asyncio.current_task():
                self._runner = None

    async def _grade(self, batch: list[GradingRequest]) -> None:
        by_question: dict[tuple[str, Question], list[GradingRequest]] = {}
        for request in batch:
            by_question.setdefault((request.deck_id, request.question), []).append(request)
        judged: list[AnswerJudgement] = []
        for (deck_id, question), requests in by_question.items():
            fingerprint = self._grading.fingerprint(deck_id, question)
            try:
                judgements = await self._grading.grade_many(question, [r.text for r in requests])
            except Exception:
                log.warning("could not grade %d answers ahead of their reveal", len(requests), exc_info=True)
                continue
            judged += [
                AnswerJudgement(r.answer_id, text_key(r.text), fingerprint, j)
                for r, j in zip(requests, judgements, strict=True)
            ]
        try:
            await self._store.save(judged)
        except Exception:
            log.warning("could not store %d judgements ahead of their reveal", len(judged), exc_info=True)
