"""The grader as the bot uses it: loaded in the background, rubrics compiled once per question.

Loading Kiwi's model takes about a second of CPU. ``GradingService.start`` begins it on a worker thread so the
bot starts at once; ``ready`` waits for it, and every grading call made before it is ready waits there too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future

from bot.core.deck_schema import Question
from bot.core.grading.analysis import Analyser, Morphology, kiwi_morphology
from bot.core.grading.grader import Grader, GradingRules, Judgement
from bot.core.grading.rubric import Rubric, compile_rubric


class GradingService:
    """Owns the analyser (loaded once, off the event loop) and a cache of compiled rubrics."""

    def __init__(self, load: Callable[[], Morphology] = kiwi_morphology, rules: GradingRules | None = None) -> None:
        self._load = load
        self._rules = rules
        self._grader: Future[Grader] = Future()
        self._started = False
        self._lock = threading.Lock()
        self._rubrics: dict[tuple[str, int], Rubric] = {}

    def start(self) -> None:
        """Begin loading the analyser on a daemon thread (once); returns at once."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._build, name="grader-load", daemon=True).start()

    def _build(self) -> None:
        try:
            self._grader.set_result(Grader(Analyser(self._load()), self._rules))
        except BaseException as error:  # surfaced to every caller of ``grader``/``ready``
            self._grader.set_exception(error)

    @property
    def is_ready(self) -> bool:
        return self._grader.done()

    async def ready(self) -> None:
        """Wait, without blocking the event loop, until the analyser is loaded."""
        self.start()
        await asyncio.wrap_future(self._grader)

    def grader(self) -> Grader:
        """The grader, waiting for it to load if needed (call off the event loop, or after ``ready``)."""
        self.start()
        return self._grader.result()

    def rubric(self, question: Question) -> Rubric:
        """The compiled rubric of a question, built on first use. Keyed by the question's id and content, so a
        reloaded deck with a changed question compiles afresh."""
        key = (question.id, hash(question))
        rubric = self._rubrics.get(key)
        if rubric is None:
            rubric = compile_rubric(self.grader().analyser, question)
            self._rubrics[key] = rubric
        return rubric

    def grade(self, question: Question, text: str, accepted: frozenset[str] = frozenset()) -> Judgement:
        return self.grader().grade(self.rubric(question), text, accepted)
