"""Answers the live handlers did not take: after every fresh gateway session the threads of the open rounds are
read back, and each member message the database does not hold yet is recorded and acknowledged as if it had just
arrived, oldest first; an answer stored without the bot's reaction (killed while the reaction was on its way) is
acknowledged.

READY calls for this. A RESUME replays the events that were missed, but a new session (the first connection, or
one after a resume failed) starts from nothing: whatever members wrote before it is only in the threads. A round
whose post is adopted after a restart is read back when it opens, and one whose answer could not be stored (a
full disk) again a little later (``bot.platforms.catchup``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.core.models import GuildKey, Member, Round
from bot.core.ports import PlatformError
from bot.platforms.catchup import RoundCatchUp, missed_messages
from bot.platforms.discord.answers import ACK_LATE, ACK_RECORDED, ANSWER_MESSAGE_TYPES, ack_for
from bot.platforms.discord.pacing import Lane

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
    """The member messages, oldest first, that came after the last message of their author the database holds
    (``bot.platforms.catchup.missed_messages``)."""
    members = sorted((message for message in messages if is_member_answer(message)), key=lambda m: m.id)
    return missed_messages(
        members, recorded, answering, message_id=lambda m: str(m.id), author_id=lambda m: m.author.id
    )


def acknowledged_by_me(message: discord.Message) -> bool:
    """True if the bot reacted to ``message`` with one of its acknowledgements."""
    return any(reaction.me and str(reaction.emoji) in (ACK_RECORDED, ACK_LATE) for reaction in message.reactions)


class ThreadCatchUp(RoundCatchUp):
    """Reads back the answer threads of open rounds on Discord."""

    # Every read waits its turn at the shared pacer, so reading many threads at once stays within the global
    # limit while a restart with thousands of open rounds takes seconds instead of one round trip after another.
    concurrent_reads = 64

    def __init__(self, bot: QuizBot) -> None:
        super().__init__()
        self.bot = bot

    async def open_rounds(self) -> list[Round]:
        rounds = await self.bot.quiz.open_rounds()
        return [round_ for round_ in rounds if self._reachable(round_)]

    async def current(self, round_id: int) -> Round | None:
        round_ = await self.bot.quiz.round(round_id)
        return round_ if round_ is not None and self._reachable(round_) else None

    def _reachable(self, round_: Round) -> bool:
        # Another process reads back the rounds of the guilds on its shards.
        channel = round_.channel
        if round_.thread_id is None or not self.bot.platform.serves(GuildKey(channel.platform, channel.guild_id)):
            return False
        return self.bot.get_guild(int(channel.guild_id)) is not None

    async def read_round(self, round_: Round) -> int:
        platform = self.bot.platform
        quiz = self.bot.quiz
        thread = await platform.answer_thread(round_, Lane.BULK)
        messages = await platform.recent_messages(thread, CATCH_UP_HISTORY)
        # Read after the history, so an answer recorded live before the read counts as held.
        recorded = await quiz.recorded_message_ids(round_)
        answering = await quiz.answering_member_ids(round_)
        count = 0
        for message in missed_answers(messages, recorded, answering):
            if self.busy(str(message.id)):
                continue  # its live event is recording it right now
            member = Member(str(message.author.id), message.author.display_name)
            receipt = await quiz.answer(round_, member, message.content, message_id=str(message.id))
            self.note_recorded(str(message.id))
            if receipt is None:
                continue
            count += 1
            emoji = ack_for(receipt)
            if emoji is not None:
                await self._acknowledge(round_, message, emoji)
        for message in messages:
            # Stored, but the reaction never went out (the bot was killed while it was on its way, or it failed).
            held = str(message.id) in recorded and message.content.strip() and is_member_answer(message)
            if held and not acknowledged_by_me(message) and not self.busy(str(message.id)):
                await self._acknowledge(round_, message, ACK_RECORDED)  # held in an open round: on time
        return count

    async def _acknowledge(self, round_: Round, message: discord.Message, emoji: str) -> None:
        try:
            # Written while the bot was away: the member is not watching for this one second by second.
            await self.bot.platform.add_reaction(message, emoji, Lane.BULK)
        except PlatformError as exc:
            log.warning("could not acknowledge message %s in thread %s: %s", message.id, message.channel.id, exc)
            if exc.retryable:
                self.rescan_later(round_.id)
