"""Forgetting a member (``/quiz me forget``): every row of theirs in a guild, in one transaction.

The tables holding a member's data (see the migrations): ``answers`` and their ``answer_revisions`` and
``answer_judgements``, ``votes`` (cast by them, and cast by others on their answers), ``results``, ``totals``,
``streaks``, ``disputes`` (theirs; decisions they made as an admin keep their effect but lose their name),
``members`` (their display name), ``review_cards`` and ``reviews``, ``member_settings``, and ``review_reminders``.
Rounds are the channel's and stay.

Before changing anything the unit of work locks what it changes in the order every other unit of work locks (see
``bot.storage.postgres.database``): the rounds, then the answers, then the disputes, then the results, then the
guild's leaderboard. An answer, vote, reveal or dispute decision racing it lands wholly before it (and is
forgotten) or wholly after it.
"""

from __future__ import annotations

from bot.core.models import GuildKey
from bot.core.ports.storage import VotePoints
from bot.core.review.records import ForgetReport
from bot.storage.postgres.database import Connection, Database, Job, lock_leaderboard
from bot.storage.postgres.member_settings import delete_settings
from bot.storage.postgres.reminder_log import delete_reminders
from bot.storage.postgres.reviews import delete_cards, deleted_rows

# The guild's answers, of every channel of it ($1 platform, $2 guild).
_GUILD_ANSWERS = (
    "SELECT a.id FROM answers a JOIN rounds r ON r.id = a.round_id JOIN channels c ON c.id = r.channel_ref "
    "WHERE c.platform = $1 AND c.guild_id = $2"
)
# The member's answers in the guild ($3 member).
_MINE = f"{_GUILD_ANSWERS} AND a.member_id = $3"
# Others' answers in the guild the member voted on: their vote points are recounted once the votes are gone.
_VOTED = (
    f"SELECT DISTINCT v.answer_id FROM votes v WHERE v.voter_id = $3 AND v.answer_id IN ({_GUILD_ANSWERS}) "
    f"AND v.answer_id NOT IN ({_MINE})"
)


async def _lock_in_order(conn: Connection, guild: GuildKey, member_id: str) -> list[int]:
    """Lock every row the unit of work changes, in the backend's lock order; the answers to recount."""
    member = (guild.platform, guild.guild_id, member_id)
    await conn.execute(
        "SELECT 1 FROM rounds WHERE id IN (SELECT a.round_id FROM answers a WHERE a.id IN "
        f"({_MINE}) OR a.id IN ({_VOTED})) ORDER BY id FOR SHARE",
        *member,
    )
    voted = [int(r["answer_id"]) for r in await conn.fetch(f"{_VOTED} ORDER BY 1", *member)]
    await conn.execute(
        f"SELECT 1 FROM answers WHERE id IN ({_MINE}) OR id = ANY($4::bigint[]) ORDER BY id FOR UPDATE",
        *member,
        voted,
    )
    await conn.execute(
        f"SELECT 1 FROM disputes WHERE answer_id IN ({_MINE}) "
        "OR (platform = $1 AND guild_id = $2 AND (member_id = $3 OR decided_by = $3)) ORDER BY id FOR UPDATE",
        *member,
    )
    await conn.execute(
        "SELECT 1 FROM results WHERE (platform = $1 AND guild_id = $2 AND member_id = $3) "
        "OR answer_id = ANY($4::bigint[]) ORDER BY round_id, member_id FOR UPDATE",
        *member,
        voted,
    )
    await lock_leaderboard(conn, guild.platform, guild.guild_id)
    return voted


def forget_member_job(guild: GuildKey, member_id: str, points_for: VotePoints) -> Job[ForgetReport]:
    """A unit of work deleting everything of the member in the guild, and re-scoring the answers they voted on."""
    member = (guild.platform, guild.guild_id, member_id)

    async def job(conn: Connection) -> ForgetReport:
        deleted: dict[str, int] = {}

        async def run(name: str, sql: str, *params: object) -> None:
            deleted[name] = deleted.get(name, 0) + deleted_rows(await conn.execute(sql, *(params or member)))

        voted = await _lock_in_order(conn, guild, member_id)
        await run("disputes", f"DELETE FROM disputes WHERE answer_id IN ({_MINE})")
        await run("disputes", "DELETE FROM disputes WHERE platform = $1 AND guild_id = $2 AND member_id = $3")
        await run(
            "disputes.decided_by",
            "UPDATE disputes SET decided_by = NULL WHERE platform = $1 AND guild_id = $2 AND decided_by = $3",
        )
        await run("votes", f"DELETE FROM votes WHERE answer_id IN ({_MINE})")
        await run("votes", f"DELETE FROM votes WHERE voter_id = $3 AND answer_id IN ({_GUILD_ANSWERS})")
        await run("answer_revisions", f"DELETE FROM answer_revisions WHERE answer_id IN ({_MINE})")
        await run("answer_judgements", f"DELETE FROM answer_judgements WHERE answer_id IN ({_MINE})")
        await run("results", "DELETE FROM results WHERE platform = $1 AND guild_id = $2 AND member_id = $3")
        await run("answers", f"DELETE FROM answers WHERE id IN ({_MINE})")
        # Totals only ever hold the member's own results' points, so they go whole, in every period.
        await run("totals", "DELETE FROM totals WHERE platform = $1 AND guild_id = $2 AND member_id = $3")
        await run(
            "streaks",
            "DELETE FROM streaks WHERE member_id = $3 AND channel_ref IN "
            "(SELECT id FROM channels WHERE platform = $1 AND guild_id = $2)",
        )
        await run("members", "DELETE FROM members WHERE platform = $1 AND guild_id = $2 AND member_id = $3")
        deleted["review_cards"], deleted["reviews"] = await delete_cards(conn, guild, member_id)
        deleted["member_settings"] = await delete_settings(conn, guild, member_id)
        deleted["review_reminders"] = await delete_reminders(conn, guild, member_id)
        rescored = [await _recount_votes(conn, answer_id, points_for) for answer_id in voted]
        return ForgetReport({k: v for k, v in deleted.items() if v}, sum(rescored))

    return job


async def _recount_votes(conn: Connection, answer_id: int, points_for: VotePoints) -> bool:
    """Bring a revealed answer's vote points, and its owner's totals, in line with the votes left on it; whether
    they changed. An answer not revealed yet has no points to change: the reveal counts its votes."""
    result = await conn.fetchrow(
        "SELECT round_id, member_id, platform, guild_id, vote_points, period_week, period_month FROM results "
        "WHERE answer_id = $1",
        answer_id,
    )
    if result is None:
        return False
    count = int(await conn.fetchval("SELECT COUNT(*) FROM votes WHERE answer_id = $1", answer_id))
    delta = points_for(count) - int(result["vote_points"])
    if delta == 0:
        return False
    await conn.execute(
        "UPDATE results SET vote_points = vote_points + $1 WHERE round_id = $2 AND member_id = $3",
        delta,
        result["round_id"],
        result["member_id"],
    )
    await conn.execute(
        "UPDATE totals SET points = points + $1 WHERE platform = $2 AND guild_id = $3 AND member_id = $4 "
        "AND period = ANY($5::text[])",
        delta,
        result["platform"],
        result["guild_id"],
        result["member_id"],
        ["all", result["period_week"], result["period_month"]],
    )
    return True


class MemberEraserStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def forget_member(self, guild: GuildKey, member_id: str, points_for: VotePoints) -> ForgetReport:
        return await self._db.write(forget_member_job(guild, member_id, points_for))
