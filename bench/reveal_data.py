"""The reveal benchmark's database: open rounds falling due evenly over a window, with answers to grade."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bench.answers import MemberAnswers
from bench.harness import PLATFORM, load_catalog
from bench.history import ANSWER_TEXT
from bot.core.grading import GradingService
from bot.core.grading.judgements import AnswerJudgement, text_key
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.store import Storage
from bot.storage.sqlite.timeutil import from_db, to_db

CHANNELS_PER_GUILD = 10
ONE_QUESTION = ("dl-interview-ko", "batch-normalization", "basics")

QuestionMix = Literal["one", "all"]
AnswerStyle = Literal["fixed", "members"]


@dataclass(frozen=True)
class RevealShape:
    """How many rounds fall due over how long, which questions they ask and what their answers look like.

    ``questions``: ``one`` asks every round the same question, ``all`` draws each round's from the whole shipped
    deck. ``answers``: ``fixed`` cuts one short sentence (``ANSWER_TEXT``) at random lengths, ``members`` writes
    distinct member-style answers to each round's question (``bench.answers``). ``large_round``: answers of one
    round due mid-window, beside the others' ``answers_per_round`` (0: none larger). ``graded``: the answers were
    graded as they arrived, hours before the reveal, and their judgements stored (``store_judgements``), as the
    bot does; if not, every reveal grades all its answers."""

    rounds: int
    answers_per_round: int
    window: float
    questions: QuestionMix = "all"
    answers: AnswerStyle = "members"
    large_round: int = 0
    graded: bool = True

    def answer_count(self, index: int) -> int:
        return self.large_round if self.large_round and index == self.large_index else self.answers_per_round

    @property
    def large_index(self) -> int:
        return self.rounds // 2


async def _create_schema(path: Path) -> None:
    database = Database(path)
    await database.open()
    await database.close()


def _questions(mix: QuestionMix) -> list[tuple[str, str, str]]:
    if mix == "one":
        return [ONE_QUESTION]
    catalog = load_catalog()
    return [(deck, q.id, q.category) for deck in catalog.deck_ids for q in catalog.questions([deck])]


def build_database(path: Path, shape: RevealShape, *, first_due: dt.datetime) -> int:
    """One open on-demand round in each of ``shape.rounds`` channels, due evenly over ``shape.window`` seconds
    from ``first_due``; returns the id of the large round (0 if none)."""
    rng = random.Random(11)
    catalog = load_catalog()
    members = MemberAnswers(random.Random(13)) if shape.answers == "members" else None
    asked = _questions(shape.questions)
    asyncio.run(_create_schema(path))
    opened = to_db(first_due - dt.timedelta(minutes=10))
    guilds = (shape.rounds + CHANNELS_PER_GUILD - 1) // CHANNELS_PER_GUILD
    guild_members = [0] * guilds
    round_rows: list[tuple[object, ...]] = []
    answer_rows: list[tuple[object, ...]] = []
    for i in range(shape.rounds):
        deck_id, question_id, category = asked[rng.randrange(len(asked))]
        count = shape.answer_count(i)
        guild_members[i // CHANNELS_PER_GUILD] = max(guild_members[i // CHANNELS_PER_GUILD], count)
        due = first_due + dt.timedelta(seconds=shape.window * i / shape.rounds)
        round_rows.append((i + 1, i + 1, deck_id, question_id, category, opened, to_db(due), f"m{i}", f"t{i}"))
        if members is not None:
            texts = members.for_round(catalog.question(deck_id, question_id), count)
        else:
            texts = [ANSWER_TEXT[: rng.randint(20, len(ANSWER_TEXT))] for _ in range(count)]
        answer_rows.extend((i + 1, f"u{m}", f"a{i}-{m}", text, opened) for m, text in enumerate(texts))
    rng.shuffle(round_rows)  # reveals due in a different order from the ids
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO guilds (platform, guild_id, timezone) VALUES (?, ?, 'Asia/Seoul')",
            [(PLATFORM, f"g{g}") for g in range(guilds)],
        )
        conn.executemany(
            "INSERT INTO channels (id, platform, guild_id, channel_id, post_time, weekdays, timezone, "
            "daily_reveal_seconds, ondemand_reveal_seconds, decks, enabled, created_at) "
            "VALUES (?, ?, ?, ?, '09:00', '0123456', 'Asia/Seoul', 28800, 600, '[]', 0, ?)",
            [(i + 1, PLATFORM, f"g{i // CHANNELS_PER_GUILD}", f"c{i}", opened) for i in range(shape.rounds)],
        )
        conn.executemany(
            "INSERT INTO members (platform, guild_id, member_id, display_name) VALUES (?, ?, ?, ?)",
            [(PLATFORM, f"g{g}", f"u{m}", f"member {m}") for g in range(guilds) for m in range(guild_members[g])],
        )
        conn.executemany(
            "INSERT INTO rounds (id, channel_ref, kind, state, deck_id, question_id, category, cycle, opened_at, "
            "reveal_at, message_id, thread_id, post_attempts) "
            "VALUES (?, ?, 'ondemand', 'open', ?, ?, ?, 0, ?, ?, ?, ?, 1)",
            round_rows,
        )
        conn.executemany(
            "INSERT INTO answers (round_id, member_id, message_id, text, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?5, ?5)",
            answer_rows,
        )
        conn.execute(
            "INSERT INTO answer_revisions (answer_id, action, text, at) SELECT id, 'create', text, created_at "
            "FROM answers"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return shape.large_index + 1 if shape.large_round else 0


async def store_judgements(path: Path, *, chunk: int = 512) -> int:
    """Grade every answer in the database and store its judgement, as the bot does when answers arrive (through
    the grading worker and the storage layer); how many were stored. Answers arrive hours before their reveal, so
    the reveal finds them graded."""
    rows = _answers_to_grade(path)
    catalog = load_catalog()
    grading = GradingService()
    storage = await Storage(path).open()
    stored = 0
    try:
        by_question: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for answer_id, deck_id, question_id, text in rows:
            by_question.setdefault((deck_id, question_id), []).append((answer_id, text))
        for (deck_id, question_id), answers in by_question.items():
            question = catalog.question(deck_id, question_id)
            fingerprint = grading.fingerprint(deck_id, question)
            for start in range(0, len(answers), chunk):
                part = answers[start : start + chunk]
                judgements = await grading.grade_many(question, [text for _, text in part])
                stored += await storage.judgements.save(
                    [
                        AnswerJudgement(answer_id, text_key(text), fingerprint, judgement)
                        for (answer_id, text), judgement in zip(part, judgements, strict=True)
                    ]
                )
    finally:
        await storage.close()
    return stored


def _answers_to_grade(path: Path) -> list[tuple[int, str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return [
            (int(answer_id), deck_id, question_id, text)
            for answer_id, deck_id, question_id, text in conn.execute(
                "SELECT a.id, r.deck_id, r.question_id, a.text FROM answers a JOIN rounds r ON r.id = a.round_id "
                "WHERE NOT a.late ORDER BY a.id"
            )
        ]
    finally:
        conn.close()


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a prepared database, for one run to reveal."""
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def retime(path: Path, first_due: dt.datetime) -> None:
    """Move every round's times so that the first reveal falls due at ``first_due``, keeping their spacing."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        rows = conn.execute("SELECT id, opened_at, reveal_at FROM rounds").fetchall()
        if not rows:
            return
        shift = first_due - min(from_db(reveal_at) for _, _, reveal_at in rows)
        conn.execute("BEGIN")
        conn.executemany(
            "UPDATE rounds SET opened_at = ?, reveal_at = ? WHERE id = ?",
            [(to_db(from_db(opened) + shift), to_db(from_db(due) + shift), id_) for id_, opened, due in rows],
        )
        conn.execute("COMMIT")
