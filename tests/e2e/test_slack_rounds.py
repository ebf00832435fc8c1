"""A round on Slack end to end: real slack-bolt and slack-sdk against the local Slack, in HTTP mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.messages import text
from bot.platforms.slack.blocks import ANSWER_PRIVATELY, PRIVATE_ANSWER_BLOCK, PRIVATE_ANSWER_INPUT
from tests.e2e.slack_server.harness import STUDY, SlackHarness, eventually, running_slack, standard_world
from tests.e2e.slack_server.world import Message
from tests.integration.quiz_steps import claim_for

pytestmark = pytest.mark.slow


async def full_answer(h: SlackHarness, question: Message) -> str:
    """An answer claiming every key concept of the question's round: it covers everything."""
    card = h.runtime.service.question_card(await h.round_of(question))
    return " ".join(claim_for(c) for c in card.question.key_concepts)


async def acked(h: SlackHarness, message: Message) -> Message:
    """Wait for the bot's ✅ on ``message``."""
    await h.fake.wait_until(lambda: h.world.bot.id in message.reactions.get("white_check_mark", []))
    return message


def reveal_text(h: SlackHarness, question: Message) -> str:
    return "\n".join(m.all_text() for m in h.world.thread(STUDY, question.ts) if m.bot_id == h.world.bot_id)


async def test_quiz_ask_posts_a_block_kit_question_in_the_channel(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice, "ask optimization")

        round_ = await h.round_of(question)
        card = h.runtime.service.question_card(round_)
        kinds = [b["type"] for b in question.blocks]
        assert kinds[0] == "header" and "actions" in kinds
        assert question.blocks[1]["text"]["text"] == card.question.question.replace("&", "&amp;")
        assert card.question.category == "optimization"
        assert f"<!date^{int(round_.reveal_at.timestamp())}^" in question.all_text()
        button = question.blocks[-1]["elements"][0]
        assert button["action_id"] == ANSWER_PRIVATELY
        assert (round_.message_id, round_.thread_id) == (question.ts, question.ts)


async def test_thread_reply_is_recorded_then_acknowledged_with_a_check_mark(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)

        reply = await acked(h, await h.alice.reply(question, "gradients &amp; the chain rule"))

        [answer] = await h.answers(question)
        assert (answer.member.member_id, answer.member.display_name) == (h.alice.id, "Alice")
        assert (answer.text, answer.message_id, answer.private) == ("gradients & the chain rule", reply.ts, False)


async def test_a_redelivered_reply_is_not_reported_to_its_author_as_an_edit(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        reply = await acked(h, await h.alice.reply(question, "the chain rule"))

        await h.alice.redeliver(reply)

        await h.fake.wait_until(lambda: len(h.fake.calls_to("reactions.add")) == 2)
        assert await h.bot.settled(5.0)
        assert h.world.ephemerals_for(h.alice.id) == []
        [answer] = await h.answers(question)
        assert answer.text == "the chain rule"


async def test_editing_a_reply_replaces_the_answer(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        reply = await acked(h, await h.alice.reply(question, "first thoughts"))

        await h.alice.edit(reply, "second, better thoughts")

        answers = await eventually(lambda: _answers_with(h, question, "second, better thoughts"))
        assert [a.message_id for a in answers] == [reply.ts]


async def test_deleting_a_reply_withdraws_the_answer(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        reply = await acked(h, await h.bob.reply(question, "never mind"))

        await h.bob.delete(reply)

        assert await eventually(lambda: _no_answers(h, question))


async def test_bot_posts_and_other_subtypes_in_the_thread_are_not_answers(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        other_bot = h.world.post(STUDY, "an integration says hi", thread_ts=question.ts)
        await h.delivery.event(
            {
                "type": "message",
                "subtype": "bot_message",
                "bot_id": "B0OTHER01",
                "text": other_bot.text,
                "ts": other_bot.ts,
                "thread_ts": question.ts,
                "channel": STUDY,
            }
        )
        await h.carol.reply(question, "<@U0CAROL01> has joined the channel", subtype="channel_join")

        await acked(h, await h.bob.reply(question, "a real answer"))

        assert [a.member.member_id for a in await h.answers(question)] == [h.bob.id]


async def test_thumbs_up_on_another_members_answer_counts_but_not_on_ones_own(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        reply = await acked(h, await h.alice.reply(question, "my answer"))

        await h.alice.react(reply, "+1")
        await h.bob.react(reply, "thumbsup::skin-tone-3")

        [answer] = await eventually(lambda: _answers_with_votes(h, question, 1))
        assert answer.member.member_id == h.alice.id


async def test_removing_a_thumbs_up_takes_the_upvote_back(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        reply = await acked(h, await h.alice.reply(question, "my answer"))
        await h.bob.react(reply)
        await eventually(lambda: _answers_with_votes(h, question, 1))

        await h.bob.unreact(reply)

        assert await eventually(lambda: _answers_with_votes(h, question, 0))


async def test_upvote_after_a_restart_finds_the_answer_through_the_thread(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        reply = await acked(h, await h.alice.reply(question, "my answer"))
        # A restarted bot has not seen the reply: it must ask Slack which thread the reacted message is in.
        await h.restart()

        await h.bob.react(reply)

        assert await eventually(lambda: _answers_with_votes(h, question, 1))
        # Besides the read-back of the open round's thread at start (ts of the question), one lookup of the reply.
        lookups = [c.params["ts"] for c in h.fake.calls_to("conversations.replies") if c.params["ts"] != question.ts]
        assert lookups == [reply.ts]


async def test_answer_privately_opens_a_modal_whose_submission_is_a_private_answer(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)

        click = await h.carol.click(question, ANSWER_PRIVATELY)
        [view] = await h.fake.wait_until(lambda: h.world.views)
        submitted = await h.carol.submit(
            view, {PRIVATE_ANSWER_BLOCK: {PRIVATE_ANSWER_INPUT: "softmax keeps it private"}}
        )

        assert click.status == 200 and submitted.status == 200 and submitted.json() is None
        [answer] = await h.answers(question)
        assert (answer.member.member_id, answer.text, answer.private) == (h.carol.id, "softmax keeps it private", True)
        [note] = h.world.ephemerals_for(h.carol.id)
        assert note.text == text("answer.private_saved", "en")


async def test_empty_private_answer_keeps_the_modal_open_with_the_reason(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        await h.carol.click(question, ANSWER_PRIVATELY)
        [view] = await h.fake.wait_until(lambda: h.world.views)

        submitted = await h.carol.submit(view, {PRIVATE_ANSWER_BLOCK: {PRIVATE_ANSWER_INPUT: "   "}})

        assert submitted.json() == {
            "response_action": "errors",
            "errors": {PRIVATE_ANSWER_BLOCK: text("answer.empty", "en")},
        }
        assert await h.answers(question) == []


async def test_reveal_posts_results_in_the_thread_and_marks_the_question_revealed(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        round_ = await h.round_of(question)
        await acked(h, await h.alice.reply(question, await full_answer(h, question)))
        await acked(h, await h.bob.reply(question, "no idea"))

        await h.reveal_due()

        shown = reveal_text(h, question)
        card = h.runtime.service.question_card(round_)
        assert text("reveal.title", "en") in shown
        assert card.question.answer[0].text in shown.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        assert f"*Alice*: {10 + 20} pts" in shown and "*Bob*: 10 pts" in shown
        closed = h.world.message(STUDY, question.ts)
        assert closed is not None and closed.edited
        assert text("question.revealed", "en") in closed.all_text()
        assert "actions" not in [b["type"] for b in closed.blocks]


async def test_mentions_in_answers_and_names_cannot_ping_anyone_in_the_reveal(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        h.world.users["U0ERIN001"].display_name = "<!here> Erin"
        question = await h.ask(h.alice)
        await acked(h, await h.erin.reply(question, "&lt;!channel&gt; look"))
        await h.carol.click(question, ANSWER_PRIVATELY)
        [view] = await h.fake.wait_until(lambda: h.world.views)
        await h.carol.submit(view, {PRIVATE_ANSWER_BLOCK: {PRIVATE_ANSWER_INPUT: "<!channel> @here <@U0BOB0001> & co"}})

        await h.reveal_due()

        shown = reveal_text(h, question)
        assert "&lt;!channel&gt; @here &lt;@U0BOB0001&gt; &amp; co" in shown
        assert "&lt;!here&gt; Erin" in shown
        for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOB0001>"):
            assert ping not in shown
        assert all("link_names" not in c.params for c in h.fake.calls_to("chat.postMessage"))


async def test_long_reveal_is_split_into_messages_within_slack_limits(tmp_path: Path) -> None:
    world = standard_world()
    writers = [world.add_user(f"U0WRITER{i:02d}", f"writer{i}") for i in range(12)]
    for user in writers:
        world.channels[STUDY].members.add(user.id)
    async with running_slack(tmp_path, world=world) as h:
        question = await h.ask(h.alice)
        for index, user in enumerate(writers):
            await h.delivery.block_action(user, question, ANSWER_PRIVATELY)
            views = await h.fake.wait_until(lambda n=index: len(h.world.views) > n and h.world.views)
            essay = " ".join(f"point{index}-{n}" for n in range(450))[:3990]
            await h.delivery.view_submission(user, views[-1], {PRIVATE_ANSWER_BLOCK: {PRIVATE_ANSWER_INPUT: essay}})

        await h.reveal_due()

        posted = [m for m in h.world.thread(STUDY, question.ts) if m.bot_id]
        assert len(posted) >= 2
        assert all(len(m.blocks) <= 50 for m in posted)
        # Sections within their limit (the reveal closes with an actions block of rating buttons, without text).
        assert all(len(b["text"]["text"]) <= 3000 for m in posted for b in m.blocks if "text" in b)
        shown = reveal_text(h, question)
        assert all(f"point{i}-0 " in shown for i in range(len(writers)))
        assert [c.ok for c in h.fake.calls_to("chat.postMessage")] == [True] * (1 + len(posted))


async def test_leaderboard_after_the_reveal_ranks_members_for_the_caller_only(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        await acked(h, await h.alice.reply(question, await full_answer(h, question)))
        bob = await acked(h, await h.bob.reply(question, "a guess"))
        await h.reveal_due()

        await h.bob.slash(STUDY, "leaderboard all")

        [board] = await h.fake.wait_until(lambda: h.world.ephemerals_for(h.bob.id))
        assert board.via == "response_url" and board.response_type == "ephemeral"
        lines = board.all_text().splitlines()
        assert "1. Alice: 30 pts (1)" in lines and "2. Bob: 10 pts (1)" in lines
        assert text("leaderboard.you", "en", rank=2, total=2, points=10) in lines
        assert bob.ts not in board.all_text()


async def test_reply_after_the_reveal_is_kept_as_late_and_the_member_told(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        await h.reveal_due()

        await acked(h, await h.dana.reply(question, "sorry I'm late"))

        [answer] = await h.answers(question)
        assert answer.late
        [note] = await h.fake.wait_until(lambda: h.world.ephemerals_for(h.dana.id))
        assert note.text == text("answer.late", "en")


async def _answers_with(h: SlackHarness, question: Message, wanted: str) -> list[object]:
    answers = await h.answers(question)
    return answers if [a.text for a in answers] == [wanted] else []  # type: ignore[return-value]


async def _answers_with_votes(h: SlackHarness, question: Message, votes: int) -> list[object]:
    answers = await h.answers(question)
    return answers if answers and answers[0].votes == votes else []  # type: ignore[return-value]


async def _no_answers(h: SlackHarness, question: Message) -> bool:
    return await h.answers(question) == []
