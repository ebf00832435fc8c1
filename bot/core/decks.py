"""Loading question decks from YAML, with errors that point at file, line, question and field.

A deck file is parsed into a YAML node tree first so that every problem, whether a YAML syntax
error, a schema violation reported by pydantic or a cross-reference check, can be reported with
the line it comes from. All problems of all files are collected before anything is raised, so one
run of ``quizbot decks validate`` shows everything that needs fixing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.deck_schema import Category, Deck, Question
from bot.yamlsource import Loader, Loc, line_of, yaml_error_line

DECK_SUFFIXES = (".yaml", ".yml")

Locator = Callable[[Loc], int | None]


@dataclass(frozen=True, slots=True)
class DeckIssue:
    """One problem found in a deck file: where it is and what is wrong."""

    file: str
    line: int | None
    question_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        parts = [where]
        if self.question_id is not None:
            parts.append(f"question '{self.question_id}'")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        parts.append(self.message)
        return ": ".join(parts)


class DeckError(Exception):
    """Deck files that cannot be used; holds every issue found, in file and line order."""

    def __init__(self, issues: Iterable[DeckIssue]) -> None:
        self.issues: tuple[DeckIssue, ...] = tuple(issues)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)


class UnknownDeckError(KeyError):
    """A deck id that is not in the catalog."""

    def __str__(self) -> str:
        return f"no deck with id {self.args[0]!r}"


class UnknownQuestionError(KeyError):
    """A question id that is not in the given deck."""

    def __str__(self) -> str:
        deck_id, question_id = self.args
        return f"no question {question_id!r} in deck {deck_id!r}"


@dataclass(frozen=True, slots=True)
class Findings:
    """Errors and warnings of one deck; warnings never stop a deck from being used."""

    errors: tuple[DeckIssue, ...] = ()
    warnings: tuple[DeckIssue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


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


@dataclass(frozen=True, slots=True)
class DeckQuestion:
    """A question together with the deck it belongs to; ``key`` is its global identity."""

    deck_id: str
    question: Question

    @property
    def key(self) -> tuple[str, str]:
        return (self.deck_id, self.question.id)


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """A category and how many questions of the selected decks belong to it."""

    category: Category
    count: int


class DeckCatalog:
    """An immutable, indexed view over loaded decks, in load order."""

    __slots__ = ("_decks", "_index", "_paths", "_questions", "_warnings")

    def __init__(
        self,
        decks: Iterable[Deck],
        *,
        paths: Mapping[str, Path] | None = None,
        warnings: Iterable[DeckIssue] = (),
    ) -> None:
        self._decks = tuple(decks)
        index: dict[str, Deck] = {}
        questions: dict[str, Mapping[str, Question]] = {}
        for deck in self._decks:
            if deck.id in index:
                raise ValueError(f"deck id {deck.id!r} appears twice")
            index[deck.id] = deck
            questions[deck.id] = MappingProxyType({q.id: q for q in deck.questions})
        self._index: Mapping[str, Deck] = MappingProxyType(index)
        self._questions: Mapping[str, Mapping[str, Question]] = MappingProxyType(questions)
        self._paths: Mapping[str, Path] = MappingProxyType(dict(paths or {}))
        self._warnings = tuple(warnings)

    @classmethod
    def from_loaded(cls, loaded: Iterable[LoadedDeck], *, warnings: Iterable[DeckIssue] = ()) -> DeckCatalog:
        """A catalog of decks read from files, remembering each deck's path."""
        items = tuple(loaded)
        return cls(
            (item.deck for item in items),
            paths={item.deck.id: item.path for item in items},
            warnings=warnings,
        )

    def __len__(self) -> int:
        return len(self._decks)

    def __iter__(self) -> Iterator[Deck]:
        return iter(self._decks)

    def __contains__(self, deck_id: object) -> bool:
        return deck_id in self._index

    @property
    def decks(self) -> tuple[Deck, ...]:
        return self._decks

    @property
    def deck_ids(self) -> tuple[str, ...]:
        return tuple(deck.id for deck in self._decks)

    @property
    def warnings(self) -> tuple[DeckIssue, ...]:
        return self._warnings

    def deck(self, deck_id: str) -> Deck:
        """The deck with this id; raises `UnknownDeckError`."""
        try:
            return self._index[deck_id]
        except KeyError:
            raise UnknownDeckError(deck_id) from None

    def path(self, deck_id: str) -> Path | None:
        """The file the deck was read from, if it was read from one."""
        self.deck(deck_id)
        return self._paths.get(deck_id)

    def has_question(self, deck_id: str, question_id: str) -> bool:
        return question_id in self._questions.get(deck_id, {})

    def question(self, deck_id: str, question_id: str) -> Question:
        """The question with this id in this deck; raises `UnknownDeckError` or `UnknownQuestionError`."""
        self.deck(deck_id)
        try:
            return self._questions[deck_id][question_id]
        except KeyError:
            raise UnknownQuestionError(deck_id, question_id) from None

    def entries(self, deck_ids: Iterable[str] | None = None, category: str | None = None) -> tuple[DeckQuestion, ...]:
        """Questions with their deck ids, decks in the order given (all decks if None), file order within.

        With ``category``, only questions of that category; a category no selected deck declares
        gives no questions.
        """
        selected = self._select(deck_ids)
        return tuple(
            DeckQuestion(deck.id, question)
            for deck in selected
            for question in deck.questions
            if category is None or question.category == category
        )

    def questions(self, deck_ids: Iterable[str] | None = None, category: str | None = None) -> tuple[Question, ...]:
        """Like `entries` but the questions only."""
        return tuple(entry.question for entry in self.entries(deck_ids, category))

    def categories(self, deck_ids: Iterable[str] | None = None) -> tuple[CategoryCount, ...]:
        """Categories declared by the selected decks with their question counts, in declaration order.

        A category id declared by several decks is counted once, with the names of the first deck.
        """
        selected = self._select(deck_ids)
        first: dict[str, Category] = {}
        counts: dict[str, int] = {}
        for deck in selected:
            for category in deck.deck.categories:
                first.setdefault(category.id, category)
                counts.setdefault(category.id, 0)
            for question in deck.questions:
                counts[question.category] = counts.get(question.category, 0) + 1
        return tuple(CategoryCount(category, counts[category_id]) for category_id, category in first.items())

    def _select(self, deck_ids: Iterable[str] | None) -> tuple[Deck, ...]:
        if deck_ids is None:
            return self._decks
        if isinstance(deck_ids, str):
            deck_ids = (deck_ids,)
        return tuple(self.deck(deck_id) for deck_id in dict.fromkeys(deck_ids))


# --- reading files --------------------------------------------------------------------------------


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
    findings = _cross_check(data, file, locate)
    errors.extend(findings.errors)
    if errors or deck is None:
        errors.sort(key=lambda issue: issue.line or 0)
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


def validate_deck(deck: Deck, file: str = "<deck>") -> Findings:
    """The cross-reference errors and the warnings of a deck built in code (issues carry no lines).

    Field-level rules are already enforced by the models; this adds the checks that span fields:
    unique question ids, declared categories and the ``corrected`` list.
    """
    return _cross_check(deck.model_dump(mode="python"), file, lambda loc: None)


# --- YAML with line numbers -------------------------------------------------------------------------


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


# --- turning validation results into issues -----------------------------------------------------------


def _render_loc(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


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
            DeckIssue(file, locate(loc), question_id, _render_loc(field_loc) or None, message),
        )
    return issues


def _cross_check(data: Any, file: str, locate: Locator) -> Findings:
    """Checks spanning several fields, run on the raw data so they work even when parts are invalid."""
    if not isinstance(data, Mapping):
        return Findings()
    header = data.get("deck")
    header = header if isinstance(header, Mapping) else {}
    raw_questions = data.get("questions")
    questions = raw_questions if isinstance(raw_questions, list | tuple) else ()
    errors: list[DeckIssue] = []
    warnings: list[DeckIssue] = []

    declared: dict[str, int] = {}
    raw_categories = header.get("categories")
    categories_known = isinstance(raw_categories, list | tuple)
    for index, category in enumerate(raw_categories if isinstance(raw_categories, list | tuple) else ()):
        category_id = category.get("id") if isinstance(category, Mapping) else None
        if not isinstance(category_id, str):
            continue
        loc: Loc = ("deck", "categories", index, "id")
        if category_id in declared:
            errors.append(
                DeckIssue(
                    file,
                    locate(loc),
                    None,
                    _render_loc(loc),
                    f"duplicate category id '{category_id}' (first at index {declared[category_id]})",
                )
            )
        else:
            declared[category_id] = index

    ids: dict[str, int] = {}
    corrections: dict[str, bool] = {}
    used_categories: set[str] = set()
    for index, question in enumerate(questions):
        if not isinstance(question, Mapping):
            continue
        raw_id = question.get("id")
        question_id = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else None
        if question_id is not None:
            if question_id in ids:
                first = ids[question_id]
                first_line = locate(("questions", first, "id"))
                where = f"line {first_line}" if first_line is not None else f"question #{first + 1}"
                errors.append(
                    DeckIssue(
                        file,
                        locate(("questions", index, "id")),
                        question_id,
                        "id",
                        f"duplicate question id (first at {where})",
                    )
                )
            else:
                ids[question_id] = index
        label = question_id
        prefix: Loc = () if label is not None else ("questions", index)

        category = question.get("category")
        if isinstance(category, str):
            used_categories.add(category.strip())
            if categories_known and category.strip() not in declared:
                errors.append(
                    DeckIssue(
                        file,
                        locate(("questions", index, "category")),
                        label,
                        _render_loc((*prefix, "category")),
                        f"category '{category.strip()}' is not declared in deck.categories",
                    )
                )

        correction = question.get("correction")
        has_correction = isinstance(correction, str) and bool(correction.strip())
        if isinstance(correction, str) and not correction.strip():
            errors.append(
                DeckIssue(
                    file,
                    locate(("questions", index, "correction")),
                    label,
                    _render_loc((*prefix, "correction")),
                    "correction is empty; remove the field or write the correction",
                )
            )
        if question_id is not None:
            corrections.setdefault(question_id, has_correction)

        concepts = question.get("key_concepts")
        if concepts is None or (isinstance(concepts, list | tuple) and not concepts):
            warnings.append(
                DeckIssue(
                    file,
                    locate(("questions", index)),
                    label,
                    _render_loc((*prefix, "key_concepts")),
                    "no key concepts; answers to it can only be scored by participation",
                )
            )

    raw_corrected = header.get("corrected")
    corrected = raw_corrected if isinstance(raw_corrected, list | tuple) else ()
    listed: set[str] = set()
    for index, item in enumerate(corrected):
        if not isinstance(item, str):
            continue
        item = item.strip()
        loc = ("deck", "corrected", index)
        if item in listed:
            errors.append(DeckIssue(file, locate(loc), None, _render_loc(loc), f"'{item}' is listed twice"))
        elif item not in corrections:
            errors.append(DeckIssue(file, locate(loc), None, _render_loc(loc), f"no question with id '{item}'"))
        elif not corrections[item]:
            errors.append(
                DeckIssue(
                    file,
                    locate(loc),
                    None,
                    _render_loc(loc),
                    f"question '{item}' is listed as corrected but has no correction",
                )
            )
        listed.add(item)
    if isinstance(raw_corrected, list | tuple) or "corrected" not in header:
        for question_id, has_correction in corrections.items():
            if has_correction and question_id not in listed:
                errors.append(
                    DeckIssue(
                        file,
                        locate(("questions", ids[question_id], "correction")),
                        question_id,
                        "correction",
                        "question has a correction but is not listed in deck.corrected",
                    )
                )

    for category_id, index in declared.items():
        if category_id not in used_categories:
            loc = ("deck", "categories", index, "id")
            warnings.append(
                DeckIssue(file, locate(loc), None, _render_loc(loc), f"category '{category_id}' has no questions")
            )

    errors.sort(key=lambda issue: issue.line or 0)
    warnings.sort(key=lambda issue: issue.line or 0)
    return Findings(tuple(errors), tuple(warnings))
