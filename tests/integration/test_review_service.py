"""Personal review through ``ReviewService`` on each backend (a real SQLite file, a fresh PostgreSQL schema):
cards from real reveals, overrides, personal reviews over 90 simulated days, stats, settings and reminders,
notebook, export, and forgetting a member while the others' leaderboard stays right."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.core.deck_schema import Question
from bot.core.decks import DeckCatalog
from bot.core.errors import UserError
from bot.core.grading import Judgement
from bot.core.models import ChannelKey, GuildKey, Period, RevealOutcome, Round
from bot.core.ports.review_storage import ReviewStore
from bot.core.ports.storage import QuizStore
from bot.core.review.cards import CardKey, Rating, ReviewPolicy, ReviewSource
from bot.core.review.export import COLUMNS
from bot.core.review.service import ReviewService
from bot.core.review.settings import SettingsChange
from bot.core.scheduler import QuizScheduler
from bot.core.scoring import ScoringRules
from bot.core.service import QuizService
from bot.storage.review_backends import review_store_for
from bot.storage.sqlite.store import Storage
from tests.conftest import SEOUL
from tests.integration.quiz_steps import UNRELATED, answer, answer_covering, daily_channel, labels
from tests.rawsql import fetchall, fetchone

pytestmark = pytest.mark.backends("sqlite", "postgresql")

SLOT = dt.datetime(2025, 3, 5, 9, 0, tzinfo=SEOUL)
DAILY_REVEAL = dt.timedelta(hours=8)
DAY = dt.timedelta(days=1)


def fake_translate(key: str, /, **values: object) -> str:
    return f"{key}{sorted(values.items())}" if values else key


@pytest.fixture
def guild(channel_key: ChannelKey) -> GuildKey:
    return GuildKey(channel_key.platform, channel_key.guild_id)


def review_store(storage: QuizStore) -> ReviewStore:
    found = review_store_for(storage)
    assert found is not None, f"{type(storage).__name__} holds no personal review"
    return found


@pytest.fixture
def reviews(storage: QuizStore, service: QuizService, clock: ManualClock) -> ReviewService:
    return ReviewService(
        review_store(storage),
        storage,
        lambda: service.catalog,
        clock=clock,
        rules=service.rules,
        policy=ReviewPolicy(fuzz=False),
    )


@pytest.fixture
async def daily(service: QuizService, scheduler: QuizScheduler, channel_key: ChannelKey) -> None:
    await scheduler.schedule_channel(await daily_channel(service, channel_key))


CHANNEL = ChannelKey("fake", "guild-1", "channel-1")  # the ``channel_key`` fixture's


async def daily_round(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, day: int, answers: dict[str, int | str]
) -> tuple[Round, RevealOutcome]:
    """Day ``day``'s daily round: posted, answered (name -> concepts covered, or a text), revealed."""
    clock.set(SLOT + day * DAY)
    await scheduler.run_due()
    round_ = await service.current_round(CHANNEL)
    assert round_ is not None and round_.slot == SLOT + day * DAY
    for name, what in answers.items():
        text = what if isinstance(what, str) else answer_covering(service, round_, what)
        await answer(service, round_, name, text)
    clock.set(SLOT + day * DAY + DAILY_REVEAL)
    await scheduler.run_due()
    outcome = await service.storage.results.outcome(round_.id)
    assert outcome is not None and outcome.round.revealed_at is not None
    return outcome.round, outcome


def full(service: QuizService, round_: Round) -> int:
    return len(labels(service, round_))


# -- cards from reveals ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("daily")
async def test_a_reveal_reviews_on_time_answers_and_gives_opted_in_absentees_a_card(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, reviews: ReviewService, guild: GuildKey
) -> None:
    for name in ("carol", "dave"):
        await reviews.update_settings(name, guild, SettingsChange(opted_in=True))
    clock.set(SLOT)
    await scheduler.run_due()
    round_, outcome = await daily_round(service, scheduler, clock, 0, {"Alice": 99, "Bob": UNRELATED})
    await answer(service, round_, "Carol", "a late answer after the reveal")  # late: not a review

    done = await reviews.cards_from_reveal(outcome)

    assert sorted(c.member_id for c in done.reviewed) == ["alice", "bob"]
    assert sorted(c.member_id for c in done.added) == ["carol", "dave"]  # erin never opted in: nothing
    key = CardKey(guild, "alice", round_.deck_id, round_.question_id)
    alice = await reviews.store.cards.card(key)
    bob = await reviews.store.cards.card(replace(key, member_id="bob"))
    carol = await reviews.store.cards.card(replace(key, member_id="carol"))
    assert alice is not None and bob is not None and carol is not None
    assert (alice.last_rating, bob.last_rating) == (Rating.GOOD, Rating.AGAIN)
    assert alice.last_review == bob.last_review == round_.revealed_at
    assert alice.due > bob.due
    assert carol.is_new and carol.due == round_.revealed_at
    (review,) = await reviews.store.cards.reviews(guild, "alice")
    assert (review.source, review.round_id) == (ReviewSource.ROUND, round_.id)
    assert await reviews.store.cards.reviews(guild, "carol") == []

    # A retried reveal (after a crash, or by a second process) changes nothing.
    again = await reviews.cards_from_reveal(outcome)
    assert (again.reviewed, again.added, again.already) == ((), (), 2)
    assert await reviews.store.cards.card(key) == alice


@pytest.mark.usefixtures("daily")
async def test_a_late_result_is_never_a_review(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, reviews: ReviewService, guild: GuildKey
) -> None:
    _, outcome = await daily_round(service, scheduler, clock, 0, {"Alice": 99})
    late = replace(outcome, results=tuple(replace(r, late=True) for r in outcome.results))
    done = await reviews.cards_from_reveal(late)
    assert done.reviewed == () and await reviews.store.cards.cards(guild, "alice") == []


@pytest.mark.usefixtures("daily")
async def test_one_tap_overrides_the_automatic_rating(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, reviews: ReviewService, guild: GuildKey
) -> None:
    round_, outcome = await daily_round(service, scheduler, clock, 0, {"Bob": UNRELATED, "Alice": 99})
    await reviews.cards_from_reveal(outcome)
    policy = reviews.policy
    revealed = round_.revealed_at
    assert revealed is not None

    knew = await reviews.override("bob", round_.id, knew=True)
    # As if Bob's answer had been rated Good at the reveal.
    fresh = policy.new_card(CardKey(guild, "bob", round_.deck_id, round_.question_id), category="", now=revealed)
    assert knew.due == policy.schedule(fresh, Rating.GOOD, revealed).due
    assert (knew.last_rating, knew.lapses, knew.reviews) == (Rating.GOOD, 0, 1)
    assert await reviews.override("bob", round_.id, knew=True) == knew  # the same tap again: nothing new
    (review,) = await reviews.store.cards.reviews(guild, "bob")
    assert (review.rating, review.auto_rating) == (Rating.GOOD, Rating.AGAIN)

    didnt = await reviews.override("alice", round_.id, knew=False)
    assert didnt.last_rating is Rating.AGAIN and didnt.due < knew.due + DAY
    easy = await reviews.mark_too_easy("alice", round_.id)
    assert easy.last_rating is Rating.EASY and easy.due > knew.due

    for member, round_id in (("erin", round_.id), ("bob", 999)):
        with pytest.raises(UserError) as raised:
            await reviews.override(member, round_id, knew=True)
        assert raised.value.key == "review.error.nothing-to-override"


# -- personal reviews over 90 days ----------------------------------------------------------------------------


def grading(score: float) -> Judgement:
    return Judgement(score=score, covered=(), named=(), contradicted=(), missed=())


async def test_ninety_days_of_personal_reviews_grow_on_good_and_reset_on_again(
    storage: QuizStore, catalog: DeckCatalog, clock: ManualClock, guild: GuildKey
) -> None:
    reviews = ReviewService(
        review_store(storage),
        storage,
        lambda: catalog,
        clock=clock,
        rules=ScoringRules(),
        policy=ReviewPolicy(fuzz=False),
    )
    await reviews.update_settings("alice", guild, SettingsChange(timezone="UTC"))
    first = catalog.entries()[0]
    start = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)
    clock.set(start)
    key = CardKey(guild, "alice", first.deck_id, first.question.id)
    await reviews.store.cards.add_cards([reviews.policy.new_card(key, category="x", now=start)])

    scores: list[float] = []

    async def grade(question: Question, texts: Sequence[str]) -> list[Judgement]:
        assert question == first.question and texts == ["my answer"]
        return [grading(scores[-1])]

    log: list[tuple[int, Rating, int]] = []
    for day in range(90):
        clock.set(start + day * DAY)
        due = await reviews.next_due("alice", guild)
        if due is None:
            assert await reviews.due_count("alice", guild) == 0
            continue
        assert due.remaining == 1 and due.question == first.question
        failed = any(rating is Rating.AGAIN for _, rating, _ in log)
        scores.append(0.1 if day >= 40 and not failed else 0.9)
        result = await reviews.answer_review("alice", due.card, "my answer", grade)
        assert result.review.source is ReviewSource.PRACTICE
        last = result.card.last_review
        assert last is not None
        log.append((day, result.rating, (result.card.due - last).days))

    again = next(i for i, (_, rating, _) in enumerate(log) if rating is Rating.AGAIN)
    growing = [days for _, _, days in log[:again]]
    assert growing == sorted(growing) and len(set(growing)) == len(growing) and growing[-1] >= 10
    assert log[again][2] < growing[-1] / 2
    regrowing = [days for _, _, days in log[again + 1 :]]
    assert regrowing == sorted(regrowing) and regrowing[0] >= log[again][2]
    # Each review happened on the day the card fell due, never earlier.
    assert [day for day, _, _ in log[1:]] == [day + days for day, _, days in log[:-1]]

    stats = await reviews.stats("alice", guild)
    assert (stats.cards, stats.reviews, stats.practice_reviews, stats.lapses) == (1, len(log), len(log), 1)
    assert stats.retention == pytest.approx((len(log) - 2) / (len(log) - 1))


async def test_a_double_tap_or_someone_elses_card_is_refused(
    catalog: DeckCatalog, clock: ManualClock, guild: GuildKey, reviews: ReviewService
) -> None:
    first = catalog.entries()[0]
    key = CardKey(guild, "alice", first.deck_id, first.question.id)
    await reviews.store.cards.add_cards([reviews.policy.new_card(key, category="x", now=clock.now())])
    due = await reviews.next_due("alice", guild)
    assert due is not None

    async def grade(question: Question, texts: Sequence[str]) -> list[Judgement]:
        return [grading(0.9)]

    hinted = await reviews.answer_review("alice", due.card, "answer", grade, hinted=True)
    assert hinted.rating is Rating.HARD and hinted.passed
    for member, text, key_ in (("alice", "answer", "review.error.stale"), ("bob", "answer", "review.error.not-yours")):
        with pytest.raises(UserError) as raised:
            await reviews.answer_review(member, due.card, text, grade)
        assert raised.value.key == key_
    with pytest.raises(UserError) as blank:
        await reviews.answer_review("alice", hinted.card, " \u200b ", grade)
    assert blank.value.key == "answer.empty"
    easy = await reviews.answer_review("alice", hinted.card, "answer", grade, too_easy=True)
    assert easy.rating is Rating.EASY


async def test_due_cards_follow_the_members_day(
    clock: ManualClock, guild: GuildKey, reviews: ReviewService, catalog: DeckCatalog
) -> None:
    first = catalog.entries()[0]
    due_at = dt.datetime(2025, 3, 6, 11, 0, tzinfo=dt.UTC)  # 20:00 on 6 March in Seoul, 03:00 in Los Angeles
    key = CardKey(guild, "alice", first.deck_id, first.question.id)
    await reviews.store.cards.add_cards([reviews.policy.new_card(key, category="x", now=due_at - DAY, due=due_at)])
    seoul_morning = dt.datetime(2025, 3, 5, 23, 0, tzinfo=dt.UTC)  # 08:00 on 6 March in Seoul
    await reviews.update_settings("alice", guild, SettingsChange(timezone="Asia/Seoul"))
    assert await reviews.due_count("alice", guild, seoul_morning) == 1
    await reviews.update_settings("alice", guild, SettingsChange(timezone="America/Los_Angeles"))
    assert await reviews.due_count("alice", guild, seoul_morning) == 0  # still 5 March in Los Angeles
    assert await reviews.next_due("alice", guild, seoul_morning) is None


# -- settings and reminders -----------------------------------------------------------------------------------


async def test_settings_default_to_the_guilds_time_zone_and_are_checked(
    service: QuizService, channel_key: ChannelKey, reviews: ReviewService, guild: GuildKey
) -> None:
    await daily_channel(service, channel_key, timezone="America/New_York")
    assert (await reviews.settings("alice", guild)).timezone == "America/New_York"
    changed = await reviews.update_settings("alice", guild, SettingsChange(reminders=True, streak_freezes=3))
    assert (changed.reminders, changed.streak_freezes, changed.timezone) == (True, 3, "America/New_York")
    with pytest.raises(UserError):
        await reviews.update_settings("alice", guild, SettingsChange(timezone="Nowhere/Else", opted_in=True))
    assert await reviews.settings("alice", guild) == changed


async def test_reminders_go_to_members_with_cards_due_at_their_time(
    clock: ManualClock, guild: GuildKey, reviews: ReviewService, catalog: DeckCatalog
) -> None:
    first = catalog.entries()[0]
    now = dt.datetime(2025, 3, 5, 0, 0, tzinfo=dt.UTC)
    for member, timezone in (("alice", "Asia/Seoul"), ("bob", "Asia/Kolkata"), ("carol", "Asia/Seoul")):
        await reviews.update_settings(
            member, guild, SettingsChange(timezone=timezone, reminders=True, reminder_time=dt.time(20, 0))
        )
    for member in ("alice", "bob"):
        key = CardKey(guild, member, first.deck_id, first.question.id)
        await reviews.store.cards.add_cards([reviews.policy.new_card(key, category="x", now=now)])
    found = await reviews.reminders(now, now + DAY)
    assert [(r.settings.member_id, r.at, r.due) for r in found] == [
        ("alice", dt.datetime(2025, 3, 5, 11, 0, tzinfo=dt.UTC), 1),
        ("bob", dt.datetime(2025, 3, 5, 14, 30, tzinfo=dt.UTC), 1),
    ]  # carol has nothing due
    assert await reviews.reminders(now, now + DAY, platform="slack") == []


# -- stats and streaks ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("daily")
async def test_stats_count_reviews_and_the_streak_in_the_members_time_zone(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, reviews: ReviewService, guild: GuildKey
) -> None:
    await reviews.update_settings("alice", guild, SettingsChange(streak_freezes=1))
    for day in range(4):  # Alice misses day 2: one freeze bridges it
        _, outcome = await daily_round(service, scheduler, clock, day, {} if day == 2 else {"Alice": 99})
        await reviews.cards_from_reveal(outcome)
    stats = await reviews.stats("alice", guild)
    assert (stats.cards, stats.reviews, stats.practice_reviews) == (3, 3, 0)
    assert (stats.streak.current, stats.streak.best, stats.streak.reviewed_today) == (3, 3, True)
    assert stats.streak.frozen == ((SLOT + 2 * DAY).date(),)
    assert stats.retention is None  # no card seen twice yet


# -- notebook and export --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("daily")
async def test_the_notebook_and_missed_deck_hold_the_members_questions(
    service: QuizService,
    scheduler: QuizScheduler,
    clock: ManualClock,
    reviews: ReviewService,
    guild: GuildKey,
    tmp_path: Path,
) -> None:
    await reviews.update_settings("alice", guild, SettingsChange(opted_in=True))
    first, outcome = await daily_round(service, scheduler, clock, 0, {"Alice": 99})
    await reviews.cards_from_reveal(outcome)
    second, outcome = await daily_round(service, scheduler, clock, 1, {"Alice": "모르겠어요. 기억이 안 납니다"})
    await reviews.cards_from_reveal(outcome)
    third, outcome = await daily_round(service, scheduler, clock, 2, {"Bob": 1})
    await reviews.cards_from_reveal(outcome)  # Alice missed it: a new card

    (markdown,) = await reviews.notebook("alice", guild, translate=fake_translate, language="en", max_bytes=200_000)
    for round_ in (first, second):
        assert service.catalog.question(round_.deck_id, round_.question_id).question in markdown
    assert service.catalog.question(third.deck_id, third.question_id).question not in markdown
    assert "> 모르겠어요. 기억이 안 납니다" in markdown

    exported = await reviews.missed_deck("alice", guild, translate=fake_translate, language="en", max_bytes=10**6)
    assert (exported.notes, exported.omitted) == (2, 0)  # the failed second round and the missed third
    path = tmp_path / "c.anki2"
    path.write_bytes(zipfile.ZipFile(io.BytesIO(exported.data)).read("collection.anki2"))
    conn = sqlite3.connect(path)
    fields = [row[0].split("\x1f") for row in conn.execute("SELECT flds FROM notes ORDER BY id")]
    questions = [service.catalog.question(r.deck_id, r.question_id).question for r in (third, second)]
    assert [f[0] for f in fields] == [q.replace("<", "&lt;").replace(">", "&gt;") for q in questions]
    assert fields[1][3] == "모르겠어요. 기억이 안 납니다" and fields[0][3] == ""


@pytest.mark.usefixtures("daily")
async def test_admins_export_the_channels_results(
    service: QuizService,
    scheduler: QuizScheduler,
    clock: ManualClock,
    reviews: ReviewService,
    channel_key: ChannelKey,
) -> None:
    for day in range(2):
        await daily_round(service, scheduler, clock, day, {"Alice": 99, "Bob": UNRELATED})
    rows = list(csv.DictReader(io.StringIO((await reviews.export_channel(channel_key)).decode("utf-8-sig"))))
    assert len(rows) == 4 and tuple(rows[0]) == COLUMNS
    assert [r["member_id"] for r in rows] == ["alice", "bob", "alice", "bob"]
    assert rows[0]["date"] == "2025-03-05"
    empty = await reviews.export_channel(ChannelKey("fake", "guild-1", "nowhere"))
    assert empty.decode("utf-8-sig").strip() == ",".join(COLUMNS)


# -- forgetting a member --------------------------------------------------------------------------------------


async def member_rows(storage: QuizStore, member_id: str) -> dict[str, int]:
    counts = {}
    for table, column in (
        ("answers", "member_id"),
        ("results", "member_id"),
        ("totals", "member_id"),
        ("streaks", "member_id"),
        ("votes", "voter_id"),
        ("disputes", "member_id"),
        ("members", "member_id"),
        ("review_cards", "member_id"),
        ("member_settings", "member_id"),
        ("review_reminders", "member_id"),
    ):
        row = await fetchone(storage, f"SELECT COUNT(*) AS n FROM {table} WHERE {column} = ?", member_id)
        assert row is not None
        counts[table] = int(row["n"])
    return counts


async def assert_totals_consistent(storage: QuizStore) -> None:
    """Every total is the sum of its member's results in that period; SQLite's rank counts match the totals."""
    rows = await fetchall(
        storage,
        "SELECT t.member_id, t.period, t.points, t.answers, "
        "(SELECT COALESCE(SUM(s.answer_points + s.coverage_points + s.vote_points + s.streak_bonus), 0) "
        " FROM results s WHERE s.member_id = t.member_id AND s.platform = t.platform AND s.guild_id = t.guild_id "
        " AND (t.period = 'all' OR t.period IN (s.period_week, s.period_month))) AS summed "
        "FROM totals t",
    )
    assert rows and all(r["points"] == r["summed"] for r in rows), [dict(r) for r in rows]
    if not isinstance(storage, Storage):
        return  # PostgreSQL ranks from the totals themselves: no counts to keep in step
    mismatched = await storage.db.fetchall(
        "SELECT s.* FROM totals_scores s WHERE s.members != (SELECT COUNT(*) FROM totals t WHERE "
        "t.platform = s.platform AND t.guild_id = s.guild_id AND t.period = s.period AND t.points = s.points)"
    )
    assert mismatched == []


@pytest.mark.usefixtures("daily")
async def test_forgetting_a_member_removes_everything_of_theirs_and_keeps_the_leaderboard_right(
    service: QuizService,
    scheduler: QuizScheduler,
    clock: ManualClock,
    reviews: ReviewService,
    guild: GuildKey,
    storage: QuizStore,
) -> None:
    await reviews.update_settings("bob", guild, SettingsChange(opted_in=True, reminders=True))
    assert await reviews.store.reminders.claim(guild, "bob", SLOT.date(), SLOT)
    first, outcome = await daily_round(service, scheduler, clock, 0, {"Alice": 99, "Bob": 1, "Carol": UNRELATED})
    await reviews.cards_from_reveal(outcome)
    # Bob votes for Alice and Carol after the reveal, Alice for Bob; Bob disputes a concept he missed.
    for voter, author in (("bob", "Alice"), ("bob", "Carol"), ("alice", "Bob"), ("carol", "Alice")):
        assert (await service.vote(first, f"{author}-{first.id}", voter)).counted
    missed = await service.disputable_concepts(first.id, "bob")
    await service.open_dispute(first.id, "bob", missed[0])
    second, outcome = await daily_round(service, scheduler, clock, 1, {"Alice": 1, "Bob": 99})
    await reviews.cards_from_reveal(outcome)
    await answer(service, second, "Bob", "late words")  # a late answer too
    before = {m: (await service.member_stats(guild, m)).points for m in ("alice", "carol")}
    assert all(n > 0 for n in (await member_rows(storage, "bob")).values())

    report = await reviews.forget("bob", guild)

    assert await member_rows(storage, "bob") == dict.fromkeys(await member_rows(storage, "bob"), 0)
    assert {"answers", "results", "totals", "streaks", "votes", "disputes", "members"} <= set(report.deleted)
    assert report.deleted["answers"] == 3 and report.deleted["review_cards"] == 2
    assert report.deleted["member_settings"] == report.deleted["review_reminders"] == 1
    assert report.rescored_answers == 2
    after = {m: (await service.member_stats(guild, m)).points for m in ("alice", "carol")}
    vote = service.rules.vote
    assert after == {"alice": before["alice"] - vote, "carol": before["carol"] - vote}
    await assert_totals_consistent(storage)
    board = await service.leaderboard(guild, Period.ALL, caller_id="carol")
    assert [(r.member.member_id, r.points) for r in board.rows] == sorted(after.items(), key=lambda item: -item[1])
    assert board.total_members == 2 and board.caller is not None and board.caller.rank == 2
    assert (await service.member_stats(guild, "bob")).points == 0
    assert await reviews.store.cards.cards(guild, "alice")  # others keep their cards
    assert (await reviews.forget("bob", guild)).total == 0  # forgetting again finds nothing


@pytest.mark.usefixtures("daily")
async def test_a_personal_review_is_graded_by_the_quizs_grader(
    service: QuizService, scheduler: QuizScheduler, clock: ManualClock, reviews: ReviewService, guild: GuildKey
) -> None:
    round_, outcome = await daily_round(service, scheduler, clock, 0, {"Alice": UNRELATED})
    await reviews.cards_from_reveal(outcome)
    clock.set(SLOT + 2 * DAY)
    due = await reviews.next_due("alice", guild)
    assert due is not None and due.card.last_rating is Rating.AGAIN
    good = answer_covering(service, round_, full(service, round_))
    result = await reviews.answer_review("alice", due.card, good, service.grading.grade_many)
    assert result.passed and result.rating is Rating.GOOD and result.judgement.score >= reviews.policy.pass_mark
    assert set(result.judgement.covered) == set(labels(service, round_))
    assert result.card.reviews == 2 and result.card.lapses == 0
