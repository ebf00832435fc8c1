"""Personal review on the console: ``/review``, ``/knew`` and friends, ``/me``, ``/notebook`` and ``/export``, typed
as lines, checked in what the terminal prints and the files written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.core.models import GuildKey, Round
from bot.core.ports.storage import QuizStore
from bot.core.quiz import Quiz
from bot.core.review.cards import Rating, ReviewPolicy
from bot.core.review.service import ReviewService
from bot.core.service import QuizService
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.session import ConsoleSession
from bot.storage.review_backends import review_store_for
from tests.integration.quiz_steps import UNRELATED, answer_covering, labels
from tests.integration.test_console_round import KEY, Terminal, send

GUILD = GuildKey(KEY.platform, KEY.guild_id)
DAY = dt.timedelta(days=1)


@pytest.fixture
def reviews(service: QuizService, storage: QuizStore, clock: ManualClock) -> ReviewService:
    store = review_store_for(storage)
    assert store is not None
    service.review = ReviewService(
        store, storage, lambda: service.catalog, clock=clock, rules=service.rules, policy=ReviewPolicy(fuzz=False)
    )
    return service.review


@pytest.fixture
def terminal() -> Terminal:
    return Terminal()


@pytest.fixture
def console(
    service: QuizService, reviews: ReviewService, terminal: Terminal, tmp_path: Path
) -> Iterator[ConsoleSession]:
    platform = ConsolePlatform(terminal.write, "en")
    quiz = Quiz.on(service, platform)
    yield ConsoleSession(quiz, KEY, terminal.write, "en", files=tmp_path / "exports")
    quiz.stop()


async def first_round(
    console: ConsoleSession, terminal: Terminal, service: QuizService, answers: dict[str, str]
) -> Round:
    """The question the console asks at start, answered as given and revealed."""
    await console.start()
    round_ = await service.current_round(KEY)
    assert round_ is not None
    for name, said in answers.items():
        await send(console, terminal, f"{name}: {said}")
    await send(console, terminal, "/reveal")
    return round_


def full_answer(service: QuizService, round_: Round) -> str:
    return answer_covering(service, round_, len(labels(service, round_)))


async def test_review_shows_the_due_question_and_grades_the_answer_given_to_it(
    console: ConsoleSession, terminal: Terminal, service: QuizService, clock: ManualClock
) -> None:
    round_ = await first_round(console, terminal, service, {"Alice": UNRELATED})
    question = service.catalog.question(round_.deck_id, round_.question_id)

    assert await send(console, terminal, "/review bob") == [
        "Nothing to review today. Answer the daily question to add cards."
    ]
    assert await send(console, terminal, f"/review alice {UNRELATED}") == ["Look at the card first: /review alice"]
    clock.advance(DAY)
    shown = await send(console, terminal, "/review alice")
    assert shown[0].startswith("Review · ") and shown[0].endswith(" · 1 due today")
    assert shown[1] == question.question
    assert shown[-1] == "  ✎ Answer in your own words: /review alice your answer"

    graded = await send(console, terminal, f"/review alice {full_answer(service, round_)}")

    assert graded[0].startswith("100% · Good · next review in ")
    assert "Reference answer" in graded
    assert "That's all for today." in graded
    assert graded[-1] == "  ↺ Rated wrong? /knew alice (you knew it) or /didnt alice (you didn't)"
    assert await send(console, terminal, "/review alice") == [
        "Nothing to review today. Answer the daily question to add cards."
    ]
    # The showing was answered: the same answer again is not a second review.
    assert await send(console, terminal, f"/review alice {UNRELATED}") == ["Look at the card first: /review alice"]


async def test_knew_corrects_the_last_reveal_then_the_last_personal_review(
    console: ConsoleSession, terminal: Terminal, service: QuizService, reviews: ReviewService, clock: ManualClock
) -> None:
    await first_round(console, terminal, service, {"Alice": UNRELATED})

    (knew,) = await send(console, terminal, "/knew alice")
    assert knew.startswith("Noted: you knew it. Next review in ")
    (review,) = await reviews.store.cards.reviews(GUILD, "alice")
    assert (review.auto_rating, review.rating) == (Rating.AGAIN, Rating.GOOD)

    clock.advance(dt.timedelta(days=30))
    await send(console, terminal, "/review alice")
    await send(console, terminal, f"/review alice {UNRELATED}")
    (didnt,) = await send(console, terminal, "/didnt alice")
    assert didnt.startswith("Noted: you didn't.")
    first, practice = await reviews.store.cards.reviews(GUILD, "alice")
    assert first.rating is Rating.GOOD  # the reveal's correction stands
    assert (practice.auto_rating, practice.rating) == (Rating.AGAIN, Rating.AGAIN)
    (easy,) = await send(console, terminal, "/tooeasy alice")
    assert easy.startswith("Noted: too easy.")
    assert (await reviews.store.cards.reviews(GUILD, "alice"))[1].rating is Rating.EASY
    assert await send(console, terminal, "/knew carol") == ["You have no review from this round to change."]


async def test_me_shows_progress_and_settings_and_changes_them(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    round_ = await first_round(console, terminal, service, {"Alice": "x"})
    await send(console, terminal, f"/review alice {full_answer(service, round_)}")  # nothing shown: refused

    me = await send(console, terminal, "/me Alice")
    assert me[0] == "Personal review · Alice"
    assert me[1] == "Study streak: 1 day (best 1 day) · today: done ✓"
    assert me[2] == "Due today: 0 · cards: 1 · reviews: 1 · retention: -"
    assert me[3].startswith("Time zone Asia/Seoul · reminders: off · missed daily questions become cards: no")

    changed = await send(console, terminal, "/me alice tz=Europe/Berlin reminders=on at=07:30 optin=on")
    assert changed[0] == "Settings saved."
    assert changed[-1].startswith(
        "Time zone Europe/Berlin · reminders: on at 07:30 · missed daily questions become cards: yes"
    )
    assert await send(console, terminal, "/me alice reminders=maybe") == ["'maybe': write on or off."]
    assert await send(console, terminal, "/me alice colour=blue") == [
        "Unknown setting 'colour=blue'. Example: tz=Asia/Seoul reminders=on at=20:00 optin=on"
    ]
    assert await send(console, terminal, "/me alice at=25:00") == [
        "'25:00' is not a valid time. Use HH:MM between 00:00 and 23:59."
    ]
    assert (await send(console, terminal, "/me alice"))[-1].startswith(
        "Time zone Europe/Berlin · reminders: on at 07:30"
    )


async def test_me_forget_asks_first_and_then_deletes_only_that_member(
    console: ConsoleSession, terminal: Terminal, service: QuizService, reviews: ReviewService
) -> None:
    await first_round(console, terminal, service, {"Alice": "x", "Bob": "y"})

    asked = await send(console, terminal, "/me alice forget")
    assert asked[0] == "Forget me"
    assert asked[-1] == "To delete it all: /me alice forget confirm"
    assert await reviews.store.cards.cards(GUILD, "alice")

    (done,) = await send(console, terminal, "/me alice forget confirm")

    assert done.startswith("Done: ") and "records about you are deleted" in done
    assert await reviews.store.cards.cards(GUILD, "alice") == []
    assert await reviews.store.cards.cards(GUILD, "bob")
    board = await send(console, terminal, "/leaderboard all")
    assert not any("Alice" in line for line in board)


async def test_notebook_writes_the_markdown_and_the_anki_deck_and_says_where(
    console: ConsoleSession, terminal: Terminal, service: QuizService, tmp_path: Path
) -> None:
    round_ = await first_round(console, terminal, service, {"Alice": UNRELATED})
    question = service.catalog.question(round_.deck_id, round_.question_id)

    lines = await send(console, terminal, "/notebook Alice")

    assert lines[0] == "Your study notebook (1 Markdown file(s)) and an Anki deck of 1 questions you missed."
    folder = (tmp_path / "exports").resolve()
    markdown, deck = folder / "quizbot-notebook-Alice.md", folder / "quizbot-missed-Alice.apkg"
    assert lines[1].startswith(f"  💾 Saved {markdown} (")
    assert lines[2].startswith(f"  💾 Saved {deck} (")
    notebook = markdown.read_text(encoding="utf-8")
    assert notebook.startswith("# Alice's study notebook")
    assert f"## {question.question}" in notebook and UNRELATED in notebook
    with zipfile.ZipFile(io.BytesIO(deck.read_bytes())) as package:
        assert "collection.anki2" in package.namelist()


async def test_export_writes_the_channels_results_as_csv(
    console: ConsoleSession, terminal: Terminal, service: QuizService, tmp_path: Path
) -> None:
    round_ = await first_round(console, terminal, service, {"Alice": UNRELATED, "Bob": "=SUM(A1)"})

    lines = await send(console, terminal, "/export")

    assert lines[0] == "This channel's results: 2 scored answers (CSV)."
    path = (tmp_path / "exports" / "quizbot-results-study.csv").resolve()
    assert lines[1].startswith(f"  💾 Saved {path} (")
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert [(r["round_id"], r["member_name"]) for r in rows] == [(str(round_.id), "Alice"), (str(round_.id), "Bob")]
    assert rows[1]["answer"] == "'=SUM(A1)"


async def test_review_commands_with_wrong_arguments_are_explained(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()

    assert await send(console, terminal, "/knew") == ["/knew: wrong arguments. /help shows how to use it."]
    assert await send(console, terminal, "/me alice forget now") == ["/me: wrong arguments. /help shows how to use it."]
    assert await send(console, terminal, "/export all") == ["/export: wrong arguments. /help shows how to use it."]
    help_text = await send(console, terminal, "/help")
    assert any("/review name [answer]" in line and "/notebook name" in line for line in help_text)


async def test_leaderboard_around_a_member_and_by_accuracy(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    round_ = await first_round(console, terminal, service, {"Alice": "x", "Bob": "y"})
    await send(console, terminal, f"/review alice {full_answer(service, round_)}")

    around = await send(console, terminal, "/leaderboard all around bob")
    accuracy = await send(console, terminal, "/lb accuracy all alice")

    assert around[0] == "Leaderboard · All time · around you"
    assert around[-1] == "Your rank: 1 of 2, 10 pts"
    assert accuracy[0] == "Accuracy · All time (mean grade, at least 3 answers)"
    assert accuracy[1] == "Nobody has 3 answers in this period yet."
    assert accuracy[2] == "Your mean: 0% over 1 answer; 3 answers put you on the board."


async def test_a_reminder_is_printed_at_the_members_time(
    console: ConsoleSession, terminal: Terminal, service: QuizService, clock: ManualClock
) -> None:
    await first_round(console, terminal, service, {"Alice": UNRELATED})
    await send(console, terminal, "/me alice reminders=on at=20:00")
    clock.set(dt.datetime(2025, 3, 6, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))))  # the next evening

    await console.quiz.run_due()

    assert terminal.new() == [
        "  🔔 alice: 📚 You have 1 review cards due today. Start with /review alice. "
        "(Turn this off: /me alice reminders=off)"
    ]
