"""A round on Discord from ``/quiz ask`` to the reveal and the leaderboard, through the real discord.py client."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from bot.core.models import RoundState
from tests.e2e.discord_server import InvalidInteraction, MessageFlag
from tests.e2e.discord_server.extras import autocomplete
from tests.e2e.discord_support import (
    LONG_BULLETS,
    LONG_CATEGORY,
    SHORT_CATEGORY,
    QuizHarness,
    acknowledged,
    quiz,
)

__all__ = ["quiz"]

AFTER_ONDEMAND_REVEAL = dt.timedelta(minutes=11)


async def test_bot_registers_localised_quiz_commands_at_start(quiz: QuizHarness) -> None:
    commands = {c.name: c for c in quiz.server.commands(quiz.server.guild)}

    assert set(commands) == {"quiz"}
    quiz_command = commands["quiz"].definition
    assert quiz_command["name_localizations"]["ko"] == "퀴즈"
    assert quiz_command.get("default_member_permissions") is None
    subcommands = {o["name"]: o for o in quiz_command["options"]}
    assert {name: o["name_localizations"]["ko"] for name, o in subcommands.items()} == {
        "ask": "질문",
        "leaderboard": "리더보드",
        "stats": "기록",
        "categories": "분야",
        "settings": "설정보기",
        "help": "도움말",
        "setup": "설정",
        "pause": "일시정지",
        "resume": "재개",
        "reveal": "공개",
        "skip": "건너뛰기",
        "review": "복습",
        "me": "나",
        "notebook": "노트",
        "export": "내보내기",
    }
    assert subcommands["ask"]["options"][0]["name_localizations"]["ko"] == "분야"
    assert subcommands["leaderboard"]["options"][0]["choices"][0]["name_localizations"]["ko"] == "이번 주"


async def test_ask_posts_the_question_as_an_embed_with_a_thread_and_an_answer_button(quiz: QuizHarness) -> None:
    server = quiz.server
    handle = server.invoke_command(
        server.guild, server.channel, server.world.alice, "quiz", subcommand="ask", options={"category": SHORT_CATEGORY}
    )

    confirmation = await handle.message()
    question = await server.wait_for_message(server.channel, lambda m: m.thread_id is not None, author=server.bot)

    assert confirmation.flags & MessageFlag.EPHEMERAL
    assert str(question.id) in confirmation.content
    embed = question.embeds[0]
    assert embed["description"] == "ReLU를 쓰는 이유는?"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["난이도"] == "쉬움"
    assert ":R>" in fields["정답 공개"] and ":F>" in fields["정답 공개"]
    round_ = await quiz.service.round_for_thread("discord", str(question.thread_id))
    assert round_ is not None and round_.state is RoundState.OPEN
    button = question.components[0]["components"][0]
    assert button["custom_id"] == f"quiz:answer:{round_.id}"
    assert server.thread(question.thread_id).parent_id == server.channel.id


async def test_an_answer_in_the_thread_is_acknowledged_once_it_is_stored(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)

    answer = server.user_says(question.thread_id, server.world.alice, "모멘텀은 관성을 줍니다")
    await server.wait_for(lambda: acknowledged(server, answer, "✅"))

    stored = await quiz.answers(round_.id)
    assert [(a.member.member_id, a.text, a.message_id) for a in stored] == [
        (str(server.world.alice.id), "모멘텀은 관성을 줍니다", str(answer.id))
    ]


async def test_editing_an_answer_replaces_it(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    answer = server.user_says(question.thread_id, server.world.alice, "first thoughts")
    await server.wait_for(lambda: acknowledged(server, answer, "✅"))

    server.user_edits(answer, "better thoughts about momentum")

    async def replaced() -> bool:
        return [a.text for a in await quiz.answers(round_.id)] == ["better thoughts about momentum"]

    await quiz.eventually(replaced)


async def test_deleting_an_answer_withdraws_it(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    answer = server.user_says(question.thread_id, server.world.bob, "an answer I regret")
    await server.wait_for(lambda: acknowledged(server, answer, "✅"))

    server.user_deletes(answer)

    async def withdrawn() -> bool:
        return await quiz.answers(round_.id) == []

    await quiz.eventually(withdrawn)


async def test_messages_in_unrelated_threads_are_ignored(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    chatter = server.user_says(server.channel, server.world.bob, "anyone up for lunch?")
    side_thread = server.user_starts_thread(chatter, server.world.bob, "lunch")

    stray = server.user_says(side_thread, server.world.bob, "pizza")
    answer = server.user_says(question.thread_id, server.world.alice, "momentum answer")
    await server.wait_for(lambda: acknowledged(server, answer, "✅"))

    assert stray.reactions == []
    assert [a.text for a in await quiz.answers(round_.id)] == ["momentum answer"]


async def test_a_private_answer_is_taken_through_the_button_and_modal(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)

    click = server.click_button(question, f"quiz:answer:{round_.id}", server.world.bob, locale="ko")
    modal = await click.modal()
    field = modal["components"][0]["components"][0]
    submit = server.submit_modal(click, modal["custom_id"], {field["custom_id"]: "비공개: 모멘텀과 학습률"})
    confirmation = await submit.message()

    assert field["max_length"] == 4000 and field["style"] == 2
    assert confirmation.flags & MessageFlag.EPHEMERAL
    assert "비공개 답변을 저장했습니다" in confirmation.content
    stored = await quiz.answers(round_.id)
    assert [(a.member.member_id, a.text, a.private, a.message_id) for a in stored] == [
        (str(server.world.bob.id), "비공개: 모멘텀과 학습률", True, None)
    ]
    assert server.messages_in(question.thread_id) == []


async def test_a_private_answer_submitted_after_the_reveal_is_refused(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    click = server.click_button(question, f"quiz:answer:{round_.id}", server.world.bob)
    modal = await click.modal()
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()

    field = modal["components"][0]["components"][0]
    submit = server.submit_modal(click, modal["custom_id"], {field["custom_id"]: "too late"})
    refusal = await submit.message()

    assert refusal.flags & MessageFlag.EPHEMERAL
    assert "no longer takes answers" in refusal.content
    assert await quiz.answers(round_.id) == []


async def test_a_thumbs_up_on_another_members_answer_is_an_upvote_and_on_ones_own_is_not(quiz: QuizHarness) -> None:
    server = quiz.server
    alice, bob = server.world.alice, server.world.bob
    round_, question = await quiz.ask(alice)
    answer = server.user_says(question.thread_id, alice, "momentum keeps velocity")
    await server.wait_for(lambda: acknowledged(server, answer, "✅"))

    server.user_reacts(answer, alice, "👍")
    server.user_reacts(answer, bob, "👍")

    async def one_vote() -> bool:
        return [a.votes for a in await quiz.answers(round_.id)] == [1]

    await quiz.eventually(one_vote)
    server.user_unreacts(answer, bob, "👍")

    async def no_votes() -> bool:
        return [a.votes for a in await quiz.answers(round_.id)] == [0]

    await quiz.eventually(no_votes)


async def test_the_reveal_posts_answer_correction_private_answers_and_results_in_the_thread(
    quiz: QuizHarness,
) -> None:
    server = quiz.server
    alice, bob = server.world.alice, server.world.bob
    round_, question = await quiz.ask(alice, category=LONG_CATEGORY)
    answer = server.user_says(question.thread_id, alice, "모멘텀이 학습률을 키운 효과를 냅니다")
    await server.wait_for(lambda: acknowledged(server, answer, "✅"))
    click = server.click_button(question, f"quiz:answer:{round_.id}", bob)
    modal = await click.modal()
    field = modal["components"][0]["components"][0]
    await server.submit_modal(
        click, modal["custom_id"], {field["custom_id"]: "PRIVATE-MARK 진동이 줄어듭니다"}
    ).message()

    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()

    reveal = server.bot_messages(question.thread_id)
    texts = [m.content for m in reveal]
    assert len(reveal) > 1 and all(len(t) <= 2000 for t in texts)
    for index in range(LONG_BULLETS):
        holding = [t for t in texts if f"BULLET-{index:02d}" in t]
        assert len(holding) == 1, f"bullet {index} is in {len(holding)} messages"
        assert f"CHILD-{index:02d}" in holding[0], f"bullet {index} was cut from its nested bullet"
    everything = "\n".join(texts)
    assert "CORRECTION-MARK" in everything
    assert "PRIVATE-MARK 진동이 줄어듭니다" in everything
    assert "짚은 개념: momentum, learning rate" in everything
    assert "놓친 개념: oscillation" in everything
    assert "**Alice**" in everything and "**Bob**" in everything
    revealed_question = server.state.messages[question.id]
    assert "공개됨" in revealed_question.embeds[0]["title"]
    assert revealed_question.components[0]["components"][0]["disabled"] is True
    with pytest.raises(InvalidInteraction):
        server.click_button(question, f"quiz:answer:{round_.id}", bob)
    assert (await quiz.round(round_.id)).state is RoundState.REVEALED


async def test_an_answer_after_the_reveal_is_kept_as_late(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()

    late = server.user_says(question.thread_id, server.world.bob, "기울기 소실 때문에")
    await server.wait_for(lambda: acknowledged(server, late, "🕓"))

    assert [(a.text, a.late) for a in await quiz.answers(round_.id)] == [("기울기 소실 때문에", True)]


async def test_the_leaderboard_is_posted_publicly_with_the_callers_rank_shown_only_to_them(quiz: QuizHarness) -> None:
    server = quiz.server
    alice, bob = server.world.alice, server.world.bob
    _, question = await quiz.ask(alice, category=SHORT_CATEGORY)
    for user, text in ((alice, "기울기 소실이 줄어듭니다"), (bob, "빠릅니다")):
        message = server.user_says(question.thread_id, user, text)
        await server.wait_for(lambda message=message: acknowledged(server, message, "✅"))
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()

    handle = server.invoke_command(server.guild, server.channel, bob, "quiz", subcommand="leaderboard")
    board = await handle.message()
    own_rank = await handle.followup()

    assert not board.flags & MessageFlag.EPHEMERAL
    lines = board.content.splitlines()
    assert lines[1].startswith("1. Alice: ") and lines[2].startswith("2. Bob: ")
    assert own_rank.flags & MessageFlag.EPHEMERAL and own_rank.ephemeral_to == bob.id
    assert "Your rank: 2 of 2" in own_rank.content


async def test_help_replies_privately_in_the_callers_language(quiz: QuizHarness) -> None:
    server = quiz.server

    handle = server.invoke_command(
        server.guild, server.channel, server.world.alice, "quiz", subcommand="help", locale="ko"
    )
    reply = await handle.message()

    assert reply.flags & MessageFlag.EPHEMERAL
    assert reply.content.startswith("**퀴즈봇 사용법과 점수 규칙**")


async def test_no_acknowledgement_appears_while_the_answer_cannot_be_written(quiz: QuizHarness) -> None:
    server = quiz.server
    round_, question = await quiz.ask(server.world.alice)
    blocker = sqlite3.connect(quiz.settings.database, isolation_level=None)
    try:
        # Another writer holds the database: the bot's write waits on SQLite's busy timeout.
        blocker.execute("BEGIN IMMEDIATE")
        answer = server.user_says(question.thread_id, server.world.alice, "written while the database is busy")
        with pytest.raises(TimeoutError):
            await server.wait_for(lambda: answer.reactions, timeout=0.5)
        stored_while_blocked = blocker.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    await server.wait_for(lambda: acknowledged(server, answer, "✅"))
    assert stored_while_blocked == 0
    assert [a.text for a in await quiz.answers(round_.id)] == ["written while the database is busy"]


async def test_ask_for_an_unknown_category_explains_privately_and_posts_nothing(quiz: QuizHarness) -> None:
    server = quiz.server

    handle = server.invoke_command(
        server.guild, server.channel, server.world.alice, "quiz", subcommand="ask", options={"category": "astrology"}
    )
    reply = await handle.message()

    assert reply.flags & MessageFlag.EPHEMERAL
    assert "There is no category 'astrology'" in reply.content
    assert server.bot_messages(server.channel) == [reply]


async def test_ask_where_the_bot_cannot_post_explains_privately_and_opens_no_round(quiz: QuizHarness) -> None:
    server = quiz.server

    handle = server.invoke_command(
        server.guild, server.world.read_only_channel, server.world.alice, "quiz", subcommand="ask"
    )
    reply = await handle.message()

    assert reply.flags & MessageFlag.EPHEMERAL
    assert "I cannot post or create threads in this channel: Send Messages" in reply.content
    assert await quiz.service.storage.rounds.in_states(*RoundState) == []


async def test_ask_category_autocomplete_offers_matching_categories(quiz: QuizHarness) -> None:
    server = quiz.server

    choices = await autocomplete(
        server,
        server.guild,
        server.channel,
        server.world.alice,
        "quiz",
        subcommand="ask",
        focused="category",
        value="e2e",
    )

    assert {c["value"] for c in choices} == {LONG_CATEGORY, SHORT_CATEGORY}


async def test_stats_show_a_members_record_privately(quiz: QuizHarness) -> None:
    server = quiz.server
    _, question = await quiz.ask(server.world.alice, category=SHORT_CATEGORY)
    answer = server.user_says(question.thread_id, server.world.alice, "기울기 소실이 줄어듭니다")
    await server.wait_for(lambda: acknowledged(server, answer, "✅"))
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()

    handle = server.invoke_command(
        server.guild,
        server.channel,
        server.world.bob,
        "quiz",
        subcommand="stats",
        options={"member": server.world.alice},
        locale="ko",
    )
    reply = await handle.message()

    assert reply.flags & MessageFlag.EPHEMERAL and reply.ephemeral_to == server.world.bob.id
    assert reply.content.startswith("**Alice님의 기록**")
    assert "짧은 답안: 100% (1회)" in reply.content


async def test_categories_are_listed_privately(quiz: QuizHarness) -> None:
    server = quiz.server

    reply = await server.invoke_command(
        server.guild, server.channel, server.world.alice, "quiz", subcommand="categories"
    ).message()

    assert reply.flags & MessageFlag.EPHEMERAL
    assert "e2e-long · Long answers: 1 question" in reply.content
    assert "basics · Deep learning basics" in reply.content
