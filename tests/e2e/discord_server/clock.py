"""A clock tests can move by hand."""

from __future__ import annotations


class ManualClock:
    """Monotonic seconds that only advance when told to; pass as ``ServerConfig.clock``."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds
