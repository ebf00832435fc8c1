"""Question decks: loading them from YAML with located errors, validating them, and the catalog of loaded decks."""

from bot.core.decks.catalog import CategoryCount, DeckCatalog, DeckQuestion, UnknownDeckError, UnknownQuestionError
from bot.core.decks.issues import DeckError, DeckIssue, Findings
from bot.core.decks.loading import (
    DECK_SUFFIXES,
    DeckReport,
    LoadedDeck,
    check_decks,
    deck_files,
    load_deck,
    load_decks,
    parse_deck,
    read_deck,
)
from bot.core.decks.validation import validate_deck

__all__ = [
    "DECK_SUFFIXES",
    "CategoryCount",
    "DeckCatalog",
    "DeckError",
    "DeckIssue",
    "DeckQuestion",
    "DeckReport",
    "Findings",
    "LoadedDeck",
    "UnknownDeckError",
    "UnknownQuestionError",
    "check_decks",
    "deck_files",
    "load_deck",
    "load_decks",
    "parse_deck",
    "read_deck",
    "validate_deck",
]
