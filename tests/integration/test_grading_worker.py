"""The bot grades in a worker process: its own process never loads the analyser, and a dead worker is replaced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from bot.core.deck_schema import Bullet, Difficulty, KeyConcept, Question
from bot.core.grading import GradingService
from bot.core.grading.service import _shared_worker

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
