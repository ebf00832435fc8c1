"""A Slack reveal that failed part-way is finished by the scheduler's retry without posting any part twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.core.models import RoundState
from bot.platforms.slack.blocks import ANSWER_PRIVATELY, PRIVATE_ANSWER_BLOCK, PRIVATE_ANSWER_INPUT, reveal_messages
from tests.e2e.slack_server.harness import STUDY, SlackHarness, running_slack, standard_world
from tests.e2e.slack_server.world import JSON, Message, SlackWorld, User

pytestmark = pytest.mark.slow

WRITERS = 26  # ~100,000 characters of private answers: a reveal of three messages
CHATTER = 450  # replies before the reveal, so its parts lie beyond the first pages of the thread


def world_with_writers() -> SlackWorld:
    world = standard_world()
    for i in range(WRITERS):
        user = world.add_user(f"U0WRITER{i:02d}", f"writer{i}")
        world.channels[STUDY].members.add(user.id)
    return world


async def answer_at_length(h: SlackHarness, question: Message) -> None:
    """Every writer answers privately with an essay near the length limit, so the reveal spans several messages."""
    writers = [u for u in h.world.users.values() if u.name.startswith("writer")]
    for index, user in enumerate(writers):
        view = await open_modal(h, user, question)
        essay = " ".join(f"point{index}-{n}" for n in range(450))[:3990]
        await h.delivery.view_submission(user, view, {PRIVATE_ANSWER_BLOCK: {PRIVATE_ANSWER_INPUT: essay}})


async def open_modal(h: SlackHarness, user: User, question: Message) -> JSON:
    """Click "answer privately" as ``user``; the modal it opened."""
    opened = len(h.world.views)
    await h.delivery.block_action(user, question, ANSWER_PRIVATELY)
    await h.fake.wait_until(lambda: len(h.world.views) > opened)
    return h.world.views[-1]


async def expected_parts(h: SlackHarness, question: Message) -> list[list[JSON]]:
    """The blocks of every reveal message, in order, as the adapter builds them for this round."""
    round_ = await h.round_of(question)
    outcome = await h.runtime.storage.results.outcome(round_.id)
    assert outcome is not None
    card = await h.runtime.service.reveal_card(outcome)
    # With personal review the reveal closes with the rating buttons, as the running bot's platform adds them.
    platform = h.bot.platform
    extra = platform.reveal_extra(card.round.id) if platform is not None and platform.reveal_extra else []
    return [list(m.blocks) for m in reveal_messages(card, "en", extra=extra)]


def posted_parts(h: SlackHarness, question: Message) -> list[list[JSON]]:
    return [m.blocks for m in h.world.thread(STUDY, question.ts) if m.bot_id == h.world.bot_id]


async def test_retried_reveal_posts_only_the_parts_a_failed_attempt_left_out(tmp_path: Path) -> None:
    async with running_slack(tmp_path, world=world_with_writers()) as h:
        question = await h.ask(h.alice)
        await answer_at_length(h, question)
        for n in range(CHATTER):
            h.world.post(STUDY, f"chatter {n}", user=h.bob.id, thread_ts=question.ts)
        # The first part goes out, the second gets a 500 the client does not retry.
        h.fake.fail_next("chat.postMessage", status=500, error="internal_error", after=1)

        await h.reveal_due()

        parts = await expected_parts(h, question)
        assert len(parts) >= 3
        assert posted_parts(h, question) == parts[:1]
        assert h.fake.calls_to("chat.update") == []

        h.clock.advance(h.scheduler.retry_delay + dt.timedelta(seconds=1))
        await h.scheduler.run_due()

        assert posted_parts(h, question) == parts
        [update] = h.fake.calls_to("chat.update")
        assert update.ok and update.params["ts"] == question.ts
        assert (await h.round_of(question)).state is RoundState.REVEALED
        assert [c.status for c in h.fake.calls_to("chat.postMessage")].count(500) == 1
        assert any(c.params.get("cursor") for c in h.fake.calls_to("conversations.replies"))


async def test_reveal_is_posted_in_full_when_the_thread_cannot_be_read(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        h.fake.fail_next("conversations.replies", error="missing_scope")

        await h.reveal_due()

        assert posted_parts(h, question) == await expected_parts(h, question)
        assert [c.error for c in h.fake.calls_to("conversations.replies")] == ["missing_scope"]
        assert (await h.round_of(question)).state is RoundState.REVEALED
