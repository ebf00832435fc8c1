"""The study notebook as Markdown (content, splitting, cutting) and the missed questions as an Anki package."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import genanki  # type: ignore[import-untyped]
import pytest

from bot.core.deck_schema import Bullet
from bot.core.models import GuildKey, MisconceptionNote
from bot.core.review.notebook import (
    ANKI_MODEL_ID,
    AnkiNote,
    NotebookEntry,
    anki_deck_id,
    missed_apkg,
    notebook_markdown,
    weakest_categories,
)
from bot.messages import text

EN = functools.partial(text, language="en")
KO = functools.partial(text, language="ko")
NOW = dt.datetime(2025, 3, 20, 12, 0, tzinfo=dt.UTC)
GUILD = GuildKey("fake", "guild-1")


def entry(n: int, **values: object) -> NotebookEntry:
    base: dict[str, object] = {
        "round_id": n,
        "opened_at": dt.datetime(2025, 3, n, 0, 0, tzinfo=dt.UTC),
        "deck_id": "dl",
        "question_id": f"q{n}",
        "category": "basics",
        "category_name": "Basics",
        "question": f"Question number {n}?",
        "reference": (Bullet(text=f"Reference {n}", children=(Bullet(text=f"Detail {n}"),)),),
        "correction": None,
        "answer": f"My answer {n}",
        "coverage": 0.5,
        "points": 20,
    }
    base.update(values)
    return NotebookEntry(**base)  # type: ignore[arg-type]


RELU = entry(
    4,
    question="Why use ReLU instead of sigmoid?",
    answer="ReLU keeps gradients alive.\nSigmoid saturates.",
    reference=(
        Bullet(text="Sigmoid saturates for large inputs."),
        Bullet(text="ReLU keeps gradients alive.", children=(Bullet(text="Its slope is 1 for positive inputs."),)),
    ),
    correction="The slope is 0 for negative inputs.",
    covered=("vanishing gradient",),
    missed=("saturation",),
    contradicted=("sparsity",),
    misconceptions=(MisconceptionNote("ReLU is differentiable everywhere", "Not at 0."),),
    points=23,
    coverage=0.62,
    category="activation",
    category_name="Activations",
)
DROPOUT = entry(2, question="What does dropout do?", category="training", category_name="Training", coverage=0.1)


# -- Markdown -------------------------------------------------------------------------------------------------


def test_the_notebook_holds_each_question_the_answer_the_reference_and_the_grading() -> None:
    (markdown,) = notebook_markdown("Alice", [DROPOUT, RELU], translate=EN, max_bytes=100_000, now=NOW)
    assert markdown.startswith("# Alice's study notebook\n")
    assert "## Why use ReLU instead of sigmoid?" in markdown
    assert "> ReLU keeps gradients alive.\n> Sigmoid saturates." in markdown
    assert "- Sigmoid saturates for large inputs.\n- ReLU keeps gradients alive.\n  - Its slope is 1" in markdown
    assert "**Correction**: The slope is 0 for negative inputs." in markdown
    assert "- **Covered**: vanishing gradient" in markdown
    assert "- **Missed**: saturation" in markdown
    assert "- **Contradicted**: sparsity" in markdown
    assert "- **Misconception**: ReLU is differentiable everywhere → Not at 0." in markdown
    assert "Activations · 2025-03-04 · 23 pts · 62% covered" in markdown
    # Newest question first; the weakest category (lowest coverage) heads the list.
    assert markdown.index("ReLU instead") < markdown.index("What does dropout do?")
    weakest = markdown[markdown.index("## Weakest categories") : markdown.index("## Why use ReLU")]
    assert weakest.index("Training") < weakest.index("Activations")


def test_the_notebook_reads_in_korean_too() -> None:
    (markdown,) = notebook_markdown("지우", [RELU], translate=KO, max_bytes=100_000, now=NOW)
    assert "지우" in markdown and "내 답" in markdown and "참고 답안" in markdown


def test_an_empty_notebook_says_so() -> None:
    (markdown,) = notebook_markdown("Alice", [], translate=EN, max_bytes=10_000, now=NOW)
    assert "No answers yet" in markdown


def test_dates_are_the_members_local_days() -> None:
    late = entry(5, opened_at=dt.datetime(2025, 3, 5, 16, 0, tzinfo=dt.UTC))  # 01:00 on 6 March in Seoul
    (markdown,) = notebook_markdown("A", [late], translate=EN, max_bytes=10_000, now=NOW, timezone="Asia/Seoul")
    assert "2025-03-06" in markdown


def test_a_long_notebook_is_split_into_parts_within_the_limit() -> None:
    entries = [entry(n, answer="x" * 300) for n in range(1, 29)]
    parts = notebook_markdown("Alice", entries, translate=EN, max_bytes=2_000, now=NOW)
    assert len(parts) > 3
    assert all(len(part.encode("utf-8")) <= 2_000 for part in parts)
    assert all(part.startswith(f"_Part {n} of {len(parts)}_") for n, part in enumerate(parts, start=1))
    joined = "".join(parts)
    assert [joined.count(f"## Question number {n}?") for n in range(1, 29)] == [1] * 28
    assert "# Alice's study notebook" in parts[0]


def test_an_entry_too_long_for_a_part_is_cut_with_a_note() -> None:
    huge = entry(3, answer="가나다" * 2_000)  # 18,000 bytes of Korean
    parts = notebook_markdown("Alice", [huge], translate=EN, max_bytes=4_000, now=NOW)
    assert all(len(part.encode("utf-8")) <= 4_000 for part in parts)
    assert any("cut here" in part for part in parts)


def test_parts_beyond_the_maximum_are_left_out_with_a_note() -> None:
    entries = [entry(n, answer="y" * 500) for n in range(1, 21)]
    parts = notebook_markdown("Alice", entries, translate=EN, max_bytes=1_500, now=NOW, max_parts=2)
    assert len(parts) == 2
    assert all(len(part.encode("utf-8")) <= 1_500 for part in parts)
    assert "left out" in parts[-1]
    assert "Question number 20?" in parts[0]  # the newest are kept


def test_a_limit_too_small_for_any_part_is_refused() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        notebook_markdown("Alice", [RELU], translate=EN, max_bytes=100, now=NOW)


def test_weakest_categories_need_enough_answers() -> None:
    entries = [entry(1, category="a", coverage=0.1), entry(2, category="b", coverage=0.3), entry(3, category="b")]
    assert [c.category for c in weakest_categories(entries)] == ["a", "b"]
    assert [c.category for c in weakest_categories(entries, min_answers=2)] == ["b"]
    assert weakest_categories(entries, limit=1)[0].average_coverage == pytest.approx(0.1)


# -- Anki -----------------------------------------------------------------------------------------------------


def note(n: int, **values: object) -> AnkiNote:
    base: dict[str, object] = {
        "deck_id": "dl",
        "question_id": f"q{n}",
        "category": "Basics",
        "question": f"Question <{n}>?",
        "reference": (Bullet(text=f"Reference {n}"),),
        "correction": f"Correction {n}",
        "answer": f"My answer {n}",
        "missed": ("saturation",),
    }
    base.update(values)
    return AnkiNote(**base)  # type: ignore[arg-type]


def collection(data: bytes, tmp_path: Path) -> sqlite3.Connection:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {"collection.anki2", "media"} <= set(archive.namelist())
    path = tmp_path / "collection.anki2"
    path.write_bytes(archive.read("collection.anki2"))
    return sqlite3.connect(path)


def test_the_anki_package_is_a_zip_holding_the_expected_notes(tmp_path: Path) -> None:
    deck_id = anki_deck_id(GUILD, "alice")
    notes = [note(1), note(2, answer=None, correction=None)]
    exported = missed_apkg(notes, deck_id=deck_id, deck_name="Alice", translate=EN, max_bytes=10**6, now=NOW)
    assert (exported.notes, exported.omitted) == (2, 0)
    conn = collection(exported.data, tmp_path)
    rows = conn.execute("SELECT guid, mid, flds, tags FROM notes ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [genanki.guid_for("dl", "q1"), genanki.guid_for("dl", "q2")]
    assert {r[1] for r in rows} == {ANKI_MODEL_ID}
    fields = rows[0][2].split("\x1f")
    assert fields[0] == "Question &lt;1&gt;?"  # the text is escaped, not taken as HTML
    assert fields[1] == "<ul><li>Reference 1</li></ul>"
    assert fields[2:] == ["Correction 1", "My answer 1", "saturation", "Basics"]
    assert rows[0][3].split() == ["dl", "Basics"]
    models, decks = conn.execute("SELECT models, decks FROM col").fetchone()
    assert str(ANKI_MODEL_ID) in json.loads(models)
    assert json.loads(decks)[str(deck_id)]["name"] == "Alice"
    assert conn.execute("SELECT COUNT(*) FROM cards WHERE did = ?", (deck_id,)).fetchone() == (2,)


def test_deck_ids_are_stable_per_member_and_in_ankis_range() -> None:
    first = anki_deck_id(GUILD, "alice")
    assert first == anki_deck_id(GUILD, "alice")
    assert first != anki_deck_id(GUILD, "bob")
    assert first != anki_deck_id(GuildKey("fake", "guild-2"), "alice")
    assert 1 << 30 <= first < 1 << 31


def test_a_package_over_the_limit_leaves_out_the_last_notes_and_says_so(tmp_path: Path) -> None:
    notes = [note(n, answer="z" * 3_000 + str(n)) for n in range(40)]
    full = missed_apkg(notes, deck_id=1 << 30, deck_name="A", translate=EN, max_bytes=10**7, now=NOW)
    limit = len(full.data) // 2
    cut = missed_apkg(notes, deck_id=1 << 30, deck_name="A", translate=EN, max_bytes=limit, now=NOW)
    assert len(cut.data) <= limit
    assert 0 < cut.notes < 40 and cut.notes + cut.omitted == 40
    conn = collection(cut.data, tmp_path)
    guids = [r[0] for r in conn.execute("SELECT guid FROM notes ORDER BY id")]
    assert guids == [genanki.guid_for("dl", f"q{n}") for n in range(cut.notes)]
    (decks,) = conn.execute("SELECT decks FROM col").fetchone()
    assert f"{cut.omitted} more" in json.loads(decks)[str(1 << 30)]["desc"]


def test_a_limit_below_an_empty_package_is_refused() -> None:
    with pytest.raises(ValueError, match="empty Anki deck"):
        missed_apkg([note(1)], deck_id=1 << 30, deck_name="A", translate=EN, max_bytes=100, now=NOW)
