"""A reveal cut short by a kill: its scores are fixed but its post is not out, and members, who still see an open
question, keep answering. After the restart those answers are stored (late: the scores were fixed before them)
and acknowledged, and the reveal is posted once."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.core.models import RoundState
from tests.e2e.crash_points import CrashPoint
from tests.e2e.discord_support import SHORT_CATEGORY, QuizHarness, acknowledged, quiz

__all__ = ["quiz"]

AFTER_ONDEMAND_REVEAL = dt.timedelta(minutes=11)
REVEAL_TITLE = "**참고 답안**"


async def test_an_answer_written_while_a_killed_reveal_was_unfinished_is_stored_late_and_acknowledged(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    assert question.thread_id is not None
    killed = CrashPoint(quiz.running.platform, "post_reveal")
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)

    revealing = asyncio.create_task(quiz.scheduler.run_due())
    await killed.kill()
    await asyncio.gather(revealing, return_exceptions=True)
    assert (await quiz.round(round_.id)).state is RoundState.REVEALING
    await quiz.crash()
    answer = server.user_says(question.thread_id, server.world.bob, "written while the reveal was cut short")
    await quiz.restart()

    await server.wait_for(lambda: acknowledged(server, answer, "🕓"))
    [stored] = await quiz.answers(round_.id)
    assert (stored.message_id, stored.text, stored.late) == (str(answer.id), answer.content, True)
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED
    reveals = [m for m in server.bot_messages(question.thread_id) if m.content.startswith(REVEAL_TITLE)]
    assert len(reveals) == 1
