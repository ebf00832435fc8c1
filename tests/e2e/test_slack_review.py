"""Personal review on Slack, against the local Slack: ``/quiz review`` with its modal and the graded result, the
rating buttons under a reveal, ``/quiz me`` with its settings and "forget me", and ``/quiz notebook`` and the
admins' ``/quiz export`` as files uploaded (``files.uploadV2``) to a direct message."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from bot.core.models import GuildKey
from bot.core.review.cards import Rating, Verdict
from bot.messages import text
from bot.platforms.slack.review import (
    FORGET,
    REVIEW_ANSWER,
    REVIEW_BLOCK,
    REVIEW_INPUT,
    REVIEW_NEXT,
    REVIEW_RATE,
    ROUND_RATE,
)
from tests.e2e.slack_server.actors import Actor
from tests.e2e.slack_server.harness import STUDY, SlackHarness, running_slack
from tests.e2e.slack_server.world import JSON, Ephemeral, Message
from tests.integration.quiz_steps import claim_for

pytestmark = pytest.mark.slow

GUESS = "모르겠습니다 그냥 찍었어요"
DAY = dt.timedelta(days=1)
NOTHING_DUE = text("review.none", "en")


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


async def good_answer(h: SlackHarness, question: Message) -> str:
    card = h.runtime.service.question_card(await h.round_of(question))
    return " ".join(claim_for(c) for c in card.question.key_concepts)


async def nth_reply(h: SlackHarness, actor: Actor, count: int) -> Ephemeral:
    """The ``count``-th ephemeral message only ``actor`` saw."""
    notes = await h.fake.wait_until(
        lambda: len(h.world.ephemerals_for(actor.id)) >= count and h.world.ephemerals_for(actor.id)
    )
    return notes[count - 1]


async def slash(h: SlackHarness, actor: Actor, command: str) -> Ephemeral:
    """``/quiz <command>`` in the study channel; the reply only ``actor`` sees."""
    before = len(h.world.ephemerals_for(actor.id))
    reply = await actor.slash(STUDY, command)
    assert reply.status == 200
    return await nth_reply(h, actor, before + 1)


async def click(h: SlackHarness, actor: Actor, message: Message | Ephemeral, action_id: str) -> Ephemeral:
    before = len(h.world.ephemerals_for(actor.id))
    await actor.click(message, action_id)
    return await nth_reply(h, actor, before + 1)


def element(blocks: list[JSON], action_id: str) -> JSON | None:
    for block in blocks:
        for candidate in [*block.get("elements", []), block.get("accessory") or {}]:
            if candidate.get("action_id") == action_id:
                return dict(candidate)
    return None


def guild(h: SlackHarness) -> GuildKey:
    return GuildKey("slack", h.world.team_id)


async def test_review_opens_a_form_for_the_due_card_and_shows_the_graded_result_privately(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"alice": GUESS})
        assert (await slash(h, h.alice, "review")).text == NOTHING_DUE  # due tomorrow
        h.clock.advance(DAY)

        card = await slash(h, h.alice, "review")
        asked = (await h.round_of(question)).question_id
        shown = h.runtime.service.catalog.question((await h.round_of(question)).deck_id, asked)
        assert card.response_type == "ephemeral" and shown.question in card.all_text()
        assert element(card.blocks, REVIEW_ANSWER) is not None
        await h.alice.click(card, REVIEW_ANSWER)
        [form] = await h.fake.wait_until(lambda: h.world.views)
        assert form["callback_id"] == "quiz_review_view" and shown.question in form["blocks"][0]["text"]["text"]
        submitted = await h.alice.submit(form, {REVIEW_BLOCK: {REVIEW_INPUT: await good_answer(h, question)}})
        assert submitted.status == 200 and submitted.json() is None  # the form closes at once

        result = await nth_reply(h, h.alice, 3)
        assert result.user == h.alice.id and result.channel == STUDY
        assert result.text.startswith("100% · Good · next review in ")
        assert "That's all for today." in result.all_text()
        reviews = await h.runtime.service.review.store.cards.reviews(guild(h), h.alice.id)  # type: ignore[union-attr]
        assert [r.rating for r in reviews] == [Rating.AGAIN, Rating.GOOD]

        # The same form submitted again is not a second review.
        await h.alice.submit(form, {REVIEW_BLOCK: {REVIEW_INPUT: GUESS}})
        again = await nth_reply(h, h.alice, 4)
        assert again.text == text("review.error.stale", "en")

        corrected = await click(h, h.alice, result, REVIEW_RATE[Verdict.DIDNT])
        assert corrected.text.startswith("Noted: you didn't. Next review in 1 day")
        reviews = await h.runtime.service.review.store.cards.reviews(guild(h), h.alice.id)  # type: ignore[union-attr]
        assert (reviews[1].auto_rating, reviews[1].rating) == (Rating.GOOD, Rating.AGAIN)
        assert (await click(h, h.alice, result, REVIEW_NEXT)).text == NOTHING_DUE


async def test_an_empty_review_answer_keeps_the_form_open_with_the_reason(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await revealed_round(h, {"alice": GUESS})
        h.clock.advance(DAY)
        card = await slash(h, h.alice, "review")
        await h.alice.click(card, REVIEW_ANSWER)
        [form] = await h.fake.wait_until(lambda: h.world.views)

        submitted = await h.alice.submit(form, {REVIEW_BLOCK: {REVIEW_INPUT: "   "}})

        assert submitted.json() == {"response_action": "errors", "errors": {REVIEW_BLOCK: text("answer.empty", "en")}}


async def test_the_rating_buttons_under_a_reveal_act_on_the_clicking_members_own_card(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"alice": GUESS, "bob": GUESS})
        [*_, last] = [m for m in h.world.thread(STUDY, question.ts) if m.bot_id]
        assert [element(last.blocks, action) is not None for action in ROUND_RATE.values()] == [True, True, True]

        knew = await click(h, h.alice, last, ROUND_RATE[Verdict.KNEW])
        easy = await click(h, h.bob, last, ROUND_RATE[Verdict.TOO_EASY])
        nothing = await click(h, h.carol, last, ROUND_RATE[Verdict.DIDNT])

        assert knew.text.startswith("Noted: you knew it. Next review in ")
        assert easy.text.startswith("Noted: too easy. Next review in ")
        assert nothing.text == text("review.error.nothing-to-override", "en")
        store = h.runtime.service.review.store.cards  # type: ignore[union-attr]
        (alices,) = await store.reviews(guild(h), h.alice.id)
        (bobs,) = await store.reviews(guild(h), h.bob.id)
        assert (alices.auto_rating, alices.rating) == (Rating.AGAIN, Rating.GOOD)
        assert (bobs.auto_rating, bobs.rating) == (Rating.AGAIN, Rating.EASY)


async def test_me_shows_and_changes_settings_and_forget_me_is_confirmed_by_its_member_only(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await revealed_round(h, {"alice": GUESS, "bob": GUESS})

        me = await slash(h, h.alice, "me")
        assert "Study streak: 1 day (best 1 day)" in me.all_text() and "reminders: off" in me.all_text()
        saved = await slash(h, h.alice, "me tz=Europe/Berlin reminders=on at=07:30 optin=on")
        assert saved.all_text().startswith("Settings saved.")
        assert "Time zone Europe/Berlin · reminders: on at 07:30" in saved.all_text()
        assert (await slash(h, h.alice, "me colour=blue")).text.startswith("Unknown setting 'colour=blue'")

        prompt = await slash(h, h.alice, "me forget")
        button = element(prompt.blocks, FORGET)
        assert button is not None and button["value"] == h.alice.id and button["style"] == "danger"
        refused = await click(h, h.bob, prompt, FORGET)
        assert refused.text == text("review.error.not-yours", "en")
        store = h.runtime.service.review.store.cards  # type: ignore[union-attr]
        assert await store.cards(guild(h), h.alice.id)

        await h.alice.click(prompt, FORGET)
        await h.fake.wait_until(lambda: prompt.text.startswith("Done: "))  # the prompt turns into the receipt
        assert await store.cards(guild(h), h.alice.id) == []
        assert await store.cards(guild(h), h.bob.id) != []


async def test_notebook_and_export_are_uploaded_to_a_direct_message(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"alice": GUESS, "bob": GUESS})
        round_ = await h.round_of(question)

        reply = await slash(h, h.alice, "notebook")

        assert reply.all_text().endswith(text("slack.files.sent", "en"))
        direct = h.world.dm_channel(h.alice.id).id
        markdown, deck = h.world.shared_files(direct)
        assert (markdown.name, deck.name) == ("quizbot-notebook-alice.md", "quizbot-missed-alice.apkg")
        assert markdown.data is not None and GUESS in markdown.data.decode("utf-8")
        assert deck.data is not None
        with zipfile.ZipFile(io.BytesIO(deck.data)) as package:
            assert "collection.anki2" in package.namelist()
        [shared] = [m for m in h.world.channel_messages(direct) if m.files]
        assert shared.files == [markdown.id, deck.id] and shared.text.startswith("Your study notebook")

        refused = await slash(h, h.alice, "export")
        assert refused.text == text("slack.error.not-admin", "en")
        await slash(h, h.dana, "export")
        [exported] = h.world.shared_files(h.world.dm_channel(h.dana.id).id)
        assert exported.name == f"quizbot-results-{STUDY}.csv" and exported.data is not None
        rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
        assert {(r["round_id"], r["member_id"]) for r in rows} == {
            (str(round_.id), h.alice.id),
            (str(round_.id), h.bob.id),
        }
        assert h.world.shared_files(STUDY) == []  # nothing of it in the channel


async def test_the_leaderboard_around_the_caller_and_by_accuracy(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await revealed_round(h, {"alice": GUESS})
        await acked(h, await h.bob.reply(question, "늦었지만 답합니다"))  # late: no points, no grade

        around = await slash(h, h.alice, "leaderboard around all")
        accuracy = await slash(h, h.alice, "leaderboard accuracy")
        refused = await slash(h, h.alice, "leaderboard sideways")

        assert around.all_text().startswith("Leaderboard · All time · around you")
        assert "Your rank: 1 of 1, 10 pts" in around.all_text()
        assert "Your mean: 0% over 1 answer; 3 answers put you on the board." in accuracy.all_text()
        assert refused.text == text("slack.error.bad-period", "en", period="sideways")


async def test_a_member_who_opted_in_gets_a_reminder_as_a_direct_message(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await revealed_round(h, {"alice": GUESS})  # due again the next day
        await slash(h, h.alice, "me reminders=on at=20:00")
        seoul = dt.timezone(dt.timedelta(hours=9))
        tomorrow = (h.clock.now().astimezone(seoul) + DAY).date()
        direct = h.world.dm_channel(h.alice.id).id

        h.clock.set(dt.datetime.combine(tomorrow, dt.time(19, 59), tzinfo=seoul))
        await h.scheduler.run_due()
        assert h.world.bot_messages(direct) == []
        h.clock.set(dt.datetime.combine(tomorrow, dt.time(20, 0), tzinfo=seoul))
        await h.scheduler.run_due()

        [reminder] = await h.fake.wait_until(lambda: h.world.bot_messages(direct))
        assert reminder.text == (
            "📚 You have 1 review cards due today. Start with /quiz review. (Turn this off: /quiz me reminders=off)"
        )
