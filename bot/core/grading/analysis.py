"""Reading an answer into words, with what each part of it claims and what it negates.

Korean is analysed with Kiwi (``kiwipiepy``): a morpheme analyser that ships its model as a package and runs
offline on the CPU. Its lemmas make endings, particles, plural 들 and light verbs (하다/되다) fall away, so
"정규화해서", "정규화를" and "정규화된" are all "정규화". Latin-script runs are re-read as English words and
folded (American spelling, stem). Every word is then read through the shared lexicon into keys.

The answer is cut into:
* sentences, at sentence ends and line breaks;
* clauses, at connective endings ("-고", "-지만", "-어서", "-면", but, while, because, …): the scope of a
  negation;
* segments, clauses cut further at commas after a claim and where a new topic starts ("Q는 …, K와 V는 …"):
  the scope within which two terms are read as related. A sentence's topic ("L2는 …", "BN normalizes …")
  also relates to the later segments of its sentence ("L2는 제곱합을 더해서 가중치를 0에 가깝게 만든다");
* chunks, segments cut at every comma. A chunk that has a predicate or a particle says something; a bare
  chunk is a list item, which counts as said only when a later chunk of its segment has a full predicate
  ("A, B, C로 과적합을 막는다").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.core.grading import english
from bot.core.grading.lexicon import lexicon_entries
from bot.core.grading.text import EnglishFolder, all_hangul, has_hangul, jamo, normalize, spaced, typo_budget, unjoin

NOT = "¬"  # the key every negator reads as, so a rubric term may contain one ("포화되지 않")

# Korean morphemes that negate their clause.
_KO_NEGATORS = {("안", "MAG"), ("못", "MAG"), ("않", "VX"), ("못하", "VX"), ("없", "VA"), ("아니", "VCN"), ("말", "VX")}
# Connective endings after which a clause is a condition or a purpose: a negation there is no denial.
_CONDITIONAL_ENDINGS = frozenset({"면", "으면", "다면", "라면", "거든", "ᆫ다면"})
_PURPOSE_ENDINGS = frozenset({"도록", "려고", "으려고", "고자"})
# "-게" joins an adverb to its verb ("랜덤하게 끈다"); only after a negation is it a purpose ("생기지 않게").
_ADVERBIAL_ENDINGS = frozenset({"게"})
# Kiwi tags whose morpheme is a word of the claim.
_NOUN_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "XR", "SH", "SN", "MM"})
_PREDICATE_STEMS = frozenset({"VV", "VA"})
# Morphemes that complete a predicate: the chunk then makes a full claim.
_FULL_CLAIM_TAGS = frozenset({"EF", "EC", "ETM", "VCP", "VCN"})
# Particles that tie a noun to a predicate or another noun: a chunk that has one says something.
_CLAIM_PARTICLES = frozenset({"JKS", "JKO", "JKB", "JKC", "JX"})
_LATIN_TAGS = frozenset({"SL", "SN", "SO", "SW", "SS", "SF", "SP", "SE", "SB", "W_SERIAL", "W_URL", "W_EMAIL"})
_TOPIC_PARTICLES = frozenset({"은", "는"})
_SUBJECT_PARTICLES = frozenset({"이", "가"})
# Derivational suffixes that make a new term (정규화, 선형성, 학습률, 유사도); others (들, 끼리) fall away.
_DERIVING_SUFFIXES = frozenset(
    {"화", "성", "적", "률", "율", "도", "법", "기", "량", "형", "식", "치", "력", "계", "점", "체"}
)
_FILLER_LEMMAS = frozenset(
    {"하", "되", "있", "이", "것", "등", "때", "통하", "대하", "위하", "수", "데", "바", "뿐", "듯", "중", "거"}
    | {"그", "저", "어느", "무슨", "어떤", "이런", "그런", "저런", "각", "몇", "경우", "정도"}
)
_FILLER_ADVERBS = frozenset(
    {"그리고", "그래서", "또", "또한", "즉", "좀", "잘", "매우", "아주", "너무", "정말", "그냥", "특히", "주로", "보통"}
)
# How many words a "without" / "없이" governs.
_LOCAL_SCOPE = 3

_LATIN_WORD = re.compile(r"[a-z0-9α-ω]+(?:\.[0-9]+)?(?:'[a-z]+)?|[.!?;,=→><:]|->|=>")
_SENTENCE_MARKS = frozenset({".", "!", "?", ";"})
_RELATION_MARKS = frozenset({"→", "->", "=>", "=", ":"})
# " / " and " | " between spaces separate items; "K/V" without spaces joins a term.
_SPACED_SEPARATOR = re.compile(r"\s+[/|]\s+")


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
    claimed: bool  # it stands in a part of the answer that says something, not in a bare list
    # The later segments of its sentence it is the topic of.
    topic_of: frozenset[int] = frozenset()
    negated_by: int | None = None  # the "without"/"없이" that negates this word alone
    contrast: bool = False  # what a claim is set against ("X와 달리", "X보다", "unlike X", "than X")

    @property
    def segments(self) -> frozenset[int]:
        return self.topic_of | {self.segment}


@dataclass(frozen=True)
class Clause:
    negators: tuple[int, ...]  # positions of the clause's negators (each negates its own segment)
    conditional: bool  # "…이 없으면", "if not …": a negation here states a condition, not a claim
    purpose: bool  # "…지 않도록": a negation here is a goal ("so that it does not")


@dataclass(frozen=True)
class Analysis:
    """An answer read into positions, with the clauses they belong to."""

    text: str
    positions: tuple[Position, ...]
    clauses: tuple[Clause, ...]
    index: dict[str, tuple[int, ...]] = field(repr=False)
    chunks: int = 0  # comma-separated pieces holding words
    listed_chunks: int = 0  # of those, pieces that say nothing of their own: list items

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
    local: int = 0  # a "without" (+1: negates the words after it) or "없이" (-1: the words before it)


@dataclass
class _Builder:
    """Accumulates words and boundaries while walking the morphemes of one answer."""

    words: list[_Word] = field(default_factory=list)
    clause_of: list[int] = field(default_factory=list)
    segment_of: list[int] = field(default_factory=list)
    chunk_of: list[int] = field(default_factory=list)
    sentence_of: list[int] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    chunk_claims: dict[int, bool] = field(default_factory=dict)  # chunk -> a full claim (True) or a weak one
    chunk_segment: dict[int, int] = field(default_factory=dict)
    # (sentence, whether it opens its clause, word indices)
    topics: list[tuple[int, bool, list[int]]] = field(default_factory=list)
    clause: int = 0
    segment: int = 0
    chunk: int = 0
    sentence: int = 0
    clause_start_word: int = 0
    subject_start: int | None = 0  # where the words before the next claim, its subject, begin
    chunk_has_claim: bool = False
    clause_has_claim: bool = False
    conditional: bool = False
    subordinate: bool = False
    prefix: str = ""
    text: str = ""
    contrast: set[int] = field(default_factory=set)  # words set against the claim (see Position.contrast)
    contrast_next: int = 0  # English: how many of the next words a contrast word sets off

    def add(self, word: _Word) -> None:
        if self.prefix and not word.latin and not word.negator:
            word.lemma = self.prefix + word.lemma
            word.start -= len(self.prefix)
        self.prefix = ""
        self.words.append(word)
        self.clause_of.append(self.clause)
        self.segment_of.append(self.segment)
        self.chunk_of.append(self.chunk)
        self.sentence_of.append(self.sentence)
        self.chunk_segment[self.chunk] = self.segment

    def claim(self, *, full: bool) -> None:
        if self.subject_start is not None and self.words[self.subject_start :] and english_clause(self):
            # An English clause's subject is what it says something about.
            subject = [i for i in range(self.subject_start, len(self.words)) if not self.words[i].negator]
            if subject and len(subject) <= 5:
                self.topic(subject)
        self.subject_start = None
        self.chunk_has_claim = True
        self.clause_has_claim = True
        self.chunk_claims[self.chunk] = self.chunk_claims.get(self.chunk, False) or full
        self.chunk_segment[self.chunk] = self.segment

    def topic(self, word_indices: list[int]) -> None:
        opens = bool(word_indices) and word_indices[0] <= self.clause_start_word
        self.topics.append((self.sentence, opens, word_indices))

    def close_chunk(self) -> None:
        """An English chunk of four or more words without a verb is a telegraphic claim ("sinusoidal position
        vectors added to each token"), not a list item; list items are a term or two."""
        if self.chunk_has_claim:
            return
        words = [w for n, w in enumerate(self.words) if self.chunk_of[n] == self.chunk and not w.negator]
        if len(words) >= 4 and all(w.latin for w in words):
            self.claim(full=False)

    def comma(self) -> None:
        self.contrast_next = 0
        self.close_chunk()
        if self.chunk_has_claim:
            self.segment += 1
            self.subject_start = len(self.words)  # "Max pooling takes the largest, average pooling …"
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
            self.chunk_segment[self.chunk] = self.segment
        self.chunk_has_claim = False

    def end_clause(self, *, conditional: bool = False, purpose: bool = False, sentence: bool = False) -> None:
        self.close_chunk()
        negators = tuple(
            i
            for i in range(self.clause_start_word, len(self.words))
            if self.words[i].negator and not self.words[i].local
        )
        self.clauses.append(Clause(negators, conditional or self.conditional, purpose))
        self.clause += 1
        self.segment += 1
        self.chunk += 1
        if sentence:
            self.sentence += 1
        self.clause_start_word = len(self.words)
        self.subject_start = len(self.words)
        self.contrast_next = 0
        self.chunk_has_claim = False
        self.clause_has_claim = False
        self.conditional = False
        self.subordinate = False
        self.prefix = ""


def english_clause(b: _Builder) -> bool:
    return all(b.words[i].latin for i in range(b.clause_start_word, len(b.words)))


class Analyser:
    """Reads answers and rubric terms into keys. Build one per process; reading is thread-safe and pure."""

    def __init__(self, morphology: Morphology) -> None:
        self._morphology = morphology
        self._english = EnglishFolder()
        self._lexicon: dict[str, tuple[str, ...]] = {}
        for spelling, reading in lexicon_entries():
            key = self._fold_word(normalize(spelling))
            self._lexicon.setdefault(key, tuple(self._fold_word(w) for w in reading))
        self._hangul_spellings = [s for s in self._lexicon if has_hangul(s)]
        self._hangul_jamo = [jamo(s) for s in self._hangul_spellings]
        # Derived from the lexicon alone, so it can be rebuilt at will; never holds answers' text.
        self._read = functools.lru_cache(maxsize=65536)(self._read_word)

    def _fold_word(self, word: str) -> str:
        return self._english.fold(word) if word.isascii() else word

    def read(self, word: str) -> tuple[str, ...]:
        """The keys one word (a lemma or an English word) reads as, through the lexicon."""
        result: tuple[str, ...] = self._read(word)
        return result

    def _read_word(self, word: str) -> tuple[str, ...]:
        folded = self._fold_word(word)
        known = self._lexicon.get(folded)
        if known is not None:
            return known
        if folded.isascii() or len(folded) < 2:
            return (folded,)
        # A Hangul compound the lexicon lacks, read as two words it has ("체인룰" → chain rule).
        for cut in range(1, len(folded)):
            left, right = self._lexicon.get(folded[:cut]), self._lexicon.get(folded[cut:])
            if left is not None and right is not None:
                return left + right
        # A typo of a word the lexicon has ("졍규화" → 정규화), where the word is long enough to tell.
        budget = typo_budget(folded) if all_hangul(folded) else 0
        if budget:
            found = process.extractOne(
                jamo(folded), self._hangul_jamo, scorer=Levenshtein.distance, score_cutoff=budget
            )
            if found is not None:
                return self._lexicon[self._hangul_spellings[found[2]]]
        return (folded,)

    # -- answers ---------------------------------------------------------------------------------------

    def analyse(self, text: str) -> Analysis:
        """Read an answer into positions and clauses."""
        text, builder = self._walk_text(text)
        return self._positions(text, builder)

    def _walk_text(self, text: str) -> tuple[str, _Builder]:
        text = unjoin(_SPACED_SEPARATOR.sub(", ", normalize(text)))
        builder = _Builder()
        morphemes = list(self._morphology.tokenize(text)) if text.strip() else []
        self._walk(text, morphemes, builder)
        builder.end_clause(sentence=True)
        _prohibitions(builder)
        return text, builder

    def _walk(self, text: str, morphemes: list[Any], b: _Builder) -> None:
        b.text = text
        i = 0
        previous_end = 0
        while i < len(morphemes):
            m = morphemes[i]
            if "\n" in text[previous_end : m.start] and b.words[b.clause_start_word :]:
                b.end_clause(sentence=True)
            if m.tag in _LATIN_TAGS:
                j = i
                while j + 1 < len(morphemes) and morphemes[j + 1].tag in _LATIN_TAGS:
                    gap = text[morphemes[j].start + morphemes[j].len : morphemes[j + 1].start]
                    if gap.strip(" \t"):
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
        tokens = list(_LATIN_WORD.finditer(text, start, end))
        for n, match in enumerate(tokens):
            token = match.group()
            if "\n" in text[start : match.start()] and b.words[b.clause_start_word :]:
                b.end_clause(sentence=True)
            start = match.end()
            if token in _SENTENCE_MARKS:
                following = text[match.end() : match.end() + 1]
                if token == "." and following.isalnum():
                    continue  # "tf.function", "1.x": a dot inside a name
                b.end_clause(sentence=True)
            elif token == ",":
                if b.subordinate and b.clause_has_claim:
                    b.end_clause()  # "Since X doesn't Y, Z …": the comma closes the subordinate clause
                else:
                    b.comma()
            elif token in _RELATION_MARKS:
                b.claim(full=False)
            else:
                previous = tokens[n - 1].group() if n else ""
                following = tokens[n + 1].group() if n + 1 < len(tokens) else ""
                self._english_word(text, token, match, previous, following, b)

    def _english_word(
        self, text: str, token: str, match: re.Match[str], previous: str, following: str, b: _Builder
    ) -> None:
        start, end = match.start(), match.end()
        negated = token.endswith("n't")
        if negated:
            token = token[:-3] or "not"
        if token in english.COPULA_CONTRACTIONS:
            b.claim(full=True)
            return
        token = token.replace("'s", "").replace("'", "")
        if token in english.CLAUSE_WORDS:
            if b.words[b.clause_start_word :]:
                b.end_clause()
            b.subordinate = token in english.SUBORDINATORS
        elif token == "and" and b.chunk_has_claim and _new_claim_follows(text, end):
            # "Q comes from the decoder and K, V from the encoder": a new claim about other things.
            b.comma()
            b.subject_start = len(b.words)
        if token in english.CONDITIONAL:
            b.conditional = True
        if token in english.AUXILIARIES or negated or _is_verb(token, previous, following, b):
            b.claim(full=True)
        elif token in english.RELATIONS:
            b.claim(full=False)
        if negated or token in english.NEGATORS:
            b.add(_Word(NOT, start, end, latin=True, noun=False, negator=True))
        elif token in english.LOCAL_NEGATORS:
            b.add(_Word(NOT, start, end, latin=True, noun=False, negator=True, local=1))
        elif token in english.CONTRASTS:
            b.contrast_next = _LOCAL_SCOPE
        elif token not in english.STOPWORDS and token not in english.CLAUSE_WORDS:
            if b.contrast_next:
                b.contrast.add(len(b.words))
                b.contrast_next -= 1
            b.add(_Word(token, start, end, latin=True, noun=True))

    def _korean(self, morphemes: list[Any], i: int, b: _Builder) -> None:
        m = morphemes[i]
        tag: str = m.tag.split("-")[0]
        form: str = m.form
        before = morphemes[i - 1] if i else None
        if before is not None and before.tag == "SL" and before.start + before.len == m.start and tag[:2] == "NN":
            # Kiwi sometimes reads a particle glued to an English word as a noun ("LN은" as LN + silver).
            tag = {"은": "JX", "는": "JX", "이": "JKS", "가": "JKS", "을": "JKO", "를": "JKO"}.get(form, tag)
        after = morphemes[i + 1] if i + 1 < len(morphemes) else None
        if tag == "VX" and form == "지" and before is not None and before.tag == "EC" and b.words:
            last = b.words[-1]
            if not last.noun and not last.latin and last.start <= before.start:
                # "커지다", "작아지다", "빨라지다": becoming more or less, as the lexicon reads them.
                last.lemma = b.text[last.start : m.start] + "지"
                last.end = m.start + m.len
                return
        if tag == "VX" and form == "말":
            if after is not None and after.tag == "ETM":
                # Kiwi reads the contrast "-지만" as 지 + 말 + ㄴ: a clause ends, nothing is negated.
                b.claim(full=True)
                b.end_clause()
                return
            if before is not None and before.form.endswith("지") and before.form != "지":
                return  # "할지 말지": whether or not
        if (tag == "JKB" and form == "보다") or (form == "대신" and tag == "NNG"):
            b.contrast.update(range(self._phrase_start(morphemes, i, b), len(b.words)))  # "X보다", "X 대신"
        unlike = form == "달리" or (form == "다르" and after is not None and after.form == "게")
        if unlike and before is not None and before.tag == "JKB" and before.form in ("와", "과"):
            b.contrast.update(range(self._phrase_start(morphemes, i - 1, b), len(b.words)))  # "X와 달리"
        if (form, tag) in _KO_NEGATORS and _only(morphemes, i):
            return  # "직선밖에 못 만든다": only, not a denial
        if form == "없이" and tag == "MAG":
            b.add(_Word(NOT, m.start, m.start + m.len, latin=False, noun=False, negator=True, local=-1))
            return
        if (form, tag) in _KO_NEGATORS or (tag == "VX" and form.startswith("못")):
            b.claim(full=False)
            b.add(_Word(NOT, m.start, m.start + m.len, latin=False, noun=False, negator=True))
            return
        if tag == "XPN":
            b.prefix = form  # 비지도, 불안정, 무작위, 재구성: the prefix belongs to the next word
            return
        if tag == "XSN":
            noun = b.words[-1] if b.words else None
            if form in _DERIVING_SUFFIXES and noun is not None and noun.noun and noun.end == m.start:
                noun.lemma += form
                noun.end = m.start + m.len
            return
        if form == "더" and tag == "MAG" and after is not None and after.form == "하":
            b.add(_Word("더하", m.start, after.start + after.len, latin=False, noun=False))  # 더하다: add
            return
        if tag in _PREDICATE_STEMS or tag in ("VX", "XSV", "XSA"):
            b.claim(full=False)
        if tag == "EF":
            b.claim(full=True)
            b.end_clause(sentence=True)
        elif tag == "EC":
            self._connective(m, before, after, b)
        elif tag in _FULL_CLAIM_TAGS:
            b.claim(full=True)
        elif tag == "ETN":
            b.claim(full=False)  # "계산 빠름": a nominalised claim, as in notes
        elif tag == "SF":
            b.end_clause(sentence=True)
        elif tag == "SP":
            b.comma()
        elif tag in _CLAIM_PARTICLES:
            follows_noun = before is not None and before.tag.split("-")[0] in (*_NOUN_TAGS, "SL", "XSN")
            if tag == "JX" and form in _TOPIC_PARTICLES and follows_noun and b.words:
                start = self._phrase_start(morphemes, i, b)
                if not _modified(morphemes, i):
                    # A relative clause before the topic ("API를 호출하는 기능은 없다") belongs to it.
                    b.new_topic(start)
                b.topic(list(range(start, len(b.words))))
            elif tag == "JKS" and form in _SUBJECT_PARTICLES and follows_noun and b.words:
                b.topic(list(range(self._phrase_start(morphemes, i, b), len(b.words))))
            b.claim(full=False)
        else:
            self._korean_word(m, tag, form, b)

    def _connective(self, m: Any, before: Any, after: Any, b: _Builder) -> None:
        b.claim(full=True)
        form: str = m.form
        following = after.tag if after is not None else ""
        if following.startswith(("VX", "XSV", "XSA", "VCN")):
            return  # "-지 않", "-어 주": the predicate goes on
        negated = bool(b.words) and b.words[-1].negator
        if form in _ADVERBIAL_ENDINGS and not negated:
            return
        b.end_clause(
            conditional=form in _CONDITIONAL_ENDINGS or form.endswith("면"),
            purpose=form in _PURPOSE_ENDINGS or form in _ADVERBIAL_ENDINGS,
        )

    def _korean_word(self, m: Any, tag: str, form: str, b: _Builder) -> None:
        if tag not in _NOUN_TAGS and tag not in _PREDICATE_STEMS and tag != "MAG":
            return
        if tag == "MAG" and form in _FILLER_ADVERBS:
            return
        lemma = form if tag[0] != "V" else str(getattr(m, "lemma", form) or form).removesuffix("다")
        if lemma in _FILLER_LEMMAS:
            return
        b.add(_Word(lemma, m.start, m.start + m.len, latin=False, noun=tag in _NOUN_TAGS))

    @staticmethod
    def _phrase_start(morphemes: list[Any], i: int, b: _Builder) -> int:
        """The index of the first word of the noun phrase that ends just before morpheme ``i``."""
        count = 0
        j = i - 1
        phrase = ("NNG", "NNP", "NNB", "NR", "SL", "SN", "XSN", "JC", "JKG", "SH", "XPN", "MM")
        while j >= 0 and morphemes[j].tag.split("-")[0] in phrase:
            if morphemes[j].tag not in ("JC", "JKG", "XSN", "XPN"):
                count += 1
            j -= 1
        return max(len(b.words) - count, b.clause_start_word)

    def _positions(self, text: str, b: _Builder) -> Analysis:
        words = b.words
        claimed_chunks = _claimed_chunks(b)
        topic_of = _topic_segments(b)
        negated_by = _local_negation(b)
        positions: list[Position] = []
        index: dict[str, list[int]] = {}
        for n, word in enumerate(words):
            reading = self.read(word.lemma) if not word.negator else (NOT,)
            if word.negator and b.clauses[b.clause_of[n]].purpose:
                # "…이 생기지 않도록": the negation of a purpose reads as "to prevent".
                reading = (NOT, *self.read("prevent"))
            keys = {*reading, "".join(reading)}
            if not word.noun and not word.latin and len(word.lemma) > 1 and word.lemma.endswith("하"):
                # "비슷하다", "흔하다": also the root a rubric names ("비슷", "흔").
                keys.update(self.read(word.lemma[:-1]))
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
                Position(
                    keys=frozenset(keys),
                    start=word.start,
                    end=word.end,
                    clause=b.clause_of[n],
                    segment=b.segment_of[n],
                    chunk=b.chunk_of[n],
                    claimed=b.chunk_of[n] in claimed_chunks,
                    topic_of=topic_of.get(n, frozenset()),
                    negated_by=negated_by.get(n),
                    contrast=n in b.contrast,
                )
            )
        chunks = set(b.chunk_of)
        return Analysis(
            text=text,
            positions=tuple(positions),
            clauses=tuple(b.clauses),
            index={key: tuple(found) for key, found in index.items()},
            chunks=len(chunks),
            listed_chunks=len(chunks - set(b.chunk_claims)),
        )

    # -- rubric terms ----------------------------------------------------------------------------------

    def term_variants(self, spelling: str) -> tuple[tuple[str, ...], ...]:
        """The ways a rubric spelling can be found: the keys of its words in order, and, for a Hangul term
        of several words, the keys of the words written together ("배치 정규화" also as "배치정규화")."""
        variants: set[tuple[str, ...]] = set()
        forms = [spelling]
        apart = spaced(normalize(spelling))
        if not any(part in english.STOPWORDS for part in apart.split()):
            forms.append(apart)  # "fan in" for "fan-in"; not "define by run", which would lose its "by"
        for form in dict.fromkeys(forms):
            builder = self._term_words(form)
            keys: list[str] = []
            for word in builder.words:
                keys.extend(self.read(word.lemma) if not word.negator else (NOT,))
            variants.add(tuple(keys))
            same_script = len({w.latin for w in builder.words}) == 1
            if len(builder.words) > 1 and same_script and not any(w.negator for w in builder.words):
                # Written together: "배치정규화", "crossentropy".
                variants.add(self.read("".join(w.lemma for w in builder.words)))
        return tuple(sorted(v for v in variants if v))

    def _term_words(self, spelling: str) -> _Builder:
        """A spelling's words. A bare stem ("크", "내적") reads oddly without an ending; where it loses letters,
        the spelling is read again as a predicate or a noun sentence, and the reading keeping most is used."""
        text, builder = self._walk_text(spelling)
        if not has_hangul(text):
            return builder
        best, kept = builder, _kept(builder)
        wanted = len("".join(text.split()))
        for ending in ("다", "이다"):
            if kept >= wanted:
                break
            _, other = self._walk_text(spelling + ending)
            other.words = [w for w in other.words if w.start < len(text)]
            if _kept(other) > kept:
                best, kept = other, _kept(other)
        return best


def _kept(builder: _Builder) -> int:
    return sum(len(w.lemma) for w in builder.words if not w.negator) + sum(w.negator for w in builder.words)


def _is_verb(token: str, previous: str, following: str, b: _Builder) -> bool:
    """Whether an English word is a verb making a claim here, judged by its form and its neighbours."""
    content_follows = bool(following) and following[0].isalnum() and following not in english.STOPWORDS
    if token in english.VERB_PRESENT:
        return True
    if token in english.VERB_PAST:
        return not content_follows or following in english.STOPWORDS
    if token in english.VERB_BASE:
        starts_chunk = not b.chunk_has_claim and all(b.chunk_of[i] != b.chunk for i in range(len(b.words)))
        something_follows = bool(following) and following[0].isalnum()
        plural_subject = previous.endswith("s") and previous.isalpha() and previous not in english.STOPWORDS
        return (
            previous in english.SUBJECT_PRONOUNS
            or (starts_chunk and content_follows)
            or (plural_subject and something_follows)
        )
    return False


def _modified(morphemes: list[Any], i: int) -> bool:
    """Whether the noun phrase ending before morpheme ``i`` is modified by a relative clause (…하는 기능)."""
    j = i - 1
    while j >= 0 and morphemes[j].tag.split("-")[0] in ("NNG", "NNP", "NNB", "NR", "SL", "SN", "XSN", "SH"):
        j -= 1
    return j >= 0 and morphemes[j].tag == "ETM"


def _only(morphemes: list[Any], i: int) -> bool:
    """Whether a negator answers a "밖에" before it in its clause: "X밖에 못 한다" says "only X"."""
    for j in range(i - 1, max(i - 5, -1), -1):
        tag = morphemes[j].tag
        if morphemes[j].form == "밖에":
            return True
        if tag in ("EC", "EF", "SF"):
            break
    return False


def _prohibitions(b: _Builder) -> None:
    """ "…하면 안 된다" (must not): a condition whose next clause is only a negated 되다 is a denied claim, so its
    negation is moved into it."""
    for k in range(len(b.clauses) - 1):
        here, after = b.clauses[k], b.clauses[k + 1]
        if not here.conditional or not after.negators:
            continue
        words = [n for n in range(len(b.words)) if b.clause_of[n] == k + 1]
        own = [n for n in range(len(b.words)) if b.clause_of[n] == k]
        if not own or any(not b.words[n].negator for n in words):
            continue
        for n in words:
            b.clause_of[n] = k
            b.segment_of[n] = b.segment_of[own[-1]]
            b.chunk_of[n] = b.chunk_of[own[-1]]
        b.clauses[k] = Clause(here.negators + after.negators, conditional=False, purpose=here.purpose)
        b.clauses[k + 1] = Clause((), conditional=after.conditional, purpose=after.purpose)


def _new_claim_follows(text: str, after: int) -> bool:
    """Whether the words after an "and" (to the sentence's end or the next "and") make a claim of their own."""
    rest = re.split(r"[.;!?]|\band\b", text[after:], maxsplit=1)[0]
    words = [w.replace("'", "") for w in re.findall(r"[a-z']+", rest)]
    return any(
        w in english.AUXILIARIES
        or w in english.VERB_PRESENT
        or w in english.VERB_PAST
        or w in english.RELATIONS
        or w in english.NEGATORS
        or (w.endswith("nt") and w[:-2] in english.AUXILIARIES | {"do", "does", "did", "is", "are", "ca", "wo"})
        for w in words
    )


def _claimed_chunks(b: _Builder) -> set[int]:
    """Chunks that say something: their own claim, or, for a bare chunk, a full claim later in its segment."""
    claimed = set(b.chunk_claims)
    full_after: dict[int, bool] = {}
    for chunk in sorted(set(b.chunk_of) | set(b.chunk_claims), reverse=True):
        segment = b.chunk_segment.get(chunk)
        if segment is None:
            continue
        if full_after.get(segment):
            claimed.add(chunk)
        if b.chunk_claims.get(chunk):
            full_after[segment] = True
    return claimed


def _topic_segments(b: _Builder) -> dict[int, frozenset[int]]:
    """For each word of a topic, the later segments of its sentence it speaks for (until the next topic)."""
    segments_of_sentence: dict[int, set[int]] = {}
    for n in range(len(b.words)):
        segments_of_sentence.setdefault(b.sentence_of[n], set()).add(b.segment_of[n])
    result: dict[int, frozenset[int]] = {}
    for k, (sentence, _, indices) in enumerate(b.topics):
        if not indices:
            continue
        own = b.segment_of[indices[-1]]
        # A topic holds until a later one of its sentence takes over: one opening a clause, or one after
        # something was said of this one ("Q는 디코더에서, K와 V는 …"). A topic right after it is a contrast
        # within what is said of it ("depthwise conv는 채널 정보는 섞지 않고 …") and does not replace it.
        later = [t for t in b.topics[k + 1 :] if t[0] == sentence and t[2] and (t[1] or t[2][0] > indices[-1] + 1)]
        until = b.segment_of[later[0][2][-1]] if later else None
        spoken_for = frozenset(
            s for s in segments_of_sentence.get(sentence, ()) if s > own and (until is None or s < until)
        )
        for n in indices:
            result[n] = result.get(n, frozenset()) | spoken_for
    return result


def _local_negation(b: _Builder) -> dict[int, int]:
    """The words a "without" (after it) or "없이" (before it) negates, each mapped to its negator."""
    governed: dict[int, int] = {}
    for n, word in enumerate(b.words):
        if not word.local:
            continue
        step = word.local
        k = n + step
        while 0 <= k < len(b.words) and abs(k - n) <= _LOCAL_SCOPE:
            if b.chunk_of[k] != b.chunk_of[n] or b.words[k].negator:
                break
            governed.setdefault(k, n)
            k += step
    return governed


@functools.cache
def kiwi_morphology() -> Morphology:
    """Kiwi with its packaged model, loaded once per process and shared: the model is read-only once built.

    Loading takes a few seconds of CPU and holds the interpreter lock; call it off the event loop (the bot
    runs it in the grader's worker process).
    """
    from kiwipiepy import Kiwi

    kiwi: Morphology = Kiwi()
    # The first analysis builds Kiwi's internal tables; pay for it here rather than in the first reveal.
    kiwi.tokenize("워밍업: 모델을 한 번 읽어 둡니다.")
    return kiwi
