"""Answers graded as they arrive: judgements stored in the background, read by the reveal (even in a fresh
process), graded again whenever what they were graded from changed."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from bot.core.clock import ManualClock
from bot.core.deck_schema import Question
from bot.core.decks import DeckCatalog
from bot.core.grading import GradingService, Judgement
from bot.core.grading.background import BackgroundGrading, GradingRequest
from bot.core.grading.judgements import AnswerJudgement, judgement_from_json, judgement_to_json, text_key
from bot.core.models import ChannelDefaults, ChannelKey, GuildKey, MisconceptionNote, RevealOutcome, Round
from bot.core.scheduler import QuizScheduler
from bot.core.scoring import ScoringRules
from bot.core.service import QuizService
from bot.storage.review_backends import review_store_for
from tests.conftest import RecordingPlatform, StoreOpener
from tests.integration.quiz_steps import answer, answer_covering, labels, member

pytestmark = pytest.mark.backends("sqlite", "postgresql")


class CountingGrading(GradingService):
    """Grades in this process and counts the texts it grades; refuses to grade at all when ``refuse``."""

    def __init__(self, *, refuse: bool = False) -> None:
        super().__init__(worker=False)
        self.refuse = refuse
        self.graded: list[str] = []

    def grade_all(
        self, question: Question, texts: Sequence[str], accepted: frozenset[str] = frozenset()
    ) -> list[Judgement]:
        if self.refuse:
            raise AssertionError(f"graded at the reveal: {list(texts)}")
        self.graded += texts
        return super().grade_all(question, texts, accepted)


@pytest.fixture
async def open_round(scheduler: QuizScheduler, platform: RecordingPlatform, channel_key: ChannelKey) -> Round:
    return await scheduler.ask(platform, channel_key)


async def restarted(
    store_opener: StoreOpener, catalog: DeckCatalog, clock: ManualClock, rules: ScoringRules, grading: GradingService
) -> QuizService:
    """A service as a freshly started process has it: its own store connection and its own grader."""
    return QuizService(
        await store_opener(),
        catalog,
        rules=rules,
        defaults=ChannelDefaults(),
        clock=clock,
        rng=random.Random(7),
        grading=grading,
    )


def question_of(service: QuizService, round_: Round) -> Question:
    return service.catalog.question(round_.deck_id, round_.question_id)


async def stored(service: QuizService, round_: Round, accepted: frozenset[str] = frozenset()) -> dict[str, Judgement]:
    fingerprint = service.grading.fingerprint(round_.deck_id, question_of(service, round_), accepted)
    return await service.storage.judgements.for_round(round_.id, fingerprint)


async def revealed(service: QuizService, platform: RecordingPlatform, round_: Round) -> RevealOutcome:
    outcome = await service.reveal(platform, round_.id)
    assert outcome is not None
    return outcome


async def test_an_answer_is_graded_in_the_background_and_its_judgement_stored(
    service: QuizService, open_round: Round
) -> None:
    text = answer_covering(service, open_round, 2)
    await answer(service, open_round, "Alice", text)
    await service.grading_idle()
    (expected,) = await service.grading.grade_many(question_of(service, open_round), [text])
    assert await stored(service, open_round) == {text_key(text): expected}
    assert expected.covered == labels(service, open_round)[:2]


async def test_a_reveal_in_a_fresh_process_reads_the_stored_judgements_and_grades_nothing(
    service: QuizService,
    open_round: Round,
    platform: RecordingPlatform,
    store_opener: StoreOpener,
    catalog: DeckCatalog,
    clock: ManualClock,
    rules: ScoringRules,
) -> None:
    texts = {name: answer_covering(service, open_round, n) for n, name in enumerate(("Alice", "Bob", "Carol"))}
    for name, text in texts.items():
        await answer(service, open_round, name, text)
    await service.grading_idle()
    fresh = await restarted(store_opener, catalog, clock, rules, CountingGrading(refuse=True))
    outcome = await revealed(fresh, platform, open_round)
    assert {r.member.display_name: r.covered for r in outcome.results} == {
        name: labels(service, open_round)[:n] for n, name in enumerate(texts)
    }


async def test_an_edited_answer_is_graded_again_and_the_reveal_uses_the_new_text(
    service: QuizService,
    open_round: Round,
    platform: RecordingPlatform,
    store_opener: StoreOpener,
    catalog: DeckCatalog,
    clock: ManualClock,
    rules: ScoringRules,
) -> None:
    await answer(service, open_round, "Alice", answer_covering(service, open_round, 0), message_id="a1")
    await service.grading_idle()
    edited = answer_covering(service, open_round, 99)
    assert await service.edit_answer(open_round, "a1", edited) is not None
    await service.grading_idle()
    assert text_key(edited) in await stored(service, open_round)
    fresh = await restarted(store_opener, catalog, clock, rules, CountingGrading(refuse=True))
    (result,) = (await revealed(fresh, platform, open_round)).results
    assert (result.answer_text, result.coverage) == (edited, 1.0)


async def test_a_deck_edit_of_the_question_makes_the_stored_judgement_stale(
    service: QuizService,
    open_round: Round,
    platform: RecordingPlatform,
    store_opener: StoreOpener,
    catalog: DeckCatalog,
    clock: ManualClock,
    rules: ScoringRules,
) -> None:
    text = "바나나프레소입니다."
    await answer(service, open_round, "Alice", text)
    await service.grading_idle()
    assert text_key(text) in await stored(service, open_round)
    first = labels(service, open_round)[0]
    grading = CountingGrading()
    fresh = await restarted(store_opener, with_alias(catalog, open_round, "바나나프레소"), clock, rules, grading)
    (result,) = (await revealed(fresh, platform, open_round)).results
    assert grading.graded == [text]
    assert first in result.covered


async def test_a_judgement_graded_with_accepted_concepts_is_not_used_by_a_reveal(
    service: QuizService,
    open_round: Round,
    platform: RecordingPlatform,
    store_opener: StoreOpener,
    catalog: DeckCatalog,
    clock: ManualClock,
    rules: ScoringRules,
) -> None:
    service.stop_grading()  # only the judgement saved below is stored
    text = answer_covering(service, open_round, 0)
    await answer(service, open_round, "Alice", text)
    question = question_of(service, open_round)
    accepted = frozenset(labels(service, open_round)[:1])
    (credited,) = await service.grading.grade_many(question, [text], accepted)
    assert credited.covered == tuple(accepted)
    (saved,) = await service.storage.answers.for_round(open_round.id)
    fingerprint = service.grading.fingerprint(open_round.deck_id, question, accepted)
    assert await service.storage.judgements.save(
        [AnswerJudgement(saved.answer_id, text_key(text), fingerprint, credited)]
    )
    grading = CountingGrading()
    fresh = await restarted(store_opener, catalog, clock, rules, grading)
    (result,) = (await revealed(fresh, platform, open_round)).results
    assert grading.graded == [text]
    assert result.covered == ()


@pytest.mark.parametrize("graded_ahead", [True, False])
async def test_scores_are_those_of_grading_at_the_reveal_whether_judgements_were_stored_or_not(
    service: QuizService, open_round: Round, platform: RecordingPlatform, graded_ahead: bool
) -> None:
    if not graded_ahead:
        service.stop_grading()
    texts = [answer_covering(service, open_round, n) for n in range(4)] + ["잘 모르겠지만 정규화하지 않습니다"]
    for n, text in enumerate(texts):
        await answer(service, open_round, f"m{n}", text)
    await service.grading_idle()
    assert len(await stored(service, open_round)) == (len(texts) if graded_ahead else 0)
    expected = await CountingGrading().grade_many(question_of(service, open_round), texts)
    outcome = await revealed(service, platform, open_round)
    found = {r.answer_text: (r.coverage, r.covered, r.named, r.contradicted, r.missed) for r in outcome.results}
    assert found == {
        text: (j.score, j.covered, j.named, j.contradicted, j.missed) for text, j in zip(texts, expected, strict=True)
    }


async def test_a_late_answer_is_not_graded(
    service: QuizService, open_round: Round, platform: RecordingPlatform
) -> None:
    await revealed(service, platform, open_round)
    receipt = await service.record_answer(open_round, member("Dave"), "늦은 답입니다", message_id="d1")
    assert receipt is not None and receipt.late
    assert service.background.waiting == 0
    await service.grading_idle()
    assert await stored(service, open_round) == {}


async def test_forgetting_a_member_deletes_their_judgements(service: QuizService, open_round: Round) -> None:
    await answer(service, open_round, "Alice", answer_covering(service, open_round, 1))
    await answer(service, open_round, "Bob", answer_covering(service, open_round, 2))
    await service.grading_idle()
    assert len(await stored(service, open_round)) == 2
    eraser = review_store_for(service.storage)
    assert eraser is not None
    guild = GuildKey(open_round.channel.platform, open_round.channel.guild_id)
    report = await eraser.eraser.forget_member(guild, "alice", lambda votes: votes)
    assert report.deleted["answer_judgements"] == 1
    assert list(await stored(service, open_round)) == [text_key(answer_covering(service, open_round, 2))]


async def test_the_queue_keeps_one_text_per_answer_and_no_more_answers_than_its_capacity(
    service: QuizService, open_round: Round
) -> None:
    grading = CountingGrading()
    queue = BackgroundGrading(grading, service.storage.judgements, capacity=2)
    question = question_of(service, open_round)

    def request(answer_id: int, text: str) -> GradingRequest:
        return GradingRequest(answer_id, open_round.deck_id, question, text)

    assert queue.submit(request(1, "첫 답")) and queue.submit(request(1, "고친 답"))
    assert queue.submit(request(2, "둘째 답"))
    assert not queue.submit(request(3, "넘친 답"))  # left to its reveal
    assert queue.waiting == 2
    await queue.idle()
    assert grading.graded == ["고친 답", "둘째 답"]
    await queue.close()
    assert not queue.submit(request(4, "닫힌 뒤"))
    await queue.idle()
    assert grading.graded == ["고친 답", "둘째 답"]


def test_a_judgement_survives_its_json_round_trip() -> None:
    judgement = Judgement(
        score=0.1 + 0.2,
        covered=("정규화", "배치"),
        named=("평균",),
        contradicted=(),
        missed=("분산",),
        misconceptions=(MisconceptionNote("드롭아웃이다", "정규화다"), MisconceptionNote("틀림")),
        total=4,
    )
    assert judgement_from_json(judgement_to_json(judgement)) == judgement


def with_alias(catalog: DeckCatalog, round_: Round, alias: str) -> DeckCatalog:
    """The catalog with ``alias`` added to the first key concept of the round's question (a deck edit)."""
    decks = []
    for deck in catalog.decks:
        if deck.id == round_.deck_id:
            questions = tuple(_aliased(q, alias) if q.id == round_.question_id else q for q in deck.questions)
            deck = deck.model_copy(update={"questions": questions})
        decks.append(deck)
    return DeckCatalog(decks)


def _aliased(question: Question, alias: str) -> Question:
    first, *rest = question.key_concepts
    changed = first.model_copy(update={"aliases": (*first.aliases, alias), "requires": ()})
    return question.model_copy(update={"key_concepts": (changed, *rest)})
