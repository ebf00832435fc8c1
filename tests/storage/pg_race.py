"""One bot process in the cross-process race of ``test_postgres.py``: run as ``python -m tests.storage.pg_race``.

Every process opens its own store on the same PostgreSQL data, says ``ready``, waits for ``go`` on its standard
input, then, all at once: claims every slot of the channel (posting what it won), answers every open round as its
own member, and tries to reveal every round. It prints one JSON line of what it won; the database alone must keep
them apart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys

from bot.core.models import Member, RevealInput, RoundKind, RoundState, ScoredAnswer
from bot.storage.postgres.store import PostgresStorage

T0 = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)


def score(inputs: RevealInput) -> list[ScoredAnswer]:
    return [
        ScoredAnswer(
            answer_id=a.answer_id,
            member_id=a.member.member_id,
            covered=(),
            missed=(),
            coverage=1.0,
            answer_points=10,
            coverage_points=0,
            vote_points=0,
            streak=1,
            streak_bonus=0,
        )
        for a in inputs.answers
    ]


async def race(url: str, channel_ref: int, slots: int, name: str) -> dict[str, list[int]]:
    store = await PostgresStorage(url).open()
    try:
        print("ready", flush=True)
        assert await asyncio.to_thread(sys.stdin.readline) == "go\n"

        async def claim(i: int) -> int | None:
            slot = T0 + dt.timedelta(days=i)
            round_ = await store.rounds.claim(
                channel_ref=channel_ref,
                kind=RoundKind.DAILY,
                deck_id="deck",
                question_id=f"q{i}",
                category="basics",
                cycle=0,
                slot=slot,
                opened_at=slot,
                reveal_at=slot,
            )
            if round_ is None:
                return None
            assert await store.rounds.mark_posted(round_.id, f"question-{round_.id}", f"thread-{round_.id}")
            return i

        claimed = [i for i in await asyncio.gather(*(claim(i) for i in range(slots))) if i is not None]
        # The other processes' claims, until every slot is posted: only the database can tell.
        while len(rounds := await store.rounds.in_states(RoundState.OPEN, RoundState.REVEALING)) < slots:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        ids = sorted(r.id for r in rounds)

        async def answer(round_id: int) -> None:
            receipt = await store.answers.record(
                round_id=round_id,
                platform="fake",
                guild_id="guild-1",
                member=Member(name, name),
                message_id=f"{name}-{round_id}",
                text="10",
                private=False,
                now=T0,
            )
            assert receipt is not None

        async def reveal(round_id: int) -> int | None:
            outcome = await store.results.reveal(round_id, T0, score, lambda at, tz: ("W", "M"), "basics")
            return None if outcome is None else round_id

        done = await asyncio.gather(*(answer(i) for i in ids), *(reveal(i) for i in ids))
        return {"claimed": claimed, "revealed": [i for i in done if i is not None]}
    finally:
        await store.close()


def main() -> None:
    url, channel_ref, slots, name = sys.argv[1:5]
    won = asyncio.run(race(url, int(channel_ref), int(slots), name))
    print(json.dumps(won), flush=True)


if __name__ == "__main__":
    main()
