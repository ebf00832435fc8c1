"""Shared fixtures for unit tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

DeckWriter = Callable[..., Path]

_VALID_DECK = """\
deck:
  id: demo
  title: Demo deck
  language: en
  version: 1
  description: A small deck for tests.
  source:
    author: Kim Jiwoo
    title: Interview notes
    date: 2025-05-17
    url: https://example.com/notes
    license: CC BY 4.0
  categories:
    - id: basics
      ko: 기초
      en: Basics
    - id: training
      ko: 학습
      en: Training
  corrected: [softmax-formula]
questions:
  - id: relu-why
    category: basics
    difficulty: easy
    tags: [activation]
    question: Why use ReLU instead of sigmoid?
    answer:
      - Sigmoid saturates for large inputs.
      - text: ReLU keeps gradients alive.
        children:
          - Its slope is 1 for positive inputs.
    key_concepts:
      - concept: vanishing gradient
        aliases: [gradient vanishing, 기울기 소실]
      - concept: saturation
  - id: softmax-formula
    category: basics
    difficulty: medium
    question: Write the softmax formula.
    answer:
      - exp(x_i) divided by the sum of exp(x_j).
    key_concepts:
      - concept: exponential
      - concept: normalization
    correction: The sum in the denominator runs over all classes.
  - id: dropout
    category: training
    difficulty: hard
    question: What does dropout do?
    answer:
      - Randomly disables neurons during training.
    key_concepts:
      - concept: regularization
      - concept: random
"""


@pytest.fixture
def valid_deck_yaml() -> str:
    """A valid three-question deck (id ``demo``) that tests break in one place at a time."""
    return _VALID_DECK


@pytest.fixture
def write_deck(tmp_path: Path) -> DeckWriter:
    """Write deck YAML (dedented) under ``tmp_path``; returns the file's path."""

    def write(text: str, name: str = "demo.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
