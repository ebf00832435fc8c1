"""What only the PostgreSQL backend has: its migrations, exactly-once across processes, races the contract suite
does not reach (personal review's among them), ``db copy`` from SQLite, and the ``db`` commands on a server.

Every test here needs the test server (``QUIZBOT_TEST_POSTGRES``): skipped without one, failed under CI.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.cli import main
from bot.core.models import ChannelKey, DisputeState, Round, RoundState
from bot.core.ports.review_storage import RecordOutcome, ReviewRequest, ReviewStore
from bot.core.ports.storage import ALL_TIME, QuizStore
from bot.core.review.cards import CardKey, NewReview, Rating, ReviewPolicy, ReviewSource
from bot.core.review.settings import MemberSettings
from bot.storage.postgres.copy import REVIEW_TABLES, TABLES, CopyError, TargetNotEmpty, copy_sqlite_to_postgres
from bot.storage.postgres.database import SCHEMA_TABLES, MigrationError, load_migrations
from bot.storage.postgres.store import PostgresStorage
from bot.storage.review_backends import review_store_for
from bot.storage.sqlite.store import Storage
from tests.postgres import Database, Schema, with_query
from tests.storage.test_contract import (
    GUILD,
    KEY,
    T0,
    PeriodKeys,
    Rescorer,
    Scorer,
    answer,
    channel,
    decide,
    open_dispute,
    open_round,
    reveal,
    settings,
    vote,
)

ROOT = Path(__file__).resolve().parents[2]
POLICY = ReviewPolicy(fuzz=False)


def review_store(store: QuizStore) -> ReviewStore:
    found = review_store_for(store)
    assert found is not None
    return found


def round_review(member_id: str, round_: Round, rating: Rating = Rating.GOOD) -> ReviewRequest:
    """The review of the member's card of the round's question that its reveal records."""
    key = CardKey(GUILD, member_id, round_.deck_id, round_.question_id)
    review = NewReview(at=T0, rating=rating, source=ReviewSource.ROUND, round_id=round_.id, score=0.5)
    return ReviewRequest(POLICY.new_card(key, category="basics", now=T0), review, create=True)


@pytest.fixture
async def schema() -> AsyncIterator[Schema]:
    created = await Schema().create()
    yield created
    await created.drop()


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    created = await Database().create()
    yield created
    await created.drop()


@pytest.fixture
async def target(database: Database) -> AsyncIterator[PostgresStorage]:
    """An open store on a fresh, empty database: the target of a copy."""
    store = await PostgresStorage(database.url).open()
    yield store
    await store.close()


@pytest.fixture
async def stores(schema: Schema) -> AsyncIterator[list[PostgresStorage]]:
    """Three stores (three pools) on one schema, as three bot processes would have."""
    opened = [await PostgresStorage(schema.url).open() for _ in range(3)]
    yield opened
    for store in opened:
        await store.close()


# -- migrations -----------------------------------------------------------------------------------------------


async def test_a_new_database_gets_every_migration_once_and_reopening_applies_nothing(schema: Schema) -> None:
    for _ in range(2):
        store = await PostgresStorage(schema.url).open()
        assert await store.db.schema_version() == len(load_migrations())
        assert await store.db.fetchval("SELECT COUNT(*) FROM schema_version") == len(load_migrations())
        assert await store.db.check() == []
        await store.close()


async def test_processes_starting_together_migrate_once(schema: Schema) -> None:
    opened = await asyncio.gather(*(PostgresStorage(schema.url).open() for _ in range(4)))
    assert await opened[0].db.fetchval("SELECT COUNT(*) FROM schema_version") == len(load_migrations())
    for store in opened:
        await store.close()


async def test_a_schema_newer_than_the_program_is_refused_and_nothing_is_left_open(schema: Schema) -> None:
    store = await PostgresStorage(schema.url).open()
    await store.db.fetchval("INSERT INTO schema_version (version, name) VALUES (99, 'future') RETURNING 1")
    await store.close()
    later = PostgresStorage(schema.url)
    with pytest.raises(MigrationError, match="schema version 99 is newer"):
        await later.open()
    with pytest.raises(RuntimeError, match="not open"):
        await later.channels.all()


def test_the_copy_fills_every_table_the_migrations_make() -> None:
    assert tuple(table.name for table in TABLES) == SCHEMA_TABLES


async def test_text_is_ordered_as_sqlite_orders_it_whatever_the_databases_collation() -> None:
    """A database made with a linguistic collation (ICU en-US, where 'a' < 'B' < '_z') still lists by bytes."""
    members = ["b", "B", "a", "_z", "Z", "\uac00"]
    database = await Database().create("TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'")
    try:
        store = await PostgresStorage(database.url).open()
        try:
            round_ = await open_round(store, await channel(store))
            for member in members:
                await answer(store, round_, member, "10")
            await reveal(store, round_, category="basics")
            other = await open_round(store, (await store.channels.get(KEY)) or pytest.fail(), question="q2")
            await answer(store, other, "a", "10")
            await reveal(store, other, category="Attention")
            board = [row.member.member_id for row in await store.results.top(GUILD, ALL_TIME, 10)]
            assert board == ["a", "B", "Z", "_z", "b", "\uac00"]  # 20 points, then equals by member id
            assert [c.category for c in await store.results.coverage_by_category(GUILD, "a")] == ["Attention", "basics"]
        finally:
            await store.close()
    finally:
        await database.drop()


# -- exactly once, whatever races -------------------------------------------------------------------------------


async def test_bot_processes_sharing_the_database_claim_answer_and_reveal_exactly_once(schema: Schema) -> None:
    store = await PostgresStorage(schema.url).open()
    ch = await channel(store)
    slots, names = 12, ["p1", "p2", "p3"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.storage.pg_race",
            schema.url,
            str(ch.ref),
            str(slots),
            name,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for name in names
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert await asyncio.wait_for(process.stdout.readline(), 60) == b"ready\n"
        for process in processes:  # all at once
            assert process.stdin is not None
            process.stdin.write(b"go\n")
        outputs = await asyncio.wait_for(asyncio.gather(*(process.communicate() for process in processes)), 120)
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
    assert [process.returncode for process in processes] == [0, 0, 0]
    won = [json.loads(out.decode().splitlines()[-1]) for out, _ in outputs]
    claimed = sorted(i for w in won for i in w["claimed"])
    revealed = sorted(i for w in won for i in w["revealed"])
    rounds = await store.rounds.in_states(*RoundState)
    assert claimed == list(range(slots))  # each slot posted by exactly one process
    assert revealed == sorted(r.id for r in rounds)  # each round revealed by exactly one process
    for round_ in rounds:
        outcome = await store.results.outcome(round_.id)
        assert outcome is not None and outcome.round.state is RoundState.REVEALING
        # Every process answered every round once: scored if it came before the reveal, late after, never lost.
        scored = {r.member.member_id for r in outcome.results}
        late = {a.member.member_id for a in await store.answers.for_round(round_.id) if a.late}
        assert sorted(scored | late) == names and not scored & late
    scored_answers: dict[str, int] = {}
    for round_ in rounds:
        outcome = await store.results.outcome(round_.id)
        assert outcome is not None
        for result in outcome.results:
            scored_answers[result.member.member_id] = scored_answers.get(result.member.member_id, 0) + 1
    board = {row.member.member_id: row.answers for row in await store.results.top(GUILD, ALL_TIME, 10)}
    assert board == scored_answers
    await store.close()


async def test_reveals_answers_and_votes_racing_through_three_stores_stay_consistent(
    stores: list[PostgresStorage],
) -> None:
    first = stores[0]
    ch = await channel(first)
    rounds = [await open_round(first, ch, question=f"q{i}") for i in range(6)]
    for round_ in rounds:
        for member in ("alice", "bob", "carol"):
            await answer(first, round_, member, "10")

    async def vote_all(store: QuizStore, round_: Round, voter: str) -> None:
        for member in ("alice", "bob", "carol"):
            if member != voter:
                await vote(store, round_, f"{member}-{round_.id}", voter)

    work = []
    for n, round_ in enumerate(rounds):
        for i, store in enumerate(stores):
            work.append(reveal_or_none(store, round_))
            work.append(vote_all(store, round_, ("alice", "bob", "carol")[(n + i) % 3]))
            work.append(answer(store, round_, f"late-{i}", "5"))
    await asyncio.gather(*work)

    # Each answer's vote points are what its votes give, whichever side of the reveal each vote landed on, and
    # every total is the sum of its member's results.
    totals = {row.member.member_id: row.points for row in await first.results.top(GUILD, ALL_TIME, 100)}
    sums: dict[str, int] = {}
    for round_ in rounds:
        outcome = await first.results.outcome(round_.id)
        assert outcome is not None
        votes = {a.member.member_id: a.votes for a in await first.answers.for_round(round_.id)}
        for result in outcome.results:
            assert result.vote_points == 2 * votes[result.member.member_id]
            sums[result.member.member_id] = sums.get(result.member.member_id, 0) + result.total
    assert totals == sums


async def reveal_or_none(store: QuizStore, round_: Round) -> None:
    await store.results.reveal(round_.id, T0, Scorer(), PeriodKeys(), "basics")


async def test_two_disputes_of_one_answer_decided_at_once_rescore_with_both(
    stores: list[PostgresStorage],
) -> None:
    first, second, _ = stores
    round_ = await open_round(first, await channel(first))
    await answer(first, round_, "alice", "20")
    await reveal(first, round_)
    alpha = await open_dispute(first, round_, "alpha")
    beta = await open_dispute(first, round_, "beta")
    rescorers = [Rescorer(coverage_points=3), Rescorer(coverage_points=3)]
    await asyncio.gather(decide(first, alpha, rescorers[0]), decide(second, beta, rescorers[1]))
    # One decision re-scored with its own concept, the other (after it) with both: 0 -> 3 -> 3 in all.
    seen = sorted((sorted(accepted) for r in rescorers for _, accepted in r.calls), key=len)
    assert [len(concepts) for concepts in seen] == [1, 2]
    decided = await first.disputes.for_round(round_.id, DisputeState.ACCEPTED)
    assert sorted(d.points_delta for d in decided) == [0, 3]
    assert (await first.results.standing(GUILD, ALL_TIME, "alice")).points == 23  # type: ignore[union-attr]


async def test_closing_waits_for_a_reveal_under_way(schema: Schema) -> None:
    store = await PostgresStorage(schema.url).open()
    round_ = await open_round(store, await channel(store))
    await answer(store, round_, "alice", "20")
    revealing = asyncio.ensure_future(reveal(store, round_))
    await asyncio.sleep(0)
    await store.close()
    assert (await revealing).round.state is RoundState.REVEALING
    again = await PostgresStorage(schema.url).open()
    assert (await again.results.standing(GUILD, ALL_TIME, "alice")) is not None
    await again.close()


# -- personal review, whatever races ----------------------------------------------------------------------------


async def test_reveals_recording_reviews_through_three_stores_review_each_card_once_per_round(
    stores: list[PostgresStorage], caplog: pytest.LogCaptureFixture
) -> None:
    first = stores[0]
    ch = await channel(first)
    rounds = [await open_round(first, ch, question=f"q{i % 2}") for i in range(4)]  # two rounds per question
    members = ["alice", "bob", "carol", "dave"]
    calls = []
    for n, store in enumerate(stores * 2):
        # Half the callers name the members in the opposite order: the backend must not deadlock on the cards.
        order = members if n % 2 == 0 else members[::-1]
        for round_ in rounds:
            requests = [round_review(member, round_, Rating(1 + (n + i) % 4)) for i, member in enumerate(order)]
            calls.append(review_store(store).cards.record(requests, POLICY.replay))
    done = await asyncio.gather(*calls)

    outcomes = [r for call in done for r in call]
    assert {r.outcome for r in outcomes} == {RecordOutcome.RECORDED, RecordOutcome.DUPLICATE}
    recorded = sorted(
        (r.review.round_id, r.review.card_id) for r in outcomes if r.outcome is RecordOutcome.RECORDED and r.review
    )
    assert len(recorded) == len(set(recorded)) == len(rounds) * len(members)
    reviews = review_store(first)
    for member in members:
        cards = await reviews.cards.cards(GUILD, member)
        history = await reviews.cards.reviews(GUILD, member)
        assert len(cards) == 2 and [c.reviews for c in cards] == [2, 2]
        assert sorted(v.round_id for v in history if v.round_id is not None) == sorted(r.id for r in rounds)
        for card in cards:  # every card is what its reviews make it, whichever caller wrote last
            assert POLICY.replay(card, [v for v in history if v.card_id == card.id]) == card
    assert "deadlock" not in caplog.text  # the cards were locked in one order, not retried into agreement


async def test_a_practice_review_submitted_through_three_stores_counts_once(stores: list[PostgresStorage]) -> None:
    round_ = await open_round(stores[0], await channel(stores[0]))
    (first,) = await review_store(stores[0]).cards.record([round_review("alice", round_)], POLICY.replay)
    shown = first.card
    assert shown is not None
    practice = NewReview(at=shown.due, rating=Rating.GOOD, source=ReviewSource.PRACTICE, score=0.9)
    request = ReviewRequest(shown, practice, expected_reviews=shown.reviews)
    done = await asyncio.gather(
        *(review_store(store).cards.record([request], POLICY.replay) for store in stores for _ in range(3))
    )
    assert sorted(r.outcome for (r,) in done) == [RecordOutcome.RECORDED] + [RecordOutcome.STALE] * 8
    card = await review_store(stores[1]).cards.card(shown.key)
    assert card is not None and card.reviews == 2


async def test_a_reminder_raced_through_three_stores_is_claimed_once_per_member_and_day(
    stores: list[PostgresStorage],
) -> None:
    day = dt.date(2025, 3, 5)
    members = ["alice", "bob"]
    claims = [
        (member, review_store(store).reminders.claim(GUILD, member, day, T0))
        for store in stores
        for member in members
        for _ in range(3)
    ]
    won = await asyncio.gather(*(claim for _, claim in claims))
    assert sorted(member for (member, _), claimed in zip(claims, won, strict=True) if claimed) == members
    assert not await review_store(stores[0]).reminders.claim(GUILD, "alice", day, T0)


async def test_forgetting_a_member_while_others_vote_and_a_round_is_revealed_keeps_the_board_right(
    stores: list[PostgresStorage], caplog: pytest.LogCaptureFixture
) -> None:
    first, second, third = stores
    ch = await channel(first)
    done_round = await open_round(first, ch, question="q1")
    live_round = await open_round(first, ch, question="q2")
    for round_ in (done_round, live_round):
        for member in ("alice", "bob", "carol"):
            await answer(first, round_, member, "10")
    await vote(first, done_round, f"alice-{done_round.id}", "bob")
    await reveal(first, done_round)
    await review_store(first).cards.record([round_review("bob", done_round)], POLICY.replay)

    async def votes() -> None:
        for round_ in (done_round, live_round):
            for voter, author in (("alice", "bob"), ("carol", "bob"), ("carol", "alice"), ("alice", "carol")):
                await vote(second, round_, f"{author}-{round_.id}", voter)

    forgotten = review_store(first).eraser.forget_member(GUILD, "bob", lambda n: 2 * n)
    report, *_ = await asyncio.gather(forgotten, votes(), reveal_or_none(third, live_round))

    assert report.deleted["review_cards"] == 1 and report.deleted["answers"] >= 1
    for table in ("answers", "results", "totals", "review_cards", "votes"):
        column = "voter_id" if table == "votes" else "member_id"
        assert await first.db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {column} = 'bob'") == 0, table
    totals = {row.member.member_id: row.points for row in await first.results.top(GUILD, ALL_TIME, 100)}
    sums: dict[str, int] = {}
    for round_ in (done_round, live_round):
        outcome = await first.results.outcome(round_.id)
        assert outcome is not None
        counted = {a.member.member_id: a.votes for a in await first.answers.for_round(round_.id)}
        for result in outcome.results:
            assert result.member.member_id != "bob"
            assert result.vote_points == 2 * counted[result.member.member_id]
            sums[result.member.member_id] = sums.get(result.member.member_id, 0) + result.total
    assert totals == sums
    assert "deadlock" not in caplog.text


# -- db copy ----------------------------------------------------------------------------------------------------


async def fill(store: QuizStore) -> list[Round]:
    """A little of everything: revealed and open rounds, late, private and withdrawn answers, edits, votes,
    results, streaks, accepted and open disputes, a paused channel in another guild."""
    ch = await channel(store)
    elsewhere = settings(ChannelKey("fake", "guild-2", "channel-9"), decks=("deck", "다른"), paused=True, enabled=False)
    other = await store.channels.save(elsewhere, "Europe/Berlin", T0)
    revealed = await open_round(store, ch, slot=T0)
    await answer(store, revealed, "alice", "20", message_id="a1")
    await answer(store, revealed, "bob", "15", message_id="b1")
    await answer(store, revealed, "carol", "12", private=True)
    await answer(store, revealed, "dave", "9", message_id="d1")
    await store.answers.withdraw(revealed.id, "d1", T0)
    await store.answers.edit(revealed.id, "b1", "16", T0)
    await vote(store, revealed, "a1", "bob")
    await reveal(store, revealed)
    await store.rounds.mark_revealed(revealed.id, T0 + dt.timedelta(hours=3))
    await answer(store, revealed, "erin", "답", message_id="e1")  # late
    await vote(store, revealed, "b1", "alice")
    await decide(store, await open_dispute(store, revealed, "alpha"), Rescorer(coverage_points=4))
    await open_dispute(store, revealed, "beta", member_id="bob")
    second = await open_round(store, ch, slot=T0 + dt.timedelta(days=1), question="q2")
    await answer(store, second, "alice", "30", message_id="a2")
    await reveal(store, second)
    still_open = await open_round(store, ch, question="q3")
    await answer(store, still_open, "bob", "7", message_id="b3")
    cancelled = await open_round(store, other, question="q4")
    await store.rounds.cancel(cancelled.id)
    await store.rounds.note_post_attempt(still_open.id)
    await store.rounds.start_new_cycle(ch.ref, 0)
    await fill_reviews(review_store(store), revealed, second)
    return [revealed, second, still_open, cancelled]


async def fill_reviews(reviews: ReviewStore, revealed: Round, second: Round) -> None:
    """Personal review: reviewed, practised, corrected and new cards, settings, a reminder sent, the job's mark."""
    recorded = await reviews.cards.record(
        [round_review("alice", revealed), round_review("bob", revealed, Rating.AGAIN), round_review("alice", second)],
        POLICY.replay,
    )
    alice = recorded[-1].card
    assert alice is not None
    practice = NewReview(at=alice.due, rating=Rating.EASY, source=ReviewSource.PRACTICE, score=0.95)
    await reviews.cards.record([ReviewRequest(alice, practice, expected_reviews=alice.reviews)], POLICY.replay)
    bob = recorded[1].review
    assert bob is not None
    await reviews.cards.rerate(GUILD, "bob", bob.id, Rating.GOOD, POLICY.replay)
    await reviews.cards.add_cards([POLICY.new_card(CardKey(GUILD, "carol", "deck", "다른"), category="기초", now=T0)])
    await reviews.settings.save(
        MemberSettings(guild=GUILD, member_id="alice", timezone="Europe/Berlin", reminders=True, streak_freezes=0),
        T0,
    )
    await reviews.settings.save(MemberSettings(guild=GUILD, member_id="bob", opted_in=True), T0)
    assert await reviews.reminders.claim(GUILD, "alice", dt.date(2025, 3, 5), T0)
    await reviews.reminders.mark_run("reminders", T0 + dt.timedelta(hours=1))


async def everything(store: QuizStore, rounds: list[Round]) -> list[object]:
    """What the port reads back of ``fill``'s data."""
    seen: list[object] = [await store.channels.all(), await store.rounds.in_states(*RoundState)]
    seen.append(await store.rounds.channel_cycle(rounds[0].channel_ref))
    seen.append(await store.rounds.latest_daily_slot(rounds[0].channel_ref))
    for round_ in rounds:
        seen.append(await store.answers.for_round(round_.id))
        seen.append(await store.results.outcome(round_.id))
        seen.append(await store.disputes.for_round(round_.id))
        for record in await store.answers.for_round(round_.id):
            seen.append(await store.answers.history(record.answer_id))
    for period in (ALL_TIME, "W2025-03-03", "M2025-03"):
        seen.append(await store.results.top(GUILD, period, 10))
        seen.append(await store.results.member_count(GUILD, period))
    for member in ("alice", "bob", "carol", "dave", "erin"):
        seen.append(await store.results.standing(GUILD, ALL_TIME, member))
        seen.append(await store.results.streaks(GUILD, member))
        seen.append(await store.results.coverage_by_category(GUILD, member))
        seen.append(await store.results.member_name(GUILD, member))
    seen.append(await store.disputes.accepted_wordings())
    reviews = review_store(store)
    for member in ("alice", "bob", "carol", "dave", "erin"):
        seen.append(await reviews.cards.cards(GUILD, member))
        seen.append(await reviews.cards.reviews(GUILD, member))
        seen.append(await reviews.settings.get(GUILD, member))
        seen.append(await reviews.history.member_results(GUILD, member))
    seen.append(await reviews.settings.opted_in(GUILD))
    seen.append(await reviews.settings.with_reminders())
    seen.append(await reviews.history.accuracy(GUILD, ALL_TIME))
    seen.append(await reviews.history.channel_results(rounds[0].channel_ref))
    seen.append(await reviews.reminders.last_run("reminders"))
    return seen


async def test_db_copy_moves_every_table_with_its_ids_and_the_port_reads_the_same(
    tmp_path: Path, target: PostgresStorage
) -> None:
    path = tmp_path / "quiz.sqlite3"
    source = await Storage(path).open()
    rounds = await fill(source)
    before = await everything(source, rounds)
    await source.close()

    counts = await copy_sqlite_to_postgres(path, target.db)
    with sqlite3.connect(path) as conn:
        expected = {t.name: conn.execute(f"SELECT COUNT(*) FROM {t.name}").fetchone()[0] for t in TABLES}
    assert counts == expected and all(counts.values())
    assert await everything(target, rounds) == before

    # New rows get ids past the copied ones.
    ch = await target.channels.get(KEY)
    assert ch is not None
    newer = await open_round(target, ch, question="q9")
    assert newer.id > max(r.id for r in rounds)
    receipt = await answer(target, newer, "zed", "1")
    copied = [a.answer_id for r in rounds for a in await target.answers.for_round(r.id) if r.id != newer.id]
    assert receipt is not None and receipt.answer_id > max(copied)
    reviews = review_store(target)
    old_cards = [c.id for m in ("alice", "bob", "carol") for c in await reviews.cards.cards(GUILD, m)]
    old_reviews = [v.id for m in ("alice", "bob") for v in await reviews.cards.reviews(GUILD, m)]
    (fresh,) = await reviews.cards.record([round_review("zed", newer)], POLICY.replay)
    assert fresh.card is not None and fresh.card.id > max(old_cards)
    assert fresh.review is not None and fresh.review.id > max(old_reviews)
    # The copied reminder record still holds its claim.
    assert not await reviews.reminders.claim(GUILD, "alice", dt.date(2025, 3, 5), T0)


async def test_db_copy_refuses_a_database_that_is_not_empty_and_changes_nothing(
    tmp_path: Path, target: PostgresStorage
) -> None:
    path = tmp_path / "quiz.sqlite3"
    source = await Storage(path).open()
    await fill(source)
    await source.close()
    await channel(target)
    with pytest.raises(TargetNotEmpty, match=r"channels \(1 rows\)"):
        await copy_sqlite_to_postgres(path, target.db)
    assert len(await target.channels.all()) == 1
    assert await target.rounds.in_states(*RoundState) == []


async def test_db_copy_keeps_nothing_when_postgresql_refuses_a_row(tmp_path: Path, target: PostgresStorage) -> None:
    path = tmp_path / "quiz.sqlite3"
    source = await Storage(path).open()
    await fill(source)
    await source.close()
    with sqlite3.connect(path) as conn:  # a vote whose answer is gone: SQLite without foreign keys allowed it
        conn.execute("INSERT INTO votes (answer_id, voter_id, at) VALUES (9999, 'ghost', '2025-03-05T00:00:00+00:00')")
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await copy_sqlite_to_postgres(path, target.db)
    assert await target.channels.all() == []  # the copy was one transaction


async def test_db_copy_refuses_rows_of_a_table_postgresql_does_not_have(
    tmp_path: Path, target: PostgresStorage
) -> None:
    path = tmp_path / "quiz.sqlite3"
    await (await Storage(path).open()).close()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE someday (x INTEGER)")
        conn.execute("INSERT INTO someday VALUES (1)")
    with pytest.raises(CopyError, match="tables the PostgreSQL backend does not have: someday"):
        await copy_sqlite_to_postgres(path, target.db)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM someday")
    assert await copy_sqlite_to_postgres(path, target.db) == {table.name: 0 for table in TABLES}  # nothing lost


async def test_db_copy_without_reviews_leaves_personal_review_behind(tmp_path: Path, target: PostgresStorage) -> None:
    path = tmp_path / "quiz.sqlite3"
    source = await Storage(path).open()
    rounds = await fill(source)
    await source.close()

    counts = await copy_sqlite_to_postgres(path, target.db, without_reviews=True)

    with sqlite3.connect(path) as conn:
        expected = {t.name: conn.execute(f"SELECT COUNT(*) FROM {t.name}").fetchone()[0] for t in TABLES}
    assert all(expected[name] for name in REVIEW_TABLES)  # there was review data to leave
    assert counts == {name: n for name, n in expected.items() if name not in REVIEW_TABLES}
    for name in REVIEW_TABLES:
        assert await target.db.fetchval(f"SELECT COUNT(*) FROM {name}") == 0, name
    assert await target.results.outcome(rounds[0].id) is not None
    reviews = review_store(target)
    assert await reviews.cards.cards(GUILD, "alice") == []
    assert await reviews.settings.get(GUILD, "alice") is None
    assert await reviews.reminders.last_run("reminders") is None


# -- the db commands on PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "SLACK_", "QUIZBOT_")) and name != "QUIZBOT_TEST_POSTGRES":
            monkeypatch.delenv(name)
    config = tmp_path / "quizbot.yaml"
    config.write_text("language: en\n", encoding="utf-8")
    monkeypatch.setenv("QUIZBOT_CONFIG", str(config))
    return tmp_path


async def test_the_db_copy_command_copies_then_the_bot_reads_it_from_postgresql(
    clean_env: Path, database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = clean_env / "quiz.sqlite3"
    source = await Storage(path).open()
    rounds = await fill(source)
    before = await everything(source, rounds)
    await source.close()
    monkeypatch.setenv("QUIZBOT_DB", str(path))
    password = _password(database.url)

    assert await asyncio.to_thread(main, ["db", "copy", "--to", database.url]) == 0
    out, err = capsys.readouterr()
    assert "copied and verified" in out and "  rounds: 4 rows" in out and "  review_cards: 4 rows" in out
    assert err == ""
    assert password not in out

    # Again: the target is not empty any more, and nothing changes.
    assert await asyncio.to_thread(main, ["db", "copy", "--to", database.url]) == 2
    out, err = capsys.readouterr()
    assert "nothing copied: the PostgreSQL database is not empty" in err and password not in out + err

    monkeypatch.setenv("QUIZBOT_DB", database.url)
    assert await asyncio.to_thread(main, ["db", "check"]) == 0
    assert "ok: PostgreSQL 1" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["db", "migrate"]) == 0
    assert capsys.readouterr().out == f"schema version {len(load_migrations())}\n"
    assert await asyncio.to_thread(main, ["db", "backup", str(clean_env / "b.dump")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and password not in err
    store = await PostgresStorage(database.url).open()
    assert await everything(store, rounds) == before
    await store.close()


async def test_the_db_copy_command_leaves_personal_review_behind_when_told_to(
    clean_env: Path, database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = clean_env / "quiz.sqlite3"
    source = await Storage(path).open()
    await fill(source)
    await source.close()
    monkeypatch.setenv("QUIZBOT_DB", str(path))

    assert await asyncio.to_thread(main, ["db", "copy", "--to", database.url, "--without-reviews"]) == 0
    out = capsys.readouterr().out
    assert "  rounds: 4 rows" in out and "review_cards" not in out and "member_settings" not in out
    store = await PostgresStorage(database.url).open()
    try:
        assert await store.results.standing(GUILD, ALL_TIME, "alice") is not None
        assert await review_store(store).cards.cards(GUILD, "alice") == []
    finally:
        await store.close()


async def test_db_commands_name_an_unreachable_server_without_its_password(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://quiz:s3cret@127.0.0.1:1/quiz"
    monkeypatch.setenv("QUIZBOT_DB", url)
    assert await asyncio.to_thread(main, ["db", "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cannot use the PostgreSQL database postgresql://quiz:***@127.0.0.1:1/quiz: ")
    (clean_env / "q.sqlite3").touch()
    assert await asyncio.to_thread(main, ["db", "copy", "--from", str(clean_env / "q.sqlite3"), "--to", url]) == 2
    assert "s3cret" not in capsys.readouterr().err


def _password(url: str) -> str:
    userinfo = url.split("://", 1)[1].rpartition("@")[0]
    return userinfo.partition(":")[2] or "no password in the test URL"


def test_a_url_keeps_its_server_settings() -> None:
    assert with_query("postgresql://h/db?sslmode=disable", search_path="s") == (
        "postgresql://h/db?sslmode=disable&search_path=s"
    )
