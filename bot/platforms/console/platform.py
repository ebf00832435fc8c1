"""The console as a chat platform: the question, the reveal and problems are printed to the terminal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.core.models import ChannelKey, Dispute, Round
from bot.core.ports import PostedQuestion, QuestionCard, ReminderCard, RevealCard
from bot.messages import Language, text
from bot.render import category_name, dispute_notice, plain, reminder_text, reveal_blocks

Write = Callable[[str], None]


def answer_message_id(round_id: int, member_id: str) -> str:
    """Console answers have no platform message: one id per member and round lets votes find them."""
    return f"r{round_id}:{member_id}"


class ConsolePlatform:
    name = "console"

    def __init__(self, write: Write, language: Language) -> None:
        self._write = write
        self._language = language

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        lang = self._language
        reveal_local = card.reveal_at.astimezone(ZoneInfo(card.timezone))
        title = text("question.title" if card.round.kind.value == "daily" else "question.ondemand_title", lang)
        difficulty = text(f"difficulty.{card.question.difficulty.value}", lang)
        self._write(
            "\n".join(
                [
                    "",
                    "=" * 72,
                    f"[{title}] #{card.round.id} · {card.question.id}",
                    f"{text('question.category', lang)}: {category_name(card.category, lang)} · "
                    f"{text('question.difficulty', lang)}: {difficulty}",
                    "",
                    f"  {card.question.question}",
                    "",
                    f"{text('question.reveal_at', lang)}: {reveal_local:%Y-%m-%d %H:%M:%S %Z} "
                    f"({_until(card.reveal_at, card.round.opened_at)})",
                    "=" * 72,
                ]
            )
        )
        return PostedQuestion(message_id=f"q{card.round.id}", thread_id=f"t{card.round.id}")

    async def find_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion | None:
        # What the terminal showed before a restart is gone with it: the question is printed again.
        return None

    async def question_opened(self, round_: Round, *, adopted: bool) -> None:
        """Console answers are commands, taken as they come: nothing to read back."""

    async def post_reveal(self, card: RevealCard) -> None:
        self._write("\n".join(["", "-" * 72, f"#{card.round.id} · {card.question.question}", "-" * 72]))
        for block in reveal_blocks(card, self._language):
            self._write(plain(block))
        self._write("-" * 72)

    async def mark_cancelled(self, card: QuestionCard) -> None:
        self._write(f"#{card.round.id} · {text('question.cancelled', self._language)}")

    async def report_problem(self, channel: ChannelKey, problem: str) -> None:
        self._write(text("admin.problem", self._language, problem=problem))

    async def remind_member(self, card: ReminderCard) -> None:
        """The terminal is everyone's: the reminder is printed, naming the member."""
        message = reminder_text(
            card, self._language, command=f"/review {card.member_id}", settings=f"/me {card.member_id} reminders=off"
        )
        self._write(f"  🔔 {card.member_id}: {message}")

    async def post_dispute_decision(self, round_: Round, dispute: Dispute) -> None:
        self._write(f"  ⚖ {plain(dispute_notice(dispute, self._language))}")


def _until(when: dt.datetime, start: dt.datetime) -> str:
    seconds = max(0, int((when - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"+{hours}h{minutes:02d}m" if hours else f"+{minutes}m{secs:02d}s"
