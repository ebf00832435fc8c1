"""How the bot talks to Slack: signatures, Socket Mode envelopes, rate limits and failures."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from bot.core.ports import PlatformError
from bot.messages import text
from bot.platforms.slack.client import make_web_client
from bot.platforms.slack.errors import platform_errors
from bot.platforms.slack.platform import SlackPlatform
from bot.platforms.slack.runner import run_slack
from bot.runtime import open_runtime
from tests.e2e.slack_server.delivery import SlackDelivery
from tests.e2e.slack_server.harness import (
    APP_TOKEN,
    BOT_TOKEN,
    NO_BOT,
    SIGNING_SECRET,
    STUDY,
    SlackHarness,
    running_slack,
    settings_for,
    standard_world,
)
from tests.e2e.slack_server.server import FakeSlack

pytestmark = pytest.mark.slow


async def test_rate_limited_post_message_is_retried_after_retry_after(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        h.fake.rate_limit_next("chat.postMessage", retry_after=1)

        question = await h.ask(h.alice)

        first, second = h.fake.calls_to("chat.postMessage")
        assert (first.status, first.error, second.status, second.ok) == (429, "ratelimited", 200, True)
        assert second.at - first.at >= 1.0
        assert (await h.round_of(question)).message_id == question.ts


async def test_badly_signed_request_is_rejected_with_401(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        forged = await h.delivery.command(h.alice.user, STUDY, "ask", secret="not-the-signing-secret")

        assert forged.status == 401
        await _settled(h)
        assert h.fake.calls_to("chat.postMessage") == [] and h.world.ephemerals == []


async def test_replayed_request_with_an_old_timestamp_is_rejected_with_401(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        replay = await h.delivery.command(h.alice.user, STUDY, "ask", timestamp=int(time.time()) - 600)

        assert replay.status == 401
        await _settled(h)
        assert h.fake.calls_to("chat.postMessage") == []


async def test_url_verification_challenge_is_answered(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        reply = await h.delivery.send_json({"token": "x", "challenge": "c-123", "type": "url_verification"})

        assert (reply.status, reply.json()) == (200, {"challenge": "c-123"})


async def test_socket_mode_slash_command_is_acknowledged_by_envelope_id(tmp_path: Path) -> None:
    fake = await FakeSlack(standard_world(), bot_token=BOT_TOKEN, app_token=APP_TOKEN).start()
    settings = settings_for(fake, tmp_path, "socket")
    delivery = SlackDelivery(fake, "unused: Socket Mode", SIGNING_SECRET)
    try:
        async with open_runtime(settings) as runtime:
            stop = asyncio.Event()
            runner = asyncio.create_task(run_slack(runtime, stop))
            dana = fake.world.users["U0DANA001"]

            envelope = await fake.send_envelope("slash_commands", delivery.command_fields(dana, STUDY, "help"))
            await fake.wait_until(lambda: envelope in fake.socket_acks)
            [help_reply] = await fake.wait_until(lambda: fake.world.ephemerals_for(dana.id))
            stop.set()
            await asyncio.wait_for(runner, 5)

        assert text("help.title", "en") in help_reply.all_text()
        assert [c.token for c in fake.calls_to("apps.connections.open")] == [APP_TOKEN]
        assert await fake.wait_until(lambda: fake.socket_count == 0)
    finally:
        await fake.stop()


async def test_runner_returns_when_stopped_while_slack_refuses_the_socket_connection(tmp_path: Path) -> None:
    fake = await FakeSlack(standard_world(), bot_token=BOT_TOKEN, app_token="xapp-1-some-other-app").start()
    try:
        async with open_runtime(settings_for(fake, tmp_path, "socket")) as runtime:
            stop = asyncio.Event()
            runner = asyncio.create_task(run_slack(runtime, stop))
            refused = await fake.wait_until(lambda: fake.calls_to("apps.connections.open"))

            stop.set()
            await asyncio.wait_for(runner, 5)

        assert refused[0].error == "invalid_auth"
        assert fake.socket_count == 0
    finally:
        await fake.stop()


async def test_runner_fails_at_once_on_a_bad_bot_token(tmp_path: Path) -> None:
    fake = await FakeSlack(standard_world(), bot_token="xoxb-the-real-one", app_token=APP_TOKEN).start()
    try:
        async with open_runtime(settings_for(fake, tmp_path, "socket")) as runtime:
            with pytest.raises(PlatformError, match="invalid_auth") as raised:
                await asyncio.wait_for(run_slack(runtime, asyncio.Event()), 5)

        assert not raised.value.retryable
        assert fake.calls_to("apps.connections.open") == []
    finally:
        await fake.stop()


async def test_closing_lets_a_handler_that_is_still_running_store_its_answer(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as h:
        question = await h.ask(h.alice)
        h.fake.slow_next("users.info", 0.3)
        reply = await h.bob.reply(question, "written just before the deploy")

        await h.bot.close()

        assert [a.message_id for a in await h.answers(question)] == [reply.ts]
        assert h.world.bot.id in reply.reactions.get("white_check_mark", [])


async def test_failed_daily_post_is_reported_to_the_configured_admins(tmp_path: Path) -> None:
    async with running_slack(tmp_path, admin_user_ids=("U0DANA001",)) as h:
        await h.dana.slash(NO_BOT, "setup time=09:00 tz=Asia/Seoul")
        await h.fake.wait_until(lambda: h.world.ephemerals_for(h.dana.id))

        await h.scheduler.run_due()

        [note] = h.world.channel_messages("D0DANA001")
        assert note.text.startswith(text("admin.problem", "en", problem="")[:20])
        assert "not_in_channel" in note.text
        assert await h.runtime.service.current_round(h.key(NO_BOT)) is None


@pytest.mark.parametrize(
    ("fault", "retryable"),
    [
        ({"error": "channel_not_found"}, False),
        ({"error": "not_in_channel"}, False),
        ({"error": "missing_scope"}, False),
        ({"status": 503, "error": "service_unavailable"}, True),
        ({"status": 500, "error": "internal_error"}, True),
        ({"status": 429, "error": "ratelimited", "retry_after": 0, "times": 4}, True),
    ],
)
async def test_slack_api_errors_become_platform_errors_that_say_whether_to_retry(
    tmp_path: Path, fault: dict[str, Any], retryable: bool
) -> None:
    fake = await FakeSlack(standard_world(), bot_token=BOT_TOKEN, app_token=APP_TOKEN).start()
    try:
        client = make_web_client(settings_for(fake, tmp_path, "http"))
        fake.fail_next("chat.postMessage", **fault)

        with pytest.raises(PlatformError) as raised, platform_errors("posting"):
            await client.chat_postMessage(channel=STUDY, text="hello")

        assert raised.value.retryable is retryable
        assert str(fault["error"]) in str(raised.value)
    finally:
        await fake.stop()


async def test_unreachable_slack_is_a_retryable_platform_error(tmp_path: Path) -> None:
    fake = await FakeSlack(standard_world(), bot_token=BOT_TOKEN, app_token=APP_TOKEN).start()
    settings = settings_for(fake, tmp_path, "http")
    await fake.stop()  # nothing listens on its port any more
    platform = SlackPlatform(make_web_client(settings), "en")

    with pytest.raises(PlatformError) as raised, platform_errors("posting"):
        await platform.client.chat_postMessage(channel=STUDY, text="hello")

    assert raised.value.retryable


async def _settled(h: SlackHarness) -> None:
    """Give a wrongly accepted request the time to show: a later, valid command must be answered first."""
    await h.carol.slash(STUDY, "help")
    await h.fake.wait_until(lambda: h.world.ephemerals_for(h.carol.id))
    h.world.ephemerals.clear()
