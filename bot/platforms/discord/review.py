"""Personal review on Discord: the due card with its "Answer" button and form, the graded result with "I knew it /
I didn't", the rating buttons under every reveal, the "forget me" confirmation, and files (a notebook, an export)
sent as attachments within Discord's upload limit. Everything here is shown only to the member who asked.

Every component is a ``DynamicItem`` whose ``custom_id`` carries what it acts on (a card and how many reviews it had
when shown, a review, a round, a member), so components on any message ever sent keep working after a restart.
The review form is taken from the raw modal submission, like the private-answer form, for the same reason.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

import discord
from discord.ext import commands

from bot.core import commands as quiz_commands
from bot.core.commands import (
    AnswerReview,
    Caller,
    Command,
    ExportReply,
    ForgetPrompt,
    ForgetReply,
    MeForget,
    NotebookReply,
    OverrideRating,
    RateReview,
    Reply,
    Review,
    ReviewCardReply,
    ReviewResultReply,
    TooEasy,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey, Member
from bot.core.ports import PlatformError
from bot.core.review.cards import Verdict
from bot.core.service import MAX_FORM_CHARS
from bot.messages import Language, text
from bot.platforms.discord.checks import manages_server
from bot.platforms.discord.language import error_text, language_of
from bot.platforms.discord.mentions import NO_MENTIONS
from bot.platforms.discord.views import submitted_value
from bot.platforms.review_options import export_file_name, notebook_files
from bot.render import platform_error_text, reply_blocks, split_blocks

if TYPE_CHECKING:
    from bot.platforms.discord.bot import QuizBot

log = logging.getLogger(__name__)

MAX_MESSAGE = 2000
MAX_FILES = 10  # attachments per message
REVIEW_MODAL = re.compile(r"quiz:review-modal:(?P<card_id>[0-9]{1,18}):(?P<reviews>[0-9]{1,9})")
REVIEW_MODAL_ID = "quiz:review-modal:{card_id}:{reviews}"
REVIEW_INPUT_ID = "answer"
# What each rating button under a reveal says, in the order they stand.
ROUND_VERDICTS = (Verdict.KNEW, Verdict.DIDNT, Verdict.TOO_EASY)
_VERDICT_STYLES = {
    Verdict.KNEW: discord.ButtonStyle.success,
    Verdict.DIDNT: discord.ButtonStyle.secondary,
    Verdict.TOO_EASY: discord.ButtonStyle.secondary,
}


def caller_of(interaction: discord.Interaction[Any]) -> Caller:
    user = interaction.user
    return Caller(Member(str(user.id), user.display_name), admin=manages_server(interaction))


def place_key(interaction: discord.Interaction[Any], platform: str) -> ChannelKey:
    """Where a component or form was used: its guild is what personal review needs."""
    return ChannelKey(platform, str(interaction.guild_id or 0), str(interaction.channel_id or 0))


async def send(
    interaction: discord.Interaction[Any],
    content: str,
    *,
    view: discord.ui.View | None = None,
    files: Sequence[tuple[str, bytes]] = (),
    upload_limit: int | None = None,
) -> None:
    """An ephemeral answer to whoever used the command or component, split under the length limit (the view on the
    last part) and its files in as many messages as the upload limit takes."""
    chunks = split_blocks([content], MAX_MESSAGE) or [""]
    batches = file_batches(files, upload_limit or interaction.filesize_limit) if files else []
    for number, chunk in enumerate(chunks, 1):
        last = number == len(chunks)
        first_files = batches.pop(0) if last and batches else []
        await _send_one(interaction, chunk, view=view if last else None, files=first_files)
    for batch in batches:
        await _send_one(interaction, "", view=None, files=batch)


async def _send_one(
    interaction: discord.Interaction[Any],
    content: str,
    *,
    view: discord.ui.View | None,
    files: Sequence[tuple[str, bytes]],
) -> None:
    options: dict[str, Any] = {"ephemeral": True, "allowed_mentions": NO_MENTIONS}
    if view is not None:
        options["view"] = view
    if files:
        options["files"] = [discord.File(io.BytesIO(data), filename=name) for name, data in files]
    if interaction.response.is_done():
        await interaction.followup.send(content, **options)
    else:
        await interaction.response.send_message(content, **options)


def file_batches(files: Sequence[tuple[str, bytes]], limit: int) -> list[list[tuple[str, bytes]]]:
    """The files in messages of at most ten files and ``limit`` bytes together (each file is within the limit)."""
    batches: list[list[tuple[str, bytes]]] = []
    size = 0
    for name, data in files:
        if not batches or len(batches[-1]) == MAX_FILES or size + len(data) > limit:
            batches.append([])
            size = 0
        batches[-1].append((name, data))
        size += len(data)
    return batches


async def run_and_show(interaction: discord.Interaction[Any], command: Command) -> None:
    """Run a personal-review command for whoever used the component and show its reply; a user's mistake is
    explained to them, a bug logged."""
    bot: QuizBot = interaction.client
    language = language_of(interaction.locale)
    try:
        result = await quiz_commands.run(
            bot.quiz, command, place_key(interaction, bot.platform_name), caller_of(interaction)
        )
        await show(interaction, result)
    except UserError as exc:
        await send(interaction, error_text(exc.key, language, **exc.values))
    except PlatformError as exc:
        await send(interaction, platform_error_text(exc, language))
    except Exception as error:
        log.error("%r by %s in guild %s failed", command, interaction.user.id, interaction.guild_id, exc_info=error)
        await send(interaction, text("discord.error.internal", language))


async def show(interaction: discord.Interaction[Any], result: Reply) -> None:
    """A personal-review reply in Discord's idiom, only to the member who asked."""
    language = language_of(interaction.locale)
    content = "\n".join(reply_blocks(result, language))
    match result:
        case ReviewCardReply(due) if due is not None:
            await send(interaction, content, view=card_view(due.card.id, due.card.reviews, language))
        case ReviewResultReply(graded):
            await send(interaction, content, view=result_view(graded.review.id, language))
        case ForgetPrompt(member):
            await send(interaction, content, view=forget_view(member.member_id, language))
        case NotebookReply(member, files):
            await send(interaction, content, files=notebook_files(member.display_name, files))
        case ExportReply(channel, data):
            await send(interaction, content, files=[(export_file_name(channel), data)])
        case _:
            await send(interaction, content)


# -- views ----------------------------------------------------------------------------------------------------


def card_view(card_id: int, reviews: int, language: Language) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerReviewButton(card_id, reviews, language=language))
    return view


def result_view(review_id: int, language: Language) -> discord.ui.View:
    """Under a graded review: correct its rating, or go on to the next card."""
    view = discord.ui.View(timeout=None)
    view.add_item(RateReviewButton(review_id, Verdict.KNEW, language=language))
    view.add_item(RateReviewButton(review_id, Verdict.DIDNT, language=language))
    view.add_item(NextReviewButton(language=language))
    return view


def forget_view(member_id: str, language: Language) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton(member_id, language=language))
    return view


def round_rating_buttons(round_id: int, language: Language) -> list[RoundRatingButton]:
    """ "I knew it", "I didn't" and "Too easy" for under a reveal: each acts on the clicking member's own card."""
    return [RoundRatingButton(round_id, verdict, language=language) for verdict in ROUND_VERDICTS]


# -- components -----------------------------------------------------------------------------------------------


class AnswerReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:review-answer:(?P<card_id>[0-9]{1,18}):(?P<reviews>[0-9]{1,9})",
):
    """Opens the form to answer the card as it was shown (with ``reviews`` reviews then)."""

    def __init__(self, card_id: int, reviews: int, *, language: Language = "ko") -> None:
        super().__init__(
            discord.ui.Button(
                label=text("review.answer.button", language),
                style=discord.ButtonStyle.primary,
                emoji="✏️",
                custom_id=f"quiz:review-answer:{card_id}:{reviews}",
            )
        )
        self.card_id = card_id
        self.reviews = reviews

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["card_id"]), int(match["reviews"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        modal = ReviewAnswerModal(self.card_id, self.reviews, language_of(interaction.locale))
        # Stopped before it is sent, so discord.py keeps no copy: ``ReviewForms`` takes every submission.
        modal.stop()
        await interaction.response.send_modal(modal)


class ReviewAnswerModal(discord.ui.Modal):
    def __init__(self, card_id: int, reviews: int, language: Language) -> None:
        super().__init__(
            title=text("review.answer.title", language)[:45],
            timeout=None,
            custom_id=REVIEW_MODAL_ID.format(card_id=card_id, reviews=reviews),
        )
        self.answer: discord.ui.TextInput[ReviewAnswerModal] = discord.ui.TextInput(
            label=text("review.answer.label", language)[:45],
            style=discord.TextStyle.paragraph,
            placeholder=text("discord.answer.modal_placeholder", language)[:100],
            max_length=MAX_FORM_CHARS,
            required=True,
            custom_id=REVIEW_INPUT_ID,
        )
        self.add_item(self.answer)


class ReviewForms(commands.Cog):
    """Review answers submitted, whenever their form was opened: graded, and the result shown privately."""

    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Mapping[str, Any] = interaction.data or {}
        match = REVIEW_MODAL.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return
        answer = submitted_value(data, REVIEW_INPUT_ID) or ""
        # Grading may take longer than Discord waits for an answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await run_and_show(interaction, AnswerReview(int(match["card_id"]), int(match["reviews"]), answer))


class RateReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:review-(?P<verdict>knew|didnt):(?P<review_id>[0-9]{1,18})",
):
    """Under a graded personal review: the member corrects its rating."""

    def __init__(self, review_id: int, verdict: Verdict, *, language: Language = "ko") -> None:
        super().__init__(
            discord.ui.Button(
                label=text(f"review.button.{verdict.value}", language),
                style=_VERDICT_STYLES[verdict],
                custom_id=f"quiz:review-{verdict.value}:{review_id}",
            )
        )
        self.review_id = review_id
        self.verdict = verdict

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["review_id"]), Verdict(match["verdict"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_and_show(interaction, RateReview(self.review_id, self.verdict))


class NextReviewButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"quiz:review-next"):
    """Shows the member their next due card."""

    def __init__(self, *, language: Language = "ko") -> None:
        super().__init__(
            discord.ui.Button(
                label=text("review.next.button", language),
                style=discord.ButtonStyle.primary,
                custom_id="quiz:review-next",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_and_show(interaction, Review())


class RoundRatingButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:rate-(?P<verdict>knew|didnt|too-easy):(?P<round_id>[0-9]{1,18})",
):
    """Under a reveal: the clicking member's correction of how their own answer was rated."""

    def __init__(self, round_id: int, verdict: Verdict, *, language: Language = "ko") -> None:
        super().__init__(
            discord.ui.Button(
                label=text(f"review.button.{verdict.value}", language),
                style=_VERDICT_STYLES[verdict],
                custom_id=f"quiz:rate-{verdict.value}:{round_id}",
            )
        )
        self.round_id = round_id
        self.verdict = verdict

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["round_id"]), Verdict(match["verdict"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.verdict is Verdict.TOO_EASY:
            command: Command = TooEasy(self.round_id)
        else:
            command = OverrideRating(self.round_id, knew=self.verdict is Verdict.KNEW)
        await run_and_show(interaction, command)


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"quiz:forget:(?P<member_id>[0-9]{1,20})",
):
    """The confirmation under "forget me": deletes the data of the member it was shown to, and only theirs."""

    def __init__(self, member_id: str, *, language: Language = "ko") -> None:
        super().__init__(
            discord.ui.Button(
                label=text("forget.button", language),
                style=discord.ButtonStyle.danger,
                custom_id=f"quiz:forget:{member_id}",
            )
        )
        self.member_id = member_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["member_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        language = language_of(interaction.locale)
        if str(interaction.user.id) != self.member_id:
            await send(interaction, error_text("review.error.not-yours", language))
            return
        bot: QuizBot = interaction.client
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            result = await quiz_commands.run(
                bot.quiz, MeForget(confirm=True), place_key(interaction, bot.platform_name), caller_of(interaction)
            )
            assert isinstance(result, ForgetReply)
            await send(interaction, "\n".join(reply_blocks(result, language)))
        except UserError as exc:
            await send(interaction, error_text(exc.key, language, **exc.values))
        except Exception as error:
            log.error("forgetting member %s failed", self.member_id, exc_info=error)
            await send(interaction, text("discord.error.internal", language))


DYNAMIC_ITEMS = (AnswerReviewButton, RateReviewButton, NextReviewButton, RoundRatingButton, ForgetButton)
