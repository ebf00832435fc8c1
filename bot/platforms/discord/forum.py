"""Questions in forum channels: a forum post is a thread and its first message, created by one request.

The starter message of a forum post has the thread's id and lives in the thread, not in the forum. A post an
earlier attempt made (killed before the round recorded it) is found among the guild's active threads: the bot's
thread in this forum named after the round, whose starter message carries the round's button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.core.ports import PostedQuestion
from bot.platforms.discord.mentions import NO_MENTIONS

QuizChannel = discord.TextChannel | discord.ForumChannel


async def forum_post(forum: discord.ForumChannel, *, name: str, **message: Any) -> PostedQuestion:
    """Create a post in ``forum`` (``message`` holds the starter message's content, embed, view, and the
    thread's ``auto_archive_duration``); raises discord.py's errors."""
    created = await forum.create_thread(name=name, allowed_mentions=NO_MENTIONS, **message)
    return PostedQuestion(message_id=str(created.message.id), thread_id=str(created.thread.id))


def carries_component(message: discord.Message, custom_id: str) -> bool:
    """True if one of the message's buttons or menus has this ``custom_id``."""
    return any(
        getattr(child, "custom_id", None) == custom_id
        for row in message.components
        for child in getattr(row, "children", ())
    )


async def own_forum_post(
    forum: discord.ForumChannel,
    me: int,
    *,
    name: str,
    custom_id: str,
    pace: Callable[[], Awaitable[None]],
) -> PostedQuestion | None:
    """The newest of the bot's active posts in ``forum`` called ``name`` whose starter message carries a
    component with ``custom_id``; ``pace`` is awaited before each request. Raises discord.py's errors."""
    await pace()
    threads = await forum.guild.active_threads()
    candidates = sorted(
        (t for t in threads if t.parent_id == forum.id and t.owner_id == me and t.name == name),
        key=lambda thread: thread.id,
        reverse=True,
    )
    for thread in candidates:
        await pace()
        try:
            starter = await thread.fetch_message(thread.id)
        except discord.NotFound:
            continue  # the starter message was deleted: not a question any more
        if starter.author.id == me and carries_component(starter, custom_id):
            return PostedQuestion(message_id=str(starter.id), thread_id=str(thread.id))
    return None
