"""Reading an answer into clauses of lemmas, with what each clause asserts and whether it is negated.

Korean is analysed with Kiwi (``kiwipiepy``): a morpheme analyser that ships its model as a package and runs
offline on the CPU. Its lemmas make endings, particles, plural 들 and light verbs (하다/되다) fall away, so
"정규화해서", "정규화를" and "정규화된" are all "정규화". Latin-script runs are re-read as English words and
folded (American spelling, stem). Every word is then read through the shared lexicon.

The answer is cut into:
* clauses, at sentence ends, line breaks and connective endings ("-고", "-지만", "-어서", but, while, …):
  the scope of a negation;
* segments, clauses further cut at commas after a claim and where a new topic starts ("Q는 …, K와 V는 …"):
  the scope within which two terms are read as related;
* chunks, segments cut at every comma: a chunk with no predicate, particle or relation word is a list
  item, and what it names is named, not claimed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.grading.lexicon import lexicon_entries
from bot.core.grading.text import EnglishFolder, normalize, unjoin


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NOT = "¬"  # the key every negator reads as, so a rubric term may contain one ("포화되지 않")

# Korean morphemes that negate their clause.
_KO_NEGATORS = {("안", "MAG"), ("못", "MAG"), ("않", "VX"), ("못하", "VX"), ("없", "VA"), ("아니", "VCN"), ("말", "VX")}
_EN_NEGATORS = _words(
    """
    not no never without cannot neither nor none nothing n't
    """
)
# Connective endings that end a clause where what follows is a new claim (contrast, sequence, cause).
_CLAUSE_ENDINGS_CONDITIONAL = frozenset({"면", "으면", "다면", "라면", "거든", "으면서도"})
_CLAUSE_ENDINGS_PURPOSE = frozenset({"도록", "게", "려고", "으려고", "고자"})
_EN_CLAUSE_WORDS = _words(
    """
    but while whereas although though because since so which however therefore thus hence when if unless whether
    """
)
_EN_CONDITIONAL = frozenset({"if", "unless", "without", "when"})
_EN_RELATION_WORDS = _words(
    """
    is are was were be been being am has have had do does did can could will would should may might must from into
    via than so because isnt arent doesnt dont cant wont
    """
)
# Verbs members use to claim something. A list item is a noun phrase; a chunk with one of these says
# something. Nouns that share a verb's spelling ("update", "output", "shift") are left out.
_EN_VERB_STEMS = _words(
    """
    reduce prevent normalize standardize compute calculate learn add multiply scale make allow let stabilize speed
    converge avoid depend remove ignore capture extract combine predict generate encode decode attend produce
    increase decrease improve help solve cause lead become remain stay keep mean fail explode vanish saturate die
    get go come need require use take give look treat see know force push pull move follow apply train overfit
    underfit memorize generalize zero cancel suffer mitigate alleviate replace sum divide subtract contain consist
    lose lack break shrink grow pass flow propagate backpropagate turn convert squash squeeze map project
    transform rescale shift center rely handle work behave act serve tend happen occur arise differ vary compare
    match fit slow accelerate randomize initialize sample select choose pick find search retrieve store save load
    run feed send receive share split merge stack concatenate fuse downsample upsample pool flatten reshape assign
    weigh weight query answer ask tell describe explain represent embed align contrast maximize minimize optimize
    update adjust tune regularize penalize punish reward drop skip bypass preserve destroy damage hurt harm
    benefit enable disable block limit
    """
)


def _inflections(verb: str) -> set[str]:
    forms = {verb}
    if verb.endswith("e"):
        forms |= {verb + "s", verb + "d"}
    elif verb.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {verb + "es", verb + "ed"}
    elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    else:
        forms |= {verb + "s", verb + "ed", verb + verb[-1] + "ed"}
    return forms


_EN_IRREGULAR_FORMS = _words(
    """
    made let kept became came went took gave saw knew led lost grew ran fed sent chose found got gets goes does
    has had broke shrank split
    """
)
_EN_NOT_VERBS = _words(
    """
    update output shift drop scale map split share return fit work sample pool weight query answer search store
    block limit skip turn run add sum use need project train center benefit reward feed flow pass act contrast
    damage harm match cause help look die break lack stack mean means weigh weights zero zeros sums stores maps
    runs turns pools samples queries answers
    """
)
_EN_VERB_FORMS = (
    frozenset(form for verb in _EN_VERB_STEMS for form in _inflections(verb)) | _EN_IRREGULAR_FORMS
) - _EN_NOT_VERBS
_EN_STOPWORDS = _words(
    """
    a an the is are was were be been being am of to in on for with by as at it its this that these those and or
    which so then from into there their they them we you i he she his her our your do does did has have had can
    could will would should may might must also just very really some any each every all both such like etc e.g eg
    ie via than what how why who when where if while but because since one ones thing things way ways kind
    basically about over up out
    """
)
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?(?:'[a-z]+)?|[.!?;,=→><:]|->|=>")
_SENTENCE_MARKS = frozenset({".", "!", "?", ";"})
_RELATION_MARKS = frozenset({"→", "->", "=>"})
# Kiwi tags whose morpheme is a word of the claim (nouns, predicates' stems, roots, numbers, foreign words).
_CONTENT_TAGS = ("NNG", "NNP", "NR", "XR", "SH", "SN", "VV", "VA", "MAG")
_PREDICATE_TAGS = ("VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA", "EF", "EC", "ETM", "ETN")
# Particles that tie a noun to a predicate or another noun: a chunk that has one is saying something.
_CLAIM_PARTICLES = ("JKS", "JKO", "JKB", "JKC", "JX")
_LATIN_TAGS = frozenset({"SL", "SN", "SO", "SW", "SS", "SF", "SP", "SE", "SB", "W_SERIAL", "W_URL", "W_EMAIL"})
_TOPIC_PARTICLES = frozenset({"은", "는"})
# Adverbs that carry no claim of their own; other MAG (e.g. 빨리) are kept as words.
_FILLER_LEMMAS = frozenset({"하", "되", "있", "이", "것", "등", "때", "통하", "대하", "위하"})
_FILLER_ADVERBS = frozenset(
    {"그리고", "그래서", "또", "또한", "즉", "좀", "더", "잘", "매우", "아주", "너무", "정말", "그냥"}
)


class Morphology(Protocol):
    """What the analyser needs of a morpheme analyser: Kiwi's ``tokenize``."""

    def tokenize(self, text: str) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Position:
    """One word of the answer: the keys it can be read as (its own and its compounds with the next words)."""

    keys: frozenset[str]
    start: int
    end: int
    clause: int
    segment: int
    chunk: int


@dataclass(frozen=True)
class Clause:
    negators: tuple[int, ...]  # positions of negators
    conditional: bool  # "if not …", "without …": a negation here states a condition, not a claim
    purpose: bool  # "…지 않도록": a negation here is a goal ("so that it does not")


@dataclass(frozen=True)
class Analysis:
    """An answer read into positions, with the clauses and chunks they belong to."""

    text: str
    positions: tuple[Position, ...]
    clauses: tuple[Clause, ...]
    claim_segments: frozenset[int]  # segments that say something (a predicate, particle or relation word)
    index: dict[str, tuple[int, ...]] = field(repr=False)

    def where(self, key: str) -> tuple[int, ...]:
        return self.index.get(key, ())


@dataclass
class _Word:
    lemma: str
    start: int
    end: int
    latin: bool
    noun: bool
    negator: bool = False


@dataclass
class _Builder:
    """Accumulates words and boundaries while walking the morphemes of one answer."""

    words: list[_Word] = field(default_factory=list)
    clause_of: list[int] = field(default_factory=list)
    segment_of: list[int] = field(default_factory=list)
    chunk_of: list[int] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    claim_segments: set[int] = field(default_factory=set)
    clause: int = 0
    segment: int = 0
    chunk: int = 0
    clause_start_word: int = 0
    chunk_has_claim: bool = False
    clause_has_claim: bool = False
    conditional: bool = False

    def add(self, word: _Word) -> None:
        self.words.append(word)
        self.clause_of.append(self.clause)
        self.segment_of.append(self.segment)
        self.chunk_of.append(self.chunk)

    def claim(self) -> None:
        self.chunk_has_claim = True
        self.clause_has_claim = True
        self.claim_segments.add(self.segment)

    def comma(self) -> None:
        if self.chunk_has_claim:
            self.segment += 1
        self.chunk += 1
        self.chunk_has_claim = False

    def new_topic(self, word_index: int) -> None:
        """A topic starts at ``word_index`` (a noun phrase followed by 은/는): a new segment from there."""
        if word_index <= self.clause_start_word or not self.clause_has_claim:
            return
        self.segment += 1
        self.chunk += 1
        for i in range(word_index, len(self.words)):
            self.segment_of[i] = self.segment
            self.chunk_of[i] = self.chunk
        self.chunk_has_claim = False

    def end_clause(self, *, conditional: bool = False, purpose: bool = False) -> None:
        negators = tuple(i for i in range(self.clause_start_word, len(self.words)) if self.words[i].negator)
        self.clauses.append(Clause(negators, conditional or self.conditional, purpose))
        self.clause += 1
        self.segment += 1
        self.chunk += 1
        self.clause_start_word = len(self.words)
        self.chunk_has_claim = False
        self.clause_has_claim = False
        self.conditional = False


class Analyser:
    """Reads answers and rubric terms into keys. Build one per process; reading is thread-safe and pure."""

    def __init__(self, morphology: Morphology) -> None:
        self._morphology = morphology
        self._english = EnglishFolder()
        self._lexicon: dict[str, tuple[str, ...]] = {}
        for spelling, reading in lexicon_entries():
            key = self._fold_word(normalize(spelling))
            self._lexicon.setdefault(key, tuple(self._fold_word(w) for w in reading))

    def _fold_word(self, word: str) -> str:
        return self._english.fold(word) if word.isascii() else word

    def read(self, word: str) -> tuple[str, ...]:
        """The keys one word (a lemma or a folded English word) reads as, through the lexicon.

        A Hangul compound the lexicon lacks is read as two words it has, where it splits into such
        ("체인룰" → chain rule, "모멘텀값" → momentum value)."""
        folded = self._fold_word(word)
        known = self._lexicon.get(folded)
        if known is not None:
            return known
        if not folded.isascii() and len(folded) >= 3:
            for cut in range(1, len(folded)):
                left, right = self._lexicon.get(folded[:cut]), self._lexicon.get(folded[cut:])
                if left is not None and right is not None:
                    return left + right
        return (folded,)

    # -- answers ---------------------------------------------------------------------------------------

    def analyse(self, text: str) -> Analysis:
        """Read an answer into positions, clauses, segments and chunks."""
        text, builder = self._read(text)
        return self._positions(text, builder)

    def _read(self, text: str) -> tuple[str, _Builder]:
        text = unjoin(normalize(text))
        builder = _Builder()
        morphemes = list(self._morphology.tokenize(text)) if text.strip() else []
        self._walk(text, morphemes, builder)
        builder.end_clause()
        return text, builder

    def _walk(self, text: str, morphemes: list[Any], b: _Builder) -> None:
        i = 0
        previous_end = 0
        while i < len(morphemes):
            m = morphemes[i]
            if "\n" in text[previous_end : m.start] and b.words[b.clause_start_word :]:
                b.end_clause()
            if m.tag in _LATIN_TAGS:
                j = i
                while j + 1 < len(morphemes) and morphemes[j + 1].tag in _LATIN_TAGS:
                    if morphemes[j + 1].start != morphemes[j].start + morphemes[j].len and text[
                        morphemes[j].start + morphemes[j].len : morphemes[j + 1].start
                    ].strip(" \t"):
                        break
                    j += 1
                run_end = morphemes[j].start + morphemes[j].len
                self._latin(text, m.start, run_end, b)
                previous_end = run_end
                i = j + 1
                continue
            self._korean(morphemes, i, b)
            previous_end = m.start + m.len
            i += 1

    def _latin(self, text: str, start: int, end: int, b: _Builder) -> None:
        """English (and numbers, symbols) between ``start`` and ``end``: words, clause words and marks."""
        for match in _LATIN_WORD.finditer(text, start, end):
            token = match.group()
            if "\n" in text[start : match.start()] and b.words[b.clause_start_word :]:
                b.end_clause()
            start = match.end()
            if token in _SENTENCE_MARKS:
                b.end_clause()
            elif token in {",", ":"}:
                b.comma()
            elif token in _RELATION_MARKS:
                b.claim()
            else:
                self._english_word(token, match.start(), match.end(), b)

    def _english_word(self, token: str, start: int, end: int, b: _Builder) -> None:
        negated = token.endswith("n't")
        if negated:
            token = token[:-3] or "not"
        token = token.replace("'s", "").replace("'", "")
        if token in _EN_CLAUSE_WORDS and b.words[b.clause_start_word :]:
            b.end_clause()
        elif token == "and" and b.chunk_has_claim:
            # "Q comes from the decoder and K, V from the encoder": a new claim about other things.
            b.comma()
        if token in _EN_CONDITIONAL:
            b.conditional = True
        if token in _EN_RELATION_WORDS or token in _EN_VERB_FORMS or negated:
            b.claim()
        if negated or token in _EN_NEGATORS:
            b.add(_Word(NOT, start, end, latin=True, noun=False, negator=True))
            return
        if token in _EN_STOPWORDS or token in _EN_CLAUSE_WORDS:
            return
        b.add(_Word(token, start, end, latin=True, noun=True))

    def _korean(self, morphemes: list[Any], i: int, b: _Builder) -> None:
        m = morphemes[i]
        tag: str = m.tag.split("-")[0]
        form: str = m.form
        if (form, tag) in _KO_NEGATORS or (tag == "VX" and form.startswith("못")):
            b.claim()
            b.add(_Word(NOT, m.start, m.start + m.len, latin=False, noun=False, negator=True))
            return
        if tag == "XSN" and b.words and b.words[-1].noun and b.words[-1].end == m.start:
            last = b.words[-1]
            last.lemma += form
            last.end = m.start + m.len
            return
        if tag in _PREDICATE_TAGS:
            b.claim()
        if tag == "EF":
            b.end_clause()
        elif tag == "EC":
            following = morphemes[i + 1].tag if i + 1 < len(morphemes) else ""
            if not following.startswith(("VX", "XSV", "XSA", "VCN")):
                b.end_clause(conditional=form in _CLAUSE_ENDINGS_CONDITIONAL, purpose=form in _CLAUSE_ENDINGS_PURPOSE)
        elif tag == "SF":
            b.end_clause()
        elif tag == "SP":
            b.comma()
        elif tag in _CLAIM_PARTICLES:
            if tag == "JX" and form in _TOPIC_PARTICLES and b.words and b.words[-1].noun:
                b.new_topic(self._phrase_start(morphemes, i, b))
            b.claim()
        elif tag in _CONTENT_TAGS and not (tag == "MAG" and form in _FILLER_ADVERBS):
            lemma = form if tag[0] != "V" else str(getattr(m, "lemma", form) or form).removesuffix("다")
            if lemma in _FILLER_LEMMAS:
                return
            noun = tag in ("NNG", "NNP", "NR", "XR", "SH", "SN")
            b.add(_Word(lemma, m.start, m.start + m.len, latin=False, noun=noun))

    @staticmethod
    def _phrase_start(morphemes: list[Any], i: int, b: _Builder) -> int:
        """The index of the first word of the noun phrase that ends just before morpheme ``i``."""
        count = 0
        j = i - 1
        while j >= 0 and morphemes[j].tag.split("-")[0] in ("NNG", "NNP", "NR", "SL", "SN", "XSN", "JC", "SH"):
            if morphemes[j].tag not in ("JC", "XSN"):
                count += 1
            j -= 1
        return max(len(b.words) - count, 0)

    def _positions(self, text: str, b: _Builder) -> Analysis:
        positions: list[Position] = []
        index: dict[str, list[int]] = {}
        words = b.words
        for n, word in enumerate(words):
            reading = self.read(word.lemma) if not word.negator else (NOT,)
            if word.negator and b.clauses[b.clause_of[n]].purpose:
                # "…이 생기지 않도록": the negation of a purpose reads as "to prevent".
                reading = (NOT, *self.read("prevent"))
            keys = {*reading, "".join(reading)}
            if not word.negator:
                # A compound written apart or together reads the same: "배치 정규화" also as "배치정규화".
                joined = word.lemma
                for k in range(n + 1, min(n + 3, len(words))):
                    nxt = words[k]
                    if nxt.negator or b.chunk_of[k] != b.chunk_of[n] or nxt.latin != word.latin:
                        break
                    joined += nxt.lemma
                    compound = self.read(joined)
                    keys.update((*compound, "".join(compound)))
            for key in keys:
                index.setdefault(key, []).append(n)
            positions.append(
                Position(frozenset(keys), word.start, word.end, b.clause_of[n], b.segment_of[n], b.chunk_of[n])
            )
        return Analysis(
            text=text,
            positions=tuple(positions),
            clauses=tuple(b.clauses),
            claim_segments=frozenset(b.claim_segments),
            index={key: tuple(found) for key, found in index.items()},
        )

    # -- rubric terms ----------------------------------------------------------------------------------

    def term_variants(self, spelling: str) -> tuple[tuple[str, ...], ...]:
        """The ways a rubric spelling can be found: the keys of its words in order, and, for a Hangul term
        of several words, the keys of the words written together ("배치 정규화" also as "배치정규화")."""
        _, builder = self._read(spelling)
        keys: list[str] = []
        for word in builder.words:
            keys.extend(self.read(word.lemma) if not word.negator else (NOT,))
        variants = {tuple(keys)}
        joined = "".join(normalize(spelling).split())
        if len(builder.words) > 1 and not joined.isascii():
            variants.add(self.read(joined))
        return tuple(sorted(v for v in variants if v))


@functools.cache
def kiwi_morphology() -> Morphology:
    """Kiwi with its packaged model, loaded once per process and shared: the model is read-only once built.

    Loading takes about a second of CPU; call this off the event loop.
    """
    from kiwipiepy import Kiwi

    kiwi: Morphology = Kiwi()
    # The first analysis builds Kiwi's internal tables; pay for it here rather than in the first reveal.
    kiwi.tokenize("워밍업: 모델을 한 번 읽어 둡니다.")
    return kiwi


MorphologyLoader = Callable[[], Morphology]
