"""A bench-only generator of long histories: two years of daily rounds in one server, written straight into
the SQLite file with bulk inserts, consistent with what the bot itself would have stored.

Every table the leaderboard and statistics read is filled as the bot fills it: revealed rounds, answers with
their first revision, scored results (coverage points, streaks and streak bonuses by the real scoring rules,
leaderboard period keys in the guild's timezone), ``totals`` summed from those results, members and streaks.
Votes are left out (vote points are 0), so no result depends on a vote row that does not exist.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.harness import PLATFORM, load_catalog
from bot.core.models import Period
from bot.core.scoring import ScoringRules, period_key, streak_bonus
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.timeutil import to_db

GENERATOR_VERSION = 2
GUILD = "guild"
TIMEZONE = "Asia/Seoul"
ANSWER_TEXT = "기울기 소실을 막으려고 ReLU를 씁니다. 시그모이드는 포화되어 기울기가 사라집니다."
_COVERAGES = (0.0, 0.25, 0.5, 0.75, 1.0)
_ROWS_PER_FLUSH = 50_000


@dataclass(frozen=True)
class HistoryShape:
    """How big a history is: answers in all, distinct members, channels and days of daily rounds."""

    answers: int
    members: int
    channels: int = 4
    days: int = 730
    regulars: int = 0  # members who answer every round of every channel: the longest statistics there are

    @classmethod
    def for_answers(cls, answers: int, *, max_members: int = 100_000) -> HistoryShape:
        """A server that grows with its history: a tenth as many members as answers, at most ``max_members``."""
        shape = cls(answers=answers, members=min(max_members, max(50, answers // 10)))
        per_round = answers // shape.rounds
        return dataclasses.replace(shape, regulars=min(20, per_round // 4))

    @property
    def rounds(self) -> int:
        return self.channels * self.days

    def member_id(self, index: int) -> str:
        # Platform ids are long digit strings of one length, so string order is numeric order.
        return str(10**17 + index)


@dataclass(frozen=True)
class History:
    """A generated database and what a benchmark needs to know about it."""

    path: Path
    shape: HistoryShape
    end: dt.datetime  # a moment just after the last round was revealed: "now" for the benchmark
    seconds: float  # how long generation took


def default_end() -> dt.datetime:
    return dt.datetime(2025, 11, 26, 12, 0, tzinfo=dt.UTC)


def generate(path: Path, shape: HistoryShape, *, end: dt.datetime | None = None, seed: int = 1) -> History:
    """Write ``shape``'s history into a new database at ``path`` (which must not exist)."""
    if path.exists():
        raise FileExistsError(path)
    end = end or default_end()
    started = time.perf_counter()
    asyncio.run(_create_schema(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # Bulk loading: no journal, no syncing, secondary indexes built once at the end.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("PRAGMA temp_store=MEMORY")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        _fill(conn, shape, end, random.Random(seed))
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    return History(path, shape, end, time.perf_counter() - started)


def load_or_generate(directory: Path, shape: HistoryShape, *, end: dt.datetime | None = None) -> History:
    """Reuse a history generated earlier into ``directory`` with the same shape, or generate it."""
    end = end or default_end()
    name = f"history-v{GENERATOR_VERSION}-{shape.answers}a-{shape.members}m-{shape.channels}c-{shape.days}d.sqlite3"
    path = directory / name
    done = path.with_suffix(".json")
    if path.exists() and done.exists():
        info = json.loads(done.read_text(encoding="utf-8"))
        return History(path, shape, dt.datetime.fromisoformat(info["end"]), float(info["seconds"]))
    for stale in (path, done, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    directory.mkdir(parents=True, exist_ok=True)
    history = generate(path, shape, end=end)
    done.write_text(json.dumps({"end": end.isoformat(), "seconds": history.seconds}), encoding="utf-8")
    return history


async def _create_schema(path: Path) -> None:
    database = Database(path)
    await database.open()
    await database.close()


@dataclass
class _Streak:
    current: int = 0
    best: int = 0
    last_index: int = -2  # the channel's round index (day) last answered


def _days(shape: HistoryShape, end: dt.datetime) -> Iterator[tuple[int, dt.datetime]]:
    # Rounds are posted at 09:00 in Seoul (00:00 UTC) and revealed eight hours later; the last one before ``end``.
    last = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if last + dt.timedelta(hours=8) > end:
        last -= dt.timedelta(days=1)
    first = last - dt.timedelta(days=shape.days - 1)
    for day in range(shape.days):
        yield day, first + dt.timedelta(days=day)


def _fill(conn: sqlite3.Connection, shape: HistoryShape, end: dt.datetime, rng: random.Random) -> None:
    rules = ScoringRules()
    entries = load_catalog().entries()
    created = to_db(end - dt.timedelta(days=shape.days + 1))
    conn.execute("INSERT INTO guilds (platform, guild_id, timezone) VALUES (?, ?, ?)", (PLATFORM, GUILD, TIMEZONE))
    conn.executemany(
        "INSERT INTO channels (id, platform, guild_id, channel_id, post_time, weekdays, timezone, "
        "daily_reveal_seconds, ondemand_reveal_seconds, decks, created_at) "
        "VALUES (?, ?, ?, ?, '09:00', '0123456', ?, 28800, 600, '[]', ?)",
        [(c + 1, PLATFORM, GUILD, f"channel-{c}", TIMEZONE, created) for c in range(shape.channels)],
    )
    conn.executemany(
        "INSERT INTO members (platform, guild_id, member_id, display_name) VALUES (?, ?, ?, ?)",
        ((PLATFORM, GUILD, shape.member_id(i), f"멤버 {i}") for i in range(shape.members)),
    )
    per_round, extra = divmod(shape.answers, shape.rounds)
    core = max(1, shape.members // 20)  # a keen minority answers far more often than the rest
    streaks: list[dict[int, _Streak]] = [{} for _ in range(shape.channels)]
    rounds: list[tuple[object, ...]] = []
    answers: list[tuple[object, ...]] = []
    revisions: list[tuple[object, ...]] = []
    results: list[tuple[object, ...]] = []
    round_id = answer_id = 0
    for day, slot in _days(shape, end):
        week = period_key(Period.WEEK, slot, TIMEZONE)
        month = period_key(Period.MONTH, slot, TIMEZONE)
        opened, reveal = to_db(slot), to_db(slot + dt.timedelta(hours=8))
        answered_at = to_db(slot + dt.timedelta(hours=1))
        for channel in range(shape.channels):
            round_id += 1
            entry = entries[(day + channel * 17) % len(entries)]
            category = entry.question.category
            rounds.append(
                (
                    round_id,
                    channel + 1,
                    entry.deck_id,
                    entry.question.id,
                    category,
                    day // len(entries),
                    opened,
                    opened,
                    reveal,
                    reveal,
                    f"m{round_id}",
                    f"t{round_id}",
                )
            )
            count = min(shape.members, per_round + (1 if round_id <= extra else 0))
            chosen = set(range(min(shape.regulars, count)))
            rest = count - len(chosen)
            keen = min(rest * 3 // 10, core - min(core, shape.regulars))
            if keen > 0:
                chosen.update(rng.sample(range(shape.regulars, max(core, shape.regulars + keen)), keen))
            while len(chosen) < count:
                chosen.update(rng.sample(range(shape.members), min(count - len(chosen), shape.members)))
            channel_streaks = streaks[channel]
            for index in sorted(chosen):
                answer_id += 1
                member_id = shape.member_id(index)
                answers.append((answer_id, round_id, member_id, f"a{answer_id}", ANSWER_TEXT, answered_at))
                revisions.append((answer_id, ANSWER_TEXT, answered_at))
                state = channel_streaks.get(index)
                if state is None:
                    state = channel_streaks[index] = _Streak()
                state.current = state.current + 1 if state.last_index == day - 1 else 1
                state.best = max(state.best, state.current)
                state.last_index = day
                coverage = rng.choice(_COVERAGES)
                results.append(
                    (
                        round_id,
                        member_id,
                        answer_id,
                        category,
                        coverage,
                        rules.answer,
                        int(rules.coverage * coverage + 0.5),
                        state.current,
                        streak_bonus(rules, state.current),
                        week,
                        month,
                    )
                )
            if len(answers) >= _ROWS_PER_FLUSH:
                _flush(conn, rounds, answers, revisions, results)
    _flush(conn, rounds, answers, revisions, results)
    for column in ("'all'", "period_week", "period_month"):
        conn.execute(
            f"INSERT INTO totals (platform, guild_id, period, member_id, points, answers) "
            f"SELECT platform, guild_id, {column}, member_id, "
            f"SUM(answer_points + coverage_points + vote_points + streak_bonus), COUNT(*) "
            f"FROM results GROUP BY platform, guild_id, {column}, member_id"
        )
    last_round_of_day = {day: day * shape.channels for day in range(shape.days)}
    conn.executemany(
        "INSERT INTO streaks (channel_ref, member_id, current, best, last_round_id) VALUES (?, ?, ?, ?, ?)",
        (
            (channel + 1, shape.member_id(index), s.current, s.best, last_round_of_day[s.last_index] + channel + 1)
            for channel, by_member in enumerate(streaks)
            for index, s in sorted(by_member.items())
        ),
    )


def _flush(
    conn: sqlite3.Connection,
    rounds: list[tuple[object, ...]],
    answers: list[tuple[object, ...]],
    revisions: list[tuple[object, ...]],
    results: list[tuple[object, ...]],
) -> None:
    conn.executemany(
        "INSERT INTO rounds (id, channel_ref, kind, state, deck_id, question_id, category, cycle, slot, opened_at, "
        "reveal_at, revealed_at, message_id, thread_id, post_attempts) "
        "VALUES (?, ?, 'daily', 'revealed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        rounds,
    )
    conn.executemany(
        "INSERT INTO answers (id, round_id, member_id, message_id, text, private, late, withdrawn, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 0, ?6, ?6)",
        answers,
    )
    conn.executemany("INSERT INTO answer_revisions (answer_id, action, text, at) VALUES (?, 'create', ?, ?)", revisions)
    conn.executemany(
        "INSERT INTO results (round_id, member_id, platform, guild_id, answer_id, category, covered, missed, "
        f"coverage, answer_points, coverage_points, vote_points, streak, streak_bonus, period_week, period_month) "
        f"VALUES (?1, ?2, '{PLATFORM}', '{GUILD}', ?3, ?4, '[]', '[]', ?5, ?6, ?7, 0, ?8, ?9, ?10, ?11)",
        results,
    )
    for batch in (rounds, answers, revisions, results):
        batch.clear()
