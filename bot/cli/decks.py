"""The ``decks`` command group: validate, list, show and import question decks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.cli.run import EXIT_OK, EXIT_USER, settings_or_exit
from bot.cli.suggest import suggest_command
from bot.config import load_settings
from bot.core.deck_import import OutlineError, deck_to_yaml, import_outline_file
from bot.core.deck_schema import Bullet, Deck, Question
from bot.core.decks import DeckCatalog, DeckError, DeckIssue, LoadedDeck, check_decks, load_decks

# Invalid decks, unknown ids and files that cannot be read or written are for the user to fix.
EXIT_INVALID = EXIT_USER


def default_deck_paths() -> list[Path]:
    """The deck paths ``run`` loads: ``decks:`` of the configuration, or ``QUIZBOT_DECKS`` when that is set.

    Raises ``ConfigError`` for a broken configuration: guessing other paths would list decks the bot never loads.
    """
    return list(load_settings().decks)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``decks`` command and its subcommands; each sets ``func(args) -> exit code``."""
    decks = subparsers.add_parser(
        "decks",
        help="validate, list, show and import question decks",
        description="Work with question decks (YAML files under the deck directory).",
    )
    commands = decks.add_subparsers(dest="decks_command", metavar="COMMAND", required=True)
    dir_help = "deck directory (default: the deck paths run loads: QUIZBOT_DECKS if set, else decks: of the config)"

    validate = commands.add_parser(
        "validate",
        help="check deck files and report every problem",
        description="Check deck files; exits non-zero if any has errors. Warnings do not fail.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="deck file or directory")
    validate.set_defaults(func=validate_command)

    list_ = commands.add_parser("list", help="list decks with question counts per category")
    list_.add_argument("--dir", type=Path, default=None, help=dir_help)
    list_.set_defaults(func=list_command)

    show = commands.add_parser(
        "show",
        help="show a deck, or one question in full",
        description="Show a deck by id, or a question by id or DECK/QUESTION.",
    )
    show.add_argument("id", metavar="ID", help="deck id, question id, or DECK/QUESTION")
    show.add_argument("--dir", type=Path, default=None, help=dir_help)
    show.set_defaults(func=show_command)

    import_ = commands.add_parser(
        "import",
        help="turn a Markdown or text outline into deck YAML",
        description=(
            "Turn an outline (question lines followed by bulleted answers, sections as headings or "
            "[bracketed] lines) into deck YAML. Key concepts are left for you to write."
        ),
    )
    import_.add_argument("file", type=Path, metavar="FILE", help="outline to import")
    import_.add_argument("-o", "--output", type=Path, default=None, metavar="OUT", help="write here, not stdout")
    import_.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    import_.add_argument("--id", dest="deck_id", default=None, help="deck id (default: from the file name)")
    import_.add_argument("--title", default=None, help="deck title (default: the file name)")
    import_.add_argument(
        "--language",
        default=None,
        help="language code such as ko (default: ko if the text has Hangul, else en)",
    )
    import_.set_defaults(func=import_command)

    suggest = commands.add_parser(
        "suggest",
        help="print the answers admins accepted on dispute, per question and concept, as alias suggestions",
        description="Read accepted disputes from the database ($QUIZBOT_DB) and print their wordings per concept.",
    )
    suggest.set_defaults(func=suggest_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``decks ...`` on its own, as in ``main(["decks", "list"])``."""
    parser = argparse.ArgumentParser(prog="quizbot")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    exit_code: int = args.func(args)
    return exit_code


# --- validate -----------------------------------------------------------------------------------------


def validate_command(args: argparse.Namespace) -> int:
    """Print a summary line per valid deck, then warnings and errors; non-zero if any error."""
    report = check_decks(args.paths)
    for loaded in report.decks:
        print(_summary(loaded))
    _print_warnings(report.warnings)
    if report.errors:
        for issue in report.errors:
            print(issue, file=sys.stderr)
        files = len({issue.file for issue in report.errors})
        noun = "error" if len(report.errors) == 1 else "errors"
        print(f"{len(report.errors)} {noun} in {files} file(s)", file=sys.stderr)
        return EXIT_INVALID
    if not report.decks:
        print("no deck files found in: " + ", ".join(str(p) for p in args.paths), file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def _summary(loaded: LoadedDeck) -> str:
    deck = loaded.deck
    header = deck.deck
    categories = len(header.categories)
    parts = [
        f"{len(deck.questions)} questions",
        f"{categories} {'category' if categories == 1 else 'categories'}",
        f"{len(header.corrected)} corrected",
    ]
    if loaded.warnings:
        parts.append(f"{len(loaded.warnings)} warning{'s' if len(loaded.warnings) != 1 else ''}")
    return f"ok {loaded.path}: deck '{deck.id}' v{header.version} ({header.language}): " + ", ".join(parts)


def _print_warnings(warnings: Sequence[DeckIssue]) -> None:
    for issue in warnings:
        print(f"warning: {issue}", file=sys.stderr)


# --- list and show ------------------------------------------------------------------------------------


def _deck_paths(args: argparse.Namespace) -> tuple[list[Path], str] | None:
    """The paths to read and where they come from: ``--dir``, else exactly what ``run`` loads (``None`` after
    reporting a broken configuration)."""
    if args.dir is not None:
        return [args.dir], "--dir"
    settings = settings_or_exit()
    if settings is None:
        return None
    return list(settings.decks), settings.decks_origin


def _load(paths: list[Path]) -> DeckCatalog | None:
    where = " ".join(str(path) for path in paths)
    try:
        catalog = load_decks(paths)
    except DeckError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"fix the deck errors above (see: decks validate {where})", file=sys.stderr)
        return None
    if not catalog.decks:
        print(f"no decks found in {where}", file=sys.stderr)
        return None
    return catalog


def _names(ko: str, en: str) -> str:
    return ko if ko == en else f"{ko} / {en}"


def list_command(args: argparse.Namespace) -> int:
    """Print the deck paths and every deck in them with its question count per category."""
    found = _deck_paths(args)
    if found is None:
        return EXIT_INVALID
    paths, origin = found
    print(f"deck paths (from {origin}): {', '.join(str(path) for path in paths)}")
    catalog = _load(paths)
    if catalog is None:
        return EXIT_INVALID
    for deck in catalog.decks:
        header = deck.deck
        count = len(deck.questions)
        print(f"{deck.id}  {header.title}  ({header.language}, v{header.version}): {count} questions")
        for entry in catalog.categories([deck.id]):
            category = entry.category
            print(f"  {category.id}  {_names(category.ko, category.en)}: {entry.count}")
    if catalog.warnings:
        print(f"{len(catalog.warnings)} warning(s); see: decks validate", file=sys.stderr)
    return EXIT_OK


def show_command(args: argparse.Namespace) -> int:
    """Print a deck overview, or one question in full."""
    found = _deck_paths(args)
    catalog = None if found is None else _load(found[0])
    if catalog is None:
        return EXIT_INVALID
    wanted: str = args.id
    if "/" in wanted:
        deck_id, question_id = wanted.split("/", 1)
        if not catalog.has_question(deck_id, question_id):
            print(f"no question '{question_id}' in deck '{deck_id}'", file=sys.stderr)
            return EXIT_INVALID
        _print_question(deck_id, catalog.question(deck_id, question_id), sys.stdout)
        return EXIT_OK
    if wanted in catalog:
        _print_deck(catalog, catalog.deck(wanted), sys.stdout)
        return EXIT_OK
    matches = [entry for entry in catalog.entries() if entry.question.id == wanted]
    if len(matches) == 1:
        _print_question(matches[0].deck_id, matches[0].question, sys.stdout)
        return EXIT_OK
    if matches:
        choices = ", ".join(f"{entry.deck_id}/{wanted}" for entry in matches)
        print(f"question id '{wanted}' is in several decks; use one of: {choices}", file=sys.stderr)
    else:
        print(f"no deck or question with id '{wanted}'", file=sys.stderr)
    return EXIT_INVALID


def _print_deck(catalog: DeckCatalog, deck: Deck, out: TextIO) -> None:
    header = deck.deck
    out.write(f"{deck.id}: {header.title}\n")
    out.write(f"  language {header.language}, version {header.version}, {len(deck.questions)} questions\n")
    path = catalog.path(deck.id)
    if path is not None:
        out.write(f"  file: {path}\n")
    if header.description:
        out.write(f"  {header.description}\n")
    if header.source is not None:
        source = header.source
        credit = f"{source.author}, \u201c{source.title}\u201d"
        if source.date is not None:
            credit += f" ({source.date.isoformat()})"
        if source.url:
            credit += f" {source.url}"
        out.write(f"  source: {credit}; license: {source.license}\n")
    if header.corrected:
        out.write(f"  corrected: {', '.join(header.corrected)}\n")
    out.write("categories:\n")
    for entry in catalog.categories([deck.id]):
        out.write(f"  {entry.category.id}  {_names(entry.category.ko, entry.category.en)}: {entry.count}\n")
    out.write("questions:\n")
    width = max(len(q.id) for q in deck.questions)
    for question in deck.questions:
        out.write(f"  {question.id:<{width}}  [{question.category}, {question.difficulty}]  {question.question}\n")


def _print_bullets(bullets: Sequence[Bullet], out: TextIO, depth: int = 1) -> None:
    for bullet in bullets:
        out.write(f"{'  ' * depth}• {bullet.text}\n")
        _print_bullets(bullet.children, out, depth + 1)


def _print_question(deck_id: str, question: Question, out: TextIO) -> None:
    details = [question.category, question.difficulty.value, *(f"#{tag}" for tag in question.tags)]
    out.write(f"{deck_id}/{question.id}  [{', '.join(details)}]\n")
    out.write(f"Q. {question.question}\n")
    out.write("answer:\n")
    _print_bullets(question.answer, out)
    out.write("key concepts:\n")
    if not question.key_concepts:
        out.write("  (none)\n")
    for concept in question.key_concepts:
        aliases = f"  (also: {', '.join(concept.aliases)})" if concept.aliases else ""
        out.write(f"  - {concept.concept}{aliases}\n")
    if question.correction is not None:
        out.write(f"correction:\n  {question.correction}\n")


# --- import -------------------------------------------------------------------------------------------


def import_command(args: argparse.Namespace) -> int:
    """Write deck YAML for an outline file to ``--output`` or stdout."""
    source: Path = args.file
    try:
        deck = import_outline_file(source, deck_id=args.deck_id, title=args.title, language=args.language)
    except OSError as exc:
        print(f"cannot read {source}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    except (OutlineError, UnicodeDecodeError) as exc:
        print(f"{source}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    text = deck_to_yaml(deck)
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(text)
        target = "stdout"
    else:
        problem = _write_new(output, text, force=args.force)
        if problem is not None:
            print(problem, file=sys.stderr)
            return EXIT_INVALID
        target = str(output)
    categories = len(deck.deck.categories)
    print(
        f"imported {len(deck.questions)} questions in {categories} "
        f"{'category' if categories == 1 else 'categories'} from {source} to {target}; "
        "key concepts are still to be written for every question",
        file=sys.stderr,
    )
    return EXIT_OK


def _write_new(output: Path, text: str, *, force: bool) -> str | None:
    """Write ``output``; unless ``force``, only if it does not exist yet. Returns the problem, if any.

    Importing is the first step of writing a deck, and key concepts are added by hand afterwards: importing
    again to the same file must not throw that work away.
    """
    try:
        with output.open("w" if force else "x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        return f"{output} already exists; choose another -o file, or add --force to overwrite it"
    except OSError as exc:
        return f"cannot write {output}: {exc.strerror or exc}"
    return None


if __name__ == "__main__":
    sys.exit(main())
