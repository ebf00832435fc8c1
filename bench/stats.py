"""Small statistics for noisy machines: medians over runs and percentiles of latency samples."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method: a value that was actually observed."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


@dataclass(frozen=True)
class Figure:
    """One reported number: its value (the median over runs), how it was judged, and the spread seen."""

    benchmark: str
    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    runs: tuple[float, ...] = ()

    def spread(self) -> str:
        if len(self.runs) < 2:
            return ""
        return f"{min(self.runs):.4g}–{max(self.runs):.4g}"


def figure_over_runs(
    benchmark: str,
    name: str,
    runs: Sequence[float],
    unit: str,
    *,
    target: str = "",
    upper: float | None = None,
    lower: float | None = None,
) -> Figure:
    """The median of ``runs``, judged against an upper and/or lower bound when the target has one."""
    value = median(runs)
    ok: bool | None = None
    if upper is not None or lower is not None:
        ok = (upper is None or value < upper) and (lower is None or value >= lower)
    return Figure(benchmark, name, value, unit, target, ok, tuple(runs))


def markdown_table(figures: Sequence[Figure]) -> str:
    """Figures as a Markdown table, one row each."""
    lines = [
        "| benchmark | figure | median | unit | runs (min–max) | target | met |",
        "|---|---|---:|---|---|---|---|",
    ]
    for f in figures:
        met = "" if f.ok is None else ("yes" if f.ok else "**no**")
        lines.append(f"| {f.benchmark} | {f.name} | {f.value:.4g} | {f.unit} | {f.spread()} | {f.target} | {met} |")
    return "\n".join(lines)
