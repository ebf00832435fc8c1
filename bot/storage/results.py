"""Closing a round with its scores, and reading leaderboards and member statistics."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

import aiosqlite

from bot.core.models import (
    AnswerRecord,
    CategoryCoverage,
    GuildKey,
    LeaderboardRow,
    Member,
    MemberResult,
    RevealInput,
    RevealOutcome,
    Round,
    RoundKind,
    ScoredAnswer,
    StreakState,
)
from bot.storage.database import Database
from bot.storage.rounds import _ROUND_SELECT, round_from_row
from bot.storage.timeutil import to_db

Scorer = Callable[[RevealInput], Sequence[ScoredAnswer]]
PeriodKeys = Callable[[dt.datetime, str], tuple[str, str]]


class ResultStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def reveal(
        self, round_id: int, now: dt.datetime, score: Scorer, period_keys: PeriodKeys, category: str
    ) -> RevealOutcome | None:
        """Close an open round and fix its scores in one transaction. ``None`` if it was not open: this is the
        single point that makes a reveal happen at most once, whatever the number of callers or processes."""

        async def job(conn: aiosqlite.Connection) -> RevealOutcome | None:
            cur = await conn.execute(
                "UPDATE rounds SET state = 'revealing', revealed_at = ? WHERE id = ? AND state = 'open'",
                (to_db(now), round_id),
            )
            if cur.rowcount != 1:
                return None
            round_ = await _load_round(conn, round_id)
            timezone = await _guild_timezone(conn, round_)
            answers = await _on_time_answers(conn, round_id)
            previous = await _previous_daily_round(conn, round_) if round_.kind is RoundKind.DAILY else None
            streaks = await _streaks(conn, round_.channel_ref, [a.member.member_id for a in answers])
            scored = score(RevealInput(round_, category, timezone, tuple(answers), previous, streaks))
            week, month = period_keys(round_.opened_at, timezone)
            by_answer = {a.answer_id: a for a in answers}
            results = []
            for item in scored:
                await _store_result(conn, round_, item, category, week, month)
                if round_.kind is RoundKind.DAILY:
                    await _store_streak(conn, round_, item, streaks.get(item.member_id))
                results.append(_member_result(by_answer[item.answer_id], item))
            return RevealOutcome(round_, tuple(results))

        return await self._db.write(job)

    async def outcome(self, round_id: int) -> RevealOutcome | None:
        """A revealed (or revealing) round's stored results, to post the reveal again after a crash."""
        round_row = await self._db.fetchone(f"{_ROUND_SELECT} WHERE r.id = ?", (round_id,))
        if round_row is None:
            return None
        rows = await self._db.fetchall(
            "SELECT s.*, a.text, a.private, a.message_id, COALESCE(m.display_name, s.member_id) AS name "
            "FROM results s JOIN answers a ON a.id = s.answer_id LEFT JOIN members m ON m.platform = s.platform "
            "AND m.guild_id = s.guild_id AND m.member_id = s.member_id WHERE s.round_id = ? "
            "ORDER BY a.created_at, a.id",
            (round_id,),
        )
        results = tuple(
            MemberResult(
                member=Member(r["member_id"], r["name"]),
                answer_text=r["text"],
                private=bool(r["private"]),
                late=False,
                covered=tuple(json.loads(r["covered"])),
                missed=tuple(json.loads(r["missed"])),
                coverage=float(r["coverage"]),
                answer_points=int(r["answer_points"]),
                coverage_points=int(r["coverage_points"]),
                vote_points=int(r["vote_points"]),
                streak=int(r["streak"]),
                streak_bonus=int(r["streak_bonus"]),
            )
            for r in rows
        )
        return RevealOutcome(round_from_row(round_row), results)

    async def top(self, guild: GuildKey, period: str, limit: int) -> list[LeaderboardRow]:
        rows = await self._db.fetchall(
            "SELECT t.member_id, t.points, t.answers, COALESCE(m.display_name, t.member_id) AS name "
            "FROM totals t LEFT JOIN members m ON m.platform = t.platform AND m.guild_id = t.guild_id "
            "AND m.member_id = t.member_id WHERE t.platform = ? AND t.guild_id = ? AND t.period = ? "
            "ORDER BY t.points DESC, t.member_id LIMIT ?",
            (guild.platform, guild.guild_id, period, limit),
        )
        ranked: list[LeaderboardRow] = []
        for position, r in enumerate(rows, start=1):
            # Equal points share a rank (1, 2, 2, 4); the listing order among them is by member id.
            rank = ranked[-1].rank if ranked and ranked[-1].points == r["points"] else position
            ranked.append(LeaderboardRow(rank, Member(r["member_id"], r["name"]), int(r["points"]), int(r["answers"])))
        return ranked

    async def standing(self, guild: GuildKey, period: str, member_id: str) -> LeaderboardRow | None:
        row = await self._db.fetchone(
            "SELECT t.points, t.answers, COALESCE(m.display_name, t.member_id) AS name FROM totals t "
            "LEFT JOIN members m ON m.platform = t.platform AND m.guild_id = t.guild_id AND m.member_id = t.member_id "
            "WHERE t.platform = ? AND t.guild_id = ? AND t.period = ? AND t.member_id = ?",
            (guild.platform, guild.guild_id, period, member_id),
        )
        if row is None:
            return None
        ahead = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM totals WHERE platform = ? AND guild_id = ? AND period = ? AND points > ?",
            (guild.platform, guild.guild_id, period, row["points"]),
        )
        rank = 1 + (int(ahead["n"]) if ahead else 0)
        return LeaderboardRow(rank, Member(member_id, row["name"]), int(row["points"]), int(row["answers"]))

    async def member_count(self, guild: GuildKey, period: str) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM totals WHERE platform = ? AND guild_id = ? AND period = ?",
            (guild.platform, guild.guild_id, period),
        )
        return int(row["n"]) if row else 0

    async def coverage_by_category(self, guild: GuildKey, member_id: str) -> list[CategoryCoverage]:
        rows = await self._db.fetchall(
            "SELECT category, COUNT(*) AS n, AVG(coverage) AS avg FROM results "
            "WHERE platform = ? AND guild_id = ? AND member_id = ? GROUP BY category ORDER BY category",
            (guild.platform, guild.guild_id, member_id),
        )
        return [CategoryCoverage(r["category"], int(r["n"]), float(r["avg"])) for r in rows]

    async def streaks(self, guild: GuildKey, member_id: str) -> tuple[int, int]:
        """(current, best) over the guild's channels; a streak is current while its member answered the
        channel's latest revealed daily round."""
        rows = await self._db.fetchall(
            "SELECT s.current, s.best, s.last_round_id, "
            "(SELECT MAX(r.id) FROM rounds r WHERE r.channel_ref = s.channel_ref AND r.kind = 'daily' "
            " AND r.state IN ('revealing', 'revealed')) AS latest "
            "FROM streaks s JOIN channels c ON c.id = s.channel_ref "
            "WHERE c.platform = ? AND c.guild_id = ? AND s.member_id = ?",
            (guild.platform, guild.guild_id, member_id),
        )
        current = max((int(r["current"]) for r in rows if r["last_round_id"] == r["latest"]), default=0)
        best = max((int(r["best"]) for r in rows), default=0)
        return current, best

    async def member_name(self, guild: GuildKey, member_id: str) -> str | None:
        row = await self._db.fetchone(
            "SELECT display_name FROM members WHERE platform = ? AND guild_id = ? AND member_id = ?",
            (guild.platform, guild.guild_id, member_id),
        )
        return None if row is None else str(row["display_name"])


async def _load_round(conn: aiosqlite.Connection, round_id: int) -> Round:
    async with conn.execute(f"{_ROUND_SELECT} WHERE r.id = ?", (round_id,)) as cur:
        row = await cur.fetchone()
    assert row is not None
    return round_from_row(row)


async def _guild_timezone(conn: aiosqlite.Connection, round_: Round) -> str:
    async with conn.execute(
        "SELECT timezone FROM guilds WHERE platform = ? AND guild_id = ?",
        (round_.channel.platform, round_.channel.guild_id),
    ) as cur:
        row = await cur.fetchone()
    return str(row[0]) if row else "UTC"


async def _on_time_answers(conn: aiosqlite.Connection, round_id: int) -> list[AnswerRecord]:
    async with conn.execute(
        "SELECT a.id, a.member_id, a.text, a.private, a.message_id, "
        "COALESCE(m.display_name, a.member_id) AS name, "
        "(SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id) AS votes "
        "FROM answers a JOIN rounds r ON r.id = a.round_id JOIN channels c ON c.id = r.channel_ref "
        "LEFT JOIN members m ON m.platform = c.platform AND m.guild_id = c.guild_id AND m.member_id = a.member_id "
        "WHERE a.round_id = ? AND a.withdrawn = 0 AND a.late = 0 ORDER BY a.created_at, a.id",
        (round_id,),
    ) as cur:
        rows = await cur.fetchall()
    return [
        AnswerRecord(
            int(r["id"]),
            Member(r["member_id"], r["name"]),
            r["text"],
            bool(r["private"]),
            False,
            int(r["votes"]),
            r["message_id"],
        )
        for r in rows
    ]


async def _previous_daily_round(conn: aiosqlite.Connection, round_: Round) -> int | None:
    async with conn.execute(
        "SELECT MAX(id) FROM rounds WHERE channel_ref = ? AND kind = 'daily' AND id < ? "
        "AND state IN ('revealing', 'revealed')",
        (round_.channel_ref, round_.id),
    ) as cur:
        row = await cur.fetchone()
    return None if row is None or row[0] is None else int(row[0])


async def _streaks(conn: aiosqlite.Connection, channel_ref: int, member_ids: list[str]) -> dict[str, StreakState]:
    if not member_ids:
        return {}
    marks = ", ".join("?" for _ in member_ids)
    async with conn.execute(
        f"SELECT member_id, current, best, last_round_id FROM streaks WHERE channel_ref = ? AND member_id IN ({marks})",
        (channel_ref, *member_ids),
    ) as cur:
        rows = await cur.fetchall()
    return {r["member_id"]: StreakState(int(r["current"]), int(r["best"]), int(r["last_round_id"])) for r in rows}


async def _store_result(
    conn: aiosqlite.Connection, round_: Round, item: ScoredAnswer, category: str, week: str, month: str
) -> None:
    key = round_.channel
    await conn.execute(
        "INSERT INTO results (round_id, member_id, platform, guild_id, answer_id, category, covered, missed, "
        "coverage, answer_points, coverage_points, vote_points, streak, streak_bonus, period_week, period_month) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            round_.id,
            item.member_id,
            key.platform,
            key.guild_id,
            item.answer_id,
            category,
            json.dumps(list(item.covered), ensure_ascii=False),
            json.dumps(list(item.missed), ensure_ascii=False),
            item.coverage,
            item.answer_points,
            item.coverage_points,
            item.vote_points,
            item.streak,
            item.streak_bonus,
            week,
            month,
        ),
    )
    for period in ("all", week, month):
        await conn.execute(
            "INSERT INTO totals (platform, guild_id, period, member_id, points, answers) VALUES (?, ?, ?, ?, ?, 1) "
            "ON CONFLICT DO UPDATE SET points = points + excluded.points, answers = answers + 1",
            (key.platform, key.guild_id, period, item.member_id, item.total),
        )


async def _store_streak(
    conn: aiosqlite.Connection, round_: Round, item: ScoredAnswer, before: StreakState | None
) -> None:
    best = max(item.streak, before.best if before else 0)
    await conn.execute(
        "INSERT INTO streaks (channel_ref, member_id, current, best, last_round_id) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO UPDATE SET current = excluded.current, best = excluded.best, "
        "last_round_id = excluded.last_round_id",
        (round_.channel_ref, item.member_id, item.streak, best, round_.id),
    )


def _member_result(answer: AnswerRecord, item: ScoredAnswer) -> MemberResult:
    return MemberResult(
        member=answer.member,
        answer_text=answer.text,
        private=answer.private,
        late=False,
        covered=item.covered,
        missed=item.missed,
        coverage=item.coverage,
        answer_points=item.answer_points,
        coverage_points=item.coverage_points,
        vote_points=item.vote_points,
        streak=item.streak,
        streak_bonus=item.streak_bonus,
    )
