"""Run the quiz in the terminal: stdin lines in, printed rounds and reveals out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

from bot.core.models import ChannelKey
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.session import ConsoleSession
from bot.runtime import Runtime

STDIN_CHUNK = 65536


def _print(line: str) -> None:
    print(line, flush=True)


def read_lines(read: Callable[[], bytes], *, terminal: bool = False) -> Iterator[str]:
    """Lines of what ``read`` returns, chunk by chunk until an empty one, as text: bytes that are not UTF-8 read
    as U+FFFD instead of ending the session. On a ``terminal`` a line typed without Enter and sent with Ctrl-D
    ends the input at once, so a second Ctrl-D is not needed (a pipe may split lines anywhere, so not there)."""
    pending = b""
    while chunk := read():
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield (line + b"\n").decode("utf-8", errors="replace")
        if terminal and pending and not chunk.endswith(b"\n"):
            # A short read not ending a line: the terminal sent a partial line on Ctrl-D.
            break
    if pending:
        yield pending.decode("utf-8", errors="replace")


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed on stdin. A daemon thread reads, so shutdown never waits for the next keypress."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        # Unbuffered reads of the descriptor: a thread blocked in them holds no lock of sys.stdin that the
        # interpreter would wait for at exit.
        fd = sys.stdin.fileno()
        for line in read_lines(lambda: os.read(fd, STDIN_CHUNK), terminal=os.isatty(fd)):
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="quizbot-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


def console_session(runtime: Runtime, write: Callable[[str], None]) -> ConsoleSession:
    settings = runtime.settings
    platform = ConsolePlatform(write, settings.language)
    key = ChannelKey(platform.name, settings.console.guild, settings.console.channel)
    return ConsoleSession(runtime.quiz_on(platform), key, write, settings.language, files_folder(settings.database))


def files_folder(database: object) -> Path:
    """Where the console writes notebooks and exports: ``exports`` beside a SQLite database (in the data folder,
    which a container keeps), else in the working directory."""
    if isinstance(database, Path):
        return database.parent / "exports"
    return Path("exports")


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
