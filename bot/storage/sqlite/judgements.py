"""Answers' judgements graded before the reveal (see ``bot.core.grading.judgements``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.core.grading.grader import Judgement
from bot.core.grading.judgements import AnswerJudgement, judgement_from_json, judgement_to_json
from bot.storage.sqlite.database import Database

# Only for an answer still there: one forgotten while its text was being graded has nothing to keep.
_SAVE = (
    "INSERT INTO answer_judgements (answer_id, text_key, fingerprint, judgement) "
    "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM answers WHERE id = ?1) "
    "ON CONFLICT (answer_id, text_key) DO UPDATE SET fingerprint = excluded.fingerprint, "
    "judgement = excluded.judgement"
)


class JudgementStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, judgements: Sequence[AnswerJudgement]) -> int:
        rows = [(j.answer_id, j.text_key, j.fingerprint, judgement_to_json(j.judgement)) for j in judgements]
        if not rows:
            return 0

        def write(conn: sqlite3.Connection) -> int:
            return sum(conn.execute(_SAVE, row).rowcount for row in rows)

        return await self._db.write(write)

    async def for_round(self, round_id: int, fingerprint: str) -> dict[str, Judgement]:
        rows = await self._db.fetchall(
            "SELECT j.text_key, j.judgement FROM answer_judgements j JOIN answers a ON a.id = j.answer_id "
            "WHERE a.round_id = ? AND j.fingerprint = ?",
            (round_id, fingerprint),
        )
        return {r["text_key"]: judgement_from_json(r["judgement"]) for r in rows}
