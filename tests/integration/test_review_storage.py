"""The personal-review storage contract (``bot.core.ports.review_storage``) on each backend (a real SQLite file, a
fresh PostgreSQL schema): one card per member and question, one review per round, a review and its rescheduling in
one unit of work, stale and duplicate submissions refused, ratings corrected in place, settings, the reminder log,
and forgetting a member's cards."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

import pytest

from bot.core.models import ChannelKey, ChannelSettings, GuildKey, Round, RoundKind, Schedule
from bot.core.ports.review_storage import RecordOutcome, ReviewRequest, ReviewStore
from bot.core.ports.storage import QuizStore
from bot.core.review.cards import Card, CardKey, NewReview, Rating, Review, ReviewPolicy, ReviewSource
from bot.core.review.settings import MemberSettings
from bot.storage.review_backends import review_store_for
from tests.conftest import StoreOpener

pytestmark = pytest.mark.backends("sqlite", "postgresql")

T0 = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
GUILD = GuildKey("fake", "guild-1")
OTHER_GUILD = GuildKey("fake", "guild-2")
POLICY = ReviewPolicy(fuzz=False)


def review_store(store: QuizStore) -> ReviewStore:
    found = review_store_for(store)
    assert found is not None, f"{type(store).__name__} holds no personal review"
    return found


@pytest.fixture
def reviews(storage: QuizStore) -> ReviewStore:
    return review_store(storage)


@pytest.fixture
async def rounds(storage: QuizStore) -> list[Round]:
    """Three rounds of one channel, for reviews to name."""
    channel = await storage.channels.save(
        ChannelSettings(
            ref=0,
            key=ChannelKey("fake", "guild-1", "channel-1"),
            schedule=Schedule(),
            daily_reveal_delay=dt.timedelta(hours=8),
            on_demand_reveal_delay=dt.timedelta(minutes=10),
            decks=(),
            paused=False,
        ),
        "Asia/Seoul",
        T0,
    )
    made = []
    for n in range(3):
        claimed = await storage.rounds.claim(
            channel_ref=channel.ref,
            kind=RoundKind.DAILY,
            deck_id="dl",
            question_id=f"q{n}",
            category="basics",
            cycle=0,
            slot=T0 + n * DAY,
            opened_at=T0 + n * DAY,
            reveal_at=T0 + n * DAY + dt.timedelta(hours=8),
        )
        assert claimed is not None
        made.append(claimed)
    return made


@pytest.fixture
async def second(store_opener: StoreOpener) -> ReviewStore:
    """Another process's store on the same data (closed at teardown)."""
    return review_store(await store_opener())


def key(member: str = "alice", question: str = "q0", guild: GuildKey = GUILD) -> CardKey:
    return CardKey(guild, member, "dl", question)


def template(card_key: CardKey, at: dt.datetime = T0) -> Card:
    return POLICY.new_card(card_key, category="basics", now=at)


def round_request(
    card_key: CardKey, round_id: int, rating: Rating = Rating.GOOD, at: dt.datetime = T0
) -> ReviewRequest:
    review = NewReview(at=at, rating=rating, source=ReviewSource.ROUND, round_id=round_id, score=0.8)
    return ReviewRequest(template(card_key), review, create=True)


def practice(card: Card, rating: Rating, at: dt.datetime) -> ReviewRequest:
    review = NewReview(at=at, rating=rating, source=ReviewSource.PRACTICE, score=0.9)
    return ReviewRequest(card, review, expected_reviews=card.reviews)


# -- recording ------------------------------------------------------------------------------------------------


async def test_a_round_review_creates_the_card_and_schedules_it(reviews: ReviewStore, rounds: list[Round]) -> None:
    (recorded,) = await reviews.cards.record([round_request(key(), rounds[0].id)], POLICY.replay)
    assert recorded.outcome is RecordOutcome.RECORDED
    assert recorded.card is not None and recorded.review is not None
    expected = POLICY.schedule(template(key()), Rating.GOOD, T0)
    card = recorded.card
    assert card.id > 0 and card.key == key() and card.category == "basics"
    assert (card.due, card.memory, card.reviews, card.last_rating) == (expected.due, expected.memory, 1, Rating.GOOD)
    assert card.due.tzinfo == dt.UTC and card.created_at == T0
    review = recorded.review
    assert (review.card_id, review.round_id, review.rating, review.auto_rating) == (card.id, rounds[0].id, 3, 3)
    assert (review.source, review.score, review.at) == (ReviewSource.ROUND, 0.8, T0)
    assert await reviews.cards.get(card.id) == card
    assert await reviews.cards.card(key()) == card


async def test_a_round_reviews_a_card_once_however_often_it_is_recorded(
    reviews: ReviewStore, rounds: list[Round]
) -> None:
    (first,) = await reviews.cards.record([round_request(key(), rounds[0].id)], POLICY.replay)
    (again,) = await reviews.cards.record([round_request(key(), rounds[0].id, Rating.AGAIN)], POLICY.replay)
    assert again.outcome is RecordOutcome.DUPLICATE
    assert again.card == first.card and again.review == first.review
    assert len(await reviews.cards.reviews(GUILD, "alice")) == 1


async def test_one_card_per_member_and_question_across_rounds(reviews: ReviewStore, rounds: list[Round]) -> None:
    recorded = await reviews.cards.record(
        [round_request(key(), rounds[0].id), round_request(key(), rounds[1].id, at=T0 + 2 * DAY)], POLICY.replay
    )
    assert [r.outcome for r in recorded] == [RecordOutcome.RECORDED] * 2
    cards = await reviews.cards.cards(GUILD, "alice")
    assert len(cards) == 1 and cards[0].reviews == 2
    # Another member, another guild, another question: cards of their own.
    await reviews.cards.record(
        [
            round_request(key("bob"), rounds[0].id),
            round_request(key(guild=OTHER_GUILD), rounds[0].id),
            round_request(key(question="q1"), rounds[1].id),
        ],
        POLICY.replay,
    )
    assert len(await reviews.cards.cards(GUILD, "alice")) == 2
    assert len(await reviews.cards.cards(GUILD, "bob")) == 1
    assert len(await reviews.cards.cards(OTHER_GUILD, "alice")) == 1


async def test_concurrent_reveals_from_two_processes_review_once(
    reviews: ReviewStore, second: ReviewStore, rounds: list[Round]
) -> None:
    calls = [
        store.cards.record([round_request(key(), rounds[0].id)], POLICY.replay)
        for store in (reviews, second, reviews, second)
    ]
    outcomes = [recorded.outcome for (recorded,) in await asyncio.gather(*calls)]
    assert sorted(outcomes) == sorted([RecordOutcome.RECORDED] + [RecordOutcome.DUPLICATE] * 3)
    cards = await second.cards.cards(GUILD, "alice")
    assert len(cards) == 1 and cards[0].reviews == 1


async def test_a_failing_replay_keeps_nothing_of_the_whole_call(reviews: ReviewStore, rounds: list[Round]) -> None:
    calls = 0

    def replay(card: Card, history: Sequence[Review]) -> Card:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("scheduler broke")
        return POLICY.replay(card, history)

    with pytest.raises(RuntimeError, match="scheduler broke"):
        await reviews.cards.record(
            [round_request(key(), rounds[0].id), round_request(key("bob"), rounds[0].id)], replay
        )
    assert await reviews.cards.cards(GUILD, "alice") == []
    assert await reviews.cards.cards(GUILD, "bob") == []
    assert await reviews.cards.reviews(GUILD, "alice") == []


async def test_a_practice_review_needs_the_card_as_it_was_shown(reviews: ReviewStore, rounds: list[Round]) -> None:
    (first,) = await reviews.cards.record([round_request(key(), rounds[0].id)], POLICY.replay)
    assert first.card is not None
    shown = first.card
    (done,) = await reviews.cards.record([practice(shown, Rating.GOOD, shown.due)], POLICY.replay)
    assert done.outcome is RecordOutcome.RECORDED and done.card is not None and done.card.reviews == 2
    (twice,) = await reviews.cards.record([practice(shown, Rating.AGAIN, shown.due)], POLICY.replay)
    assert twice.outcome is RecordOutcome.STALE and twice.card == done.card
    assert len(await reviews.cards.reviews(GUILD, "alice")) == 2


async def test_a_double_tap_from_two_processes_counts_once(
    reviews: ReviewStore, second: ReviewStore, rounds: list[Round]
) -> None:
    (first,) = await reviews.cards.record([round_request(key(), rounds[0].id)], POLICY.replay)
    assert first.card is not None
    shown = first.card
    results = await asyncio.gather(
        reviews.cards.record([practice(shown, Rating.GOOD, shown.due)], POLICY.replay),
        second.cards.record([practice(shown, Rating.GOOD, shown.due)], POLICY.replay),
    )
    assert sorted(r.outcome for (r,) in results) == [RecordOutcome.RECORDED, RecordOutcome.STALE]


async def test_a_practice_review_of_a_missing_card_records_nothing(reviews: ReviewStore) -> None:
    (recorded,) = await reviews.cards.record([practice(template(key()), Rating.GOOD, T0)], POLICY.replay)
    assert recorded == type(recorded)(RecordOutcome.NO_CARD)
    assert await reviews.cards.cards(GUILD, "alice") == []


async def test_an_empty_call_records_nothing(reviews: ReviewStore) -> None:
    assert await reviews.cards.record([], POLICY.replay) == []
    assert await reviews.cards.add_cards([]) == []


# -- new cards, due cards -------------------------------------------------------------------------------------


async def test_adding_cards_keeps_existing_ones(reviews: ReviewStore, rounds: list[Round]) -> None:
    (reviewed,) = await reviews.cards.record([round_request(key(), rounds[0].id)], POLICY.replay)
    added = await reviews.cards.add_cards([template(key(), T0 + DAY), template(key("bob"), T0 + DAY)])
    assert [c.key for c in added] == [key("bob")]
    assert added[0].is_new and added[0].due == T0 + DAY and added[0].id > 0
    assert await reviews.cards.card(key()) == reviewed.card
    assert await reviews.cards.add_cards([template(key("bob"), T0 + 2 * DAY)]) == []


async def test_due_cards_come_most_overdue_first_up_to_the_limit(reviews: ReviewStore) -> None:
    await reviews.cards.add_cards([template(key(question=f"q{n}"), T0 - n * DAY) for n in range(5)])
    due = await reviews.cards.due(GUILD, "alice", T0, limit=3)
    assert [c.question_id for c in due] == ["q4", "q3", "q2"]
    assert await reviews.cards.count_due(GUILD, "alice", T0) == 4  # strictly before: q0 is due at T0
    assert await reviews.cards.count_due(GUILD, "alice", T0 + dt.timedelta(seconds=1)) == 5
    assert await reviews.cards.count_due(GUILD, "bob", T0 + DAY) == 0


# -- corrections ----------------------------------------------------------------------------------------------


async def test_a_rating_is_corrected_in_place_and_the_card_rescheduled(
    reviews: ReviewStore, rounds: list[Round]
) -> None:
    (recorded,) = await reviews.cards.record([round_request(key(), rounds[0].id, Rating.AGAIN)], POLICY.replay)
    review = await reviews.cards.round_review(GUILD, "alice", rounds[0].id)
    assert review is not None and recorded.review == review
    corrected = await reviews.cards.rerate(GUILD, "alice", review.id, Rating.GOOD, POLICY.replay)
    assert corrected is not None
    assert corrected.due == POLICY.schedule(template(key()), Rating.GOOD, T0).due
    assert (corrected.reviews, corrected.last_rating) == (1, Rating.GOOD)
    (stored,) = await reviews.cards.reviews(GUILD, "alice")
    assert (stored.rating, stored.auto_rating, stored.overridden) == (Rating.GOOD, Rating.AGAIN, True)
    assert await reviews.cards.rerate(GUILD, "alice", review.id, Rating.GOOD, POLICY.replay) == corrected


async def test_only_the_member_can_correct_their_review(reviews: ReviewStore, rounds: list[Round]) -> None:
    (recorded,) = await reviews.cards.record([round_request(key(), rounds[0].id, Rating.AGAIN)], POLICY.replay)
    assert recorded.review is not None

    def replay(card: Card, history: Sequence[Review]) -> Card:
        raise AssertionError("not called for someone else's review")

    assert await reviews.cards.rerate(GUILD, "bob", recorded.review.id, Rating.EASY, replay) is None
    assert await reviews.cards.rerate(OTHER_GUILD, "alice", recorded.review.id, Rating.EASY, replay) is None
    assert await reviews.cards.rerate(GUILD, "alice", 999, Rating.EASY, replay) is None
    assert await reviews.cards.round_review(GUILD, "bob", rounds[0].id) is None
    assert await reviews.cards.card(key()) == recorded.card


# -- forgetting and durability --------------------------------------------------------------------------------


async def test_forgetting_deletes_the_members_cards_and_reviews_only(reviews: ReviewStore, rounds: list[Round]) -> None:
    await reviews.cards.record(
        [round_request(key(), rounds[0].id), round_request(key("bob"), rounds[0].id)], POLICY.replay
    )
    await reviews.cards.add_cards([template(key(question="q9"))])
    assert await reviews.cards.forget(GUILD, "alice") == 2
    assert await reviews.cards.cards(GUILD, "alice") == []
    assert await reviews.cards.reviews(GUILD, "alice") == []
    assert len(await reviews.cards.reviews(GUILD, "bob")) == 1
    assert await reviews.cards.forget(GUILD, "alice") == 0


async def test_a_recorded_review_survives_a_restart(
    reviews: ReviewStore, rounds: list[Round], storage: QuizStore, store_opener: StoreOpener
) -> None:
    (recorded,) = await reviews.cards.record([round_request(key(), rounds[0].id)], POLICY.replay)
    await storage.close()
    reopened = review_store(await store_opener())
    assert await reopened.cards.card(key()) == recorded.card
    assert await reopened.cards.reviews(GUILD, "alice") == [recorded.review]


# -- settings -------------------------------------------------------------------------------------------------


async def test_settings_are_upserted_and_listed(reviews: ReviewStore) -> None:
    assert await reviews.settings.get(GUILD, "alice") is None
    alice = MemberSettings(guild=GUILD, member_id="alice", timezone="Asia/Kolkata", opted_in=True)
    assert await reviews.settings.save(alice, T0) == alice
    changed = MemberSettings(
        guild=GUILD, member_id="alice", opted_in=True, reminders=True, reminder_time=dt.time(7, 30), streak_freezes=0
    )
    assert await reviews.settings.save(changed, T0 + DAY) == changed
    assert await reviews.settings.get(GUILD, "alice") == changed
    bob = MemberSettings(guild=GUILD, member_id="bob", reminders=True)
    slack = MemberSettings(guild=GuildKey("slack", "T1"), member_id="carol", reminders=True, opted_in=True)
    for each in (bob, slack, MemberSettings(guild=GUILD, member_id="dave")):
        await reviews.settings.save(each, T0)
    assert await reviews.settings.opted_in(GUILD) == ["alice"]
    assert await reviews.settings.with_reminders("fake") == [changed, bob]
    assert await reviews.settings.with_reminders() == [changed, bob, slack]
    assert await reviews.settings.forget(GUILD, "alice") is True
    assert await reviews.settings.forget(GUILD, "alice") is False
    assert await reviews.settings.get(GUILD, "alice") is None


# -- the reminder log -----------------------------------------------------------------------------------------


async def test_the_reminder_jobs_last_run_is_kept_in_utc(reviews: ReviewStore, store_opener: StoreOpener) -> None:
    assert await reviews.reminders.last_run("reminders") is None
    seoul = dt.timezone(dt.timedelta(hours=9))
    await reviews.reminders.mark_run("reminders", dt.datetime(2025, 3, 6, 20, 0, tzinfo=seoul))
    await reviews.reminders.mark_run("reminders", T0 + DAY)  # the latest mark wins, earlier or not
    again = review_store(await store_opener())
    last = await again.reminders.last_run("reminders")
    assert last == T0 + DAY and last is not None and last.tzinfo == dt.UTC
    assert await again.reminders.last_run("other job") is None


async def test_a_members_reminder_of_a_day_is_claimed_once(reviews: ReviewStore, second: ReviewStore) -> None:
    day = T0.date()
    claims = [store.reminders.claim(GUILD, "alice", day, T0) for store in (reviews, second, reviews, second)]
    assert sorted(await asyncio.gather(*claims)) == [False, False, False, True]
    assert await reviews.reminders.claim(GUILD, "alice", day + DAY, T0 + DAY) is True  # the next day
    assert await reviews.reminders.claim(GUILD, "bob", day, T0) is True  # another member
    assert await reviews.reminders.claim(OTHER_GUILD, "alice", day, T0) is True  # the same person elsewhere
    assert await second.reminders.claim(GUILD, "alice", day, T0 + DAY) is False


async def test_times_come_back_in_utc_whatever_zone_they_were_given_in(
    reviews: ReviewStore, rounds: list[Round]
) -> None:
    seoul = dt.timezone(dt.timedelta(hours=9))
    at = T0.astimezone(seoul)
    (recorded,) = await reviews.cards.record([round_request(key(), rounds[0].id, at=at)], POLICY.replay)
    card = await reviews.cards.card(key())
    (review,) = await reviews.cards.reviews(GUILD, "alice")
    assert card is not None and card == recorded.card
    assert (card.last_review, review.at) == (T0, T0)
    assert {card.created_at.tzinfo, card.due.tzinfo, review.at.tzinfo} == {dt.UTC}
