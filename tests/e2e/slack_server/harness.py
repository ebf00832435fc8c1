"""The whole bot against the local Slack: a workspace, the fake API, the bot in HTTP or Socket Mode, a manual clock."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr

from bot.config import Secrets, Settings, SlackConfig
from bot.core.clock import ManualClock
from bot.core.models import AnswerRecord, ChannelKey, Round
from bot.core.ports import ChatPlatform
from bot.core.quiz import Quiz
from bot.core.scheduler import QuizScheduler
from bot.platforms.slack.app import EVENTS_PATH
from bot.platforms.slack.bot import SlackBot
from bot.runtime import Runtime, open_runtime

from .actors import Actor
from .copies import ClaimLog, ClaimsSeen, HttpRetries, SocketCopies
from .delivery import SlackDelivery
from .server import HOST, FakeSlack
from .world import JSON, Message, SlackWorld

T = TypeVar("T")

BOT_TOKEN = "xoxb-1111-2222-quiztest"
APP_TOKEN = "xapp-1-A0QUIZ001-3333-quiztest"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
QUESTIONS = Path(__file__).resolve().parents[3] / "questions"
STUDY = "C0STUDY01"
NO_BOT = "C0NOBOT01"
ADMIN_GROUP = "S0QUIZADM"
START = dt.datetime(2025, 3, 3, 0, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Seoul


def standard_world() -> SlackWorld:
    """A workspace with five members, a study channel the bot is in and one it is not in."""
    world = SlackWorld()
    world.add_user("U0ALICE01", "alice", display_name="Alice")
    world.add_user("U0BOB0001", "bob", display_name="Bob")
    world.add_user("U0CAROL01", "carol", display_name="Carol")
    world.add_user("U0DANA001", "dana", display_name="Dana", is_admin=True)
    world.add_user("U0ERIN001", "erin", display_name="Erin")
    people = tuple(u for u in world.users if u != world.bot.id)
    world.add_channel(STUDY, "dl-study", members=people)
    world.add_channel(NO_BOT, "random", members=people, bot=False)
    world.usergroups[ADMIN_GROUP] = ["U0ERIN001"]
    return world


@dataclass
class SlackHarness:
    world: SlackWorld
    fake: FakeSlack
    delivery: SlackDelivery
    runtime: Runtime
    bot: SlackBot
    timers: QuizScheduler
    clock: ManualClock

    def __getattr__(self, name: str) -> Actor:
        """``harness.alice`` and friends: the members of the standard workspace."""
        for user in self.world.users.values():
            if user.name == name:
                return Actor(user, self.delivery)
        raise AttributeError(name)

    @property
    def scheduler(self) -> QuizScheduler:
        """The bot's timers, which the harness built so that they run only through ``run_due()``."""
        return self.timers

    def key(self, channel: str = STUDY) -> ChannelKey:
        return ChannelKey("slack", self.world.team_id, channel)

    async def ask(self, actor: Actor, text: str = "ask", channel: str = STUDY) -> Message:
        """``/quiz ask ...`` and the question message it produced."""
        before = len(self.world.channel_messages(channel))
        reply = await actor.slash(channel, text)
        assert reply.status == 200, reply
        question: Message = await self.fake.wait_until(
            lambda: len(self.world.channel_messages(channel)) > before and self.world.channel_messages(channel)[-1]
        )
        # Posted is not yet opened: wait until the core has stored where the question landed, and has planned
        # its reveal (a test that moves the clock next must find the reveal there to run).
        round_ = await eventually(lambda: self.runtime.service.round_for_thread("slack", question.ts))

        async def reveal_planned() -> bool:
            return self.scheduler.next_run(f"reveal:{round_.id}") is not None

        await eventually(reveal_planned)
        return question

    async def round_of(self, question: Message) -> Round:
        round_ = await self.runtime.service.round_for_thread("slack", question.ts)
        assert round_ is not None
        return round_

    async def answers(self, question: Message) -> list[AnswerRecord]:
        return await self.runtime.storage.answers.for_round((await self.round_of(question)).id)

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database, as after a deploy."""
        await self.bot.close()
        self.bot, self.timers = await start_bot(self.runtime)

    async def reveal_due(self) -> None:
        """Move the clock past every on-demand reveal and run what is due."""
        self.clock.advance(self.runtime.settings.defaults.ondemand_reveal_delay + dt.timedelta(seconds=1))
        await self.scheduler.run_due()


async def eventually(check: Callable[[], Awaitable[T]], within: float = 5.0) -> T:
    """Poll ``check`` until it returns something truthy: for effects only the database shows."""
    async with asyncio.timeout(within):
        # Nothing signals a committed write (an edit or a vote makes no Slack call to wait on), hence polling.
        while not (result := await check()):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def settings_for(fake: FakeSlack, tmp_path: Path, mode: Literal["socket", "http"], **slack: Any) -> Settings:
    return Settings(
        language="en",
        database=tmp_path / "quiz.sqlite3",
        decks=(QUESTIONS,),
        slack=SlackConfig(mode=mode, http_port=free_port(), **slack),
        secrets=Secrets(
            slack_bot_token=SecretStr(BOT_TOKEN),
            slack_app_token=SecretStr(APP_TOKEN),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_api_url=fake.api_url,
        ),
    )


@contextlib.asynccontextmanager
async def running_slack(
    tmp_path: Path, *, mode: Literal["socket", "http"] = "http", world: SlackWorld | None = None, **slack: Any
) -> AsyncIterator[SlackHarness]:
    """Start the local Slack and the bot against it; jobs run only through ``scheduler.run_due()``."""
    fake = await FakeSlack(world or standard_world(), bot_token=BOT_TOKEN, app_token=APP_TOKEN).start()
    settings = settings_for(fake, tmp_path, mode, **slack)
    clock = ManualClock(START)
    try:
        async with open_runtime(settings, clock=clock, rng=random.Random(7)) as runtime:
            url = f"http://{HOST}:{settings.slack.http_port}{EVENTS_PATH}"
            delivery = SlackDelivery(fake, url, SIGNING_SECRET)
            bot, timers = await start_bot(runtime)
            harness = SlackHarness(fake.world, fake, delivery, runtime, bot, timers, clock)
            try:
                yield harness
            finally:
                await harness.bot.close()
    finally:
        await fake.stop()


async def start_bot(runtime: Runtime) -> tuple[SlackBot, QuizScheduler]:
    """A started ``SlackBot`` and its timers, which run jobs only through ``run_due()``."""
    # Paused: APScheduler never fires on wall-clock time here; tests move the clock and call run_due().
    aps = AsyncIOScheduler(timezone=dt.UTC)
    aps.start(paused=True)
    built: list[QuizScheduler] = []

    def quiz_on(platform: ChatPlatform) -> Quiz:
        built.append(QuizScheduler(runtime.service, {platform.name: platform}, scheduler=aps))
        return Quiz(runtime.service, built[-1], platform)

    bot = SlackBot(runtime, quiz_factory=quiz_on, http_host=HOST)
    await bot.start()
    return bot, built[-1]


@dataclass
class SlackInstance:
    """One of several bot processes sharing a database: its own store, bot and timers."""

    runtime: Runtime
    bot: SlackBot
    timers: QuizScheduler


@dataclass
class SlackInstances:
    """Bot processes sharing one database, and a Slack that delivers each event to more than one of them."""

    world: SlackWorld
    fake: FakeSlack
    delivery: SocketCopies | HttpRetries
    instances: list[SlackInstance]
    claims: ClaimLog
    clock: ManualClock

    def __getattr__(self, name: str) -> Actor:
        """``instances.alice`` and friends, whose events reach the instances as ``delivery`` sends them."""
        for user in self.world.users.values():
            if user.name == name:
                return Actor(user, self.delivery)
        raise AttributeError(name)

    def key(self, channel: str = STUDY) -> ChannelKey:
        return ChannelKey("slack", self.world.team_id, channel)

    async def ask(self) -> Message:
        """An on-demand question asked through the first instance, once every instance can find its round."""
        quiz = self.instances[0].bot.quiz
        assert quiz is not None
        round_ = await quiz.ask(self.key())
        question = self.world.message(STUDY, str(round_.message_id))
        assert question is not None
        for instance in self.instances:
            await eventually(lambda service=instance.runtime.service: service.round_for_thread("slack", question.ts))
        return question

    async def answers(self, question: Message) -> list[AnswerRecord]:
        storage = self.instances[0].runtime.storage
        round_ = await self.instances[0].runtime.service.round_for_thread("slack", question.ts)
        assert round_ is not None
        return await storage.answers.for_round(round_.id)

    async def restart(self, index: int) -> None:
        """Stop one instance's bot and start a new one on its database, as after a crash and a restart."""
        instance = self.instances[index]
        await instance.bot.close()
        instance.bot, instance.timers = await start_bot(instance.runtime)

    async def handled(self, envelope: JSON, copies: int | None = None) -> list[bool]:
        """Once every copy of ``envelope``'s event was claimed or refused and its handler is done: by instance,
        whether it was the one to handle it."""
        outcomes = await self.claims.outcomes(str(envelope["event_id"]), copies or len(self.instances))
        for instance in self.instances:
            assert await instance.bot.settled(5.0)
        return outcomes


@contextlib.asynccontextmanager
async def running_slack_instances(
    tmp_path: Path, *, count: int = 2, mode: Literal["socket", "http"] = "socket"
) -> AsyncIterator[SlackInstances]:
    """``count`` bots on one SQLite file against the local Slack, each delivered a copy of every event: in Socket
    Mode one connection each, over HTTP each on its own port with Slack's retries going to the next."""
    fake = await FakeSlack(standard_world(), bot_token=BOT_TOKEN, app_token=APP_TOKEN).start()
    clock = ManualClock(START)
    log = ClaimLog()
    try:
        async with contextlib.AsyncExitStack() as stack:
            runtimes: list[Runtime] = []
            urls: list[str] = []
            for index in range(count):
                settings = settings_for(fake, tmp_path, mode)  # the same database file, a port of its own
                runtime = await stack.enter_async_context(open_runtime(settings, clock=clock, rng=random.Random(7)))
                # The claims the bot is given at start: seen by the test, decided by the shared database.
                runtime.storage.event_claims = ClaimsSeen(runtime.storage.event_claims, log, index)  # type: ignore[misc]
                runtimes.append(runtime)
                urls.append(f"http://{HOST}:{settings.slack.http_port}{EVENTS_PATH}")
            instances: list[SlackInstance] = []

            async def close_bots() -> None:
                for instance in reversed(instances):
                    await instance.bot.close()

            stack.push_async_callback(close_bots)  # before the databases close
            for index, runtime in enumerate(runtimes):
                bot, timers = await start_bot(runtime)
                instances.append(SlackInstance(runtime, bot, timers))
                if mode == "socket":  # connections open in the instances' order
                    await fake.wait_until(lambda expected=index + 1: fake.socket_count == expected)
            delivery: SocketCopies | HttpRetries = (
                SocketCopies(fake, SIGNING_SECRET) if mode == "socket" else HttpRetries(fake, urls, SIGNING_SECRET)
            )
            yield SlackInstances(fake.world, fake, delivery, instances, log, clock)
    finally:
        await fake.stop()
