"""``/quiz`` subcommands on Slack: who may run them, what the caller is told, what changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.messages import text
from tests.e2e.slack_server.harness import ADMIN_GROUP, NO_BOT, STUDY, SlackHarness, running_slack
from tests.e2e.slack_server.world import Ephemeral

pytestmark = pytest.mark.slow


async def reply_to(h: SlackHarness, user_id: str, count: int = 1) -> Ephemeral:
    """The ``count``-th reply only ``user_id`` saw."""
    notes = await h.fake.wait_until(
        lambda: len(h.world.ephemerals_for(user_id)) >= count and h.world.ephemerals_for(user_id)
    )
    return notes[count - 1]


async def test_admin_command_from_a_non_admin_is_refused_ephemerally_and_changes_nothing(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.alice.slash(STUDY, "setup time=07:30 days=mon-fri")

        refusal = await reply_to(h, h.alice.id)
        assert refusal.response_type == "ephemeral"
        assert refusal.text == text("slack.error.not-admin", "en")
        assert await h.runtime.service.channel(h.key()) is None


async def test_workspace_admin_sets_up_the_schedule_and_the_daily_question_arrives(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.dana.slash(STUDY, "setup time=09:30 tz=Asia/Seoul days=mon-fri delay=8h")
        done = await reply_to(h, h.dana.id)
        h.clock.advance(dt.timedelta(minutes=30))  # 09:30 in Seoul on a Monday

        await h.scheduler.run_due()

        assert done.text == text(
            "admin.setup_done",
            "en",
            time="09:30",
            timezone="Asia/Seoul",
            weekdays="Mon–Fri",
            delay="8h",
            ondemand="10m",
        )
        [question] = h.world.channel_messages(STUDY)
        assert question.blocks[0]["text"]["text"] == text("question.title", "en")
        round_ = await h.round_of(question)
        assert round_.reveal_at == h.clock.now() + dt.timedelta(hours=8)


async def test_setup_with_a_bad_time_explains_and_changes_nothing(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.dana.slash(STUDY, "setup time=25:00 tz=Asia/Seoul")

        explanation = await reply_to(h, h.dana.id)
        assert explanation.text == text("error.bad-time", "en", value="25:00")
        assert await h.runtime.service.channel(h.key()) is None


async def test_setup_with_an_unknown_timezone_explains_and_changes_nothing(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.dana.slash(STUDY, "setup time=08:00 tz=Mars/Olympus")

        explanation = await reply_to(h, h.dana.id)
        assert explanation.text == text("error.unknown-timezone", "en", timezone="Mars/Olympus")
        assert await h.runtime.service.channel(h.key()) is None


async def test_member_of_the_admin_usergroup_may_pause_the_daily_question(tmp_path: Path) -> None:
    async with running_slack(tmp_path, admin_usergroup=ADMIN_GROUP) as h:
        await h.erin.slash(STUDY, "pause")

        confirmation = await reply_to(h, h.erin.id)
        assert confirmation.text == text("admin.paused", "en")
        settings = await h.runtime.service.channel(h.key())
        assert settings is not None and settings.paused
        assert [c.params["usergroup"] for c in h.fake.calls_to("usergroups.users.list")] == [ADMIN_GROUP]


async def test_configured_admin_may_skip_the_open_round_and_the_question_shows_it(tmp_path: Path) -> None:
    async with running_slack(tmp_path, admin_user_ids=("U0BOB0001",)) as h:
        question = await h.ask(h.alice)

        await h.bob.slash(STUDY, "skip")

        assert (await reply_to(h, h.bob.id)).text == text("admin.skipped", "en")
        assert text("question.cancelled", "en") in question.all_text()
        assert await h.runtime.service.current_round(h.key()) is None


async def test_admin_reveal_reveals_the_open_round_at_once(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)

        await h.dana.slash(STUDY, "reveal")

        assert (await reply_to(h, h.dana.id)).text == text("admin.revealed", "en")
        assert [m.text for m in h.world.thread(STUDY, question.ts)] == [text("reveal.title", "en")]


async def test_reveal_without_an_open_round_says_so(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.dana.slash(STUDY, "reveal")

        assert (await reply_to(h, h.dana.id)).text == text("error.no-open-round", "en")


async def test_ask_for_an_unknown_category_explains_privately_and_posts_nothing(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.alice.slash(STUDY, "ask astrology")

        explanation = await reply_to(h, h.alice.id)
        assert explanation.text == text("error.unknown-category", "en", category="astrology")
        assert h.world.channel_messages(STUDY) == []


async def test_ask_where_the_bot_is_not_a_member_explains_it_cannot_post(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.alice.slash(NO_BOT, "ask")

        explanation = await reply_to(h, h.alice.id)
        assert "not_in_channel" in explanation.text
        assert explanation.text.startswith(text("error.post-failed", "en", detail="")[:20])
        assert await h.runtime.service.current_round(h.key(NO_BOT)) is None


async def test_ask_under_a_lasting_rate_limit_says_to_try_again_not_that_permissions_are_missing(
    tmp_path: Path,
) -> None:
    async with running_slack(tmp_path) as h:
        h.fake.rate_limit_next("chat.postMessage", retry_after=0, times=10)
        await h.alice.slash(STUDY, "ask")

        explanation = await reply_to(h, h.alice.id)
        assert explanation.text.startswith(text("error.platform-busy", "en", detail="")[:30])
        assert "thread" not in explanation.text
        assert await h.runtime.service.current_round(h.key()) is None


async def test_help_lists_the_scoring_rules_and_commands_to_the_caller_only(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.carol.slash(STUDY, "help")

        shown = (await reply_to(h, h.carol.id)).all_text()
        assert text("help.title", "en") in shown
        assert "/quiz leaderboard [week|month|all]" in shown


async def test_categories_lists_each_category_with_its_question_count(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.carol.slash(STUDY, "categories")

        shown = (await reply_to(h, h.carol.id)).all_text()
        categories = h.runtime.service.categories(None)
        assert sum(c.count for c in categories) == 70
        for c in categories:
            assert f"{c.category.id} · {c.category.en}: {c.count} questions" in shown


async def test_stats_show_the_callers_own_record(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        reply = await h.carol.reply(question, "an answer")
        await h.fake.wait_until(lambda: reply.reactions.get("white_check_mark"))
        await h.reveal_due()

        await h.carol.slash(STUDY, "stats")

        shown = (await reply_to(h, h.carol.id)).all_text()
        assert text("stats.title", "en", name="Carol") in shown
        assert "1 answer · 10 pts" in shown


async def test_unknown_subcommand_is_explained(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        await h.alice.slash(STUDY, "dance")

        assert (await reply_to(h, h.alice.id)).text == text("slack.error.unknown-command", "en", command="dance")
