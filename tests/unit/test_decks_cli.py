"""The ``decks`` command group, run in-process through ``main``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli.decks import main, register
from bot.core.decks import load_deck

DeckWriter = Callable[..., Path]
SEED = Path(__file__).resolve().parents[2] / "questions" / "source" / "dl-interview-ko.txt"


@pytest.fixture
def decks_dir(write_deck: DeckWriter, valid_deck_yaml: str, tmp_path: Path) -> Path:
    write_deck(valid_deck_yaml, "decks/demo.yaml")
    other = valid_deck_yaml.replace("id: demo", "id: other", 1).replace("title: Demo deck", "title: Other deck")
    write_deck(other, "decks/other.yaml")
    return tmp_path / "decks"


def test_register_adds_decks_commands_that_set_func(decks_dir: Path) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))

    args = parser.parse_args(["decks", "list", "--dir", str(decks_dir)])

    assert callable(args.func)
    assert args.func(args) == 0


def test_validate_prints_a_summary_per_valid_deck(decks_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decks", "validate", str(decks_dir)])

    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(out) == 2
    assert "deck 'demo'" in out[0] and "3 questions" in out[0] and "1 corrected" in out[0]


def test_validate_fails_listing_every_error_on_stderr(
    write_deck: DeckWriter, valid_deck_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_one = write_deck(valid_deck_yaml.replace("difficulty: easy", "difficulty: trivial", 1), "one.yaml")
    bad_two = write_deck(valid_deck_yaml.replace("id: demo", "id: two").replace("version: 1", "version: 0"), "two.yaml")

    code = main(["decks", "validate", str(bad_one), str(bad_two)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert f"{bad_one}:" in captured.err and "field 'difficulty'" in captured.err
    assert f"{bad_two}:" in captured.err and "field 'deck.version'" in captured.err


def test_validate_prints_warnings_but_succeeds(
    write_deck: DeckWriter, valid_deck_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = valid_deck_yaml.replace("    key_concepts:\n      - concept: regularization\n      - concept: random\n", "")
    path = write_deck(text)

    code = main(["decks", "validate", str(path)])

    captured = capsys.readouterr()
    assert code == 0
    assert "warning:" in captured.err and "question 'dropout'" in captured.err
    assert "1 warning" in captured.out


def test_validate_of_an_empty_directory_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decks", "validate", str(tmp_path)])

    assert code == 2
    assert "no deck files" in capsys.readouterr().err


def test_list_shows_counts_per_category(decks_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decks", "list", "--dir", str(decks_dir)])

    out = capsys.readouterr().out
    assert code == 0
    assert "demo  Demo deck  (en, v1): 3 questions" in out
    assert "  basics  기초 / Basics: 2" in out
    assert "  training  학습 / Training: 1" in out


def test_list_reads_the_directory_from_the_environment(
    decks_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUIZBOT_DECKS", str(decks_dir))

    code = main(["decks", "list"])

    assert code == 0
    assert "other  Other deck" in capsys.readouterr().out


def test_environment_may_name_several_deck_directories(
    write_deck: DeckWriter,
    valid_deck_yaml: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_deck(valid_deck_yaml, "first/demo.yaml")
    write_deck(valid_deck_yaml.replace("id: demo", "id: extra", 1), "second/extra.yaml")
    monkeypatch.setenv("QUIZBOT_DECKS", os.pathsep.join([str(tmp_path / "first"), str(tmp_path / "second")]))

    code = main(["decks", "show", "extra"])

    assert code == 0
    assert capsys.readouterr().out.startswith("extra: Demo deck\n")


def test_list_fails_on_an_invalid_deck(
    write_deck: DeckWriter, valid_deck_yaml: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_deck(valid_deck_yaml.replace("category: training", "category: nowhere"), "decks/bad.yaml")

    code = main(["decks", "list", "--dir", str(tmp_path / "decks")])

    assert code == 2
    assert "category 'nowhere' is not declared" in capsys.readouterr().err


def test_show_deck_prints_header_credit_categories_and_questions(
    decks_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["decks", "show", "demo", "--dir", str(decks_dir)])

    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("demo: Demo deck\n")
    assert (
        "source: Kim Jiwoo, \u201cInterview notes\u201d (2025-05-17) https://example.com/notes; license: CC BY 4.0"
        in out
    )
    assert "corrected: softmax-formula" in out
    assert "  training  학습 / Training: 1" in out
    assert "dropout" in out and "What does dropout do?" in out


def test_show_question_prints_it_in_full(decks_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decks", "show", "demo/relu-why", "--dir", str(decks_dir)])

    out = capsys.readouterr().out
    assert code == 0
    assert "  • ReLU keeps gradients alive.\n    • Its slope is 1 for positive inputs.\n" in out
    assert "  - vanishing gradient  (also: gradient vanishing, 기울기 소실)" in out


def test_show_question_prints_its_correction(
    write_deck: DeckWriter, valid_deck_yaml: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_deck(valid_deck_yaml, "decks/demo.yaml")

    code = main(["decks", "show", "softmax-formula", "--dir", str(tmp_path / "decks")])

    assert code == 0
    assert "correction:\n  The sum in the denominator runs over all classes." in capsys.readouterr().out


def test_show_ambiguous_question_id_asks_for_the_deck(decks_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decks", "show", "dropout", "--dir", str(decks_dir)])

    assert code == 2
    assert "demo/dropout, other/dropout" in capsys.readouterr().err


def test_show_unknown_id_fails(decks_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decks", "show", "nothing-here", "--dir", str(decks_dir)])

    assert code == 2
    assert "nothing-here" in capsys.readouterr().err


def test_import_writes_a_deck_that_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "seed.yaml"

    code = main(["decks", "import", str(SEED), "-o", str(out), "--id", "seed", "--title", "딥러닝 면접"])

    deck = load_deck(out)
    assert code == 0
    assert (deck.id, deck.deck.title, len(deck.questions)) == ("seed", "딥러닝 면접", 70)
    assert "imported 70 questions" in capsys.readouterr().err


def test_import_without_output_writes_yaml_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outline = tmp_path / "notes.md"
    outline.write_text("## Basics\n\nWhat is ReLU?\n- max(0, x)\n", encoding="utf-8")

    code = main(["decks", "import", str(outline), "--language", "en"])

    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("deck:\n  id: notes\n")
    assert "  - id: q001-what-is-relu\n" in out


def test_import_of_an_outline_without_questions_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outline = tmp_path / "prose.txt"
    outline.write_text("Only prose here.\n", encoding="utf-8")

    code = main(["decks", "import", str(outline)])

    assert code == 2
    assert "no questions found" in capsys.readouterr().err


def test_decks_without_a_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["decks"])

    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err
