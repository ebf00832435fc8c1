"""``decks suggest``: wordings admins accepted on dispute, grouped by question and concept, as alias ideas."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from pathlib import Path

from bot.cli.run import EXIT_CONFIG, settings_or_exit
from bot.config import Settings
from bot.core.models import AcceptedWording
from bot.storage.backends import StoreUnavailable, open_store

WORDING_CHARS = 200


def suggest_command(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if settings is None:
        return EXIT_CONFIG
    if isinstance(settings.database, Path) and not settings.database.exists():
        print(f"no database at {settings.database}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        wordings = asyncio.run(_accepted(settings))
    except StoreUnavailable as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    print(format_suggestions(wordings), end="")
    return 0


async def _accepted(settings: Settings) -> list[AcceptedWording]:
    store = await open_store(settings)  # the SQLite file or the PostgreSQL database
    try:
        return await store.disputes.accepted_wordings()
    finally:
        await store.close()


def format_suggestions(wordings: list[AcceptedWording]) -> str:
    """One block per question: each disputed concept with the answers admins accepted for it."""
    if not wordings:
        return "no accepted disputes yet\n"
    grouped: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in wordings:
        grouped[(item.deck_id, item.question_id)][item.concept].append(" ".join(item.wording.split()))
    lines: list[str] = []
    for (deck_id, question_id), concepts in grouped.items():
        lines.append(f"{deck_id}/{question_id}")
        for concept, texts in concepts.items():
            lines.append(f"  concept: {concept} ({len(texts)} accepted)")
            lines.extend(f"    - {_clip(text)}" for text in texts)
    lines.append("Add the words members used for each concept to its aliases (or requires) in the deck.")
    return "\n".join(lines) + "\n"


def _clip(text: str) -> str:
    return text if len(text) <= WORDING_CHARS else text[: WORDING_CHARS - 1] + "…"
