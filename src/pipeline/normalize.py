"""Text normalization that keeps every offset traceable to the raw text.

``normalize(raw)`` returns the normalized text and an offset map: ``offsets[i]``
is the raw index the normalized character ``i`` came from (plus a final entry
for the end), so any span in the normalized text maps back with
``raw_span(offsets, start, end)``.

What it does, in one regex-driven pass (repeated until nothing changes, so
``normalize(normalize(x)) == normalize(x)``):

* line endings to ``\\n``; spaces and tabs at line ends and starts dropped;
  runs of horizontal whitespace (any Unicode space) to one space; more than
  one blank line to one;
* invisible characters (zero-width, soft hyphen, BOM, other format controls) dropped;
* NFKC for every non-ASCII run, then typographic quotes to ``'``/``"``, every
  dash to ``-`` (em dashes between words get spaces: ``a - b``), ellipsis to ``...``;
* mojibake (UTF-8 read as cp1252/latin-1, e.g. ``â€™``) repaired with ftfy,
  line by line, only on lines ftfy judges bad; unchanged stretches of a repaired
  line keep their offsets, a repaired stretch maps to the start of its raw characters.

Speed. The pass is defined by ``_PATTERN``; what follows gives the same text and
offsets as applying it with ``finditer`` to the whole text (a property test checks
``_one_pass`` against that; benchmarks/compare_text_stages.py checks normalize()
against the previous implementation on MedQuAD, data/raw and hostile inputs):

* clean ASCII text (single spaces, ``\\n`` line ends, at most one blank line, no
  tabs, CRs or control characters) is recognised with a few substring tests: a
  round would leave it as it is, so it is returned with the identity offset map;
* text where only runs of spaces, tabs and line feeds can change (ASCII, or
  NFKC-normalized with only "inert" non-ASCII characters such as letters with
  accents: ``_whitespace_only``) is handled run by run with ``str.find``;
* otherwise ``_PATTERN`` is only tried where a match can start (next to a
  ``_CANDIDATE`` character, two spaces, a space at either end; see ``_one_pass``);
  the offset map is built with numpy from the matches that move characters;
* the mojibake repair never looks at ASCII text, and runs ftfy only on lines with a
  character pair that mis-decoding produces (``_MOJIBAKE_HINT``) and that ftfy
  judges bad. The offsets of a repaired line come from ``difflib.SequenceMatcher``
  while a per-call budget of its (superlinear) work lasts (EXACT_ALIGNMENT_BUDGET),
  then from a linear alignment anchored on the line's ASCII stretches
  (``_run_opcodes``), which gives the same offsets on ordinary lines; a 1 MB
  mis-decoded line takes about two seconds instead of hours.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher
from functools import lru_cache

import ftfy
import numpy as np
from ftfy.badness import is_bad

_QUOTES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u0060": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-", "\u2043": "-",
    "\ufe63": "-", "\uff0d": "-", "\u2026": "...", "\u2022": "-", "\u00b7": "-",
}
_EM = "\u2014\u2015\u2e3a\u2e3b"

# Order matters: alternatives are tried left to right at each position.
_PATTERN = re.compile(
    r"(?P<nl>[^\S\n]*\n\s*)"       # a line break with the spaces around it and blank lines after
    r"|(?P<crlf>\r\n?)"
    r"|(?P<em>[^\S\n]*[" + _EM + r"][^\S\n]*)"
    r"|(?P<eol>[^\S\n]+\Z)"
    r"|(?P<sol>\A[^\S\n]+)"
    r"|(?P<ws>(?: [^\S\n]+|[^\S\n ])[^\S\n]*)"
    r"|(?P<other>(?:[A-Za-z](?=[\u0300-\u036f]))?[^\x00-\x7f]+)"
)
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A UTF-8 lead byte read as cp1252/latin-1 followed by a continuation byte read the same way
# (cp1252 maps 0x80-0x9f to the characters listed after the first range).
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00df\u00e2-\u00ef\u00f0-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178"
    "\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


_QUOTE_TABLE = str.maketrans(_QUOTES)  # all of _QUOTES in one call (no replacement is a key)
_SPACES = re.compile(r"\s+")
# Where a _PATTERN match can start, besides the space before such a character, two
# spaces in a row and a space at either end of the text (see _one_pass): any
# character that is not a space or printable ASCII.
_CANDIDATE = re.compile(r"[^ -~]")
_NON_ASCII_RUN = re.compile(r"([^\x00-\x7f]+)")
_NON_ASCII_CHAR = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_STRETCH = re.compile(r"[^\x00-\x7f]+")
_WHITESPACE_RUN = re.compile(r"[ \t\n]*")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# ASCII text without control characters, tabs and CRs is empty once these are deleted.
_PRINTABLE_ASCII_AND_LF = bytes(range(0x20, 0x7F)) + b"\n"

# SequenceMatcher work (in _matcher_cost units, ~30 ns each at worst) allowed per
# normalize() call for the offsets of repaired lines; past it, _run_opcodes.
EXACT_ALIGNMENT_BUDGET = 2_000_000


def _fold(run: str) -> str:
    out = unicodedata.normalize("NFKC", _INVISIBLE.sub("", run))
    if out.isascii():
        return out
    out = out.translate(_QUOTE_TABLE)
    # NFKC can emit spaces (e.g. U+00A0); keep them single.
    return _SPACES.sub(" ", out)


_fold_short = lru_cache(maxsize=4096)(_fold)  # the same short runs recur ("’", "é", "â€™")


def _fold_other(run: str) -> str:
    return _fold_short(run) if len(run) <= 16 else _fold(run)


def _is_clean_ascii(text: str) -> bool:
    """For ASCII ``text``: whether a round of normalization leaves it as it is.

    Then the only candidates of _one_pass are line breaks, each a "\\n" or "\\n\\n"
    between two characters that are not spaces, which _PATTERN replaces by itself.
    """
    return (
        "  " not in text
        and " \n" not in text
        and "\n " not in text
        and "\n\n\n" not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
        and not text.encode("ascii").translate(None, _PRINTABLE_ASCII_AND_LF)
    )


class _OffsetPieces:
    """An offset map built piece by piece: ``start + slope * k`` for k < length
    (slope 1: a copied stretch; slope 0: characters that all come from ``start``)."""

    __slots__ = ("lengths", "starts", "slopes", "mapped")

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self.starts: list[int] = []
        self.slopes: list[int] = []
        self.mapped = 0  # source positions before this are covered

    def copy_to(self, pos: int) -> None:
        if pos > self.mapped:
            self.lengths.append(pos - self.mapped)
            self.starts.append(self.mapped)
            self.slopes.append(1)
        self.mapped = pos

    def add(self, length: int, start: int, slope: int) -> None:
        if length:
            self.lengths.append(length)
            self.starts.append(start)
            self.slopes.append(slope)

    def array(self, source_length: int) -> np.ndarray:
        self.copy_to(source_length)
        if len(self.lengths) == 1 and self.slopes[0]:
            return np.arange(self.starts[0], self.starts[0] + self.lengths[0], dtype=np.int64)
        length = np.array(self.lengths, dtype=np.int64)
        slope = np.array(self.slopes, dtype=np.int64)
        base = np.array(self.starts, dtype=np.int64) - slope * (np.cumsum(length) - length)
        return np.repeat(base, length) + np.repeat(slope, length) * np.arange(int(length.sum()), dtype=np.int64)


class _Rewrite:
    """The output of one pass: replaced stretches of ``text`` and, for the replacements that
    move characters, the offset map back to it (shared by both single-pass rewriters)."""

    __slots__ = ("text", "pieces", "copied", "moved", "any_moved")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pieces: list[str] = []  # the new text where it differs
        self.copied = 0  # text[:copied] is in pieces
        self.moved = _OffsetPieces()  # only matches that move characters
        self.any_moved = False

    def replace(self, start: int, end: int, rep: str, keeps_offsets: bool) -> None:
        if rep != self.text[start:end]:
            self.pieces.append(self.text[self.copied:start])
            self.pieces.append(rep)
            self.copied = end
        if not keeps_offsets:
            self.any_moved = True
            self.moved.copy_to(start)
            self.moved.add(len(rep), start, 0)
            self.moved.mapped = end

    def result(self, previous: str) -> tuple[str, np.ndarray | None]:
        """(new text, offset map or None when no character moved or nothing changed since ``previous``)."""
        if self.pieces:
            self.pieces.append(self.text[self.copied:])
            new = "".join(self.pieces)
        else:
            new = self.text
        if not self.any_moved or new == previous:
            return new, None
        return new, self.moved.array(len(self.text))


def _one_pass_whitespace(text: str, previous: str) -> tuple[str, np.ndarray | None]:
    """_one_pass for text where _PATTERN can only change runs of spaces, tabs and line
    feeds (its only whitespace; see _whitespace_only).

    There every _PATTERN match is a whole run of whitespace (nl, eol, sol and ws all
    take the rest of the run), starting where the run starts: one with a line feed
    becomes "\\n" or "\\n\\n" (nl), one at the end or the start of the text goes (eol,
    sol), any other but a single space becomes " " (ws); every character of a
    replacement comes from the run's first character.
    """
    n = len(text)
    out = _Rewrite(text)
    find = text.find
    run_end = _WHITESPACE_RUN.match
    next_double = next_tab = next_lf = -1
    pos = 0
    if n and text[0] == " ":
        c = 0
    else:
        c = -1
    while True:
        if c < 0:
            # the first run at or after pos: it starts with two spaces, a tab or a line
            # feed, or with a space just before a tab or a line feed (or it is a single
            # space at the end)
            if next_double < pos:
                next_double = find("  ", pos)
                if next_double < 0:
                    next_double = n
            if next_tab < pos:
                next_tab = find("\t", pos)
                if next_tab < 0:
                    next_tab = n
            if next_lf < pos:
                next_lf = find("\n", pos)
                if next_lf < 0:
                    next_lf = n
            c = min(next_double, next_tab, next_lf)
            if c >= n:
                if n - 1 >= pos and text[n - 1] == " ":
                    c = n - 1
                else:
                    break
            elif c > pos and text[c - 1] == " ":
                c -= 1
        start = c
        end = run_end(text, start).end()
        c = -1
        pos = end
        if end - start == 1:
            ch = text[start]
            if ch == "\n":
                continue
            if ch == " " and 0 < start and end < n:
                continue
        group = text[start:end]
        if "\n" in group:
            rep = "\n" if group.count("\n") == 1 else "\n\n"
        elif end == n or start == 0:
            rep = ""
        else:
            rep = " "
        out.replace(start, end, rep, keeps_offsets=end - start == 1 and len(rep) == 1)
    return out.result(previous)


@lru_cache(maxsize=4096)
def _is_inert(ch: str) -> bool:
    """A non-ASCII character that no alternative of _PATTERN starts at or changes when
    it stands in NFKC-normalized text: no space, em dash, quote or dash of _QUOTES,
    invisible or combining character (which a letter before it would join), and
    NFKC-stable."""
    return not (
        ch.isspace()
        or ch in _EM
        or ch in _QUOTES
        or _INVISIBLE.match(ch)
        or "\u0300" <= ch <= "\u036f"
        or unicodedata.normalize("NFKC", ch) != ch
    )


def _whitespace_only(text: str) -> bool:
    """Whether _PATTERN can only change ``text``'s runs of spaces, tabs and line feeds.

    True for ASCII text without CRs, and for NFKC-normalized text without CRs whose
    non-ASCII characters are all _is_inert: an "other" run there is a stretch between
    ASCII characters (no letter joins it: no combining mark), and normalizing such a
    stretch of a normalized text on its own changes nothing (no ASCII character is
    the second of a composition), so it folds to itself.
    """
    if "\r" in text:
        return False
    if text.isascii():
        return True
    return all(map(_is_inert, set(_NON_ASCII_CHAR.findall(text)))) and unicodedata.is_normalized("NFKC", text)


def _one_pass(text: str, previous: str) -> tuple[str, np.ndarray | None]:
    """Apply _PATTERN to ``text`` as ``finditer`` would. Return the new text and the
    offset of each of its characters in ``text``, or None for the offsets when every
    character kept its position or the new text equals ``previous`` (the caller stops).

    ``text`` has no control characters but tabs, line feeds and CRs (normalize replaces
    them first)."""
    if _whitespace_only(text):
        return _one_pass_whitespace(text, previous)
    n = len(text)
    out = _Rewrite(text)
    match = _PATTERN.match
    search = _CANDIDATE.search
    find = text.find
    next_other = next_double = -1
    last_space = n - 1 if n and text[-1] == " " else -1
    pos = 0
    while pos < n:
        # Candidates c: a _CANDIDATE character, the first of two spaces, a space at
        # either end. No match starts before c - 1 (the text there is printable ASCII,
        # single spaces between such characters included, where every alternative of
        # _PATTERN fails); one can start at c - 1 when that is a space and c whitespace
        # or an em dash, or when c - 1 is a letter and c a combining mark.
        if next_other < pos:
            m = search(text, pos)
            next_other = m.start() if m is not None else n
        if next_double < pos:
            next_double = find("  ", pos)
            if next_double < 0:
                next_double = n
        c = next_other if next_other < next_double else next_double
        if pos == 0 and text[0] == " ":
            c = 0
        elif pos <= last_space < c:
            c = last_space
        if c >= n:
            break
        ch = text[c]
        m = None
        if c > pos:
            before = text[c - 1]
            if before == " ":
                if ch.isspace() or ch in _EM:
                    m = match(text, c - 1)
            elif "\u0300" <= ch <= "\u036f" and before in _ASCII_LETTERS:
                m = match(text, c - 1)
        if m is not None:
            start, end = m.span()
            kind = m.lastgroup
        elif ch > "\x7f" and not ch.isspace() and ch not in _EM:
            # no alternative before "other" starts here: the run of non-ASCII characters
            start, end, kind = c, _NON_ASCII_STRETCH.match(text, c).end(), "other"
        else:
            m = match(text, c)
            if m is None:
                pos = c + 1
                continue
            start, end = m.span()
            kind = m.lastgroup
        pos = end
        group = text[start:end]
        if kind == "other":
            rep = _fold_other(group)
            if rep == group:
                continue
            keeps_offsets = len(rep) == end - start
        else:
            if kind == "nl":
                if group == "\n":
                    continue
                # one line break, or one blank line for a paragraph break (CRs count as spaces)
                rep = "\n" if group.count("\n") == 1 else "\n\n"
            elif kind == "crlf":
                rep = "\n"
            elif kind == "em":
                rep = " - "
            elif kind == "ws":
                rep = " "
            else:  # eol, sol
                rep = ""
            keeps_offsets = end - start == 1 and len(rep) == 1
        out.replace(start, end, rep, keeps_offsets)
    return out.result(previous)


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # the largest k with a[:k] == b[:k]
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _coarse_opcodes(a: str, b: str) -> list[tuple]:
    """Common prefix and suffix equal, everything between them one replacement."""
    p = _common_prefix(a, b)
    s = _common_prefix(a[p:][::-1], b[p:][::-1])
    ops = []
    if p:
        ops.append(("equal", 0, p, 0, p))
    if p < len(a) - s or p < len(b) - s:
        ops.append(("replace", p, len(a) - s, p, len(b) - s))
    if s:
        ops.append(("equal", len(a) - s, len(a), len(b) - s, len(b)))
    return ops


def _run_opcodes(line: str, fixed: str) -> list[tuple]:
    """Align a line with its repair in linear time.

    When the repair kept the ASCII stretches (it rewrites runs of non-ASCII characters),
    stretches of two or more ASCII characters are anchors, equal in both, and what lies
    between two anchors (non-ASCII runs, single ASCII characters) is aligned by
    SequenceMatcher, as it would be by SequenceMatcher on the whole line when its
    longest matches are the anchors; a region too long for that is aligned run by
    run. If the repair changed ASCII stretches: _coarse_opcodes.
    """
    a_parts = _NON_ASCII_RUN.split(line)
    b_parts = _NON_ASCII_RUN.split(fixed)
    if len(a_parts) != len(b_parts) or a_parts[::2] != b_parts[::2]:
        return _coarse_opcodes(line, fixed)
    ops: list[tuple] = []
    known: dict[tuple[str, str], list[tuple]] = {}  # the same repairs recur ("â€™" -> "’")

    def align(pa: str, pb: str, ia: int, ib: int) -> None:
        if pa == pb:
            if pa:
                ops.append(("equal", ia, ia + len(pa), ib, ib + len(pb)))
            return
        sub = known.get((pa, pb))
        if sub is None:
            if len(pa) * len(pb) <= 4096:
                sub = SequenceMatcher(None, pa, pb, autojunk=False).get_opcodes()
            else:
                sub = _coarse_opcodes(pa, pb)
            known[pa, pb] = sub
        ops.extend([(op, ia + a0, ia + a1, ib + b0, ib + b1) for op, a0, a1, b0, b1 in sub])

    region: list[int] = []  # indexes of the parts since the last anchor
    ia = ib = 0  # where the region starts
    ja = jb = 0  # where the next part starts

    def flush() -> None:
        if not region:
            return
        if len(region) == 1:
            ra, rb = a_parts[region[0]], b_parts[region[0]]
        else:
            ra = "".join([a_parts[k] for k in region])
            rb = "".join([b_parts[k] for k in region])
        if len(ra) * len(rb) <= 4096 or ra == rb:
            align(ra, rb, ia, ib)
        else:  # part by part
            xa, xb = ia, ib
            for k in region:
                align(a_parts[k], b_parts[k], xa, xb)
                xa += len(a_parts[k])
                xb += len(b_parts[k])
        region.clear()

    for k, (pa, pb) in enumerate(zip(a_parts, b_parts)):
        if k % 2 == 0 and len(pa) >= 2:  # an anchor
            flush()
            align(pa, pb, ja, jb)
            ia, ib = ja + len(pa), jb + len(pb)
        else:
            if not region:
                ia, ib = ja, jb
            region.append(k)
        ja += len(pa)
        jb += len(pb)
    flush()
    return ops


def _matcher_cost(line: str, fixed: str) -> int:
    """An estimate of SequenceMatcher's work on (line, fixed): a longest-match search
    costs up to the sum over characters of (count in line) * (count in fixed), and
    there are about two per changed stretch."""
    in_fixed = Counter(fixed)
    pairs = sum(k * in_fixed[ch] for ch, k in Counter(line).items())
    return pairs * (2 * len(_NON_ASCII_RUN.findall(line)) + 1)


def _repair_mojibake(text: str, budget: list[int]) -> tuple[str, np.ndarray | None, bool]:
    """Fix lines ftfy considers mis-decoded (unchanged stretches keep exact offsets).

    Returns (text, offsets into the input or None if nothing changed, whether anything
    changed). ``budget[0]``: SequenceMatcher work still allowed (EXACT_ALIGNMENT_BUDGET).
    """
    if not _MOJIBAKE_HINT.search(text):
        return text, None, False
    pieces: list[str] = []
    copied = 0
    offsets = _OffsetPieces()
    pos = 0
    for line in text.splitlines(keepends=True):
        if _MOJIBAKE_HINT.search(line) and is_bad(line):
            fixed = ftfy.fix_encoding(line)
            if fixed != line:
                cost = _matcher_cost(line, fixed)
                if cost <= budget[0]:
                    budget[0] -= cost
                    opcodes = SequenceMatcher(None, line, fixed, autojunk=False).get_opcodes()
                else:
                    budget[0] = 0  # from here on, every line of the call is aligned linearly
                    opcodes = _run_opcodes(line, fixed)
                pieces.append(text[copied:pos])
                pieces.append(fixed)
                copied = pos + len(line)
                # unchanged stretches map one to one, a repaired stretch to the start of its raw bytes
                offsets.copy_to(pos)
                last = pos + len(line) - 1
                for op, a0, a1, b0, b1 in opcodes:
                    if op == "equal":
                        offsets.add(a1 - a0, pos + a0, 1)
                    else:
                        offsets.add(b1 - b0, min(pos + a0, last), 0)
                offsets.mapped = copied
        pos += len(line)
    if not pieces:
        return text, None, False
    pieces.append(text[copied:])
    return "".join(pieces), offsets.array(len(text)), True


def normalize(raw: str) -> tuple[str, np.ndarray, bool]:
    """Normalize ``raw``; return (text, offsets into raw, whether mojibake was repaired).

    ``offsets`` (int64) has ``len(text) + 1`` entries; the last is ``len(raw)``.
    """
    text, offsets, fixed = raw, None, False  # offsets None: the identity
    budget = [EXACT_ALIGNMENT_BUDGET]
    for _ in range(6):  # reaches a fixed point in one or two rounds
        if text.isascii():
            if _is_clean_ascii(text):
                break
            repaired, step, was_fixed = text, None, False  # mojibake is never ASCII
        else:
            repaired, step, was_fixed = _repair_mojibake(text, budget)
        if _CONTROL.search(repaired):  # after the repair: mojibake uses C1 characters
            repaired = _CONTROL.sub(" ", repaired)
        new, step2 = _one_pass(repaired, text)
        if new == text:
            break
        # compose the maps (new char -> repaired char -> previous char -> raw char)
        if step is None:
            step = step2
        elif step2 is not None:
            step = step[step2]
        if step is not None:
            offsets = step if offsets is None else offsets[step]
        text, fixed = new, fixed or was_fixed
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    if offsets is None:
        kept = np.arange(lead, lead + len(stripped), dtype=np.int64)
    else:
        kept = offsets[lead:lead + len(stripped)]
    return stripped, np.append(kept, np.int64(len(raw))), fixed


def normalize_text(raw: str) -> str:
    """Just the normalized text (for callers that need no offsets)."""
    return normalize(raw)[0]


def raw_span(offsets, start: int, end: int) -> tuple[int, int]:
    """Map a [start, end) span of normalized text to the raw text."""
    if end <= start:
        r = int(offsets[start] if start < len(offsets) else offsets[-1])
        return r, r
    return int(offsets[start]), int(offsets[end - 1]) + 1


def fold_for_hash(text: str) -> str:
    """Case- and whitespace-folded form used for exact-duplicate hashing."""
    return " ".join(text.lower().split())
