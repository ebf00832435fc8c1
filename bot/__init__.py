"""quizbot: a daily deep-learning interview drill for study groups."""

__version__ = "0.1.0"
