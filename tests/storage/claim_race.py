"""One bot process in the event-claim race of ``test_event_claim_race.py``: run as ``python -m
tests.storage.claim_race TARGET EVENTS NAME``, TARGET a ``postgresql://`` URL or a SQLite file.

Every process opens its own store on the same data, says ``ready``, waits for ``go`` on its standard input, then
claims every one of EVENTS events at once, as if Slack had delivered each of them to every process. It prints one
JSON line of the events it won; the database alone must keep the processes apart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path

from bot.core.ports.storage import QuizStore
from bot.storage.postgres.store import PostgresStorage
from bot.storage.sqlite.store import Storage

T0 = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)


def store_on(target: str) -> QuizStore:
    """A store (not yet open) on a ``postgresql://`` URL or a SQLite file."""
    return PostgresStorage(target) if target.startswith("postgresql://") else Storage(Path(target))


async def race(target: str, events: int) -> list[str]:
    store = await store_on(target).open()
    try:
        print("ready", flush=True)
        assert await asyncio.to_thread(sys.stdin.readline) == "go\n"
        ids = [f"Ev{i:04d}" for i in range(events)]
        won = await asyncio.gather(*(store.event_claims.claim("slack", event_id, T0) for event_id in ids))
        return [event_id for event_id, first in zip(ids, won, strict=True) if first]
    finally:
        await store.close()


def main() -> None:
    target, events, _name = sys.argv[1:4]
    print(json.dumps(asyncio.run(race(target, int(events)))), flush=True)


if __name__ == "__main__":
    main()
