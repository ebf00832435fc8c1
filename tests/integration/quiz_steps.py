"""Small steps the integration tests share: answers built from a round's own key concepts, and reading
what a reveal stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.deck_schema import KeyConcept
from bot.core.models import ChannelKey, ChannelSettings, Member, Round
from bot.core.service import QuizService
from tests.rawsql import fetchall, fetchone

UNRELATED = "잘 모르겠습니다. 다음에 공부해 올게요"


def labels(service: QuizService, round_: Round) -> tuple[str, ...]:
    """The key-concept labels of the round's question, in question order."""
    return tuple(c.concept for c in service.catalog.question(round_.deck_id, round_.question_id).key_concepts)


NEGATIONS = ("않", "없", "못", "아니", "not", "no ", "n't", "without")


def claim_for(concept: KeyConcept) -> str:
    """A sentence claiming one key concept: its label, a term of each group it requires that the label lacks,
    and a predicate."""
    label = concept.concept
    partners = [
        next((t for t in group if not any(n in t for n in NEGATIONS)), group[0])
        for group in concept.requires
        if not any(term.casefold() in label.casefold() for term in group)
    ]
    return " ".join([label, *partners]) + "입니다."


def answer_covering(service: QuizService, round_: Round, count: int) -> str:
    """An answer claiming the first ``count`` key concepts of the round's question (no concept for 0)."""
    chosen = service.catalog.question(round_.deck_id, round_.question_id).key_concepts[:count]
    return " ".join(claim_for(c) for c in chosen) if chosen else UNRELATED


def member(name: str) -> Member:
    return Member(name.casefold(), name)


async def answer(service: QuizService, round_: Round, name: str, text: str, *, message_id: str | None = None) -> None:
    receipt = await service.record_answer(round_, member(name), text, message_id=message_id or f"{name}-{round_.id}")
    assert receipt is not None


async def daily_channel(
    service: QuizService, key: ChannelKey, *, post_time: dt.time = dt.time(9, 0), timezone: str = "Asia/Seoul"
) -> ChannelSettings:
    """A channel with a daily 09:00 post every day, in Seoul unless told otherwise."""
    return await service.configure_channel(
        key, enabled=True, post_time=post_time, weekdays=frozenset(range(7)), timezone=timezone
    )


@dataclass(frozen=True)
class StoredResult:
    member_id: str
    total: int
    vote_points: int
    streak: int
    streak_bonus: int
    coverage: float


async def stored_results(service: QuizService, round_id: int) -> dict[str, StoredResult]:
    rows = await fetchall(
        service.storage,
        "SELECT member_id, answer_points + coverage_points + vote_points + streak_bonus AS total, vote_points, "
        "streak, streak_bonus, coverage FROM results WHERE round_id = ?",
        round_id,
    )
    return {
        r["member_id"]: StoredResult(
            r["member_id"], r["total"], r["vote_points"], r["streak"], r["streak_bonus"], r["coverage"]
        )
        for r in rows
    }


async def total_points(service: QuizService, key: ChannelKey, member_id: str, period: str = "all") -> int | None:
    row = await fetchone(
        service.storage,
        "SELECT points FROM totals WHERE platform = ? AND guild_id = ? AND period = ? AND member_id = ?",
        key.platform,
        key.guild_id,
        period,
        member_id,
    )
    return None if row is None else int(row["points"])
