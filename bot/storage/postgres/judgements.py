"""Answers' judgements graded before the reveal (see ``bot.core.grading.judgements``)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.grading.grader import Judgement
from bot.core.grading.judgements import AnswerJudgement, judgement_from_json, judgement_to_json
from bot.storage.postgres.database import Connection, Database

# Only for answers still there: one forgotten while its text was being graded has nothing to keep.
_SAVE = (
    "INSERT INTO answer_judgements (answer_id, text_key, fingerprint, judgement) "
    "SELECT j.answer_id, j.text_key, j.fingerprint, j.judgement "
    "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS j (answer_id, text_key, fingerprint, judgement) "
    "WHERE EXISTS (SELECT 1 FROM answers a WHERE a.id = j.answer_id) ORDER BY j.answer_id, j.text_key "
    "ON CONFLICT (answer_id, text_key) DO UPDATE SET fingerprint = excluded.fingerprint, "
    "judgement = excluded.judgement"
)


class JudgementStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, judgements: Sequence[AnswerJudgement]) -> int:
        # One row per key: a key given twice would make the upsert touch its row twice.
        latest = {(j.answer_id, j.text_key): j for j in judgements}
        if not latest:
            return 0
        ordered = [latest[key] for key in sorted(latest)]
        columns = (
            [j.answer_id for j in ordered],
            [j.text_key for j in ordered],
            [j.fingerprint for j in ordered],
            [judgement_to_json(j.judgement) for j in ordered],
        )

        async def job(conn: Connection) -> int:
            # The answers first, in id order, as every unit of work locks them: a member being forgotten meanwhile
            # is forgotten wholly before this (and their answers skipped) or after it.
            await conn.execute(
                "SELECT 1 FROM answers WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE", columns[0]
            )
            status = await conn.execute(_SAVE, *columns)
            return int(status.rsplit(" ", 1)[-1])  # "INSERT 0 n"

        return await self._db.write(job)

    async def for_round(self, round_id: int, fingerprint: str) -> dict[str, Judgement]:
        rows = await self._db.fetch(
            "SELECT j.text_key, j.judgement FROM answer_judgements j JOIN answers a ON a.id = j.answer_id "
            "WHERE a.round_id = $1 AND j.fingerprint = $2",
            round_id,
            fingerprint,
        )
        return {r["text_key"]: judgement_from_json(r["judgement"]) for r in rows}
