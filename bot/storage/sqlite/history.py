"""The drill's scored results as a member's notebook and an admin's export read them."""

from __future__ import annotations

from bot.core.boards import MemberAccuracy
from bot.core.models import GuildKey, Member
from bot.core.review.records import RoundResult
from bot.storage.rows import RESULT_HISTORY_SELECT, round_result
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.rounds import round_from_row


class HistoryStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def member_results(self, guild: GuildKey, member_id: str) -> list[RoundResult]:
        rows = await self._db.fetchall(
            f"{RESULT_HISTORY_SELECT} WHERE s.platform = ? AND s.guild_id = ? AND s.member_id = ? "
            "ORDER BY r.opened_at, r.id",
            (guild.platform, guild.guild_id, member_id),
        )
        return [round_result(r, round_from_row(r)) for r in rows]

    async def accuracy(self, guild: GuildKey, period: str) -> list[MemberAccuracy]:
        # A result counts in the week and the month its round was revealed in, as its points do.
        column = {"W": "s.period_week", "M": "s.period_month"}.get(period[:1])
        where = f" AND {column} = ?" if column is not None and period != "all" else ""
        rows = await self._db.fetchall(
            "SELECT s.member_id, COUNT(*) AS answers, AVG(s.coverage) AS mean, "
            "COALESCE(m.display_name, s.member_id) AS name FROM results s "
            "LEFT JOIN members m ON m.platform = s.platform AND m.guild_id = s.guild_id AND m.member_id = s.member_id "
            f"WHERE s.platform = ? AND s.guild_id = ?{where} GROUP BY s.member_id ORDER BY s.member_id",
            (guild.platform, guild.guild_id, *((period,) if where else ())),
        )
        return [MemberAccuracy(Member(r["member_id"], r["name"]), int(r["answers"]), float(r["mean"])) for r in rows]

    async def channel_results(self, channel_ref: int) -> list[RoundResult]:
        rows = await self._db.fetchall(
            f"{RESULT_HISTORY_SELECT} WHERE r.channel_ref = ? ORDER BY r.opened_at, r.id, a.created_at, a.id",
            (channel_ref,),
        )
        return [round_result(r, round_from_row(r)) for r in rows]
