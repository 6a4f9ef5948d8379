"""pipeline.segment: one behaviour per test, examples and counter-examples per rule."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.modules import load_file
from pipeline import segment as seg
from pipeline.segment import Segment, segment

REPO = Path(__file__).parents[2]
SHARED = Path(__file__).parents[2].parent / "shared"  # the `shared` folder beside the repo
MEDQUAD = SHARED / "corpora" / "medquad" / "medquad_docs.jsonl"
needs_medquad = pytest.mark.skipif(
    not MEDQUAD.is_file(), reason=f"MedQuAD gold passages need {MEDQUAD} (the shared corpora folder)"
)


# gold reader, MedQuAD normalization and scoring live in benchmarks/segment_accuracy.py
bench = load_file(REPO / "benchmarks" / "segment_accuracy.py", "segment_accuracy")
FAST = seg.build_tokenizer(fast=True)
PLAIN = seg.build_tokenizer(fast=False)  # Punkt decides every candidate itself


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text)]


def assert_valid_spans(text: str, segments: list[Segment]) -> None:
    previous_end = 0
    for s in segments:
        assert isinstance(s, Segment)
        assert previous_end <= s.start < s.end <= len(text)
        piece = text[s.start : s.end]
        assert piece == piece.strip(), piece
        previous_end = s.end


# --------------------------------------------------------------------------- API


def test_segment_is_a_named_tuple_of_offsets_and_flags():
    text = "Kratom is a herb. It grows in Asia."
    assert segment(text) == [Segment(0, 17, False, False), Segment(18, 35, False, False)]
    assert Segment._fields == ("start", "end", "is_heading", "is_list_item")


@pytest.mark.parametrize("text", ["", " ", "\n\n", "  \n \t\n", "---\n...\n* * *"])
def test_text_without_words_has_no_segments(text):
    assert segment(text) == []


def test_segment_rejects_non_strings():
    with pytest.raises(TypeError):
        segment(b"bytes")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- lines


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kratom is a herb\nIt grows in Asia", ["Kratom is a herb", "It grows in Asia"]),
        ("One paragraph.\n\nAnother one.", ["One paragraph.", "Another one."]),
        ("Ends with e.g.\nnext line", ["Ends with e.g.", "next line"]),  # abbreviation, still a break
        ("   indented line.  ", ["indented line."]),
    ],
)
def test_a_newline_always_ends_a_sentence(text, expected):
    assert sentences(text) == expected


def test_offsets_point_into_the_original_text():
    text = "  # Title\n\n- First item. Second sentence.\n   Plain line"
    segments = segment(text)
    assert_valid_spans(text, segments)
    assert [text[s.start : s.end] for s in segments] == [
        "Title",
        "First item.",
        "Second sentence.",
        "Plain line",
    ]


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    "line, expected",
    [
        ("# Kratom and Sleep", "Kratom and Sleep"),
        ("### What Is Kratom?", "What Is Kratom?"),  # markdown: punctuation allowed
        ("## Dosage ##", "Dosage"),  # closing hashes left out
        ("#", None),
    ],
)
def test_markdown_headings(line, expected):
    segments = segment(line)
    if expected is None:
        assert segments == []
    else:
        assert [line[s.start : s.end] for s in segments] == [expected]
        assert segments[0].is_heading and not segments[0].is_list_item


@pytest.mark.parametrize(
    "line",
    [
        "Understanding Kratom and Its Effects on Sleep",
        "Potential Side Effects",
        "Key Points",
        "SIDE EFFECTS",
        "5 Ways to Sleep Better",
        "**Dosage Guide**",
        "Vitamin D vs. Melatonin",  # period inside is not an end
    ],
)
def test_title_case_lines_are_headings(line):
    segments = segment(line)
    assert len(segments) == 1 and segments[0].is_heading


@pytest.mark.parametrize(
    "line",
    [
        "#hashtag text",  # no space after '#'
        "####### Seven hashes",
        "Call your doctor if symptoms persist",  # sentence case
        "Acanthamoeba keratitis",  # sentence case (1 of 2 words capitalised)
        "Kratom Helps You Sleep.",  # final period
        "Tips for Safe Use:",  # final colon
        "What Is Kratom?",  # final question mark (only markdown headings may have one)
        "kratom and Sleep",  # lowercase first word
        "- Understanding Kratom and Its Effects",  # a list item is not a heading
        "Kratom, derived from Mitragyna Speciosa Leaves, Has Gained Attention As An Alternative Additive",
    ],
)
def test_lines_that_are_not_headings(line):
    assert not any(s.is_heading for s in segment(line))


# --------------------------------------------------------------------------- lists


@pytest.mark.parametrize(
    "line",
    ["- Take it with food.", "* Take it with food.", "• Take it with food.", "+ Take it with food.",
     "1. Take it with food.", "12) Take it with food.", "a) Take it with food.", "b. Take it with food.",
     "(a) Take it with food.", "(3) Take it with food.", "  -   Take it with food."],
)
def test_list_markers_are_flagged_and_left_out_of_the_span(line):
    segments = segment(line)
    assert [line[s.start : s.end] for s in segments] == ["Take it with food."]
    assert segments[0].is_list_item and not segments[0].is_heading


@pytest.mark.parametrize(
    "line, expected",
    [
        ("-5 degrees is cold.", "-5 degrees is cold."),
        ("*Note* the dose.", "*Note* the dose."),
        ("1.5 mg is the dose.", "1.5 mg is the dose."),
        ("2019 was a hard year.", "2019 was a hard year."),
        ("A. Smith wrote it.", "A. Smith wrote it."),  # uppercase letter + period: an initial
    ],
)
def test_lines_that_only_look_like_list_items(line, expected):
    segments = segment(line)
    assert [line[s.start : s.end] for s in segments] == [expected]
    assert not segments[0].is_list_item


def test_every_sentence_of_a_list_line_is_a_list_item():
    segments = segment("- Avoid alcohol. It increases drowsiness.\nThen rest.")
    assert [s.is_list_item for s in segments] == [True, True, False]


def test_inline_bullets_of_a_flattened_list():
    text = "Here is what we know. - Kratom affects opioid receptors. - It may ease withdrawal."
    segments = segment(text)
    assert [text[s.start : s.end] for s in segments] == [
        "Here is what we know.",
        "Kratom affects opioid receptors.",
        "It may ease withdrawal.",
    ]
    assert [s.is_list_item for s in segments] == [False, True, True]


def test_a_marker_without_text_gives_no_segment():
    assert segment("-\n1.\n* ") == []


# --------------------------------------------------------------------------- Punkt + abbreviations


@pytest.mark.parametrize(
    "text",
    [
        "Take approx. 5 mg. daily with food.",
        "Dr. Smith and Prof. Lee reviewed it.",
        "St. John's wort may interact with antidepressants.",
        "Some herbs, e.g. valerian and chamomile, help.",
        "Pain relievers (e.g. Tylenol or Advil) are safer.",
        "Stimulants, i.e. caffeine, can worsen insomnia.",
        "A dose of 0.5 mg was compared with 1.5 mg.",
        "U.S. adults use supplements widely.",
        "The U.S. Food and Drug Administration has not approved it.",
        "Heart disease is the No. 1 cause of death in the U.S. and worldwide.",
        "Take the first dose at 8 a.m. and the second after lunch.",
        "Smith et al. found no effect.",
        "Kratom vs. kava: which is safer?",
        "E. coli and H. pylori are bacteria.",
        "It is made by Green Leaf Herbs, Inc. and sold online.",
        "John Roe, Ph.D. is a pharmacologist.",
        "Take 1 tablet b.i.d. with meals.",
        "Fig. 2 shows the results.",
        "Take it 1 hr. before bed.",
        "It was first described in 1973 by Dr. M.M. Cohen of Israel.",  # dotted initials
        "The drug was approved by the F.D.A. last year.",  # unknown dotted acronym
        "Kratom may help... but it may also harm.",
    ],
)
def test_abbreviations_decimals_and_initials_do_not_end_sentences(text):
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Is kratom safe? No. Experts advise caution!", ["Is kratom safe?", "No.", "Experts advise caution!"]),
        ("It is sold in most of the U.S. The FDA has not approved it.",
         ["It is sold in most of the U.S.", "The FDA has not approved it."]),
        ("Avoid opioids, etc. These increase drowsiness.", ["Avoid opioids, etc.", "These increase drowsiness."]),
        ("Most adults take 1-5 mg. Children need less.", ["Most adults take 1-5 mg.", "Children need less."]),
        ("Adults often take 5 g. Then they wait.", ["Adults often take 5 g.", "Then they wait."]),
        ("Cohen, Jr. When the syndrome was described, it was rare.",
         ["Cohen, Jr.", "When the syndrome was described, it was rare."]),
        ("Results vary... Some users report anxiety.", ["Results vary...", "Some users report anxiety."]),
        ("In 2019. The trial ended.", ["In 2019.", "The trial ended."]),
    ],
)
def test_abbreviations_and_numbers_can_still_end_sentences(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ('She said, "It helped me sleep." Her doctor disagreed.',
         ['She said, "It helped me sleep."', "Her doctor disagreed."]),
        ("Higher doses may cause nausea (see below). (This is temporary.) Most recover.",
         ["Higher doses may cause nausea (see below).", "(This is temporary.)", "Most recover."]),
        ("It has alkaloids (mitragynine, etc.). The effects last hours.",
         ["It has alkaloids (mitragynine, etc.).", "The effects last hours."]),
    ],
)
def test_closing_quotes_and_brackets_stay_with_their_sentence(text, expected):
    assert sentences(text) == expected


# --------------------------------------------------------------------------- glued sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It is added to treatment plans.Opioid withdrawal is hard.",
         ["It is added to treatment plans.", "Opioid withdrawal is hard."]),
        ("No symptoms in the early stages.Signs may appear later.",
         ["No symptoms in the early stages.", "Signs may appear later."]),
        ("Is it safe?Yes, mostly.", ["Is it safe?", "Yes, mostly."]),
        ("It affects 17 percent of people.1 However, few know it.",
         ["It affects 17 percent of people.1", "However, few know it."]),
        ("Read the label.A dose is one scoop.", ["Read the label.", "A dose is one scoop."]),
    ],
)
def test_glued_sentences_are_cut(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Herbs (e.g.Valerian) may help.",  # abbreviation with internal period
        "Ask Dr.Smith about it.",  # known abbreviation
        "Visit www.NIH.gov for more.",  # link
        "See nih.gov/Health for more.",  # link
        "It was approved in the plans.FDA review.",  # acronym after the period
        "It is the No.1 Choice of users.",  # number abbreviation
        "Version 2.The end.",  # digit, not a lowercase letter, before the period
    ],
)
def test_glued_lookalikes_are_not_cut(text):
    assert sentences(text) == [text]


def test_bracketed_citations_stay_with_the_sentence_they_follow():
    text = "Kratom may improve mood.[1] Other studies disagree.[2][3] Most cases are mild."
    assert sentences(text) == ["Kratom may improve mood.[1]", "Other studies disagree.[2][3]", "Most cases are mild."]


# --------------------------------------------------------------------------- lexicons


def test_abbreviation_lexicon_is_an_immutable_set_of_lowercase_words():
    assert isinstance(seg.ABBREVIATIONS, frozenset)
    assert all(a == a.lower() and not a.endswith(".") and " " not in a for a in seg.ABBREVIATIONS)
    wanted = {"mg", "mcg", "ml", "kg", "approx", "e.g", "i.e", "etc", "vs", "dr", "prof", "fig", "st", "jr",
              "inc", "ltd", "u.s", "ca", "min", "max", "hr", "hrs", "wk", "wks", "mo", "yr", "yrs", "al",
              "resp", "incl", "dept", "univ", "vol", "pp", "eds"}
    assert wanted <= seg.ABBREVIATIONS
    # Deliberately left out, see the file's header: they end sentences in health text.
    assert not {"g", "ed", "md", "ms", "no", "in"} & seg.ABBREVIATIONS
    assert ("no", "##number##") in seg.ABBREVIATION_COLLOCATIONS


def test_abbreviation_file_has_no_duplicates():
    path = REPO / "src" / "pipeline" / "lexicons" / "abbreviations.txt"
    entries = [line.split("# ")[0].split() for line in path.read_text().splitlines()]
    words = [e[0] for e in entries if e and not e[0].startswith("#")]
    assert len(words) == len(set(words))


@pytest.mark.parametrize(
    "content",
    ["Mg\n", "mg.\n", "mg extra words\n", "no ##word##\n"],
)
def test_bad_abbreviation_lines_are_rejected(tmp_path, content):
    path = tmp_path / "abbreviations.txt"
    path.write_text("# header\n" + content)
    with pytest.raises(ValueError):
        seg.load_abbreviations(path)


def test_abbreviation_comments(tmp_path):
    path = tmp_path / "abbreviations.txt"
    path.write_text("# a comment\nal    # et al.\nno ##number##\n\n#\n")
    assert seg.load_abbreviations(path) == (frozenset({"al"}), frozenset({("no", "##number##")}))


def test_trained_parameters_are_json_and_read_only():
    params = seg.PUNKT_PARAMS
    assert params is not None, "src/pipeline/lexicons/punkt_params.json is missing (scripts/train_punkt.py)"
    assert isinstance(params, MappingProxyType)
    assert isinstance(params["sent_starters"], frozenset) and "the" in params["sent_starters"]
    ortho = params["ortho_context"]
    assert isinstance(ortho, MappingProxyType)
    assert ortho["no-such-word-xyz"] == 0
    assert "no-such-word-xyz" not in ortho  # asking does not grow the table
    assert seg.load_punkt_params(Path("/nonexistent/punkt_params.json")) is None


# --------------------------------------------------------------------------- fast path


_CONTEXT_ALPHABET = "aAzZ9.?!-)(\"'[ ]\t,;:"
# Contexts shaped like the ones Punkt builds: previous word, end mark, what follows.
_CONTEXTS = st.one_of(
    st.text(alphabet=_CONTEXT_ALPHABET, min_size=1, max_size=12),
    st.tuples(
        st.one_of(st.sampled_from(["mg", "us", "etc", "dr", "e.g", "i.e", "U.S", "al", "no", "Jr"]),
                  st.text(alphabet="aAzZ9-.)(\"'", max_size=6)),
        st.sampled_from(".?!"),
        st.one_of(
            st.sampled_from([")", "]", '"', "'", "?", ";"]),
            st.tuples(st.text(" \t", min_size=1, max_size=2),
                      st.text(alphabet="aAzZ9.-([\"'", min_size=1, max_size=5)).map("".join),
        ),
    ).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_CONTEXTS)
def test_fast_path_decides_every_context_as_punkt_does(context):
    assert FAST.text_contains_sentbreak(context) == PLAIN.text_contains_sentbreak(context)


@pytest.mark.parametrize(
    "context",
    ["plans. Opioid", "plans. - next", "plans.)", "cells). The", "well-being. It", "safe? Yes", "mg. Take",
     "U.S. The", "5 g. Then", "brain.. It", "etc.) The", "2019. The", "a. b", "word. ."],
)
def test_fast_path_on_common_contexts(context):
    assert FAST.text_contains_sentbreak(context) == PLAIN.text_contains_sentbreak(context)


# --------------------------------------------------------------------------- gold set


def test_gold_file_is_well_formed():
    records = bench.read_gold_records()
    assert len(records) >= 40
    assert sum(r["source"] == "medquad" for r in records) >= 20
    assert sum(r["source"] == "inline" for r in records) >= 20
    for r in records:
        assert r["source"] in {"inline", "medquad"}
        b = r["boundaries"]
        assert b == sorted(set(b)) and b[0] > 0
        if r["source"] == "inline":
            assert set(r) == {"source", "text", "boundaries", "note"}
            assert b[-1] == len(r["text"].rstrip())
        else:
            assert set(r) == {"source", "doc_id", "start", "end", "boundaries", "note"}
            assert b[-1] == r["end"] - r["start"]


def test_gold_boundary_f1_on_inline_passages():
    passages, _ = bench.load_gold(corpus=Path("/nonexistent"))
    scores = bench.score(passages, segment)
    assert scores.f1 >= 0.93, (scores, bench.errors(passages, segment))


@needs_medquad
def test_gold_boundary_f1_on_all_passages():
    passages, skipped = bench.load_gold(corpus=MEDQUAD)
    assert skipped == 0
    for p in passages:
        assert p.text == p.text.strip() and p.boundaries[-1] == len(p.text)
        assert_valid_spans(p.text, segment(p.text))
    scores = bench.score(passages, segment)
    assert scores.f1 >= 0.93, (scores, bench.errors(passages, segment))


@needs_medquad
def test_fast_path_gives_the_same_segments_on_gold_passages():
    passages, _ = bench.load_gold(corpus=MEDQUAD)
    for p in passages:
        assert segment(p.text) == segment(p.text, tokenizer=PLAIN)


def test_medquad_normalization():
    raw = "Key Points\n                    - Adult ALL is a cancer.    - Leukemia may\taffect cells.  \n  "
    assert bench.normalize_medquad(raw) == "Key Points\n- Adult ALL is a cancer. - Leukemia may affect cells.\n"


# --------------------------------------------------------------------------- properties


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_never_raises_and_spans_are_valid_on_any_unicode(text):
    assert_valid_spans(text, segment(text))


_PROSE = st.lists(
    st.sampled_from(
        ["Kratom", "is", "a", "herb", "e.g.", "U.S.", "Dr.", "mg.", "5", "0.5", "No.", "(see", "below)",
         ".", "..", "...", "?", "!", "\"", "'", "-", "*", "1.", "a)", "#", "##", "\n", "\n\n", " ", "  ",
         "plans.Opioid", "[1]", "etc.", "M.M.", "Title", "Case", "www.nih.gov", "\t", "•", ":", ";"]
    ),
    max_size=60,
).map(" ".join)


@settings(max_examples=250, deadline=None)
@given(st.one_of(_PROSE, _PROSE.map(lambda s: s.replace(" ", ""))))
def test_spans_are_valid_and_the_fast_path_changes_nothing_on_tricky_text(text):
    segments = segment(text)
    assert_valid_spans(text, segments)
    assert segments == segment(text, tokenizer=PLAIN)


# --------------------------------------------------------------------------- span_tokenize, long lines

_SPAN_PIECES = st.sampled_from(
    ["Kratom", "it", "A", "Ok.", "x.", "e.g.", "Dr.", "U.S.", "5.", ".", "..", "?", "!", "?!", "-", "--", ")", "(",
     "]", "}", '"', "'", "\u2019", "\u201d", "\u00bb", ").", '."', ".)", ")--", " ", "  ", "\t", "\x0b", "\x1c",
     "\x1f", "\u00a0", "\u2028", "\u3000", "\n", ":", ";", "*", "[1]"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SPAN_PIECES, max_size=40).map("".join))
def test_fast_span_tokenize_equals_nltks(text):
    """_FastPunkt.span_tokenize re-implements nltk's candidate search, slicing and realignment
    (with the stdlib re, whose \\s also matches U+001C..U+001F): the same spans."""
    assert list(FAST.span_tokenize(text)) == list(PLAIN.span_tokenize(text))


def _segments_without_window_cuts(text, monkeypatch, window, tokenizer=None):
    """segment() with Punkt windows of ``window`` characters; None if a window had to be cut
    where it ends (no two spaces in it), where the result may differ by design."""
    hard_cuts = []
    real_cut = seg._window_cut

    def spy(*args):
        cut = real_cut(*args)
        hard_cuts.append(cut is None)
        return cut

    monkeypatch.setattr(seg, "_window_cut", spy)
    monkeypatch.setattr(seg, "PUNKT_WINDOW", window)
    try:
        result = segment(text, tokenizer=tokenizer)
    finally:
        monkeypatch.undo()
    return None if any(hard_cuts) else result


_LONG_LINES = st.lists(st.sampled_from(
    ["Kratom", "is", "a", "herb", "e.g.", "U.S.", "Dr.", "mg.", "5", "No.", "(see", "below)", ".", "...", "?", "!",
     '"', "'", "It", "The", "A.", "ok!!", ").", '."', ".)", ")--", "x.)", "etc.", "M.M.", "[1]", "  ", "\t", "\u00a0"]),
    min_size=20, max_size=150).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_LONG_LINES, st.integers(40, 90))
def test_punkt_windows_change_nothing(monkeypatch, text, window):
    """Long lines are read by Punkt in windows (segment.PUNKT_WINDOW, 20,000 characters); the
    breaks kept from each window and the carried-over open sentence give Punkt's segments."""
    expected_fast, expected_plain = segment(text), segment(text, tokenizer=PLAIN)
    fast = _segments_without_window_cuts(text, monkeypatch, window)
    if fast is not None:
        assert fast == expected_fast
    plain = _segments_without_window_cuts(text, monkeypatch, window, PLAIN)
    if plain is not None:
        assert plain == expected_plain


@needs_medquad
@pytest.mark.parametrize("window", [300, 2000])
def test_punkt_windows_change_nothing_on_gold_passages(monkeypatch, window):
    passages, _ = bench.load_gold(corpus=MEDQUAD)
    for p in passages:
        windowed = _segments_without_window_cuts(p.text, monkeypatch, window)
        assert windowed is None or windowed == segment(p.text), p.name


def test_a_long_line_of_dense_periods_is_one_segment_every_time():
    """'a. a. a. ...' takes Punkt's slow path at every period; on one long line nltk's 5 s
    regex timeout used to end the line (or not, depending on the load)."""
    text = "a. " * 100_000  # the first "a." is a list marker
    assert segment(text) == [Segment(3, len(text) - 1, False, True)]


def test_candidate_pattern_is_nltks():
    """_PERIOD_CONTEXT is PunktLanguageVars.period_context_re for the stdlib re (nltk compiles
    it with the `regex` module, whose \\s differs from re's on U+001C..U+001F): the same
    matches next to every character of the first 8,500 code points and the Unicode spaces."""
    from nltk.tokenize.punkt import PunktLanguageVars

    lang_vars = PunktLanguageVars()
    assert tuple(lang_vars.sent_end_chars) == (".", "?", "!")
    theirs = lang_vars.period_context_re()
    chars = [chr(c) for c in range(0x2100)] + list("\u2028\u2029\u202f\u205f\u3000\ufeff\u1680\u180e")
    probes = "".join(f"{end}{ch}x {end}{ch}{ch}x {end} {ch} " for ch in chars for end in ".?!")

    def found(pattern):
        return [(m.span(), m.group("after_tok"), m.span("next_tok")) for m in pattern.finditer(probes)]

    assert found(seg._PERIOD_CONTEXT) == found(theirs)
