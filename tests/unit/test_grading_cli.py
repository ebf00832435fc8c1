"""``python -m bot grading score|eval``: one JSON line per case, and the figures against labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
DECKS = ROOT / "questions"


def write_cases(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(body, encoding="utf-8")
    return path


CASES = """
cases:
  - id: good
    question: normalization-vs-standardization
    type: excellent
    label: 1.0
    text: |-
      정규화(min-max)는 값을 0과 1 사이로 바꾸고, 표준화는 평균 0 분산 1(z-score)이 되게 바꿉니다.
  - id: swapped
    question: normalization-vs-standardization
    type: wrong
    label: 0.0
    text: 정규화는 평균 0 분산 1로 맞추는 것이고, 표준화는 min-max로 0과 1 사이로 바꿉니다.
  - id: idk
    question: normalization-vs-standardization
    type: offtopic
    label: 0.0
    text: 모르겠습니다
"""


def test_score_prints_one_json_object_per_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_cases(tmp_path, CASES)
    assert main(["grading", "score", str(path), "--decks", str(DECKS)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["good", "swapped", "idk"]
    assert set(rows[0]) >= {"id", "score", "covered", "contradicted", "misconceptions", "missed"}
    good, swapped, idk = rows
    assert good["score"] >= 0.6 and good["misconceptions"] == []
    assert swapped["score"] < 0.3 and swapped["misconceptions"]
    assert idk["score"] == 0 and idk["covered"] == []


def test_eval_prints_rank_agreement_means_and_latency(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_cases(tmp_path, CASES)
    assert main(["grading", "eval", str(path), "--decks", str(DECKS)]) == 0
    out = capsys.readouterr().out
    assert "spearman:" in out and "on substantive answers" in out
    assert "excellent" in out and "wrong" in out and "latency: p50" in out


def test_an_unknown_question_is_named_with_its_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_cases(tmp_path, "cases:\n  - {id: x, question: no-such-question, text: hi}\n")
    assert main(["grading", "score", str(path), "--decks", str(DECKS)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: case 1 (x): unknown question id 'no-such-question'" in err


def test_eval_needs_a_type_and_a_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_cases(tmp_path, "cases:\n  - {id: x, question: dropout, text: hi}\n")
    assert main(["grading", "eval", str(path), "--decks", str(DECKS)]) == 2
    assert "eval needs 'type'" in capsys.readouterr().err
