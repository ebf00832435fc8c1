"""Grading free-text answers against a question's rubric: claims, not keywords."""

from bot.core.grading.analysis import Analyser, Analysis, kiwi_morphology
from bot.core.grading.grader import Grader, GradingRules, Judgement
from bot.core.grading.rubric import Rubric, compile_rubric
from bot.core.grading.service import GradingService

__all__ = [
    "Analyser",
    "Analysis",
    "Grader",
    "GradingRules",
    "GradingService",
    "Judgement",
    "Rubric",
    "compile_rubric",
    "kiwi_morphology",
]
