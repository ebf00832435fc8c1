"""A member's study notebook: their answers beside the reference, as Markdown, and the questions they missed as
an Anki deck.

Both come within a size limit (a platform's upload limit): the Markdown is split into parts, an entry too long for
a part on its own is cut, and the Anki deck leaves out its oldest notes, each time saying so in the document.
Labels come from the message catalogue through ``translate``, so this module stays free of any language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

import genanki  # type: ignore[import-untyped]

from bot.core.deck_schema import Bullet
from bot.core.models import CategoryCoverage, GuildKey, MisconceptionNote


class Translate(Protocol):
    """A catalogue message in the reader's language: ``functools.partial(bot.messages.text, language=...)``."""

    def __call__(self, key: str, /, **values: object) -> str: ...


@dataclass(frozen=True, kw_only=True)
class NotebookEntry:
    """One question the member answered in a round, with what the grader found."""

    round_id: int
    opened_at: dt.datetime
    deck_id: str
    question_id: str
    category: str  # category id
    category_name: str  # in the reader's language
    question: str
    reference: tuple[Bullet, ...]
    correction: str | None
    answer: str
    covered: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    contradicted: tuple[str, ...] = ()
    misconceptions: tuple[MisconceptionNote, ...] = ()
    points: int = 0
    coverage: float = 0.0


def weakest_categories(
    entries: Sequence[NotebookEntry], *, limit: int = 3, min_answers: int = 1
) -> list[CategoryCoverage]:
    """The categories with the lowest average coverage (those with at least ``min_answers`` answers), weakest
    first; among equals, the one answered more often first (more evidence), then by id."""
    by_category: dict[str, list[float]] = defaultdict(list)
    for entry in entries:
        by_category[entry.category].append(entry.coverage)
    rows = [
        CategoryCoverage(category, len(scores), sum(scores) / len(scores))
        for category, scores in by_category.items()
        if len(scores) >= min_answers
    ]
    rows.sort(key=lambda c: (c.average_coverage, -c.answers, c.category))
    return rows[:limit]


# -- Markdown ------------------------------------------------------------------------------------------------

# Room kept in every part for its "part i of n" line and a closing note.
_PART_RESERVE = 400


def notebook_markdown(
    name: str,
    entries: Sequence[NotebookEntry],
    *,
    translate: Translate,
    max_bytes: int,
    now: dt.datetime,
    timezone: str = "UTC",
    max_parts: int | None = None,
) -> list[str]:
    """The notebook as Markdown parts of at most ``max_bytes`` UTF-8 bytes each, newest question first.

    The first part opens with the title and the member's weakest categories. With more than one part each says
    which it is. An entry too long for a part is cut with a note; past ``max_parts`` parts the oldest entries
    are left out, and the last part says how many.
    """
    if max_bytes < 2 * _PART_RESERVE:
        raise ValueError(f"max_bytes must be at least {2 * _PART_RESERVE}")
    budget = max_bytes - _PART_RESERVE
    ordered = sorted(entries, key=lambda e: (e.opened_at, e.round_id), reverse=True)
    blocks = [_header(name, ordered, translate, now, timezone)]
    blocks += [_fit(_entry_block(e, translate, timezone), budget, translate) for e in ordered]
    parts: list[list[str]] = [[]]
    used = 0
    for block in blocks:
        size = _size(block)
        if parts[-1] and used + size > budget:
            parts.append([])
            used = 0
        parts[-1].append(block)
        used += size
    left_out = 0
    if max_parts is not None and len(parts) > max_parts:
        left_out = sum(len(p) for p in parts[max_parts:])
        parts = parts[:max_parts]
    texts = []
    for number, blocks_of_part in enumerate(parts, start=1):
        lines = []
        if len(parts) > 1:
            lines.append(f"_{translate('notebook.part', n=number, total=len(parts))}_\n")
        lines.extend(blocks_of_part)
        if left_out and number == len(parts):
            lines.append(f"_{translate('notebook.left-out', count=left_out)}_\n")
        texts.append("\n".join(lines))
    return texts


def _header(name: str, entries: Sequence[NotebookEntry], translate: Translate, now: dt.datetime, tz: str) -> str:
    lines = [f"# {translate('notebook.title', name=_inline(name))}", ""]
    lines.append(f"_{translate('notebook.made', date=_day(now, tz), count=len(entries))}_")
    lines.append("")
    if not entries:
        lines += [translate("notebook.empty"), ""]
        return "\n".join(lines)
    names = {e.category: e.category_name for e in entries}
    weakest = weakest_categories(entries)
    if weakest:
        lines += [f"## {translate('notebook.weakest')}", ""]
        for row in weakest:
            text = translate(
                "notebook.weakest-row",
                category=names[row.category],
                answers=row.answers,
                coverage=round(row.average_coverage * 100),
            )
            lines.append(f"- {text}")
        lines.append("")
    return "\n".join(lines)


def _entry_block(entry: NotebookEntry, translate: Translate, tz: str) -> str:
    lines = [f"## {_inline(entry.question)}", ""]
    meta = translate(
        "notebook.meta",
        category=entry.category_name,
        date=_day(entry.opened_at, tz),
        points=entry.points,
        coverage=round(entry.coverage * 100),
    )
    lines += [f"_{meta}_", "", f"**{translate('notebook.your-answer')}**", ""]
    lines += [f"> {line}" if line.strip() else ">" for line in entry.answer.splitlines() or [""]]
    lines += ["", f"**{translate('notebook.reference')}**", ""]
    lines += _bullets(entry.reference, 0)
    lines.append("")
    if entry.correction:
        lines += [f"**{translate('notebook.correction')}**: {_inline(entry.correction)}", ""]
    for key, concepts in (
        ("notebook.covered", entry.covered),
        ("notebook.missed", entry.missed),
        ("notebook.contradicted", entry.contradicted),
    ):
        if concepts:
            lines.append(f"- **{translate(key)}**: {', '.join(_inline(c) for c in concepts)}")
    for note in entry.misconceptions:
        fix = f" → {_inline(note.correction)}" if note.correction else ""
        lines.append(f"- **{translate('notebook.misconception')}**: {_inline(note.claim)}{fix}")
    while lines[-1] == "":
        lines.pop()
    lines += ["", "---", ""]
    return "\n".join(lines)


def _bullets(bullets: Sequence[Bullet], depth: int) -> list[str]:
    lines = []
    for bullet in bullets:
        lines.append(f"{'  ' * depth}- {_inline(bullet.text)}")
        lines += _bullets(bullet.children, depth + 1)
    return lines


def _fit(block: str, budget: int, translate: Translate) -> str:
    """The block, cut to the budget with a note if it is longer."""
    if _size(block) <= budget:
        return block
    note = f"\n\n_{translate('notebook.cut')}_\n"
    room = max(budget - _size(note), 0)
    # Cut on a character boundary: a byte slice may split a Korean syllable.
    cut = block.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return cut + note


def _size(text: str) -> int:
    return len(text.encode("utf-8")) + 1  # and the newline joining it to the next block


def _inline(text: str) -> str:
    """One line of member or deck text: line breaks would break the Markdown structure around it."""
    return " ".join(text.split())


def _day(at: dt.datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).date().isoformat()


# -- Anki ----------------------------------------------------------------------------------------------------

# Anki recognises a note type and a deck by id on import: these never change, so importing a newer export updates
# the notes already imported instead of adding copies.
ANKI_MODEL_ID = 1_607_392_319
ANKI_MODEL_NAME = "quizbot review"
_ANKI_FIELDS = ("Question", "Reference", "Correction", "YourAnswer", "Missed", "Category")


@dataclass(frozen=True, kw_only=True)
class AnkiNote:
    """A question the member missed: answered below the pass mark, rated Again, or never answered."""

    deck_id: str
    question_id: str
    category: str
    question: str
    reference: tuple[Bullet, ...]
    correction: str | None = None
    answer: str | None = None  # the member's last answer, if they gave one
    missed: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnkiExport:
    """An ``.apkg`` file's bytes, how many notes it holds and how many were left out to fit the size limit."""

    data: bytes
    notes: int
    omitted: int


def anki_deck_id(guild: GuildKey, member_id: str) -> int:
    """A member's deck id, the same at every export: derived from who they are, in Anki's id range."""
    digest = hashlib.sha256(f"{guild.platform}\0{guild.guild_id}\0{member_id}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def missed_apkg(
    notes: Sequence[AnkiNote],
    *,
    deck_id: int,
    deck_name: str,
    translate: Translate,
    max_bytes: int,
    now: dt.datetime,
) -> AnkiExport:
    """The notes as an Anki package of at most ``max_bytes`` bytes, keeping as many of the first notes as fit (give
    the most important first); the deck's description says how many were left out. Writes a temporary file:
    call it off the event loop. Raises ``ValueError`` if not even an empty deck fits."""

    def build(count: int) -> bytes:
        return _package(notes[:count], deck_id, deck_name, translate, len(notes) - count, now)

    data = build(len(notes))
    if len(data) <= max_bytes:
        return AnkiExport(data, len(notes), 0)
    best = build(0)
    if len(best) > max_bytes:
        raise ValueError(f"an empty Anki deck takes {len(best)} bytes, more than {max_bytes}")
    # The most notes that fit lies in [low, high]; ``best`` is the package of ``low`` notes.
    low, high = 0, len(notes) - 1
    while low < high:
        middle = (low + high + 1) // 2
        candidate = build(middle)
        if len(candidate) <= max_bytes:
            low, best = middle, candidate
        else:
            high = middle - 1
    return AnkiExport(best, low, len(notes) - low)


def _model() -> genanki.Model:
    back = (
        "{{FrontSide}}<hr id=answer>{{Reference}}"
        "{{#Correction}}<p><b>✎</b> {{Correction}}</p>{{/Correction}}"
        "{{#YourAnswer}}<hr><div class=mine>{{YourAnswer}}</div>{{/YourAnswer}}"
        "{{#Missed}}<p class=missed>{{Missed}}</p>{{/Missed}}"
    )
    return genanki.Model(
        ANKI_MODEL_ID,
        ANKI_MODEL_NAME,
        fields=[{"name": name} for name in _ANKI_FIELDS],
        templates=[{"name": "Recall", "qfmt": "<div class=category>{{Category}}</div>{{Question}}", "afmt": back}],
        css=".card{font-family:sans-serif;text-align:left}.category{color:#888}.mine{color:#555}.missed{color:#b00}",
    )


def _package(
    notes: Sequence[AnkiNote], deck_id: int, name: str, translate: Translate, omitted: int, now: dt.datetime
) -> bytes:
    description = translate("notebook.anki-omitted", count=omitted) if omitted else ""
    deck = genanki.Deck(deck_id, name, description=html.escape(description))
    model = _model()
    for note in notes:
        fields = [
            _html(note.question),
            "<ul>" + "".join(_html_bullet(b) for b in note.reference) + "</ul>",
            _html(note.correction or ""),
            _html(note.answer or ""),
            html.escape(", ".join(note.missed)),
            html.escape(note.category),
        ]
        deck.add_note(
            genanki.Note(
                model=model,
                fields=fields,
                # The same question gets the same note at every export: a re-import updates it.
                guid=genanki.guid_for(note.deck_id, note.question_id),
                tags=[_tag(note.deck_id), _tag(note.category)],
            )
        )
    buffer = io.BytesIO()
    genanki.Package(deck).write_to_file(buffer, timestamp=now.timestamp())
    return buffer.getvalue()


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _html_bullet(bullet: Bullet) -> str:
    children = "".join(_html_bullet(child) for child in bullet.children)
    return f"<li>{_html(bullet.text)}{f'<ul>{children}</ul>' if children else ''}</li>"


def _tag(text: str) -> str:
    """Anki tags cannot hold spaces."""
    return "_".join(text.split()) or "untagged"
