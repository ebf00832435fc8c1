"""Closing a round with its scores, and reading leaderboards and member statistics."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict

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
from bot.core.ports.storage import PeriodKeys, Scorer
from bot.core.ranking import rank_of
from bot.storage.rows import leaderboard_rows, stored_result
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.rounds import _ROUND_SELECT, round_from_row
from bot.storage.sqlite.timeutil import to_db

# Rows per multi-row INSERT: a few thousand bound values, far below SQLite's limit of 32766.
_ROWS_PER_STATEMENT = 200


class ResultStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def reveal(
        self, round_id: int, now: dt.datetime, score: Scorer, period_keys: PeriodKeys, category: str
    ) -> RevealOutcome | None:
        """Close an open round and fix its scores in one transaction. ``None`` if it was not open: this is the
        single point that makes a reveal happen at most once, whatever the number of callers or processes."""

        def job(conn: sqlite3.Connection) -> RevealOutcome | None:
            cur = conn.execute(
                "UPDATE rounds SET state = 'revealing', revealed_at = ?, heartbeat_at = ?, worker = NULL "
                "WHERE id = ? AND state = 'open'",
                (to_db(now), to_db(now), round_id),
            )
            if cur.rowcount != 1:
                return None
            round_ = _load_round(conn, round_id)
            timezone = _guild_timezone(conn, round_)
            answers = _on_time_answers(conn, round_id)
            previous = _previous_daily_round(conn, round_) if round_.kind is RoundKind.DAILY else None
            streaks = _streaks(conn, round_.channel_ref, [a.member.member_id for a in answers])
            scored = score(RevealInput(round_, category, timezone, tuple(answers), previous, streaks))
            week, month = period_keys(round_.opened_at, timezone)
            by_answer = {a.answer_id: a for a in answers}
            _store_results(conn, round_, scored, category, week, month)
            if round_.kind is RoundKind.DAILY:
                _store_streaks(conn, round_, scored, streaks)
            results = tuple(_member_result(by_answer[item.answer_id], item) for item in scored)
            return RevealOutcome(round_, results)

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
        results = tuple(stored_result(r) for r in rows)
        return RevealOutcome(round_from_row(round_row), results)

    async def top(self, guild: GuildKey, period: str, limit: int) -> list[LeaderboardRow]:
        # The board from its top, highest points first (listed by member id among equals); the ranks are core's.
        rows = await self._db.fetchall(
            "SELECT t.member_id, t.points, t.answers, COALESCE(m.display_name, t.member_id) AS name "
            "FROM totals t LEFT JOIN members m ON m.platform = t.platform AND m.guild_id = t.guild_id "
            "AND m.member_id = t.member_id WHERE t.platform = ? AND t.guild_id = ? AND t.period = ? "
            "ORDER BY t.points DESC, t.member_id LIMIT ?",
            (guild.platform, guild.guild_id, period, limit),
        )
        return leaderboard_rows(rows)

    async def standing(self, guild: GuildKey, period: str, member_id: str) -> LeaderboardRow | None:
        # The ranking policy needs the members with more points than the caller: those in higher bands of 256
        # points, plus those above the caller in the caller's own band (see totals_bands and totals_scores): a
        # handful of rows, however many members there are.
        row = await self._db.fetchone(
            "SELECT t.points, t.answers, COALESCE(m.display_name, t.member_id) AS name, "
            "(SELECT COALESCE(SUM(b.members), 0) FROM totals_bands b WHERE b.platform = t.platform "
            " AND b.guild_id = t.guild_id AND b.period = t.period AND b.band > (t.points >> 8)) + "
            "(SELECT COALESCE(SUM(s.members), 0) FROM totals_scores s WHERE s.platform = t.platform "
            " AND s.guild_id = t.guild_id AND s.period = t.period AND s.points > t.points "
            " AND s.points < ((t.points >> 8) + 1) << 8) AS ahead "
            "FROM totals t "
            "LEFT JOIN members m ON m.platform = t.platform AND m.guild_id = t.guild_id AND m.member_id = t.member_id "
            "WHERE t.platform = ? AND t.guild_id = ? AND t.period = ? AND t.member_id = ?",
            (guild.platform, guild.guild_id, period, member_id),
        )
        if row is None:
            return None
        return LeaderboardRow(
            rank_of(int(row["ahead"])), Member(member_id, row["name"]), int(row["points"]), int(row["answers"])
        )

    async def member_count(self, guild: GuildKey, period: str) -> int:
        row = await self._db.fetchone(
            "SELECT COALESCE(SUM(members), 0) AS n FROM totals_bands "
            "WHERE platform = ? AND guild_id = ? AND period = ?",
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


def _load_round(conn: sqlite3.Connection, round_id: int) -> Round:
    row = conn.execute(f"{_ROUND_SELECT} WHERE r.id = ?", (round_id,)).fetchone()
    assert row is not None
    return round_from_row(row)


def _guild_timezone(conn: sqlite3.Connection, round_: Round) -> str:
    row = conn.execute(
        "SELECT timezone FROM guilds WHERE platform = ? AND guild_id = ?",
        (round_.channel.platform, round_.channel.guild_id),
    ).fetchone()
    return str(row[0]) if row else "UTC"


def _on_time_answers(conn: sqlite3.Connection, round_id: int) -> list[AnswerRecord]:
    rows = conn.execute(
        "SELECT a.id, a.member_id, a.text, a.private, a.message_id, "
        "COALESCE(m.display_name, a.member_id) AS name, "
        "(SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id) AS votes "
        "FROM answers a JOIN rounds r ON r.id = a.round_id JOIN channels c ON c.id = r.channel_ref "
        "LEFT JOIN members m ON m.platform = c.platform AND m.guild_id = c.guild_id AND m.member_id = a.member_id "
        "WHERE a.round_id = ? AND a.withdrawn = 0 AND a.late = 0 ORDER BY a.created_at, a.id",
        (round_id,),
    ).fetchall()
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


def _previous_daily_round(conn: sqlite3.Connection, round_: Round) -> int | None:
    row = conn.execute(
        "SELECT MAX(id) FROM rounds WHERE channel_ref = ? AND kind = 'daily' AND id < ? "
        "AND state IN ('revealing', 'revealed')",
        (round_.channel_ref, round_.id),
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _streaks(conn: sqlite3.Connection, channel_ref: int, member_ids: list[str]) -> dict[str, StreakState]:
    if not member_ids:
        return {}
    marks = ", ".join("?" for _ in member_ids)
    rows = conn.execute(
        f"SELECT member_id, current, best, last_round_id FROM streaks WHERE channel_ref = ? AND member_id IN ({marks})",
        (channel_ref, *member_ids),
    ).fetchall()
    return {r["member_id"]: StreakState(int(r["current"]), int(r["best"]), int(r["last_round_id"])) for r in rows}


def _store_results(
    conn: sqlite3.Connection, round_: Round, scored: Sequence[ScoredAnswer], category: str, week: str, month: str
) -> None:
    """A round's results and their leaderboard totals, many rows per statement.

    Each statement hands the interpreter lock back and forth between the writer thread and a busy event loop;
    a statement per row made a reveal of many answers wait for that hand-over hundreds of times.
    """
    key = round_.channel
    for start in range(0, len(scored), _ROWS_PER_STATEMENT):
        chunk = scored[start : start + _ROWS_PER_STATEMENT]
        results = [
            (
                round_.id,
                item.member_id,
                key.platform,
                key.guild_id,
                item.answer_id,
                category,
                json.dumps(list(item.covered), ensure_ascii=False),
                json.dumps(list(item.missed), ensure_ascii=False),
                json.dumps(list(item.named), ensure_ascii=False),
                json.dumps(list(item.contradicted), ensure_ascii=False),
                json.dumps([asdict(note) for note in item.misconceptions], ensure_ascii=False),
                item.coverage,
                item.answer_points,
                item.coverage_points,
                item.vote_points,
                item.streak,
                item.streak_bonus,
                week,
                month,
            )
            for item in chunk
        ]
        conn.execute(
            "INSERT INTO results (round_id, member_id, platform, guild_id, answer_id, category, covered, missed, "
            "named, contradicted, misconceptions, coverage, answer_points, coverage_points, vote_points, streak, "
            f"streak_bonus, period_week, period_month) VALUES {_rows(19, len(results))}",
            [value for row in results for value in row],
        )
        totals = [
            (key.platform, key.guild_id, period, item.member_id, item.total)
            for item in chunk
            for period in ("all", week, month)
        ]
        conn.execute(
            "INSERT INTO totals (platform, guild_id, period, member_id, points, answers) "
            f"VALUES {_rows(5, len(totals), extra=', 1')} "
            "ON CONFLICT DO UPDATE SET points = points + excluded.points, answers = answers + 1",
            [value for row in totals for value in row],
        )


def _store_streaks(
    conn: sqlite3.Connection, round_: Round, scored: Sequence[ScoredAnswer], before: dict[str, StreakState]
) -> None:
    for start in range(0, len(scored), _ROWS_PER_STATEMENT):
        rows = []
        for item in scored[start : start + _ROWS_PER_STATEMENT]:
            previous = before.get(item.member_id)
            best = max(item.streak, previous.best if previous else 0)
            rows.append((round_.channel_ref, item.member_id, item.streak, best, round_.id))
        conn.execute(
            f"INSERT INTO streaks (channel_ref, member_id, current, best, last_round_id) VALUES {_rows(5, len(rows))} "
            "ON CONFLICT DO UPDATE SET current = excluded.current, best = excluded.best, "
            "last_round_id = excluded.last_round_id",
            [value for row in rows for value in row],
        )


def _rows(columns: int, count: int, extra: str = "") -> str:
    """``(?, ?), (?, ?)`` placeholders for ``count`` rows of ``columns`` values (plus ``extra`` literals)."""
    row = "(" + ", ".join(["?"] * columns) + extra + ")"
    return ", ".join([row] * count)


def _member_result(answer: AnswerRecord, item: ScoredAnswer) -> MemberResult:
    return MemberResult(
        member=answer.member, answer_text=answer.text, private=answer.private, late=False, **item.scored_fields()
    )
