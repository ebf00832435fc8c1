"""Turning a Markdown or plain-text outline of questions and bulleted answers into a deck.

The outline shape is the one interview-question lists are usually shared in:

    [Section]                 (or a Markdown heading: # Section / ## Section)

    A question on its own line
      • an answer bullet      (•, -, * or 1. markers; nesting by indentation)
        • a nested bullet

A question is a non-bullet line whose next non-blank line is a bullet; any other line (blog
preamble, "끝.", stray notes) is skipped. When the outline has sections, everything before the
first section is preamble. Imported questions have no key concepts yet: the deck loads, with a
warning per question, until someone writes them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.deck_schema import Bullet, Category, Deck, Difficulty

_BULLET = re.compile(r"^(?P<indent>[ ]*)(?:[•◦▪‣●○■□·*+-]|\d{1,3}[.)])[ ]+(?P<text>\S.*)$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ ]+(?P<text>.*?)(?:[ ]+#+)?[ ]*$")
_BRACKETED = re.compile(r"^\[(?P<text>[^\[\]]*\S[^\[\]]*)\][ ]*$")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")

DEFAULT_CATEGORY = Category(id="general", ko="일반", en="General")
_MAX_SLUG = 48


class OutlineError(ValueError):
    """An outline that gives no usable deck."""


@dataclass(slots=True)
class _Node:
    text: str
    indent: int
    children: list[_Node] = field(default_factory=list)

    def bullet(self) -> Bullet:
        return Bullet(text=self.text, children=tuple(child.bullet() for child in self.children))


@dataclass(slots=True)
class _Draft:
    category: Category
    text: str
    bullets: list[_Node] = field(default_factory=list)


def slugify(text: str, limit: int = _MAX_SLUG) -> str:
    """Lowercase ASCII words of ``text`` joined by hyphens, cut at a word boundary; may be empty."""
    words = [word.lower() for word in _ASCII_WORD.findall(unicodedata.normalize("NFKC", text))]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug


def question_id(ordinal: int, text: str, width: int = 3) -> str:
    """A readable, stable id: the zero-padded ordinal plus any English words of the question."""
    slug = slugify(text)
    number = f"q{ordinal:0{width}d}"
    return f"{number}-{slug}" if slug else number


def _section_title(line: str) -> tuple[str, bool] | None:
    """For a section line, its title and whether it opens a section (else it is a question heading)."""
    if match := _BRACKETED.match(line):
        return match["text"].strip(), True
    if match := _HEADING.match(line):
        return match["text"].strip(), len(match["hashes"]) <= 2
    return None


def _parse(text: str) -> tuple[list[Category], list[_Draft]]:
    lines = [line.expandtabs(4).rstrip() for line in text.splitlines()]
    has_sections = any((title := _section_title(line)) is not None and title[1] for line in lines)
    started = not has_sections
    categories: list[Category] = []
    used: set[str] = set()
    category: Category | None = None if has_sections else DEFAULT_CATEGORY
    sections = 0
    drafts: list[_Draft] = []
    pending: str | None = None
    current: _Draft | None = None
    stack: list[_Node] = []

    for line in lines:
        # Blank lines, including ones holding only non-breaking spaces, separate nothing here.
        if not line.strip():
            continue
        title = _section_title(line)
        if title is not None and title[1]:
            sections += 1
            slug = slugify(title[0]) or f"section-{sections}"
            while slug in used:
                slug = f"{slug}-{sections}"
            used.add(slug)
            category = Category(id=slug, ko=title[0], en=title[0])
            started, pending, current, stack = True, None, None, []
            continue
        if not started or category is None:
            continue
        bullet = _BULLET.match(line)
        if bullet is None:
            indent = len(line) - len(line.lstrip(" "))
            if title is None and current is not None and stack and indent > stack[-1].indent:
                # An indented line without a marker continues the bullet above it.
                stack[-1].text = f"{stack[-1].text} {line.strip()}"
                continue
            pending = title[0] if title is not None else line.strip()
            current, stack = None, []
            continue
        if current is None:
            if pending is None:
                continue
            current = _Draft(category, pending)
            drafts.append(current)
            if category not in categories:
                categories.append(category)
            pending = None
        node = _Node(bullet["text"].strip(), len(bullet["indent"]))
        while stack and stack[-1].indent >= node.indent:
            stack.pop()
        (stack[-1].children if stack else current.bullets).append(node)
        stack.append(node)
    return categories, drafts


def import_outline(
    text: str,
    *,
    deck_id: str,
    title: str,
    language: str | None = None,
    description: str | None = None,
) -> Deck:
    """Build a deck from outline text; ``language`` defaults to "ko" when the text has Hangul, else "en".

    Raises `OutlineError` when the outline holds no question or the header values are invalid.
    """
    categories, drafts = _parse(text)
    if not drafts:
        raise OutlineError("no questions found: a question is a line followed by bulleted answer lines")
    width = max(3, len(str(len(drafts))))
    # Validated as one document so that an error names its full path, such as "deck.id".
    data = {
        "deck": {
            "id": deck_id,
            "title": title,
            "language": language or ("ko" if _HANGUL.search(text) else "en"),
            "version": 1,
            "description": description,
            "categories": [category.model_dump() for category in categories],
        },
        "questions": [
            {
                "id": question_id(ordinal, draft.text, width),
                "category": draft.category.id,
                "difficulty": Difficulty.MEDIUM,
                "question": draft.text,
                "answer": [node.bullet() for node in draft.bullets],
            }
            for ordinal, draft in enumerate(drafts, start=1)
        ],
    }
    try:
        return Deck.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise OutlineError(f"the outline does not make a valid deck: {problems}") from None


def import_outline_file(
    path: Path,
    *,
    deck_id: str | None = None,
    title: str | None = None,
    language: str | None = None,
) -> Deck:
    """Import an outline file; the deck id and title default to ones derived from the file name."""
    text = path.read_text(encoding="utf-8")
    stem = path.name.split(".")[0]
    return import_outline(
        text,
        deck_id=deck_id or slugify(stem, limit=60) or "deck",
        title=title or stem,
        language=language,
    )


class _DeckDumper(yaml.SafeDumper):
    """Indents list items under their key, as hand-written decks do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _compact(value: Any) -> Any:
    """Bullets without children written as plain strings, as people write them by hand."""
    if isinstance(value, dict):
        if set(value) == {"text"}:
            return value["text"]
        return {key: _compact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_compact(item) for item in value]
    return value


def deck_to_yaml(deck: Deck) -> str:
    """The deck as YAML in schema field order, Korean kept readable; loads back to an equal deck."""
    data = _compact(deck.model_dump(mode="json", exclude_defaults=True))
    return yaml.dump(
        data,
        Dumper=_DeckDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        # Long answers stay on one line each; folded lines are harder to edit and to diff.
        width=1_000_000,
    )
