"""Disputing the grading on Discord: the button under the reveal, the private menu of missed concepts, the notice
in the thread and the Accept / Reject buttons only the channel's admins may use, each decision taking effect once."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.core.clock import ManualClock
from bot.core.models import Dispute, DisputeState, GuildKey, MemberResult, Period, Round
from bot.render import dispute_notice
from tests.e2e.discord_server import DiscordServer, Message, MessageFlag, User
from tests.e2e.discord_server.limits import iter_components
from tests.e2e.discord_support import START, QuizHarness, acknowledged, quiz_settings

AFTER_ONDEMAND_REVEAL = dt.timedelta(minutes=11)
DISPUTE_CATEGORY = "dispute-e2e"
FULL_CATEGORY = "dispute-full"
# Longer than a select option's label or value may be (100 characters): only an index can stand for it.
LONG_CONCEPT = (
    "학습률 워밍업은 학습 초기에 학습률을 아주 작은 값에서 시작해 여러 스텝에 걸쳐 목표 값까지 천천히 키우는 "
    "방식으로, 큰 배치나 적응형 옵티마이저에서 초기 업데이트가 불안정하게 발산하는 것을 막아 줍니다"
)
SHORT_CONCEPT = "배치 정규화"
# Covers nothing of either question: every concept is missed.
CLUELESS = "모르겠습니다 그냥 찍었어요"

_DECK = f"""\
deck:
  id: dispute-e2e
  title: Dispute deck
  language: ko
  version: 1
  categories:
    - {{id: {DISPUTE_CATEGORY}, ko: 이의 제기, en: Disputes}}
    - {{id: {FULL_CATEGORY}, ko: 만점, en: Full marks}}
questions:
  - id: warmup-and-norm
    category: {DISPUTE_CATEGORY}
    difficulty: medium
    question: 큰 배치로 학습할 때 초반이 불안정하면 무엇을 해 볼 수 있나요?
    answer:
      - 학습률 워밍업과 배치 정규화를 씁니다.
    key_concepts:
      - concept: "{LONG_CONCEPT}"
        aliases: [워밍업]
      - concept: {SHORT_CONCEPT}
  - id: relu-full
    category: {FULL_CATEGORY}
    difficulty: easy
    question: ReLU를 쓰는 이유는?
    answer:
      - 양수 구간의 기울기가 1이라 기울기 소실이 덜합니다.
    key_concepts:
      - concept: vanishing gradient
        aliases: [기울기 소실]
"""


@pytest_asyncio.fixture
async def quiz(discord_server: DiscordServer, tmp_path: Path) -> AsyncIterator[QuizHarness]:
    """A running bot whose decks include the dispute deck, stopped cleanly after the test."""
    settings = quiz_settings(discord_server, tmp_path)
    (tmp_path / "decks" / "disputes.yaml").write_text(textwrap.dedent(_DECK), encoding="utf-8")
    harness = QuizHarness(discord_server, settings, ManualClock(START))
    await harness.start()
    try:
        yield harness
    finally:
        if harness.bot is not None:
            await harness.stop()


# --- helpers ---------------------------------------------------------------------------------------------


def custom_ids(message: Message) -> list[str]:
    return [str(c["custom_id"]) for c in iter_components(message.components) if "custom_id" in c]


def concept_menu(message: Message) -> dict[str, Any]:
    return next(c for c in iter_components(message.components) if c.get("type") == 3)


def concept_menu_label(concept: str) -> str:
    return concept if len(concept) <= 100 else concept[:99] + "…"


async def revealed(
    quiz: QuizHarness, answers: dict[int, str], category: str = DISPUTE_CATEGORY
) -> tuple[Round, Message]:
    """Ask a question of ``category``, let each user (by id) answer, reveal; the round and the reveal's message
    carrying the dispute button."""
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=category)
    assert question.thread_id is not None
    for user_id, text in answers.items():
        said = server.user_says(question.thread_id, user_id, text)
        await server.wait_for(lambda said=said: acknowledged(server, said))
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()
    button = f"quiz:dispute:{round_.id}"
    reveal = await server.wait_for_message(question.thread_id, lambda m: button in custom_ids(m), author=server.bot)
    return round_, reveal


async def open_menu(quiz: QuizHarness, reveal: Message, round_: Round, user: User, locale: str = "en-US") -> Message:
    """Click the reveal's dispute button as ``user``: the private reply."""
    click = quiz.server.click_button(reveal, f"quiz:dispute:{round_.id}", user, locale=locale)
    return await click.message()


async def choose_concept(quiz: QuizHarness, menu_message: Message, user: User, concept: str) -> Message:
    """Pick ``concept`` in a concept menu as ``user``; the menu's message once it has turned into the reply."""
    server = quiz.server
    menu = concept_menu(menu_message)
    value = next(o["value"] for o in menu["options"] if concept.startswith(o["label"].rstrip("…")))
    server.choose(menu_message, menu["custom_id"], [value], user)
    await server.wait_for(lambda: not menu_message.components)
    return menu_message


async def dispute(quiz: QuizHarness, reveal: Message, round_: Round, user: User, concept: str) -> Message:
    """Dispute ``concept`` as ``user`` through the button and the menu; the private reply, once settled."""
    return await choose_concept(quiz, await open_menu(quiz, reveal, round_, user), user, concept)


async def accept(quiz: QuizHarness, round_: Round, dispute_id: int) -> None:
    notice = await quiz.server.wait_for_message(
        int(round_.thread_id or 0), lambda m: f"quiz:dispute-accept:{dispute_id}" in custom_ids(m)
    )
    click = quiz.server.click_button(notice, f"quiz:dispute-accept:{dispute_id}", quiz.server.world.admin)
    assert (await click.followup()).content == "Decision recorded."


async def notice_in_thread(quiz: QuizHarness, round_: Round) -> Message:
    """The open dispute's notice in the round's thread: the bot message with Accept / Reject buttons."""
    assert round_.thread_id is not None
    return await quiz.server.wait_for_message(
        int(round_.thread_id),
        lambda m: any(i.startswith("quiz:dispute-accept:") for i in custom_ids(m)),
        author=quiz.server.bot,
    )


async def disputes_of(quiz: QuizHarness, round_: Round) -> list[Dispute]:
    return await quiz.service.storage.disputes.for_round(round_.id)


async def total_points(quiz: QuizHarness, user: User) -> int:
    """The member's all-time leaderboard total."""
    guild = GuildKey("discord", str(quiz.server.guild.id))
    board = await quiz.service.leaderboard(guild, Period.ALL, str(user.id))
    assert board.caller is not None
    return board.caller.points


async def result_of(quiz: QuizHarness, round_: Round, user: User) -> MemberResult:
    """The member's stored, scored result in the round."""
    outcome = await quiz.service.storage.results.outcome(round_.id)
    assert outcome is not None
    return next(r for r in outcome.results if r.member.member_id == str(user.id))


def posted(quiz: QuizHarness, round_: Round, line: str) -> list[Message]:
    """The bot's messages in the round's thread that say exactly ``line``."""
    assert round_.thread_id is not None
    return [m for m in quiz.server.bot_messages(int(round_.thread_id)) if m.content == line]


def decision_line(quiz: QuizHarness, decided: Dispute) -> str:
    return dispute_notice(decided, quiz.running.platform.language)


# --- tests -----------------------------------------------------------------------------------------------


async def test_the_reveal_carries_a_dispute_button_that_lists_the_members_missed_concepts_privately(
    quiz: QuizHarness,
) -> None:
    alice = quiz.server.world.alice
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS})

    reply = await open_menu(quiz, reveal, round_, alice, locale="ko")

    assert reply.flags & MessageFlag.EPHEMERAL and reply.ephemeral_to == alice.id
    assert reply.content == "어떤 개념이 인정되어야 하나요?"
    menu = concept_menu(reply)
    labels = [o["label"] for o in menu["options"]]
    assert len(labels) == 2 and SHORT_CONCEPT in labels
    assert all(len(o["label"]) <= 100 and len(o["value"]) <= 100 for o in menu["options"])
    assert any(len(label) == 100 and LONG_CONCEPT.startswith(label[:-1]) for label in labels)


async def test_a_member_disputes_a_missed_concept_and_the_notice_with_buttons_appears_in_the_thread(
    quiz: QuizHarness,
) -> None:
    alice = quiz.server.world.alice
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS})

    reply = await dispute(quiz, reveal, round_, alice, LONG_CONCEPT)
    notice = await notice_in_thread(quiz, round_)

    assert reply.ephemeral_to == alice.id
    assert reply.content == "Dispute sent. The decision will be posted in the thread."
    [opened] = await disputes_of(quiz, round_)
    assert (opened.concept, opened.state, opened.member.member_id) == (LONG_CONCEPT, DisputeState.OPEN, str(alice.id))
    assert not notice.ephemeral
    assert f"#{opened.id}" in notice.content and LONG_CONCEPT in notice.content and "**Alice**" in notice.content
    assert custom_ids(notice) == [f"quiz:dispute-accept:{opened.id}", f"quiz:dispute-reject:{opened.id}"]
    assert notice.allowed_mentions is not None and notice.allowed_mentions.get("parse") == []
    assert not (notice.mention_user_ids or notice.mention_role_ids or notice.mention_everyone)


async def test_disputing_the_same_concept_again_is_refused_privately(quiz: QuizHarness) -> None:
    alice = quiz.server.world.alice
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS})
    await dispute(quiz, reveal, round_, alice, SHORT_CONCEPT)

    again = await dispute(quiz, reveal, round_, alice, SHORT_CONCEPT)

    assert again.ephemeral_to == alice.id
    assert again.content == f"You have disputed '{SHORT_CONCEPT}' already."
    assert len(await disputes_of(quiz, round_)) == 1


async def test_a_menu_opened_before_a_decision_still_opens_the_concept_the_member_chose(quiz: QuizHarness) -> None:
    alice = quiz.server.world.alice
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS})
    stale = await open_menu(quiz, reveal, round_, alice)
    stale_twin = await open_menu(quiz, reveal, round_, alice)
    await dispute(quiz, reveal, round_, alice, LONG_CONCEPT)
    [first] = await disputes_of(quiz, round_)
    # Accepted, the first concept leaves the disputable list and the second moves up to its place.
    await accept(quiz, round_, first.id)

    reply = await choose_concept(quiz, stale, alice, SHORT_CONCEPT)
    refused = await choose_concept(quiz, stale_twin, alice, LONG_CONCEPT)

    assert reply.content == "Dispute sent. The decision will be posted in the thread."
    assert [(d.concept, d.state) for d in await disputes_of(quiz, round_)] == [
        (LONG_CONCEPT, DisputeState.ACCEPTED),
        (SHORT_CONCEPT, DisputeState.OPEN),
    ]
    label = concept_menu_label(LONG_CONCEPT)
    assert refused.content == f"'{label}' was not marked missed or contradicted in your answer."


async def test_a_member_without_manage_server_cannot_decide_a_dispute(quiz: QuizHarness) -> None:
    server = quiz.server
    alice, bob = server.world.alice, server.world.bob
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS})
    await dispute(quiz, reveal, round_, alice, SHORT_CONCEPT)
    notice = await notice_in_thread(quiz, round_)
    before = await total_points(quiz, alice)
    [opened] = await disputes_of(quiz, round_)

    for user in (bob, alice):
        refusal = await server.click_button(notice, f"quiz:dispute-accept:{opened.id}", user).message()
        assert refusal.ephemeral_to == user.id
        assert refusal.content == "Only the channel's admins can decide disputes."

    assert [d.state for d in await disputes_of(quiz, round_)] == [DisputeState.OPEN]
    assert await total_points(quiz, alice) == before
    assert len(custom_ids(notice)) == 2
    assert posted(quiz, round_, decision_line(quiz, replace(opened, state=DisputeState.ACCEPTED))) == []


async def test_an_admin_accepts_once_and_the_total_rises_by_the_rescored_points(quiz: QuizHarness) -> None:
    server = quiz.server
    alice, admin, owner = server.world.alice, server.world.admin, server.world.owner
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS})
    await dispute(quiz, reveal, round_, alice, LONG_CONCEPT)
    notice = await notice_in_thread(quiz, round_)
    before = await total_points(quiz, alice)
    graded = await result_of(quiz, round_, alice)
    [opened] = await disputes_of(quiz, round_)

    # Two admins click Accept at the same moment, before either click is handled.
    clicks = [server.click_button(notice, f"quiz:dispute-accept:{opened.id}", user) for user in (admin, owner)]
    replies = [await click.followup() for click in clicks]

    assert sorted(r.content for r in replies) == ["Decision recorded.", "That dispute was decided already."]
    assert [r.ephemeral_to for r in replies] == [admin.id, owner.id]
    [accepted] = await disputes_of(quiz, round_)
    rescored = (await result_of(quiz, round_, alice)).coverage_points - graded.coverage_points
    assert accepted.state is DisputeState.ACCEPTED and accepted.points_delta == rescored > 0
    assert LONG_CONCEPT in (await result_of(quiz, round_, alice)).covered
    assert await total_points(quiz, alice) == before + rescored
    assert len(posted(quiz, round_, decision_line(quiz, accepted))) == 1
    assert custom_ids(notice) == []


async def test_an_admin_rejects_and_the_points_stay(quiz: QuizHarness) -> None:
    server = quiz.server
    alice, admin = server.world.alice, server.world.admin
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS})
    await dispute(quiz, reveal, round_, alice, SHORT_CONCEPT)
    notice = await notice_in_thread(quiz, round_)
    before = await total_points(quiz, alice)
    [opened] = await disputes_of(quiz, round_)

    click = server.click_button(notice, f"quiz:dispute-reject:{opened.id}", admin)
    ack = await click.followup()

    assert ack.ephemeral_to == admin.id and ack.content == "Decision recorded."
    [rejected] = await disputes_of(quiz, round_)
    assert rejected.state is DisputeState.REJECTED and rejected.points_delta == 0
    assert await total_points(quiz, alice) == before
    assert len(posted(quiz, round_, decision_line(quiz, rejected))) == 1
    assert custom_ids(notice) == []


async def test_a_member_whose_every_concept_counted_is_told_there_is_nothing_to_dispute(quiz: QuizHarness) -> None:
    alice = quiz.server.world.alice
    round_, reveal = await revealed(quiz, {alice.id: "기울기 소실이 줄어듭니다"}, category=FULL_CATEGORY)

    reply = await open_menu(quiz, reveal, round_, alice)

    assert reply.ephemeral_to == alice.id
    assert reply.content == "There is nothing to dispute: every concept counted."
    assert reply.components == []
    assert await disputes_of(quiz, round_) == []


async def test_a_member_who_did_not_answer_is_told_there_is_nothing_to_dispute(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, reveal = await revealed(quiz, {server.world.alice.id: CLUELESS})

    reply = await open_menu(quiz, reveal, round_, server.world.bob, locale="ko")

    assert reply.ephemeral_to == server.world.bob.id
    assert reply.content == "이의를 제기할 개념이 없습니다 (모두 인정됨)."


async def test_the_dispute_buttons_keep_working_after_a_restart(quiz: QuizHarness) -> None:
    server = quiz.server
    alice, admin = server.world.alice, server.world.admin
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS})
    await quiz.stop()
    await quiz.start()

    await dispute(quiz, reveal, round_, alice, SHORT_CONCEPT)
    notice = await notice_in_thread(quiz, round_)
    [opened] = await disputes_of(quiz, round_)
    await quiz.stop()
    await quiz.start()
    ack = await server.click_button(notice, f"quiz:dispute-accept:{opened.id}", admin).followup()

    assert ack.content == "Decision recorded."
    assert [d.state for d in await disputes_of(quiz, round_)] == [DisputeState.ACCEPTED]
