"""Lexicons: data files under ``pipeline/lexicons/`` loaded once into immutable matchers.

Everything the extractor knows about English closed classes (effect cues and
their direction, negation, hedges, attribution, units, condition phrases,
outcome synonyms and inverses, antonymous properties) lives in those JSON
files; this module only turns them into fast token-sequence matchers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, NamedTuple

LEXICON_DIR = Path(__file__).parent / "lexicons"
LEXICON_FILES = ("effects.json", "outcomes.json", "cues.json", "conditions.json", "subjects.json")

# Words and numbers (with inner hyphens/apostrophes: "plant-based", "it's", "5-htp", "1-3", "0.5"),
# comparison signs, and single punctuation marks.
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*(?:-\w+)*|[^\W_]+(?:-[^\W_]+)*(?:'(?:t|re|ve|ll|d|m)\b)?|'s\b|[<>]=?|[^\w\s]")


class Token(NamedTuple):
    text: str   # lowercased
    start: int  # char offsets in the sentence
    end: int


def tokenize(text: str) -> list[Token]:
    lower = text.lower()  # same length for the text we tokenize (normalized: NFKC, no special casing)
    if len(lower) != len(text):
        return [Token(m.group().lower(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    return [Token(lower[m.start():m.end()], m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def words_of(text: str) -> list[str]:
    """Just the lowercased tokens (no offsets)."""
    return TOKEN_RE.findall(text.lower())


def joined_words(text: str) -> str:
    return " ".join(TOKEN_RE.findall(text.lower()))


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenize(phrase))


class PhraseScanner:
    """Aho-Corasick pre-filter over raw lowercase text: does any phrase occur at word
    boundaries? (pyahocorasick; one pass per sentence, so sentences without an effect cue
    are never tokenized.)"""

    def __init__(self, phrases: Iterable[str]):
        import ahocorasick
        self._automaton = ahocorasick.Automaton()
        for phrase in {" ".join(phrase_tokens(p)) for p in phrases if phrase_tokens(p)}:
            self._automaton.add_word(phrase, len(phrase))
        self._automaton.make_automaton()

    def _hits(self, lower: str):
        n = len(lower)
        for end, length in self._automaton.iter(lower):
            start = end - length + 1
            if (start == 0 or lower[start - 1] == " ") and (end + 1 == n or lower[end + 1] == " "):
                yield lower[start:end + 1]

    def any_in(self, text: str, joined: str | None = None) -> bool:
        """``joined``: the text's words already lowercased and space-joined (see ``joined_words``)."""
        return next(self._hits(joined if joined is not None else joined_words(text)), None) is not None

    def find_all(self, text: str) -> list[str]:
        return list(self._hits(joined_words(text)))


class PhraseMatcher:
    """Longest-match lookup of multi-token phrases; values are arbitrary."""

    def __init__(self, phrases: Iterable[tuple[str, Any]]):
        index: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
        for phrase, value in phrases:
            toks = phrase_tokens(phrase)
            if not toks:
                continue
            bucket = index.setdefault(toks[0], [])
            if all(existing != toks for existing, _ in bucket):  # first entry wins
                bucket.append((toks, value))
        for bucket in index.values():
            bucket.sort(key=lambda e: -len(e[0]))
        self._index = MappingProxyType({k: tuple(v) for k, v in index.items()})

    def match_at(self, words: list[str], i: int) -> tuple[int, Any] | None:
        """(length, value) of the longest phrase starting at ``words[i]``."""
        for toks, value in self._index.get(words[i], ()):
            n = len(toks)
            if tuple(words[i:i + n]) == toks:
                return n, value
        return None

    def find_all(self, words: list[str]) -> list[tuple[int, int, Any]]:
        """Non-overlapping longest matches as (start, end, value), left to right."""
        out, i, index = [], 0, self._index
        while i < len(words):
            hit = self.match_at(words, i) if words[i] in index else None
            if hit:
                out.append((i, i + hit[0], hit[1]))
                i += hit[0]
            else:
                i += 1
        return out

    def __contains__(self, word: str) -> bool:
        return word in self._index


def inflections(verb: str, irregular: Mapping[str, list[str]]) -> list[str]:
    """Base, 3rd person, past and gerund forms of a (possibly multi-word) verb."""
    head, _, rest = verb.partition(" ")
    tail = f" {rest}" if rest else ""
    if head in irregular:
        forms = [head, *irregular[head]]
    elif head.endswith("e") and not head.endswith("ee"):
        forms = [head, head + "s", head + "d", head[:-1] + "ing"]
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        forms = [head, head[:-1] + "ies", head[:-1] + "ied", head + "ing"]
    elif head.endswith(("s", "sh", "ch", "x", "z")):
        forms = [head, head + "es", head + "ed", head + "ing"]
    else:
        forms = [head, head + "s", head + "ed", head + "ing"]
    return [f + tail for f in forms]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Lexicon:
    raw: Mapping[str, Any]
    version: str
    cues: PhraseMatcher          # effect cues -> (kind, payload)
    outcomes: PhraseMatcher      # outcome phrase -> (canonical, sign)
    outcome_info: Mapping[str, Mapping[str, Any]]
    generic_subjects: frozenset[str]  # class nouns ("medications") that are never paired as contradictions
    quantity_names: frozenset[str]    # numeric outcomes (half_life, max_daily_dose)
    positive_heads: frozenset[str]  # open-class outcomes with these heads are good things (improve = +1)
    subjects: PhraseMatcher      # subject phrase -> canonical
    main_subject_candidates: frozenset[str]  # canonical subjects that can be a document's main subject
    demographic: frozenset[str]  # open-class subjects that name a group of people, never a cause
    anaphor_nouns: frozenset[str]
    anaphor_pronouns: frozenset[str]
    anaphor_determiners: frozenset[str]
    experiencers: frozenset[str]
    negation: PhraseMatcher
    negation_cancel: PhraseMatcher
    modality: PhraseMatcher      # -> possible / probable (or certain: a modal that is not a hedge)
    attribution: PhraseMatcher   # -> label
    clause_breaks: frozenset[str]
    object_skip: PhraseMatcher
    transparent: frozenset[str]
    property_heads: frozenset[str]
    copulas: PhraseMatcher
    populations: PhraseMatcher
    contexts: PhraseMatcher
    dose_levels: PhraseMatcher
    dose_nouns: frozenset[str]
    disjoint: frozenset[frozenset[str]]
    quantities: PhraseMatcher
    open_object: frozenset[str]
    report_people: frozenset[str]         # "members" in "Most members who tried it say" (users_report)
    report_verbs: frozenset[str]
    experiencer_relatives: PhraseMatcher  # "(those) suffering from": the people a remedy is for, before its outcome
    postfix_noun_class: Mapping[str, str]  # "relief" -> decrease: a noun after its outcome ("pain relief")
    comparatives: Mapping[str, int]
    # Sentence pre-filter: a strong trigger (an open-object verb, a property or safety word, a
    # quantity, "without"), or a weaker cue together with a known outcome; other sentences are
    # never tokenized.
    strong_scan: PhraseScanner
    weak_scan: PhraseScanner
    outcome_scan: PhraseScanner
    subject_scan: PhraseScanner            # counts subject mentions over whole documents
    condition_scan: PhraseScanner          # any population, context or dose-level phrase (pre-filter)
    subject_of: Mapping[str, str]          # normalized phrase -> canonical subject
    non_assertive: PhraseMatcher
    effect_classes: Mapping[str, Mapping[str, Any]]
    list_scan: PhraseScanner                   # the words before {Y} of every list introducer (a cheap first test)
    list_introducers: tuple[tuple[re.Pattern, str], ...]  # (pattern with an optional group "y", class), longest first


# The keys each lexicon file may have: a misspelled key fails loudly instead of being ignored.
ALLOWED_KEYS = {
    "effects.json": {"source", "classes", "irregular", "verbs", "nouns", "postfix_nouns", "postfix_verbs", "inverse_cues",
                     "list_introducers",
                     "transparent", "object_skip", "properties", "property_heads", "copulas", "safe",
                     "examples", "counter_examples", "open_object_verbs", "help_words", "comparatives",
                     "non_assertive"},
    "outcomes.json": {"source", "outcomes", "positive_heads", "note_adverse"},
    "cues.json": {"source", "negation", "modality", "attribution", "clause_breaks", "experiencers", "experiencer_relatives",
                  "user_reports"},
    "conditions.json": {"source", "mass_units", "other_units", "time_units", "dose_levels", "dose_nouns",
                        "bound_words", "per", "populations", "contexts", "disjoint", "quantities", "quantity_units"},
    "subjects.json": {"source", "subjects", "generic_subjects", "intervention_subjects", "demographic_subjects", "anaphor_pronouns", "anaphor_nouns", "anaphor_determiners", "examples"},
}
OUTCOME_KEYS = {"terms", "inverse", "improve", "adverse"}


class LexiconError(ValueError):
    """A lexicon data file is malformed."""


def _load_json(name: str) -> dict:
    data = json.loads((LEXICON_DIR / name).read_text(encoding="utf-8"))
    unknown = set(data) - ALLOWED_KEYS[name]
    missing = (ALLOWED_KEYS[name] - {"examples", "counter_examples", "note_adverse"}) - set(data)
    if unknown or missing:
        raise LexiconError(f"{name}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if not str(data.get("source", "")).strip():
        raise LexiconError(f"{name}: every lexicon says where it came from ('source')")
    if name == "outcomes.json":
        for canon, info in data["outcomes"].items():
            bad = set(info) - OUTCOME_KEYS
            if bad or info.get("improve") not in (-1, 1):
                raise LexiconError(f"outcomes.json: outcome {canon!r}: unknown keys {sorted(bad)} or improve not +-1")
    return data


def _introducer_pattern(phrase: str) -> str:
    """A list-introducer phrase as a regex over lowercased text: words at word boundaries,
    any whitespace between them, "{Y}" a short phrase without clause punctuation."""
    parts = [r"(?P<y>[^:;.,()]{2,60}?)" if w == "{Y}" else re.escape(w) for w in phrase.split()]
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


@cache
def load_lexicon() -> Lexicon:
    files = {name: _load_json(name) for name in LEXICON_FILES}
    digest = hashlib.sha256()
    for name in LEXICON_FILES:
        digest.update((LEXICON_DIR / name).read_bytes())
    eff, out, cue, cond, subj = (files[n] for n in LEXICON_FILES)

    cue_entries: list[tuple[str, Any]] = []
    # Order = priority for identical phrases.
    for cls, phrases in eff["inverse_cues"].items():
        if not cls.startswith("_"):
            cue_entries.extend((phrase, ("inverse", cls)) for phrase in phrases)
    for phrase in eff["safe"]["gentle_on"]:
        cue_entries.append((phrase, ("no_risk", None)))
    for phrase in eff["safe"]["no_risk_phrases"]:
        cue_entries.append((phrase, ("no_risk", None)))
    for phrase in eff["safe"]["no_effect_phrases"]:
        cue_entries.append((phrase, ("no_effect", None)))
    for phrase in eff["safe"]["adjectives"]:
        cue_entries.append((phrase, ("safe", 1)))
    for phrase in eff["safe"]["negated_adjectives"]:
        cue_entries.append((phrase, ("safe", -1)))
    for adj, (outcome, direction) in eff["properties"].items():
        cue_entries.append((adj, ("property", (outcome, direction))))
        cue_entries.append(("non-" + adj, ("property_neg", (outcome, direction))))
    for cls, phrases in eff["nouns"].items():
        for phrase in phrases:
            cue_entries.append((phrase, ("noun", cls)))
    for cls, verbs in eff["verbs"].items():
        for verb in verbs:
            for form in inflections(verb, eff["irregular"]):
                cue_entries.append((form, ("verb", cls)))
    postfix_class: dict[str, str] = {}
    for cls, nouns in eff["postfix_nouns"].items():
        for noun in nouns:
            cue_entries.append((noun, ("postfix", cls)))
            postfix_class.setdefault(" ".join(phrase_tokens(noun)), cls)
    for cls, verbs in eff["postfix_verbs"].items():
        for verb in verbs:
            cue_entries.append((verb, ("postverb", cls)))
    for phrase in eff["help_words"]:
        cue_entries.append((phrase, ("help", "improve")))

    outcome_entries = []
    for canon, info in out["outcomes"].items():
        for term in info.get("terms", []):
            outcome_entries.append((term, (canon, 1)))
        for term in info.get("inverse", []):
            outcome_entries.append((term, (canon, -1)))
        outcome_entries.append((canon.replace("_", " "), (canon, 1)))

    subject_entries = [(syn, canon) for canon, syns in subj["subjects"].items() for syn in syns]
    # interventions and exposures are claim subjects but never a document's main subject
    intervention_entries = [(syn, canon) for canon, syns in subj["intervention_subjects"].items() for syn in syns]

    quantities = cond.get("quantities", {})
    introducers = sorted(((phrase, cls) for cls, phrases in eff["list_introducers"].items() if not cls.startswith("_")
                          for phrase in phrases), key=lambda e: -len(e[0]))
    return Lexicon(
        list_scan=PhraseScanner(p.split("{Y}")[0].strip() or p.split("{Y}")[1].strip() for p, _ in introducers),
        list_introducers=tuple((re.compile(_introducer_pattern(p)), cls) for p, cls in introducers),
        raw=_freeze(files),
        version=digest.hexdigest()[:12],
        cues=PhraseMatcher(cue_entries),
        outcomes=PhraseMatcher(outcome_entries),
        outcome_info=_freeze(out["outcomes"]),
        positive_heads=frozenset(out["positive_heads"]),
        generic_subjects=frozenset(subj["generic_subjects"]["terms"]),
        quantity_names=frozenset(cond["quantity_units"]),
        subjects=PhraseMatcher(subject_entries + intervention_entries),
        main_subject_candidates=frozenset(subj["subjects"]),
        demographic=frozenset("_".join(phrase_tokens(p)) for p in subj["demographic_subjects"]),
        anaphor_nouns=frozenset(subj["anaphor_nouns"]),
        anaphor_pronouns=frozenset(subj["anaphor_pronouns"]),
        anaphor_determiners=frozenset(subj["anaphor_determiners"]),
        experiencers=frozenset(cue["experiencers"]),
        negation=PhraseMatcher((p, True) for p in cue["negation"]["cues"]),
        negation_cancel=PhraseMatcher((p, True) for p in cue["negation"]["cancelled_by"]),
        modality=PhraseMatcher([(p, "certain") for p in cue["modality"].get("certain", ())]
                               + [(p, "possible") for p in cue["modality"]["possible"]]
                               + [(p, "probable") for p in cue["modality"]["probable"]]),
        attribution=PhraseMatcher((p, label) for label in ("contested", "users_report", "experts", "studies")
                                  for p in cue["attribution"][label]),
        clause_breaks=frozenset(cue["clause_breaks"]),
        object_skip=PhraseMatcher((p, True) for p in eff["object_skip"]),
        transparent=frozenset(eff["transparent"]),
        property_heads=frozenset(eff["property_heads"]),
        copulas=PhraseMatcher((p, True) for p in eff["copulas"]),
        populations=PhraseMatcher((p, canon) for canon, ps in cond["populations"].items() for p in ps),
        contexts=PhraseMatcher((p, canon) for canon, ps in cond["contexts"].items() for p in ps),
        dose_levels=PhraseMatcher((p, lvl) for lvl, ps in cond["dose_levels"].items() for p in ps),
        dose_nouns=frozenset(cond["dose_nouns"]),
        disjoint=frozenset(frozenset(p) for p in cond["disjoint"]),
        quantities=PhraseMatcher((p, q) for q, ps in quantities.items() for p in ps),
        effect_classes=_freeze(eff["classes"]),
        comparatives=_freeze(eff["comparatives"]),
        strong_scan=PhraseScanner([p for p, (kind, _) in cue_entries if kind not in ("verb", "noun", "help", "postfix", "postverb")]
                                  + [f for v in eff["open_object_verbs"] for f in inflections(v, eff["irregular"])]
                                  + [p for ps in quantities.values() for p in ps] + ["without"]),
        weak_scan=PhraseScanner([p for p, (kind, _) in cue_entries if kind in ("verb", "noun", "help", "postfix", "postverb")]),
        outcome_scan=PhraseScanner([p for p, _ in outcome_entries]),
        subject_scan=PhraseScanner([p for p, _ in subject_entries]),
        condition_scan=PhraseScanner([p for key in ("populations", "contexts", "dose_levels")
                                      for ps in cond[key].values() for p in ps]),
        subject_of=MappingProxyType({" ".join(phrase_tokens(p)): c for p, c in reversed(subject_entries)}),
        non_assertive=PhraseMatcher((p, True) for p in eff["non_assertive"]),
        open_object=frozenset(f for v in eff["open_object_verbs"] for f in inflections(v, eff["irregular"])),
        report_people=frozenset(cue["user_reports"]["people"]),
        report_verbs=frozenset(cue["user_reports"]["verbs"]),
        experiencer_relatives=PhraseMatcher([(p, True) for p in cue["experiencer_relatives"]]),
        postfix_noun_class=_freeze(postfix_class),
    )
