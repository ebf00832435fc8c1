"""English function words as the analyser reads them: negators, clause words, verbs that make a claim.

A member's English answer gets no part-of-speech tagging; these closed lists tell the analyser where a claim is
made (a verb or an auxiliary), where a clause ends and what negates it.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NEGATORS = _words("not no never cannot neither nor none nothing")
# "without X": negates X alone, not the clause around it.
LOCAL_NEGATORS = _words("without")
CLAUSE_WORDS = _words(
    """
    but while whereas although though because since so which however therefore thus hence when if unless whether
    whilst
    """
)
# Clause words after which a comma closes the clause ("Since X doesn't Y, Z ...").
SUBORDINATORS = _words("because since if when although though while whereas unless whilst")
CONDITIONAL = _words("if unless when")
AUXILIARIES = _words(
    """
    is are was were be been being am has have had do does did can could will would should may might must isnt
    arent wasnt werent doesnt dont didnt cant wont couldnt shouldnt hasnt havent
    """
)
# Words that set what follows against the claim: "unlike X", "than X", "instead of X", "compared to X".
CONTRASTS = _words("unlike than instead rather compared versus vs")
# Prepositions that tie two things into a terse claim ("Q from the decoder").
RELATIONS = _words("from into via than")
# Verbs members use to claim something. A list item is a noun phrase; a chunk with one of these says something.
VERB_STEMS = _words(
    """
    reduce prevent normalize standardize compute calculate learn multiply scale make allow let stabilize speed
    converge avoid depend remove ignore capture extract combine predict generate encode decode attend produce
    increase decrease improve help solve cause lead become remain stay keep fail explode vanish saturate die get go
    come need require use take give treat see know force push pull move follow apply overfit underfit memorize
    generalize cancel suffer mitigate alleviate replace divide subtract contain consist lose shrink grow propagate
    backpropagate convert squash squeeze project transform rescale shift center rely handle behave serve tend
    happen occur arise differ vary compare slow accelerate randomize initialize select choose pick find retrieve
    save load run send receive share merge concatenate fuse downsample upsample flatten reshape assign describe
    explain represent embed align maximize minimize optimize adjust tune regularize penalize punish preserve
    destroy hurt enable disable mix cut drive fix hook mask assume wrap cover check measure estimate count define
    denote mean learn look add sum split drop update map fit work pass flow act match break lack stack skip limit
    block feed store answer query sample pool train output return push deal spread focus attend dominate
    distinguish separate classify detect locate predict refine regress propose filter slide stride pad shrink
    expand compress reconstruct decode sample approximate model fit generalize overfit bias weight scale zero
    clip smooth sharpen stabilize randomize memorize forget remember store cache read write tokenize encode
    """
)
IRREGULAR_FORMS = _words(
    """
    made kept became came went took gave saw knew led lost grew ran sent chose got gets goes does has had broke
    shrank drove brought thought meant
    """
)
# Verb spellings that are nouns far more often in a list of terms ("weights", "outputs", "samples").
NOT_VERBS = _words(
    """
    weights outputs samples queries answers maps pools stores blocks limits biases models zeros sums means drops
    stacks matches filters masks cuts mixes features points units layers scales updates splits fits
    """
)


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _past(verb: str) -> set[str]:
    if verb.endswith("e"):
        return {verb + "d"}
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return {verb[:-1] + "ied"}
    return {verb + "ed", verb + verb[-1] + "ed"}


# "normalizes": a claim wherever it stands. "normalized": a claim unless it describes the next word ("masked
# attention"). "normalize": a claim as a command at a chunk's start, or after a subject pronoun or "to".
VERB_PRESENT = frozenset(_third_person(verb) for verb in VERB_STEMS) - NOT_VERBS
VERB_PAST = frozenset(form for verb in VERB_STEMS for form in _past(verb)) | IRREGULAR_FORMS
# Bare forms that name things in a list of terms more often than they command ("weight update", "max pool").
NOUN_LIKE = _words(
    """
    weight bias model zero output sample query answer pool store block feed map update mask filter scale stack
    limit skip drop split fit work flow pass act match break lack train return push mean sum look cache count
    check cover measure estimate stride pad slide focus spread deal need run mix cut drive fix hook wrap shift
    center project sample attend embed encode decode learn load save search test label rank
    """
)
VERB_BASE = VERB_STEMS - NOUN_LIKE
SUBJECT_PRONOUNS = _words("we you they i it he she to")
# Words that carry nothing of a claim; dropped before matching.
STOPWORDS = _words(
    """
    a an the is are was were be been being am of to in on for with by as at it its this that these those and or
    which so then from into there their they them we you i she her our your do does did has have had can could will
    would should may might must also just very really some any such like etc e.g eg ie via than what how why who
    when where if while but because since thing things way ways kind basically about over up out whether whilst
    """
)
# "it's", "that's": the contraction is the claim's copula.
COPULA_CONTRACTIONS = _words("it's that's there's this's what's here's he's she's")
