"""Forgetting a member (``/quiz me forget``): every row of theirs in a guild, in one transaction.

The tables holding a member's data (see the migrations): ``answers`` and their ``answer_revisions`` and
``answer_judgements``, ``votes`` (cast by them, and cast by others on their answers), ``results``, ``totals`` (and,
through its triggers, the rank counts ``totals_scores``/``totals_bands``), ``streaks``, ``disputes`` (theirs;
decisions they made as an admin keep their effect but lose their name), ``members`` (their display name),
``review_cards`` and ``reviews``, and ``member_settings``, and ``review_reminders``. Rounds are the channel's and
stay.
"""

from __future__ import annotations

import sqlite3

from bot.core.models import GuildKey
from bot.core.ports.storage import VotePoints
from bot.core.review.records import ForgetReport
from bot.storage.sqlite.database import Database, WriteJob
from bot.storage.sqlite.member_settings import delete_settings
from bot.storage.sqlite.reminder_log import delete_reminders
from bot.storage.sqlite.reviews import delete_cards

# The guild's answers, of every channel of it.
_GUILD_ANSWERS = (
    "SELECT a.id FROM answers a JOIN rounds r ON r.id = a.round_id JOIN channels c ON c.id = r.channel_ref "
    "WHERE c.platform = ? AND c.guild_id = ?"
)
_MINE = f"{_GUILD_ANSWERS} AND a.member_id = ?"


def forget_member_job(guild: GuildKey, member_id: str, points_for: VotePoints) -> WriteJob[ForgetReport]:
    """A write job deleting everything of the member in the guild, and re-scoring the answers they had voted on."""
    member = (guild.platform, guild.guild_id, member_id)

    def job(conn: sqlite3.Connection) -> ForgetReport:
        deleted: dict[str, int] = {}

        def run(name: str, sql: str, params: tuple[object, ...] = member) -> None:
            deleted[name] = deleted.get(name, 0) + conn.execute(sql, params).rowcount

        # Others' answers this member voted on: their vote points are recounted once the votes are gone.
        voted = [
            int(row[0])
            for row in conn.execute(
                f"SELECT DISTINCT v.answer_id FROM votes v WHERE v.voter_id = ? AND v.answer_id IN ({_GUILD_ANSWERS})"
                " AND v.answer_id NOT IN (" + _MINE + ")",
                (member_id, guild.platform, guild.guild_id, *member),
            )
        ]
        run("disputes", f"DELETE FROM disputes WHERE answer_id IN ({_MINE})")
        run("disputes", "DELETE FROM disputes WHERE platform = ? AND guild_id = ? AND member_id = ?")
        deleted["disputes.decided_by"] = conn.execute(
            "UPDATE disputes SET decided_by = NULL WHERE decided_by = ? AND platform = ? AND guild_id = ?",
            (member_id, guild.platform, guild.guild_id),
        ).rowcount
        run("votes", f"DELETE FROM votes WHERE answer_id IN ({_MINE})")
        run(
            "votes",
            f"DELETE FROM votes WHERE voter_id = ? AND answer_id IN ({_GUILD_ANSWERS})",
            (member_id, guild.platform, guild.guild_id),
        )
        run("answer_revisions", f"DELETE FROM answer_revisions WHERE answer_id IN ({_MINE})")
        run("answer_judgements", f"DELETE FROM answer_judgements WHERE answer_id IN ({_MINE})")
        run("results", "DELETE FROM results WHERE platform = ? AND guild_id = ? AND member_id = ?")
        run("answers", f"DELETE FROM answers WHERE id IN ({_MINE})")
        # Totals only ever hold the member's own results' points, so they go whole, in every period.
        run("totals", "DELETE FROM totals WHERE platform = ? AND guild_id = ? AND member_id = ?")
        run(
            "streaks",
            "DELETE FROM streaks WHERE member_id = ? AND channel_ref IN "
            "(SELECT id FROM channels WHERE platform = ? AND guild_id = ?)",
            (member_id, guild.platform, guild.guild_id),
        )
        run("members", "DELETE FROM members WHERE platform = ? AND guild_id = ? AND member_id = ?")
        deleted["review_cards"], deleted["reviews"] = delete_cards(conn, guild, member_id)
        deleted["member_settings"] = delete_settings(conn, guild, member_id)
        deleted["review_reminders"] = delete_reminders(conn, guild, member_id)
        rescored = sum(_recount_votes(conn, answer_id, points_for) for answer_id in voted)
        return ForgetReport({k: v for k, v in deleted.items() if v}, rescored)

    return job


def _recount_votes(conn: sqlite3.Connection, answer_id: int, points_for: VotePoints) -> bool:
    """Bring a revealed answer's vote points, and its owner's totals, in line with the votes left on it; whether
    they changed. An answer not revealed yet has no points to change: the reveal counts its votes."""
    result = conn.execute(
        "SELECT round_id, member_id, platform, guild_id, vote_points, period_week, period_month FROM results "
        "WHERE answer_id = ?",
        (answer_id,),
    ).fetchone()
    if result is None:
        return False
    count = conn.execute("SELECT COUNT(*) FROM votes WHERE answer_id = ?", (answer_id,)).fetchone()
    delta = points_for(int(count[0])) - int(result["vote_points"])
    if delta == 0:
        return False
    conn.execute(
        "UPDATE results SET vote_points = vote_points + ? WHERE round_id = ? AND member_id = ?",
        (delta, result["round_id"], result["member_id"]),
    )
    for period in ("all", result["period_week"], result["period_month"]):
        conn.execute(
            "UPDATE totals SET points = points + ? WHERE platform = ? AND guild_id = ? AND period = ? "
            "AND member_id = ?",
            (delta, result["platform"], result["guild_id"], period, result["member_id"]),
        )
    return True


class MemberEraserStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def forget_member(self, guild: GuildKey, member_id: str, points_for: VotePoints) -> ForgetReport:
        return await self._db.write(forget_member_job(guild, member_id, points_for))
