"""Personal review behind the front door: the runtime builds it where the database holds it, every reveal turns
answers into review cards exactly once (also when a restart finds the reveal unfinished), and the typed review
commands run through the one command layer and render in both languages."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.commands import (
    ADMIN_COMMANDS,
    AnswerReview,
    Caller,
    Command,
    Export,
    ExportReply,
    ForgetPrompt,
    ForgetReply,
    GiveAnswer,
    Me,
    MeForget,
    MeReply,
    MeSet,
    Notebook,
    NotebookReply,
    OverrideRating,
    RateReview,
    RatingReply,
    RevealNow,
    Review,
    ReviewCardReply,
    ReviewResultReply,
    ShowStats,
    TooEasy,
    run,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey, GuildKey, RoundState
from bot.core.ports import PlatformError
from bot.core.ports.storage import QuizStore
from bot.core.quiz import Quiz
from bot.core.review.cards import CardKey, Rating, ReviewPolicy, ReviewSource, Verdict
from bot.core.review.service import ReviewService
from bot.core.review.settings import SettingsChange
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizService
from bot.messages import Language, text
from bot.render import reply_blocks
from bot.runtime import open_runtime
from bot.storage.postgres.store import PostgresStorage
from bot.storage.review_backends import review_store_for
from bot.storage.sqlite.store import Storage
from tests.conftest import QUESTIONS, RecordingPlatform
from tests.integration.quiz_steps import UNRELATED, answer_covering, labels, member
from tests.postgres import Schema

pytestmark = pytest.mark.backends("sqlite", "postgresql")

ADMIN = Caller(member("Admin"), admin=True)
ALICE = Caller(member("Alice"))
BOB = Caller(member("Bob"))
ON_DEMAND_DELAY = dt.timedelta(minutes=10)
DAY = dt.timedelta(days=1)


@pytest.fixture
def reviews(service: QuizService, storage: QuizStore, clock: ManualClock) -> ReviewService:
    """Personal review attached to the quiz service as the runtime attaches it (intervals without fuzz)."""
    store = review_store_for(storage)
    assert store is not None
    service.review = ReviewService(
        store, storage, lambda: service.catalog, clock=clock, rules=service.rules, policy=ReviewPolicy(fuzz=False)
    )
    return service.review


def guild_of(key: ChannelKey) -> GuildKey:
    return GuildKey(key.platform, key.guild_id)


async def revealed_round(quiz: Quiz, key: ChannelKey, service: QuizService, answers: dict[str, int | str]) -> int:
    """Ask a question, let each member answer (concepts covered, or a text), reveal it; the round id."""
    round_ = await quiz.ask(key)
    for name, what in answers.items():
        said = what if isinstance(what, str) else answer_covering(service, round_, what)
        await run(quiz, GiveAnswer(said, f"{name}-{round_.id}"), key, Caller(member(name)))
    await run(quiz, RevealNow(), key, ADMIN)
    revealed = await quiz.round(round_.id)
    assert revealed is not None and revealed.state is RoundState.REVEALED
    return round_.id


# -- the runtime and the reveal -------------------------------------------------------------------------------


async def test_the_runtime_gives_a_sqlite_quiz_personal_review(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "quiz.sqlite3", decks=(QUESTIONS,))

    async with open_runtime(settings) as runtime:
        assert isinstance(runtime.storage, Storage)
        assert runtime.service.review is not None
        assert runtime.quiz_on(RecordingPlatform()).reviews_available


async def test_the_runtime_gives_a_postgresql_quiz_personal_review() -> None:
    schema = await Schema().create()
    try:
        async with open_runtime(Settings(database=schema.url, decks=(QUESTIONS,))) as runtime:
            assert isinstance(runtime.storage, PostgresStorage)
            review = runtime.service.review
            assert review is not None and runtime.quiz_on(RecordingPlatform()).reviews_available
            guild = GuildKey("fake", "guild-1")
            await review.update_settings("alice", guild, SettingsChange(reminders=True))
            assert [s.member_id for s in await review.store.settings.with_reminders()] == ["alice"]
    finally:
        await schema.drop()


async def test_without_review_storage_every_review_command_says_it_is_not_available(
    quiz: Quiz, channel_key: ChannelKey
) -> None:
    # The conftest service has no personal review attached: a quiz built without it.
    commands: list[Command] = [
        Review(),
        AnswerReview(1, 0, "답"),
        Me(),
        MeSet(SettingsChange(reminders=True)),
        MeForget(confirm=False),
        MeForget(confirm=True),
        Notebook(functools.partial(text, language="en"), "en", 1_000_000),
        OverrideRating(1, knew=True),
        TooEasy(1),
        RateReview(1, Verdict.KNEW),
    ]
    for command in commands:
        with pytest.raises(UserError) as refused:
            await run(quiz, command, channel_key, ALICE)
        assert refused.value.key == "review.error.unavailable", command
    with pytest.raises(UserError) as refused:
        await run(quiz, Export(), channel_key, ADMIN)
    assert refused.value.key == "review.error.unavailable"
    assert "PostgreSQL" not in text("review.error.unavailable", "en")  # no backend lacks personal review


async def test_a_reveal_reviews_the_card_of_every_on_time_answer(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService
) -> None:
    round_id = await revealed_round(quiz, channel_key, service, {"Alice": 99, "Bob": UNRELATED})

    round_ = await quiz.round(round_id)
    assert round_ is not None
    key = CardKey(guild_of(channel_key), "alice", round_.deck_id, round_.question_id)
    alice = await reviews.store.cards.card(key)
    bob = await reviews.store.cards.card(CardKey(key.guild, "bob", key.deck_id, key.question_id))
    assert alice is not None and alice.last_rating is Rating.GOOD and alice.reviews == 1
    assert bob is not None and bob.last_rating is Rating.AGAIN and bob.reviews == 1
    (review,) = await reviews.store.cards.reviews(key.guild, "alice")
    assert review.source is ReviewSource.ROUND and review.round_id == round_id


async def test_the_cards_are_there_before_the_reveal_is_posted(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService, platform: RecordingPlatform
) -> None:
    """The review buttons under a reveal must find the clicking member's card the moment they can be seen."""
    seen: list[int] = []
    original = platform.post_reveal

    async def post_reveal(card: object) -> None:
        seen.append(len(await reviews.store.cards.cards(guild_of(channel_key), "alice")))
        await original(card)  # type: ignore[arg-type]

    platform.post_reveal = post_reveal  # type: ignore[method-assign]
    await revealed_round(quiz, channel_key, service, {"Alice": 99})

    assert seen == [1]


async def test_a_restart_that_finds_a_reveal_unfinished_records_its_cards_once(
    service: QuizService,
    storage: QuizStore,
    clock: ManualClock,
    channel_key: ChannelKey,
    platform: RecordingPlatform,
) -> None:
    # The first process scores the round, then cannot post its reveal (and had no personal review yet).
    quiz = Quiz.on(service, platform)
    round_ = await quiz.ask(channel_key)
    await run(quiz, GiveAnswer(answer_covering(service, round_, 99), "a-1"), channel_key, ALICE)
    platform.fail_next_reveals(1, PlatformError("no permission to post", retryable=False))
    await run(quiz, RevealNow(), channel_key, ADMIN)
    stuck = await quiz.round(round_.id)
    assert stuck is not None and stuck.state is RoundState.REVEALING

    # The restarted process has personal review: finishing the reveal records the cards, once however often.
    store = review_store_for(storage)
    assert store is not None
    service.review = ReviewService(store, storage, lambda: service.catalog, clock=clock, rules=service.rules)
    for _ in range(2):
        restarted = QuizScheduler(service, {platform.name: platform})
        await restarted.rebuild()
        restarted.shutdown()
    await service.finish_reveal(platform, round_.id)

    done = await quiz.round(round_.id)
    assert done is not None and done.state is RoundState.REVEALED
    assert len(platform.reveals) == 1
    reviews = await store.cards.reviews(guild_of(channel_key), "alice")
    assert [r.round_id for r in reviews] == [round_.id]
    outcome = await service.storage.results.outcome(round_.id)
    assert outcome is not None
    again = await service.review.cards_from_reveal(outcome)
    assert again.reviewed == () and again.already == 1


async def test_a_failing_review_store_does_not_hold_up_the_reveal(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService, platform: RecordingPlatform
) -> None:
    async def broken(outcome: object) -> None:
        raise RuntimeError("review storage broke")

    reviews.cards_from_reveal = broken  # type: ignore[method-assign,assignment]
    round_id = await revealed_round(quiz, channel_key, service, {"Alice": 99})

    assert [card.round.id for card in platform.reveals] == [round_id]


# -- the commands ---------------------------------------------------------------------------------------------


def test_export_is_an_admin_command() -> None:
    assert Export in ADMIN_COMMANDS


async def test_export_is_refused_to_members(quiz: Quiz, channel_key: ChannelKey, reviews: ReviewService) -> None:
    with pytest.raises(UserError) as refused:
        await run(quiz, Export(), channel_key, ALICE)
    assert refused.value.key == "error.not-admin"


async def test_review_shows_the_due_card_and_grades_the_answer_to_it(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService, clock: ManualClock
) -> None:
    round_id = await revealed_round(quiz, channel_key, service, {"Alice": UNRELATED})
    assert await run(quiz, Review(), channel_key, BOB) == ReviewCardReply(None)

    clock.advance(DAY)
    shown = await run(quiz, Review(), channel_key, ALICE)
    assert isinstance(shown, ReviewCardReply) and shown.due is not None
    round_ = await quiz.round(round_id)
    assert round_ is not None and shown.due.question.id == round_.question_id
    assert shown.due.remaining == 1

    good = answer_covering(service, round_, len(labels(service, round_)))
    graded = await run(quiz, AnswerReview(shown.due.card.id, shown.due.card.reviews, good), channel_key, ALICE)

    assert isinstance(graded, ReviewResultReply)
    assert graded.result.rating is Rating.GOOD and graded.result.judgement.score == 1.0
    assert graded.remaining == 0 and graded.next_in_days >= 1
    assert await run(quiz, Review(), channel_key, ALICE) == ReviewCardReply(None)


async def test_a_review_submitted_twice_counts_once(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService, clock: ManualClock
) -> None:
    await revealed_round(quiz, channel_key, service, {"Alice": UNRELATED})
    clock.advance(DAY)
    shown = await run(quiz, Review(), channel_key, ALICE)
    assert isinstance(shown, ReviewCardReply) and shown.due is not None
    submit = AnswerReview(shown.due.card.id, shown.due.card.reviews, "역전파는 체인룰로 기울기를 구합니다")

    await run(quiz, submit, channel_key, ALICE)
    with pytest.raises(UserError) as twice:
        await run(quiz, submit, channel_key, ALICE)

    assert twice.value.key == "review.error.stale"
    assert len(await reviews.store.cards.reviews(guild_of(channel_key), "alice")) == 2


async def test_nobody_answers_someone_elses_card(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService, clock: ManualClock
) -> None:
    await revealed_round(quiz, channel_key, service, {"Alice": UNRELATED})
    clock.advance(DAY)
    shown = await run(quiz, Review(), channel_key, ALICE)
    assert isinstance(shown, ReviewCardReply) and shown.due is not None

    with pytest.raises(UserError) as refused:
        await run(quiz, AnswerReview(shown.due.card.id, 1, "답"), channel_key, BOB)
    assert refused.value.key == "review.error.not-yours"
    elsewhere = ChannelKey(channel_key.platform, "another-guild", "c")
    with pytest.raises(UserError) as refused:
        await run(quiz, AnswerReview(shown.due.card.id, 1, "답"), elsewhere, ALICE)
    assert refused.value.key == "review.error.no-card"


async def test_knew_it_didnt_and_too_easy_reschedule_the_callers_own_card(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService
) -> None:
    round_id = await revealed_round(quiz, channel_key, service, {"Alice": UNRELATED, "Bob": 99})

    knew = await run(quiz, OverrideRating(round_id, knew=True), channel_key, ALICE)
    didnt = await run(quiz, OverrideRating(round_id, knew=False), channel_key, BOB)
    easy = await run(quiz, TooEasy(round_id), channel_key, BOB)

    assert isinstance(knew, RatingReply) and knew.verdict is Verdict.KNEW and knew.next_in_days >= 1
    assert isinstance(didnt, RatingReply) and didnt.verdict is Verdict.DIDNT
    assert isinstance(easy, RatingReply) and easy.next_in_days > knew.next_in_days
    guild = guild_of(channel_key)
    (alice,) = await reviews.store.cards.reviews(guild, "alice")
    (bob,) = await reviews.store.cards.reviews(guild, "bob")
    assert (alice.auto_rating, alice.rating) == (Rating.AGAIN, Rating.GOOD)
    assert (bob.auto_rating, bob.rating) == (Rating.GOOD, Rating.EASY)
    with pytest.raises(UserError) as nothing:
        await run(quiz, TooEasy(round_id), channel_key, Caller(member("Carol")))
    assert nothing.value.key == "review.error.nothing-to-override"
    elsewhere = ChannelKey(channel_key.platform, "another-guild", "c")
    with pytest.raises(UserError) as nothing:
        await run(quiz, TooEasy(round_id), elsewhere, ALICE)
    assert nothing.value.key == "review.error.nothing-to-override"


async def test_a_personal_reviews_rating_can_be_corrected(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService, clock: ManualClock
) -> None:
    await revealed_round(quiz, channel_key, service, {"Alice": UNRELATED})
    clock.advance(DAY)
    shown = await run(quiz, Review(), channel_key, ALICE)
    assert isinstance(shown, ReviewCardReply) and shown.due is not None
    graded = await run(quiz, AnswerReview(shown.due.card.id, shown.due.card.reviews, UNRELATED), channel_key, ALICE)
    assert isinstance(graded, ReviewResultReply) and graded.result.rating is Rating.AGAIN

    corrected = await run(quiz, RateReview(graded.result.review.id, Verdict.KNEW), channel_key, ALICE)

    assert isinstance(corrected, RatingReply) and corrected.next_in_days > graded.next_in_days
    with pytest.raises(UserError) as refused:
        await run(quiz, RateReview(graded.result.review.id, Verdict.DIDNT), channel_key, BOB)
    assert refused.value.key == "review.error.nothing-to-override"


async def test_me_shows_stats_and_settings_and_me_set_changes_them(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService
) -> None:
    await revealed_round(quiz, channel_key, service, {"Alice": 99})

    me = await run(quiz, Me(), channel_key, ALICE)
    assert isinstance(me, MeReply) and not me.saved
    assert me.stats.cards == 1 and me.stats.streak.current == 1 and not me.settings.reminders

    change = SettingsChange(timezone="Europe/Berlin", reminders=True, reminder_time=dt.time(7, 30), opted_in=True)
    changed = await run(quiz, MeSet(change), channel_key, ALICE)
    assert isinstance(changed, MeReply) and changed.saved
    assert changed.settings.timezone == "Europe/Berlin" and changed.settings.reminder_time == dt.time(7, 30)
    assert changed.settings.reminders and changed.settings.opted_in

    with pytest.raises(UserError) as refused:
        await run(quiz, MeSet(SettingsChange(timezone="Mars/Olympus")), channel_key, ALICE)
    assert refused.value.key == "error.unknown-timezone"
    again = await run(quiz, Me(), channel_key, ALICE)
    assert isinstance(again, MeReply) and again.settings.timezone == "Europe/Berlin"


async def test_forgetting_asks_first_then_deletes_the_callers_data_only(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService
) -> None:
    await revealed_round(quiz, channel_key, service, {"Alice": 99, "Bob": 99})

    asked = await run(quiz, MeForget(), channel_key, ALICE)
    assert asked == ForgetPrompt(ALICE.member)
    assert await reviews.store.cards.cards(guild_of(channel_key), "alice")

    done = await run(quiz, MeForget(confirm=True), channel_key, ALICE)

    assert isinstance(done, ForgetReply) and done.report.total > 0
    guild = guild_of(channel_key)
    assert await reviews.store.cards.cards(guild, "alice") == []
    assert await reviews.store.cards.cards(guild, "bob") != []
    stats = await run(quiz, ShowStats(), channel_key, ALICE)
    assert stats.stats.rounds_answered == 0  # type: ignore[union-attr]


async def test_notebook_and_export_come_as_files(
    quiz: Quiz, channel_key: ChannelKey, service: QuizService, reviews: ReviewService
) -> None:
    await revealed_round(quiz, channel_key, service, {"Alice": UNRELATED, "Bob": 99})

    notebook = await run(quiz, Notebook(functools.partial(text, language="en"), "en", 200_000), channel_key, ALICE)
    export = await run(quiz, Export(), channel_key, ADMIN)

    assert isinstance(notebook, NotebookReply)
    assert len(notebook.files.parts) == 1 and notebook.files.parts[0].startswith("# Alice's study notebook")
    assert notebook.files.anki.notes == 1 and notebook.files.anki.data.startswith(b"PK")
    assert isinstance(export, ExportReply) and export.rows == 2
    assert export.data.decode("utf-8-sig").splitlines()[0].startswith("round_id,")


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_every_review_reply_renders_in_both_languages(
    quiz: Quiz,
    channel_key: ChannelKey,
    service: QuizService,
    reviews: ReviewService,
    clock: ManualClock,
    language: Language,
) -> None:
    round_id = await revealed_round(quiz, channel_key, service, {"Alice": UNRELATED, "Bob": 99})
    clock.advance(DAY)
    shown = await run(quiz, Review(), channel_key, ALICE)
    assert isinstance(shown, ReviewCardReply) and shown.due is not None
    replies = [
        shown,
        await run(quiz, Review(), channel_key, Caller(member("Carol"))),
        await run(quiz, AnswerReview(shown.due.card.id, shown.due.card.reviews, UNRELATED), channel_key, ALICE),
        await run(quiz, Me(), channel_key, ALICE),
        await run(quiz, MeSet(SettingsChange(reminders=True)), channel_key, ALICE),
        await run(quiz, MeForget(), channel_key, BOB),
        await run(quiz, OverrideRating(round_id, knew=True), channel_key, BOB),
        await run(quiz, TooEasy(round_id), channel_key, BOB),
        await run(quiz, Notebook(functools.partial(text, language=language), language, 100_000), channel_key, BOB),
        await run(quiz, Export(), channel_key, ADMIN),
        await run(quiz, MeForget(confirm=True), channel_key, BOB),
    ]
    for reply in replies:
        blocks = reply_blocks(reply, language)
        assert blocks and all(block.strip() for block in blocks), reply
