"""The question message as a Discord embed, in its open, revealed and cancelled states."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import discord

from bot.core.deck_schema import Category, Question
from bot.core.models import Round, RoundKind
from bot.messages import Language, text
from bot.render import category_name

OPEN_COLOUR = discord.Colour.blurple()
REVEALED_COLOUR = discord.Colour.green()
CANCELLED_COLOUR = discord.Colour.dark_grey()
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_THREAD_NAME = 100


class CardState(StrEnum):
    OPEN = "open"
    REVEALED = "revealed"
    CANCELLED = "cancelled"


def question_embed(
    round_: Round,
    question: Question,
    category: Category,
    language: Language,
    state: CardState = CardState.OPEN,
    *,
    at: dt.datetime | None = None,
) -> discord.Embed:
    """The question with its category, difficulty and reveal time; a finished round says so in the title and
    shows when it ended (``at``)."""
    key = "question.title" if round_.kind is RoundKind.DAILY else "question.ondemand_title"
    title = text(key, language)
    if state is CardState.REVEALED:
        title = f"{title} · {text('question.revealed', language)}"
    elif state is CardState.CANCELLED:
        title = f"{title} · {text('question.cancelled', language)}"
    colour = {CardState.OPEN: OPEN_COLOUR, CardState.REVEALED: REVEALED_COLOUR}.get(state, CANCELLED_COLOUR)
    embed = discord.Embed(title=title[:MAX_TITLE], description=question.question[:MAX_DESCRIPTION], colour=colour)
    embed.add_field(name=text("question.category", language), value=category_name(category, language))
    embed.add_field(
        name=text("question.difficulty", language), value=text(f"difficulty.{question.difficulty}", language)
    )
    if state is CardState.OPEN:
        when = round_.reveal_at
        reveal = f"{discord.utils.format_dt(when, 'F')} ({discord.utils.format_dt(when, 'R')})"
        embed.add_field(name=text("question.reveal_at", language), value=reveal, inline=False)
        embed.set_footer(text=text("question.how_to", language))
    elif state is CardState.REVEALED:
        when = at or round_.revealed_at or round_.reveal_at
        embed.add_field(
            name=text("question.revealed", language), value=discord.utils.format_dt(when, "F"), inline=False
        )
    return embed


def thread_name(round_: Round, language: Language) -> str:
    """A short thread title; Discord allows at most 100 characters."""
    return text("discord.thread.name", language, round=round_.id)[:MAX_THREAD_NAME]
