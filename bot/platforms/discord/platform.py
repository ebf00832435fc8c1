"""``ChatPlatform`` on Discord: a question is an embed with a thread under it, a reveal is posted in that thread."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any, Literal

import aiohttp
import discord

from bot.core.clock import Clock
from bot.core.models import ChannelKey, Dispute, Round
from bot.core.ports import PlatformError, PostedQuestion, QuestionCard, RevealCard
from bot.messages import Language, text
from bot.platforms.discord.cards import CardState, question_embed, thread_name
from bot.platforms.discord.disputes import reveal_view, verdict_view
from bot.platforms.discord.pacing import RequestPacer
from bot.platforms.discord.views import question_view
from bot.render import dispute_notice, reveal_blocks, split_blocks

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_MESSAGE = 2000
# A week, the longest reveal delay: the thread is still open when the reveal is posted in it.
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080
NO_MENTIONS = discord.AllowedMentions.none()
# How far back a reveal looks for its own earlier attempt: one history request.
REVEAL_HISTORY = 100
# The most messages one history request returns.
HISTORY_PAGE = 100


@contextlib.contextmanager
def platform_errors(action: str) -> Iterator[None]:
    """Turn discord.py and network failures into ``PlatformError``: permissions and missing things are for good,
    server errors, rate limits past discord.py's own retries and network trouble may pass."""
    try:
        yield
    except (discord.Forbidden, discord.NotFound) as exc:
        raise PlatformError(f"{action}: {exc}", retryable=False) from exc
    except discord.RateLimited as exc:
        raise PlatformError(f"{action}: rate limited for {exc.retry_after:.0f}s", retryable=True) from exc
    except discord.HTTPException as exc:
        raise PlatformError(f"{action}: {exc}", retryable=exc.status >= 500 or exc.status == 429) from exc
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise PlatformError(f"{action}: {type(exc).__name__}: {exc}", retryable=True) from exc


class DiscordPlatform:
    """Posts rounds and reveals through a connected discord.py client, paced by one shared ``RequestPacer``."""

    name = PLATFORM

    def __init__(self, client: discord.Client, pacer: RequestPacer, language: Language, clock: Clock) -> None:
        self.client = client
        self.pacer = pacer
        self.language = language
        self.clock = clock

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        target = await self._channel(channel.guild_id, channel.channel_id, "finding the quiz channel")
        if not isinstance(target, discord.TextChannel):
            raise PlatformError(f"channel {channel.channel_id} is not a text channel", retryable=False)
        round_ = card.round
        embed = question_embed(round_, card.question, card.category, self.language)
        with platform_errors("posting the question"):
            await self.pacer.acquire()
            message = await target.send(
                embed=embed, view=question_view(round_.id, self.language), allowed_mentions=NO_MENTIONS
            )
        try:
            with platform_errors("creating the answer thread"):
                await self.pacer.acquire()
                thread = await message.create_thread(
                    name=thread_name(round_, self.language), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
        except PlatformError:
            # A question without its thread would collect no answers; the retry posts a fresh one.
            with contextlib.suppress(discord.HTTPException, TimeoutError, aiohttp.ClientError, OSError):
                await self.pacer.acquire()
                await message.delete()
            raise
        return PostedQuestion(message_id=str(message.id), thread_id=str(thread.id))

    async def post_reveal(self, card: RevealCard) -> None:
        round_ = card.round
        if round_.thread_id is None or round_.message_id is None:
            raise PlatformError(f"round {round_.id} was never posted", retryable=False)
        thread = await self._channel(round_.channel.guild_id, round_.thread_id, "finding the answer thread")
        if not isinstance(thread, discord.Thread | discord.TextChannel):
            raise PlatformError(f"channel {round_.thread_id} cannot hold a reveal", retryable=False)
        # A retry after a partly posted reveal (or a restart) continues where the last attempt stopped.
        already = await self._own_messages(thread)
        chunks = split_blocks(reveal_blocks(card, self.language), MAX_MESSAGE)
        for number, chunk in enumerate(chunks, 1):
            if already[chunk] > 0:
                already[chunk] -= 1
                continue
            # The last part carries the dispute button, once there is a graded answer to dispute.
            view = reveal_view(round_.id, self.language) if number == len(chunks) and card.results else None
            with platform_errors("posting the reveal"):
                await self.pacer.acquire()
                if view is None:
                    await thread.send(chunk, allowed_mentions=NO_MENTIONS)
                else:
                    await thread.send(chunk, view=view, allowed_mentions=NO_MENTIONS)
        try:
            await self.mark_question(round_, card, CardState.REVEALED)
        except PlatformError as exc:
            # The reveal itself is out; a question message someone deleted must not make it post again.
            log.warning("round %d is revealed but its question message could not be updated: %s", round_.id, exc)

    async def mark_question(self, round_: Round, card: RevealCard | QuestionCard, state: CardState) -> None:
        """Show on the question message that its round is over, and disable the private-answer button."""
        if round_.message_id is None:
            return
        parent = await self._channel(round_.channel.guild_id, round_.channel.channel_id, "finding the quiz channel")
        if not isinstance(parent, discord.TextChannel):
            return
        embed = question_embed(round_, card.question, card.category, self.language, state, at=self.clock.now())
        with platform_errors("marking the question"):
            await self.pacer.acquire()
            await parent.get_partial_message(int(round_.message_id)).edit(
                embed=embed, view=question_view(round_.id, self.language, disabled=True)
            )

    async def report_problem(self, channel: ChannelKey, problem: str) -> None:
        message = text("admin.problem", self.language, problem=problem)
        try:
            target = await self._channel(channel.guild_id, channel.channel_id, "finding the quiz channel")
            if not isinstance(target, discord.TextChannel | discord.Thread):
                raise PlatformError("not a text channel", retryable=False)
            with platform_errors("reporting a problem"):
                await self.pacer.acquire()
                await target.send(message, allowed_mentions=NO_MENTIONS)
        except PlatformError as exc:
            # Usually the very permission problem being reported; the log is all that is left.
            log.error("could not tell the admins of %s: %s (problem: %s)", channel, exc, problem)

    async def post_dispute_opened(self, round_: Round, dispute: Dispute) -> None:
        """Post a newly opened dispute in the round's answer thread, with the buttons admins decide it by."""
        thread = await self.answer_thread(round_)
        with platform_errors("posting a dispute"):
            await self.pacer.acquire()
            await thread.send(
                dispute_notice(dispute, self.language),
                view=verdict_view(dispute.id, self.language),
                allowed_mentions=NO_MENTIONS,
            )

    async def mark_cancelled(self, card: QuestionCard) -> None:
        await self.mark_question(card.round, card, CardState.CANCELLED)

    async def post_dispute_decision(self, round_: Round, dispute: Dispute) -> None:
        """Post the decision in the round's answer thread."""
        thread = await self.answer_thread(round_)
        with platform_errors("posting a dispute decision"):
            await self.pacer.acquire()
            await thread.send(dispute_notice(dispute, self.language), allowed_mentions=NO_MENTIONS)

    async def add_reaction(self, message: discord.Message | discord.PartialMessage, emoji: str) -> None:
        """React to a member's message (the answer acknowledgement); raises ``PlatformError``."""
        with platform_errors("acknowledging an answer"):
            await self.pacer.acquire()
            await message.add_reaction(emoji)

    async def answer_thread(self, round_: Round) -> discord.Thread | discord.TextChannel:
        """The channel holding the round's answers; raises ``PlatformError`` if it is gone or out of reach."""
        if round_.thread_id is None:
            raise PlatformError(f"round {round_.id} has no answer thread", retryable=False)
        thread = await self._channel(round_.channel.guild_id, round_.thread_id, "finding the answer thread")
        if not isinstance(thread, discord.Thread | discord.TextChannel):
            raise PlatformError(f"channel {round_.thread_id} cannot hold answers", retryable=False)
        return thread

    async def recent_messages(self, channel: discord.Thread | discord.TextChannel, limit: int) -> list[discord.Message]:
        """The last ``limit`` messages of ``channel``, oldest first: one paced request per hundred. Raises
        ``PlatformError``."""
        newest_first: list[discord.Message] = []
        before: discord.Message | None = None
        with platform_errors("reading the thread"):
            while len(newest_first) < limit:
                wanted = min(HISTORY_PAGE, limit - len(newest_first))
                await self.pacer.acquire()
                page = [message async for message in channel.history(limit=wanted, before=before)]
                newest_first.extend(page)
                if len(page) < wanted:
                    break
                before = page[-1]
        newest_first.reverse()
        return newest_first

    async def _own_messages(self, thread: discord.Thread | discord.TextChannel) -> Counter[str]:
        """The texts this bot recently posted in ``thread``; empty if the history cannot be read."""
        me = self.client.user
        posted: Counter[str] = Counter()
        if me is None:
            return posted
        try:
            with platform_errors("reading the thread"):
                await self.pacer.acquire()
                async for message in thread.history(limit=REVEAL_HISTORY):
                    if message.author.id == me.id:
                        posted[message.content] += 1
        except PlatformError as exc:
            log.warning("could not read thread %s before the reveal: %s", thread.id, exc)
        return posted

    async def _channel(self, guild_id: str, channel_id: str, action: str) -> Any:
        """A channel or thread from the cache, else from the REST API; it must belong to ``guild_id``."""
        found: Any = self.client.get_channel(int(channel_id))
        if found is None:
            with platform_errors(action):
                await self.pacer.acquire()
                found = await self.client.fetch_channel(int(channel_id))
        guild = getattr(found, "guild", None)
        if guild is None or str(guild.id) != guild_id:
            raise PlatformError(f"channel {channel_id} is not in guild {guild_id}", retryable=False)
        return found
