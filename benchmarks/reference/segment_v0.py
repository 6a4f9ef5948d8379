# Verbatim copy of src/pipeline/segment.py before the text-stage speed-up (git 374e1b9), kept as the
# reference implementation for benchmarks/compare_text_stages.py. Do not edit.
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
"(word). Next") without building Punkt tokens and falls back to Punkt for every
other one; tests check that its spans equal plain Punkt's.
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


ABBREVIATIONS, ABBREVIATION_COLLOCATIONS = load_abbreviations()
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


class _FastPunkt(_HealthPunkt):
    """_HealthPunkt with a shortcut for the commonest candidate contexts; same output.

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
    Every other context goes to Punkt. tests/unit/test_segment.py checks that both
    answer alike on generated contexts and give the same segments on the gold set.
    """

    def __init__(self, params: PunktParameters):
        super().__init__(params)
        self._collocation_heads = frozenset(first for first, _ in params.collocations)

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
        return super().text_contains_sentbreak(text)


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
        spans.extend((base + s, base + e) for s, e in tokenizer.span_tokenize(body[chunk_start:cut]))
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
