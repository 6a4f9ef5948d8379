"""Invariants of pipeline.normalize over arbitrary Unicode: it never raises, normalizing
twice equals once, the offset map is monotone and inside the raw text, and the output
whitespace is canonical."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.normalize import normalize

# Any code point that can live in a Python str (no lone surrogates), including
# controls, combining marks, format characters and private use.
ANY_CHAR = st.characters(blacklist_categories=("Cs",))

# Characters the normalizer treats specially, so that they meet each other often.
TRICKY = st.sampled_from([
    "a", "b", "Z", "1", ".", " ", "  ", "\t", "\r", "\n", "\r\n", "\n\n\n", "\x00", "\x0b", "\x0c",
    "\x1f", "\x7f", "\x85", "\u00a0", "\u2002", "\u2003", "\u2028", "\u2029", "\u3000", "\u200b",
    "\u200d", "\u2060", "\ufeff", "\u00ad", "\u0301", "\u0308", "\u0327", "\u2013", "\u2014",
    "\u2015", "\u2212", "\u2026", "\u2018", "\u2019", "\u201c", "\u201d", "\u00ab", "\ufb01",
    "\uff21", "\u00b2", "\u00e9", "\u00c3\u00a9", "\u00e2\u20ac\u2122", "\u00c2\u00a0", "\U0001f600",
])

RAW = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    st.lists(TRICKY, max_size=40).map("".join),
    st.lists(st.one_of(TRICKY, st.text(ANY_CHAR, min_size=1, max_size=3)), max_size=25).map("".join),
)

# The first characters of UTF-8-read-as-cp1252/latin-1 mojibake ("Ã©", "â€™", "Â "):
# inputs made of them go through ftfy, whose verdict can change once NFKC has run.
MOJIBAKE_LEADS = frozenset("\u00c2\u00c3\u00e2\u00c5\u00cb\u00ce\u00cf")

PROPS = settings(max_examples=300, deadline=None)


def no_mojibake_leads(*texts: str) -> bool:
    return not any(MOJIBAKE_LEADS & set(t) for t in texts)


@PROPS
@given(RAW)
def test_normalize_never_raises_and_returns_the_documented_shape(raw):
    text, offsets, fixed = normalize(raw)
    assert isinstance(text, str)
    assert isinstance(fixed, bool)
    assert len(offsets) == len(text) + 1
    assert offsets[-1] == len(raw)


@PROPS
@given(RAW.filter(lambda raw: no_mojibake_leads(raw, normalize(raw)[0])))
def test_normalizing_twice_equals_once_outside_mojibake(raw):
    once = normalize(raw)[0]
    assert normalize(once)[0] == once


@PROPS
@given(RAW)
@example("\u00b2\u00c2\u00a1")
def test_normalizing_twice_equals_once(raw):
    once = normalize(raw)[0]
    assert normalize(once)[0] == once


@PROPS
@given(RAW)
def test_offsets_are_monotone_and_inside_the_raw_text(raw):
    _, offsets, _ = normalize(raw)
    assert all(0 <= o <= len(raw) for o in offsets)
    assert all(a <= b for a, b in zip(offsets, offsets[1:]))


@PROPS
@given(RAW)
def test_output_whitespace_is_canonical(raw):
    """No '\\r', no two consecutive spaces, no spaces at line starts/ends, only ' ' and
    '\\n' as whitespace, at most one blank line, nothing to strip."""
    text = normalize(raw)[0]
    assert "\r" not in text
    assert "  " not in text
    for line in text.split("\n"):
        assert line == line.strip(" "), repr(line)
    assert not re.search(r"[^\S \n]", text), repr(text)
    assert "\n\n\n" not in text
    assert text == text.strip()


@PROPS
@given(RAW)
def test_output_has_no_invisible_or_c0_control_characters(raw):
    text = normalize(raw)[0]
    assert not re.search("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x09\x0b-\x1f\x7f]", text), repr(text)


def _pattern_pass(text: str) -> tuple[str, list[int]]:
    """One pass of pipeline.normalize._PATTERN applied with finditer over the whole text: the
    definition that _one_pass implements faster (it tries the pattern only where a match
    can start)."""
    from pipeline.normalize import _PATTERN, _fold_other

    pieces, offsets, pos = [], [], 0
    for m in _PATTERN.finditer(text):
        start, end = m.span()
        pieces.append(text[pos:start])
        offsets.extend(range(pos, start))
        kind = m.lastgroup
        if kind == "nl":
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
        pieces.append(rep)
        if kind == "other" and len(rep) == end - start:
            offsets.extend(range(start, end))
        else:
            offsets.extend([start] * len(rep))
        pos = end
    pieces.append(text[pos:])
    offsets.extend(range(pos, len(text)))
    return "".join(pieces), offsets


# Mostly whitespace, with characters that _one_pass either passes over ("é", "中", "ß") or must
# look at (a combining mark after a letter, a composable pair, quotes, dashes, odd spaces).
WHITESPACE_HEAVY = st.lists(st.sampled_from(
    ["a", "b.", "<", " ", "  ", "\t", "\n", "\n\n", " \n ", "\x0b", "\r", "\u00e9", "\u4e2d", "\u00df", "\u0301",
     "\u0338", "\u1100\u1161", "\u2019", "\u2014", "\u00a0", "\u2028", "\u200b", "\ufb01"]),
    max_size=40).map("".join)


@PROPS
@given(st.one_of(RAW, WHITESPACE_HEAVY))
def test_one_pass_equals_the_pattern_applied_everywhere(raw):
    from pipeline.normalize import _CONTROL, _one_pass

    text = _CONTROL.sub(" ", raw)  # as normalize() does before each pass
    expected_text, expected_offsets = _pattern_pass(text)
    new, offsets = _one_pass(text, previous=None)
    assert new == expected_text
    assert (list(range(len(new))) if offsets is None else list(offsets)) == expected_offsets
