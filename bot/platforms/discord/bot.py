"""The discord.py client of the quiz: owns the platform, its pacer and the quiz on it, set up once logged in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import discord
from discord.ext import commands

from bot.core.ports import ChatPlatform
from bot.core.quiz import Quiz
from bot.platforms.discord.answers import AnswerEvents
from bot.platforms.discord.catchup import ThreadCatchUp
from bot.platforms.discord.commands import QuizTree, install_commands, sync_tree
from bot.platforms.discord.disputes import ConceptMenu, DisputeButton, VerdictButton
from bot.platforms.discord.endpoints import Endpoints, apply_api_base, apply_gateway, endpoints_from
from bot.platforms.discord.pacing import RequestPacer
from bot.platforms.discord.platform import PLATFORM, DiscordPlatform
from bot.platforms.discord.review import DYNAMIC_ITEMS as REVIEW_ITEMS
from bot.platforms.discord.review import ReviewForms
from bot.platforms.discord.views import AnswerButton, PrivateAnswers
from bot.runtime import Runtime

log = logging.getLogger(__name__)

QuizFactory = Callable[[ChatPlatform], Quiz]


def quiz_intents() -> discord.Intents:
    """Guilds (channels and threads), guild messages with their text (answers), and reactions (votes).
    Not members or presences: the bot never needs the member list."""
    return discord.Intents(guilds=True, guild_messages=True, message_content=True, guild_reactions=True)


class QuizBot(commands.Bot):
    """Slash commands, answer-thread listeners, the private-answer button and the dispute components over one
    ``Quiz``."""

    platform_name = PLATFORM

    def __init__(
        self,
        runtime: Runtime,
        *,
        endpoints: Endpoints | None = None,
        quiz_factory: QuizFactory | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=quiz_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=QuizTree,
            **options,
        )
        self.runtime = runtime
        self._quiz_factory = quiz_factory or runtime.quiz_on
        secrets = runtime.settings.secrets
        self.endpoints = endpoints or endpoints_from(secrets.discord_api_base, secrets.discord_gateway_url)
        self.commands_synced = 0
        self.scheduler_started = asyncio.Event()
        self.fatal_error: BaseException | None = None
        self.catch_up = ThreadCatchUp(self)
        # Built in setup_hook, once logged in: they need the running loop and the HTTP session.
        self._platform: DiscordPlatform | None = None
        self._quiz: Quiz | None = None

    @property
    def platform(self) -> DiscordPlatform:
        if self._platform is None:
            raise RuntimeError("the bot is not logged in yet")
        return self._platform

    @property
    def quiz(self) -> Quiz:
        if self._quiz is None:
            raise RuntimeError("the bot is not logged in yet")
        return self._quiz

    async def login(self, token: str) -> None:
        apply_api_base(self.endpoints)
        await super().login(token)

    async def setup_hook(self) -> None:
        settings = self.runtime.settings
        await self._choose_gateway()
        # A burst of 2 lets the bucket make up for a late wake-up instead of losing it; any one-second window
        # still holds at most rate + 2 requests (47 at the default 45/s), under Discord's 50.
        pacer = RequestPacer(settings.discord.requests_per_second, burst=2)
        self._platform = DiscordPlatform(self, pacer, settings.language, self.runtime.service.clock)
        self._platform.on_adopted = self.catch_up.round
        self._quiz = self._quiz_factory(self._platform)
        self._platform.reviews = self._quiz.reviews_available
        await install_commands(self.tree)
        self.add_dynamic_items(AnswerButton, DisputeButton, ConceptMenu, VerdictButton, *REVIEW_ITEMS)
        await self.add_cog(AnswerEvents(self))
        await self.add_cog(PrivateAnswers(self))
        await self.add_cog(ReviewForms(self))
        try:
            self.commands_synced = await sync_tree(self.tree, settings.discord.dev_guild_ids)
        except discord.HTTPException as exc:
            # Answers and buttons still work; the commands already registered stay as they were.
            log.error("could not sync the slash commands (is the applications.commands scope granted?): %s", exc)

    async def on_ready(self) -> None:
        # on_ready fires again after every reconnect that could not resume. Such a session replays nothing, so
        # each one reads back the answer threads; before the scheduler starts, so that an overdue reveal scores
        # the answers written while the bot was away.
        log.info("connected to Discord as %s in %d guilds", self.user, len(self.guilds))
        await self.catch_up.run()
        if self.scheduler_started.is_set():
            return
        try:
            await self.quiz.start()
        except Exception as exc:
            # Without its scheduler the bot would post nothing; stop, and let the runner report why.
            log.exception("could not start the scheduler")
            self.fatal_error = exc
            await self.close()
            return
        self.scheduler_started.set()

    async def close(self) -> None:
        if self._quiz is not None:
            self._quiz.stop()
        await self.catch_up.close()
        await super().close()

    async def _choose_gateway(self) -> None:
        if self.endpoints.gateway is not None or not self.endpoints.custom_api:
            apply_gateway(self.endpoints.gateway)
            return
        # Behind a REST proxy or a compatible server the gateway is wherever its REST API says it is.
        _, url, _ = await self.http.get_bot_gateway()
        apply_gateway(url)
