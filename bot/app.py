"""Wiring: settings -> storage, decks, quiz service -> the platform that runs them, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import random
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.core.decks import DeckError, load_decks
from bot.core.errors import UserError
from bot.core.grading.service import stop_worker
from bot.messages import counted, text
from bot.runtime import PlatformRunner, Runtime, open_runtime
from bot.storage.urls import PostgresUrl

log = logging.getLogger(__name__)


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
    except UserError as exc:
        log.error("deck reload refused: %s", text(exc.key, "en", **exc.values))
        return False
    questions = sum(len(d.questions) for d in catalog.decks)
    log.info(
        "reloaded %s (%s)", counted("count.decks", len(catalog), "en"), counted("count.questions", questions, "en")
    )
    return True


def install_reload_signal(runtime: Runtime, pending: set[asyncio.Task[bool]]) -> None:
    """SIGHUP reloads the decks (e.g. after editing questions/), without a restart."""
    loop = asyncio.get_running_loop()

    def reload() -> None:
        task = loop.create_task(reload_decks(runtime))
        pending.add(task)  # keep a reference until it is done
        task.add_done_callback(pending.discard)

    on_signal("SIGHUP", reload)


# The platforms the bot runs on, by the name ``Settings.platform()`` gives: the module and function of each runner.
# Only the chosen one is imported, so a console run never loads discord.py or slack-bolt.
RUNNERS: dict[str, tuple[str, str]] = {
    "discord": ("bot.platforms.discord.runner", "run_discord"),
    "slack": ("bot.platforms.slack.runner", "run_slack"),
    "console": ("bot.platforms.console.runner", "run_console"),
}


def runner_for(platform: str) -> PlatformRunner:
    module, function = RUNNERS[platform]
    runner: PlatformRunner = getattr(importlib.import_module(module), function)
    return runner


async def run(settings: Settings) -> None:
    """Run the bot on the platform the settings choose until SIGTERM or Ctrl-C."""
    platform = settings.platform()
    runner = runner_for(platform)
    stop = asyncio.Event()
    install_stop_signals(stop)
    # A seeded console run asks the same questions every time, e.g. for a demonstration.
    seed = settings.console.seed if platform == "console" else None
    rng = None if seed is None else random.Random(seed)
    async with open_runtime(settings, rng=rng, on_demand_delay=platform == "console") as runtime:
        catalog = runtime.service.catalog
        log.info(
            "quizbot starting on %s with %s (%s) from %s",
            platform,
            counted("count.decks", len(catalog), "en"),
            ", ".join(catalog.deck_ids),
            settings.decks_origin,
        )
        reloads: set[asyncio.Task[bool]] = set()
        install_reload_signal(runtime, reloads)
        heartbeat = asyncio.create_task(beat(heartbeat_path(settings), stop))
        try:
            await runner(runtime, stop)
        finally:
            stop.set()
            await heartbeat
    stop_worker()
    log.info("quizbot stopped cleanly")


HEARTBEAT_EVERY = 30.0
HEARTBEAT_STALE = 120.0


def heartbeat_path(settings: Settings) -> Path:
    """Beside a SQLite file (``quizbot.sqlite3.heartbeat``); for PostgreSQL, in the temporary folder, named after
    the server and database (not the password): where ``health``, in the same container or host, finds it."""
    database = settings.database
    if isinstance(database, PostgresUrl):
        return Path(tempfile.gettempdir()) / f"quizbot-{database.fingerprint()}.heartbeat"
    return database.with_name(database.name + ".heartbeat")


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
