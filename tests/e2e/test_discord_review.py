"""Personal review on Discord, against the local Discord-compatible server: ``/quiz review`` with its form and the
graded result, the rating buttons under a reveal, ``/quiz me`` with its settings and "forget me", ``/quiz
notebook`` as attachments within the upload limit, and the admins' ``/quiz export``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import aiohttp
import pytest

from bot.core.models import GuildKey, Round
from bot.core.review.cards import Rating
from tests.e2e.discord_server import DiscordServer, Message, MessageFlag, User
from tests.e2e.discord_server.limits import iter_components
from tests.e2e.discord_server.server import ServerConfig
from tests.e2e.discord_support import LONG_CATEGORY, SHORT_CATEGORY, QuizHarness, acknowledged, quiz

__all__ = ["quiz"]

AFTER_ONDEMAND_REVEAL = dt.timedelta(minutes=11)
DAY = dt.timedelta(days=1)
GOOD = "양수 구간의 기울기가 1이라 기울기 소실 문제가 줄어듭니다."
CLUELESS = "모르겠습니다 그냥 찍었어요"
NOTHING_DUE = "Nothing to review today. Answer the daily question to add cards."


def custom_ids(message: Message) -> list[str]:
    return [str(c["custom_id"]) for c in iter_components(message.components) if "custom_id" in c]


def private_to(message: Message, user: User) -> bool:
    return bool(message.flags & MessageFlag.EPHEMERAL) and message.ephemeral_to == user.id


def guild(quiz: QuizHarness) -> GuildKey:
    return GuildKey("discord", str(quiz.server.guild.id))


async def revealed(quiz: QuizHarness, answers: dict[int, str], category: str = SHORT_CATEGORY) -> tuple[Round, Message]:
    """Ask a question, let each user (by id) answer in its thread, reveal it; the round and the reveal's last
    message, which carries the buttons."""
    server = quiz.server
    await command(quiz, server.world.alice, "ask", category=category)
    round_: Round = await quiz.eventually(lambda: quiz.service.current_round(quiz.key))
    assert round_.thread_id is not None
    thread = int(round_.thread_id)
    for user_id, said in answers.items():
        message = server.user_says(thread, user_id, said)
        await server.wait_for(lambda message=message: acknowledged(server, message))
    quiz.clock.advance(AFTER_ONDEMAND_REVEAL)
    await quiz.scheduler.run_due()
    button = f"quiz:rate-knew:{round_.id}"
    reveal = await server.wait_for_message(thread, lambda m: button in custom_ids(m), author=server.bot)
    return round_, reveal


async def command(quiz: QuizHarness, user: User, subcommand: str, **options: object) -> Message:
    handle = quiz.server.invoke_command(
        quiz.server.guild, quiz.server.channel, user, "quiz", subcommand=subcommand, options=options
    )
    return await handle.message()


async def test_review_shows_the_due_card_privately_and_grades_the_answer_given_in_its_form(
    quiz: QuizHarness,
) -> None:
    server, alice, bob = quiz.server, quiz.server.world.alice, quiz.server.world.bob
    round_, _ = await revealed(quiz, {alice.id: CLUELESS})
    question = quiz.service.catalog.question(round_.deck_id, round_.question_id)

    assert (await command(quiz, alice, "review")).content == NOTHING_DUE  # due tomorrow, in her day
    quiz.clock.advance(DAY)
    card = await command(quiz, alice, "review")
    assert private_to(card, alice)
    assert question.question in card.content and "1 due today" in card.content
    (answer_button,) = custom_ids(card)
    assert answer_button.startswith("quiz:review-answer:")

    click = server.click_button(card, answer_button, alice)
    form = await click.modal()
    submitted = server.submit_modal(click, str(form["custom_id"]), {"answer": GOOD})
    result = await submitted.message()

    assert private_to(result, alice)
    assert result.content.startswith("**100% · Good · next review in ")
    assert "Reference answer" in result.content and "That's all for today." in result.content
    review_id = custom_ids(result)[0].rsplit(":", 1)[1]
    assert custom_ids(result) == [f"quiz:review-knew:{review_id}", f"quiz:review-didnt:{review_id}", "quiz:review-next"]
    reviews = await quiz.service.review.store.cards.reviews(guild(quiz), str(alice.id))  # type: ignore[union-attr]
    assert [r.rating for r in reviews] == [Rating.AGAIN, Rating.GOOD]

    # The same form submitted again (a double tap) is not a second review.
    again = await server.submit_modal(click, str(form["custom_id"]), {"answer": GOOD}).message()
    assert again.content == "You already answered this card. Ask for the next one."

    corrected = await server.click_button(result, f"quiz:review-didnt:{review_id}", alice).message()
    assert private_to(corrected, alice) and corrected.content.startswith("Noted: you didn't. Next review in 1 day")
    reviews = await quiz.service.review.store.cards.reviews(guild(quiz), str(alice.id))  # type: ignore[union-attr]
    assert [(r.auto_rating, r.rating) for r in reviews][1] == (Rating.GOOD, Rating.AGAIN)

    nothing = await server.click_button(result, "quiz:review-next", alice).message()
    assert nothing.content == NOTHING_DUE
    assert (await command(quiz, bob, "review")).content == NOTHING_DUE


async def test_the_rating_buttons_under_a_reveal_act_on_the_clicking_members_own_card(quiz: QuizHarness) -> None:
    server, alice, bob, admin = quiz.server, quiz.server.world.alice, quiz.server.world.bob, quiz.server.world.admin
    round_, reveal = await revealed(quiz, {alice.id: CLUELESS, bob.id: GOOD})

    assert custom_ids(reveal) == [
        f"quiz:dispute:{round_.id}",
        f"quiz:rate-knew:{round_.id}",
        f"quiz:rate-didnt:{round_.id}",
        f"quiz:rate-too-easy:{round_.id}",
    ]
    knew = await server.click_button(reveal, f"quiz:rate-knew:{round_.id}", alice).message()
    easy = await server.click_button(reveal, f"quiz:rate-too-easy:{round_.id}", bob).message()
    nothing = await server.click_button(reveal, f"quiz:rate-didnt:{round_.id}", admin).message()

    assert private_to(knew, alice) and knew.content.startswith("Noted: you knew it. Next review in ")
    assert private_to(easy, bob) and easy.content.startswith("Noted: too easy. Next review in ")
    assert private_to(nothing, admin) and nothing.content == "You have no review from this round to change."
    store = quiz.service.review.store.cards  # type: ignore[union-attr]
    (alices,) = await store.reviews(guild(quiz), str(alice.id))
    (bobs,) = await store.reviews(guild(quiz), str(bob.id))
    assert (alices.auto_rating, alices.rating) == (Rating.AGAIN, Rating.GOOD)
    assert (bobs.auto_rating, bobs.rating) == (Rating.GOOD, Rating.EASY)


async def test_me_shows_progress_and_settings_and_changes_them_privately(quiz: QuizHarness) -> None:
    alice = quiz.server.world.alice
    await revealed(quiz, {alice.id: GOOD})

    me = await command(quiz, alice, "me")
    assert private_to(me, alice)
    assert "Study streak: 1 day (best 1 day) · today: done ✓" in me.content
    assert "Time zone Asia/Seoul · reminders: off" in me.content

    changed = await command(
        quiz, alice, "me", timezone="Europe/Berlin", reminders="on", **{"reminder-time": "07:30", "opt-in": "on"}
    )
    assert private_to(changed, alice) and changed.content.startswith("Settings saved.")
    assert "Time zone Europe/Berlin · reminders: on at 07:30 · missed daily questions become cards: yes" in (
        changed.content
    )
    refused = await command(quiz, alice, "me", **{"reminder-time": "25:00"})
    assert refused.content == "'25:00' is not a valid time. Use HH:MM between 00:00 and 23:59."
    settings = await quiz.service.review.settings(str(alice.id), guild(quiz))  # type: ignore[union-attr]
    assert settings.timezone == "Europe/Berlin" and settings.reminder_time == dt.time(7, 30)


async def test_forget_me_asks_first_and_only_the_member_can_confirm_it(quiz: QuizHarness) -> None:
    server, alice, bob = quiz.server, quiz.server.world.alice, quiz.server.world.bob
    await revealed(quiz, {alice.id: GOOD, bob.id: GOOD})
    store = quiz.service.review.store.cards  # type: ignore[union-attr]

    prompt = await command(quiz, alice, "me", forget=True)

    assert private_to(prompt, alice) and "It cannot be undone." in prompt.content
    assert custom_ids(prompt) == [f"quiz:forget:{alice.id}"]
    assert await store.cards(guild(quiz), str(alice.id))
    done = await server.click_button(prompt, f"quiz:forget:{alice.id}", alice).message()
    assert private_to(done, alice) and done.content.startswith("Done: ")
    assert await store.cards(guild(quiz), str(alice.id)) == []
    assert await store.cards(guild(quiz), str(bob.id)) != []
    standing = await quiz.service.storage.results.standing(guild(quiz), "all", str(alice.id))
    assert standing is None


async def test_the_notebook_arrives_privately_as_a_markdown_file_and_an_anki_deck(quiz: QuizHarness) -> None:
    alice = quiz.server.world.alice
    round_, _ = await revealed(quiz, {alice.id: CLUELESS})
    question = quiz.service.catalog.question(round_.deck_id, round_.question_id)

    reply = await command(quiz, alice, "notebook")

    assert private_to(reply, alice)
    assert reply.content.startswith("Your study notebook (1 Markdown file(s)) and an Anki deck of 1 questions")
    names = [a.filename for a in reply.attachments]
    assert names == [f"quizbot-notebook-{alice.global_name}.md", f"quizbot-missed-{alice.global_name}.apkg"]
    notebook = reply.attachments[0].data.decode("utf-8")
    assert f"## {question.question}" in notebook and CLUELESS in notebook
    with zipfile.ZipFile(io.BytesIO(reply.attachments[1].data)) as package:
        assert "collection.anki2" in package.namelist()


UPLOAD_LIMIT = 60_000


@pytest.mark.parametrize("discord_server_config", [ServerConfig(attachment_size_limit=UPLOAD_LIMIT)])
async def test_a_large_notebook_comes_in_files_and_messages_within_the_upload_limit(
    quiz: QuizHarness, discord_server_config: ServerConfig
) -> None:
    """Six long answers to a question with a long reference make a notebook larger than the server's limit."""
    alice = quiz.server.world.alice
    long_answer = "모멘텀은 이전 업데이트 방향을 누적해 진동을 줄이고 학습률과 함께 조정합니다. " * 46  # < 2,000 chars
    for _ in range(6):
        await revealed(quiz, {alice.id: long_answer}, category=LONG_CATEGORY)

    handle = quiz.server.invoke_command(quiz.server.guild, quiz.server.channel, alice, "quiz", subcommand="notebook")
    first = await handle.message()
    # The deck comes last, in a message of its own once the Markdown parts fill the limit.
    await quiz.server.wait_for(
        lambda: any(a.filename.endswith(".apkg") for m in handle.followups for a in m.attachments)
    )

    messages = [first, *handle.followups]
    files = [a for m in messages for a in m.attachments]
    assert all(private_to(m, alice) for m in messages)
    assert discord_server_config.attachment_size_limit == UPLOAD_LIMIT
    assert all(sum(len(a.data) for a in m.attachments) <= UPLOAD_LIMIT for m in messages)
    markdown = [a for a in files if a.filename.endswith(".md")]
    assert len(markdown) >= 2 and files[-1].filename.endswith(".apkg")
    assert [a.filename for a in markdown] == [
        f"quizbot-notebook-{alice.global_name}-{n}.md" for n in range(1, len(markdown) + 1)
    ]
    text = "".join(a.data.decode("utf-8") for a in markdown)
    assert text.count("**Your answer**") == 6 and "Part 1 of" in text


async def test_the_server_refuses_a_file_over_its_upload_limit(discord_server: DiscordServer) -> None:
    """The local server answers an upload too large as Discord does: 413 with code 40005."""
    form = aiohttp.FormData()
    form.add_field("payload_json", '{"content": "big"}', content_type="application/json")
    form.add_field("files[0]", b"x" * (discord_server.state.attachment_size_limit + 1), filename="big.bin")
    url = f"{discord_server.api_url}/channels/{discord_server.channel.id}/messages"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=form, headers={"Authorization": f"Bot {discord_server.token}"}) as response,
    ):
        body = await response.json()
    assert (response.status, body["code"]) == (413, 40005)


async def test_export_gives_admins_the_channels_results_as_a_csv_file(quiz: QuizHarness) -> None:
    server, alice, bob = quiz.server, quiz.server.world.alice, quiz.server.world.bob
    round_, _ = await revealed(quiz, {alice.id: GOOD, bob.id: CLUELESS})

    refused = await command(quiz, alice, "export")
    exported = await command(quiz, server.world.admin, "export")

    assert private_to(refused, alice) and "Manage Server" in refused.content and not refused.attachments
    assert private_to(exported, server.world.admin)
    assert exported.content == "This channel's results: 2 scored answers (CSV)."
    (attachment,) = exported.attachments
    assert attachment.filename == f"quizbot-results-{server.channel.id}.csv"
    rows = list(csv.DictReader(io.StringIO(attachment.data.decode("utf-8-sig"))))
    assert {(r["round_id"], r["member_id"]) for r in rows} == {
        (str(round_.id), str(alice.id)),
        (str(round_.id), str(bob.id)),
    }


async def test_the_leaderboard_around_the_caller_is_private_and_accuracy_is_public(quiz: QuizHarness) -> None:
    server, alice, bob = quiz.server, quiz.server.world.alice, quiz.server.world.bob
    await revealed(quiz, {alice.id: GOOD, bob.id: CLUELESS})

    around = await command(quiz, bob, "leaderboard", period="all", view="around")
    handle = server.invoke_command(
        server.guild, server.channel, bob, "quiz", subcommand="leaderboard", options={"view": "accuracy"}
    )
    board = await handle.message()
    own = await handle.followup(0)

    assert private_to(around, bob)
    assert around.content.startswith("**Leaderboard · All time · around you**")
    assert "Your rank: 2 of 2" in around.content
    assert not board.flags & MessageFlag.EPHEMERAL
    assert board.content == (
        "**Accuracy · This week (mean grade, at least 3 answers)**\nNobody has 3 answers in this period yet."
    )
    assert private_to(own, bob) and own.content == "Your mean: 0% over 1 answer; 3 answers put you on the board."


async def test_a_member_who_opted_in_gets_a_reminder_as_a_direct_message(quiz: QuizHarness) -> None:
    server, alice = quiz.server, quiz.server.world.alice
    await revealed(quiz, {alice.id: CLUELESS})  # due again the next day
    await command(quiz, alice, "me", reminders="on", **{"reminder-time": "20:00"})
    seoul = dt.timezone(dt.timedelta(hours=9))
    tomorrow = (quiz.clock.now().astimezone(seoul) + DAY).date()

    quiz.clock.set(dt.datetime.combine(tomorrow, dt.time(19, 59), tzinfo=seoul))
    await quiz.scheduler.run_due()
    assert server.messages_in(server.dm_channel(alice)) == []
    quiz.clock.set(dt.datetime.combine(tomorrow, dt.time(20, 0), tzinfo=seoul))
    await quiz.scheduler.run_due()

    (reminder,) = await server.wait_for(lambda: server.messages_in(server.dm_channel(alice)))
    assert reminder.author_id == server.bot.id
    # In the bot's language (Korean here): a direct message has no locale of its own.
    assert reminder.content == "📚 오늘 복습할 카드가 1장 있습니다: /퀴즈 복습 (알림 끄기: /퀴즈 나 알림:끄기)"
