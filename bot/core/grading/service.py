"""The grader as the bot uses it: the analyser loaded and run off the event loop, rubrics compiled ahead.

Loading Kiwi's model takes a few seconds of CPU during which the interpreter lock is held, so the bot runs
the grader in a worker process of its own (``worker=True``, the default): starting it returns at once, the
event loop never waits for the model, and a reveal hands the worker all its answers in one call. Every
``GradingService`` of a process shares that one worker. ``worker=False`` grades in the calling process
(the command line and benchmarks, where nothing else needs the loop).

Compiling a question's rubric reads every spelling of its concepts through the analyser: tens of milliseconds a
question, two to three seconds for the shipped deck. ``prepare_all`` does it for every loaded question at start
and after a deck reload, in the background and one question at a time, so the first reveal of each question
does not pay for it, and no reveal waits behind the whole deck's compilation.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.core.deck_schema import Question
from bot.core.grading.analysis import Analyser, kiwi_morphology
from bot.core.grading.grader import Grader, GradingRules, Judgement
from bot.core.grading.judgements import judgement_fingerprint
from bot.core.grading.rubric import Rubric, compile_rubric

log = logging.getLogger(__name__)

# -- the worker process ------------------------------------------------------------------------------------


@functools.cache
def _worker_analyser() -> Analyser:
    return Analyser(kiwi_morphology())


@functools.lru_cache(maxsize=512)
def _worker_rubric(question: Question) -> Rubric:
    return compile_rubric(_worker_analyser(), question)


def _worker_warm() -> bool:
    _worker_analyser()
    return True


def _worker_prepare(question: Question) -> bool:
    _worker_rubric(question)
    return True


def _worker_grade(
    question: Question, texts: Sequence[str], accepted: frozenset[str], rules: GradingRules
) -> list[Judgement]:
    grader = Grader(_worker_analyser(), rules)
    rubric = _worker_rubric(question)
    return [grader.grade(rubric, text, accepted) for text in texts]


def _worker_init(parent: int) -> None:
    """Detach the worker from the bot's terminal and make it end with the bot.

    The worker inherits the bot's standard streams; holding them would keep a supervisor's pipe open after the
    bot itself is gone. And a bot killed outright (kill -9) cannot stop its worker, so the worker watches it.
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@functools.cache
def _shared_worker() -> ProcessPoolExecutor:
    # Spawned, not forked: the bot has threads (the database writer, the scheduler) that a fork would copy
    # mid-flight.
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )


# -- the service -------------------------------------------------------------------------------------------


class GradingService:
    """Grades answers against questions; owns how the analyser is loaded and where grading runs."""

    def __init__(
        self,
        *,
        worker: bool = True,
        rules: GradingRules | None = None,
    ) -> None:
        self._worker = worker
        self.rules = rules or GradingRules()
        self._ready: Future[bool] | None = None
        self._lock = threading.Lock()
        self._grader: Grader | None = None
        self._rubrics: dict[Question, Rubric] = {}
        # Questions whose rubric is compiled where grading runs (in the worker, or in ``_rubrics``).
        self._prepared: set[Question] = set()
        self._preparation: Future[int] | None = None
        self._preparations = 0  # a newer preparation (a deck reload) supersedes a running one
        self._fingerprints: dict[tuple[str, Question, frozenset[str]], str] = {}

    def start(self) -> None:
        """Begin loading the analyser in the background (once); returns at once."""
        with self._lock:
            if self._ready is not None and not (self._ready.done() and self._ready.exception()):
                return
            if self._worker:
                self._ready = self._pool().submit(_worker_warm)
            else:
                ready: Future[bool] = Future()
                self._ready = ready
                threading.Thread(target=self._load_here, args=(ready,), name="grader-load", daemon=True).start()

    def _load_here(self, ready: Future[bool]) -> None:
        try:
            self._grader = Grader(Analyser(kiwi_morphology()), self.rules)
            ready.set_result(True)
        except BaseException as error:  # handed to every caller of ``ready`` and ``grade``
            ready.set_exception(error)

    def _pool(self) -> ProcessPoolExecutor:
        return _shared_worker()

    def _started(self) -> Future[bool]:
        self.start()
        assert self._ready is not None
        return self._ready

    @property
    def is_ready(self) -> bool:
        return self._ready is not None and self._ready.done() and self._ready.exception() is None

    async def ready(self) -> None:
        """Wait, without blocking the event loop, until the analyser is loaded."""
        await asyncio.wrap_future(self._started())

    def grader(self) -> Grader:
        """The in-process grader (``worker=False`` only), waiting for it to load."""
        if self._worker:
            raise RuntimeError("this grading service grades in its worker process")
        self._started().result()
        assert self._grader is not None
        return self._grader

    def rubric(self, question: Question) -> Rubric:
        """The compiled rubric of a question (``worker=False`` only), built on first use."""
        rubric = self._rubrics.get(question)
        if rubric is None:
            rubric = compile_rubric(self.grader().analyser, question)
            self._rubrics[question] = rubric
        return rubric

    async def prepare(self, question: Question) -> None:
        """Load the analyser and compile the question's rubric ahead of grading, off the event loop."""
        await self.grade_many(question, ())

    def prepare_all(self, questions: Iterable[Question]) -> Future[int]:
        """Compile the rubrics of ``questions`` ahead of their reveals, in the background; returns at once.

        One question per job, each handed over when the one before is done: grading queued meanwhile waits
        behind one question's compilation at most, never the whole deck's. A later call (after a deck reload)
        takes over from one still running. The future gives how many rubrics this call compiled.
        """
        todo = [question for question in dict.fromkeys(questions) if question not in self._prepared]
        done: Future[int] = Future()
        with self._lock:
            self._preparations += 1
            self._preparation = done
            turn = self._preparations
        threading.Thread(target=self._prepare, args=(todo, turn, done), name="grader-prepare", daemon=True).start()
        return done

    def _prepare(self, questions: list[Question], turn: int, done: Future[int]) -> None:
        compiled = 0
        if not done.set_running_or_notify_cancel():
            return
        try:
            self._started().result()
            for question in questions:
                if self._preparations != turn:
                    break
                if question in self._prepared:
                    continue
                if self._worker:
                    self._pool().submit(_worker_prepare, question).result()
                else:
                    self.rubric(question)
                self._prepared.add(question)
                compiled += 1
        except BaseException as error:  # grading compiles what is missing on first use; nothing is lost
            if isinstance(error, RuntimeError) and not isinstance(error, BrokenProcessPool):
                done.set_result(compiled)  # the worker was shut down: the bot is stopping
                return
            log.warning("could not compile rubrics ahead of grading: %r", error)
            done.set_exception(error)
            return
        done.set_result(compiled)

    async def preparation(self) -> int:
        """Wait, without blocking the event loop, for the latest ``prepare_all`` to finish; how many it compiled."""
        if self._preparation is None:
            return 0
        # Shielded: a waiter that gives up does not cancel the preparation itself.
        return await asyncio.shield(asyncio.wrap_future(self._preparation))

    def is_prepared(self, question: Question) -> bool:
        """Whether the question's rubric is compiled where grading runs, so grading it compiles nothing."""
        return question in self._prepared

    def fingerprint(self, deck_id: str, question: Question, accepted: frozenset[str] = frozenset()) -> str:
        """What this service's judgements of answers to ``question`` depend on besides their text (see
        ``bot.core.grading.judgements``): a stored judgement with another fingerprint is stale."""
        key = (deck_id, question, accepted)
        found = self._fingerprints.get(key)
        if found is None:
            found = self._fingerprints[key] = judgement_fingerprint(deck_id, question, self.rules, accepted)
        return found

    async def grade_many(
        self, question: Question, texts: Sequence[str], accepted: frozenset[str] = frozenset()
    ) -> list[Judgement]:
        """Grade answers to one question without blocking the event loop (nor any thread, in the worker)."""
        await self.ready()
        if not self._worker:
            return await asyncio.to_thread(self.grade_all, question, texts, accepted)
        try:
            return await asyncio.wrap_future(
                self._pool().submit(_worker_grade, question, list(texts), accepted, self.rules)
            )
        except BrokenProcessPool:
            return await asyncio.to_thread(self.grade_all, question, texts, accepted)

    def grade(self, question: Question, text: str, accepted: frozenset[str] = frozenset()) -> Judgement:
        """Grade one answer; blocks until done (call off the event loop)."""
        (judgement,) = self.grade_all(question, (text,), accepted)
        return judgement

    def grade_all(
        self, question: Question, texts: Sequence[str], accepted: frozenset[str] = frozenset()
    ) -> list[Judgement]:
        """Grade answers to one question in one go; blocks until done (call off the event loop)."""
        if not self._worker:
            rubric = self.rubric(question)
            return [self.grader().grade(rubric, text, accepted) for text in texts]
        self._started().result()
        try:
            return self._pool().submit(_worker_grade, question, list(texts), accepted, self.rules).result()
        except BrokenProcessPool:
            # The worker died (killed, out of memory): start a fresh one and try once more.
            _shared_worker.cache_clear()
            with self._lock:
                self._ready = None
            self._prepared.clear()  # the new worker compiles each rubric again on first use
            self._started().result()
            return self._pool().submit(_worker_grade, question, list(texts), accepted, self.rules).result()


def stop_worker() -> None:
    """End the grading worker now, for a process that is exiting: whatever it is doing (loading the analyser
    takes seconds) is of no use any more, and waiting for it would hold the exit up. The next grading, if any,
    starts a new worker."""
    if _shared_worker.cache_info().currsize == 0:
        return
    pool = _shared_worker()
    _shared_worker.cache_clear()
    processes = list(pool._processes.values()) if pool._processes else []
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
