"""The slash commands: one ``/quiz`` group for everyone, whose ``setup``, ``pause``, ``resume``, ``reveal`` and
``skip`` need the Manage Server permission.

Discord applies ``default_member_permissions`` to top-level commands only and discord.py cannot set it on a
subcommand, so every member sees all of ``/quiz``: the admin subcommands check Manage Server at run time and refuse
anyone else with an ephemeral explanation. A server can still restrict the whole command under Integrations.

Replies that concern only the caller are ephemeral. ``/quiz leaderboard`` posts the board publicly (it is the
group's shared scoreboard) and sends the caller's own rank as an ephemeral follow-up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import discord
from discord import app_commands

from bot.config import WEEKDAYS
from bot.core import commands as quiz_commands
from bot.core.boards import BoardView
from bot.core.commands import (
    AccuracyReply,
    Ask,
    BoardReply,
    Caller,
    Command,
    Export,
    ExportReply,
    ForgetPrompt,
    Me,
    MeForget,
    MeSet,
    Notebook,
    NotebookReply,
    Pause,
    Posted,
    Reply,
    Resume,
    RevealNow,
    Review,
    ReviewCardReply,
    ReviewResultReply,
    Setup,
    SetupReply,
    ShowCategories,
    ShowHelp,
    ShowLeaderboard,
    ShowSettings,
    ShowStats,
    Skip,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey, Member, Period
from bot.core.ports import PlatformError
from bot.messages import Language, text
from bot.platforms.discord.checks import manages_server
from bot.platforms.discord.language import CatalogueTranslator, error_text, language_of, localized
from bot.platforms.discord.mentions import NO_MENTIONS
from bot.platforms.discord.platform import MAX_MESSAGE
from bot.platforms.discord.review import MAX_FILES, show
from bot.platforms.review_options import settings_change
from bot.platforms.setup_options import schedule_change
from bot.render import category_name, leaderboard_blocks, platform_error_text, reply_blocks, split_blocks

if TYPE_CHECKING:
    from bot.platforms.discord.bot import QuizBot

log = logging.getLogger(__name__)

MAX_CHOICES = 25
# An interaction must be answered within 3 seconds; its token then takes follow-ups for 15 minutes.
RESPONSE_WINDOW = dt.timedelta(seconds=3)
FOLLOWUP_WINDOW = dt.timedelta(minutes=15)
# A reply discord.py gave up on (more 429s in a row than it retries, a server error) is tried again after this many
# seconds, doubling up to the last, while the interaction's window lasts.
REPLY_RETRY_DELAYS = (0.5, 30.0)
# What the bot needs in a quiz channel: post the question, open its thread, talk and react in the thread.
REQUIRED_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_public_threads",
    "send_messages_in_threads",
    "add_reactions",
    "read_message_history",
)
COMMON_TIMEZONES = (
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)


@dataclass(frozen=True)
class Place:
    """Where a command was used: the guild and the quiz channel (a thread stands for its parent channel)."""

    guild: discord.Guild
    channel: discord.TextChannel | discord.ForumChannel
    key: ChannelKey


def quiz_bot(interaction: discord.Interaction[Any]) -> QuizBot:
    """The bot that received the interaction: the commands are registered on ``QuizBot`` only."""
    return cast("QuizBot", interaction.client)


def missing_permissions(channel: discord.abc.GuildChannel, me: discord.Member | None) -> list[str]:
    """The permissions the bot lacks in ``channel`` (all of them if it is not a member we know of)."""
    if me is None:
        return list(REQUIRED_PERMISSIONS)
    granted = channel.permissions_for(me)
    # A forum post is a thread the bot creates by sending its first message: Send Messages is what it takes.
    needed = [
        n for n in REQUIRED_PERMISSIONS if n != "create_public_threads" or isinstance(channel, discord.TextChannel)
    ]
    return [name for name in needed if not getattr(granted, name)]


def place_of(interaction: discord.Interaction[Any], platform: str, channel: Any = None) -> Place:
    """The guild and text or forum channel a command is about: ``channel`` if given, else where it was used."""
    guild = interaction.guild
    if guild is None:
        raise UserError("discord.error.guild-only")
    target: Any = channel if channel is not None else interaction.channel
    if target is None or isinstance(target, discord.PartialMessageable):
        target = guild.get_channel_or_thread(interaction.channel_id or 0)
    if isinstance(target, app_commands.AppCommandChannel | app_commands.AppCommandThread):
        target = target.resolve() or guild.get_channel_or_thread(target.id)
    if isinstance(target, discord.Thread):
        target = target.parent or guild.get_channel(target.parent_id)
    if not isinstance(target, discord.TextChannel | discord.ForumChannel):
        raise UserError("discord.error.not-text-channel")
    return Place(guild, target, ChannelKey(platform, str(guild.id), str(target.id)))


def require_postable(place: Place, language: Language) -> None:
    """Refuse a channel the bot cannot post questions or open threads in, naming what is missing."""
    missing = missing_permissions(place.channel, place.guild.me)
    if missing:
        names = ", ".join(text(f"discord.permission.{name}", language) for name in missing)
        raise UserError("error.cannot-post", detail=names)


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def timezone_choices(current: str) -> list[app_commands.Choice[str]]:
    """Common zones first, then any IANA zone containing what was typed."""
    typed = current.strip().lower()
    found = [zone for zone in COMMON_TIMEZONES if typed in zone.lower()]
    if typed:
        found += [zone for zone in all_timezones() if typed in zone.lower() and zone not in found]
    return [app_commands.Choice(name=zone, value=zone) for zone in found[:MAX_CHOICES]]


async def reply(interaction: discord.Interaction[Any], content: str, *, ephemeral: bool = True) -> None:
    """Answer the interaction (or follow up if already answered), split under Discord's length limit."""
    for chunk in split_blocks([content], MAX_MESSAGE):
        await _send_patiently(interaction, chunk, ephemeral=ephemeral)


async def _send_patiently(interaction: discord.Interaction[Any], chunk: str, *, ephemeral: bool) -> None:
    """Send one part of a reply. Under a storm of rate limits (more 429s in a row than discord.py retries) or a
    server error it is tried again, with growing pauses, until the interaction's window closes: an admin's
    reply must not be lost to the very trouble it reports."""
    delay, longest = REPLY_RETRY_DELAYS
    while True:
        first = not interaction.response.is_done()
        try:
            if first:
                await interaction.response.send_message(chunk, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.followup.send(chunk, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
            return
        except (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, TimeoutError, OSError) as exc:
            status = exc.status if isinstance(exc, discord.HTTPException) else None
            if status is not None and status != 429 and status < 500:
                raise
            closes = interaction.created_at + (RESPONSE_WINDOW if first else FOLLOWUP_WINDOW)
            if discord.utils.utcnow() + dt.timedelta(seconds=delay) >= closes:
                raise
            log.warning("replying to interaction %s failed (%s); trying again in %.1f s", interaction.id, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)


class QuizTree(app_commands.CommandTree[Any]):
    """Turns user errors into ephemeral explanations, and anything else into a logged error."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        language = language_of(interaction.locale)
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, app_commands.CheckFailure) and interaction.response.is_done():
            return  # the check already explained itself
        if isinstance(cause, app_commands.NoPrivateMessage):
            message = text("discord.error.guild-only", language)
        elif isinstance(cause, UserError):
            message = error_text(cause.key, language, **cause.values)
        elif isinstance(cause, PlatformError):
            log.warning("command %s in guild %s: %s", interaction.command, interaction.guild_id, cause)
            message = platform_error_text(cause, language)
        else:
            log.error(
                "command %s by %s in guild %s channel %s failed",
                interaction.command.qualified_name if interaction.command else "?",
                interaction.user.id,
                interaction.guild_id,
                interaction.channel_id,
                exc_info=cause,
            )
            message = text("discord.error.internal", language)
        try:
            await reply(interaction, message)
        except discord.HTTPException as exc:
            log.warning("could not explain a failed command to %s: %s", interaction.user.id, exc)


async def manage_server_only(interaction: discord.Interaction[Any]) -> bool:
    """The gate of the admin subcommands: members without Manage Server get a private refusal."""
    if manages_server(interaction):
        return True
    log.info("refused %s to %s in guild %s", interaction.command, interaction.user.id, interaction.guild_id)
    await reply(interaction, text("error.not-admin", language_of(interaction.locale)))
    return False


class QuizCommands(app_commands.Group):
    """``/quiz``: what the study group uses, and what those with Manage Server use to run the quiz channel."""

    def __init__(self) -> None:
        super().__init__(
            name=localized("discord.cmd.quiz.name"),
            description=localized("discord.cmd.quiz.description"),
            guild_only=True,
        )

    @app_commands.command(name=localized("discord.cmd.ask.name"), description=localized("discord.cmd.ask.description"))
    @app_commands.rename(category=localized("discord.opt.category.name"))
    @app_commands.describe(category=localized("discord.opt.category.description"))
    async def ask(self, interaction: discord.Interaction[Any], category: str | None = None) -> None:
        bot = quiz_bot(interaction)
        place = place_of(interaction, bot.platform_name)
        require_postable(place, language_of(interaction.locale))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await execute(interaction, place.key, Ask(category or None))

    @ask.autocomplete("category")
    async def ask_category(self, interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        bot = quiz_bot(interaction)
        language = language_of(interaction.locale)
        settings = None
        if interaction.guild_id is not None and interaction.channel_id is not None:
            settings = await bot.quiz.channel(key_of(interaction, bot.platform_name))
        typed = current.strip().lower()
        choices = []
        for entry in bot.quiz.categories(settings):
            label = f"{entry.category.id} · {category_name(entry.category, language)} ({entry.count})"
            if typed in label.lower():
                choices.append(app_commands.Choice(name=label[:100], value=entry.category.id))
        return choices[:MAX_CHOICES]

    @app_commands.command(
        name=localized("discord.cmd.leaderboard.name"), description=localized("discord.cmd.leaderboard.description")
    )
    @app_commands.rename(period=localized("discord.opt.period.name"), view=localized("discord.opt.view.name"))
    @app_commands.describe(
        period=localized("discord.opt.period.description"), view=localized("discord.opt.view.description")
    )
    @app_commands.choices(
        period=[
            app_commands.Choice(name=localized(f"leaderboard.period.{period.value}"), value=period.value)
            for period in Period
        ],
        view=[
            app_commands.Choice(name=localized(f"discord.view.{view.value}"), value=view.value) for view in BoardView
        ],
    )
    async def leaderboard(
        self, interaction: discord.Interaction[Any], period: str = Period.WEEK.value, view: str = BoardView.TOP.value
    ) -> None:
        await execute(
            interaction,
            key_of(interaction, quiz_bot(interaction).platform_name),
            ShowLeaderboard(Period(period), BoardView(view)),
        )

    @app_commands.command(
        name=localized("discord.cmd.stats.name"), description=localized("discord.cmd.stats.description")
    )
    @app_commands.rename(member=localized("discord.opt.member.name"))
    @app_commands.describe(member=localized("discord.opt.member.description"))
    async def stats(self, interaction: discord.Interaction[Any], member: discord.User | None = None) -> None:
        who = None if member is None else Member(str(member.id), member.display_name)
        await execute(interaction, key_of(interaction, quiz_bot(interaction).platform_name), ShowStats(who))

    @app_commands.command(
        name=localized("discord.cmd.categories.name"), description=localized("discord.cmd.categories.description")
    )
    async def categories(self, interaction: discord.Interaction[Any]) -> None:
        await execute(interaction, key_of(interaction, quiz_bot(interaction).platform_name), ShowCategories())

    @app_commands.command(
        name=localized("discord.cmd.settings.name"), description=localized("discord.cmd.settings.description")
    )
    async def settings(self, interaction: discord.Interaction[Any]) -> None:
        await execute(interaction, key_of(interaction, quiz_bot(interaction).platform_name), ShowSettings())

    @app_commands.command(
        name=localized("discord.cmd.help.name"), description=localized("discord.cmd.help.description")
    )
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        await execute(interaction, key_of(interaction, quiz_bot(interaction).platform_name), ShowHelp())

    # -- personal review: only the caller sees any of it ----------------------------------------------------

    @app_commands.command(
        name=localized("discord.cmd.review.name"), description=localized("discord.cmd.review.description")
    )
    async def review(self, interaction: discord.Interaction[Any]) -> None:
        await execute(interaction, key_of(interaction, quiz_bot(interaction).platform_name), Review())

    @app_commands.command(name=localized("discord.cmd.me.name"), description=localized("discord.cmd.me.description"))
    @app_commands.rename(
        timezone=localized("discord.opt.timezone.name"),
        reminders=localized("discord.opt.reminders.name"),
        reminder_time=localized("discord.opt.reminder_time.name"),
        optin=localized("discord.opt.optin.name"),
        forget=localized("discord.opt.forget.name"),
    )
    @app_commands.describe(
        timezone=localized("discord.opt.my_timezone.description"),
        reminders=localized("discord.opt.reminders.description"),
        reminder_time=localized("discord.opt.reminder_time.description"),
        optin=localized("discord.opt.optin.description"),
        forget=localized("discord.opt.forget.description"),
    )
    @app_commands.choices(
        reminders=[app_commands.Choice(name=localized(f"discord.choice.{v}"), value=v) for v in ("on", "off")],
        optin=[app_commands.Choice(name=localized(f"discord.choice.{v}"), value=v) for v in ("on", "off")],
    )
    async def me(
        self,
        interaction: discord.Interaction[Any],
        timezone: str | None = None,
        reminders: str | None = None,
        reminder_time: str | None = None,
        optin: str | None = None,
        forget: bool = False,
    ) -> None:
        key = key_of(interaction, quiz_bot(interaction).platform_name)
        options = {"tz": timezone, "reminders": reminders, "at": reminder_time, "optin": optin}
        command: Command
        if forget:
            command = MeForget()
        elif any(value is not None for value in options.values()):
            command = MeSet(settings_change(options))
        else:
            command = Me()
        await execute(interaction, key, command)

    @me.autocomplete("timezone")
    async def me_timezone(self, interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @app_commands.command(
        name=localized("discord.cmd.notebook.name"), description=localized("discord.cmd.notebook.description")
    )
    async def notebook(self, interaction: discord.Interaction[Any]) -> None:
        language = language_of(interaction.locale)
        key = key_of(interaction, quiz_bot(interaction).platform_name)
        # Writing the notebook and its Anki deck takes a moment.
        await interaction.response.defer(ephemeral=True, thinking=True)
        translate = functools.partial(text, language=language)
        # One file per message at worst: the Markdown parts and the deck all fit in the messages a reply may take.
        await execute(
            interaction, key, Notebook(translate, language, interaction.filesize_limit, max_parts=MAX_FILES - 1)
        )

    # -- Manage Server only ---------------------------------------------------------------------------------

    @app_commands.command(
        name=localized("discord.cmd.setup.name"), description=localized("discord.cmd.setup.description")
    )
    @app_commands.check(manage_server_only)
    @app_commands.rename(
        channel=localized("discord.opt.channel.name"),
        time=localized("discord.opt.time.name"),
        timezone=localized("discord.opt.timezone.name"),
        weekdays=localized("discord.opt.weekdays.name"),
        reveal_delay=localized("discord.opt.reveal_delay.name"),
        ondemand_delay=localized("discord.opt.ondemand_delay.name"),
        decks=localized("discord.opt.decks.name"),
    )
    @app_commands.describe(
        channel=localized("discord.opt.channel.description"),
        time=localized("discord.opt.time.description"),
        timezone=localized("discord.opt.timezone.description"),
        weekdays=localized("discord.opt.weekdays.description"),
        reveal_delay=localized("discord.opt.reveal_delay.description"),
        ondemand_delay=localized("discord.opt.ondemand_delay.description"),
        decks=localized("discord.opt.decks.description"),
    )
    async def setup(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        time: str | None = None,
        timezone: str | None = None,
        weekdays: str | None = None,
        reveal_delay: str | None = None,
        ondemand_delay: str | None = None,
        decks: str | None = None,
    ) -> None:
        # Every option is checked before anything is stored, so a bad one changes nothing.
        change = schedule_change(
            {
                "time": time,
                "timezone": timezone,
                "weekdays": weekdays,
                "reveal_delay": reveal_delay,
                "ondemand_delay": ondemand_delay,
                "decks": decks,
            }
        )
        place = place_of(interaction, quiz_bot(interaction).platform_name, channel)
        require_postable(place, language_of(interaction.locale))
        await execute(interaction, place.key, Setup(change), channel=place.channel)

    @setup.autocomplete("timezone")
    async def setup_timezone(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @setup.autocomplete("weekdays")
    async def setup_weekdays(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        options = ["daily", "mon-fri", "mon,wed,fri", "tue,thu", *WEEKDAYS]
        return [app_commands.Choice(name=o, value=o) for o in options if current.strip().lower() in o]

    @app_commands.command(
        name=localized("discord.cmd.pause.name"), description=localized("discord.cmd.pause.description")
    )
    @app_commands.check(manage_server_only)
    @app_commands.rename(channel=localized("discord.opt.channel.name"))
    @app_commands.describe(channel=localized("discord.opt.channel.description"))
    async def pause(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel | discord.ForumChannel | None = None
    ) -> None:
        await execute(interaction, place_of(interaction, quiz_bot(interaction).platform_name, channel).key, Pause())

    @app_commands.command(
        name=localized("discord.cmd.resume.name"), description=localized("discord.cmd.resume.description")
    )
    @app_commands.check(manage_server_only)
    @app_commands.rename(channel=localized("discord.opt.channel.name"))
    @app_commands.describe(channel=localized("discord.opt.channel.description"))
    async def resume(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel | discord.ForumChannel | None = None
    ) -> None:
        await execute(interaction, place_of(interaction, quiz_bot(interaction).platform_name, channel).key, Resume())

    @app_commands.command(
        name=localized("discord.cmd.reveal.name"), description=localized("discord.cmd.reveal.description")
    )
    @app_commands.check(manage_server_only)
    async def reveal(self, interaction: discord.Interaction[Any]) -> None:
        place = place_of(interaction, quiz_bot(interaction).platform_name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await execute(interaction, place.key, RevealNow())

    @app_commands.command(
        name=localized("discord.cmd.skip.name"), description=localized("discord.cmd.skip.description")
    )
    @app_commands.check(manage_server_only)
    async def skip(self, interaction: discord.Interaction[Any]) -> None:
        place = place_of(interaction, quiz_bot(interaction).platform_name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await execute(interaction, place.key, Skip())

    @app_commands.command(
        name=localized("discord.cmd.export.name"), description=localized("discord.cmd.export.description")
    )
    @app_commands.check(manage_server_only)
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        place = place_of(interaction, quiz_bot(interaction).platform_name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await execute(interaction, place.key, Export())


async def execute(
    interaction: discord.Interaction[Any],
    key: ChannelKey,
    command: Command,
    *,
    channel: discord.TextChannel | discord.ForumChannel | None = None,
) -> None:
    """Run ``command`` for the member who used it and answer them; ``channel`` is the quiz channel set up."""
    bot = quiz_bot(interaction)
    user = interaction.user
    caller = Caller(Member(str(user.id), user.display_name), admin=manages_server(interaction))
    result = await quiz_commands.run(bot.quiz, command, key, caller)
    await render(interaction, result, channel)


async def render(
    interaction: discord.Interaction[Any], result: Reply, channel: discord.TextChannel | discord.ForumChannel | None
) -> None:
    """The reply in Discord's idiom: a link to a posted question, the leaderboard in public with the caller's own
    rank privately, a setup confirmation naming the channel; everything else privately as the core renders it."""
    language = language_of(interaction.locale)
    match result:
        case Posted(round_):
            link = f"https://discord.com/channels/{round_.channel.guild_id}/{round_.channel.channel_id}/{round_.message_id}"
            await reply(interaction, text("discord.ask.posted", language, link=link))
        case BoardReply(board, BoardView.AROUND):
            # About the caller and their neighbours: only the caller sees it.
            await reply(interaction, "\n".join(reply_blocks(result, language)))
        case AccuracyReply():
            # The group's board in public (title and rows), the caller's own line privately, as with points.
            blocks = reply_blocks(result, language)
            await reply(interaction, "\n".join(blocks[:2]), ephemeral=False)
            await reply(interaction, "\n".join(blocks[2:]) or text("leaderboard.you_none", language))
        case BoardReply(board):
            await reply(
                interaction, "\n".join(leaderboard_blocks(replace(board, caller=None), language)), ephemeral=False
            )
            if board.caller is not None:
                line = text(
                    "leaderboard.you",
                    language,
                    rank=board.caller.rank,
                    total=board.total_members,
                    points=board.caller.points,
                )
            else:
                line = text("leaderboard.you_none", language)
            await reply(interaction, line)
        case SetupReply() if channel is not None:
            where = text("discord.admin.setup_channel", language, channel=channel.mention)
            await reply(interaction, "\n".join([*reply_blocks(result, language), where]))
        case ReviewCardReply() | ReviewResultReply() | ForgetPrompt() | NotebookReply() | ExportReply():
            # With a button, a form or files: only the caller sees them.
            await show(interaction, result)
        case _:
            await reply(interaction, "\n".join(reply_blocks(result, language)))


def key_of(interaction: discord.Interaction[Any], platform: str) -> ChannelKey:
    """The channel a member's command is about: the quiz channel it was used in (or under, from a thread), else
    wherever in the guild it was used."""
    try:
        return place_of(interaction, platform).key
    except UserError:
        if interaction.guild_id is None:
            raise
        return ChannelKey(platform, str(interaction.guild_id), str(interaction.channel_id or 0))


async def install_commands(tree: app_commands.CommandTree[Any]) -> None:
    """Put ``/quiz`` with its Korean localisations on ``tree``."""
    await tree.set_translator(CatalogueTranslator())
    tree.add_command(QuizCommands())


async def sync_tree(tree: app_commands.CommandTree[Any], dev_guild_ids: Sequence[int]) -> int:
    """Register the commands with Discord: in the dev guilds (instant) if any, else globally (up to an hour to
    appear). Returns how many commands were registered."""
    if not dev_guild_ids:
        synced = await tree.sync()
        log.info("synced %d global commands", len(synced))
        return len(synced)
    count = 0
    for guild_id in dev_guild_ids:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        count += len(await tree.sync(guild=guild))
    log.info("synced %d commands with %d dev guilds", count, len(dev_guild_ids))
    return count
