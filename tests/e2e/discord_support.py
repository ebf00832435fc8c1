"""Running the quiz's Discord bot against the local Discord-compatible server, on a SQLite file and a manual clock.

Scheduling runs on ``ManualClock`` time: tests move the clock and call ``scheduler.run_due()``. The clock starts
in 2031 so that APScheduler, which the bot starts as in production, never fires a job on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio
from pydantic import SecretStr

from bot.config import DiscordConfig, Secrets, Settings
from bot.core.clock import ManualClock
from bot.core.models import AnswerRecord, ChannelKey, Round
from bot.core.ports import ChatPlatform
from bot.core.quiz import Quiz
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizService
from bot.platforms.discord.bot import QuizBot
from bot.platforms.discord.runner import serve
from bot.runtime import Runtime, open_runtime
from tests.e2e.discord_server import DiscordServer, Message

__all__ = ["QuizHarness", "acknowledged", "quiz", "quiz_settings"]

REPO = Path(__file__).resolve().parents[2]
SHIPPED_DECKS = REPO / "questions"
# Monday 2031-03-03, 08:00 in Seoul: an hour before the default daily post.
START = dt.datetime(2031, 3, 2, 23, 0, tzinfo=dt.UTC)
LONG_CATEGORY = "e2e-long"
SHORT_CATEGORY = "e2e-short"
LONG_BULLETS = 14

_E2E_DECK = """\
deck:
  id: e2e-discord
  title: End-to-end deck
  language: ko
  version: 1
  categories:
    - {id: e2e-long, ko: 긴 답안, en: Long answers}
    - {id: e2e-short, ko: 짧은 답안, en: Short answers}
  corrected: [long-momentum]
questions:
  - id: long-momentum
    category: e2e-long
    difficulty: hard
    question: SGD를 개선하는 최적화 기법 하나가 스텝 크기와 어떻게 상호작용하는지 설명하세요.
    answer:
BULLETS
    key_concepts:
      - concept: momentum
        aliases: [모멘텀]
      - concept: learning rate
        aliases: [학습률]
      - concept: oscillation
        aliases: [진동]
    correction: 모멘텀 계수는 보통 0.9 근처이며, 학습률과 함께 조정해야 합니다 (CORRECTION-MARK).
  - id: short-relu
    category: e2e-short
    difficulty: easy
    question: ReLU를 쓰는 이유는?
    answer:
      - 양수 구간의 기울기가 1이라 기울기 소실이 덜합니다.
    key_concepts:
      - concept: vanishing gradient
        aliases: [기울기 소실]
"""


def bullet_text(index: int) -> str:
    """The ``index``-th top-level bullet of the long reference answer (about 200 characters)."""
    return f"BULLET-{index:02d} 모멘텀은 이전 업데이트 방향을 누적해 진동(oscillation)을 줄입니다. " + "설명 " * 30


def e2e_deck_yaml() -> str:
    bullets = []
    for index in range(LONG_BULLETS):
        bullets.append(f'      - text: "{bullet_text(index)}"')
        bullets.append("        children:")
        bullets.append(
            f'          - "CHILD-{index:02d} 학습률(learning rate)이 크면 모멘텀과 함께 발산할 수 있습니다."'
        )
    return _E2E_DECK.replace("BULLETS", "\n".join(bullets))


def quiz_settings(
    server: DiscordServer,
    tmp_path: Path,
    *,
    discord: DiscordConfig | None = None,
    gateway_url: str | None = None,
    **changes: Any,
) -> Settings:
    """Settings pointing the bot at ``server`` by ``DISCORD_API_BASE`` (without ``/api/v10``, which the bot
    appends); unless ``gateway_url`` is given the gateway comes from the server's ``GET /gateway/bot``. Commands
    are synced to the test guild as a dev guild unless ``discord`` says otherwise."""
    decks = tmp_path / "decks"
    decks.mkdir(exist_ok=True)
    (decks / "e2e.yaml").write_text(textwrap.dedent(e2e_deck_yaml()), encoding="utf-8")
    settings = Settings(
        database=tmp_path / "quizbot.sqlite3",
        decks=(SHIPPED_DECKS, decks),
        discord=discord or DiscordConfig(dev_guild_ids=(server.guild.id,)),
        **changes,
    )
    secrets = Secrets(
        discord_token=SecretStr(server.token), discord_api_base=server.base_url, discord_gateway_url=gateway_url
    )
    return settings.model_copy(update={"secrets": secrets})


def acknowledged(server: DiscordServer, message: Message, emoji: str = "✅") -> bool:
    """True once the bot has reacted to ``message`` with ``emoji`` (its sign that an answer is stored)."""
    reaction = message.reaction(emoji)
    return reaction is not None and server.bot.id in reaction.user_ids


class QuizHarness:
    """Starts, stops and crashes the bot; a restart opens the same database file again."""

    def __init__(self, server: DiscordServer, settings: Settings, clock: ManualClock) -> None:
        self.server = server
        self.settings = settings
        self.clock = clock
        self._stack: contextlib.AsyncExitStack | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.bot: QuizBot | None = None
        self.runtime: Runtime | None = None
        self._timers: QuizScheduler | None = None

    @property
    def running(self) -> QuizBot:
        assert self.bot is not None, "the bot is not running"
        return self.bot

    @property
    def scheduler(self) -> QuizScheduler:
        """The running bot's timers, built by the harness so tests can run them with ``run_due()``."""
        assert self._timers is not None, "the bot is not running"
        return self._timers

    @property
    def service(self) -> QuizService:
        """The running bot's quiz rules over its database, for what tests read back or set up directly."""
        assert self.runtime is not None, "the bot is not running"
        return self.runtime.service

    def _quiz_on(self, platform: ChatPlatform) -> Quiz:
        assert self.runtime is not None
        self._timers = QuizScheduler(self.runtime.service, {platform.name: platform})
        return Quiz(self.runtime.service, self._timers, platform)

    async def start(self) -> QuizBot:
        """Open the database, connect the bot and wait until its scheduler has started."""
        self._stack = contextlib.AsyncExitStack()
        self.runtime = await self._stack.enter_async_context(
            open_runtime(self.settings, clock=self.clock, rng=random.Random(7))
        )
        self.bot = QuizBot(self.runtime, quiz_factory=self._quiz_on, guild_ready_timeout=0.05)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(serve(self.bot, self._stop), name="quizbot")
        started = asyncio.create_task(self.bot.scheduler_started.wait())
        await asyncio.wait({self._task, started}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        if not self.bot.scheduler_started.is_set():
            failure = self._task.exception() if self._task.done() and not self._task.cancelled() else None
            await self.crash()
            raise RuntimeError("the bot did not start its scheduler within 10 s") from failure
        return self.bot

    async def stop(self) -> None:
        """A clean stop: set the stop event, wait for the runner to return, close the database."""
        if self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, timeout=10)
        await self._close_runtime()

    async def crash(self) -> None:
        """Cancel the runner mid-work, as a killed process would stop, then let go of the database."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._close_runtime()

    async def restart(self) -> QuizBot:
        await self.start()
        return self.running

    async def _close_runtime(self) -> None:
        self._task = None
        self.bot = None
        self._timers = None
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    # --- observations -----------------------------------------------------------------------------

    @property
    def key(self) -> ChannelKey:
        return ChannelKey("discord", str(self.server.guild.id), str(self.server.channel.id))

    async def answers(self, round_id: int) -> list[AnswerRecord]:
        return await self.service.storage.answers.for_round(round_id)

    async def round(self, round_id: int) -> Round:
        found = await self.service.storage.rounds.get(round_id)
        assert found is not None
        return found

    async def eventually(self, check: Callable[[], Awaitable[Any]]) -> Any:
        """Wait (up to 5 s) for ``check()`` to return something truthy: the bot handles gateway events
        asynchronously, so its database catches up a moment after the server has dispatched them."""
        async with asyncio.timeout(5.0):
            # Nothing signals a change in the bot's database, so it is polled (this waits for no schedule).
            while not (result := await check()):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        return result

    async def ask(self, user: Any, *, category: str | None = None, locale: str = "en-US") -> tuple[Round, Message]:
        """Run ``/quiz ask`` and return the opened round and its question message."""
        options = {"category": category} if category else {}
        handle = self.server.invoke_command(
            self.server.guild, self.server.channel, user, "quiz", subcommand="ask", options=options, locale=locale
        )
        await handle.message()
        question = await self.server.wait_for_message(
            self.server.channel, lambda m: bool(m.embeds) and m.thread_id is not None, author=self.server.bot
        )
        round_ = await self.service.round_for_thread("discord", str(question.thread_id))
        assert round_ is not None
        return round_, question


@pytest_asyncio.fixture
async def quiz(discord_server: DiscordServer, tmp_path: Path) -> AsyncIterator[QuizHarness]:
    """A running bot on a fresh database, stopped cleanly after the test."""
    harness = QuizHarness(discord_server, quiz_settings(discord_server, tmp_path), ManualClock(START))
    await harness.start()
    try:
        yield harness
    finally:
        if harness.bot is not None:
            await harness.stop()
