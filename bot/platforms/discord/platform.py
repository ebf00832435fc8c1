"""``ChatPlatform`` on Discord: a question is an embed with a thread under it (in a forum channel, a forum post:
the thread and its first message in one), a reveal is posted in that thread.

Every REST call waits for its turn at the shared ``RequestPacer`` in the lane its purpose calls for: what a member
is waiting to see (``INTERACTIVE``), what completes something already visible (``THREAD``), everything else
(``BULK``)."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Literal

import aiohttp
import discord

from bot.core.clock import Clock
from bot.core.models import ChannelKey, Dispute, GuildKey, Round
from bot.core.ports import PlatformError, PostedQuestion, QuestionCard, ReminderCard, RevealCard, check_fence
from bot.messages import Language, text
from bot.platforms.discord.cards import MAX_THREAD_NAME, CardState, question_embed, thread_name
from bot.platforms.discord.disputes import reveal_view, verdict_view
from bot.platforms.discord.forum import QuizChannel, carries_component, forum_post, own_forum_post
from bot.platforms.discord.mentions import NO_MENTIONS
from bot.platforms.discord.opening import OpeningThreads
from bot.platforms.discord.pacing import Lane, RequestPacer
from bot.platforms.discord.review import round_rating_buttons
from bot.platforms.discord.sharding import ShardScope
from bot.platforms.discord.views import ANSWER_BUTTON_ID, question_view
from bot.render import dispute_notice, reminder_text, reveal_blocks, split_blocks

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_MESSAGE = 2000
# A week, the longest reveal delay: the thread is still open when the reveal is posted in it.
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080
# How far back a reveal looks for its own earlier attempt: one history request.
REVEAL_HISTORY = 100
# The most messages one history request returns.
HISTORY_PAGE = 100
# How far back the quiz channel is searched for a question an earlier attempt posted: two history requests. The
# search runs only for a round whose earlier attempt may have posted (after a failure or a restart), soon after it.
FIND_HISTORY = 200
# Discord's error code for a message that already has a thread.
THREAD_ALREADY_CREATED = 160004


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
        self.opening = OpeningThreads()
        # Whether the quiz has personal review (set by the bot): reveals then carry the rating buttons.
        self.reviews = False
        # Reads back the thread of a round whose post was adopted (set by the bot once its catch-up exists).
        self.on_adopted: Callable[[Round], Awaitable[object]] | None = None
        # The shards this process runs (set by the bot once Discord said how many there are); None: all.
        self.shards: ShardScope | None = None

    @property
    def share(self) -> str | None:
        return None if self.shards is None else self.shards.share

    def serves(self, guild: GuildKey) -> bool:
        """True if the guild is on one of this process's shards: other processes run the other shards' guilds."""
        return self.shards is None or self.shards.holds(guild.guild_id)

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        target = await self._quiz_channel(channel, Lane.BULK)
        round_ = card.round
        embed = question_embed(round_, card.question, card.category, self.language)
        if isinstance(target, discord.ForumChannel):
            return await self._post_in_forum(target, card, embed)
        with platform_errors("posting the question"):
            await self.pacer.acquire(Lane.BULK)
            # The turn may come minutes later in a big fan-out: the round may have been taken over meanwhile.
            await check_fence(card.fence)
            message = await target.send(
                embed=embed, view=question_view(round_.id, self.language), allowed_mentions=NO_MENTIONS
            )
        # A thread started from a message has that message's id: answers may arrive in it before it is recorded.
        self.opening.begin(str(message.id))
        try:
            thread = await self._open_thread(message, round_)
        except PlatformError:
            self.opening.end(str(message.id))
            # A question without its thread would collect no answers; the retry posts a fresh one.
            with contextlib.suppress(discord.HTTPException, TimeoutError, aiohttp.ClientError, OSError):
                await self.pacer.acquire(Lane.THREAD)
                await message.delete()
            raise
        return PostedQuestion(message_id=str(message.id), thread_id=str(thread.id))

    async def _post_in_forum(
        self, forum: discord.ForumChannel, card: QuestionCard, embed: discord.Embed
    ) -> PostedQuestion:
        """One request: the forum post is the thread, its starter message (with the thread's id) the question."""
        round_ = card.round
        with platform_errors("posting the question"):
            await self.pacer.acquire(Lane.BULK)
            await check_fence(card.fence)
            posted = await forum_post(
                forum,
                name=thread_name(round_, self.language),
                embed=embed,
                view=question_view(round_.id, self.language),
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
        # The thread's id is known only now; answers arriving before the round records it wait for it.
        self.opening.begin(posted.thread_id)
        return posted

    async def find_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion | None:
        """The bot's question message of the round among the channel's latest messages, found by the round id its
        answer button carries; its thread is opened now if the earlier attempt stopped before that."""
        target = await self._quiz_channel(channel, Lane.BULK)
        round_ = card.round
        if isinstance(target, discord.ForumChannel):
            return await self._own_forum_post(target, round_)
        found = await self._own_post(target, ANSWER_BUTTON_ID.format(round_id=round_.id))
        if found is None:
            return None
        thread: Any = found.thread
        if thread is None:
            thread = await self._open_thread(found, round_)
        return PostedQuestion(message_id=str(found.id), thread_id=str(thread.id))

    async def question_opened(self, round_: Round, *, adopted: bool) -> None:
        if round_.thread_id is not None:
            self.opening.end(round_.thread_id)
        if adopted and self.on_adopted is not None:
            await self.on_adopted(round_)

    async def _own_forum_post(self, forum: discord.ForumChannel, round_: Round) -> PostedQuestion | None:
        """The round's post among the forum's active threads, by its name and its starter message's button."""
        me = self.client.user
        if me is None:
            raise PlatformError("not logged in", retryable=True)
        with platform_errors("looking for an earlier post of the question"):
            return await own_forum_post(
                forum,
                me.id,
                name=thread_name(round_, self.language),
                custom_id=ANSWER_BUTTON_ID.format(round_id=round_.id),
                pace=lambda: self.pacer.acquire(Lane.BULK),
            )

    async def _quiz_channel(self, channel: ChannelKey, lane: Lane) -> QuizChannel:
        target = await self._channel(channel.guild_id, channel.channel_id, "finding the quiz channel", lane)
        if not isinstance(target, discord.TextChannel | discord.ForumChannel):
            raise PlatformError(f"channel {channel.channel_id} is not a text or forum channel", retryable=False)
        return target

    async def _open_thread(self, message: discord.Message, round_: Round) -> Any:
        """The answer thread under the question message; one that exists already (a race with another attempt)
        is taken as it is."""
        try:
            with platform_errors("creating the answer thread"):
                # Right after its question, ahead of the other channels' posts: members can answer at once.
                await self.pacer.acquire(Lane.THREAD)
                return await message.create_thread(
                    name=thread_name(round_, self.language), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
        except PlatformError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, discord.HTTPException) and cause.code == THREAD_ALREADY_CREATED):
                raise
        return await self._channel(round_.channel.guild_id, str(message.id), "finding the answer thread", Lane.THREAD)

    async def _own_post(self, channel: discord.TextChannel, custom_id: str) -> discord.Message | None:
        """The newest of the bot's messages among the channel's last ``FIND_HISTORY`` that carries a component
        with ``custom_id``."""
        me = self.client.user
        if me is None:
            raise PlatformError("not logged in", retryable=True)
        seen = 0
        before: discord.Message | None = None
        with platform_errors("looking for an earlier post of the question"):
            while seen < FIND_HISTORY:
                await self.pacer.acquire(Lane.BULK)
                page = [message async for message in channel.history(limit=HISTORY_PAGE, before=before)]
                for message in page:
                    if message.author.id == me.id and carries_component(message, custom_id):
                        return message
                seen += len(page)
                if len(page) < HISTORY_PAGE:
                    return None
                before = page[-1]
        return None

    async def post_reveal(self, card: RevealCard) -> None:
        round_ = card.round
        if round_.thread_id is None or round_.message_id is None:
            raise PlatformError(f"round {round_.id} was never posted", retryable=False)
        thread = await self._channel(round_.channel.guild_id, round_.thread_id, "finding the answer thread", Lane.BULK)
        if not isinstance(thread, discord.Thread | discord.TextChannel):
            raise PlatformError(f"channel {round_.thread_id} cannot hold a reveal", retryable=False)
        # A retry after a partly posted reveal (or a restart) continues where the last attempt stopped.
        already = await self._own_messages(thread)
        chunks = split_blocks(reveal_blocks(card, self.language), MAX_MESSAGE)
        # The reveal waits its turn once; its further parts and the question's update follow it without waiting
        # behind other channels' posts, so no thread shows half a reveal for long.
        lane = Lane.BULK
        for number, chunk in enumerate(chunks, 1):
            if already[chunk] > 0:
                already[chunk] -= 1
                continue
            # The last part carries the dispute button, once there is a graded answer to dispute, and with
            # personal review the buttons that correct how the clicking member's own answer was rated.
            view = self._reveal_view(round_.id) if number == len(chunks) and card.results else None
            with platform_errors("posting the reveal"):
                await self.pacer.acquire(lane)
                if lane is Lane.BULK:
                    await check_fence(card.fence)
                lane = Lane.THREAD
                if view is None:
                    await thread.send(chunk, allowed_mentions=NO_MENTIONS)
                else:
                    await thread.send(chunk, view=view, allowed_mentions=NO_MENTIONS)
        try:
            await self.mark_question(round_, card, CardState.REVEALED, Lane.THREAD)
        except PlatformError as exc:
            # The reveal itself is out; a question message someone deleted must not make it post again.
            log.warning("round %d is revealed but its question message could not be updated: %s", round_.id, exc)

    def _reveal_view(self, round_id: int) -> discord.ui.View:
        view = reveal_view(round_id, self.language)
        if self.reviews:
            for button in round_rating_buttons(round_id, self.language):
                view.add_item(button)
        return view

    async def mark_question(
        self, round_: Round, card: RevealCard | QuestionCard, state: CardState, lane: Lane = Lane.BULK
    ) -> None:
        """Show on the question message that its round is over, and disable the private-answer button."""
        if round_.message_id is None:
            return
        home = await self._question_home(round_, lane)
        if home is None:
            return
        embed = question_embed(round_, card.question, card.category, self.language, state, at=self.clock.now())
        with platform_errors("marking the question"):
            await self.pacer.acquire(lane)
            await home.get_partial_message(int(round_.message_id)).edit(
                embed=embed, view=question_view(round_.id, self.language, disabled=True)
            )

    async def _question_home(self, round_: Round, lane: Lane) -> discord.TextChannel | discord.Thread | None:
        """Where the question message lives: the quiz channel, or in a forum the post's thread itself."""
        parent = await self._channel(
            round_.channel.guild_id, round_.channel.channel_id, "finding the quiz channel", lane
        )
        if isinstance(parent, discord.TextChannel):
            return parent
        if isinstance(parent, discord.ForumChannel) and round_.thread_id is not None:
            thread = await self._channel(round_.channel.guild_id, round_.thread_id, "finding the answer thread", lane)
            return thread if isinstance(thread, discord.Thread) else None
        return None

    async def report_problem(self, channel: ChannelKey, problem: str) -> None:
        message = text("admin.problem", self.language, problem=problem)
        try:
            target = await self._channel(channel.guild_id, channel.channel_id, "finding the quiz channel", Lane.BULK)
            if not isinstance(target, discord.TextChannel | discord.Thread | discord.ForumChannel):
                raise PlatformError("not a text channel", retryable=False)
            with platform_errors("reporting a problem"):
                await self.pacer.acquire(Lane.BULK)
                if isinstance(target, discord.ForumChannel):
                    # A forum holds posts only: the problem becomes one.
                    await forum_post(target, name=problem[:MAX_THREAD_NAME] or "-", content=message)
                else:
                    await target.send(message, allowed_mentions=NO_MENTIONS)
        except PlatformError as exc:
            # Usually the very permission problem being reported; the log is all that is left.
            log.error("could not tell the admins of %s: %s (problem: %s)", channel, exc, problem)

    async def post_dispute_opened(self, round_: Round, dispute: Dispute) -> None:
        """Post a newly opened dispute in the round's answer thread, with the buttons admins decide it by."""
        thread = await self.answer_thread(round_, Lane.INTERACTIVE)
        with platform_errors("posting a dispute"):
            await self.pacer.acquire(Lane.INTERACTIVE)
            await thread.send(
                dispute_notice(dispute, self.language),
                view=verdict_view(dispute.id, self.language),
                allowed_mentions=NO_MENTIONS,
            )

    async def mark_cancelled(self, card: QuestionCard) -> None:
        await self.mark_question(card.round, card, CardState.CANCELLED)

    async def post_dispute_decision(self, round_: Round, dispute: Dispute) -> None:
        """Post the decision in the round's answer thread."""
        thread = await self.answer_thread(round_, Lane.INTERACTIVE)
        with platform_errors("posting a dispute decision"):
            await self.pacer.acquire(Lane.INTERACTIVE)
            await thread.send(dispute_notice(dispute, self.language), allowed_mentions=NO_MENTIONS)

    async def remind_member(self, card: ReminderCard) -> None:
        """A direct message to the member (they share the guild with the bot; they may have closed their DMs), in
        the bot's language, naming the commands as clients in that language show them."""
        lang = self.language
        quiz, review, me = (text(f"discord.cmd.{name}.name", lang) for name in ("quiz", "review", "me"))
        off = f"{text('discord.opt.reminders.name', lang)}:{text('discord.choice.off', lang)}"
        message = reminder_text(card, lang, command=f"/{quiz} {review}", settings=f"/{quiz} {me} {off}")
        with platform_errors(f"reminding member {card.member_id}"):
            # A reminder is the bot's own idea, sent on a schedule: it takes its turn with the posts.
            user = self.client.get_user(int(card.member_id))
            if user is None:
                await self.pacer.acquire(Lane.BULK)
                user = await self.client.fetch_user(int(card.member_id))
            await self.pacer.acquire(Lane.BULK)
            await user.send(message, allowed_mentions=NO_MENTIONS)

    async def add_reaction(self, message: discord.Message | discord.PartialMessage, emoji: str, lane: Lane) -> None:
        """React to a member's message (the answer acknowledgement); raises ``PlatformError``. A member who
        just answered waits for it (``INTERACTIVE``); answers read back after a restart take ``BULK``."""
        with platform_errors("acknowledging an answer"):
            await self.pacer.acquire(lane)
            await message.add_reaction(emoji)

    async def answer_thread(self, round_: Round, lane: Lane) -> discord.Thread | discord.TextChannel:
        """The channel holding the round's answers; raises ``PlatformError`` if it is gone or out of reach."""
        if round_.thread_id is None:
            raise PlatformError(f"round {round_.id} has no answer thread", retryable=False)
        thread = await self._channel(round_.channel.guild_id, round_.thread_id, "finding the answer thread", lane)
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
                await self.pacer.acquire(Lane.BULK)
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
                await self.pacer.acquire(Lane.BULK)
                async for message in thread.history(limit=REVEAL_HISTORY):
                    if message.author.id == me.id:
                        posted[message.content] += 1
        except PlatformError as exc:
            log.warning("could not read thread %s before the reveal: %s", thread.id, exc)
        return posted

    async def _channel(self, guild_id: str, channel_id: str, action: str, lane: Lane) -> Any:
        """A channel or thread from the cache, else from the REST API (in ``lane``); it must belong to
        ``guild_id``."""
        found: Any = self.client.get_channel(int(channel_id))
        if found is None:
            with platform_errors(action):
                await self.pacer.acquire(lane)
                found = await self.client.fetch_channel(int(channel_id))
        guild = getattr(found, "guild", None)
        if guild is None or str(guild.id) != guild_id:
            raise PlatformError(f"channel {channel_id} is not in guild {guild_id}", retryable=False)
        return found
