"""Answers written while the bot was offline: after every fresh gateway session the threads of the open rounds
are read back, and each member message the database does not hold yet is recorded and acknowledged as if it had
just arrived, oldest first.

Only READY calls for this. A RESUME replays the events that were missed, but a new session (the first connection,
or one after a resume failed) starts from nothing: whatever members wrote before it is only in the threads.

Meanwhile the live handlers of a round wait until its catch-up is over, so a message arriving now cannot be
overtaken by an older one being caught up, nor be recorded twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.core.models import Member, Round
from bot.core.ports import PlatformError
from bot.platforms.discord.answers import ANSWER_MESSAGE_TYPES, ack_for

if TYPE_CHECKING:
    from bot.platforms.discord.bot import QuizBot

log = logging.getLogger(__name__)

# How far back a thread is read: five history requests. Older messages of a busier thread stay unread.
CATCH_UP_HISTORY = 500


def is_member_answer(message: discord.Message) -> bool:
    """A message a member wrote (not a bot, a webhook or Discord itself) that could be an answer."""
    author = message.author
    return not author.bot and not author.system and message.webhook_id is None and message.type in ANSWER_MESSAGE_TYPES


def missed_answers(
    messages: Sequence[discord.Message], recorded: set[str], answering: set[str]
) -> list[discord.Message]:
    """The member messages, oldest first, that came after the last message of their author the database holds.

    A member's earlier messages were replaced by that one (or recorded and replaced before it), so they are left
    alone. A member who holds an answer that none of these messages carries (a private answer, a withdrawn one, or
    one older than the history read) is left alone too: which came last cannot be told, and taking a message here
    could overwrite a newer private answer.
    """
    by_author: dict[int, list[discord.Message]] = {}
    for message in messages:
        if is_member_answer(message):
            by_author.setdefault(message.author.id, []).append(message)
    missed: list[discord.Message] = []
    for author_id, theirs in by_author.items():
        held = [index for index, message in enumerate(theirs) if str(message.id) in recorded]
        if held:
            missed.extend(theirs[held[-1] + 1 :])
        elif str(author_id) not in answering:
            missed.extend(theirs)
    return sorted(missed, key=lambda message: message.id)


class ThreadCatchUp:
    """Reads back the answer threads of open rounds after a (re)connect; one pass at a time."""

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self._lock = asyncio.Lock()
        self._pending: dict[int, asyncio.Event] = {}
        self._recorded: set[int] = set()

    async def settled(self, round_id: int) -> None:
        """Return once the round is not being caught up (at once, almost always)."""
        pending = self._pending.get(round_id)
        if pending is not None:
            await pending.wait()

    def recorded(self, message_id: int) -> bool:
        """True if the last pass recorded this message: its live event must not record it again."""
        return message_id in self._recorded

    async def run(self) -> int:
        """Catch up every open round of this platform in a guild the bot is in; returns how many answers were
        recorded. A round that cannot be read is logged and skipped; this never raises."""
        async with self._lock:
            try:
                rounds = await self._open_rounds()
            except Exception:
                log.exception("could not list the open rounds to catch up")
                return 0
            self._recorded = set()
            self._pending = {round_.id: asyncio.Event() for round_ in rounds}
            total = 0
            for round_ in rounds:
                try:
                    total += await self._catch_up(round_)
                except PlatformError as exc:
                    log.warning("could not catch up round %d in thread %s: %s", round_.id, round_.thread_id, exc)
                except Exception:
                    log.exception("catching up round %d in thread %s failed", round_.id, round_.thread_id)
                finally:
                    self._pending.pop(round_.id).set()
            if total:
                log.info("recorded %d answers written while disconnected, in %d open rounds", total, len(rounds))
            return total

    async def _open_rounds(self) -> list[Round]:
        rounds = await self.bot.quiz.open_rounds()
        return [
            round_
            for round_ in rounds
            if round_.thread_id is not None and self.bot.get_guild(int(round_.channel.guild_id)) is not None
        ]

    async def _catch_up(self, round_: Round) -> int:
        platform = self.bot.platform
        quiz = self.bot.quiz
        thread = await platform.answer_thread(round_)
        messages = await platform.recent_messages(thread, CATCH_UP_HISTORY)
        # Read after the history, so an answer recorded live before the read counts as held.
        recorded = await quiz.recorded_message_ids(round_)
        answering = await quiz.answering_member_ids(round_)
        count = 0
        for message in missed_answers(messages, recorded, answering):
            member = Member(str(message.author.id), message.author.display_name)
            receipt = await quiz.answer(round_, member, message.content, message_id=str(message.id))
            self._recorded.add(message.id)
            if receipt is None:
                continue
            count += 1
            emoji = ack_for(receipt)
            if emoji is None:
                continue
            try:
                await platform.add_reaction(message, emoji)
            except PlatformError as exc:
                log.warning("could not acknowledge caught-up message %s in thread %s: %s", message.id, thread.id, exc)
        return count
