"""``run_slack``: the Slack platform runner ``bot.app.run`` starts."""

from __future__ import annotations

import asyncio
import contextlib

from bot.platforms.slack.bot import SlackBot
from bot.runtime import Runtime


async def run_slack(runtime: Runtime, stop: asyncio.Event) -> None:
    """Connect to Slack, start the scheduler once connected, and return after ``stop`` is set, shut down.

    Connecting retries for as long as Slack cannot be reached; ``stop`` ends that too.
    """
    bot = SlackBot(runtime)
    starting = asyncio.create_task(bot.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # a bad token or missing setting ends the runner with its error
            await stopping
    finally:
        for task in (starting, stopping):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await bot.close()
