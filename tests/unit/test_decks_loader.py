"""Loading decks: every kind of error carries file, line, question id and field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.deck_schema import Bullet, Deck, Difficulty
from bot.core.decks import (
    DeckCatalog,
    DeckError,
    DeckIssue,
    UnknownDeckError,
    UnknownQuestionError,
    check_decks,
    load_deck,
    load_decks,
    read_deck,
    validate_deck,
)

DeckWriter = Callable[..., Path]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def only_issue(path: Path) -> DeckIssue:
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert len(caught.value.issues) == 1, str(caught.value)
    return caught.value.issues[0]


def test_valid_deck_loads_every_field(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    deck = load_deck(write_deck(valid_deck_yaml))

    assert deck.id == "demo"
    assert deck.deck.source is not None and deck.deck.source.date == dt.date(2025, 5, 17)
    assert [q.id for q in deck.questions] == ["relu-why", "softmax-formula", "dropout"]
    assert deck.questions[0].answer[1] == Bullet(
        text="ReLU keeps gradients alive.", children=(Bullet(text="Its slope is 1 for positive inputs."),)
    )
    assert deck.questions[0].key_concepts[0].aliases == ("gradient vanishing", "기울기 소실")


def test_valid_deck_has_no_warnings(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    loaded = read_deck(write_deck(valid_deck_yaml))

    assert loaded.warnings == ()
    assert loaded.question_lines["dropout"] == line_of(valid_deck_yaml, "id: dropout")


def test_yaml_syntax_error_names_its_line(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("tags: [activation]", "tags: [activation", 1)
    issue = only_issue(write_deck(text))

    assert issue.line == line_of(text, "tags: [activation")
    assert issue.message.startswith("invalid YAML")
    assert issue.question_id is None


def test_unknown_field_is_reported_at_its_key(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("    difficulty: hard\n", "    difficulty: hard\n    level: 3\n", 1)
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id, issue.field) == (line_of(text, "level: 3"), "dropout", "level")
    assert issue.message == "unknown field"


def test_invalid_difficulty_names_question_and_field(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("difficulty: medium", "difficulty: brutal", 1)
    path = write_deck(text)
    issue = only_issue(path)

    line = line_of(text, "difficulty: brutal")
    assert str(issue) == (
        f"{path}:{line}: question 'softmax-formula': field 'difficulty': Input should be 'easy', 'medium' or 'hard'"
    )


def test_wrong_type_in_header_names_dotted_field(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("version: 1", "version: first", 1)
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id, issue.field) == (
        line_of(text, "version: first"),
        None,
        "deck.version",
    )


def test_wrong_type_in_nested_bullet_names_its_path(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("- Its slope is 1 for positive inputs.", "- [not, a, bullet]", 1)
    issue = only_issue(write_deck(text))

    assert issue.line == line_of(text, "[not, a, bullet]")
    assert (issue.question_id, issue.field) == ("relu-why", "answer[1].children[0]")


def test_missing_field_is_reported_at_the_question(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("    difficulty: hard\n", "", 1)
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id, issue.field) == (
        line_of(text, "id: dropout"),
        "dropout",
        "difficulty",
    )
    assert issue.message == "Field required"


def test_question_without_id_is_named_by_position(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("  - id: dropout\n    category", "  - category", 1)
    issue = only_issue(write_deck(text))

    assert (issue.question_id, issue.field, issue.message) == (None, "questions[2].id", "Field required")


def test_empty_question_text_is_an_error(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("question: What does dropout do?", 'question: "  "', 1)
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id, issue.field) == (
        line_of(text, 'question: "  "'),
        "dropout",
        "question",
    )


def test_empty_answer_is_an_error(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace(
        "    answer:\n      - Randomly disables neurons during training.\n", "    answer: []\n", 1
    )
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id, issue.field) == (line_of(text, "answer: []"), "dropout", "answer")


def test_duplicate_question_id_names_both_lines(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("id: dropout", "id: relu-why", 1)
    issue = only_issue(write_deck(text))

    first, second = line_of(text, "id: relu-why", 1), line_of(text, "id: relu-why", 2)
    assert (issue.line, issue.question_id, issue.field) == (second, "relu-why", "id")
    assert f"line {first}" in issue.message


def test_undeclared_category_is_an_error(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("category: training", "category: optimizers", 1)
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id, issue.field) == (
        line_of(text, "category: optimizers"),
        "dropout",
        "category",
    )
    assert "optimizers" in issue.message


def test_corrected_listing_unknown_question_is_an_error(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace(
        "  corrected: [softmax-formula]", "  corrected:\n    - softmax-formula\n    - no-such-question", 1
    )
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id, issue.field) == (
        line_of(text, "- no-such-question"),
        None,
        "deck.corrected[1]",
    )
    assert "no-such-question" in issue.message


def test_corrected_listing_question_without_correction_is_an_error(
    write_deck: DeckWriter, valid_deck_yaml: str
) -> None:
    text = valid_deck_yaml.replace("corrected: [softmax-formula]", "corrected: [softmax-formula, dropout]", 1)
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.field) == (line_of(text, "corrected:"), "deck.corrected[1]")
    assert "no correction" in issue.message


def test_correction_not_listed_in_corrected_is_an_error(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("  corrected: [softmax-formula]\n", "", 1)
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id, issue.field) == (
        line_of(text, "correction: The sum"),
        "softmax-formula",
        "correction",
    )


def test_repeated_mapping_key_is_an_error(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("    difficulty: hard\n", "    difficulty: hard\n    difficulty: easy\n", 1)
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.field) == (line_of(text, "difficulty: easy", 2), "difficulty")
    assert f"line {line_of(text, 'difficulty: hard')}" in issue.message


def test_merge_keys_may_be_overridden(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace(
        "  - id: dropout\n    category: training\n    difficulty: hard\n",
        "  - id: dropout\n    <<: &hard-training {category: training, difficulty: hard}\n    difficulty: easy\n",
        1,
    )

    deck = load_deck(write_deck(text))

    assert (deck.questions[2].category, deck.questions[2].difficulty) == ("training", Difficulty.EASY)


def test_empty_file_is_an_error(write_deck: DeckWriter) -> None:
    issue = only_issue(write_deck(""))

    assert issue.line == 1
    assert "empty" in issue.message


def test_every_issue_of_a_file_is_reported_in_line_order(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = (
        valid_deck_yaml.replace("language: en", "language: english", 1)
        .replace("difficulty: easy", "difficulty: trivial", 1)
        .replace("category: training", "category: nowhere", 1)
    )
    with pytest.raises(DeckError) as caught:
        load_deck(write_deck(text))

    assert [(issue.line, issue.field) for issue in caught.value.issues] == [
        (line_of(text, "language: english"), "deck.language"),
        (line_of(text, "difficulty: trivial"), "difficulty"),
        (line_of(text, "category: nowhere"), "category"),
    ]


def test_deck_error_renders_one_line_per_issue(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("difficulty: easy", "difficulty: trivial", 1).replace("version: 1", "version: 0", 1)
    path = write_deck(text)
    with pytest.raises(DeckError) as caught:
        load_deck(path)

    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{path}:") for line in lines)


def test_question_without_key_concepts_is_a_warning(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace(
        "    key_concepts:\n      - concept: regularization\n      - concept: random\n", "", 1
    )
    loaded = read_deck(write_deck(text))

    assert [(w.question_id, w.field) for w in loaded.warnings] == [("dropout", "key_concepts")]
    assert loaded.warnings[0].line == line_of(text, "id: dropout")


def test_category_without_questions_is_a_warning(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = valid_deck_yaml.replace("category: training", "category: basics", 1)
    loaded = read_deck(write_deck(text))

    assert [w.field for w in loaded.warnings] == ["deck.categories[1].id"]


def test_validate_deck_checks_a_deck_built_in_code(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    deck = load_deck(write_deck(valid_deck_yaml))
    unlisted = deck.model_copy(update={"deck": deck.deck.model_copy(update={"corrected": ()})})

    findings = validate_deck(unlisted)

    assert not findings.ok
    assert [(e.question_id, e.field, e.line) for e in findings.errors] == [("softmax-formula", "correction", None)]


def test_load_decks_reads_directories_sorted_and_skips_hidden(
    write_deck: DeckWriter, valid_deck_yaml: str, tmp_path: Path
) -> None:
    write_deck(valid_deck_yaml.replace("id: demo", "id: zeta", 1), "decks/b.yml")
    write_deck(valid_deck_yaml.replace("id: demo", "id: alpha", 1), "decks/a.yaml")
    write_deck(valid_deck_yaml.replace("id: demo", "id: nested", 1), "decks/more/c.yaml")
    write_deck("not: [valid", "decks/.parts/draft.yaml")
    write_deck("not: [valid", "decks/.hidden.yaml")
    write_deck("not a deck", "decks/notes.txt")

    catalog = load_decks([tmp_path / "decks"])

    assert catalog.deck_ids == ("alpha", "zeta", "nested")
    assert catalog.path("alpha") == tmp_path / "decks" / "a.yaml"


def test_load_decks_reports_issues_of_every_file(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    first = write_deck(valid_deck_yaml.replace("difficulty: easy", "difficulty: trivial", 1), "one.yaml")
    second = write_deck(
        valid_deck_yaml.replace("id: demo", "id: other", 1).replace("version: 1", "version: x"), "two.yaml"
    )

    with pytest.raises(DeckError) as caught:
        load_decks([first, second])

    assert [issue.file for issue in caught.value.issues] == [str(first), str(second)]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DeckError) as caught:
        load_decks([tmp_path / "absent.yaml"])

    assert caught.value.issues[0].message == "no such file or directory"


def test_duplicate_deck_id_across_files_names_both_files(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    first = write_deck(valid_deck_yaml, "a.yaml")
    second = write_deck(valid_deck_yaml, "b.yaml")

    report = check_decks([first, second])

    assert [loaded.path for loaded in report.decks] == [first]
    [issue] = report.errors
    line = line_of(valid_deck_yaml, "id: demo")
    assert (issue.file, issue.line, issue.field) == (str(second), line, "deck.id")
    assert f"{first}:{line}" in issue.message


def catalog_of(write_deck: DeckWriter, valid_deck_yaml: str) -> DeckCatalog:
    other = valid_deck_yaml.replace("id: demo", "id: other", 1).replace("id: dropout", "id: batch-norm", 1)
    return load_decks([write_deck(valid_deck_yaml, "a.yaml"), write_deck(other, "b.yaml")])


def test_catalog_finds_question_by_deck_and_id(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    catalog = catalog_of(write_deck, valid_deck_yaml)

    assert catalog.question("other", "batch-norm").difficulty is Difficulty.HARD


def test_catalog_rejects_unknown_deck_and_question(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    catalog = catalog_of(write_deck, valid_deck_yaml)

    with pytest.raises(UnknownDeckError):
        catalog.deck("missing")
    with pytest.raises(UnknownQuestionError):
        catalog.question("demo", "batch-norm")


def test_catalog_lists_questions_in_the_given_deck_order(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    catalog = catalog_of(write_deck, valid_deck_yaml)

    entries = catalog.entries(["other", "demo"], category="training")

    assert [entry.key for entry in entries] == [("other", "batch-norm"), ("demo", "dropout")]
    assert [q.id for q in catalog.questions(category="basics")] == ["relu-why", "softmax-formula"] * 2


def test_catalog_counts_questions_per_category(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    catalog = catalog_of(write_deck, valid_deck_yaml)

    counts = {entry.category.id: entry.count for entry in catalog.categories(["demo", "other"])}

    assert counts == {"basics": 4, "training": 2}


def test_catalog_refuses_two_decks_with_one_id(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    deck: Deck = load_deck(write_deck(valid_deck_yaml))

    with pytest.raises(ValueError, match="demo"):
        DeckCatalog([deck, deck])


RUBRIC = (
    "    key_concepts:\n"
    "      - concept: regularization\n"
    "        requires: [[overfitting, 과적합]]\n"
    "      - concept: random\n"
    "    misconceptions:\n"
    "      - claim: dropout is used at inference\n"
    "        terms: [dropout]\n"
    "        requires: [[inference, 추론]]\n"
    "        correction: dropout is off at inference.\n"
)


def with_rubric(valid_deck_yaml: str, rubric: str = RUBRIC) -> str:
    return valid_deck_yaml.replace(
        "    key_concepts:\n      - concept: regularization\n      - concept: random\n", rubric, 1
    )


def test_a_rubric_with_required_terms_and_misconceptions_loads(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    deck = load_deck(write_deck(with_rubric(valid_deck_yaml)))

    dropout = deck.questions[2]
    assert dropout.key_concepts[0].requires == (("overfitting", "과적합"),)
    assert dropout.misconceptions[0].terms == ("dropout",)
    assert dropout.misconceptions[0].correction == "dropout is off at inference."


def test_an_empty_group_of_required_terms_names_its_line(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = with_rubric(valid_deck_yaml, RUBRIC.replace("requires: [[overfitting, 과적합]]", "requires: [[]]"))
    issue = only_issue(write_deck(text))

    assert (issue.line, issue.question_id) == (line_of(text, "requires: [[]]"), "dropout")
    assert issue.field == "key_concepts[0].requires"
    assert "at least one non-empty term" in issue.message


def test_a_misconception_without_terms_names_its_field(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = with_rubric(valid_deck_yaml, RUBRIC.replace("        terms: [dropout]\n", ""))
    issue = only_issue(write_deck(text))

    assert (issue.question_id, issue.field) == ("dropout", "misconceptions[0].terms")
    assert issue.line == line_of(text, "- claim: dropout is used at inference")


def test_an_unknown_misconception_field_is_reported(write_deck: DeckWriter, valid_deck_yaml: str) -> None:
    text = with_rubric(valid_deck_yaml, RUBRIC.replace("        correction:", "        fix:"))
    issue = only_issue(write_deck(text))

    assert (issue.question_id, issue.field) == ("dropout", "misconceptions[0].fix")
    assert issue.line == line_of(text, "fix: dropout is off")
