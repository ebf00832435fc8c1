"""Character- and word-level folding shared by answers and rubric terms.

Both sides of every comparison go through the same functions, so a term written in the deck and the same
term typed in chat meet in the same form: invisible characters removed, NFKC, case-folded, British spellings
mapped to American ones and English words stemmed, Hangul decomposed to jamo for typo tolerance.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import snowballstemmer

# Invisible characters users paste in from editors, chat clients and RTL text: bidi controls, zero-width
# (non-)joiners and spaces, soft hyphen, variation selectors, Hangul fillers and tag characters. They are
# removed rather than treated as separators, so "chain\u200brule" reads as "chainrule".
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)

# Dashes, underscores and middle dots join the parts of a term ("chain-rule", "fan_in", "K·V"); they are
# read as spaces. U+119E is where NFKC sends the Hangul "ㆍ" often typed as a middle dot.
_JOINERS = re.compile(r"[\-_/\u00b7\u119e\u2010-\u2015\u2027\u2043\u2212\u2219\u22c5\u2e31\u2e3a\u2e3b\u30fb]")

# British spellings members write, folded onto the American ones the stemmer then treats alike.
_BRITISH = (
    (re.compile(r"isation"), "ization"),
    (re.compile(r"is(e|ed|es|ing|er|ers)$"), r"iz\1"),
    (re.compile(r"yse$|ysed$|yses$|ysing$"), "yze"),
    (re.compile(r"our$|ours$"), "or"),
    (re.compile(r"tre$"), "ter"),
)
# Words the British rule must leave alone: their "-ise" is not a verb ending.
_NOT_BRITISH = frozenset(
    """
    noise noises wise rise rises precise concise otherwise pairwise stepwise elementwise pointwise layerwise
    channelwise advise exercise promise premise raise raises vise hour four our your tour pour flour contour
    denoise denoised denoising noised noising raised raising arise arises arising likewise revise comprise
    comprises surprise expertise franchise enterprise paradise clockwise piecewise blockwise rowwise columnwise
    tokenwise
    """.split()  # noqa: SIM905 - a word list reads best as prose
)

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


def normalize(text: str) -> str:
    """Fold text the way grading sees it: invisible characters removed, NFKC, case-folded."""
    text = _INVISIBLE.sub("", text)
    # Case folding can leave text that NFKC would still change (e.g. some Greek and ligature forms), so
    # normalise on both sides of it. NFKC turns the compatibility Hangul fillers into invisible jamo
    # fillers, hence the second strip.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _INVISIBLE.sub("", folded)


# A hyphen inside a Latin word makes one word of it ("define-by-run", "end-to-end", "min-max").
_LATIN_HYPHEN = re.compile(r"(?<=[a-z0-9])-(?=[a-z0-9])")


def unjoin(text: str) -> str:
    """Join hyphenated Latin words into one; read other term joiners (dashes, underscores, slashes, middle
    dots) as spaces."""
    return _JOINERS.sub(" ", _LATIN_HYPHEN.sub("", text))


def spaced(text: str) -> str:
    """Hyphenated Latin words written apart ("define by run"): the other way a rubric term may be typed."""
    return _LATIN_HYPHEN.sub(" ", text)


def has_hangul(text: str) -> bool:
    return any(_HANGUL_FIRST <= ord(char) <= _HANGUL_LAST or 0x3131 <= ord(char) <= 0x318E for char in text)


def all_hangul(text: str) -> bool:
    """Whether every character is a Hangul syllable."""
    return all(_HANGUL_FIRST <= ord(char) <= _HANGUL_LAST for char in text)


class EnglishFolder:
    """Folds an English word to the key both sides are compared on: American spelling, then its stem."""

    def __init__(self) -> None:
        # The stemmer keeps a small cache of its own; one folder per analyser keeps it off module state.
        self._stemmer = snowballstemmer.stemmer("english")

    def fold(self, word: str) -> str:
        if len(word) <= 3 or not word.isascii() or not word.isalpha():
            return word
        if word not in _NOT_BRITISH:
            for pattern, replacement in _BRITISH:
                word = pattern.sub(replacement, word)
        stem: str = self._stemmer.stemWord(word)
        return stem


@functools.lru_cache(maxsize=65536)
def jamo(word: str) -> str:
    """Hangul syllables decomposed to their jamo, so a one-jamo slip ("모멘툼") is one edit away."""
    if not has_hangul(word):
        return word
    return unicodedata.normalize("NFD", word)


@functools.lru_cache(maxsize=65536)
def typo_budget(word: str) -> int:
    """How many edits a typed word may be away from a term word and still count as it.

    None for short words and abbreviations (where one edit makes another word), one from about five
    letters, two from about ten. Hangul is measured in jamo, where a syllable is two or three letters.
    """
    if any(char.isdigit() for char in word):
        return 0
    if has_hangul(word):
        size = len(jamo(word))
        return 0 if size < 7 else 1 if size < 14 else 2
    size = len(word)
    return 0 if size < 5 else 1 if size < 10 else 2
