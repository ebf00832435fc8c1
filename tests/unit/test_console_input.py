"""What the console reads from the terminal."""

from __future__ import annotations

import io

import pytest

from bot.core.commands import GiveAnswer
from bot.core.errors import UserError
from bot.platforms.console.runner import read_lines
from bot.platforms.console.session import parse_line


def test_bytes_that_are_not_utf8_are_read_as_replacement_characters() -> None:
    lines = list(read_lines(io.BytesIO(b"alice: caf\xe9\n/help\n").read1))

    assert lines == ["alice: caf\ufffd\n", "/help\n"]


def test_on_a_terminal_a_line_sent_with_ctrl_d_ends_the_input() -> None:
    chunks = iter([b"alice: first\n", b"alice: typed then ctrl-d", b"never read\n"])

    assert list(read_lines(lambda: next(chunks), terminal=True)) == ["alice: first\n", "alice: typed then ctrl-d"]


def test_from_a_pipe_a_line_split_across_reads_is_joined() -> None:
    chunks = iter([b"alice: par", b"tial\nbob: x", b"\n", b""])

    assert list(read_lines(lambda: next(chunks))) == ["alice: partial\n", "bob: x\n"]


def test_a_line_of_replacement_characters_is_still_an_answer_line() -> None:
    line = parse_line("bob: \ufffd\ufffd", 3)

    assert line.command == GiveAnswer(" \ufffd\ufffd", "r3:bob")


def test_a_lone_slash_is_explained_not_an_internal_error() -> None:
    with pytest.raises(UserError) as refused:
        parse_line("/", None)

    assert refused.value.key == "console.usage.unknown"
