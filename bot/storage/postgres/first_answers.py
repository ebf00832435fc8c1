"""First answers arriving together, recorded in one statement: the batch of the answers' group commit.

Only a member's first answer in a round is simple enough to record for many members at once; ``AnswerStore``
records any other (a replacement, a redelivery, an answer to a round taking none) in a unit of work of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.models import AnswerReceipt, Member
from bot.storage.postgres.database import Connection

# The first answers of a batch, each its member's first in the round: the rounds locked as ``lock_round_state``
# does, the answers inserted in key order (so two batches never wait for each other in a cycle), each with its
# "create" revision, then the names of the members whose answer went in. An answer whose round takes none, or
# whose member already has one there, inserts nothing, and nothing else is written for it.
FIRST_ANSWERS = """
WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::timestamptz[],
                         $7::text[], $8::text[], $9::text[])
        WITH ORDINALITY AS t(round_id, member_id, message_id, text, private, at, platform, guild_id, name, n)
), taking AS (
    SELECT id, state IN ('revealing', 'revealed') AS late FROM rounds
    WHERE id = ANY($1::bigint[]) AND state NOT IN ('pending', 'cancelled') ORDER BY id FOR SHARE
), created AS (
    INSERT INTO answers (round_id, member_id, message_id, text, private, late, created_at, updated_at)
    SELECT i.round_id, i.member_id, i.message_id, i.text, i.private, r.late, i.at, i.at
    FROM input i JOIN taking r ON r.id = i.round_id ORDER BY i.round_id, i.member_id
    ON CONFLICT (round_id, member_id, late) DO NOTHING
    RETURNING id, round_id, member_id, late, text, created_at
), revisions AS (
    INSERT INTO answer_revisions (answer_id, action, text, at) SELECT id, 'create', text, created_at FROM created
), named AS (
    INSERT INTO members (platform, guild_id, member_id, display_name)
    SELECT DISTINCT ON (i.platform, i.guild_id, i.member_id) i.platform, i.guild_id, i.member_id, i.name
    FROM created c JOIN input i ON i.round_id = c.round_id AND i.member_id = c.member_id
    ORDER BY i.platform, i.guild_id, i.member_id, i.n DESC
    ON CONFLICT (platform, guild_id, member_id) DO UPDATE SET display_name = excluded.display_name
    WHERE members.display_name IS DISTINCT FROM excluded.display_name
)
SELECT id, round_id, member_id, late FROM created
"""


@dataclass(frozen=True)
class NewAnswer:
    """An answer as ``AnswerStore.record`` takes it."""

    round_id: int
    platform: str
    guild_id: str
    member: Member
    message_id: str | None
    text: str
    private: bool
    now: dt.datetime


async def record_first_answers(conn: Connection, answers: list[NewAnswer]) -> list[AnswerReceipt | None]:
    """Record, in one statement, those of ``answers`` that are their member's first in a round taking answers;
    each one's receipt, in order, or ``None`` for one not recorded here (nothing written for it). Of two
    answers of one member to one round only the first is tried."""
    tried: dict[tuple[int, str], NewAnswer] = {}
    for answer in answers:
        tried.setdefault((answer.round_id, answer.member.member_id), answer)
    batch = list(tried.values())
    rows = await conn.fetch(
        FIRST_ANSWERS,
        [a.round_id for a in batch],
        [a.member.member_id for a in batch],
        [a.message_id for a in batch],
        [a.text for a in batch],
        [a.private for a in batch],
        [a.now for a in batch],
        [a.platform for a in batch],
        [a.guild_id for a in batch],
        [a.member.display_name for a in batch],
    )
    created = {(int(r["round_id"]), str(r["member_id"])): r for r in rows}
    receipts: list[AnswerReceipt | None] = []
    for answer in answers:
        key = (answer.round_id, answer.member.member_id)
        row = created.get(key)
        if row is None or tried[key] is not answer:
            receipts.append(None)
            continue
        late = bool(row["late"])
        receipts.append(
            AnswerReceipt(int(row["id"]), answer.round_id, "late" if late else "recorded", late, answer.private)
        )
    return receipts
