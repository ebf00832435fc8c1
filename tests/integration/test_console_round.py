"""A whole round on the console platform: lines in, printed output checked, time moved by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.core.clock import ManualClock
from bot.core.models import ChannelKey
from bot.core.quiz import Quiz
from bot.core.service import QuizService
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.session import ConsoleSession
from tests.integration.quiz_steps import UNRELATED, answer_covering, labels

KEY = ChannelKey("console", "console", "study")
REVEAL_DELAY = dt.timedelta(minutes=10)  # the on-demand default of ChannelDefaults


class Terminal:
    """What the console printed, line by line, with a cursor for 'printed since'."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._seen = 0

    def write(self, text: str) -> None:
        self.lines.extend(text.split("\n"))

    def new(self) -> list[str]:
        fresh = self.lines[self._seen :]
        self._seen = len(self.lines)
        return fresh


@pytest.fixture
def terminal() -> Terminal:
    return Terminal()


@pytest.fixture
def console(service: QuizService, terminal: Terminal) -> Iterator[ConsoleSession]:
    platform = ConsolePlatform(terminal.write, "en")
    quiz = Quiz.on(service, platform)
    yield ConsoleSession(quiz, KEY, terminal.write, "en")
    quiz.stop()


async def send(console: ConsoleSession, terminal: Terminal, line: str) -> list[str]:
    assert await console.handle(line)
    return terminal.new()


async def test_a_whole_round_from_question_to_leaderboard(
    console: ConsoleSession, terminal: Terminal, service: QuizService, clock: ManualClock
) -> None:
    await console.start()
    round_ = await service.current_round(KEY)
    assert round_ is not None
    opening = terminal.new()
    assert f"[Interview question] #{round_.id} · {round_.question_id}" in opening
    assert any(service.catalog.question(round_.deck_id, round_.question_id).question in line for line in opening)

    concepts = labels(service, round_)
    full = answer_covering(service, round_, len(concepts))
    assert await send(console, terminal, f"Alice: {full}") == ["  ✓ Alice: Answer saved."]
    assert await send(console, terminal, f"Bob: {UNRELATED}") == ["  ✓ Bob: Answer saved."]
    assert await send(console, terminal, "/vote alice bob") == ["  👍 alice → bob: Vote counted."]
    assert await send(console, terminal, "/vote bob bob") == ["  👍 bob → bob: You cannot vote for your own answer."]

    clock.advance(REVEAL_DELAY - dt.timedelta(seconds=1))
    assert await console.quiz.run_due() == 0
    assert terminal.new() == []

    clock.advance(dt.timedelta(seconds=1))
    assert await console.quiz.run_due() == 1
    reveal = terminal.new()
    assert "Reference answer" in reveal
    assert "Alice: 30 pts (answer 10 + concepts 20 + votes 0 + streak 0)" in reveal
    assert "Bob: 12 pts (answer 10 + concepts 0 + votes 2 + streak 0)" in reveal
    assert f"  ✅ covered: {', '.join(concepts)}" in reveal
    assert f"  ➖ missed: {', '.join(concepts)}" in reveal
    assert reveal.index("Alice: 30 pts (answer 10 + concepts 20 + votes 0 + streak 0)") < reveal.index(
        "Bob: 12 pts (answer 10 + concepts 0 + votes 2 + streak 0)"
    )

    board = await send(console, terminal, "/leaderboard week bob")
    assert board[:3] == ["Leaderboard · This week", "1. Alice: 30 pts (1)", "2. Bob: 12 pts (1)"]
    assert board[3] == "Your rank: 2 of 2, 12 pts"

    stats = await send(console, terminal, "/stats alice")
    assert stats[0] == "Stats for Alice"
    assert stats[1] == "1 answer · 30 pts · streak 0 (best 0) · average coverage 100%"
    question = service.catalog.question(round_.deck_id, round_.question_id)
    category = service.catalog.deck(round_.deck_id).category(question.category)
    assert category is not None
    assert stats[3] == f"{category.en}: 100% (1)"


async def test_an_answer_after_the_reveal_is_kept_as_late(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    await console.start()
    await send(console, terminal, "/reveal")

    assert await send(console, terminal, "Carol: 늦은 답") == [
        "  ✓ Carol: Saved as a late answer: the round is revealed, so it earns no points."
    ]
    round_ = await service.latest_revealed_round(KEY)
    assert round_ is not None
    (late,) = await service.storage.answers.for_round(round_.id)
    assert late.late and late.text == "늦은 답"


async def test_asking_while_a_question_is_open_is_refused(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()

    (refusal,) = await send(console, terminal, "/ask")

    assert refusal.startswith("A question is already open in this channel")


async def test_reveal_command_reveals_at_once_and_only_once(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()
    await send(console, terminal, f"Alice: {UNRELATED}")
    first = await send(console, terminal, "/reveal")
    assert first.count("Reference answer") == 1
    assert await send(console, terminal, "/reveal") == ["No round is open in this channel."]
    assert await console.quiz.run_due() == 0


async def test_ask_with_a_category_asks_from_that_category(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    await console.start()
    await send(console, terminal, "/skip")
    await send(console, terminal, "/ask detection")
    round_ = await service.current_round(KEY)
    assert round_ is not None
    assert service.catalog.question(round_.deck_id, round_.question_id).category == "detection"


async def test_unknown_category_is_explained(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()
    assert await send(console, terminal, "/ask cooking") == [
        "There is no category 'cooking'. See the list of categories."
    ]


async def test_second_answer_replaces_the_first_and_withdraw_removes_it(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    await console.start()
    terminal.new()
    await send(console, terminal, "Alice: 첫 답")
    assert await send(console, terminal, "Alice: 둘째 답") == ["  ✓ Alice: Answer replaced."]
    assert await send(console, terminal, "/withdraw alice") == ["  ✓ alice: Answer withdrawn."]
    round_ = await service.current_round(KEY)
    assert round_ is not None
    assert await service.storage.answers.for_round(round_.id) == []


async def test_skip_cancels_the_round_without_a_reveal(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    await console.start()
    terminal.new()
    round_ = await service.current_round(KEY)
    assert round_ is not None
    assert await send(console, terminal, "/skip") == [f"#{round_.id} · Cancelled", "The open round was skipped."]
    assert await send(console, terminal, "/reveal") == ["No round is open in this channel."]


async def test_categories_are_listed_with_their_question_counts(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()
    listing = await send(console, terminal, "/categories")
    assert listing[0] == "Categories"
    assert len(listing) == 10
    assert "optimization · Optimisation: 12 questions" in listing


async def test_quit_ends_the_session(console: ConsoleSession) -> None:
    await console.start()
    assert not await console.handle("/quit")


async def test_a_line_that_is_not_an_answer_says_how_to_answer(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()
    assert await send(console, terminal, "hello there") == ["Answer as 'name: your answer'. /help lists the commands."]


async def test_withdrawing_without_an_answer_says_there_is_none(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()
    (shown,) = await send(console, terminal, "/withdraw carol")
    assert shown.startswith("There is no answer to withdraw")


async def test_an_unvote_is_not_shown_as_a_downvote(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    await send(console, terminal, "Bob: 답")
    await send(console, terminal, "/vote alice bob")
    assert await send(console, terminal, "/unvote alice bob") == ["  ↩ alice → bob: Vote taken back."]


async def test_a_command_with_wrong_arguments_says_what_is_wrong(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()
    assert await send(console, terminal, "/vote alice") == ["/vote: wrong arguments. /help shows how to use it."]
    assert await send(console, terminal, "/frobnicate") == ["/frobnicate: unknown command. /help lists the commands."]
    assert await send(console, terminal, "/") == ["/: unknown command. /help lists the commands."]


async def test_delay_command_changes_the_on_demand_reveal_delay(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    await console.start()
    terminal.new()
    (shown,) = await send(console, terminal, "/delay 2m")
    assert shown.startswith("Set up:")
    channel = await service.channel(KEY)
    assert channel is not None and channel.on_demand_reveal_delay == dt.timedelta(minutes=2)


async def test_setup_command_changes_the_daily_schedule(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    await console.start()
    terminal.new()
    (shown,) = await send(console, terminal, "/setup time=07:30 tz=Europe/Berlin days=mon-fri delay=2h")
    assert shown == (
        "Set up: a question Mon–Fri at 07:30 (Europe/Berlin), revealed after 2h; /quiz ask questions are revealed "
        "after 10m."
    )
    channel = await service.channel(KEY)
    assert channel is not None
    assert channel.schedule.post_time == dt.time(7, 30)
    assert channel.schedule.timezone == "Europe/Berlin"
    assert channel.schedule.weekdays == frozenset(range(5))
    assert channel.daily_reveal_delay == dt.timedelta(hours=2)


async def test_setup_command_explains_a_bad_value_and_changes_nothing(
    console: ConsoleSession, terminal: Terminal, service: QuizService
) -> None:
    await console.start()
    before = await service.channel(KEY)
    terminal.new()
    assert await send(console, terminal, "/setup time=25:00") == [
        "'25:00' is not a valid time. Use HH:MM between 00:00 and 23:59."
    ]
    assert await send(console, terminal, "/setup tz=Mars/Olympus") == [
        "'Mars/Olympus' is not a known timezone. Examples: Asia/Seoul, UTC"
    ]
    assert await service.channel(KEY) == before


@pytest.mark.parametrize("written", ["soon", "10s"])
async def test_delay_command_explains_a_bad_delay(console: ConsoleSession, terminal: Terminal, written: str) -> None:
    await console.start()
    terminal.new()
    assert await send(console, terminal, f"/delay {written}") == [
        "The reveal delay must be between 1 minute and 7 days (e.g. 10m, 8h)."
    ]


async def test_settings_show_what_the_channel_does(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    await send(console, terminal, "/setup time=07:30 tz=UTC days=mon,wed,fri delay=2h")

    shown = await send(console, terminal, "/settings")

    assert shown == [
        "This channel's settings",
        "Daily questions: on",
        "When: Mon, Wed, Fri at 07:30 (UTC)",
        "Reveal: after 2h · /quiz ask after 10m",
        "Decks: every loaded deck",
    ]


async def test_setup_echoes_every_delay_it_set(console: ConsoleSession, terminal: Terminal) -> None:
    await console.start()
    terminal.new()

    (done,) = await send(console, terminal, "/setup days=mon-fri ondemand=5m")

    assert done == (
        "Set up: a question Mon–Fri at 09:00 (Asia/Seoul), revealed after 8h; /quiz ask questions are revealed "
        "after 5m."
    )


async def test_a_round_left_open_at_quit_is_revealed_and_a_new_question_asked_at_the_next_start(
    service: QuizService, terminal: Terminal, clock: ManualClock
) -> None:
    first = ConsoleSession(Quiz.on(service, ConsolePlatform(terminal.write, "en")), KEY, terminal.write, "en")
    await first.start()
    left_open = await service.current_round(KEY)
    assert left_open is not None
    first.quiz.stop()
    clock.advance(REVEAL_DELAY + dt.timedelta(minutes=1))
    terminal.new()

    again = ConsoleSession(Quiz.on(service, ConsolePlatform(terminal.write, "en")), KEY, terminal.write, "en")
    await again.start()

    shown = terminal.new()
    assert any("Reference answer" in line for line in shown)
    asked = await service.current_round(KEY)
    assert asked is not None and asked.id != left_open.id
    assert any(f"[Interview question] #{asked.id}" in line for line in shown)
    again.quiz.stop()


async def test_withdrawing_twice_says_the_second_time_there_is_nothing(
    console: ConsoleSession, terminal: Terminal
) -> None:
    await console.start()
    await send(console, terminal, "Alice: 답")
    assert await send(console, terminal, "/withdraw alice") == ["  ✓ alice: Answer withdrawn."]

    (again,) = await send(console, terminal, "/withdraw alice")

    assert again.startswith("There is no answer to withdraw")


async def test_reveal_times_are_shown_in_the_channels_time_zone_after_setup(
    console: ConsoleSession, terminal: Terminal, clock: ManualClock
) -> None:
    await console.start()
    await send(console, terminal, "/reveal")
    await send(console, terminal, "/setup tz=UTC")

    asked = await send(console, terminal, "/ask")

    reveal_at = clock.now() + REVEAL_DELAY
    assert any(line.startswith(f"Reveal: {reveal_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC") for line in asked)
