"""Claim extraction: sentences in, claim mentions out.

A claim is a triple (subject, effect, condition) with polarity, modality and
attribution (../shared/DESIGN.md, "The claim model"). The extractor is
lexicon-driven and works on tokens of one sentence at a time:

1. find effect cues (verbs such as "alleviate", nouns such as "relief from",
   property adjectives such as "calming", "safe", "no side effects");
2. read each cue's object noun phrase(s) and map them to a canonical outcome,
   flipping the direction for inverse outcomes ("improves sleep" = -1 insomnia);
3. find the cue's subject: the nearest subject term or anaphor before it in
   the clause ("it", "this herb" resolve to the document's main subject);
4. read negation, modality and attribution from the words before the cue, and
   conditions (dose, dose level, population, context) from the clause.

Numeric claims ("a half-life of 1 hour") are extracted from quantity phrases.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from pipeline.conditions import (Amount, Mention, find_dose_levels, find_phrases,
                                 parse_doses, parse_durations)
from pipeline.lexicon import Lexicon, Token, joined_words, load_lexicon, tokenize, words_of
from pipeline.tagger import tag

EXTRACTOR_NAME = "lexrules"
LOOKBACK = 40  # tokens a cue looks back for its subject and attribution (bounds run-on sentences)
CLAUSE_PUNCT = frozenset({";", ":", "?", "!", "(", ")", "\""})
NP_STOP = frozenset({
    "in", "at", "during", "for", "when", "by", "with", "without", "through", "from", "while", "among",
    "as", "due", "after", "before", "because", "especially", "particularly", "if", "since", "than",
    "via", "to", "that", "which", "who", "whose", "whereas", "although", "though", "but", "is", "are",
    "was", "were", "be", "can", "may", "might", "could", "will", "would", "should", "must", "do",
    "does", "did", "has", "have", "had", "including", "include", "includes", "like", "such", "into", "onto", "within",
    "across", "over", "under", "until", "unless", "whether", "so", "thus", "therefore", "then",
    "however", "also", "making", "leading", "offering", "providing", "allowing", "helping", "giving",
    "where", "how", "what", "why", "on", "about", "around", "per", "compared", "versus", "vs",
    "among", "between", "up", "it", "they", "this", "these", "those", "throughout", "toward", "towards",
    "against", "upon", "beyond", "despite", "along", "whose", "its", "their",
})
# Words that make a clause about taking the document's subject ("a low dose of 300 mg", "long-term use", "quitting").
USE_HEADS = frozenset({"dose", "doses", "dosage", "dosages", "amount", "amounts", "use", "usage", "intake", "supplementation",
                       "serving", "servings", "cup", "cups", "mg", "g", "grams", "milligrams", "mcg", "quitting",
                       "stopping", "taking", "using", "consuming", "mixing", "combining", "combination"})
DETERMINERS = frozenset({"a", "an", "the", "your", "their", "his", "her", "our", "my", "some", "any", "each", "every",
                         "no", "all", "most", "many", "more", "less", "several"})
COORD = frozenset({"and", "or", ",", "as well as", "plus", "along"})
PEOPLE_OR_PRONOUNS = frozenset({"he", "she", "we", "i", "you", "they", "them", "us", "one", "there",
                                "which", "that", "who", "what", "this", "these", "those", "here",
                                "themselves", "yourself", "yourselves", "himself", "herself", "itself", "ourselves"})
GENERIC_HEADS = frozenset({"risk", "risks", "chance", "chances", "likelihood", "odds", "symptoms", "symptom", "process", "processes", "journey", "path", "road", "plan", "approach",
                           "future", "time", "times", "strategy", "body", "bodies", "life", "lives", "health",
                           "effects", "effect", "benefits", "benefit", "role", "impact", "use", "uses",
                           "ability", "potential", "way", "ways", "thing", "things", "properties",
                           "doses", "dose", "dosage", "amount", "amounts", "results", "result"})


# Heads of placeholder subjects: "Different factors increase the risk", "The main goals of treatment".
PLACEHOLDER_SUBJECTS = frozenset({"factors", "factor", "things", "thing", "goals", "goal", "causes", "cause", "half",
                                  "percent", "ways", "steps", "kinds", "types", "options", "reasons", "others",
                                  "anything", "something", "everything", "known", "unknown", "unclear"})
# Words before an -ed/-ing cue that make it an adjective or a noun, not a verb with a subject:
# "increased fragility", "and reduced enzyme activity", "include elevating the legs".
ATTRIBUTIVE_BEFORE = frozenset({"a", "an", "the", "this", "these", "that", "its", "their", "your", "his", "her", "and",
                                "or", "with", "of", "in", "to", "for", "from", "include", "includes", "including",
                                "included", "such", "as", "like", "no", "any", "some", "more", "less", "very", "by"})

GERUND_LIST_BEFORE = frozenset({"a", "an", "the", "and", "or", "include", "includes", "including", "included", "such",
                                "as", "like", "involve", "involves", "involving"})


# Canonical forms of open-class phrases (subjects and outcomes not in any lexicon), so that
# "alirocumab treatment" and "RESULTS Alirocumab" compare equal, as do "rates of tuberculosis"
# and "incidence of tuberculosis": section labels, measurement words and light nouns go.
SECTION_LABELS = frozenset({"results", "result", "conclusions", "conclusion", "background", "methods", "method",
                            "objective", "objectives", "design", "findings", "interpretation", "purpose", "aims"})
SUBJECT_LIGHT_HEADS = frozenset({"treatment", "treatments", "therapy", "therapies", "supplementation", "use",
                                 "intake", "administration", "exposure", "consumption", "supplements", "supplement"})
SUBJECT_LIGHT_MODIFIERS = frozenset({"having", "being", "getting", "oral", "topical", "intravenous", "inhaled", "daily",
                                     "regular", "dietary", "supplemental", "high-dose", "low-dose"})
MEASURE_WORDS = frozenset({"rate", "rates", "incidence", "level", "levels", "risk", "risks", "number", "numbers",
                           "frequency", "amount", "amounts", "severity", "prevalence", "concentration",
                           "concentrations", "occurrence", "odds", "chance", "likelihood", "development",
                           "progression", "onset", "of", "the", "a", "an", "and", "in"})


def _singular(w: str) -> str:
    return w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")) else w


def open_subject_norm(words: list[str]) -> str:
    kept = [w for w in words if w not in SECTION_LABELS]
    while len(kept) > 1 and kept[0] in SUBJECT_LIGHT_MODIFIERS:
        kept.pop(0)  # "Having hepatitis C" is about hepatitis C; "oral L-arginine" about L-arginine
    while len(kept) > 1 and kept[-1] in SUBJECT_LIGHT_HEADS:
        kept.pop()
    return "_".join(kept or words)


def open_outcome_norm(words: list[str]) -> str:
    kept = [_singular(w) for w in words if w not in MEASURE_WORDS]
    return "_".join(kept or words)


def extractor_version(lex: Lexicon | None = None) -> str:
    lex = lex or load_lexicon()
    return f"{EXTRACTOR_NAME}-1.1+lex.{lex.version}"


@dataclass
class Claim:
    subject: str
    subject_norm: str
    effect: str
    predicate: str
    outcome: str
    outcome_norm: str
    direction: int
    polarity: str = "affirmed"
    modality: str = "certain"
    attribution: str = "author"
    condition: str = ""
    dose_min: float | None = None
    dose_max: float | None = None
    dose_unit: str | None = None
    dose_level: str | None = None
    population: str | None = None
    context: str | None = None
    value_min: float | None = None
    value_max: float | None = None
    value_unit: str | None = None
    start: int = 0          # effect span in the sentence
    end: int = 0
    cue_index: int = 0      # token index of the cue (for condition attachment)


@dataclass
class _SentenceInfo:
    text: str
    tokens: list[Token]
    words: list[str]
    clause_of: list[int]        # clause number per token
    doses: list[Amount] = field(default_factory=list)
    levels: list[Mention] = field(default_factory=list)
    populations: list[Mention] = field(default_factory=list)
    contexts: list[Mention] = field(default_factory=list)
    tags: list[str | None] | None = None  # Penn tags, computed on first use (most sentences never need them)
    _clause_spans: dict | None = None
    _subject_terms: list | None = None

    def clause_start(self, i: int) -> int:
        """First token of token i's clause, at most LOOKBACK tokens back (a run-on "sentence"
        of thousands of tokens must not make every cue scan all of it)."""
        lo, clause, stop = i, self.clause_of[i], max(0, i - LOOKBACK)
        while lo > stop and self.clause_of[lo - 1] == clause:
            lo -= 1
        return lo

    def clause_span(self, i: int) -> tuple[int, int]:
        """(first, last) token of token i's clause (computed once per clause)."""
        if self._clause_spans is None:
            spans: dict[int, list[int]] = {}
            for k, c in enumerate(self.clause_of):
                spans.setdefault(c, [k, k])[1] = k
            self._clause_spans = spans
        first, last = self._clause_spans[self.clause_of[i]]
        return first, last

    def subject_terms(self, lex: Lexicon) -> list:
        if self._subject_terms is None:
            self._subject_terms = lex.subjects.find_all(self.words)
        return self._subject_terms

    def tag_at(self, i: int) -> str:
        """Penn tag of token i. Tagged a clause at a time (most cues need one clause), with two
        words of context on each side: the tagger's features look two words either way."""
        if self.tags is None:
            self.tags = [None] * len(self.tokens)
        found = self.tags[i]
        if found is None:
            first, last = self.clause_span(i)
            lo, hi = max(0, first - 2), min(len(self.tokens), last + 3)
            tagged = tag([self.text[t.start:t.end] for t in self.tokens[lo:hi]])
            self.tags[first:last + 1] = tagged[first - lo:last + 1 - lo]
            found = self.tags[i]
        return found


# ----------------------------------------------------------------- subjects
def find_main_subject(text: str, title: str | None = None, lex: Lexicon | None = None) -> str | None:
    """The document's main subject, the antecedent of "it" and "this herb": a subject term named
    in the title, else one that dominates the text (at least 3 mentions and half of all subject
    mentions), else the title itself (a disease page's "it" is the disease); None without either."""
    lex = lex or load_lexicon()
    title_words = [t.text for t in tokenize(title or "")]
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for phrase in lex.subject_scan.find_all(text):  # Aho-Corasick over the whole document
        canon = lex.subject_of[phrase]
        counts[canon] += 1
        first.setdefault(canon, len(first))
    in_title = _named_subjects(title_words, lex)
    if in_title:
        return max(in_title, key=lambda c: (counts[c], -in_title.index(c)))
    if counts:
        best = max(counts, key=lambda c: (counts[c], -first[c]))
        if counts[best] >= 3 and counts[best] * 2 >= sum(counts.values()):
            return best
    content = [w for w in title_words if w.isalpha() and w not in ("the", "a", "an", "of", "and", "what", "is", "are")]
    return "_".join(content[:6]) if content else None


def _named_subjects(words: list[str], lex: Lexicon) -> list[str]:
    """Subject terms a title or heading is about; a term used as a modifier ("Opioid Withdrawal
    and Kratom's Role") is not one."""
    return [canon for _s, e, canon in lex.subjects.find_all(words)
            if canon in lex.main_subject_candidates
            and not (e < len(words) and (lex.outcomes.match_at(words, e) or words[e] in ("receptor", "receptors")))]


def section_subject(heading: str, current: str | None, main_subject: str | None,
                    lex: Lexicon | None = None) -> str | None:
    """The subject of the section a heading opens: a heading that starts with a subject term
    ("## Kava", "2. Creatine", "L-theanine: the crowd favourite") is about it, or about the page's
    subject when it names several ("Turmeric and ginkgo"); other headings ("Side effects",
    "Dosage, Caffeine and Liver Safety") keep the ``current`` one."""
    lex = lex or load_lexicon()
    words = [t.text for t in tokenize(heading)]
    k = 0
    while k < len(words) and not any(ch.isalpha() for ch in words[k]):
        k += 1  # numbering: "2.", "3)"
    named = _named_subjects(words[k:], lex)
    if not named or not lex.subjects.match_at(words, k):
        return current
    return named[0] if len(set(named)) == 1 else main_subject


SUBORDINATORS = frozenset({"while", "although", "though", "whereas", "because", "since", "unless", "whilst", "if", "when"})


def _clauses(words: list[str], lex: Lexicon) -> list[int]:
    """Clause number per token: clause-break words and strong punctuation start a clause;
    a subordinate clause ("while often touted as X, it ...") also ends at its next comma."""
    out, n, in_sub = [], 0, False
    for i, w in enumerate(words):
        if w in SUBORDINATORS and words[i + 1:i + 2] and words[i + 1].endswith("ing") and words[i + 1].isalpha():
            # "..., while ensuring minimal side effects": a participle with no subject of its own
            # belongs to the main clause (its subject, hedges and negation)
            out.append(n)
            continue
        if w in CLAUSE_PUNCT or w in lex.clause_breaks:
            n += 1
            in_sub = w in SUBORDINATORS
        elif w == "," and in_sub:
            n += 1
            in_sub = False
        out.append(n)
    return out


def _is_modifier(words: list[str], nxt: int, lex: Lexicon) -> bool:
    """A subject term used as a modifier ("opioid withdrawal", "caffeine content")."""
    if nxt >= len(words):
        return False
    w = words[nxt]
    return w.isalpha() and w not in NP_STOP and w not in COORD and w not in lex.clause_breaks \
        and w not in DETERMINERS \
        and not lex.cues.match_at(words, nxt) and not lex.modality.match_at(words, nxt) and w not in ("and", "or", "not", "users")


def _subject_before(info: _SentenceInfo, cue: int, lex: Lexicon, doc_subject: str | None):
    """(as written, canonical) subject for a cue at token ``cue``, or None."""
    words, toks = info.words, info.tokens
    if cue >= 2 and words[cue - 1] == "," and words[cue].endswith("ing"):
        # a participle clause (", leading to X", ", causing X") predicates of the main clause's
        # subject, not of the nearest noun ("X interacts with medications, leading to ...")
        main = _first_subject(info, cue, lex, doc_subject)
        if main is not None:
            return main
    lo = info.clause_start(cue)
    rel = _relative_antecedent(info, cue, lex, doc_subject)
    if rel is not None:
        return rel
    # nearest subject term / anaphor before the cue in the clause
    best = None
    i = lo
    subjects = lex.subjects
    while i < cue:
        hit = subjects.match_at(words, i) if words[i] in subjects else None
        if hit:
            if hit[1] == doc_subject or not _is_modifier(words, i + hit[0], lex):
                # "The caffeine in green tea extract raises ...": the head is the first term
                if not (best and best[0] == "term" and best[2] + 1 == i and words[i - 1] in ("in", "of", "from", "within", "inside")):
                    best = ("term", i, i + hit[0], hit[1])
            i += hit[0]
            continue
        w = words[i]
        if w in lex.anaphor_pronouns:
            best = ("anaphor", i, i + 1, None)
        elif w in lex.anaphor_determiners:
            # "this natural herb", "the plant-based compound"
            for j in range(i + 1, min(i + 4, cue)):
                head = words[j].split("-")[-1]
                if head in lex.anaphor_nouns or words[j] in lex.anaphor_nouns:
                    best = ("anaphor", i, j + 1, None)
                    i = j
                    break
                if not words[j].isalpha() and "-" not in words[j]:
                    break
        i += 1
    if best is None:
        # the clause has no subject ("Kratom, while often touted as ..."): look further back
        i = max(0, lo - LOOKBACK)
        while i < lo:
            hit = lex.subjects.match_at(words, i)
            if hit:
                if hit[1] == doc_subject or not _is_modifier(words, i + hit[0], lex):
                    best = ("term", i, i + hit[0], hit[1])
                i += hit[0]
                continue
            if words[i] in lex.anaphor_pronouns:
                best = ("anaphor", i, i + 1, None)
            i += 1
    if best and doc_subject in lex.main_subject_candidates and best[0] == "term" and best[3] != doc_subject \
            and any(w in USE_HEADS for w in words[best[2]:cue]):
        # "interacts with alcohol, and mixing them can make you drowsy": about taking the document's subject
        return "", doc_subject
    if best:
        kind, s, e, canon = best
        written = info.text[toks[s].start:toks[e - 1].end]
        if kind == "term":
            span = _coordinated_span(info, s, e, cue, lo, lex)
            if span is not None:  # "tobacco smoke, air pollution, and fumes can cause": every conjunct
                cs, ce = span
                content = [w for w in words[cs:ce] if w not in ("the", "a", "an", ",")]
                return info.text[toks[cs].start:toks[ce - 1].end], open_subject_norm(content)
            return written, canon
        if doc_subject:
            return written, doc_subject
        return None
    # a subject term after the cue ("... when using kratom")
    for s, e, canon in lex.subjects.find_all(words[cue:cue + LOOKBACK]):
        if canon in lex.main_subject_candidates:  # not "... have reduced enzyme activity, the drugs may ..."
            return info.text[toks[cue + s].start:toks[cue + e - 1].end], canon
    # "A moderate dose of 300 mg reduces ...", "Long-term use may cause ...": the document's subject
    if doc_subject in lex.main_subject_candidates and any(w in USE_HEADS for w in words[lo:cue]):
        return "", doc_subject
    # the noun phrase right before the cue (generic subjects)
    j = cue - 1
    while j >= lo and (words[j] in lex.transparent or lex.modality.match_at(words, j)
                       or lex.negation.match_at(words, j) or words[j].endswith("n't")
                       or words[j] in ("to", "not", "also", "has", "have", "is", "are", "been", "the", "ability", "do", "does", "did")):
        j -= 1
    end = j + 1
    while j >= lo and (words[j].isalpha() or _hyphenated(words[j])) and words[j] not in NP_STOP and words[j] not in PEOPLE_OR_PRONOUNS \
            and not lex.cues.match_at(words, j) and words[j] not in lex.experiencers and end - j <= 6:
        j -= 1
    start = j + 1
    while start < end and words[start] in ("and", "or", "of"):
        start += 1
    at_clause_start = start == lo or all(w in ("the", "a", "an", ",") for w in words[lo:start])
    if start < end and at_clause_start:
        phrase_words = [w for w in words[start:end] if w not in ("the", "a", "an", "of")]
        if phrase_words and doc_subject and phrase_words[-1] in lex.anaphor_nouns:
            # "Gummies may cause ...", "A moderate dose ... reduces": the document's subject
            return info.text[toks[start].start:toks[end - 1].end], doc_subject
        if phrase_words and not (set(phrase_words) & lex.experiencers) and phrase_words[-1] not in GENERIC_HEADS \
                and phrase_words[-1] not in PLACEHOLDER_SUBJECTS and words[end - 1] not in ("and", "or") \
                and not (end - start == 1 and info.tag_at(start) == "JJ" and words[start].isalpha()
                         and info.text[toks[start].start:toks[start].end][1:].islower()) \
                and not (end - start > 1 and any(info.tag_at(k) in CLAUSE_VERB_TAGS for k in range(start, end - 1))):
            # ("Treatment involves using ...", "Effective", "becomes sluggish and" are no noun phrases)
            written = info.text[toks[start].start:toks[end - 1].end]
            return written, open_subject_norm(phrase_words)
    # a longer noun phrase: PPs, a parenthesis, after an adverbial and a comma, or before a
    # relative pronoun ("Damage to the bone marrow results in", "A shortage of platelets
    # (thrombocytopenia) can cause", "Less often, bacteria can cause", "viruses that cause colds")
    np_lo = lo
    if words[lo] == ")" and "(" in words[max(0, lo - 12):lo]:
        # "A shortage of platelets (thrombocytopenia) can cause": the parenthesis broke the clause
        k = lo - 1
        while words[k] != "(":
            k -= 1
        np_lo = info.clause_start(k - 1) if k > 0 else 0
    np = _copula_antecedent(info, np_lo, end, lex, doc_subject) or _np_subject(info, np_lo, end, lex) \
        or _exposed_group(info, lo, end, lex)
    if np is not None:
        return np
    vp = _coordinated_vp_subject(info, cue, lex, doc_subject)
    if vp is not None:
        return vp
    # an experiencer sentence ("users report experiencing insomnia") is about the document's subject
    if doc_subject and any(w in lex.experiencers for w in words[lo:cue]) \
            and (doc_subject in lex.main_subject_candidates or "affected" in words[lo:cue]):
        return "", doc_subject  # "Affected people also have a higher risk of X" on a disease page: the disease
    return None


VERB_GAP = frozenset({"can", "may", "might", "could", "will", "would", "also", "often", "usually", "sometimes", "not",
                      "does", "do", "did", "is", "are", "be", "have", "has", "then", "even", "further", "still"})


def _relative_antecedent(info: _SentenceInfo, cue: int, lex: Lexicon, doc_subject: str | None = None):
    """"... converted to toxic compounds that kill immune cells": the subject of a cue right after
    "that" is the noun phrase before "that" (a complementizer "that" is followed by a subject, not
    by the verb), not a subject term further back."""
    words = info.words
    j = cue - 1
    while j > 0 and (words[j] in VERB_GAP or words[j] in lex.transparent):
        j -= 1
    if j < 1 or words[j] != "that":
        return None
    end = j
    k = end - 1
    while k >= 0 and end - k <= 5 and _np_words_ok(words, k, lex) and info.tag_at(k) not in CLAUSE_VERB_TAGS:
        k -= 1  # ("take medicines that ...": the noun phrase starts after the verb)
    start = k + 1
    while start < end and words[start] in ("the", "a", "an"):
        start += 1
    if start >= end or info.tag_at(end - 1) not in NOUN_HEAD_TAGS or words[end - 1] in PEOPLE_OR_PRONOUNS:
        return None
    cop = _copula_antecedent(info, info.clause_start(j), j + 1, lex, doc_subject)
    if cop is not None:
        return cop  # "MEN1 is an inherited disorder that causes ...": MEN1
    if words[end - 1] in DISEASE_HEADS and any(w in ("is", "are") for w in words[max(0, start - 3):start]):
        return None  # "X (Y) is an inherited disorder that ...": the class noun is not the subject
    content = [w for w in words[start:end] if w not in ("the", "a", "an")]
    if content[-1] in lex.anaphor_nouns or content[-1] in PLACEHOLDER_SUBJECTS | PLACEHOLDER_HEADS \
            or content[-1] in GROUP_NOUNS \
            or set(content) & lex.experiencers:
        return None
    return info.text[info.tokens[start].start:info.tokens[end - 1].end], _subject_norm(content, lex)


def _coordinated_span(info: _SentenceInfo, s: int, e: int, cue: int, lo: int, lex: Lexicon) -> tuple[int, int] | None:
    """(start, end) of a coordinated list of noun phrases around the subject term at s:e that runs
    up to the cue ("Being exposed to tobacco smoke, air pollution, dusts, and fumes can cause"),
    or None when the term stands alone. Every conjunct must end in a noun."""
    words = info.words
    end = cue
    while end > e and (words[end - 1] in VERB_GAP or words[end - 1] in lex.transparent):
        end -= 1
    left = s
    term_is_last = s > 0 and words[s - 1] in ("and", "or")  # "A, B, or <term>": the items before it are the list
    while left > lo and ((words[left - 1] in ("and", "or") or (words[left - 1] == "," and term_is_last))
                         or (words[left - 1].isalpha() and words[left - 1] not in NP_STOP
                             and words[left - 1] not in PEOPLE_OR_PRONOUNS)):
        left -= 1
    if left > 0 and "," in words[left:s] and info.tag_at(left - 1) == "IN":
        left = words.index(",", left) + 1  # "In older adults, smoking and drinking ...": the PP is no list item
    span = words[left:end]
    if not any(w in ("and", "or") for w in span) or any(not (w.isalpha() or _hyphenated(w) or w == ",") for w in span):
        return None
    # drop leading items that are not noun phrases ("needed, pain medications, ... or corticosteroids")
    k = left
    while k < s:
        nxt = next((m for m in range(k, s) if words[m] in ("and", "or", ",")), None)
        if nxt is None:
            break
        if nxt == k or info.tag_at(nxt - 1) not in NOUN_HEAD_TAGS or any(info.tag_at(m) in CLAUSE_VERB_TAGS for m in range(k, nxt)):
            k = nxt + 1
            continue
        break
    while k < end and words[k] in ("and", "or", ","):
        k += 1
    if (k >= s and end == e) or not any(w in ("and", "or") for w in words[k:end]):
        return None
    for m in range(k + 1, s):  # every item before the term ends in a noun ("current or remote use of X" is one item)
        if words[m] in ("and", "or", ",") and words[m - 1] not in ("and", "or", ",") \
                and info.tag_at(m - 1) not in NOUN_HEAD_TAGS:
            return None
    for m in range(e + 1, end):  # the items after the term end in nouns too
        if words[m] in ("and", "or", ",") and words[m - 1] not in ("and", "or", ",") \
                and info.tag_at(m - 1) not in NOUN_HEAD_TAGS:
            return None
    if info.tag_at(end - 1) not in NOUN_HEAD_TAGS or any(info.tag_at(m) in CLAUSE_VERB_TAGS for m in range(k, end)):
        return None
    return (k, end) if (k, end) != (s, e) else None


TOPIC_ANAPHORS = frozenset({"condition", "disease", "disorder", "syndrome", "illness"})
DISEASE_HEADS = frozenset({"disease", "disorder", "condition", "syndrome", "infection", "illness", "problem", "tumor",
                           "cancer", "malformation", "defect"})


def _copula_antecedent(info: _SentenceInfo, lo: int, end: int, lex: Lexicon, doc_subject: str | None):
    """"MEN1 is an inherited disorder that causes tumors": the subject of the copula is what
    causes them, not the class noun before the relative pronoun."""
    words = info.words
    if end - 2 < lo or words[end - 1] not in RELATIVE_PRONOUNS or words[end - 2] not in DISEASE_HEADS:
        return None
    cop = next((c for c in range(end - 3, lo, -1) if words[c] in ("is", "are") and words[c + 1] in ("a", "an")), None)
    if cop is None or any(not (w.isalpha() or _hyphenated(w)) for w in words[cop + 2:end - 1]):
        return None
    if cop == lo + 1 and words[lo] in lex.anaphor_pronouns:
        return (info.text[info.tokens[lo].start:info.tokens[lo].end], doc_subject) if doc_subject else None
    return _np_subject(info, lo, cop, lex)


def _coordinated_vp_subject(info: _SentenceInfo, cue: int, lex: Lexicon, doc_subject: str | None):
    """"Pregnancy causes X but can also lead to Y", "Herpes zoster oticus is caused by X and can
    cause Y": a verb coordinated with an earlier one shares the sentence's subject."""
    words = info.words
    j = cue - 1
    while j > 0 and (words[j] in VERB_GAP or words[j] in lex.transparent or words[j].endswith("n't")):
        j -= 1
    if j <= 0 or words[j] not in ("and", "but", "or"):
        return None
    k = next((m for m in range(0, j) if info.tag_at(m) in CLAUSE_VERB_TAGS
              or (lex.cues.match_at(words, m) or (0, ("",)))[1][0] in ("verb", "inverse")), None)
    if not k:
        return None
    hit = lex.subjects.find_all(words[:k])
    if hit:
        hs, he, canon = hit[0]
        return info.text[info.tokens[hs].start:info.tokens[he - 1].end], canon
    if words[k - 1] in lex.anaphor_pronouns and k == 1:
        return (info.text[info.tokens[0].start:info.tokens[0].end], doc_subject) if doc_subject else None
    return _np_subject(info, 0, k, lex)


def _hyphenated(w: str) -> bool:
    return "-" in w and any(ch.isalpha() for ch in w)


RELATIVE_PRONOUNS = frozenset({"that", "which", "who"})
NP_INNER = frozenset({"of", "to", "with", "in", "from", "on", "for", "and", "or", ",", "(", ")", "-"})


def _np_subject(info: _SentenceInfo, lo: int, end: int, lex: Lexicon):
    """(as written, canonical) of a noun phrase ending at ``end`` that starts at the clause start
    ``lo`` or right after a comma, checked with the tagger (no finite verb inside, a noun head).
    A relative pronoun right before ``end`` ("viruses that cause") moves the end before it."""
    words, toks = info.words, info.tokens
    if end - 1 >= lo and words[end - 1] in RELATIVE_PRONOUNS:
        end -= 1
    if end <= lo or end - lo > 14:
        return None
    starts = [lo] + [k + 1 for k in range(lo, end - 1) if words[k] == ","]
    head = end - 1
    if words[head] == ")":  # "A shortage of platelets (thrombocytopenia)"
        while head > lo and words[head] != "(":
            head -= 1
        head -= 1
    if head < lo or info.tag_at(head) not in NOUN_HEAD_TAGS:
        return None
    for start in starts:
        span = range(start, end)
        if start >= end or words[start] in PEOPLE_OR_PRONOUNS or words[start] in lex.experiencers \
                or words[start] in SUBORDINATORS or words[start] in NP_INNER or info.tag_at(start) == "IN":
            continue
        if any(words[k] in RELATIVE_PRONOUNS or words[k] in SUBORDINATORS
               or info.tag_at(k) in CLAUSE_VERB_TAGS or info.tag_at(k).startswith("RB")
               or (not words[k].isalnum() and words[k] not in NP_INNER and "-" not in words[k]) for k in span):
            continue  # a clause or an adverbial ("Less often,"), not a noun phrase
        content = [w for w in words[start:end] if (w.isalnum() or _hyphenated(w)) and w not in ("the", "a", "an", "of")]
        if not content or len(content) > 8 or content[-1] in GENERIC_HEADS or content[-1] in PLACEHOLDER_SUBJECTS \
                or set(content) & lex.experiencers:
            return None  # "A few people notice ...": an experiencer, handled by the caller
        return info.text[toks[start].start:toks[end - 1].end], open_subject_norm(content)
    return None


GROUP_NOUNS = frozenset({"people", "persons", "those", "women", "men", "children", "adults", "patients", "individuals",
                         "anyone", "someone", "infants", "babies", "teens", "teenagers"})


def _exposed_group(info: _SentenceInfo, lo: int, end: int, lex: Lexicon):
    """"People with diabetes have a higher risk of X", "Women who smoke are more likely to
    develop X": the exposure after "with"/"who (have)" is the subject, not the people."""
    words, toks = info.words, info.tokens
    k = lo
    while k < end and words[k] in ("the", "a", "an", "some", "many", "most", "all", "young", "older"):
        k += 1
    if k + 2 > end or words[k] not in GROUP_NOUNS or words[k + 1] not in ("with", "who", "that"):
        return None
    start = k + 2
    if words[k + 1] != "with" and start < end and words[start] in ("have", "has", "had", "are", "is", "were", "get"):
        start += 1
    stop = start
    while stop < end and words[stop] not in ("have", "has", "are", "is", "were", "was", "also", "may", "can", "will",
                                              "often", "usually", "tend", ","):
        stop += 1
    content = [w for w in words[start:stop] if (w.isalnum() or _hyphenated(w)) and w not in ("the", "a", "an")]
    if not content or len(content) > 8 or content[-1] in PLACEHOLDER_SUBJECTS:
        return None
    return info.text[toks[start].start:toks[stop - 1].end], open_subject_norm(content)


def _first_subject(info: _SentenceInfo, cue: int, lex: Lexicon, doc_subject: str | None):
    """The first subject term or anaphor of the sentence before ``cue``, or None."""
    words, toks = info.words, info.tokens
    i = max(0, cue - LOOKBACK)
    while i < cue:
        hit = lex.subjects.match_at(words, i)
        if hit and (hit[1] == doc_subject or not _is_modifier(words, i + hit[0], lex)):
            return info.text[toks[i].start:toks[i + hit[0] - 1].end], hit[1]
        if words[i] in lex.anaphor_pronouns and doc_subject:
            return info.text[toks[i].start:toks[i].end], doc_subject
        i += hit[0] if hit else 1
    return None


# ----------------------------------------------------------------- objects
def _experiencer_relative(words: list[str], i: int, lex: Lexicon, limit: int) -> int:
    """End of "those (who are) seeking to recover from" at ``i`` (the people a remedy is for,
    before its outcome), or ``i`` when there is none."""
    if words[i] not in lex.experiencers and words[i] != "people":
        return i
    j = i + 1
    if words[j:j + 1] == ["who"]:
        j += 2 if words[j + 1:j + 2] in (["are"], ["is"]) else 1
    hit = lex.experiencer_relatives.match_at(words, j) if j < limit else None
    return j + hit[0] if hit else i


def _skip(words: list[str], i: int, lex: Lexicon, limit: int) -> int:
    while i < limit:
        rel = _experiencer_relative(words, i, lex, limit)
        if rel > i:
            i = rel
            continue
        hit = lex.object_skip.match_at(words, i)
        if hit:
            i += hit[0]
        elif words[i] in lex.comparatives and words[i + 1:i + 2] == ["for"] and i + 3 < limit \
                and words[i + 2] in lex.experiencers and words[i + 3] == "to":
            i += 4  # "easier for individuals to fall asleep" reads as "easier to fall asleep"
        elif words[i] in lex.transparent:
            i += 1
        else:
            break
    return i


def _comparative_sign(words: list[str], lo: int, hi: int, lex: Lexicon) -> int:
    """-1 when the skipped words before an object say "less"/"fewer" ("feel less anxious")."""
    sign = 1
    for w in words[lo:hi]:
        sign *= -1 if lex.comparatives.get(w, 1) < 0 else 1
    return sign


def _read_objects(info: _SentenceInfo, i: int, lex: Lexicon, open_object: bool = False
                  ) -> tuple[list[tuple[int, int, str, int]], int]:
    """Objects after token ``i``: list of (start, end, outcome_norm, sign), and the end index.

    Coordinated objects ("insomnia, increased heart rate, and gastrointestinal
    issues") are all read; a coordinated verb cue ends the list.
    """
    words, n = info.words, len(info.words)
    objects = []
    while True:
        before = i
        i = _skip(words, i, lex, n)
        flip = _comparative_sign(words, before, i, lex)
        if i >= n:
            break
        # skip a leading experience/develop verb ("the risk of developing X")
        hit = lex.cues.match_at(words, i)
        if hit and hit[1] == ("verb", "cause") and not lex.outcomes.match_at(words, i):
            i = _skip(words, i + hit[0], lex, n)
            if i >= n:
                break
        start = i
        if words[i] in NP_STOP or words[i] == "of" or (lex.subjects.match_at(words, i) and not lex.outcomes.match_at(words, i)):
            break
        outcome = None
        while i < n:
            w = words[i]
            ohit = lex.outcomes.match_at(words, i)
            if ohit:
                if outcome is None:
                    # "problems with memory" is more cognitive impairment, not more memory
                    trouble = -1 if i - start >= 2 and words[i - 1] == "with" and words[i - 2] in TROUBLE_HEADS else 1
                    outcome = (ohit[1][0], ohit[1][1] * trouble)
                i += ohit[0]
                if i < n and words[i] != "of":
                    break
                continue
            if w == "of" and i > start and i + 1 < n and words[i + 1].isalpha() and words[i + 1] not in NP_STOP:
                i += 1
                continue
            if open_object and w == "with" and i > start and words[i - 1] in TROUBLE_HEADS and i + 1 < n \
                    and words[i + 1].isalpha() and words[i + 1] not in NP_STOP:
                i += 1  # "problems with memory, learning, and behavior": the PP names the problem
                continue
            if open_object and w in ("and", "or") and i > start and i + 2 < n and words[i + 1].isalpha() \
                    and (info.tag_at(i - 1) == "JJ" or (i - 1 == start and info.tag_at(i - 1) == "NN")) \
                    and words[i + 1] not in ("other", "another", "more", "many", "some", "all", "most") \
                    and info.tag_at(i + 1) == "JJ" and info.tag_at(i + 2) in ("JJ", "NN", "NNS"):
                i += 2  # coordinated adjectives before one head: "physical and mental health problems"
                continue
            if not (w.isalpha() or (("-" in w or "'" in w) and any(ch.isalpha() for ch in w))) or w in NP_STOP or w in COORD \
                    or lex.cues.match_at(words, i) or i - start >= 6:
                break
            i += 1
        end = i
        if end > start:
            if outcome is None:
                content = [w for w in words[start:end] if w not in ("of", "the", "a", "an")]
                if not open_object or not content or len(content) > 5 or content[-1] in GENERIC_HEADS \
                        or content[0] in PEOPLE_OR_PRONOUNS or content[0] in lex.experiencers \
                        or not _noun_head(info, start, end) \
                        or (words[end:end + 1] in (["and"], ["or"]) and end + 1 < n and lex.comparatives.get(words[end + 1])):
                    break  # an open object is a noun phrase ("a smoother and more comfortable ..." is not)
                if words[end:end + 1] == ["to"] and end + 1 < n and info.tag_at(end + 1) == "VB":
                    break  # causative "cause the heart to contract": a mechanism, not an outcome
                outcome = (open_outcome_norm(content), 1)
            objects.append((start, end, outcome[0], outcome[1] * flip))
        else:
            break
        span = words[start:end]
        head_at = span.index("of") - 1 if "of" in span[1:] else len(span) - 1
        if open_object and span[head_at] in EXPANDABLE_HEADS \
                and all(w in GENERIC_MODIFIERS for w in span[:head_at]):
            m = end + 1 if end < n and words[end] == "," else end
            marker = 2 if words[m:m + 2] in (["such", "as"], ["ranging", "from"]) \
                else 1 if m < n and words[m] in ("including", "like") else 0
            if marker and m + marker < n:
                objects.pop()  # "many health problems, including X, Y": the examples are the outcomes
                i = m + marker
                continue
        if i < n and words[i] == "(" and ")" in words[i + 1:i + 10]:
            close = words.index(")", i + 1)
            if close - i <= 4 and objects and objects[-1][1] == i:
                # "gastroesophageal reflux disease (GERD)": the abbreviation is part of the outcome as written
                objects[-1] = (objects[-1][0], close + 1, objects[-1][2], objects[-1][3])
            i = close + 1  # "pale skin (pallor), weakness, ...": the list goes on
        # coordination: another object (not another cue) follows
        j = i
        while j < n and words[j] in COORD:
            j += 1
        if j == i or j >= n:
            break
        k = _skip(words, j, lex, n)
        if k < n and lex.cues.match_at(words, k) and not lex.outcomes.match_at(words, k):
            break
        if k < n and not lex.outcomes.match_at(words, k) and not (open_object and _open_list_item(info, k, lex, comma_only=words[i:j] == [","])):
            break  # an unknown phrase may start a new clause ("... and doctors recommend ...")
        i = j
    return objects, (objects[-1][1] if objects else i)


TROUBLE_HEADS = frozenset({"problems", "problem", "trouble", "difficulty", "difficulties"})
# Placeholder heads of subjects whose examples are the real subjects ("drugs, such as midodrine").
PLACEHOLDER_HEADS = frozenset({"drugs", "medications", "medicines", "stressors", "factors", "conditions", "things",
                               "changes", "agents", "treatments", "therapies", "interventions", "approaches",
                               "activities", "problems", "causes"})
# Modifiers that leave a head generic ("many chronic health problems"; "autoimmune disorders" is a class of its own).
GENERIC_MODIFIERS = frozenset({"many", "common", "chronic", "other", "certain", "some", "serious", "health", "various",
                               "several", "physical", "mental", "medical", "and", "or", "severe", "related", "most",
                               "more", "different", "a", "the", "number", "variety", "of", "these", "such"})
# Generic heads whose examples are the real outcomes ("many chronic health problems, including X, Y").
EXPANDABLE_HEADS = frozenset({"problems", "disorders", "conditions", "diseases", "complications", "illnesses",
                              "factors", "things", "causes", "issues", "variety", "range"})
NOUN_HEAD_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "VBG", "CD"})  # "wheezing" is a symptom too
CLAUSE_VERB_TAGS = frozenset({"VB", "VBZ", "VBP", "VBD", "MD"})


def _noun_head(info: _SentenceInfo, start: int, end: int) -> bool:
    """Is the last word of words[start:end] a noun? A base-form "verb" right after a noun and
    before a preposition or punctuation is a mis-tagged compound head ("blood flow to")."""
    if info.tag_at(end - 1) in NOUN_HEAD_TAGS:
        return True
    words = info.words
    return end - 1 > start and info.tag_at(end - 1) in ("VB", "VBP") and info.tag_at(end - 2) in ("NN", "NNS") \
        and (end >= len(words) or words[end] in NP_STOP or not words[end].isalpha())


def _open_list_item(info: _SentenceInfo, k: int, lex: Lexicon, comma_only: bool = False) -> bool:
    """Does a coordinated open noun phrase start at ``k`` (another item of an object list),
    rather than a new clause? A clause has a finite verb or a cue right after its subject.
    After a bare comma, the list must go on to an "and"/"or" ("insomnia, a common issue," is
    an apposition, not a list)."""
    words, n = info.words, len(info.words)
    if comma_only:
        # the list must go on to an "and"/"or" before the clause ends (a parenthesis does not end it)
        for w in words[k:]:
            if w in ("and", "or"):
                break
            if (w in CLAUSE_PUNCT and w not in ("(", ")")) or w in lex.clause_breaks:
                return False
        else:
            return False
    m = k
    while m < n and m - k < 6 and (words[m].isalpha() or "-" in words[m]) and words[m] not in NP_STOP \
            and words[m] not in COORD and not lex.cues.match_at(words, m) and not lex.modality.match_at(words, m):
        if info.tag_at(m) in CLAUSE_VERB_TAGS:
            return False
        m += 1
    if m == k or words[k] in PEOPLE_OR_PRONOUNS or words[k] in DETERMINERS - {"a", "an", "the", "some", "many", "more"}:
        return False
    if any(words[x] in lex.subjects and lex.subjects.match_at(words, x) and not lex.outcomes.match_at(words, x)
           for x in range(k, m)):
        return False  # "to slow the heartbeat, and anti-arrhythmic drugs": a new subject, not another object
    return m == n or not (lex.cues.match_at(words, m) or lex.modality.match_at(words, m)
                          or info.tag_at(m) in CLAUSE_VERB_TAGS)


PASSIVE_FILLERS = frozenset({"be", "been", "being", "is", "are", "was", "were", "can", "may", "might", "could",
                             "occur", "occurs", "occurred", "develop", "develops", "happen", "happens", "arise", "arises",
                             "often", "sometimes", "usually", "typically", "initially", "commonly", "mainly", "mostly",
                             "primarily", "generally", "probably", "likely", "also", "frequently", "most", "not",
                             "always", "largely", "partly", "either", "only", "rarely", "occasionally", "then"})
# "Nausea is one of the most common side effects of X": the words between the outcome and the cue
RANKING_FILLERS = frozenset({"one", "of", "the", "a", "an", "most", "more", "common", "frequent", "known",
                             "well-known", "rare", "serious", "possible", "potential", "major", "main", "reported",
                             "but", "and", "very", "notable", "important", "unpleasant", "mild", "typical"})


def _np_words_ok(words: list[str], k: int, lex: Lexicon) -> bool:
    w = words[k]
    return (w.isalnum() or "-" in w or "'" in w) and w not in NP_STOP and w not in COORD \
        and w not in PEOPLE_OR_PRONOUNS and not lex.cues.match_at(words, k)


EFFECTS_LIST_VERBS = (("include",), ("includes",), ("are",), ("can", "include"), ("may", "include"),
                      ("can", "be"), ("may", "be"), ("include", ":"), ("are", ":"))


def _effects_of(info: _SentenceInfo, s: int, e: int, lex: Lexicon, doc_subject, consumed: int):
    """ "(The most common) side effects of X include/are Y and Z": X causes each outcome Y, Z.
    Returns (claims, new consumed index)."""
    words = info.words
    items = _subjects_after(info, e, lex)
    if not items:
        return [], consumed
    k = items[-1][1]
    verb = next((v for v in EFFECTS_LIST_VERBS if tuple(words[k:k + len(v)]) == v), None)
    if verb is None:
        return [], consumed
    objects, obj_end = _read_objects(info, k + len(verb), lex)
    out = []
    for os_, oe, canon, sign in objects:
        pred, d = _direction("cause", canon, sign, lex)
        for _ss, _se, subject in items:
            out.append(_make(info, s, k, oe, os_, oe, pred, canon, d, lex, doc_subject, subject=subject))
    return out, (obj_end if objects else consumed)


def _outcome_before(info: _SentenceInfo, s: int, lex: Lexicon, doc_subject: str | None):
    """(start, end, outcome_norm, sign) of the noun phrase before an inverse cue ("Rickets is
    caused by"), skipping copulas, modals and adverbs; "it"/"this condition" is the document's
    subject (a disease page's topic). None without a noun phrase."""
    words, clause = info.words, info.clause_of[s]
    j = s - 1
    if words[s] in ("side", "adverse"):  # "... is one of the most common side effects of"
        while j >= 0 and info.clause_of[j] == clause and words[j] in RANKING_FILLERS:
            j -= 1
    while j >= 0 and info.clause_of[j] == clause and (words[j] in PASSIVE_FILLERS or words[j] in lex.transparent
                                                     or words[j].endswith("n't")):
        j -= 1
    if j > 0 and words[j] == ")" and "(" in words[max(0, j - 12):j]:
        j -= 1  # "abnormal paleness of the skin (pallor) due to": the noun phrase before the parenthesis
        while words[j] != "(":
            j -= 1
        j -= 1
        clause = info.clause_of[j] if j >= 0 else clause
    end = j + 1
    if j >= 0 and info.clause_of[j] == clause and words[j] in ("it", "this") and doc_subject:
        return j, end, doc_subject, 1
    while j >= 0 and info.clause_of[j] == clause and end - j <= 6 and (_np_words_ok(words, j, lex) or words[j] == "of"):
        j -= 1
    start = j + 1
    while start < end and words[start] in ("of", "the", "a", "an"):
        start += 1
    if start >= end or info.tag_at(end - 1) not in NOUN_HEAD_TAGS:
        return None
    if start >= 2 and words[start - 1] in ("during", "in", "after") and info.clause_of[start - 2] == clause:
        # "Hypothyroidism during pregnancy is treated with X": the condition, not its setting
        k = start - 2
        while k >= 0 and info.clause_of[k] == clause and start - 1 - k <= 5 and _np_words_ok(words, k, lex):
            k -= 1
        if k + 1 < start - 1 and info.tag_at(start - 2) in NOUN_HEAD_TAGS:
            start, end = k + 1, start - 1
            while start < end and words[start] in ("the", "a", "an"):
                start += 1
    content = [w for w in words[start:end] if w not in ("the", "a", "an", "this", "these", "your")]
    if content and content[-1] in ("cases", "case", "forms", "form") and doc_subject:
        return start, end, doc_subject, 1  # "Severe cases are treated with X": the page's topic
    if content and (content[-1] in GROUP_NOUNS or content[0] in GROUP_NOUNS):
        return None  # "Pregnant women are treated with X", "People treated with X": whom, not what
    if doc_subject and content and content[-1] in lex.anaphor_nouns | {"condition", "disease", "disorder", "syndrome", "problem"} \
            and words[start - 1:start] in (["this"], ["the"], ["these"]):
        return start - 1, end, doc_subject, 1  # "this condition is caused by": the page's topic
    if not content or content[-1] in GENERIC_HEADS:
        return None
    return (start, end, *_outcome_norm(content, lex))


def _coordinated_before(info: _SentenceInfo, outcome: tuple, lex: Lexicon) -> list[tuple]:
    """The outcome before an inverse cue and the noun phrases coordinated with it ("fatigue,
    lethargy, and/or pallor due to anemia", "Vertigo (a spinning feeling) and dizziness may be
    treated with X"): one (start, end, outcome_norm, sign) each, nearest first."""
    words = info.words
    out = [outcome]
    k = outcome[0]
    while len(out) < 8:
        j = k - 1
        coord = False
        while j >= 0 and words[j] in ("and", "or", "/", ","):
            coord = coord or words[j] in ("and", "or", ",")
            j -= 1
        if not coord or j < 0 or j == k - 1:
            break
        if words[j] == ")" and "(" in words[max(0, j - 12):j]:
            while words[j] != "(":
                j -= 1
            j -= 1
        end = j + 1
        while j >= 0 and end - j <= 6 and _np_words_ok(words, j, lex):
            j -= 1
        start = j + 1
        while start < end and words[start] in ("the", "a", "an"):
            start += 1
        if start >= end or info.tag_at(end - 1) not in NOUN_HEAD_TAGS or (j >= 0 and words[j] not in (",", "and", "or")
                                                                           and j >= 0 and info.clause_of[j] == info.clause_of[start]
                                                                           and words[j] not in ("(", ":")):
            break  # a list item is a whole noun phrase, not the tail of a clause
        content = [w for w in words[start:end] if w not in ("the", "a", "an")]
        out.append((start, end, *_outcome_norm(content, lex)))
        k = start
    return out


def _subject_norm(content: list[str], lex: Lexicon) -> str:
    """Canonical subject of a phrase: the lexicon's when one of its terms is the whole phrase,
    else the phrase's own ("drinking water" is not drinking; "a lack of vitamin D" is not
    vitamin D; "vitamin D supplements" -> vitamin_d by dropping the light head)."""
    term = lex.subjects.match_at(content, 0)
    return term[1] if term and term[0] == len(content) else open_subject_norm(content)


def _outcome_norm(content: list[str], lex: Lexicon) -> tuple[str, int]:
    """(canonical outcome, sign) of an outcome phrase: the lexicon's when one of its terms is the
    whole phrase ("sleeplessness" -> insomnia), else the phrase's own canonical form ("liver
    cancer" stays liver_cancer, not the lexicon's broader "cancer")."""
    hit = lex.outcomes.match_at(content, 0)
    if hit and hit[0] == len(content):
        return hit[1]
    return open_outcome_norm(content), 1


def _subjects_after(info: _SentenceInfo, i: int, lex: Lexicon) -> list[tuple[int, int, tuple[str, str]]]:
    """Subject noun phrases after an inverse cue, coordinated ("treated with salt and fluids"):
    (start, end, (as written, canonical)) each. A lexicon term names its canonical subject unless
    the phrase is about a shortage of it ("a lack of vitamin D")."""
    words, n, toks = info.words, len(info.words), info.tokens
    items = []
    while i < n:
        while i < n and words[i] in ("a", "an", "the", "certain", "some", "several", "many", "other", "various"):
            i += 1
        start = i
        while i < n and i - start < 6 and (_np_words_ok(words, i, lex) or (words[i] == "of" and i > start)
                                           or (i > start and words[i].isalpha() and words[i] not in NP_STOP
                                               and words[i] not in COORD and info.tag_at(i) in ("NN", "NNS"))):
            i += 1  # a cue word used as a noun ("heavy lifting") is part of the phrase
        while i > start and words[i - 1] == "of":
            i -= 1
        term = lex.subjects.match_at(words, start) if start < n else None
        if term and (i <= start + term[0] or info.tag_at(start) in ("RB", "CD")):
            i = start + term[0]  # a subject term, whatever the tagger says ("5-HTP" CD, "valerian" JJ)
        elif i == start or info.tag_at(i - 1) not in NOUN_HEAD_TAGS or info.tag_at(start) in ("RB", "CD"):
            break  # "reduced by approximately half" names no subject
        content = [w for w in words[start:i] if w not in ("of", "the", "a", "an")]
        written = info.text[toks[start].start:toks[i - 1].end]
        m = i + 1 if i < n and words[i] == "," else i
        marker = 2 if words[m:m + 2] == ["such", "as"] else 1 if m < n and words[m] in ("including", "like") else 0
        if marker and content[-1] in PLACEHOLDER_HEADS and m + marker < n:
            i = m + marker  # "stressors such as heavy lifting and vibration": the examples are the subjects
            continue
        if i < n and words[i] == "(" and ")" in words[i + 1:i + 6]:
            # "tumors of the thymus gland (thymomas), hematologic cancers": the name in brackets is written too
            close = words.index(")", i + 1)
            written = info.text[toks[start].start:toks[close].end]
            items.append((start, close + 1, (written, _subject_norm(content, lex))))
            i = close + 1
        else:
            items.append((start, i, (written, _subject_norm(content, lex))))
        j = i
        while j < n and words[j] in COORD:
            j += 1
        if j == i or j >= n or not (lex.subjects.match_at(words, j)
                                     or (words[i:j] in (["or"], [",", "or"]) and _np_words_ok(words, j, lex))
                                     or _open_list_item(info, j, lex, comma_only=words[i:j] == [","])):
            break  # ("due to medication or infections is ...": "or" joins noun phrases)
        i = j
    return items


# ----------------------------------------------------------------- qualifiers
def _polarity(info: _SentenceInfo, cue: int, lex: Lexicon) -> str:
    words = info.words
    clause = info.clause_of[cue]
    window = lex.raw["cues.json"]["negation"]["window"]
    negated = False
    for j in range(max(0, cue - window), cue):
        if info.clause_of[j] != clause:
            continue
        if lex.negation_cancel.match_at(words, j):
            return "affirmed"
        if lex.negation.match_at(words, j) or words[j].endswith("n't"):
            negated = True
    return "negated" if negated else "affirmed"


def _modality(info: _SentenceInfo, cue: int, lex: Lexicon) -> str:
    words = info.words
    clause = info.clause_of[cue]
    found = "certain"
    for j in range(max(0, cue - 12), cue):
        if info.clause_of[j] != clause:
            continue
        hit = lex.modality.match_at(words, j)
        if hit and hit[1] != "certain":
            if hit[1] == "possible":
                return "possible"
            found = "probable"
    return found


def _attribution(info: _SentenceInfo, cue: int, lex: Lexicon) -> str:
    words = info.words
    label = "author"
    base = max(0, cue - LOOKBACK)
    for s, e, lab in lex.attribution.find_all(words[base:cue]):
        s, e = s + base, e + base
        if lab == "contested":
            # "Contrary to claims that X causes Y, ...": the disputed claim runs to the next comma
            if "," not in words[e:cue] and ";" not in words[e:cue]:
                return "contested"
            continue
        label = lab
    if label == "author":
        # "Most members who tried it say ...", "Some drinkers report ...": users, whatever they are called
        for k in range(base, cue):
            if words[k] in lex.report_verbs and any(w in lex.report_people for w in words[max(base, k - 5):k]):
                return "users_report"
    return label


def _nearest(mentions, info: _SentenceInfo, cue: int):
    """Mentions in the cue's clause, or (if none there) in the sentence."""
    if not mentions:
        return []
    first, last = info.clause_span(cue)
    lo, hi = info.tokens[first].start, info.tokens[last].end
    inside = [m for m in mentions if lo <= m.start < hi]
    return inside or mentions


def _attach_conditions(claim: Claim, info: _SentenceInfo, with_dose: bool = True) -> Claim:
    """Dose, dose level, population and context of the claim's clause (``with_dose`` False: the
    sentence's amount is the claim's value, not a condition)."""
    cue = claim.cue_index
    pos = info.tokens[cue].start
    parts: list[tuple[int, str]] = []
    doses = [d for d in _nearest(info.doses, info, cue) if d.unit != "h"] if with_dose else []
    if doses:
        d = min(doses, key=lambda d: abs(d.start - pos))
        claim.dose_min, claim.dose_max, claim.dose_unit = d.lo, d.hi, d.unit
        parts.append((d.start, d.text + (f" per {d.per}" if d.per else "")))
    levels = _nearest(info.levels, info, cue)
    if levels:
        lv = min(levels, key=lambda m: abs(m.start - pos))
        claim.dose_level = lv.value
        parts.append((lv.start, lv.text))
    pops = _nearest(info.populations, info, cue)
    if pops:
        claim.population = ";".join(sorted({m.value for m in pops}))
        parts.extend((m.start, m.text) for m in pops)
    ctxs = _nearest(info.contexts, info, cue)
    if ctxs:
        claim.context = ";".join(sorted({m.value for m in ctxs}))
        parts.extend((m.start, m.text) for m in ctxs)
    claim.condition = "; ".join(t for _, t in sorted(set(parts)))
    return claim


# ----------------------------------------------------------------- main entry
def _direction(cls: str, canon: str, sign: int, lex: Lexicon) -> tuple[str, int]:
    """(predicate, direction on the canonical outcome) for an effect class and outcome."""
    info = lex.outcome_info.get(canon)
    if info is not None:
        improve = int(info.get("improve", -1))
    else:  # an open-class outcome: a problem unless its head names something good ("blood flow")
        improve = 1 if canon.rsplit("_", 1)[-1] in lex.positive_heads else -1
    if cls in ("improve", "treat"):
        # treating or helping X always means making X better ("a solution to a restful night")
        d = improve
    elif cls == "worsen":
        d = -improve
    elif cls == "interact":
        return "interacts_with", 0
    elif cls == "affect":
        return "no_effect", 0  # "therapies tried with minimal success include X"
    else:
        d = int(lex.effect_classes[cls]["direction"]) * sign
    nominal = lex.effect_classes[cls]
    if nominal["predicate"] in ("causes", "treats", "prevents", "decreases", "increases") and d == nominal["direction"]:
        return nominal["predicate"], d
    return ("increases" if d > 0 else "decreases"), d


PREDICATE_MODIFIER_TAGS = frozenset({"DT", "JJ", "JJR", "JJS", "RB", "RBR", "RBS", "VBN"})


def _is_property_use(info: _SentenceInfo, s: int, e: int, lex: Lexicon) -> bool:
    """A property word used as a claim: followed by a property head ("calming effects",
    "calming and energizing effects"), or after a copula ("is calming", and for a noun "is a
    stimulant", "is the most widely used stimulant")."""
    words = info.words
    j = e
    steps = 0
    while j < len(words) and steps < 5:
        w = words[j]
        if w in lex.property_heads:
            return True
        hit = lex.cues.match_at(words, j)
        if w in ("and", "or", ",") or (hit and hit[1][0] in ("property", "property_neg")):
            j += hit[0] if hit and w not in ("and", "or", ",") else 1
            steps += 1
            continue
        if w.isalpha() and w not in NP_STOP and steps < 3:  # "stimulating central nervous system effects"
            j += 1
            steps += 1
            continue
        break
    k = s - 1
    while k >= 0 and words[k] in lex.transparent | {"very", "quite", "mildly", "highly", "somewhat", "too", "more", "less", "most", "least", "not", "both", "and", "a", "an", "mostly"}:
        k -= 1
    if _copula_ends_at(words, k, lex):
        return True
    # a noun's determiner and modifiers ("a natural", "the most widely used"): tagged only now
    m = k
    while m >= 0 and s - m <= 6 and words[m].isalpha() and info.tag_at(m) in PREDICATE_MODIFIER_TAGS:
        m -= 1
    return m != k and _copula_ends_at(words, m, lex)


def _copula_ends_at(words: list[str], end: int, lex: Lexicon) -> bool:
    """Does a copula ("is", "are considered") end at token ``end``?"""
    for back in (1, 2):
        start = end - back + 1
        hit = lex.copulas.match_at(words, start) if start >= 0 else None
        if hit and start + hit[0] == end + 1:
            return True
    return False


def extract_sentence(text: str, doc_subject: str | None, lex: Lexicon | None = None,
                     joined: str | None = None) -> list[Claim]:
    """All claims in one sentence (offsets relative to the sentence). ``joined``: the sentence's
    ``joined_words`` if already computed."""
    lex = lex or load_lexicon()
    joined = joined if joined is not None else joined_words(text)
    if not (lex.strong_scan.any_in(text, joined)
            or (lex.weak_scan.any_in(text, joined) and lex.outcome_scan.any_in(text, joined))):
        return []  # nothing that can make a claim (most sentences): never tokenized
    tokens = tokenize(text)
    if not tokens:
        return []
    words = [t.text for t in tokens]
    info = _SentenceInfo(text, tokens, words, _clauses(words, lex))

    # cue matches, longest first; an outcome phrase that starts at the same token and is
    # longer wins ("increased heart rate" is an outcome, not the verb "increased").
    cues = []
    i = 0
    while i < len(words):
        hit = lex.cues.match_at(words, i)
        if hit:
            ohit = lex.outcomes.match_at(words, i)
            if ohit and ohit[0] > hit[0] and hit[1][0] in ("verb", "noun"):
                i += ohit[0]
                continue
            cues.append((i, i + hit[0], hit[1]))
            i += hit[0]
        else:
            i += 1
    quantity_hits = lex.quantities.find_all(words)
    if not cues and not quantity_hits and "without" not in words:
        return []
    info.doses = parse_doses(text)
    if lex.condition_scan.any_in(text, joined):  # most sentences name no condition
        info.levels = find_dose_levels(tokens, text)
        info.populations = find_phrases(lex.populations, tokens, text)
        info.contexts = find_phrases(lex.contexts, tokens, text)

    claims: list[Claim] = []
    consumed = 0
    k = 0
    while k < len(cues):
        s, e, (kind, payload) = cues[k]
        k += 1
        if s < consumed:
            continue
        if _after_than(words, s) or _not_asserted(info, s, lex):
            continue  # "... than to help you sleep", "to avoid triggering ...", "If X is caused by Y, ...": not asserted
        if kind == "verb" and e - s == 1 and _attributive(words, s):
            continue  # "increased fragility", "including elevating the legs": not a verb with a subject
        if kind == "verb" and words[s].endswith("ing") and s > 0 and words[s - 1] == "," \
                and lex.list_scan.any_in(text, joined):
            continue  # "Treatment may involve resting, elevating the legs, ...": items of a list, read by list_item_claims
        if kind == "verb" and e - s == 1 and s > 0 and words[s - 1] in ADJECTIVE_SLOT_BEFORE \
                and not (e < len(words) and lex.outcomes.match_at(words, e)) \
                and info.tag_at(s) in ("JJ", "JJR", "JJS", "NN", "NNS"):
            continue  # "the feet and lower legs", "a slow heartbeat": an adjective or noun, not the verb
        if kind == "verb" and e < len(words) and words[s].endswith("s") and words[e] in NOUN_CUE_FOLLOWERS:
            continue  # "Other causes include X": the noun, not the verb
        if kind in ("verb", "noun"):
            cls = payload
            # "help" + verb is transparent; handled by the transparent list.
            # chained cues: "cause or exacerbate insomnia"
            chain = [(s, e, cls)]
            while k < len(cues) and cues[k][2][0] == "verb" and words[chain[-1][1]:cues[k][0]] in (["or"], ["and"], [",", "or"], [",", "and"], ["and", "even"], ["or", "even"], ["and", "help"], ["or", "help"]):
                chain.append((cues[k][0], cues[k][1], cues[k][2][1]))
                k += 1
            last_end = chain[-1][1]
            if cls == "affect":
                objects, obj_end = _read_objects(info, last_end, lex)
                if _polarity(info, s, lex) != "negated" or not objects:
                    # "can affect the risk of developing X": undirected, and no claim inside its object
                    consumed = max(consumed, _read_objects(info, last_end, lex, open_object=True)[1])
                    continue
                for os_, oe, canon, _sign in objects:
                    claims.append(_make(info, s, s, oe, os_, oe, "no_effect", canon, 0, lex, doc_subject, negate=False))
                consumed = obj_end
                continue
            phrase = " ".join(words[chain[-1][0]:chain[-1][1]])
            if cls == "interact":
                # "interacts with alcohol and sleeping pills": a drug-interaction claim whatever the partner
                obj_s = _skip(words, last_end, lex, len(words))
                obj_e = obj_s
                while obj_e < len(words) and (words[obj_e].isalnum() or "-" in words[obj_e] or words[obj_e] in ("and", "or")) \
                        and words[obj_e] not in NP_STOP and obj_e - obj_s < 8:
                    obj_e += 1
                while obj_e > obj_s and words[obj_e - 1] in ("and", "or", ","):
                    obj_e -= 1
                partner = words[obj_s:obj_e]
                is_drug = any(lex.subjects.match_at(partner, j) or lex.outcomes.match_at(partner, j)
                              for j in range(len(partner)))
                if obj_e > obj_s and is_drug:  # not "interacts with opioid receptors / our bodies"
                    claims.append(_make(info, s, s, obj_e, obj_s, obj_e, "interacts_with", "drug_interactions", 0, lex, doc_subject))
                    consumed = obj_e
                continue
            objects, obj_end = _read_objects(info, last_end, lex, open_object=phrase in lex.open_object)
            if not objects:
                # "for an energy boost": an improving verb that is also a noun after its outcome
                # (only after "a"/"an": "prescription sleep aids" names other products)
                noun_cls = lex.postfix_noun_class.get(phrase) if len(chain) == 1 else None
                c = _postfix_claim(info, s, e, noun_cls, lex, doc_subject, after_article=True) \
                    if noun_cls == "improve" else None
                if c is not None:
                    claims.append(c)
                continue
            if _ranking(info, last_end, objects[0][0], obj_end):
                consumed = obj_end
                continue  # "causes more deaths than any other cancer": a ranking, not an effect
            consumed = obj_end
            # "The most common side effects are headaches": whose side effects? a subject named
            # in the sentence, else the document's
            about_effects = kind == "noun" and "effects" in words[s:e]
            seen_dirs = set()
            if doc_subject:  # "infections that may cause the condition": the page's topic
                objects = [(os_, oe, doc_subject, 1) if oe - os_ == 1 and os_ > 0 and words[os_ - 1] in ("the", "this")
                           and words[os_] in TOPIC_ANAPHORS else (os_, oe, canon, sign)
                           for os_, oe, canon, sign in objects]
            for cs, ce, ccls in chain:
                for os_, oe, canon, sign in objects:
                    pred, d = _direction(ccls, canon, sign, lex)
                    if (canon, d) in seen_dirs:
                        continue
                    seen_dirs.add((canon, d))
                    claims.append(_make(info, s, cs, oe, os_, oe, pred, canon, d, lex, doc_subject,
                                        outcome_first=about_effects))
        elif kind == "inverse":
            # "Rickets is caused by a lack of vitamin D": outcome before the cue, subjects after it
            outcome = _outcome_before(info, s, lex, doc_subject)
            if outcome is None:
                if words[s] in ("side", "adverse"):  # "The side effects of melatonin include headaches"
                    found, consumed = _effects_of(info, s, e, lex, doc_subject, consumed)
                    claims.extend(found)
                continue
            items = _subjects_after(info, e, lex)
            for os_, oe, canon, sign in _coordinated_before(info, outcome, lex):
                for ss, se, subject in items:
                    pred, d = _direction(payload, canon, sign, lex)
                    claims.append(_make(info, s, s, se, os_, oe, pred, canon, d, lex, doc_subject, subject=subject))
            if items:
                consumed = items[-1][1]
        elif kind == "help" and _after_than(words, s):
            continue
        elif kind == "help":
            # "helps you drift off" (an outcome follows) vs "helps reduce" (a cue follows: transparent)
            j = _skip(words, e, lex, len(words))
            if j < len(words) and lex.cues.match_at(words, j) and not lex.outcomes.match_at(words, j):
                continue
            objects, obj_end = _read_objects(info, e, lex)
            if not objects:
                claims.extend(_topic_treatment(info, s, e, lex, doc_subject))  # "A humidifier can also help."
                continue
            consumed = obj_end
            for os_, oe, canon, sign in objects:
                pred, d = _direction("improve", canon, sign, lex)
                claims.append(_make(info, s, s, oe, os_, oe, pred, canon, d, lex, doc_subject))
        elif kind == "postverb" and payload == "treat":
            claims.extend(_topic_treatment(info, s, e, lex, doc_subject))  # "A muscle relaxant may be prescribed."
        elif kind == "postverb":
            # "Mild stomach upset and diarrhea can occur at higher doses": outcomes precede the verb
            lo = info.clause_start(s)
            for os_, oe, (canon, sign) in lex.outcomes.find_all(words[lo:s]):
                os_, oe = os_ + lo, oe + lo
                if any(cs <= os_ < ce for cs, ce, _ in cues if cs < s):
                    continue
                pred, d = _direction(payload, canon, sign, lex)
                claims.append(_make(info, os_, s, e, os_, oe, pred, canon, d, lex, doc_subject, outcome_first=True))
        elif kind == "postfix":
            c = _postfix_claim(info, s, e, payload, lex, doc_subject)
            if c is not None:
                claims.append(c)
        elif kind in ("property", "property_neg"):
            if kind == "property" and not _is_property_use(info, s, e, lex):
                continue
            canon, d = payload
            if kind == "property_neg" and int(d) > 0 and lex.outcome_info.get(canon, {}).get("adverse"):
                # "non-addictive": a safety claim about that harm
                claims.append(_make(info, s, s, e, s, e, "safe", canon, 0, lex, doc_subject))
                continue
            claims.append(_make(info, s, s, e, s, e, "has_property", canon, int(d), lex, doc_subject,
                                force_negated=(kind == "property_neg")))
        elif kind == "safe":
            if payload == 1 and not _safe_use(words, s, e, lex):
                continue
            if payload == -1 and e < len(words) and e - s == 1 and words[e].isalpha() and words[e] not in NP_STOP \
                    and words[e] not in COORD:
                continue  # "harmful chemicals", "dangerous situations": an attribute of a noun, not a safety claim
            c = _make(info, s, s, e, s, e, "safe", "side_effects", 0, lex, doc_subject,
                      force_negated=(payload == -1 and _polarity(info, s, lex) != "negated"),
                      negate=payload != -1)  # "probably not harmful" is a safety claim
            if c:
                claims.append(c)
        elif kind == "no_effect":
            phrase = words[s:e]
            if phrase[-1] in ("on", "of"):
                objects, obj_end = _read_objects(info, e, lex)
                for os_, oe, canon, _sign in objects:
                    claims.append(_make(info, s, s, oe, os_, oe, "no_effect", canon, 0, lex, doc_subject, negate=False))
                consumed = obj_end
            else:
                # "no side effects", "free of side effects"
                claims.append(_make(info, s, s, e, s + 1, e, "safe", "side_effects", 0, lex, doc_subject, negate=False))
        elif kind == "no_risk":
            # "no risk of dependence", "no potential for abuse": safe with respect to that harm
            objects, obj_end = _read_objects(info, e, lex)
            for os_, oe, canon, _sign in objects:
                claims.append(_make(info, s, s, oe, os_, oe, "safe", canon, 0, lex, doc_subject, negate=False))
            if objects:
                consumed = obj_end
    # "without <adverse outcome>": no effect on it ("relief without cognitive impairment")
    claims.extend(_without_claims(info, lex, doc_subject, cues))
    claims.extend(_numeric_claims(info, quantity_hits, lex, doc_subject))
    out, seen = [], set()
    for c in [part for c in claims if c is not None for part in _split_subject(c, lex)]:
        if _self_referential(c) or _demographic(c, lex):
            continue
        key = (c.subject_norm, c.outcome_norm, c.direction, c.polarity, c.predicate == "has_property" and c.value_unit is not None)
        if key in seen:
            continue  # one claim per sentence and key ("calming, relaxing effect")
        seen.add(key)
        if c.value_unit is None:
            _attach_conditions(c, info)
        out.append(c)
    out.extend(_max_safe_dose(out, info, lex, seen))
    return out


TEST_HEADS = frozenset({"test", "tests", "testing", "exam", "exams", "examination", "scan", "scans", "biopsy"})
TOPIC_TREATMENT_ENDS = frozenset({".", ";", "!", ",", "if", "for", "when", "in"})


def _topic_treatment(info: _SentenceInfo, s: int, e: int, lex: Lexicon, doc_subject: str | None) -> list[Claim]:
    """On a page about a condition (its topic is not a lexicon subject), "X can also help." and
    "X may be prescribed/is needed" with no object say that X treats the page's topic. Examples
    after a placeholder ("Several things may help, such as A and B") are the subjects."""
    words = info.words
    if not doc_subject or doc_subject in lex.main_subject_candidates \
            or (e < len(words) and words[e] not in TOPIC_TREATMENT_ENDS):
        return []
    if words[e:e + 3] == [",", "such", "as"]:
        subjects = [subj for _s, _e, subj in _subjects_after(info, e + 3, lex)]
    else:
        subj = _subject_before(info, s, lex, doc_subject)
        subjects = [subj] if subj and subj[0] and subj[1] != doc_subject \
            and subj[1] not in SUBJECT_LIGHT_HEADS | PLACEHOLDER_SUBJECTS | PLACEHOLDER_HEADS \
            and subj[1].rsplit("_", 1)[-1] not in PLACEHOLDER_SUBJECTS | TEST_HEADS else []
    pred, d = _direction("treat", doc_subject, 1, lex)
    out = []
    for subj in subjects:
        c = _make(info, s, s, e, s, e, pred, doc_subject, d, lex, doc_subject, subject=subj)
        if c is not None:
            out.append(replace(c, outcome=doc_subject.replace("_", " ")))
    return out


def _split_subject(c: Claim, lex: Lexicon) -> list[Claim]:
    """One claim per conjunct of a coordinated open-class subject ("Having hepatitis or cirrhosis
    can increase the risk" -> hepatitis, cirrhosis). Lexicon subjects are single terms already."""
    if not c.subject or c.subject_norm in lex.main_subject_candidates or not re.search(r"\s(?:and|or)\s|,", c.subject):
        return [c]
    parts, pos = [], 0
    if "(" in c.subject:
        return [c]
    # conjunctions inside a prepositional phrase join its objects ("surgery to the head and neck")
    prep = SUBJECT_PP.search(c.subject)
    head, tail = (c.subject[:prep.start()], c.subject[prep.start():]) if prep else (c.subject, "")
    pieces = re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", head)
    if len(pieces) < 2:
        return [c]
    pieces[-1] += tail
    for piece in pieces:
        content = [w for w in words_of(piece) if w not in ("the", "a", "an", "both", "either")]
        if not content:
            return [c]
        parts.append(replace(c, subject=piece, subject_norm=_subject_norm(content, lex)))
    return parts


SUBJECT_PP = re.compile(r"\s(?:to|of|in|on|with|from|for|at|by|during)\s")


GENETIC_WORDS = frozenset({"gene", "genes", "mutation", "mutations", "mutated", "allele", "alleles", "genotype",
                           "genotypes", "copy", "copies", "deletion", "deletions", "variant", "variants",
                           "chromosome", "chromosomes", "polymorphism", "polymorphisms"})


def _demographic(c: Claim, lex: Lexicon) -> bool:
    """"Men have a greater risk", "Being white": a group of people is not a cause; nor is a gene
    ("Mutations in the CAT gene cause ...": genetic etiology, not a health claim)."""
    norm = c.subject_norm.removeprefix("being_")
    parts = norm.split("_")
    return norm in lex.demographic or parts[0] in ("not", "no") or any(w in GENETIC_WORDS for w in parts)


def _self_referential(c: Claim) -> bool:
    """"[Liver cancer page] ... a greater risk of developing liver cancer": a subject that is its
    own outcome says nothing (it comes from resolving a missing subject to the page's topic)."""
    subj = {w for w in c.subject_norm.split("_") if len(w) > 2}
    outcome = {w for w in c.outcome_norm.split("_") if len(w) > 2} | {w.lower() for w in c.outcome.split() if len(w) > 2}
    return c.value_unit is None and bool(subj & outcome)


@dataclass(frozen=True)
class ListFrame:
    """An open list: "Risk factors for liver cancer include:" -> every item increases liver cancer."""
    cls: str            # effect class of the introducer (increase, treat, prevent)
    outcome: str        # as written (the {Y} of the introducer, or the page's topic)
    outcome_norm: str
    sign: int
    modality: str
    attribution: str


LIST_Y_TRAILERS = frozenset({"typically", "usually", "often", "generally", "commonly", "may", "can", "might", "also",
                             "sometimes", "mainly", "mostly", "will"})
# an inline "item" that opens a clause is not a list item ("..., which may reduce X and help to ease Y")
ITEM_NON_STARTS = frozenset({"which", "that", "who", "whose", "help", "helps", "to", "because", "although", "but",
                             "since", "when", "if", "while", "where"})
INLINE_LIST_END = re.compile(r",?\s(?:which|who|that|because|if|when|since|although|whose)\s")
ITEM_STOPS = re.compile(r",|;|\(|:|\s-\s|\s(?:which|that|who|such as|because|especially|including|if|when)\s"
                        r"|\sto\s(?:reduce|relieve|treat|prevent|control|ease|lower|raise|help|improve|decrease|"
                        r"descrease|slow|normalize|open|kill|keep|stop|manage|correct|restore|strengthen|increase)\b")
BULLET = re.compile(r"(?:^|\s)-\s+")


def list_frame(text: str, topic: str | None, lex: Lexicon | None = None, joined: str | None = None
               ) -> tuple[ListFrame, list[tuple[int, int]], bool] | None:
    """A list introducer in a sentence: (frame, item spans after it in the same sentence, whether
    the list goes on in the following list-item sentences), or None. ``joined``: the sentence's
    ``joined_words`` if already computed."""
    lex = lex or load_lexicon()
    if not lex.list_scan.any_in(text, joined):
        return None
    lower = text.lower()
    if len(lower) != len(text):
        return None
    for pattern, cls in lex.list_introducers:
        m = pattern.search(lower)
        if m:
            break
    else:
        return None
    y = m.groupdict().get("y")
    written = text[m.start("y"):m.end("y")].strip() if y else (topic or "")
    words = words_of(written)
    while y and words and words[-1] in LIST_Y_TRAILERS:  # "Treatment for X typically includes"
        words.pop()
        written = written[:written.lower().rstrip().rfind(" ")].rstrip() if " " in written.strip() else ""
    if not words or len(words) > 8:
        return None
    content = [w for w in words if w not in ("the", "a", "an", "your", "this")]
    if not content or content[-1] in GENERIC_HEADS:
        return None
    outcome_norm, sign = _outcome_norm(content, lex)
    before = words_of(text[:m.end()])
    modality = "certain"
    for _s, _e, label in lex.modality.find_all(before):
        if label != "certain":
            modality = "possible" if label == "possible" or modality == "possible" else "probable"
    attribution = "author"
    for _s, _e, label in lex.attribution.find_all(before):
        attribution = label
    frame = ListFrame(cls, written, outcome_norm, sign, modality, attribution)
    rest_start = m.end()
    rest = text[rest_start:]
    stripped = rest.lstrip(" :")
    offset = rest_start + len(rest) - len(stripped)
    if stripped.lower().startswith("the following"):
        stripped2 = stripped[len("the following"):].lstrip(" :")
        offset += len(stripped) - len(stripped2)
        stripped = stripped2
    bullets = [b for b in BULLET.finditer(stripped)]
    spans = []
    if bullets:
        starts = [b.end() for b in bullets]
        ends = [b.start() for b in bullets[1:]] + [len(stripped)]
        spans = [(offset + a, offset + b) for a, b in zip(starts, ends) if b > a]
    elif stripped.strip(" .") and ":" not in rest:
        # an inline list: "Treatment may include medicines, counseling, and support groups."
        pos = 0
        cut = INLINE_LIST_END.search(stripped)  # the list ends where a clause begins
        for piece in re.split(r",\s*(?:and/or\s+|and\s+|or\s+)?|\s+(?:and/or|and|or)\s+", stripped[:cut.start()] if cut else stripped):
            at = stripped.find(piece, pos)
            if piece.strip(" ."):
                spans.append((offset + at, offset + at + len(piece)))
            pos = at + len(piece)
    goes_on = ":" in text[m.start():] or lower.rstrip().endswith(("following", "following."))
    return frame, spans, goes_on


def list_item_claims(text: str, spans: list[tuple[int, int]], frame: ListFrame, lex: Lexicon | None = None
                     ) -> list[Claim]:
    """Claims of list items: each item's leading noun phrase (split at "or"/"and") is a subject
    of the frame's effect on its outcome ("Having hepatitis B or hepatitis C" -> two claims)."""
    lex = lex or load_lexicon()
    out = []
    for start, end in spans:
        item = text[start:end]
        if words_of(item[:30])[:1] and words_of(item[:30])[0] in ITEM_NON_STARTS:
            continue
        cut = ITEM_STOPS.search(item)
        head = item[:cut.start()] if cut else item
        example = re.match(r"\s*,?\s*(?:such as|like|including)\s+", item[cut.start():]) if cut else None
        if example and words_of(head)[-1:] and words_of(head)[-1] in PLACEHOLDER_HEADS:
            # "medications such as beta blockers or calcium channel blockers": the examples are the items
            start = start + cut.start() + example.end()
            item = text[start:end]
            cut = ITEM_STOPS.search(item)
            head = item[:cut.start()] if cut else item
        head = head.strip().rstrip(".").strip()
        if not head:
            continue
        lead = re.match(r"(?:and/or|and|or)\s+", head)
        if lead:
            head = head[lead.end():]
        base = start + item.find(head)
        pos = 0
        for part in re.split(r"\s+(?:or|and)\s+", head):
            at = head.find(part, pos)
            pos = at + len(part)
            words = words_of(part)
            content = [w for w in words if w not in ("the", "a", "an", "your", "some", "certain", "other")]
            if not content or len(content) > 8 or not any(w.isalpha() for w in content) \
                    or content[-1] in PLACEHOLDER_SUBJECTS or content[0] in PEOPLE_OR_PRONOUNS:
                continue
            canon = _subject_norm(content, lex)
            pred, d = _direction(frame.cls, frame.outcome_norm, frame.sign, lex)
            s_, e_ = base + at, base + at + len(part)
            c = Claim(subject=part, subject_norm=canon, effect=text[s_:e_], predicate=pred, outcome=frame.outcome,
                      outcome_norm=frame.outcome_norm, direction=d, modality=frame.modality,
                      attribution=frame.attribution, start=s_, end=e_)
            if not _self_referential(c) and not _demographic(c, lex):
                out.append(c)
    return out


def _postfix_claim(info: _SentenceInfo, s: int, e: int, cls: str, lex: Lexicon, doc_subject,
                   after_article: bool = False) -> Claim | None:
    """ "pain relief", "insomnia management", "an energy boost": the outcome right before the noun
    (``after_article``: only right after "a"/"an")."""
    best = None
    for back in range(1, 5):
        if s - back < 0:
            break
        ohit = lex.outcomes.match_at(info.words, s - back)
        if ohit and s - back + ohit[0] == s:
            best = (s - back, ohit[1])
    if best is None or (after_article and (best[0] == 0 or info.words[best[0] - 1] not in ("a", "an"))):
        return None
    os_, (canon, sign) = best
    pred, d = _direction(cls, canon, sign, lex)
    return _make(info, os_, os_, e, os_, s, pred, canon, d, lex, doc_subject)


def _max_safe_dose(claims: list[Claim], info: _SentenceInfo, lex: Lexicon, seen: set) -> list[Claim]:
    """ "Up to 400 mg a day is safe": a safe claim with an upper-bound dose states the maximum dose."""
    out = []
    for c in claims:
        if c.predicate == "safe" and c.polarity == "affirmed" and c.dose_min is None and c.dose_max is not None \
                and c.dose_unit == "mg" and (c.subject_norm, "max_daily_dose", 0, "affirmed", True) not in seen:
            seen.add((c.subject_norm, "max_daily_dose", 0, "affirmed", True))
            out.append(replace(c, predicate="has_property", outcome_norm="max_daily_dose", outcome=c.condition,
                               value_min=c.dose_max, value_max=c.dose_max, value_unit="mg", dose_min=None,
                               dose_max=None, dose_unit=None, dose_level=None, condition=""))
    return out


def _attributive(words: list[str], s: int) -> bool:
    """An -ed/-ing verb form at the start of a sentence or after a determiner, coordinator or
    preposition is an adjective or a gerund ("Increased fragility of ...", "with reduced enzyme
    activity", "include elevating the legs"), not a verb whose subject is before it."""
    w = words[s]
    if not w.endswith(("ed", "ing")):
        return False
    if w.endswith("ing"):
        # a gerund after a preposition keeps its subject ("touted for easing anxiety"), and a
        # participle clause is the main clause's (", leading to X")
        return s == 0 or words[s - 1] in GERUND_LIST_BEFORE
    return s == 0 or words[s - 1] in ATTRIBUTIVE_BEFORE


CONDITIONAL_OPENERS = frozenset({"if", "when", "whenever", "unless"})
AVOID_WORDS = frozenset({"avoid", "avoiding", "to"})


def _not_asserted(info: _SentenceInfo, s: int, lex: Lexicon) -> bool:
    """A cue under a non-assertive frame of its clause ("to avoid triggering", "The goal of
    treatment is to restore", "whether it has been proven to reduce"), or inside a
    sentence-initial conditional clause ("If rickets is caused by X, then ..."): not asserted."""
    words = info.words
    lo = info.clause_start(s)
    for j in range(min(lo, max(0, s - 3)), s):
        if lex.non_assertive.match_at(words, j) and (j >= s - 3 or words[j] not in AVOID_WORDS):
            return True  # "avoid" only right before the cue ("take X to avoid anemia caused by Y" asserts the cause)
    return words[0] in CONDITIONAL_OPENERS and "," in words and words.index(",") > s


ADJECTIVE_SLOT_BEFORE = frozenset({"and", "or", "the", "a", "an", "your", "their", "its", "his", "her", "our", "my"})
NOUN_CUE_FOLLOWERS = frozenset({"include", "included", "including", "are", "were", "vary", "varies", "remain", "differ"})


def _ranking(info: _SentenceInfo, cue_end: int, obj_start: int, obj_end: int) -> bool:
    """"more/most X ... than": the object is compared with others (prevalence or ranking)."""
    words = info.words
    if not any(w in ("more", "most", "fewer") for w in words[cue_end:obj_start + 1]):
        return False
    clause_end = info.clause_span(obj_start)[1]
    return "than" in words[obj_end:clause_end + 1]


def _after_than(words: list[str], s: int) -> bool:
    return (s >= 1 and words[s - 1] == "than") or (s >= 2 and words[s - 2:s] == ["than", "to"])


def _safe_use(words: list[str], s: int, e: int, lex: Lexicon) -> bool:
    if words[s] == "safely":
        return True
    nxt = words[e] if e < len(words) else ""
    if nxt in ("to", "for") or words[e:e + 2] == ["and", "effective"]:
        return True
    if nxt in ("alternative", "alternatives", "option", "options", "choice", "choices", "remedy", "remedies",
               "supplement", "supplements", "treatment", "treatments", "aid", "aids", "herb", "herbs", "way", "ways"):
        return True
    k = s - 1
    while k >= 0 and words[k] in {"completely", "totally", "generally", "perfectly", "relatively", "very", "quite",
                                  "entirely", "usually", "typically", "considered", "largely", "fairly", "100%",
                                  "extremely", "remarkably", "not", "always", "a", "also", "often"}:
        k -= 1
    # an adjective list: "is cheap, safe and non-addictive"
    steps = 0
    while k >= 0 and steps < 4 and (words[k] in (",", "and") or (words[k].isalpha() and not lex.copulas.match_at(words, k))):
        k -= 1
        steps += 1
    return k >= 0 and (lex.copulas.match_at(words, k) is not None or words[k] in ("is", "are", "be", "considered", "as", "'s"))


def _without_claims(info: _SentenceInfo, lex: Lexicon, doc_subject, cues) -> list[Claim]:
    words = info.words
    cue_starts = {s for s, _, _ in cues}
    out = []
    for i, w in enumerate(words):
        if w != "without" or i + 1 in cue_starts:
            continue
        j = _skip(words, i + 1, lex, len(words))
        if j in cue_starts or j >= len(words):
            continue
        hit = lex.outcomes.match_at(words, j)
        if not hit:
            continue
        canon, sign = hit[1]
        if sign < 0 or int(lex.outcome_info.get(canon, {}).get("improve", -1)) > 0:
            continue  # "without sleep" / "without energy" deny nothing bad
        if i > 0 and (words[i - 1] == "not" or words[i - 1].endswith("n't")):
            # "is not without its side effects" asserts them
            c = _make(info, i - 1, i, j + hit[0], j, j + hit[0], "causes", canon, 1, lex, doc_subject, negate=False)
        else:
            # "sleep without the hangover" = does not cause it
            c = _make(info, i, i, j + hit[0], j, j + hit[0], "causes", canon, 1, lex, doc_subject,
                      negate=False, force_negated=True)
        if c:
            out.append(c)
    return out


def _numeric_claims(info: _SentenceInfo, hits, lex: Lexicon, doc_subject) -> list[Claim]:
    if not hits:
        return []
    kinds = lex.raw["conditions.json"]["quantity_units"]
    out = []
    times = parse_durations(info.text)
    masses = [d for d in parse_doses(info.text) if d.unit == "mg"]
    for s, e, quantity in hits:
        pos = info.tokens[e - 1].end
        pool = times if kinds[quantity] == "time" else masses
        after = [a for a in pool if a.start >= info.tokens[s].start - 25 and a.start - pos < 60]
        if not after:
            continue
        a = min(after, key=lambda a: abs(a.start - pos))
        c = _make(info, s, s, e, s, e, "has_property", quantity, 0, lex, doc_subject, outcome_first=True)
        if c is None:
            continue
        # the stated number is the value even after "up to" / "more than" (a maximum dose of 10 mg is 10 mg)
        lo = a.lo if a.lo is not None else a.hi
        hi = a.hi if a.hi is not None else a.lo
        c.value_min, c.value_max = round(lo, 4), round(hi, 4)
        c.value_unit = "h" if kinds[quantity] == "time" else "mg"
        between = info.words[e:next((k for k, t in enumerate(info.tokens) if t.start >= a.start), len(info.words))]
        if any(w in ("not", "never") or w.endswith("n't") for w in between):
            c.polarity = "negated"  # "The half-life is not 2 hours"
        c.end = max(c.end, a.end)
        c.effect = info.text[c.start:c.end]
        out.append(_attach_conditions(c, info, with_dose=False))  # "for pregnant women"
    return out


def _make(info: _SentenceInfo, anchor: int, cue: int, end_tok: int, out_s: int, out_e: int,
          predicate: str, outcome_norm: str, direction: int, lex: Lexicon, doc_subject: str | None,
          negate: bool = True, force_negated: bool = False, outcome_first: bool = False,
          subject: tuple[str, str] | None = None) -> Claim | None:
    if subject is not None:
        subj = subject
    elif outcome_first:
        # the outcome is the grammatical subject ("Stomach upset can occur"): the claim is about
        # a subject term elsewhere in the sentence, or the document's subject
        terms = [(s_, e_, c_) for s_, e_, c_ in info.subject_terms(lex)
                 if c_ == doc_subject or not _is_modifier(info.words, e_, lex)]
        subj = (info.text[info.tokens[terms[0][0]].start:info.tokens[terms[0][1] - 1].end], terms[0][2]) if terms \
            else (("", doc_subject) if doc_subject in lex.main_subject_candidates else None)
    else:
        subj = _subject_before(info, anchor, lex, doc_subject)
    if subj is None:
        return None
    toks = info.tokens
    start, end = toks[anchor].start, toks[end_tok - 1].end
    polarity = "negated" if force_negated else (_polarity(info, anchor, lex) if negate else "affirmed")
    hedge_at = max(anchor, cue)  # "Stomach upset can occur": the hedge sits before the verb
    return Claim(
        subject=subj[0], subject_norm=subj[1],
        effect=info.text[start:end], predicate=predicate,
        outcome=info.text[toks[out_s].start:toks[out_e - 1].end], outcome_norm=outcome_norm,
        direction=direction, polarity=polarity,
        modality=_modality(info, hedge_at, lex), attribution=_attribution(info, hedge_at, lex),
        start=start, end=end, cue_index=cue,
    )


def claim_key(c) -> str:
    """Canonical claim key: subject|predicate|outcome|direction|polarity|dose band."""
    return "|".join([c.subject_norm, c.predicate, c.outcome_norm, str(int(c.direction)), c.polarity, dose_band(c)])


def dose_band(c) -> str:
    if c.dose_level:
        return c.dose_level
    if c.dose_min is not None or c.dose_max is not None:
        lo = "" if c.dose_min is None else f"{c.dose_min:g}"
        hi = "" if c.dose_max is None else f"{c.dose_max:g}"
        return f"{lo}-{hi}{c.dose_unit or ''}"
    return "any"


def stable_id(*parts: object, n: int = 16) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=n // 2).hexdigest()
