"""``/quiz``: acknowledge at once, run one core operation, answer the caller with an ephemeral reply."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.models import ChannelKey, GuildKey
from bot.core.ports import PlatformError
from bot.core.service import QuizError
from bot.messages import text
from bot.platforms.setup_options import CommandError, Setup
from bot.platforms.slack.blocks import reply_message
from bot.platforms.slack.commands import (
    Ask,
    Command,
    Pause,
    Resume,
    RevealNow,
    ShowCategories,
    ShowHelp,
    ShowLeaderboard,
    ShowStats,
    Skip,
    is_admin_command,
    parse_command,
)
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.platform import PLATFORM
from bot.render import category_name, help_text, leaderboard_blocks, setup_done, stats_blocks

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]
Respond = Callable[..., Awaitable[Any]]


class QuizCommand:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps

    async def handle(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """The ``/quiz`` listener. Replies only to the caller; the question itself goes to the channel."""
        await ack()
        language = self.deps.language
        key = ChannelKey(PLATFORM, str(body.get("team_id", "")), str(body.get("channel_id", "")))
        user_id = str(body.get("user_id", ""))
        try:
            command = parse_command(str(body.get("text") or ""))
            if is_admin_command(command) and not await self.deps.members.is_admin(user_id):
                raise CommandError("slack.error.not-admin")
            reply = await self.run(command, key, user_id)
        except CommandError as exc:
            reply = [text(exc.key, language, **exc.values)]
        except QuizError as exc:
            reply = [text(f"error.{exc.code}", language, **exc.details)]
        except PlatformError as exc:
            reply = [text("error.cannot-post", language, detail=str(exc))]
        except Exception:
            log.exception("/quiz %r failed in %s", body.get("text"), key)
            reply = [text("slack.error.failed", language)]
        if reply:
            message = reply_message(reply)
            try:
                await respond(text=message.text, blocks=list(message.blocks), response_type="ephemeral")
            except Exception:
                log.exception("could not answer /quiz in %s", key)

    async def run(self, command: Command, key: ChannelKey, user_id: str) -> list[str]:
        """Run a parsed command; returns the blocks of the caller's reply (none when the channel sees the result)."""
        deps, language = self.deps, self.deps.language
        service, scheduler = deps.service, deps.scheduler
        guild = GuildKey(key.platform, key.guild_id)
        match command:
            case Ask(category):
                await scheduler.ask(deps.platform, key, category)
                return []
            case ShowLeaderboard(period):
                board = await service.leaderboard(guild, period, caller_id=user_id)
                blocks = leaderboard_blocks(board, language)
                if board.rows and board.caller is None:
                    blocks.append(text("leaderboard.you_none", language))
                return blocks
            case ShowStats():
                stats = await service.member_stats(guild, user_id)
                categories = {c.category.id: c.category for c in service.categories(await service.channel(key))}
                return stats_blocks(stats, categories, language)
            case ShowCategories():
                rows = [
                    text(
                        "categories.row",
                        language,
                        id=c.category.id,
                        name=category_name(c.category, language),
                        count=c.count,
                    )
                    for c in service.categories(await service.channel(key))
                ]
                return [f"**{text('categories.title', language)}**", "\n".join(rows)]
            case ShowHelp():
                return [help_text(service.rules, language), text("slack.help.commands", language)]
            case Setup():
                settings = await service.configure_channel(
                    key,
                    post_time=command.post_time,
                    weekdays=command.weekdays,
                    timezone=command.timezone,
                    daily_reveal_delay=command.daily_reveal_delay,
                    on_demand_reveal_delay=command.on_demand_reveal_delay,
                    decks=command.decks,
                    enabled=True,
                )
                await scheduler.schedule_channel(settings)
                return [setup_done(settings, language)]
            case Pause() | Resume():
                settings = await service.set_paused(key, isinstance(command, Pause))
                await scheduler.schedule_channel(settings)
                return [text("admin.paused" if settings.paused else "admin.resumed", language)]
            case RevealNow():
                if await scheduler.reveal_now(key) is None:
                    return [text("error.no-open-round", language)]
                return [text("admin.revealed", language)]
            case Skip():
                skipped = await scheduler.skip(key)
                if skipped is None:
                    return [text("error.no-open-round", language)]
                card = service.question_card(skipped)
                await deps.platform.mark_cancelled(skipped, card.question, card.category)
                return [text("admin.skipped", language)]
        raise AssertionError(f"unhandled command {command!r}")
