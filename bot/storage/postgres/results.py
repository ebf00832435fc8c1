"""Closing a round with its scores, and reading leaderboards and member statistics."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
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
from bot.core.ports.storage import ALL_TIME, PeriodKeys, Scorer
from bot.core.ranking import rank_of
from bot.storage.postgres.database import Connection, Database, lock_leaderboard
from bot.storage.postgres.rounds import ROUND_SELECT, round_from_row
from bot.storage.rows import leaderboard_rows, stored_result


class ResultStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def reveal(
        self, round_id: int, now: dt.datetime, score: Scorer, period_keys: PeriodKeys, category: str
    ) -> RevealOutcome | None:
        """Close an open round and fix its scores in one transaction. ``None`` if it was not open.

        The guarded ``UPDATE ... WHERE state = 'open'`` is the single point that makes a reveal happen at most
        once, whatever the number of callers or processes: a concurrent reveal waits for this transaction's row
        lock, then finds the round revealing and changes nothing (its scorer is never called)."""

        async def job(conn: Connection) -> RevealOutcome | None:
            closed = await conn.fetchval(
                "UPDATE rounds SET state = 'revealing', revealed_at = $1, heartbeat_at = $1, worker = NULL "
                "WHERE id = $2 AND state = 'open' RETURNING id",
                now,
                round_id,
            )
            if closed is None:
                return None
            row = await conn.fetchrow(f"{ROUND_SELECT} WHERE r.id = $1", round_id)
            assert row is not None
            round_ = round_from_row(row)
            key = round_.channel
            # Reveals in one guild run one at a time from here on: streaks and totals are read and written whole.
            await lock_leaderboard(conn, key.platform, key.guild_id)
            timezone = await _guild_timezone(conn, round_)
            answers = await _on_time_answers(conn, round_id)
            previous = await _previous_daily_round(conn, round_) if round_.kind is RoundKind.DAILY else None
            streaks = await _streaks(conn, round_.channel_ref, [a.member.member_id for a in answers])
            inputs = RevealInput(round_, category, timezone, tuple(answers), previous, streaks)
            # The scorer may grade for a while: off the event loop, still inside this transaction.
            scored = list(await asyncio.to_thread(score, inputs))
            week, month = period_keys(round_.opened_at, timezone)
            by_answer = {a.answer_id: a for a in answers}
            await _store_results(conn, round_, scored, category, week, month)
            if round_.kind is RoundKind.DAILY:
                await _store_streaks(conn, round_, scored, streaks)
            results = tuple(_member_result(by_answer[item.answer_id], item) for item in scored)
            return RevealOutcome(round_, results)

        return await self._db.write(job)

    async def outcome(self, round_id: int) -> RevealOutcome | None:
        """A revealed (or revealing) round's stored results, to post the reveal again after a crash."""
        round_row = await self._db.fetchrow(f"{ROUND_SELECT} WHERE r.id = $1", round_id)
        if round_row is None:
            return None
        rows = await self._db.fetch(
            "SELECT s.*, a.text, a.private, a.message_id, COALESCE(m.display_name, s.member_id) AS name "
            "FROM results s JOIN answers a ON a.id = s.answer_id LEFT JOIN members m ON m.platform = s.platform "
            "AND m.guild_id = s.guild_id AND m.member_id = s.member_id WHERE s.round_id = $1 "
            "ORDER BY a.created_at, a.id",
            round_id,
        )
        results = tuple(stored_result(r) for r in rows)
        return RevealOutcome(round_from_row(round_row), results)

    async def top(self, guild: GuildKey, period: str, limit: int) -> list[LeaderboardRow]:
        # The board from its top, highest points first (listed by member id among equals); the ranks are core's.
        rows = await self._db.fetch(
            "SELECT t.member_id, t.points, t.answers, COALESCE(m.display_name, t.member_id) AS name "
            "FROM totals t LEFT JOIN members m ON m.platform = t.platform AND m.guild_id = t.guild_id "
            "AND m.member_id = t.member_id WHERE t.platform = $1 AND t.guild_id = $2 AND t.period = $3 "
            "ORDER BY t.points DESC, t.member_id LIMIT $4",
            guild.platform,
            guild.guild_id,
            period,
            limit if limit >= 0 else None,  # as SQLite: a negative limit is none
        )
        return leaderboard_rows(rows)

    async def standing(self, guild: GuildKey, period: str, member_id: str) -> LeaderboardRow | None:
        # The ranking policy needs how many members have more points than the caller: a count over a range of
        # the totals_ranking index.
        row = await self._db.fetchrow(
            "SELECT t.points, t.answers, COALESCE(m.display_name, t.member_id) AS name, "
            "(SELECT COUNT(*) FROM totals o WHERE o.platform = t.platform AND o.guild_id = t.guild_id "
            " AND o.period = t.period AND o.points > t.points) AS ahead "
            "FROM totals t "
            "LEFT JOIN members m ON m.platform = t.platform AND m.guild_id = t.guild_id AND m.member_id = t.member_id "
            "WHERE t.platform = $1 AND t.guild_id = $2 AND t.period = $3 AND t.member_id = $4",
            guild.platform,
            guild.guild_id,
            period,
            member_id,
        )
        if row is None:
            return None
        return LeaderboardRow(
            rank_of(int(row["ahead"])), Member(member_id, row["name"]), int(row["points"]), int(row["answers"])
        )

    async def member_count(self, guild: GuildKey, period: str) -> int:
        value = await self._db.fetchval(
            "SELECT COUNT(*) FROM totals WHERE platform = $1 AND guild_id = $2 AND period = $3",
            guild.platform,
            guild.guild_id,
            period,
        )
        return int(value or 0)

    async def coverage_by_category(self, guild: GuildKey, member_id: str) -> list[CategoryCoverage]:
        rows = await self._db.fetch(
            "SELECT category, COUNT(*) AS n, AVG(coverage) AS avg FROM results "
            "WHERE platform = $1 AND guild_id = $2 AND member_id = $3 GROUP BY category ORDER BY category",
            guild.platform,
            guild.guild_id,
            member_id,
        )
        return [CategoryCoverage(r["category"], int(r["n"]), float(r["avg"])) for r in rows]

    async def streaks(self, guild: GuildKey, member_id: str) -> tuple[int, int]:
        """(current, best) over the guild's channels; a streak is current while its member answered the
        channel's latest revealed daily round."""
        rows = await self._db.fetch(
            "SELECT s.current, s.best, s.last_round_id, "
            "(SELECT MAX(r.id) FROM rounds r WHERE r.channel_ref = s.channel_ref AND r.kind = 'daily' "
            " AND r.state IN ('revealing', 'revealed')) AS latest "
            "FROM streaks s JOIN channels c ON c.id = s.channel_ref "
            "WHERE c.platform = $1 AND c.guild_id = $2 AND s.member_id = $3",
            guild.platform,
            guild.guild_id,
            member_id,
        )
        current = max((int(r["current"]) for r in rows if r["last_round_id"] == r["latest"]), default=0)
        best = max((int(r["best"]) for r in rows), default=0)
        return current, best

    async def member_name(self, guild: GuildKey, member_id: str) -> str | None:
        value = await self._db.fetchval(
            "SELECT display_name FROM members WHERE platform = $1 AND guild_id = $2 AND member_id = $3",
            guild.platform,
            guild.guild_id,
            member_id,
        )
        return None if value is None else str(value)


async def _guild_timezone(conn: Connection, round_: Round) -> str:
    value = await conn.fetchval(
        "SELECT timezone FROM guilds WHERE platform = $1 AND guild_id = $2",
        round_.channel.platform,
        round_.channel.guild_id,
    )
    return "UTC" if value is None else str(value)


async def _on_time_answers(conn: Connection, round_id: int) -> list[AnswerRecord]:
    rows = await conn.fetch(
        "SELECT a.id, a.member_id, a.text, a.private, a.message_id, "
        "COALESCE(m.display_name, a.member_id) AS name, "
        "(SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id) AS votes "
        "FROM answers a JOIN rounds r ON r.id = a.round_id JOIN channels c ON c.id = r.channel_ref "
        "LEFT JOIN members m ON m.platform = c.platform AND m.guild_id = c.guild_id AND m.member_id = a.member_id "
        "WHERE a.round_id = $1 AND NOT a.withdrawn AND NOT a.late ORDER BY a.created_at, a.id",
        round_id,
    )
    return [
        AnswerRecord(
            int(r["id"]),
            Member(r["member_id"], r["name"]),
            r["text"],
            r["private"],
            False,
            int(r["votes"]),
            r["message_id"],
        )
        for r in rows
    ]


async def _previous_daily_round(conn: Connection, round_: Round) -> int | None:
    value = await conn.fetchval(
        "SELECT MAX(id) FROM rounds WHERE channel_ref = $1 AND kind = 'daily' AND id < $2 "
        "AND state IN ('revealing', 'revealed')",
        round_.channel_ref,
        round_.id,
    )
    return None if value is None else int(value)


async def _streaks(conn: Connection, channel_ref: int, member_ids: list[str]) -> dict[str, StreakState]:
    if not member_ids:
        return {}
    rows = await conn.fetch(
        "SELECT member_id, current, best, last_round_id FROM streaks WHERE channel_ref = $1 "
        "AND member_id = ANY($2::text[])",
        channel_ref,
        member_ids,
    )
    return {r["member_id"]: StreakState(int(r["current"]), int(r["best"]), int(r["last_round_id"])) for r in rows}


def _json(values: Sequence[object]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


async def _store_results(
    conn: Connection, round_: Round, scored: Sequence[ScoredAnswer], category: str, week: str, month: str
) -> None:
    """A round's results and their leaderboard totals (statements pipelined by ``executemany``)."""
    if not scored:
        return
    key = round_.channel
    await conn.executemany(
        "INSERT INTO results (round_id, member_id, platform, guild_id, answer_id, category, covered, missed, "
        "named, contradicted, misconceptions, coverage, answer_points, coverage_points, vote_points, streak, "
        "streak_bonus, period_week, period_month) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        [
            (
                round_.id,
                item.member_id,
                key.platform,
                key.guild_id,
                item.answer_id,
                category,
                _json(item.covered),
                _json(item.missed),
                _json(item.named),
                _json(item.contradicted),
                _json([asdict(note) for note in item.misconceptions]),
                item.coverage,
                item.answer_points,
                item.coverage_points,
                item.vote_points,
                item.streak,
                item.streak_bonus,
                week,
                month,
            )
            for item in scored
        ],
    )
    totals = sorted((period, item.member_id, item.total) for item in scored for period in (ALL_TIME, week, month))
    await conn.executemany(
        "INSERT INTO totals (platform, guild_id, period, member_id, points, answers) VALUES ($1, $2, $3, $4, $5, 1) "
        "ON CONFLICT (platform, guild_id, period, member_id) DO UPDATE "
        "SET points = totals.points + excluded.points, answers = totals.answers + 1",
        [(key.platform, key.guild_id, period, member_id, points) for period, member_id, points in totals],
    )


async def _store_streaks(
    conn: Connection, round_: Round, scored: Sequence[ScoredAnswer], before: dict[str, StreakState]
) -> None:
    rows: list[tuple[int, str, int, int, int]] = []
    for item in scored:
        previous = before.get(item.member_id)
        best = max(item.streak, previous.best if previous else 0)
        rows.append((round_.channel_ref, item.member_id, item.streak, best, round_.id))
    if not rows:
        return
    rows.sort(key=lambda row: row[1])  # by member: concurrent writers lock rows in one order
    await conn.executemany(
        "INSERT INTO streaks (channel_ref, member_id, current, best, last_round_id) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (channel_ref, member_id) DO UPDATE SET current = excluded.current, best = excluded.best, "
        "last_round_id = excluded.last_round_id",
        rows,
    )


def _member_result(answer: AnswerRecord, item: ScoredAnswer) -> MemberResult:
    return MemberResult(
        member=answer.member, answer_text=answer.text, private=answer.private, late=False, **item.scored_fields()
    )
