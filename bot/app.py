"""Wiring: settings -> storage, decks, quiz service -> the platform that runs them, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.decks import DeckError, load_decks
from bot.core.ports import ChatPlatform
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizError, QuizService
from bot.messages import text
from bot.storage.sqlite.store import Storage

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What every platform runner is given: settings and a ready quiz service over an open database."""

    settings: Settings
    storage: Storage
    service: QuizService

    def make_scheduler(self, platforms: Mapping[str, ChatPlatform]) -> QuizScheduler:
        return QuizScheduler(
            self.service,
            platforms,
            grace=self.settings.scheduler.grace_period,
            retry_delay=self.settings.scheduler.retry_delay,
        )


class PlatformRunner(Protocol):
    async def __call__(self, runtime: Runtime, stop: asyncio.Event) -> None: ...


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings, *, clock: Clock | None = None, rng: random.Random | None = None, on_demand_delay: bool = False
) -> AsyncIterator[Runtime]:
    """Load decks, open the database (applying migrations) and build the service; close everything after."""
    catalog = await asyncio.to_thread(load_decks, settings.decks)
    storage = await Storage(settings.database).open()
    try:
        override = settings.console.reveal_delay if on_demand_delay else None
        service = QuizService(
            storage,
            catalog,
            rules=settings.scoring,
            defaults=settings.defaults.to_core(ondemand_override=override),
            clock=clock or SystemClock(),
            rng=rng,
        )
        yield Runtime(settings, storage, service)
    finally:
        await storage.close()


def on_signal(name: str, handler: Callable[[], object]) -> None:
    """Call ``handler`` on the event loop when signal ``name`` arrives, where the platform has that signal."""
    number = getattr(signal, name, None)
    if number is None:
        return
    # Event loops without signal support (Windows) raise instead of installing; the bot then stops on Ctrl-C only.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(number, handler)


def install_stop_signals(stop: asyncio.Event) -> None:
    """SIGTERM and Ctrl-C set ``stop``: the runner finishes what it is doing and closes the database."""
    for name in ("SIGTERM", "SIGINT"):
        on_signal(name, stop.set)


async def reload_decks(runtime: Runtime) -> bool:
    """Load the deck files again and use them from now on; on any problem keep the decks already loaded."""
    try:
        catalog = await asyncio.to_thread(load_decks, runtime.settings.decks)
        await runtime.service.reload_decks(catalog)
    except DeckError as exc:
        log.error("deck reload failed; keeping the decks loaded before:\n%s", exc)
        return False
    except QuizError as exc:
        log.error("deck reload refused: %s", text(f"error.{exc.code}", "en", **exc.details))
        return False
    log.info("reloaded %d decks (%d questions)", len(catalog), sum(len(d.questions) for d in catalog.decks))
    return True


def install_reload_signal(runtime: Runtime, pending: set[asyncio.Task[bool]]) -> None:
    """SIGHUP reloads the decks (e.g. after editing questions/), without a restart."""
    loop = asyncio.get_running_loop()

    def reload() -> None:
        task = loop.create_task(reload_decks(runtime))
        pending.add(task)  # keep a reference until it is done
        task.add_done_callback(pending.discard)

    on_signal("SIGHUP", reload)


def _runner(platform: str) -> PlatformRunner:
    """Import only the chosen platform, so a console run never loads discord.py or slack-bolt."""
    if platform == "discord":
        from bot.platforms.discord.runner import run_discord

        return run_discord
    if platform == "slack":
        from bot.platforms.slack.runner import run_slack

        return run_slack
    from bot.platforms.console.runner import run_console

    return run_console


async def run(settings: Settings) -> None:
    """Run the bot on the platform the settings choose until SIGTERM or Ctrl-C."""
    platform = settings.platform()
    runner = _runner(platform)
    stop = asyncio.Event()
    install_stop_signals(stop)
    # A seeded console run asks the same questions every time, e.g. for a demonstration.
    seed = settings.console.seed if platform == "console" else None
    rng = None if seed is None else random.Random(seed)
    async with open_runtime(settings, rng=rng, on_demand_delay=platform == "console") as runtime:
        log.info("quizbot starting on %s with %d decks", platform, len(runtime.service.catalog))
        reloads: set[asyncio.Task[bool]] = set()
        install_reload_signal(runtime, reloads)
        heartbeat = asyncio.create_task(beat(heartbeat_path(settings), stop))
        try:
            await runner(runtime, stop)
        finally:
            stop.set()
            await heartbeat
    log.info("quizbot stopped cleanly")


HEARTBEAT_EVERY = 30.0
HEARTBEAT_STALE = 120.0


def heartbeat_path(settings: Settings) -> Path:
    return settings.database.with_name(settings.database.name + ".heartbeat")


async def beat(path: Path, stop: asyncio.Event) -> None:
    """Touch ``path`` while the event loop is responsive; the container health check reads its age."""
    while not stop.is_set():
        await asyncio.to_thread(path.touch)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HEARTBEAT_EVERY)
    with contextlib.suppress(OSError):
        await asyncio.to_thread(path.unlink)


def is_healthy(settings: Settings, now: float) -> bool:
    """True while the running bot's heartbeat is fresh."""
    try:
        return now - heartbeat_path(settings).stat().st_mtime < HEARTBEAT_STALE
    except OSError:
        return False
