"""The Slack bot as one object: connect (Socket Mode or HTTP), then start the quiz's timers; close in reverse."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.core.ports import ChatPlatform
from bot.core.quiz import Quiz
from bot.platforms.slack.app import EVENTS_PATH, build_app
from bot.platforms.slack.client import SlackConfigError, make_web_client
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.errors import platform_errors
from bot.platforms.slack.history import BotIdentity
from bot.platforms.slack.inflight import InFlight
from bot.platforms.slack.members import MemberDirectory
from bot.platforms.slack.platform import SlackPlatform
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
        deps = SlackDeps(self.quiz, self.platform, members, settings.language)
        if mode == "socket":
            assert secrets.slack_app_token is not None
            app = build_app(deps, client, signing_secret=None, inflight=self._inflight)
            self._socket = AsyncSocketModeHandler(app, secrets.slack_app_token.get_secret_value(), web_client=client)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack: Socket Mode connected")
        else:
            assert secrets.slack_signing_secret is not None
            app = build_app(
                deps, client, signing_secret=secrets.slack_signing_secret.get_secret_value(), inflight=self._inflight
            )
            self._web = web.AppRunner(app.web_app(path=EVENTS_PATH, port=settings.slack.http_port))
            await self._web.setup()
            await web.TCPSite(self._web, self._http_host, settings.slack.http_port).start()
            log.info("Slack: listening on %s:%d%s", self._http_host, settings.slack.http_port, EVENTS_PATH)
        await self.quiz.start()

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
        if self.quiz is not None:
            self.quiz.stop()
