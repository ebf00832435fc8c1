"""The ``grading`` command group: grade answers from a file, and measure the grader against labels."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.cli.decks import default_deck_paths
from bot.core.deck_schema import Question
from bot.core.decks import DeckCatalog, DeckError, load_decks
from bot.core.grading import GradingService, Judgement
from bot.core.grading.evaluation import KINDS, GradedCase, Report, report

EXIT_OK = 0
EXIT_INVALID = 2


class CaseFileError(Exception):
    """A case file that cannot be read; the message names the file and, where known, the case."""


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    text: str
    raw: dict[str, Any]
    asked: Question  # the question ``question`` names


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grading = subparsers.add_parser(
        "grading",
        help="grade answers from a file and measure the grader",
        description="Grade answers written in a YAML file of cases: cases: [{id, question, text, ...}].",
    )
    commands = grading.add_subparsers(dest="grading_command", metavar="COMMAND", required=True)
    for name, helptext, func in (
        ("score", "print one JSON line per case: score, covered, contradicted, misconceptions, missed", _score),
        ("eval", "compare scores with the cases' label and type: Spearman, mean per kind, latency", _eval),
    ):
        command = commands.add_parser(name, help=helptext, description=helptext)
        command.add_argument("files", nargs="+", type=Path, metavar="FILE", help="YAML case file(s)")
        command.add_argument("--decks", type=Path, action="append", help="deck directory or file (repeatable)")
        command.add_argument(
            "--question", action="append", metavar="ID", help="only the cases of this question (repeatable)"
        )
        if name == "eval":
            command.add_argument("--json", action="store_true", help="print the report as one JSON object")
        command.set_defaults(func=func)


def read_cases(path: Path, catalog: DeckCatalog) -> list[Case]:
    """The cases of a file, each checked to name a loaded question."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CaseFileError(f"{path}: cannot read: {error}") from None
    items = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise CaseFileError(f"{path}: expected a mapping with a list under 'cases'")
    known = {q.id: q for q in catalog.questions()}
    cases = []
    for n, item in enumerate(items, 1):
        where = f"{path}: case {n}"
        if not isinstance(item, dict):
            raise CaseFileError(f"{where}: expected a mapping")
        for key in ("id", "question", "text"):
            if not isinstance(item.get(key), str | int) or str(item[key]).strip() == "":
                raise CaseFileError(f"{where}: field '{key}' is missing or empty")
        if item["question"] not in known:
            raise CaseFileError(f"{where} ({item['id']}): unknown question id '{item['question']}'")
        asked = known[item["question"]]
        cases.append(Case(str(item["id"]), str(item["question"]), str(item["text"]), item, asked))
    return cases


def _load(args: argparse.Namespace) -> list[Case]:
    catalog = load_decks(args.decks or default_deck_paths())
    cases = [case for path in args.files for case in read_cases(path, catalog)]
    if args.question:
        cases = [case for case in cases if case.question in set(args.question)]
    return cases


def _judge(service: GradingService, case: Case) -> tuple[Judgement, float]:
    started = time.perf_counter()
    judgement = service.grade(case.asked, case.text)
    return judgement, time.perf_counter() - started


def judgement_json(case_id: str, judgement: Judgement) -> dict[str, Any]:
    return {
        "id": case_id,
        "score": judgement.score,
        "covered": list(judgement.covered),
        "named": list(judgement.named),
        "contradicted": list(judgement.contradicted),
        "misconceptions": [m.claim for m in judgement.misconceptions],
        "missed": list(judgement.missed),
    }


def _run(args: argparse.Namespace, body: Any) -> int:
    try:
        cases = _load(args)
    except (DeckError, CaseFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    service = GradingService(worker=False)
    # Compile every rubric before timing anything: latency is per answer, not per first use of a question.
    for question in {c.asked for c in cases}:
        service.rubric(question)
    body(service, cases)
    return EXIT_OK


def _score(args: argparse.Namespace) -> int:
    def body(service: GradingService, cases: list[Case]) -> None:
        for case in cases:
            judgement, _ = _judge(service, case)
            print(json.dumps(judgement_json(case.id, judgement), ensure_ascii=False))

    return _run(args, body)


def evaluate(service: GradingService, cases: list[Case]) -> Report:
    graded = []
    for case in cases:
        kind, label = case.raw.get("type"), case.raw.get("label")
        if kind not in KINDS or not isinstance(label, int | float):
            raise CaseFileError(f"case {case.id}: eval needs 'type' (one of {', '.join(KINDS)}) and a numeric 'label'")
        judgement, seconds = _judge(service, case)
        graded.append(GradedCase(case.id, kind, float(label), judgement.score, case.text, seconds))
    return report(graded)


def _eval(args: argparse.Namespace) -> int:
    def body(service: GradingService, cases: list[Case]) -> None:
        result = evaluate(service, cases)
        if args.json:
            print(json.dumps(result.__dict__, ensure_ascii=False))
            return
        print(f"cases: {result.cases} ({result.english_share:.0%} fully English)")
        print(f"spearman: {result.spearman:.3f} overall, {result.spearman_substantive:.3f} on substantive answers")
        print("kind        label  score  english-korean")
        for kind, mean in result.mean_by_kind.items():
            gap = result.english_gap_by_kind.get(kind)
            gap_text = f"{gap:+.3f}" if gap is not None else "-"
            print(f"{kind:<11} {result.label_by_kind[kind]:.3f}  {mean:.3f}  {gap_text}")
        print(f"latency: p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms per answer")

    try:
        return _run(args, body)
    except CaseFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
