"""Measuring the grader against answers an interviewer labelled: rank agreement, means per kind, latency."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.grading.text import has_hangul

KINDS = ("excellent", "terse", "partial", "wrong", "list", "offtopic")
# Kinds that make some claim; "offtopic" answers are easy zeros and would flatter rank agreement.
SUBSTANTIVE = frozenset(KINDS) - {"offtopic"}


@dataclass(frozen=True)
class GradedCase:
    id: str
    kind: str
    label: float
    score: float
    text: str
    seconds: float

    @property
    def english(self) -> bool:
        return not has_hangul(self.text)


@dataclass(frozen=True)
class Report:
    cases: int
    spearman: float
    spearman_substantive: float
    mean_by_kind: dict[str, float]
    label_by_kind: dict[str, float]
    english_gap_by_kind: dict[str, float]  # mean English score − mean Korean score, per kind with both
    english_share: float
    p50_ms: float
    p99_ms: float


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson on tie-averaged ranks); 0 where either side is constant."""
    if len(xs) < 2:
        return 0.0
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else 0.0


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def report(cases: Sequence[GradedCase]) -> Report:
    substantive = [c for c in cases if c.kind in SUBSTANTIVE]
    mean_by_kind: dict[str, float] = {}
    label_by_kind: dict[str, float] = {}
    gaps: dict[str, float] = {}
    for kind in KINDS:
        of_kind = [c for c in cases if c.kind == kind]
        if not of_kind:
            continue
        mean_by_kind[kind] = statistics.fmean(c.score for c in of_kind)
        label_by_kind[kind] = statistics.fmean(c.label for c in of_kind)
        english = [c.score for c in of_kind if c.english]
        korean = [c.score for c in of_kind if not c.english]
        if english and korean:
            gaps[kind] = statistics.fmean(english) - statistics.fmean(korean)
    times = [c.seconds * 1000 for c in cases]
    return Report(
        cases=len(cases),
        spearman=spearman([c.label for c in cases], [c.score for c in cases]),
        spearman_substantive=spearman([c.label for c in substantive], [c.score for c in substantive]),
        mean_by_kind=mean_by_kind,
        label_by_kind=label_by_kind,
        english_gap_by_kind=gaps,
        english_share=sum(c.english for c in cases) / len(cases) if cases else 0.0,
        p50_ms=_percentile(times, 0.5),
        p99_ms=_percentile(times, 0.99),
    )
