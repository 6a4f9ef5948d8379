# Verbatim copy of src/pipeline/normalize.py before the text-stage speed-up (git 374e1b9), kept as the
# reference implementation for benchmarks/compare_text_stages.py. Do not edit.
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
  line by line, only on lines ftfy judges bad; offsets inside a repaired line
  map to the line's start.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from difflib import SequenceMatcher

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


def _fold_other(run: str) -> str:
    out = unicodedata.normalize("NFKC", _INVISIBLE.sub("", run))
    if out.isascii():
        return out
    for src, dst in _QUOTES.items():
        if src in out:
            out = out.replace(src, dst)
    # NFKC can emit spaces (e.g. U+00A0); keep them single.
    out = re.sub(r"\s+", " ", out)
    return out


def _one_pass(text: str) -> tuple[str, array]:
    pieces: list[str] = []
    offsets = array("q")
    pos = 0
    for m in _PATTERN.finditer(text):
        start, end = m.span()
        if start > pos:
            pieces.append(text[pos:start])
            offsets.extend(range(pos, start))
        kind = m.lastgroup
        if kind == "nl":
            # one line break, or one blank line for a paragraph break (CRs count as spaces)
            rep = "\n" if m.group().count("\n") == 1 else "\n\n"
        elif kind == "crlf":
            rep = "\n"
        elif kind == "em":
            rep = " - "
        elif kind in ("eol", "sol"):
            rep = ""
        elif kind == "ws":
            rep = " "
        else:
            rep = _fold_other(m.group())
        if rep:
            pieces.append(rep)
            if kind == "other" and len(rep) == end - start:
                offsets.extend(range(start, end))
            else:
                offsets.extend([start] * len(rep))
        pos = end
    if pos < len(text):
        pieces.append(text[pos:])
        offsets.extend(range(pos, len(text)))
    return "".join(pieces), offsets


def _repair_mojibake(text: str) -> tuple[str, array, bool]:
    """Fix lines ftfy considers mis-decoded (unchanged stretches keep exact offsets)."""
    if not _MOJIBAKE_HINT.search(text):
        return text, array("q", range(len(text))), False
    pieces: list[str] = []
    offsets = array("q")
    changed = False
    pos = 0
    for line in text.splitlines(keepends=True):
        fixed = line
        if _MOJIBAKE_HINT.search(line) and is_bad(line):
            fixed = ftfy.fix_encoding(line)
        pieces.append(fixed)
        if fixed == line:
            offsets.extend(range(pos, pos + len(line)))
        else:
            changed = True
            # unchanged stretches map one to one, a repaired stretch to the start of its raw bytes
            for op, a0, a1, b0, b1 in SequenceMatcher(None, line, fixed, autojunk=False).get_opcodes():
                if op == "equal":
                    offsets.extend(range(pos + a0, pos + a1))
                else:
                    offsets.extend([pos + min(a0, len(line) - 1)] * (b1 - b0))
        pos += len(line)
    return "".join(pieces), offsets, changed


def normalize(raw: str) -> tuple[str, np.ndarray, bool]:
    """Normalize ``raw``; return (text, offsets into raw, whether mojibake was repaired).

    ``offsets`` (int64) has ``len(text) + 1`` entries; the last is ``len(raw)``.
    """
    text, offsets, fixed = raw, np.arange(len(raw), dtype=np.int64), False
    for _ in range(6):  # reaches a fixed point in one or two rounds
        repaired, step, was_fixed = _repair_mojibake(text)
        if _CONTROL.search(repaired):  # after the repair: mojibake uses C1 characters
            repaired = _CONTROL.sub(" ", repaired)
        new, step2 = _one_pass(repaired)
        if new == text:
            break
        # compose the maps with numpy (new char -> repaired char -> previous char -> raw char)
        step_np = np.frombuffer(step, dtype=np.int64) if len(step) else np.zeros(0, np.int64)
        step2_np = np.frombuffer(step2, dtype=np.int64) if len(step2) else np.zeros(0, np.int64)
        offsets = offsets[step_np[step2_np]]
        text, fixed = new, fixed or was_fixed
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    offsets = np.append(offsets[lead:lead + len(stripped)], np.int64(len(raw)))
    return stripped, offsets, fixed


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
