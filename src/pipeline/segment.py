"""Split normalized text into sentences with exact character offsets.

Every line is a unit of its own: a newline always ends a sentence, because the
web text this pipeline reads puts one paragraph on each line (some lines are very
long paragraphs). Each line is then

1. a markdown heading (``# Title``): one segment, the ``#`` marks left out;
2. a list item (``-``, ``*``, ``•``, ``1.``, ``a)`` ...): the marker is left out
   and the rest is split into sentences like any other line;
3. a heading by its shape (short, mostly Title Case, no final ``. ! ? : , ;``):
   one segment;
4. otherwise prose: cut where a sentence is glued to the next without a space
   ("...plans.Opioid withdrawal", "...population.1 However"), then split with
   nltk's Punkt (``PunktSentenceTokenizer.span_tokenize``) using the health
   abbreviations in ``lexicons/abbreviations.txt``, the parameters learned from
   MedQuAD in ``lexicons/punkt_params.json`` (``scripts/train_punkt.py``) when
   present, and one extra rule: any dotted acronym ("M.M.", "F.D.A.") is an
   abbreviation. A citation right after a period ("mood.[1] Other") stays with
   its sentence. A sentence that starts with "- " inside a line (a list flattened
   into one line) loses the bullet and is a list item, as is every later sentence
   of a line that began with a list marker.

Nothing is ever downloaded: the tokenizer is built from ``PunktParameters`` in
this module. Spans never include surrounding whitespace or list/heading markers,
and sentences without a letter or digit ("---", "...") are dropped. Lexicons are
read once, at import, into immutable values.

Measured by benchmarks/segment_accuracy.py on tests/gold/segmentation.jsonl.

Speed: Punkt re-tokenizes a small context around every ``.``, ``?`` and ``!``.
``_FastPunkt`` answers the commonest contexts ("word. Next", "word? Next",
"(word). Next") without building Punkt tokens, falls back to Punkt for every
other one (remembering its answers), and replaces nltk's ``span_tokenize``
machinery (a regex wrapper with a per-call timeout, a Python loop per character,
a realignment regex per sentence) with one function over the stdlib ``re``;
tests check that its spans equal plain Punkt's.

Long lines: Punkt reads a line in windows of at most ``PUNKT_WINDOW`` characters
cut at spaces (``_span_tokenize``), which gives the same sentences as one call
and keeps the cost of a line bounded: nltk ends a regex that runs for more than
5 s of wall clock with a TimeoutError, so a 1 MB line of "a. a. a. ..." used to
come out whole or fail depending on the machine's load.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from importlib.resources import files
from types import MappingProxyType
from typing import NamedTuple

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

__all__ = [
    "ABBREVIATIONS",
    "ABBREVIATION_COLLOCATIONS",
    "PUNKT_PARAMS",
    "Segment",
    "build_tokenizer",
    "load_abbreviations",
    "load_punkt_params",
    "segment",
]


class Segment(NamedTuple):
    """One sentence (or heading) of a text, as character offsets into it."""

    start: int  # inclusive offset in the input text
    end: int  # exclusive; text[start:end] is the sentence, stripped
    is_heading: bool  # markdown '#' line, or a short Title Case line without final punctuation
    is_list_item: bool  # the line began with a list marker (or an inline "- " bullet came first)


# --------------------------------------------------------------------------- lexicons

_LEXICON_DIR = files("pipeline").joinpath("lexicons")
_NUMBER_TYPE = "##number##"  # Punkt's type for every numeric token
# A comment is "#" followed by whitespace or the end of the line, at the start of a
# line or after whitespace; "##number##" is therefore not a comment.
_COMMENT = re.compile(r"(?:^|\s)#(?:\s.*)?$")


def load_abbreviations(path=None) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """Read an abbreviation list: (abbreviations, (abbreviation, "##number##") pairs).

    One lowercase abbreviation per line without its final period; a line
    "no ##number##" makes "no" an abbreviation only before a number.
    """
    source = _LEXICON_DIR.joinpath("abbreviations.txt") if path is None else path
    abbreviations: set[str] = set()
    collocations: set[tuple[str, str]] = set()
    for lineno, raw in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        fields = _COMMENT.sub("", raw).split()
        if not fields:
            continue
        word = fields[0]
        if word != word.lower() or word.endswith(".") or len(fields) > 2:
            raise ValueError(f"{source}:{lineno}: bad abbreviation line {raw!r}")
        if len(fields) == 2:
            if fields[1] != _NUMBER_TYPE:
                raise ValueError(f"{source}:{lineno}: only '{_NUMBER_TYPE}' may follow an abbreviation")
            collocations.add((word, _NUMBER_TYPE))
        else:
            abbreviations.add(word)
    return frozenset(abbreviations), frozenset(collocations)


class _ZeroDefault(dict):
    """Orthographic-context table: unknown word types read as 0 and are not inserted.

    (Punkt's own ``defaultdict(int)`` would grow by every new word it is asked about.)
    """

    def __missing__(self, key):
        return 0


def load_punkt_params(path=None) -> Mapping | None:
    """Read Punkt parameters saved as JSON by scripts/train_punkt.py; None if absent."""
    source = _LEXICON_DIR.joinpath("punkt_params.json") if path is None else path
    if not source.is_file():
        return None
    data = json.loads(source.read_text(encoding="utf-8"))
    return MappingProxyType(
        {
            "abbrev_types": frozenset(data["abbrev_types"]),
            "collocations": frozenset(tuple(pair) for pair in data["collocations"]),
            "sent_starters": frozenset(data["sent_starters"]),
            "ortho_context": MappingProxyType(_ZeroDefault(data["ortho_context"])),
        }
    )


def load_unit_abbreviations() -> frozenset[str]:
    """The abbreviations that are units of dose or measure (the unit names of
    ``lexicons/conditions.json`` that the abbreviation list has)."""
    data = json.loads(_LEXICON_DIR.joinpath("conditions.json").read_text(encoding="utf-8"))
    units = {u.lower() for key in ("mass_units", "other_units", "time_units") for u in data[key]}
    return frozenset(units & ABBREVIATIONS)


ABBREVIATIONS, ABBREVIATION_COLLOCATIONS = load_abbreviations()
UNIT_ABBREVIATIONS = load_unit_abbreviations()
PUNKT_PARAMS = load_punkt_params()


# --------------------------------------------------------------------------- Punkt

# Candidate contexts that Punkt always decides the same way (see _FastPunkt). The
# text after the whitespace may be anything but "." (". . ." is one Punkt token).
_PLAIN_WORD_PERIOD = re.compile(r"([A-Za-z]+(?:-[A-Za-z]+)*)\.(?:[ \t]+[^\s.]\S*|[)\]\"'])")
_CLOSER_PERIOD = re.compile(r"[)\]\"']\.[ \t]+[^\s.]\S*\Z")
_QUESTION_EXCLAMATION = re.compile(r"[?!][ \t]+[^\s.]\S*\Z")

_DOTTED_INITIALS = re.compile(r"(?:[^\W\d_]\.){2,}")


class _HealthPunkt(PunktSentenceTokenizer):
    """Punkt that treats every dotted acronym ("M.M.", "F.D.A.", "U.K.") as an abbreviation.

    Plain Punkt knows only the abbreviations it is given, so it ends a sentence
    after "by Dr. M.M." or "the F.D.A." whatever follows. As abbreviations they
    still end a sentence when the next word is a known sentence starter or is
    capitalised only at sentence starts ("...in the U.S. The..."), as "U.S." does.
    """

    def _first_pass_annotation(self, aug_tok) -> None:
        super()._first_pass_annotation(aug_tok)
        if aug_tok.sentbreak and aug_tok.period_final and _DOTTED_INITIALS.fullmatch(aug_tok.tok):
            aug_tok.sentbreak = False
            aug_tok.abbr = True

    def _second_pass_annotation(self, aug_tok1, aug_tok2):
        reason = super()._second_pass_annotation(aug_tok1, aug_tok2)
        # "... a maximum daily dose of 200 mg. Caffeine has ...": a unit written with a period
        # before a capitalised word ends the sentence ("5 mg. daily" still does not)
        if aug_tok2 is not None and aug_tok1.abbr and not aug_tok1.sentbreak and aug_tok1.period_final \
                and aug_tok1.type_no_period in UNIT_ABBREVIATIONS and aug_tok2.first_upper:
            aug_tok1.sentbreak = True
        return reason


# nltk's Punkt (3.10) candidate and realignment patterns (PunktLanguageVars.period_context_re,
# re_boundary_realignment) for the stdlib re: nltk compiles them with the `regex` module, whose
# \s is Unicode White_Space, which (unlike str.isspace and re's \s) leaves out U+001C..U+001F.
_PERIOD_CONTEXT = re.compile(
    r"[.?!](?=(?P<after_tok>[)\";}\]*:@'({\[\u2018\u2019\u201c\u201d\xab\xbb?!]"
    r"|[^\S\x1c-\x1f]+(?P<next_tok>[\S\x1c-\x1f]+)))"
)
# re_boundary_realignment is "[closers]+?(?:\\s+|(?=--)|$)": since a closer is none of
# whitespace, "-" and "\\n", it matches a whole run of closers followed by whitespace
# (taken too), "--" or the end, which _realigned checks without backtracking.
_REALIGN_CLOSERS = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")
_CLOSER_RUN = re.compile(r"[\"')\]}\u2018\u2019\u201c\u201d\xab\xbb]+")
_PUNKT_SPACE_RUN = re.compile(r"[^\S\x1c-\x1f]+")
_PUNKT_WHITESPACE = " \t\n\r\x0b\x0c"  # string.whitespace: where Punkt looks for the word before a candidate
_DECISION_CACHE_SIZE = 4096  # contexts of at most _DECISION_CACHE_MAX_CHARS
_DECISION_CACHE_MAX_CHARS = 100


class _FastPunkt(_HealthPunkt):
    """_HealthPunkt with a shortcut for the commonest candidate contexts and a leaner
    ``span_tokenize``; same output.

    ``text_contains_sentbreak`` receives "<previous word><. ? !><what follows>".
    Punkt tokenizes it and says True when a token marked as a sentence break is
    followed by another token. Without building tokens we know that this holds for
    * "word? Next" and "word! Next": '?' and '!' are always tokens of their own and
      always sentence breaks;
    * "(word). Next": after a closing bracket or quote the '.' is a token of its own
      and a sentence break, unless "." starts a learned collocation;
    * "word. Next", "word. - next", "word.)" with an alphabetic word of two or more
      letters that is not an abbreviation (initials, dotted acronyms and numbers
      have rules of their own) and does not start a learned collocation.
    Every other context goes to Punkt, and its answer (a pure function of the
    context) is remembered for the next same context ("a. a. a. ...").

    ``span_tokenize`` is nltk's (``_match_potential_end_contexts``, ``_slices_from_text``
    and ``_realign_boundaries`` of nltk 3.10) in one function over the stdlib ``re``,
    without the per-call timeout of nltk's regex wrapper, a Python loop per character
    to find the word before a candidate, or the realignment pattern on sentences that
    do not start with a closing bracket or quote; a text without ". ? !" is one span.
    tests/unit/test_segment.py checks both shortcuts against plain Punkt on generated
    contexts and texts and on the gold set.
    """

    def __init__(self, params: PunktParameters):
        super().__init__(params)
        self._collocation_heads = frozenset(first for first, _ in params.collocations)
        self._decisions: dict[str, bool] = {}

    def text_contains_sentbreak(self, text: str) -> bool:
        m = _PLAIN_WORD_PERIOD.fullmatch(text)
        if m is not None:
            word = m.group(1).lower()
            if (
                len(word) > 1
                and word not in self._params.abbrev_types
                and word.rsplit("-", 1)[-1] not in self._params.abbrev_types
                and word not in self._collocation_heads
            ):
                return True
        elif _QUESTION_EXCLAMATION.search(text) is not None:
            return True
        elif "." not in self._collocation_heads and _CLOSER_PERIOD.search(text) is not None:
            return True
        if len(text) > _DECISION_CACHE_MAX_CHARS:
            return super().text_contains_sentbreak(text)
        decision = self._decisions.get(text)
        if decision is None:
            decision = super().text_contains_sentbreak(text)
            if len(self._decisions) >= _DECISION_CACHE_SIZE:
                self._decisions.clear()
            self._decisions[text] = decision
        return decision

    def span_tokenize(self, text: str, realign_boundaries: bool = True):
        if not realign_boundaries:
            return super().span_tokenize(text, realign_boundaries)
        return iter(self._realigned(text, self._raw_spans(text)))

    def _raw_spans(self, text: str) -> list[tuple[int, int]]:
        """nltk's _slices_from_text (with _match_potential_end_contexts), as (start, end)."""
        if "." not in text and "?" not in text and "!" not in text:
            return [(0, len(text.rstrip()))]
        # The word before a candidate starts after the last whitespace since the previous
        # candidate's word (a whitespace right where that word ends does not count), else
        # where that word starts; a candidate whose word reaches back over the previous
        # candidate's is dropped in favour of the later one ("!!!").
        only_spaces = not any(c in text for c in _PUNKT_WHITESPACE[1:])
        rfind = text.rfind
        decide = self.text_contains_sentbreak
        slices: list[tuple[int, int]] = []
        last_break = 0
        previous = None
        word_start = word_stop = 0
        for m in _PERIOD_CONTEXT.finditer(text):
            m_start = m.start()
            if only_spaces:
                r = rfind(" ", word_stop, m_start)
            else:
                r = max(rfind(c, word_stop, m_start) for c in _PUNKT_WHITESPACE)
            start = r + 1 if r > word_stop else word_start
            if previous is not None and word_stop <= start:
                if decide(text[word_start:word_stop] + previous.group() + previous.group("after_tok")):
                    slices.append((last_break, previous.end()))
                    last_break = previous.start("next_tok") if previous.group("next_tok") else previous.end()
            previous, word_start, word_stop = m, start, m_start
        if previous is not None:
            if decide(text[word_start:word_stop] + previous.group() + previous.group("after_tok")):
                slices.append((last_break, previous.end()))
                last_break = previous.start("next_tok") if previous.group("next_tok") else previous.end()
        slices.append((last_break, len(text.rstrip())))
        return slices

    @staticmethod
    def _realigned(text: str, slices: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """nltk's _realign_boundaries: closing brackets and quotes (and the whitespace after
        them) at the start of a sentence move to the sentence before; empty ones go."""
        spans: list[tuple[int, int]] = []
        realign = 0
        last = len(slices) - 1
        for i, (start, stop) in enumerate(slices):
            start += realign
            if i < last:
                start2, stop2 = slices[i + 1]
                if start2 < stop2 and text[start2] in _REALIGN_CLOSERS:
                    closers_end = _CLOSER_RUN.match(text, start2, stop2).end()
                    spaces = _PUNKT_SPACE_RUN.match(text, closers_end, stop2)
                    if spaces is not None:
                        match_end = spaces.end()
                    elif closers_end == stop2 or text.startswith("--", closers_end, stop2):
                        match_end = closers_end
                    else:
                        match_end = -1
                    if match_end >= 0:
                        spans.append((start, closers_end))
                        realign = match_end - start2
                        continue
                realign = 0
            if start < stop:
                spans.append((start, stop))
        return spans


def build_tokenizer(
    *,
    abbreviations: Iterable[str] = ABBREVIATIONS,
    collocations: Iterable[tuple[str, str]] = ABBREVIATION_COLLOCATIONS,
    trained: Mapping | None = PUNKT_PARAMS,
    fast: bool = True,
) -> PunktSentenceTokenizer:
    """A Punkt sentence tokenizer from hand-made and (optionally) learned parameters.

    The defaults are the ones ``segment`` uses; the other combinations exist so that
    benchmarks/segment_accuracy.py can measure what each part contributes.
    """
    params = PunktParameters()
    abbrev_types = set(abbreviations)
    collocation_pairs = set(collocations)
    if trained is not None:
        abbrev_types |= trained["abbrev_types"]
        collocation_pairs |= trained["collocations"]
        params.sent_starters = trained["sent_starters"]
        params.ortho_context = trained["ortho_context"]
    else:
        params.sent_starters = frozenset()
        params.ortho_context = MappingProxyType(_ZeroDefault())
    params.abbrev_types = frozenset(abbrev_types)
    params.collocations = frozenset(collocation_pairs)
    return _FastPunkt(params) if fast else _HealthPunkt(params)


_TOKENIZER = build_tokenizer()


# --------------------------------------------------------------------------- lines

_MARKDOWN_HEADING = re.compile(r"#{1,6}(?:[ \t]+|\Z)")
_MARKDOWN_CLOSING = re.compile(r"[ \t]+#+\Z")
_LIST_MARKER = re.compile(
    r"(?:[-*+\u2022\u2023\u25e6\u25aa\u25cf\u00b7\u2013\u2014]"  # - * + • ‣ ◦ ▪ ● · – —
    r"|\d{1,3}[.)]|[A-Za-z]\)|[a-z]\.|\((?:\d{1,3}|[A-Za-z])\))"  # 1. 1) a) a. (1) (a)
    r"(?:[ \t]+|\Z)"
)
_INLINE_BULLETS = frozenset("-*\u2022")  # a sentence starting "- " inside a line
# "plans.Opioid" and "population.1 However" (the letter before is checked in
# _glued_cuts: a pattern that starts with the rare punctuation scans 4x faster).
# Fixed width, so no backtracking.
_GLUED = re.compile(r"[.!?](?:(?=[A-Z])|(?<=\.)\d{1,3}(?=[ \t][A-Z]))")
_NOT_GLUED_WORDS = ABBREVIATIONS | frozenset(word for word, _ in ABBREVIATION_COLLOCATIONS)
_CITATION = re.compile(r"(?:\[\d{1,3}(?:[,\u2013-] ?\d{1,3})*\])+")
_ALNUM = re.compile(r"[^\W_]")

_HEADING_MAX_CHARS = 100
_HEADING_MAX_WORDS = 12
_HEADING_MIN_TITLE_CASE = 0.75
_NOT_HEADING_END = frozenset(".!?:,;")
_CLOSERS = "*_\"')]}"
_OPENERS = "*_\"'([{"
# Words that stay lowercase in Title Case (articles, short conjunctions and
# prepositions, as in the Chicago Manual of Style's headline-style capitalization).
_TITLE_SMALL_WORDS = frozenset(
    "a an the and or but nor of in on at to for from by with as vs via per into than".split()
)


def _looks_like_heading(line: str) -> bool:
    """A short standalone line, mostly Title Case, not ending like a sentence."""
    if len(line) > _HEADING_MAX_CHARS:
        return False
    tail = line.rstrip(_CLOSERS + " \t")
    if not tail or tail[-1] in _NOT_HEADING_END:
        return False
    words = line.split()
    if len(words) > _HEADING_MAX_WORDS:
        return False
    seen_word = False
    content = capitalised = 0
    for word in words:
        word = word.lstrip(_OPENERS)
        if not word or not word[0].isalpha():
            continue  # numbers and symbols say nothing about case
        if not seen_word:
            if not word[0].isupper():
                return False
            seen_word = True
        if word.lower() in _TITLE_SMALL_WORDS:
            continue
        content += 1
        capitalised += word[0].isupper()
    return content > 0 and capitalised >= _HEADING_MIN_TITLE_CASE * content


def _glued_cuts(line: str, start: int) -> list[int]:
    """Offsets in ``line`` where a sentence is glued to the next one.

    Two shapes, both after a lowercase letter: "plans.Opioid" (. ! or ? directly
    before a capitalised word: "Opioid", "A", "I'm") and "population.1 However"
    (a footnote number after the period). The word before the mark must be
    alphabetic, 2+ letters and not an abbreviation; tokens holding "/", "@" or
    "www" (links) are never cut. So "e.g.Valerian", "Dr.Smith", "No.1 Choice",
    "nih.gov/Health" and "plans.FDA" stay whole.
    """
    cuts = []
    for m in _GLUED.finditer(line, start):
        mark = m.start()
        if mark == start or not "a" <= line[mark - 1] <= "z":
            continue
        left = mark
        while left > start and not line[left - 1].isspace():
            left -= 1
        right = mark + 1
        while right < len(line) and not line[right].isspace():
            right += 1
        word = line[left:mark].lstrip(_OPENERS)
        token = line[left:right]
        if (
            len(word) < 2
            or not word.isalpha()
            or word.lower() in _NOT_GLUED_WORDS
            or "/" in token
            or "@" in token
            or "www" in token.lower()
        ):
            continue
        after = line[mark + 1 : right]
        if after[0].isdigit() or len(after) == 1 or after[1].islower() or after[1] == "'":
            cuts.append(m.end())
    return cuts


def _attach_citations(text: str, spans: list[tuple[int, int]]) -> None:
    """Give "[1]" / "[2][3]" right after a sentence's period back to that sentence.

    Punkt ends "mood.[1] Other..." at the period, so the next sentence would
    start with the citation.
    """
    for i in range(1, len(spans)):
        start, end = spans[i]
        if text.startswith("[", start) and spans[i - 1][1] == start:
            m = _CITATION.match(text, start, end)
            if m is not None:
                spans[i - 1] = (spans[i - 1][0], m.end())
                spans[i] = (m.end(), end)


def _emit(
    text: str, start: int, end: int, is_heading: bool, is_list_item: bool, out: list[Segment]
) -> bool:
    """Append text[start:end] stripped of whitespace (and, inside a line, of a
    leading "- " bullet); return whether the segment is a list item."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start > 1 and text[start] in _INLINE_BULLETS and text[start + 1] in " \t":
        start += 2
        while start < end and text[start].isspace():
            start += 1
        is_list_item = True
    if _ALNUM.search(text, start, end) is not None:
        out.append(Segment(start, end, is_heading, is_list_item))
    return is_list_item


# Punkt reads a line in windows of at most about this many characters: its cost per
# candidate can be high ("a. a. a. ..." takes the slow path at every period), and nltk
# stops a regular expression that runs for more than 5 s of wall clock with a
# TimeoutError, so without windows whether a long line survives depends on the load.
PUNKT_WINDOW = 20_000


def _window_cut(text: str, pos: int, window: int) -> tuple[int, int] | None:
    """(w, e) for the window text[pos:e]: text[e] and text[w] are spaces, pos < w < e - 1,
    text[e - 1] and text[w + 1] are not whitespace; e as late as possible up to pos + window,
    w as late as possible before e - 1. None if the window has no such spaces."""
    lo = pos + 1
    e = text.rfind(" ", lo, pos + window + 1)
    while e > lo and text[e - 1].isspace():
        e = text.rfind(" ", lo, e - 1)
    if e <= lo:
        return None
    w = text.rfind(" ", lo, e - 1)
    while w > pos and text[w + 1].isspace():
        w = text.rfind(" ", lo, w)
    if w <= pos:
        return None
    return w, e


def _restart_before(text: str, pos: int, limit: int) -> int:
    """The last r in (pos, limit] with a space at r - 1 and no whitespace at r; else pos."""
    r = text.rfind(" ", pos, limit) + 1
    while r > pos + 1 and text[r].isspace():
        r = text.rfind(" ", pos, r - 1) + 1
    return r if r > pos + 1 or (r == pos + 1 and not text[r].isspace()) else pos


def _punkt_steps(tokenizer):
    """(raw slices, realignment) of a Punkt tokenizer, both on (start, end) pairs."""
    if isinstance(tokenizer, _FastPunkt):
        return tokenizer._raw_spans, tokenizer._realigned

    def raw(text):
        return [(s.start, s.stop) for s in tokenizer._slices_from_text(text)]

    def realigned(text, slices):
        return [(s.start, s.stop) for s in tokenizer._realign_boundaries(text, (slice(a, b) for a, b in slices))]

    return raw, realigned


def _span_tokenize(tokenizer, text: str) -> list[tuple[int, int]]:
    """``tokenizer.span_tokenize(text)``, with Punkt's candidates read in windows of at
    most PUNKT_WINDOW characters.

    Punkt decides a candidate ". ? !" from the word before it and the token after it,
    so in a window text[pos:e] cut at a space e its breaks are those of the whole text
    up to the space w before the window's last token. Those are kept; the sentence
    open at w + 1 is carried into the next window, which starts at w + 1 (nltk finds
    the word before a candidate by the whitespace since the previous candidate's word;
    both starting points see the same word because text[w] is a space and text[w + 1]
    is not). The realignment of closing quotes and brackets then runs on the whole
    text. A window without two such spaces is skipped up to the last space before the
    next candidate; if it holds a candidate it is cut where it ends, the one place
    where the result can differ from a single call (a 20,000-character stretch with at
    most one space and a ". ? !" followed by punctuation or a space is no prose).
    """
    window = PUNKT_WINDOW
    n = len(text)
    if n <= window:
        return list(tokenizer.span_tokenize(text))
    raw_spans, realigned = _punkt_steps(tokenizer)
    slices: list[tuple[int, int]] = []
    pos = 0
    open_start = None  # start of the sentence that is still open at pos
    while n - pos > window:
        cut = _window_cut(text, pos, window)
        if cut is None:
            # No two spaces in the window. Up to the next candidate nothing can end a
            # sentence: read on from the last space before it (or to the end if none is left).
            m = _PERIOD_CONTEXT.search(text, pos)
            if m is None:
                break
            r = _restart_before(text, pos, m.start())
            if r > pos:
                if open_start is None:
                    open_start = pos
                pos = r
                continue
        end = pos + window if cut is None else cut[1]
        got = [(pos + s, pos + e) for s, e in raw_spans(text[pos:end])]
        if open_start is not None:
            got[0] = (open_start, got[0][1])
        if cut is None:
            slices.extend(got)
            open_start, pos = None, end
            continue
        w = cut[0]
        kept = 0
        while kept < len(got) and got[kept][1] <= w:
            kept += 1
        slices.extend(got[:kept])
        open_start = got[kept][0] if kept < len(got) else None
        pos = w + 1
    got = [(pos + s, pos + e) for s, e in raw_spans(text[pos:])]
    if open_start is not None:
        got[0] = (open_start, got[0][1])
    slices.extend(got)
    return realigned(text, slices)


def _segment_line(text: str, start: int, end: int, tokenizer, out: list[Segment]) -> None:
    line = text[start:end]
    body = line.strip()
    if not body:
        return
    offset = start + len(line) - len(line.lstrip())

    m = _MARKDOWN_HEADING.match(body)
    if m is not None:
        closing = _MARKDOWN_CLOSING.search(body, m.end())
        stop = closing.start() if closing is not None else len(body)
        _emit(text, offset + m.end(), offset + stop, True, False, out)
        return

    m = _LIST_MARKER.match(body)
    is_list_item = m is not None
    first = m.end() if m is not None else 0
    if first == len(body):
        return
    if not is_list_item and _looks_like_heading(body):
        _emit(text, offset, offset + len(body), True, False, out)
        return

    spans: list[tuple[int, int]] = []
    chunk_start = first
    for cut in (*_glued_cuts(body, first), len(body)):
        base = offset + chunk_start
        spans.extend((base + s, base + e) for s, e in _span_tokenize(tokenizer, body[chunk_start:cut]))
        chunk_start = cut
    if len(spans) > 1:
        _attach_citations(text, spans)
    for s, e in spans:
        is_list_item = _emit(text, s, e, False, is_list_item, out)


def segment(text: str, *, tokenizer: PunktSentenceTokenizer | None = None) -> list[Segment]:
    """Split ``text`` into sentences and headings, in order, as character offsets.

    ``tokenizer`` is for benchmarks (see ``build_tokenizer``); the pipeline leaves it out.
    """
    if not isinstance(text, str):
        raise TypeError(f"segment() needs a str, not {type(text).__name__}")
    tok = _TOKENIZER if tokenizer is None else tokenizer
    out: list[Segment] = []
    pos, n = 0, len(text)
    while pos < n:
        newline = text.find("\n", pos)
        if newline < 0:
            newline = n
        if newline > pos:
            _segment_line(text, pos, newline, tok, out)
        pos = newline + 1
    return out
