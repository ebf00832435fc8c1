"""Run the quiz in the terminal: stdin lines in, printed rounds and reveals out."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Callable

from bot.core.models import ChannelKey
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.session import ConsoleSession
from bot.runtime import Runtime


def _print(line: str) -> None:
    print(line, flush=True)


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed on stdin. A daemon thread reads, so shutdown never waits for the next keypress."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="quizbot-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


def console_session(runtime: Runtime, write: Callable[[str], None]) -> ConsoleSession:
    settings = runtime.settings
    platform = ConsolePlatform(write, settings.language, settings.defaults.timezone)
    key = ChannelKey(platform.name, settings.console.guild, settings.console.channel)
    return ConsoleSession(runtime.quiz_on(platform), key, write, settings.language)


async def run_console(
    runtime: Runtime,
    stop: asyncio.Event,
    lines: AsyncIterator[str] | None = None,
    write: Callable[[str], None] = _print,
) -> None:
    """Run a console study channel until ``/quit``, end of input, SIGTERM or Ctrl-C."""
    session = console_session(runtime, write)
    await session.quiz.start()

    async def read() -> None:
        async for line in lines or stdin_lines():
            if not await session.handle(line):
                break
        stop.set()

    try:
        await session.start()
        reader = asyncio.create_task(read())
        await stop.wait()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    finally:
        session.quiz.stop()
