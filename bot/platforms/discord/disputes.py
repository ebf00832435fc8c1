"""Disputing the grading of a revealed round: the "Dispute grading" button under the reveal, the private menu of
the member's missed and contradicted concepts, and the Accept / Reject buttons under the notice an admin decides.

Every component is a ``DynamicItem`` whose ``custom_id`` carries the round or dispute id, so the buttons under
any reveal or notice ever posted keep working after a restart without views kept in memory.

A concept can be longer than a select option's value may be (100 characters): options name concepts as
``bot.platforms.dispute_choice`` describes.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.core.errors import UserError
from bot.core.ports import PlatformError
from bot.messages import Language, text
from bot.platforms.discord.checks import manages_server
from bot.platforms.discord.language import error_text, language_of
from bot.platforms.discord.mentions import NO_MENTIONS
from bot.platforms.discord.views import round_in_guild
from bot.platforms.dispute_choice import choice_token, chosen_concept
from bot.render import platform_error_text

if TYPE_CHECKING:
    from bot.platforms.discord.bot import QuizBot

log = logging.getLogger(__name__)

DISPUTE_BUTTON_ID = "quiz:dispute:{round_id}"
CONCEPT_MENU_ID = "quiz:dispute-concept:{round_id}"
VERDICT_BUTTON_ID = "quiz:dispute-{verdict}:{dispute_id}"
ACCEPT = "accept"
REJECT = "reject"
# Discord's limits on a string select: 25 options, 100 characters per label and value, 150 for the placeholder.
MAX_OPTIONS = 25
MAX_OPTION_LABEL = 100
MAX_PLACEHOLDER = 150


def option_label(concept: str) -> str:
    return concept if len(concept) <= MAX_OPTION_LABEL else concept[: MAX_OPTION_LABEL - 1] + "…"


def reveal_view(round_id: int, language: Language) -> discord.ui.View:
    """The components under a round's reveal: the button that starts a dispute."""
    view = discord.ui.View(timeout=None)
    view.add_item(DisputeButton(round_id, language=language))
    return view


def verdict_view(dispute_id: int, language: Language) -> discord.ui.View:
    """The components under an open dispute's notice: Accept and Reject, for the channel's admins."""
    view = discord.ui.View(timeout=None)
    view.add_item(VerdictButton(dispute_id, ACCEPT, language=language))
    view.add_item(VerdictButton(dispute_id, REJECT, language=language))
    return view


def concept_menu_view(round_id: int, concepts: tuple[str, ...], language: Language) -> discord.ui.View:
    """The private menu of a member's disputable concepts."""
    view = discord.ui.View(timeout=None)
    view.add_item(ConceptMenu(round_id, concepts, language=language))
    return view


async def tell(interaction: discord.Interaction[Any], content: str) -> None:
    """A private answer to whoever used the component, whether or not the interaction was answered yet."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def explain_failure(interaction: discord.Interaction[Any], what: str, error: Exception) -> None:
    """Log a bug with the interaction's context and tell the member something went wrong."""
    log.error(
        "%s by %s in guild %s channel %s failed",
        what,
        interaction.user.id,
        interaction.guild_id,
        interaction.channel_id,
        exc_info=error,
    )
    try:
        await tell(interaction, text("discord.error.internal", language_of(interaction.locale)))
    except discord.HTTPException as exc:
        log.warning("could not explain a failed %s to %s: %s", what, interaction.user.id, exc)


class DisputeButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:dispute:(?P<round_id>[0-9]{1,18})",
):
    """Under a reveal: shows the member, privately, the concepts of their answer they may dispute."""

    def __init__(self, round_id: int, *, language: Language = "ko") -> None:
        super().__init__(
            discord.ui.Button(
                label=text("dispute.button", language),
                style=discord.ButtonStyle.secondary,
                emoji="⚖️",
                custom_id=DISPUTE_BUTTON_ID.format(round_id=round_id),
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
        try:
            round_ = await round_in_guild(bot, interaction, self.round_id)
            if round_ is None:
                await tell(interaction, text("error.dispute-not-revealed", language))
                return
            concepts = await bot.quiz.disputable_concepts(round_.id, str(interaction.user.id))
            if not concepts:
                await tell(interaction, text("dispute.nothing", language))
                return
            await interaction.response.send_message(
                text("dispute.choose", language),
                view=concept_menu_view(round_.id, concepts, language),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as error:
            await explain_failure(interaction, f"the dispute button of round {self.round_id}", error)


class ConceptMenu(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=r"quiz:dispute-concept:(?P<round_id>[0-9]{1,18})",
):
    """The member picks the concept to dispute; the dispute is opened and its notice posted in the thread."""

    def __init__(self, round_id: int, concepts: tuple[str, ...] = (), *, language: Language = "ko") -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=CONCEPT_MENU_ID.format(round_id=round_id),
                placeholder=text("dispute.choose", language)[:MAX_PLACEHOLDER],
                min_values=1,
                max_values=1,
                options=[
                    discord.SelectOption(label=option_label(concept), value=choice_token(index, concept))
                    for index, concept in enumerate(concepts[:MAX_OPTIONS])
                ],
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        menu = cls(int(match["round_id"]))
        if isinstance(item, discord.ui.Select):
            # The options as the member saw them: their labels name a concept that is no longer disputable.
            menu.item.options = item.options
        return menu

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        language = language_of(interaction.locale)
        try:
            # Opening the dispute and posting its notice may take longer than Discord waits for an answer.
            await interaction.response.defer()
            outcome = await self._open(interaction, language)
            await interaction.edit_original_response(content=outcome, view=None, allowed_mentions=NO_MENTIONS)
        except Exception as error:
            await explain_failure(interaction, f"the dispute menu of round {self.round_id}", error)

    async def _open(self, interaction: discord.Interaction[Any], language: Language) -> str:
        """Open the chosen dispute and post its notice; what to tell the member."""
        bot: QuizBot = interaction.client
        member_id = str(interaction.user.id)
        round_ = await round_in_guild(bot, interaction, self.round_id)
        if round_ is None:
            return text("error.dispute-not-revealed", language)
        value = self.item.values[0] if self.item.values else ""
        concept = chosen_concept(value, await bot.quiz.disputable_concepts(round_.id, member_id))
        if concept is None:
            label = next((o.label for o in self.item.options if o.value == value), value)
            return error_text("error.dispute-not-disputable", language, concept=label)
        try:
            dispute = await bot.quiz.open_dispute(round_.id, member_id, concept)
        except UserError as exc:
            return error_text(exc.key, language, **exc.values)
        try:
            await bot.platform.post_dispute_opened(round_, dispute)
        except PlatformError as exc:
            # The dispute is stored, but no admin can see it to decide it.
            log.error("dispute %d is open but its notice could not be posted: %s", dispute.id, exc)
            return platform_error_text(exc, language)
        return text("dispute.sent", language)


class VerdictButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:dispute-(?P<verdict>accept|reject):(?P<dispute_id>[0-9]{1,18})",
):
    """Accept or Reject under a dispute's notice: only members with Manage Server may decide, and only once."""

    def __init__(self, dispute_id: int, verdict: str, *, language: Language = "ko") -> None:
        accept = verdict == ACCEPT
        super().__init__(
            discord.ui.Button(
                label=text("dispute.accept_button" if accept else "dispute.reject_button", language),
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.danger,
                custom_id=VERDICT_BUTTON_ID.format(verdict=verdict, dispute_id=dispute_id),
            )
        )
        self.dispute_id = dispute_id
        self.accept = accept

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["dispute_id"]), match["verdict"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: QuizBot = interaction.client
        language = language_of(interaction.locale)
        try:
            if not manages_server(interaction):
                log.info("refused to let %s decide dispute %d", interaction.user.id, self.dispute_id)
                await tell(interaction, text("dispute.admin_only", language))
                return
            # Re-scoring may wait for the grader: answer now, update the notice and reply when it is done.
            await interaction.response.defer()
            try:
                await bot.quiz.decide_dispute(self.dispute_id, accept=self.accept, admin_id=str(interaction.user.id))
                outcome = text("dispute.decided_ack", language)
            except UserError as exc:
                outcome = error_text(exc.key, language, **exc.values)
            await self._close_notice(interaction)
            await tell(interaction, outcome)
        except Exception as error:
            await explain_failure(interaction, f"deciding dispute {self.dispute_id}", error)

    async def _close_notice(self, interaction: discord.Interaction[Any]) -> None:
        """Take the buttons off the decided dispute's notice."""
        try:
            await interaction.edit_original_response(view=None)
        except discord.HTTPException as exc:
            # The decision stands; a leftover button only earns the next clicker an "already decided".
            log.warning("could not remove the buttons of dispute %d's notice: %s", self.dispute_id, exc)
