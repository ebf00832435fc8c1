"""The discord.py client of the quiz: owns the platform, its pacer and the quiz on it, set up once logged in."""

from __future__ import annotations

import asyncio
import gc
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
from bot.platforms.discord.sharding import GatewayInfo, IdentifyGate, IdentifyTiming, ShardScope
from bot.platforms.discord.views import AnswerButton, PrivateAnswers
from bot.runtime import Runtime

log = logging.getLogger(__name__)

QuizFactory = Callable[[ChatPlatform], Quiz]


def quiz_intents() -> discord.Intents:
    """Guilds (channels and threads), guild messages with their text (answers), and reactions (votes).
    Not members or presences: the bot never needs the member list."""
    return discord.Intents(guilds=True, guild_messages=True, message_content=True, guild_reactions=True)


class QuizBot(commands.AutoShardedBot):
    """Slash commands, answer-thread listeners, the private-answer button and the dispute components over one
    ``Quiz``, on the shards the settings name (all of the count Discord recommends, unless
    ``DISCORD_SHARD_COUNT`` and ``DISCORD_SHARD_IDS`` say otherwise)."""

    platform_name = PLATFORM

    def __init__(
        self,
        runtime: Runtime,
        *,
        endpoints: Endpoints | None = None,
        quiz_factory: QuizFactory | None = None,
        identify_timing: IdentifyTiming | None = None,
        **options: Any,
    ) -> None:
        shards = runtime.settings.shards
        if shards.count is not None:
            options.setdefault("shard_count", shards.count)
        if shards.ids is not None:
            options.setdefault("shard_ids", list(shards.ids))
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
        # From GET /gateway/bot in setup_hook: the recommended shard count and how fast shards may identify.
        self.identify_timing = identify_timing or IdentifyTiming()
        self.gateway_info: GatewayInfo | None = None
        self.identify_gate: IdentifyGate | None = None
        self.shard_scope: ShardScope | None = None
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
        await self._ask_gateway()
        # A burst of 2 lets the bucket make up for a late wake-up instead of losing it; any one-second window
        # still holds at most rate + 2 requests (47 at the default 45/s), under Discord's 50.
        pacer = RequestPacer(settings.discord.requests_per_second, burst=2)
        self._platform = DiscordPlatform(self, pacer, settings.language, self.runtime.service.clock)
        self._platform.on_adopted = self.catch_up.round
        self._platform.shards = self.shard_scope
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

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Instead of discord.py's five seconds between any two shards: shards of different buckets start at once.
        if self.identify_gate is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        await self.identify_gate.wait_turn(shard_id or 0)

    async def on_shard_ready(self, shard_id: int) -> None:
        # After a reconnect that could not resume, the shard's new session replays nothing, so the answer threads
        # are read back. (on_ready follows only once every shard of the first start is ready.)
        if self.scheduler_started.is_set():
            log.info("shard %d has a new session", shard_id)
            await self.catch_up.run()

    async def on_ready(self) -> None:
        # The first start reads back the answer threads before the scheduler starts, so that an overdue reveal
        # scores the answers written while the bot was away.
        if self.scheduler_started.is_set():
            return  # a shard's new session: on_shard_ready read the threads back
        log.info("connected to Discord as %s in %d guilds on %s", self.user, len(self.guilds), self._shards_text())
        await self.catch_up.run()
        try:
            await self.quiz.start()
        except Exception as exc:
            # Without its scheduler the bot would post nothing; stop, and let the runner report why.
            log.exception("could not start the scheduler")
            self.fatal_error = exc
            await self.close()
            return
        self.scheduler_started.set()
        # The guild cache just loaded (thousands of guilds and channels on a big shard) lives as long as the
        # process: leave it out of the cyclic collector's full passes, each of which would otherwise walk all of
        # it and hold the event loop up long enough to let paced requests bunch into one second. Collected first,
        # so no garbage of the start-up is kept for good.
        gc.collect()
        gc.freeze()

    async def close(self) -> None:
        if self._quiz is not None:
            self._quiz.stop()
        await self.catch_up.close()
        await super().close()

    async def _ask_gateway(self) -> None:
        """Ask ``GET /gateway/bot`` for the recommended shard count and the session start limits, and point the
        gateway where it says unless ``DISCORD_GATEWAY_URL`` is set (behind a REST proxy or a compatible server
        the gateway is wherever its REST API says it is)."""
        shards, url, limits = await self.http.get_bot_gateway()
        info = GatewayInfo.from_response(shards, url, limits)
        self.gateway_info = info
        apply_gateway(self.endpoints.gateway or info.url)
        if self.shard_count is None:
            self.shard_count = info.shards
        self.shard_scope = ShardScope.of(self.runtime.settings.shards, self.shard_count)
        self.identify_gate = IdentifyGate(info.max_concurrency, self.identify_timing)
        starts = len(self.shard_scope.ids)
        if info.remaining is not None and info.remaining < starts:
            log.warning(
                "Discord allows %d more session starts before the limit resets (in %.0f minutes); %d shards need one",
                info.remaining,
                (info.reset_after_ms or 0) / 60000,
                starts,
            )
        log.info(
            "running %s (Discord recommends %d; %d may identify at once)",
            self._shards_text(),
            info.shards,
            info.max_concurrency,
        )

    def _shards_text(self) -> str:
        return self.shard_scope.describe() if self.shard_scope is not None else "shards not known yet"
