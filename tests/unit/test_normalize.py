"""pipeline.normalize: one behaviour per test (typography, whitespace, invisibles,
mojibake, the offset map back to the raw text, the exact-duplicate fold)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from pipeline.normalize import fold_for_hash, normalize, normalize_text, raw_span

WORD = re.compile(r"[A-Za-z]+")


def norm(raw: str) -> str:
    return normalize(raw)[0]


def assert_words_map_back(raw: str) -> None:
    """Every ASCII word of the normalized text maps (raw_span) to the same word in raw."""
    text, offsets, _ = normalize(raw)
    assert len(offsets) == len(text) + 1
    words = list(WORD.finditer(text))
    assert words, "the case needs words to check"
    for m in words:
        start, end = raw_span(offsets, m.start(), m.end())
        assert raw[start:end] == m.group(), (m.group(), raw[start:end])


# ------------------------------------------------------------------ API shape


def test_normalize_returns_text_offsets_and_repair_flag():
    text, offsets, fixed = normalize("Kratom is a herb.")
    assert text == "Kratom is a herb."
    assert list(offsets) == list(range(len(text) + 1))
    assert fixed is False


def test_offsets_have_one_entry_per_char_plus_the_end():
    raw = "  a\u2014b\u2026  \r\n"
    text, offsets, _ = normalize(raw)
    assert len(offsets) == len(text) + 1
    assert offsets[-1] == len(raw)


def test_normalize_text_is_the_text_part():
    raw = "\u201cQuoted\u201d \u2013 text"
    assert normalize_text(raw) == normalize(raw)[0]


def test_empty_and_blank_input_give_empty_text():
    text, offsets, fixed = normalize("")
    assert (text, list(offsets), fixed) == ("", [0], False)
    text, offsets, _ = normalize(" \t\r\n \n")
    assert text == ""
    assert list(offsets) == [6]


# ------------------------------------------------------------------ typography


@pytest.mark.parametrize("raw, expected", [
    ("\u2018single\u2019", "'single'"),
    ("\u201cdouble\u201d", '"double"'),
    ("\u201elow\u201c", '"low"'),
    ("\u00abguillemets\u00bb", '"guillemets"'),
    ("it\u2019s", "it's"),
])
def test_typographic_quotes_become_ascii(raw, expected):
    assert norm(raw) == expected


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2012", "\u2013", "\u2212"])
def test_short_dashes_become_hyphen_without_spaces(dash):
    assert norm(f"1{dash}3 g") == "1-3 g"


@pytest.mark.parametrize("raw", ["calm\u2014alert", "calm \u2014 alert", "calm\u2015alert"])
def test_em_dash_between_words_becomes_spaced_hyphen(raw):
    assert norm(raw) == "calm - alert"


def test_ellipsis_becomes_three_dots():
    assert norm("and then\u2026 sleep") == "and then... sleep"


def test_compatibility_characters_are_nfkc_folded():
    assert norm("\ufb01ne \uff21") == "fine A"   # ligature fi, fullwidth A


def test_combining_mark_after_ascii_letter_is_composed():
    text = norm("cafe\u0301 au lait")
    assert text == "caf\u00e9 au lait"
    assert unicodedata.is_normalized("NFC", text)


# ------------------------------------------------------------------ whitespace


def test_nbsp_becomes_a_plain_space():
    assert norm("300\u00a0mg") == "300 mg"


@pytest.mark.parametrize("space", ["\u2002", "\u2003", "\u2009", "\u202f", "\u3000", "\t"])
def test_other_unicode_spaces_become_a_plain_space(space):
    assert norm(f"a{space}b") == "a b"


def test_runs_of_spaces_collapse_to_one():
    assert norm("a  \t \u00a0 b") == "a b"


def test_leading_and_trailing_whitespace_is_stripped():
    assert norm("  \t kratom \u00a0 ") == "kratom"


def test_spaces_at_line_ends_and_starts_are_dropped():
    assert norm("first line   \n   second line") == "first line\nsecond line"


@pytest.mark.parametrize("raw", ["a\r\nb", "a\rb", "a\nb"])
def test_line_endings_become_lf(raw):
    assert norm(raw) == "a\nb"


def test_more_than_one_blank_line_becomes_one():
    assert norm("para one\r\n\r\n\r\n\r\npara two") == "para one\n\npara two"


def test_one_blank_line_is_kept():
    assert norm("para one\n\npara two") == "para one\n\npara two"


def test_blank_line_made_of_spaces_counts_as_blank():
    assert norm("para one\n  \t \n \npara two") == "para one\n\npara two"


# ------------------------------------------------------------------ invisibles


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_invisible_characters_are_dropped(invisible):
    assert norm(f"kra{invisible}tom") == "kratom"


def test_leading_bom_is_dropped():
    assert norm("\ufeffKratom") == "Kratom"


def test_c0_control_characters_become_spaces():
    assert norm("a\x00b\x07c") == "a b c"


# ------------------------------------------------------------------ mojibake


def test_latin1_mojibake_is_repaired_and_flagged():
    text, _, fixed = normalize("Caf\u00c3\u00a9 au lait")
    assert text == "Caf\u00e9 au lait"
    assert fixed is True


def test_clean_text_is_not_flagged_as_repaired():
    assert normalize("Caf\u00e9 au lait, na\u00efve, 5\u00b0C")[2] is False


def test_cp1252_apostrophe_mojibake_is_repaired():
    text, _, fixed = normalize("it\u00e2\u20ac\u2122s a herb")
    assert text == "it's a herb"
    assert fixed is True


def test_cp1252_dash_mojibake_is_repaired():
    assert norm("take 1\u00e2\u20ac\u201c3 g daily") == "take 1-3 g daily"


def test_words_after_a_repaired_char_map_back_to_the_same_raw_word():
    assert_words_map_back("Caf\u00c3\u00a9 au lait is nice.")


# ------------------------------------------------------------------ offset map


def test_words_map_back_through_quotes_dashes_and_ellipsis():
    assert_words_map_back("He said \u201chello\u201d \u2014 then\u2026 slept 1\u20133 hours.")


def test_words_map_back_through_whitespace_and_line_endings():
    assert_words_map_back("  first\u00a0\u00a0line  \r\n\r\n\r\n\r\n   second\tline \r\n")


def test_words_map_back_through_invisible_characters():
    raw = "\ufeffzero\u200bwidth soft\u00adhyphen"
    text, offsets, _ = normalize(raw)
    assert text == "zerowidth softhyphen"
    pieces = [raw[slice(*raw_span(offsets, m.start(), m.end()))] for m in WORD.finditer(text)]
    assert pieces == ["zero\u200bwidth", "soft\u00adhyphen"]  # the dropped char stays inside the span


def test_every_normalized_char_maps_to_a_raw_char_of_the_same_class():
    raw = "  Kratom\u00a0may  help.\r\n\r\n\r\nIt\u2019s \u201cmild\u201d\u2026 "
    text, offsets, _ = normalize(raw)
    assert len(offsets) == len(text) + 1
    for i, ch in enumerate(text):
        source = raw[offsets[i]]
        if ch.isalnum():
            assert source == ch
        elif ch == " ":
            assert source.isspace() or source in "\u2026\u2014"
        elif ch == "\n":
            assert source in "\r\n"


def test_raw_span_of_a_whole_sentence_covers_the_raw_sentence():
    raw = "\u00a0 Kratom \u201chelps\u201d.\r\nNext."
    text, offsets, _ = normalize(raw)
    assert text == 'Kratom "helps".\nNext.'
    start, end = raw_span(offsets, 0, text.index("\n"))
    assert raw[start:end] == "Kratom \u201chelps\u201d."


def test_raw_span_of_an_expanded_char_covers_the_source_char():
    raw = "wait\u2026"
    text, offsets, _ = normalize(raw)
    assert text == "wait..."
    assert raw_span(offsets, 4, 7) == (4, 5)


def test_raw_span_of_an_empty_span_is_a_point():
    text, offsets, _ = normalize("  ab cd")
    assert raw_span(offsets, 2, 2) == (offsets[2], offsets[2])
    assert raw_span(offsets, len(text), len(text)) == (7, 7)


# ------------------------------------------------------------------ fold_for_hash


def test_fold_for_hash_ignores_case():
    assert fold_for_hash("Kratom Helps") == fold_for_hash("kratom helps")


def test_fold_for_hash_ignores_whitespace_layout():
    assert fold_for_hash("kratom  helps\n\nsleep ") == fold_for_hash(" kratom helps sleep")


def test_fold_for_hash_keeps_words_and_punctuation():
    assert fold_for_hash("Kratom helps.") != fold_for_hash("Kratom helps sleep.")
    assert fold_for_hash("does not help") != fold_for_hash("does help")


# ------------------------------------------------------------------ fast paths (same results)


def sloppy_cp1252(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (undefined bytes as Latin-1): classic mojibake."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8"))


def test_clean_ascii_text_is_returned_with_the_identity_map():
    raw = "First line.\nSecond line.\n\nA new paragraph, with one space between words."
    text, offsets, fixed = normalize(raw)
    assert text == raw
    assert list(offsets) == list(range(len(raw) + 1))
    assert fixed is False


def test_a_paragraph_break_maps_to_its_first_line_feed_when_the_line_changes():
    text, offsets, _ = normalize("a \n\nb")
    assert text == "a\n\nb"
    assert list(offsets) == [0, 1, 1, 4, 5]


def test_indented_ascii_text_is_normalized_like_any_other():
    raw = "Key Points\n                    - Adult ALL is a cancer.    - Leukemia may\taffect cells.  \n  "
    text, offsets, _ = normalize(raw)
    assert text == "Key Points\n- Adult ALL is a cancer. - Leukemia may affect cells."
    assert_words_map_back(raw)
    space = text.index(" - Leukemia")  # a collapsed run of spaces comes from its first space
    assert offsets[space] == raw.index("    - Leukemia")
    assert offsets[space + 1] == raw.index("- Leukemia")


def test_a_long_mis_decoded_line_is_repaired_and_maps_back():
    raw = sloppy_cp1252("It\u2019s safe, it\u2019s cheap \u2014 caf\u00e9 owners say so. ") * 3000  # ~150k chars
    text, _, fixed = normalize(raw)
    assert fixed
    assert text.startswith("It's safe, it's cheap - caf\u00e9 owners say so. It's")
    assert "\u00e2" not in text and "\u00c3" not in text
    assert_words_map_back(raw)


@pytest.mark.parametrize("raw", [
    sloppy_cp1252("It\u2019s the \u201cnatural\u201d sleep aid \u2014 but does chamomile work? Caf\u00e9 owners sell "
                  "it; it doesn\u2019t cause grogginess. Take 1\u20133 cups (250\u00a0ml) at 40\u00b0C."),
    "Plain words, then " + sloppy_cp1252("na\u00efve \u201cquotes\u201d \u2026 and \u00bd cup") + " and plain again.\n"
    + sloppy_cp1252("Second line \u2019 with \u00e9\u00e8\u00ea accents \u00ae\u2122.") + "\nclean third line",
])
def test_linear_alignment_of_a_repaired_line_equals_sequence_matcher(raw, monkeypatch):
    """Past the SequenceMatcher budget a repaired line is aligned by its ASCII stretches:
    on ordinary lines the offsets are the same."""
    from pipeline import normalize as module

    exact = normalize(raw)
    monkeypatch.setattr(module, "EXACT_ALIGNMENT_BUDGET", 0)
    linear = normalize(raw)
    assert exact[2] and linear[2]
    assert linear[0] == exact[0]
    assert list(linear[1]) == list(exact[1])
