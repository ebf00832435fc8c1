"""Reading deck files: finding them, parsing their YAML and collecting every issue of every file.

YAML is parsed into a node tree first so every problem (syntax, schema, cross-check) gets the line it comes
from; all problems of all files are collected before anything is raised, so one run of ``quizbot decks
validate`` shows everything that needs fixing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.deck_schema import Deck
from bot.core.decks.catalog import DeckCatalog
from bot.core.decks.issues import DeckError, DeckIssue, Locator, by_line, render_loc
from bot.core.decks.validation import cross_check
from bot.yamlsource import Loader, Loc, line_of, yaml_error_line

DECK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class LoadedDeck:
    """A valid deck together with where it came from and its warnings."""

    path: Path
    deck: Deck
    warnings: tuple[DeckIssue, ...] = ()
    deck_line: int | None = None
    question_lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class DeckReport:
    """The outcome of checking several deck files: the decks that are valid and every issue."""

    decks: tuple[LoadedDeck, ...]
    errors: tuple[DeckIssue, ...]
    warnings: tuple[DeckIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def catalog(self) -> DeckCatalog:
        """The catalog of all decks; raises `DeckError` if any file had errors."""
        if self.errors:
            raise DeckError(self.errors)
        return DeckCatalog.from_loaded(self.decks, warnings=self.warnings)


def deck_files(paths: Iterable[Path]) -> tuple[list[Path], list[DeckIssue]]:
    """The deck files named by ``paths``: files as given, directories searched for YAML files.

    Directories are searched recursively in sorted order; hidden files and hidden directories
    (work in progress such as ``questions/.parts/``) are skipped. A file named twice is read once.
    """
    files: list[Path] = []
    issues: list[DeckIssue] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            files.append(path)

    for path in paths:
        if path.is_dir():
            for found in _walk_yaml(path):
                add(found)
        elif path.is_file():
            add(path)
        else:
            issues.append(DeckIssue(str(path), None, None, None, "no such file or directory"))
    return files, issues


def _walk_yaml(directory: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(
            Path(root) / name for name in sorted(names) if not name.startswith(".") and name.endswith(DECK_SUFFIXES)
        )
    return sorted(found, key=lambda p: p.relative_to(directory).parts)


def read_deck(path: Path) -> LoadedDeck:
    """Read and validate one deck file; raises `DeckError` with every issue of the file."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeckError([DeckIssue(file, None, None, None, f"cannot read file: {exc}")]) from None
    return parse_deck(text, file=file, path=path)


def load_deck(path: Path) -> Deck:
    """Read and validate one deck file; raises `DeckError` with every issue of the file."""
    return read_deck(path).deck


def check_decks(paths: Iterable[Path]) -> DeckReport:
    """Read every deck file under ``paths`` and report valid decks, errors and warnings; never raises.

    Deck ids must be unique across files; a later file reusing an id is an error and its deck is
    left out.
    """
    files, errors = deck_files(paths)
    decks: list[LoadedDeck] = []
    warnings: list[DeckIssue] = []
    owners: dict[str, LoadedDeck] = {}
    for path in files:
        try:
            loaded = read_deck(path)
        except DeckError as exc:
            errors.extend(exc.issues)
            continue
        first = owners.get(loaded.deck.id)
        if first is not None:
            where = f"{first.path}:{first.deck_line}" if first.deck_line is not None else str(first.path)
            errors.append(
                DeckIssue(
                    str(path),
                    loaded.deck_line,
                    None,
                    "deck.id",
                    f"deck id '{loaded.deck.id}' is already used by {where}",
                )
            )
            continue
        owners[loaded.deck.id] = loaded
        decks.append(loaded)
        warnings.extend(loaded.warnings)
    return DeckReport(tuple(decks), tuple(errors), tuple(warnings))


def load_decks(paths: Iterable[Path]) -> DeckCatalog:
    """Load every deck file under ``paths`` into a catalog; raises `DeckError` listing all issues."""
    return check_decks(paths).catalog()


def parse_deck(text: str, *, file: str = "<deck>", path: Path | None = None) -> LoadedDeck:
    """Validate deck YAML text; raises `DeckError` with every issue, each with its line."""
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        # Before construction: constructing a mapping folds `<<: *anchor` merges into it, after which
        # a merged key overridden on purpose would look like a repeated one.
        errors = _duplicate_keys(root, file) if root is not None else []
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        line, detail = yaml_error_line(exc)
        raise DeckError([DeckIssue(file, line, None, None, f"invalid YAML: {detail}")]) from None
    finally:
        loader.dispose()
    if root is None:
        message = "the file is empty; a deck is a mapping with 'deck' and 'questions'"
        raise DeckError([DeckIssue(file, 1, None, None, message)])

    def locate(loc: Loc) -> int | None:
        return line_of(root, loc)

    deck: Deck | None = None
    try:
        deck = Deck.model_validate(data)
    except ValidationError as exc:
        errors.extend(_pydantic_issues(exc, data, file, locate))
    findings = cross_check(data, file, locate)
    errors.extend(findings.errors)
    if errors or deck is None:
        errors.sort(key=by_line)
        raise DeckError(errors)
    question_lines = {
        question.id: line
        for index, question in enumerate(deck.questions)
        if (line := locate(("questions", index))) is not None
    }
    return LoadedDeck(
        path=path if path is not None else Path(file),
        deck=deck,
        warnings=findings.warnings,
        deck_line=locate(("deck", "id")),
        question_lines=MappingProxyType(question_lines),
    )


def _duplicate_keys(root: Node, file: str) -> list[DeckIssue]:
    """Keys repeated in one mapping: YAML loaders silently keep the last, which hides edits."""
    issues: list[DeckIssue] = []
    seen_nodes: set[int] = set()
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if key.value in first_line:
                        issues.append(
                            DeckIssue(
                                file,
                                line,
                                None,
                                key.value,
                                f"duplicate key (first at line {first_line[key.value]})",
                            )
                        )
                    else:
                        first_line[key.value] = line
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return issues


def _question_id(data: Any, index: int) -> str | None:
    questions = data.get("questions") if isinstance(data, Mapping) else None
    if isinstance(questions, list | tuple) and 0 <= index < len(questions):
        question = questions[index]
        if isinstance(question, Mapping):
            question_id = question.get("id")
            if isinstance(question_id, str) and question_id.strip():
                return question_id.strip()
    return None


def _pydantic_issues(exc: ValidationError, data: Any, file: str, locate: Locator) -> list[DeckIssue]:
    issues = []
    errors = exc.errors(include_url=False)
    nested = {tuple(error["loc"][:depth]) for error in errors for depth in range(len(error["loc"]))}
    for error in errors:
        loc: Loc = tuple(error["loc"])
        # A list whose items failed also reports being too short; the item errors say it better.
        if error["type"] == "too_short" and loc in nested:
            continue
        question_id = None
        field_loc: Loc = loc
        if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
            question_id = _question_id(data, loc[1])
            if question_id is not None:
                field_loc = loc[2:]
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        issues.append(
            DeckIssue(file, locate(loc), question_id, render_loc(field_loc) or None, message),
        )
    return issues
