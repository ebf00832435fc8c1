"""Raw SQL on whichever backend a test's store is, for the few checks the port has no read for.

Write the query with ``?`` placeholders, as for SQLite; on PostgreSQL they become ``$1, $2, ...``. Rows read
by column name (``row["points"]``) on both.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from bot.core.ports.storage import QuizStore
from bot.storage.postgres.store import PostgresStorage
from bot.storage.sqlite.store import Storage


async def fetchall(store: QuizStore, sql: str, *params: Any) -> list[Mapping[str, Any]]:
    if isinstance(store, PostgresStorage):
        numbers = itertools.count(1)
        return list(await store.db.fetch(re.sub(r"\?", lambda _: f"${next(numbers)}", sql), *params))
    if isinstance(store, Storage):
        return list(await store.db.fetchall(sql, params))
    raise TypeError(f"no raw SQL for {type(store).__name__}")


async def fetchone(store: QuizStore, sql: str, *params: Any) -> Mapping[str, Any] | None:
    rows = await fetchall(store, sql, *params)
    return rows[0] if rows else None
