"""What personal review reads of the group drill's history, and what forgetting a member removed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.models import MemberResult, Round


@dataclass(frozen=True)
class RoundResult:
    """A member's scored result in a revealed round, with the round and the question's category."""

    round: Round
    category: str
    result: MemberResult


@dataclass(frozen=True)
class ForgetReport:
    """Rows removed per table when a member was forgotten, and how many other members' answers were re-scored
    because the forgotten member's votes on them were removed."""

    deleted: Mapping[str, int] = field(default_factory=dict)
    rescored_answers: int = 0

    @property
    def total(self) -> int:
        return sum(self.deleted.values())
