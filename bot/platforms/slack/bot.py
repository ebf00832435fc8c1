"""The Slack bot as one object: connect (Socket Mode or HTTP), then start the quiz's timers; close in reverse."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.core.ports import ChatPlatform
from bot.core.quiz import Quiz
from bot.platforms.slack.app import EVENTS_PATH, build_app
from bot.platforms.slack.catchup import SlackCatchUp
from bot.platforms.slack.client import SlackConfigError, make_web_client
from bot.platforms.slack.deliveries import DeliveryClaims
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.errors import platform_errors
from bot.platforms.slack.history import BotIdentity
from bot.platforms.slack.inflight import InFlight
from bot.platforms.slack.members import MemberDirectory
from bot.platforms.slack.platform import SlackPlatform
from bot.platforms.slack.review import round_rating_block
from bot.runtime import Runtime

log = logging.getLogger(__name__)

DRAIN_SECONDS = 10.0

QuizFactory = Callable[[ChatPlatform], Quiz]


class SlackBot:
    """The running Slack side of the bot. ``start`` returns once Slack can reach it and the quiz's timers run."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        quiz_factory: QuizFactory | None = None,
        http_host: str = "0.0.0.0",
    ) -> None:
        self.runtime = runtime
        self._quiz_factory = quiz_factory or runtime.quiz_on
        self._http_host = http_host
        self.quiz: Quiz | None = None
        self.platform: SlackPlatform | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._web: web.AppRunner | None = None
        self._inflight = InFlight()
        self.catch_up: SlackCatchUp | None = None
        self._hellos = 0
        self._reconnect_catch_ups: set[asyncio.Task[int]] = set()

    async def start(self) -> None:
        """Check the tokens (``auth.test``), connect, then plan and start the quiz's timers."""
        settings = self.runtime.settings
        secrets, mode = settings.secrets, settings.slack.mode
        if mode == "socket" and secrets.slack_app_token is None:
            raise SlackConfigError("SLACK_APP_TOKEN is not set (Socket Mode needs the app-level token)")
        if mode == "http" and secrets.slack_signing_secret is None:
            raise SlackConfigError("SLACK_SIGNING_SECRET is not set (HTTP mode verifies every request with it)")
        client = make_web_client(settings)
        with platform_errors("checking the bot token (auth.test)"):
            identity = await client.auth_test()
        log.info("Slack: signed in to workspace %s as %s", identity.get("team"), identity.get("user"))
        me = BotIdentity(user_id=identity.get("user_id"), bot_id=identity.get("bot_id"))
        self.platform = SlackPlatform(
            client, settings.language, admin_user_ids=settings.slack.admin_user_ids, identity=me
        )
        members = MemberDirectory(
            client, admin_user_ids=settings.slack.admin_user_ids, admin_usergroup=settings.slack.admin_usergroup
        )
        self.quiz = self._quiz_factory(self.platform)
        if self.quiz.reviews_available:
            language = settings.language
            self.platform.reveal_extra = lambda round_id: [round_rating_block(round_id, language)]
        self.catch_up = SlackCatchUp(self.quiz, self.platform, members)
        self.platform.on_adopted = self.catch_up.round
        deps = SlackDeps(self.quiz, self.platform, members, settings.language, catch_up=self.catch_up)
        # Several bot processes may share the database (two Socket Mode connections of one app, HTTP instances
        # behind a load balancer): the database decides which of them handles each event Slack delivers.
        claims = DeliveryClaims(self.runtime.storage.event_claims, self.quiz.clock)
        if mode == "socket":
            assert secrets.slack_app_token is not None
            app = build_app(deps, client, signing_secret=None, inflight=self._inflight, claims=claims)
            self._socket = AsyncSocketModeHandler(app, secrets.slack_app_token.get_secret_value(), web_client=client)
            self._socket.client.message_listeners.append(self._on_socket_message)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack: Socket Mode connected")
        else:
            assert secrets.slack_signing_secret is not None
            app = build_app(
                deps,
                client,
                signing_secret=secrets.slack_signing_secret.get_secret_value(),
                inflight=self._inflight,
                claims=claims,
            )
            self._web = web.AppRunner(app.web_app(path=EVENTS_PATH, port=settings.slack.http_port))
            await self._web.setup()
            await web.TCPSite(self._web, self._http_host, settings.slack.http_port).start()
            log.info("Slack: listening on %s:%d%s", self._http_host, settings.slack.http_port, EVENTS_PATH)
        # Before the timers: an overdue reveal must score the answers taken just before the last stop.
        await self.catch_up.run()
        await self.quiz.start()

    async def _on_socket_message(self, _client: Any, message: dict[str, Any], _raw: str | None) -> None:
        """Every Socket Mode connection opens with ``hello``; one after the first is a reconnect, and events sent
        while the bot was away are not sent again: read the open rounds' threads back."""
        if message.get("type") != "hello":
            return
        self._hellos += 1
        if self._hellos > 1 and self.catch_up is not None:
            task = asyncio.create_task(self.catch_up.run(), name="quizbot-slack-catch-up")
            self._reconnect_catch_ups.add(task)
            task.add_done_callback(self._reconnect_catch_ups.discard)

    async def settled(self, within: float) -> bool:
        """Wait up to ``within`` seconds until no event handler is running; True if none is."""
        return await self._inflight.drained(within)

    async def close(self) -> None:
        """Stop taking requests, let running handlers finish, then stop the timers. Safe after a failed start."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if not await self._inflight.drained(DRAIN_SECONDS):
            log.warning("Slack: stopping with handlers still running after %.0f s", DRAIN_SECONDS)
        for task in list(self._reconnect_catch_ups):
            task.cancel()
        await asyncio.gather(*self._reconnect_catch_ups, return_exceptions=True)
        if self.catch_up is not None:
            await self.catch_up.close()
        if self.quiz is not None:
            self.quiz.stop()
