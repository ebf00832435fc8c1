"""``/quiz``: acknowledge at once, parse the text, run the command, answer the caller with an ephemeral reply."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot.core.commands import (
    Caller,
    ExportReply,
    ForgetPrompt,
    Notebook,
    NotebookReply,
    Posted,
    Reply,
    ReviewCardReply,
    ReviewResultReply,
    ShowHelp,
    is_admin_command,
    run,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey, Member
from bot.core.ports import PlatformError
from bot.messages import Language, text
from bot.platforms.slack.blocks import SlackMessage, reply_message
from bot.platforms.slack.commands import parse_command
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.platform import PLATFORM
from bot.platforms.slack.review import SLACK_FILE_BYTES, personal_message, share_files
from bot.render import platform_error_text, reply_blocks

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
        message: SlackMessage | None = None
        try:
            command = parse_command(str(body.get("text") or ""))
            if isinstance(command, Notebook):
                translate = functools.partial(text, language=language)
                command = replace(command, translate=translate, language=language, max_bytes=SLACK_FILE_BYTES)
            # Only admin commands pay for the look-up of the caller's role.
            admin = is_admin_command(command) and await self.deps.members.is_admin(user_id)
            caller = Caller(Member(user_id, str(body.get("user_name") or user_id)), admin=admin)
            if is_admin_command(command) and not admin:
                raise UserError("slack.error.not-admin")
            result = await run(self.deps.quiz, command, key, caller)
            blocks = render(result, language)
            if isinstance(command, ShowHelp):
                blocks.append(text("slack.help.commands", language))
            if isinstance(result, ReviewCardReply | ReviewResultReply | ForgetPrompt):
                message = personal_message(result, language)
            elif isinstance(result, NotebookReply | ExportReply):
                # Files cannot be ephemeral: they go to the member's direct messages with the bot.
                await share_files(self.deps, user_id, result)
                blocks.append(text("slack.files.sent", language))
        except UserError as exc:
            blocks = [text(exc.key, language, **exc.values)]
        except PlatformError as exc:
            blocks = [platform_error_text(exc, language)]
        except Exception:
            log.exception("/quiz %r failed in %s", body.get("text"), key)
            blocks = [text("slack.error.failed", language)]
        if message is None and blocks:
            message = reply_message(blocks)
        if message is not None:
            try:
                await respond(text=message.text, blocks=list(message.blocks), response_type="ephemeral")
            except Exception:
                log.exception("could not answer /quiz in %s", key)


def render(reply: Reply, language: Language) -> list[str]:
    """The caller's reply; none for a posted question, which the whole channel sees."""
    if isinstance(reply, Posted):
        return []
    return reply_blocks(reply, language)
