"""Disputing a grade on Slack: the reveal's button, the member's concept menu, the admins' Accept and Reject."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bot.core.deck_schema import KeyConcept
from bot.core.models import Dispute, DisputeState, GuildKey, Period
from bot.messages import text
from bot.platforms.slack.blocks import DISPUTE_GRADING
from bot.platforms.slack.dispute_blocks import DISPUTE_ACCEPT, DISPUTE_CONCEPT, DISPUTE_REJECT
from bot.platforms.slack.mrkdwn import mrkdwn
from bot.render import dispute_notice
from tests.e2e.slack_server.actors import Actor
from tests.e2e.slack_server.harness import STUDY, SlackHarness, running_slack
from tests.e2e.slack_server.world import JSON, Ephemeral, Message
from tests.integration.quiz_steps import claim_for

pytestmark = pytest.mark.slow

# Says nothing about any question: the grader marks every key concept missed.
GUESS = "모르겠습니다 그냥 찍었어요"


async def acked(h: SlackHarness, message: Message) -> Message:
    await h.fake.wait_until(lambda: h.world.bot.id in message.reactions.get("white_check_mark", []))
    return message


async def revealed_round(h: SlackHarness, answers: dict[str, str]) -> Message:
    """Ask a question, let each named member answer it, reveal it; the question message."""
    question = await h.ask(h.alice)
    for name, answer in answers.items():
        await acked(h, await getattr(h, name).reply(question, answer))
    await h.reveal_due()
    return question


async def key_concepts(h: SlackHarness, question: Message) -> list[KeyConcept]:
    card = h.runtime.service.question_card(await h.round_of(question))
    return list(card.question.key_concepts)


def dispute_button_message(h: SlackHarness, question: Message) -> Message:
    """The reveal message in the thread that carries the "dispute grading" button."""
    [message] = [
        m
        for m in h.world.thread(STUDY, question.ts)
        if m.bot_id and any((b.get("accessory") or {}).get("action_id") == DISPUTE_GRADING for b in m.blocks)
    ]
    return message


def notices(h: SlackHarness, question: Message) -> list[Message]:
    """The bot's notices of opened disputes in the thread (with their buttons until someone decides)."""
    tail = text("dispute.opened", "en", id=0, name="", concept="").rsplit("'", 1)[-1]
    return [m for m in h.world.thread(STUDY, question.ts) if m.bot_id and m.text.endswith(tail)]


def shows(message: Message | Ephemeral, rendered: str) -> bool:
    """True if the message's first section is ``rendered`` (a ``bot.render`` line) as Slack mrkdwn."""
    return bool(message.blocks) and message.blocks[0].get("text", {}).get("text") == mrkdwn(rendered)


def clip(concept: str) -> str:
    return concept if len(concept) <= 75 else concept[:74] + "…"


def element(blocks: list[JSON], action_id: str) -> JSON | None:
    for block in blocks:
        for candidate in [*block.get("elements", []), block.get("accessory") or {}]:
            if candidate.get("action_id") == action_id:
                return dict(candidate)
    return None


async def nth_reply(h: SlackHarness, actor: Actor, count: int = 1) -> Ephemeral:
    """The ``count``-th ephemeral message only ``actor`` saw."""
    notes = await h.fake.wait_until(
        lambda: len(h.world.ephemerals_for(actor.id)) >= count and h.world.ephemerals_for(actor.id)
    )
    return notes[count - 1]


async def concept_menu(h: SlackHarness, actor: Actor, question: Message, count: int = 1) -> Ephemeral:
    """Click the reveal's dispute button as ``actor``; the ephemeral menu it answered with."""
    await actor.click(dispute_button_message(h, question), DISPUTE_GRADING)
    return await nth_reply(h, actor, count)


async def dispute_first_concept(h: SlackHarness, actor: Actor, question: Message) -> tuple[Ephemeral, Message]:
    """Dispute the first concept in ``actor``'s menu; the menu (replaced by the receipt) and the notice."""
    menu = await concept_menu(h, actor, question)
    select = element(menu.blocks, DISPUTE_CONCEPT)
    assert select is not None
    before = len(notices(h, question))
    await actor.choose(menu, DISPUTE_CONCEPT, select["options"][0]["value"])
    [*_, notice] = await h.fake.wait_until(lambda: len(notices(h, question)) > before and notices(h, question))
    await h.fake.wait_until(lambda: menu.text == text("dispute.sent", "en"))
    return menu, notice


async def the_dispute(h: SlackHarness) -> Dispute:
    [dispute] = await h.runtime.service.open_disputes(h.key())
    return dispute


async def points(h: SlackHarness, actor: Actor) -> int:
    board = await h.runtime.service.leaderboard(GuildKey("slack", h.world.team_id), Period.ALL, caller_id=actor.id)
    assert board.caller is not None
    return board.caller.points


async def decide(h: SlackHarness, admin: Actor, notice: Message, action_id: str, count: int = 1) -> Ephemeral:
    await admin.click(notice, action_id)
    return await nth_reply(h, admin, count)


async def test_member_disputes_a_missed_concept_and_the_notice_with_buttons_appears_in_the_thread(
    tmp_path: Path,
) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"bob": GUESS})
        concepts = [c.concept for c in await key_concepts(h, question)]

        menu = await concept_menu(h, h.bob, question)
        select = element(menu.blocks, DISPUTE_CONCEPT)
        assert select is not None and menu.text == text("dispute.choose", "en")
        labels = [o["text"]["text"] for o in select["options"]]
        assert sorted(labels) == sorted(clip(c) for c in concepts)
        chosen = select["options"][1]
        await h.bob.choose(menu, DISPUTE_CONCEPT, chosen["value"])

        [notice] = await h.fake.wait_until(lambda: notices(h, question))
        await h.fake.wait_until(lambda: menu.text == text("dispute.sent", "en"))
        dispute = await the_dispute(h)
        assert (dispute.member.member_id, dispute.state) == (h.bob.id, DisputeState.OPEN)
        assert dispute.concept in concepts and clip(dispute.concept) == chosen["text"]["text"]
        assert shows(notice, dispute_notice(dispute, "en"))
        accept, reject = element(notice.blocks, DISPUTE_ACCEPT), element(notice.blocks, DISPUTE_REJECT)
        assert accept is not None and reject is not None
        assert accept["value"] == reject["value"] == str(dispute.id)
        assert element(menu.blocks, DISPUTE_CONCEPT) is None  # the receipt replaced the menu


async def test_reveal_button_carries_the_round_id(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"bob": GUESS})

        button = element(dispute_button_message(h, question).blocks, DISPUTE_GRADING)

        assert button is not None and button["value"] == str((await h.round_of(question)).id)
        assert button["text"]["text"] == text("dispute.button", "en")


async def test_disputing_the_same_concept_twice_is_explained(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"bob": GUESS})
        first_menu, _ = await dispute_first_concept(h, h.bob, question)
        dispute = await the_dispute(h)

        menu = await concept_menu(h, h.bob, question, count=2)
        select = element(menu.blocks, DISPUTE_CONCEPT)
        assert select is not None
        await h.bob.choose(menu, DISPUTE_CONCEPT, select["options"][0]["value"])

        refusal = text("error.dispute-exists", "en", concept=dispute.concept)
        await h.fake.wait_until(lambda: shows(menu, refusal))
        assert len(notices(h, question)) == 1
        assert first_menu.text == text("dispute.sent", "en")


async def test_member_whose_answer_names_every_concept_is_told_there_is_nothing_to_dispute(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        full = " ".join(claim_for(c) for c in await key_concepts(h, question))
        await acked(h, await h.carol.reply(question, full))
        await h.reveal_due()

        reply = await concept_menu(h, h.carol, question)

        assert reply.text == text("dispute.nothing", "en")
        assert element(reply.blocks, DISPUTE_CONCEPT) is None


async def test_member_without_an_answer_is_told_there_is_nothing_to_dispute(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"bob": GUESS})

        reply = await concept_menu(h, h.erin, question)

        assert reply.text == text("dispute.nothing", "en")
        assert notices(h, question) == []


async def test_non_admin_click_on_accept_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"bob": GUESS})
        _, notice = await dispute_first_concept(h, h.bob, question)
        before = await points(h, h.bob)

        refusal = await decide(h, h.carol, notice, DISPUTE_ACCEPT)

        assert refusal.text == text("dispute.admin_only", "en")
        assert (await the_dispute(h)).state is DisputeState.OPEN
        assert await points(h, h.bob) == before
        assert element(notice.blocks, DISPUTE_ACCEPT) is not None and not notice.edited
        assert all(c.params["ts"] != notice.ts for c in h.fake.calls_to("chat.update"))


async def test_admin_accept_raises_the_total_once_and_a_second_accept_is_refused(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"bob": GUESS})
        _, notice = await dispute_first_concept(h, h.bob, question)
        dispute = await the_dispute(h)
        stale = copy.deepcopy(notice)  # another admin's client, still showing the buttons
        before = await points(h, h.bob)

        ack = await decide(h, h.dana, notice, DISPUTE_ACCEPT)

        assert ack.text == text("dispute.decided_ack", "en")
        decided = await h.runtime.storage.disputes.get(dispute.id)
        assert decided is not None and decided.state is DisputeState.ACCEPTED and decided.points_delta > 0
        assert await points(h, h.bob) == before + decided.points_delta
        decision = dispute_notice(decided, "en")
        await h.fake.wait_until(lambda: any(shows(m, decision) for m in h.world.thread(STUDY, question.ts)))
        assert element(notice.blocks, DISPUTE_ACCEPT) is None and element(notice.blocks, DISPUTE_REJECT) is None
        assert notice.edited and shows(notice, dispute_notice(dispute, "en"))

        again = await decide(h, h.dana, stale, DISPUTE_ACCEPT, count=2)

        assert again.text == text("error.dispute-decided", "en")
        assert await points(h, h.bob) == before + decided.points_delta
        assert [shows(m, decision) for m in h.world.thread(STUDY, question.ts)].count(True) == 1


async def test_admin_reject_leaves_the_points_as_they_were(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"bob": GUESS})
        _, notice = await dispute_first_concept(h, h.bob, question)
        dispute = await the_dispute(h)
        before = await points(h, h.bob)

        ack = await decide(h, h.dana, notice, DISPUTE_REJECT)

        assert ack.text == text("dispute.decided_ack", "en")
        decided = await h.runtime.storage.disputes.get(dispute.id)
        assert decided is not None and decided.state is DisputeState.REJECTED and decided.points_delta == 0
        assert await points(h, h.bob) == before
        decision = dispute_notice(decided, "en")
        await h.fake.wait_until(lambda: any(shows(m, decision) for m in h.world.thread(STUDY, question.ts)))
        assert element(notice.blocks, DISPUTE_REJECT) is None


async def test_decision_buttons_still_work_after_a_restart(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"bob": GUESS})
        _, notice = await dispute_first_concept(h, h.bob, question)
        before = await points(h, h.bob)
        await h.restart()

        ack = await decide(h, h.dana, notice, DISPUTE_ACCEPT)

        assert ack.text == text("dispute.decided_ack", "en")
        assert await points(h, h.bob) > before
        assert await h.runtime.service.open_disputes(h.key()) == []


async def test_names_in_the_notice_cannot_ping_anyone(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        h.world.users[h.bob.id].display_name = "<!here> Bob"
        question = await revealed_round(h, {"bob": GUESS})

        _, notice = await dispute_first_concept(h, h.bob, question)

        shown = notice.all_text()
        assert "&lt;!here&gt; Bob" in shown and "<!here>" not in shown
        assert all("link_names" not in c.params for c in h.fake.calls_to("chat.postMessage"))
