"""The "answer privately" button under a question and the modal it opens.

The button's ``custom_id`` carries the round id and is matched by a ``DynamicItem`` template, so buttons on
every question ever posted keep working after a restart without keeping one view per round in memory. The
modal's ``custom_id`` carries it too, and its submissions are taken from the raw interaction rather than from a
modal object kept in memory: a form opened before a restart and submitted after it is stored like any other.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import discord
from discord.ext import commands

from bot.core.models import Member, Round, RoundState
from bot.core.service import MAX_FORM_CHARS
from bot.messages import Language, text
from bot.platforms.discord.language import language_of

if TYPE_CHECKING:
    from bot.platforms.discord.bot import QuizBot

log = logging.getLogger(__name__)

ANSWER_BUTTON_ID = "quiz:answer:{round_id}"
PRIVATE_MODAL_ID = "quiz:private:{round_id}"
PRIVATE_MODAL = re.compile(r"quiz:private:(?P<round_id>[0-9]{1,18})")
ANSWER_INPUT_ID = "answer"


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:answer:(?P<round_id>[0-9]{1,18})",
):
    """Opens the private-answer modal for the round in its ``custom_id``."""

    def __init__(self, round_id: int, *, language: Language = "ko", disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=text("discord.answer.button", language),
                style=discord.ButtonStyle.secondary,
                emoji="✏️",
                custom_id=ANSWER_BUTTON_ID.format(round_id=round_id),
                disabled=disabled,
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["round_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: QuizBot = interaction.client
        language = language_of(interaction.locale)
        round_ = await open_round_for(bot, interaction, self.round_id)
        if round_ is None:
            await interaction.response.send_message(text("answer.closed", language), ephemeral=True)
            return
        modal = PrivateAnswerModal(round_.id, language)
        # Stopped before it is sent, so discord.py keeps no copy: ``PrivateAnswers`` takes every submission.
        modal.stop()
        await interaction.response.send_modal(modal)


def question_view(round_id: int, language: Language, *, disabled: bool = False) -> discord.ui.View:
    """The components under a question message: the private-answer button, disabled once the round is over."""
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton(round_id, language=language, disabled=disabled))
    return view


async def round_in_guild(bot: QuizBot, interaction: discord.Interaction[Any], round_id: int) -> Round | None:
    """The round if it belongs to this platform and the guild the interaction came from, else ``None``."""
    round_ = await bot.quiz.round(round_id)
    if (
        round_ is None
        or interaction.guild_id is None
        or round_.channel.platform != bot.platform_name
        or round_.channel.guild_id != str(interaction.guild_id)
    ):
        return None
    return round_


async def open_round_for(bot: QuizBot, interaction: discord.Interaction[Any], round_id: int) -> Round | None:
    """The round if it is open and belongs to the guild the interaction came from, else ``None``."""
    round_ = await round_in_guild(bot, interaction, round_id)
    return round_ if round_ is not None and round_.state is RoundState.OPEN else None


class PrivateAnswerModal(discord.ui.Modal):
    """A long answer kept private until the reveal publishes it."""

    def __init__(self, round_id: int, language: Language) -> None:
        super().__init__(
            title=text("discord.answer.modal_title", language)[:45],
            timeout=None,
            custom_id=PRIVATE_MODAL_ID.format(round_id=round_id),
        )
        self.answer: discord.ui.TextInput[PrivateAnswerModal] = discord.ui.TextInput(
            label=text("discord.answer.modal_label", language)[:45],
            style=discord.TextStyle.paragraph,
            placeholder=text("discord.answer.modal_placeholder", language)[:100],
            max_length=MAX_FORM_CHARS,
            required=True,
            custom_id=ANSWER_INPUT_ID,
        )
        self.add_item(self.answer)


def submitted_value(data: Mapping[str, Any], custom_id: str) -> str | None:
    """The value of the text input ``custom_id`` in a modal submission (inside action rows or labels)."""
    stack: list[Any] = list(data.get("components") or [])
    while stack:
        item = stack.pop(0)
        if not isinstance(item, Mapping):
            continue
        if item.get("custom_id") == custom_id and "value" in item:
            return str(item["value"])
        stack.extend(item.get("components") or [])
        stack.append(item.get("component"))
    return None


class PrivateAnswers(commands.Cog):
    """Private-answer forms submitted, whenever they were opened."""

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Mapping[str, Any] = interaction.data or {}
        match = PRIVATE_MODAL.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return
        round_id = int(match["round_id"])
        try:
            await self.submit(interaction, round_id, submitted_value(data, ANSWER_INPUT_ID) or "")
        except Exception as error:
            log.error(
                "private answer to round %d by %s in guild %s failed",
                round_id,
                interaction.user.id,
                interaction.guild_id,
                exc_info=error,
            )
            message = text("discord.error.internal", language_of(interaction.locale))
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)

    async def submit(self, interaction: discord.Interaction[Any], round_id: int, answer: str) -> None:
        language = language_of(interaction.locale)
        round_ = await open_round_for(self.bot, interaction, round_id)
        if round_ is None:
            await interaction.response.send_message(text("answer.closed", language), ephemeral=True)
            return
        user = interaction.user
        receipt = await self.bot.quiz.answer(
            round_, Member(str(user.id), user.display_name), answer, message_id=None, private=True
        )
        if receipt is None:
            key = "answer.empty" if not answer.strip() else "answer.closed"
        else:
            key = "answer.late" if receipt.late else "answer.private_saved"
        await interaction.response.send_message(text(key, language), ephemeral=True)
