"""Killing the bot at one exact step, as ``kill -9`` would there: the step never returns, and the task that was
running it is cancelled; the test then crashes (or restarts) the bot. What the step would have done is not done.

Nothing waits on time: ``kill()`` waits for the step to be reached.
"""

from __future__ import annotations

import asyncio
from typing import Any


class CrashPoint:
    """The first call of ``owner.name`` (a method of an object or of a class) freezes; later calls go through."""

    def __init__(self, owner: Any, name: str) -> None:
        self.owner = owner
        self.name = name
        self._own = name in vars(owner)
        self._original = vars(owner)[name] if self._own else None
        self._call = getattr(owner, name)
        self.reached = asyncio.Event()
        self.task: asyncio.Task[Any] | None = None
        if isinstance(owner, type):
            # On a class the replacement must be a function, so that it is bound to the instance called.
            async def frozen(instance: Any, *args: Any, **kwargs: Any) -> Any:
                return await self._frozen(instance, *args, **kwargs)

            setattr(owner, name, frozen)
        else:
            setattr(owner, name, self._frozen)

    async def _frozen(self, *args: Any, **kwargs: Any) -> Any:
        if self.reached.is_set():
            return await self._call(*args, **kwargs)
        self.task = asyncio.current_task()
        self.reached.set()
        await asyncio.get_running_loop().create_future()  # never done: the process is gone

    async def kill(self) -> None:
        """Wait until the step is reached, cancel the task running it, and put the step back as it was."""
        await asyncio.wait_for(self.reached.wait(), 10)
        self.restore()
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    def restore(self) -> None:
        if self._own:
            setattr(self.owner, self.name, self._original)
        elif self.name in vars(self.owner):
            delattr(self.owner, self.name)
