"""``python -m bench.rubrics``: what compiling every loaded question's rubric costs, in a fresh process.

This is the work ``GradingService.prepare_all`` does in the background at start and after a deck reload: the
analyser is loaded first (timed apart), then each question of the shipped deck is compiled once, in deck order.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.harness import QUESTIONS
from bot.core.decks import load_decks
from bot.core.grading import Analyser, compile_rubric, kiwi_morphology


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.rubrics", description=__doc__)
    p.add_argument("decks", nargs="*", type=Path, default=[QUESTIONS])
    args = p.parse_args()
    questions = load_decks(args.decks).questions()
    began = time.perf_counter()
    analyser = Analyser(kiwi_morphology())
    loaded = time.perf_counter() - began
    each = []
    for question in questions:
        began = time.perf_counter()
        compile_rubric(analyser, question)
        each.append(time.perf_counter() - began)
    print(f"analyser loaded in {loaded:.2f} s")
    median, longest = statistics.median(each) * 1000, max(each) * 1000
    print(
        f"{len(each)} rubrics compiled in {sum(each):.2f} s: per question median {median:.0f} ms, max {longest:.0f} ms"
    )


if __name__ == "__main__":
    main()
