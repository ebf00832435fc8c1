"""The bot grades in a worker process: its own process never loads the analyser, and a dead worker is replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.core.deck_schema import Bullet, Difficulty, KeyConcept, Question
from bot.core.decks import DeckCatalog
from bot.core.grading import Analyser, GradingService, Rubric, compile_rubric
from bot.core.grading import service as grading_service
from bot.core.grading.service import _shared_worker
from bot.core.models import ChannelDefaults
from bot.core.ports.storage import QuizStore
from bot.core.quiz import Quiz
from bot.core.scoring import ScoringRules
from bot.core.service import QuizService
from tests.conftest import RecordingPlatform

ROOT = Path(__file__).resolve().parents[2]

QUESTION = Question(
    id="q",
    category="basics",
    difficulty=Difficulty.EASY,
    question="역전파를 설명하라",
    answer=(Bullet(text="참고"),),
    key_concepts=(KeyConcept(concept="연쇄 법칙", aliases=("chain rule",)),),
)


def test_grading_in_the_worker_never_loads_the_analyser_in_the_bots_process() -> None:
    script = textwrap.dedent(
        """
        import asyncio, sys
        from bot.core.deck_schema import Bullet, Difficulty, KeyConcept, Question
        from bot.core.grading import GradingService

        question = Question(id="q", category="c", difficulty=Difficulty.EASY, question="역전파",
                            answer=(Bullet(text="a"),), key_concepts=(KeyConcept(concept="chain rule"),))

        async def main():
            service = GradingService()
            service.start()
            await service.prepare(question)
            judgement = await asyncio.to_thread(service.grade, question, "It applies the chain rule.")
            print(judgement.covered, "kiwipiepy" in sys.modules)

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["('chain", "rule',)", "False"]


def test_a_killed_worker_is_replaced_and_grading_goes_on() -> None:
    service = GradingService()
    assert service.grade(QUESTION, "체인 룰로 미분합니다").covered == ("연쇄 법칙",)
    for pid in list(_shared_worker()._processes):
        os.kill(pid, signal.SIGKILL)
    assert service.grade(QUESTION, "체인 룰로 미분합니다").covered == ("연쇄 법칙",)


def _compiling_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The threads that compile a rubric from now on, one entry per compilation."""
    threads: list[int] = []

    def compile_here(analyser: Analyser, question: Question) -> Rubric:
        threads.append(threading.get_ident())
        return compile_rubric(analyser, question)

    monkeypatch.setattr(grading_service, "compile_rubric", compile_here)
    return threads


async def test_start_compiles_every_loaded_question_off_the_event_loop(
    storage: QuizStore,
    catalog: DeckCatalog,
    clock: ManualClock,
    rules: ScoringRules,
    platform: RecordingPlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads = _compiling_threads(monkeypatch)
    grading = GradingService(worker=False)
    service = QuizService(storage, catalog, rules=rules, defaults=ChannelDefaults(), clock=clock, grading=grading)
    quiz = Quiz.on(service, platform)
    await quiz.start()
    try:
        assert await grading.preparation() == len(catalog.questions())
        assert all(grading.is_prepared(question) for question in catalog.questions())
        assert len(threads) == len(catalog.questions()) and threading.get_ident() not in threads
        compiled = len(threads)
        (judgement,) = await grading.grade_many(catalog.questions()[0], ["머신러닝의 한 분야로 신경망을 깊게 쌓는다"])
        assert judgement.total > 0 and len(threads) == compiled  # grading compiled nothing more
    finally:
        quiz.stop()


async def test_a_deck_reload_compiles_the_new_questions_ahead_of_grading(
    storage: QuizStore,
    catalog: DeckCatalog,
    clock: ManualClock,
    rules: ScoringRules,
    platform: RecordingPlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grading = GradingService(worker=False)
    service = QuizService(storage, catalog, rules=rules, defaults=ChannelDefaults(), clock=clock, grading=grading)
    quiz = Quiz.on(service, platform)
    await quiz.start()
    try:
        await grading.preparation()
        threads = _compiling_threads(monkeypatch)
        deck = catalog.decks[0]
        changed = deck.questions[0].model_copy(update={"question": deck.questions[0].question + " (개정)"})
        reloaded = DeckCatalog([deck.model_copy(update={"questions": (changed, *deck.questions[1:])})])
        await quiz.reload_decks(reloaded)
        assert await grading.preparation() == 1  # only the changed question is new
        assert grading.is_prepared(changed) and threads and threading.get_ident() not in threads
    finally:
        quiz.stop()


async def test_grading_waits_behind_one_question_of_the_decks_preparation_not_all(catalog: DeckCatalog) -> None:
    # A fresh service and worker: nothing of the deck is compiled yet in it.
    if _shared_worker.cache_info().currsize:
        _shared_worker().shutdown(wait=True)
    _shared_worker.cache_clear()
    grading = GradingService()
    try:
        preparing = grading.prepare_all(catalog.questions())
        # Until the deck's compilation is under way (the service has no event to wait on for one question).
        while not grading.is_prepared(catalog.questions()[0]):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        question = catalog.questions()[-1]
        (judgement,) = await grading.grade_many(question, ["정답에 가까운 설명"])
        assert judgement.total == len(question.key_concepts)
        assert not preparing.done()  # graded while the rest of the deck was still being compiled
        assert await asyncio.wrap_future(preparing) == len(catalog.questions())
    finally:
        _shared_worker().shutdown(wait=True, cancel_futures=True)
        _shared_worker.cache_clear()
