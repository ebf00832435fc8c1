"""Plain-text rendering and splitting under platform length limits."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.decks import DeckCatalog
from bot.core.models import (
    AnswerRecord,
    CategoryCoverage,
    ChannelKey,
    Leaderboard,
    LeaderboardRow,
    Member,
    MemberResult,
    MemberStats,
    MisconceptionNote,
    Period,
    Round,
    RoundKind,
    RoundState,
)
from bot.core.ports import RevealCard
from bot.render import (
    answer_lines,
    leaderboard_blocks,
    member_text,
    plain,
    private_answer_block,
    result_block,
    reveal_blocks,
    split_blocks,
    stats_blocks,
    unescape,
)

NOW = dt.datetime(2025, 3, 5, 0, 0, tzinfo=dt.UTC)
LIMITS = [2000, 1024, 300]


def words(texts: list[str]) -> list[str]:
    return " ".join(texts).split()


def test_small_blocks_are_joined_into_one_message() -> None:
    assert split_blocks(["a", "b", "c"], 100) == ["a\nb\nc"]


def test_blocks_are_never_split_when_they_fit() -> None:
    blocks = ["x" * 40, "y" * 40, "z" * 40]
    assert split_blocks(blocks, 85) == ["x" * 40 + "\n" + "y" * 40, "z" * 40]


def test_a_block_exactly_at_the_limit_stays_whole() -> None:
    assert split_blocks(["a" * 50, "b" * 50], 50) == ["a" * 50, "b" * 50]


def test_a_block_longer_than_the_limit_is_broken_between_lines() -> None:
    block = "\n".join(f"• line {i} " + "w" * 20 for i in range(10))
    messages = split_blocks([block], 80)
    assert all(len(m) <= 80 for m in messages)
    assert "\n".join(messages).split("\n") == block.split("\n")


def test_a_line_longer_than_the_limit_is_broken_between_words() -> None:
    line = " ".join(f"word{i}" for i in range(100))
    messages = split_blocks([line], 60)
    assert all(len(m) <= 60 for m in messages)
    assert words(messages) == line.split()


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    messages = split_blocks(["x" * 130], 50)
    assert [len(m) for m in messages] == [50, 50, 30]


def test_nothing_to_split_gives_no_messages() -> None:
    assert split_blocks([], 100) == []


def test_nested_bullets_are_indented_under_their_parent(catalog: DeckCatalog) -> None:
    nested = next(q for q in catalog.questions() if any(b.children for b in q.answer))
    lines = answer_lines(nested.answer)
    assert any(line.startswith("  ◦ ") for line in lines)
    assert lines[0].startswith("• ")


def reveal_card(catalog: DeckCatalog, deck_id: str, question_id: str) -> RevealCard:
    question = catalog.question(deck_id, question_id)
    category = catalog.deck(deck_id).category(question.category)
    assert category is not None
    round_ = Round(
        id=1,
        channel_ref=1,
        channel=ChannelKey("fake", "g", "c"),
        kind=RoundKind.DAILY,
        state=RoundState.REVEALING,
        deck_id=deck_id,
        question_id=question_id,
        opened_at=NOW,
        reveal_at=NOW,
    )
    labels = tuple(c.concept for c in question.key_concepts)
    results = tuple(
        MemberResult(
            member=Member(f"m{i}", f"Member {i}"),
            answer_text="answer " * 30,
            private=False,
            late=False,
            covered=labels[:i],
            missed=labels[i:],
            coverage=i / max(len(labels), 1),
            answer_points=10,
            coverage_points=i * 4,
            vote_points=2,
            streak=i,
            streak_bonus=min(i * 2, 10),
        )
        for i in range(4)
    )
    private = (AnswerRecord(99, Member("p", "Private Person"), "비공개 " * 200, True, False, 0, None),)
    return RevealCard(round_, question, category, results, private)


@pytest.mark.parametrize("limit", LIMITS)
def test_the_reveal_of_every_deck_question_fits_without_cutting_a_bullet(catalog: DeckCatalog, limit: int) -> None:
    for entry in catalog.entries():
        card = reveal_card(catalog, entry.deck_id, entry.question.id)
        blocks = reveal_blocks(card, "ko")
        messages = split_blocks(blocks, limit)
        assert all(len(m) <= limit for m in messages), entry.question.id
        assert words(messages) == words(blocks), entry.question.id
        for line in answer_lines(card.question.answer):
            assert any(line in m.split("\n") for m in messages), (entry.question.id, line)


def test_reveal_lists_reference_answer_correction_private_answers_then_results(catalog: DeckCatalog) -> None:
    corrected = next(q for q in catalog.questions() if q.correction)
    blocks = reveal_blocks(reveal_card(catalog, "dl-interview-ko", corrected.id), "en")
    bullets = len(corrected.answer)
    assert blocks[0] == "**Reference answer**"
    assert blocks[1 : 1 + bullets] == ["\n".join(answer_lines([b])) for b in corrected.answer]
    assert blocks[1 + bullets].startswith("**Correction**\n")
    assert blocks[2 + bullets] == "**Private answers**"
    assert blocks[3 + bullets].startswith("**Private Person**:\n> 비공개")
    assert blocks[4 + bullets] == "**Results**"
    assert len(blocks) == 5 + bullets + 4


def test_results_are_listed_best_first(catalog: DeckCatalog) -> None:
    blocks = reveal_blocks(reveal_card(catalog, "dl-interview-ko", "backpropagation"), "en")
    names = [b.split("**")[1] for b in blocks[blocks.index("**Results**") + 1 :]]
    assert names == ["Member 3", "Member 2", "Member 1", "Member 0"]


def test_a_round_without_answers_says_so(catalog: DeckCatalog) -> None:
    card = reveal_card(catalog, "dl-interview-ko", "dropout")
    empty = RevealCard(card.round, card.question, card.category, (), ())
    assert reveal_blocks(empty, "en")[-1] == "Nobody answered this round."


def test_result_shows_points_breakdown_and_covered_concepts() -> None:
    result = MemberResult(
        member=Member("a", "Alice"),
        answer_text="t",
        private=False,
        late=False,
        covered=("연쇄 법칙",),
        missed=("순전파",),
        coverage=0.5,
        answer_points=10,
        coverage_points=10,
        vote_points=4,
        streak=3,
        streak_bonus=4,
    )
    block = result_block(result, "en")
    assert "28 pts (answer 10 + concepts 10 + votes 4 + streak 4)" in block
    assert "3-day streak" in block
    assert "covered: 연쇄 법칙" in block
    assert "missed: 순전파" in block


def test_result_shows_named_contradicted_and_misconceptions_with_their_correction() -> None:
    result = MemberResult(
        member=Member("a", "Alice"),
        answer_text="t",
        private=False,
        late=False,
        covered=("연쇄 법칙",),
        named=("편미분",),
        contradicted=("병렬 연산",),
        missed=("순전파",),
        misconceptions=(MisconceptionNote("Q가 인코더에서 온다", "Q는 디코더에서 옵니다."),),
        coverage=0.2,
        answer_points=10,
        coverage_points=4,
        vote_points=0,
        streak=0,
        streak_bonus=0,
    )
    lines = result_block(result, "en").splitlines()
    assert lines[1:] == [
        "  ✅ covered: 연쇄 법칙",
        "  🏷️ named without a claim: 편미분",
        "  ❌ contradicted: 병렬 연산",
        "  ➖ missed: 순전파",
        "  ⚠️ misconception: Q가 인코더에서 온다 → Q는 디코더에서 옵니다.",
    ]


def test_result_without_a_streak_does_not_mention_one() -> None:
    result = MemberResult(
        member=Member("a", "Alice"),
        answer_text="t",
        private=False,
        late=False,
        covered=(),
        missed=("x",),
        coverage=0.0,
        answer_points=10,
        coverage_points=0,
        vote_points=0,
        streak=1,
        streak_bonus=0,
    )
    assert result_block(result, "en").split("\n")[0].endswith("+ streak 0)")


def test_leaderboard_shows_shared_ranks_and_the_callers_standing() -> None:
    rows = (
        LeaderboardRow(1, Member("a", "Alice"), 30, 2),
        LeaderboardRow(1, Member("b", "Bob"), 30, 2),
        LeaderboardRow(3, Member("c", "Carol"), 10, 1),
    )
    caller = LeaderboardRow(12, Member("z", "Zed"), 2, 1)
    board = Leaderboard(Period.WEEK, dt.date(2025, 3, 3), "Asia/Seoul", rows, caller, 14)
    blocks = leaderboard_blocks(board, "en")
    assert blocks[0] == "**Leaderboard · This week**"
    assert blocks[1].split("\n") == ["1. Alice: 30 pts (2)", "1. Bob: 30 pts (2)", "3. Carol: 10 pts (1)"]
    assert blocks[2] == "Your rank: 12 of 14, 2 pts"


def test_an_empty_leaderboard_says_so() -> None:
    board = Leaderboard(Period.MONTH, dt.date(2025, 3, 1), "Asia/Seoul", ())
    assert leaderboard_blocks(board, "en") == ["**Leaderboard · This month**", "No points yet."]


def test_stats_list_categories_weakest_first(catalog: DeckCatalog) -> None:
    stats = MemberStats(
        Member("a", "Alice"),
        rounds_answered=3,
        current_streak=2,
        best_streak=4,
        average_coverage=0.5,
        points=70,
        by_category=(CategoryCoverage("basics", 2, 0.75), CategoryCoverage("optimization", 1, 0.0)),
    )
    categories = {c.category.id: c.category for c in catalog.categories()}
    blocks = stats_blocks(stats, categories, "en")
    assert blocks[1] == "3 answers · 70 pts · streak 2 (best 4) · average coverage 50%"
    assert blocks[2].split("\n")[1:] == [
        f"{categories['optimization'].en}: 0% (1)",
        f"{categories['basics'].en}: 75% (2)",
    ]


def test_stats_of_a_member_without_answers_say_so() -> None:
    stats = MemberStats(Member("a", "Alice"), 0, 0, 0, 0.0, 0)
    assert stats_blocks(stats, {}, "en")[-1] == "No scored answers yet."


def test_a_limit_below_one_character_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        split_blocks(["anything"], 0)


def test_what_members_wrote_cannot_forge_a_result_line_or_break_out_of_its_quote() -> None:
    forged = "fine\n**Admin Kim**: 999점\n```"
    block = private_answer_block("**Eve**", forged)

    assert block.splitlines() == ["**\\*\\*Eve\\*\\***:", "> fine", "> \\*\\*Admin Kim\\*\\*: 999점", "> \\`\\`\\`"]
    assert plain(block) == "**Eve**:\n> fine\n> **Admin Kim**: 999점\n> ```"


def test_member_names_are_escaped_in_every_board() -> None:
    assert member_text("_Kim_ [x](y)") == "\\_Kim\\_ \\[x\\](y)"
    assert unescape(member_text("- *star* `code` > quote")) == "- *star* `code` > quote"
