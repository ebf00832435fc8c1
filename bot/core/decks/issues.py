"""What loading and validating a deck reports: issues located by file, line, question and field."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.yamlsource import Loc

# Maps a path into the deck data to its line; decks built in code have no lines.
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


@dataclass(frozen=True, slots=True)
class Findings:
    """Errors and warnings of one deck; warnings never stop a deck from being used."""

    errors: tuple[DeckIssue, ...] = ()
    warnings: tuple[DeckIssue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def render_loc(loc: Sequence[str | int]) -> str:
    """A path into the deck data as a reader writes it: ``questions[2].answer``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def by_line(issue: DeckIssue) -> int:
    """Sort key for file order; with a stable sort, issues without a line come first, in the order found."""
    return issue.line or 0
