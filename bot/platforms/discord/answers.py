"""Gateway events in answer threads: messages are answers, edits replace them, deletions withdraw them, and a 👍
on someone else's answer is an upvote.

Each handler parses the event, makes one call on ``QuizService`` and reacts; a failure is logged with the event's
ids and never stops the bot.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.models import AnswerReceipt, Member, Round
from bot.core.ports import PlatformError
from bot.platforms.discord.pacing import Lane

if TYPE_CHECKING:
    from bot.platforms.discord.bot import QuizBot

log = logging.getLogger(__name__)

ACK_RECORDED = "✅"
ACK_LATE = "🕓"
UPVOTE = "👍"
THREAD_TYPES = frozenset(
    {discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread}
)
ANSWER_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def ack_for(receipt: AnswerReceipt) -> str | None:
    """The reaction that tells a member their answer is stored."""
    if receipt.status == "late" or (receipt.status == "unchanged" and receipt.late):
        return ACK_LATE
    if receipt.status in ("recorded", "replaced", "unchanged"):
        return ACK_RECORDED
    return None


def is_upvote(emoji: discord.PartialEmoji) -> bool:
    # Skin-tone variants are the same vote.
    return emoji.id is None and emoji.name is not None and emoji.name.startswith(UPVOTE)


class AnswerEvents(commands.Cog):
    """Listens to thread traffic; only threads that belong to a round of the same guild are looked at."""

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    def could_be_answer_thread(self, channel_id: int) -> bool:
        """False for channels known not to be threads; an uncached channel might still be one."""
        channel = self.bot.get_channel(channel_id)
        return channel is None or getattr(channel, "type", None) in THREAD_TYPES

    async def round_in(self, guild_id: int | None, channel_id: int) -> Round | None:
        """The round whose answer thread is ``channel_id``, if it belongs to ``guild_id``; returned once the
        answers written there while the bot was offline have been caught up."""
        if guild_id is None or not self.could_be_answer_thread(channel_id):
            return None
        # Asked before the lookup: a thread that stops opening after it has its round recorded already.
        opening = self.bot.platform.opening.pending(str(channel_id))
        round_ = await self.bot.quiz.round_for_thread(str(channel_id))
        if round_ is None and opening:
            # The thread of a question being posted right now: its round is recorded in a moment.
            await self.bot.platform.opening.wait(str(channel_id))
            round_ = await self.bot.quiz.round_for_thread(str(channel_id))
        if round_ is None or round_.channel.guild_id != str(guild_id):
            return None
        await self.bot.catch_up.settled(round_.id)
        return round_

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.type not in ANSWER_MESSAGE_TYPES or message.guild is None:
            return
        try:
            round_ = await self.round_in(message.guild.id, message.channel.id)
            if round_ is None:
                return
            async with self.bot.catch_up.live(round_.id, str(message.id)) as mine:
                if mine:
                    await self._record(round_, message)
        except Exception:
            log.exception(
                "handling message %s in channel %s of guild %s failed", message.id, message.channel.id, message.guild.id
            )

    async def _record(self, round_: Round, message: discord.Message) -> None:
        member = Member(str(message.author.id), message.author.display_name)
        try:
            receipt = await self.bot.quiz.answer(round_, member, message.content, message_id=str(message.id))
        except Exception:
            # Not stored (a full disk, a locked database): the round's thread is read back once writes work again.
            log.exception(
                "could not store message %s in thread %s; reading it again later", message.id, message.channel.id
            )
            self.bot.catch_up.rescan_later(round_.id)
            return
        # Only now is the answer durable, so only now may the member see it acknowledged.
        emoji = None if receipt is None else ack_for(receipt)
        if emoji is None:
            return
        try:
            await self.bot.platform.add_reaction(message, emoji, Lane.INTERACTIVE)
        except PlatformError as exc:
            log.warning("could not acknowledge message %s in thread %s: %s", message.id, message.channel.id, exc)
            if exc.retryable:
                self.bot.catch_up.rescan_later(round_.id)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        # Link previews also arrive as edits; only a changed text has an edit time.
        if message.author.bot or message.edited_at is None or "content" not in payload.data:
            return
        try:
            round_ = await self.round_in(payload.guild_id, payload.channel_id)
            if round_ is None:
                return
            receipt = await self.bot.quiz.edit_answer(round_, str(message.id), message.content)
            if receipt is None and message.content.strip() and message.type in ANSWER_MESSAGE_TYPES:
                # The original never reached us (the bot was offline): the edited text is the answer.
                member = Member(str(message.author.id), message.author.display_name)
                receipt = await self.bot.quiz.answer(round_, member, message.content, message_id=str(message.id))
                emoji = None if receipt is None else ack_for(receipt)
                if emoji is not None:
                    await self.bot.platform.add_reaction(message, emoji, Lane.INTERACTIVE)
        except PlatformError as exc:
            log.warning("could not acknowledge edited message %s: %s", payload.message_id, exc)
        except Exception:
            log.exception(
                "handling the edit of message %s in channel %s of guild %s failed",
                payload.message_id,
                payload.channel_id,
                payload.guild_id,
            )

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        try:
            round_ = await self.round_in(payload.guild_id, payload.channel_id)
            if round_ is not None:
                await self.bot.quiz.withdraw_answer(round_, str(payload.message_id))
        except Exception:
            log.exception(
                "handling the deletion of message %s in channel %s of guild %s failed",
                payload.message_id,
                payload.channel_id,
                payload.guild_id,
            )

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._vote(payload, add=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._vote(payload, add=False)

    async def _vote(self, payload: discord.RawReactionActionEvent, *, add: bool) -> None:
        own_id = self.bot.user.id if self.bot.user is not None else None
        if not is_upvote(payload.emoji) or payload.user_id == own_id:
            return
        if payload.member is not None and payload.member.bot:
            return
        try:
            round_ = await self.round_in(payload.guild_id, payload.channel_id)
            if round_ is None:
                return
            result = await self.bot.quiz.vote(round_, str(payload.message_id), str(payload.user_id), add=add)
            log.debug("vote on %s by %s: %s", payload.message_id, payload.user_id, result.reason)
        except Exception:
            log.exception(
                "handling a reaction on message %s in channel %s of guild %s failed",
                payload.message_id,
                payload.channel_id,
                payload.guild_id,
            )
