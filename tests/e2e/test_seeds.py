"""The contradictions DESIGN.md names for the two sample articles are found.

The articles are read from ../shared/seeds (never copied here); pairs are
identified by short effect fragments quoted in DESIGN.md.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import io
from tests.conftest import SEEDS

SEED_A = "000_99e2bf04b1f5e56d.txt"
SEED_B = "001_cac51f2854f5ba8b.txt"


@pytest.fixture(scope="module")
def tables(seeds_output):
    docs = io.read_table(seeds_output, "documents")
    claims = io.read_table(seeds_output, "claims")
    pairs = io.read_table(seeds_output, "contradictions")
    file_of = dict(zip(docs["doc_id"], docs["source_path"]))
    claims["file"] = claims["doc_id"].map(file_of)
    return docs, claims, pairs


def _pairs_between(tables, file_a, frag_a, file_b, frag_b, in_sentence=False):
    _, claims, pairs = tables
    col = "sentence_text" if in_sentence else "effect"
    ids_a = set(claims[(claims["file"] == file_a) & claims[col].str.contains(frag_a, case=False, regex=False)]["claim_id"])
    ids_b = set(claims[(claims["file"] == file_b) & claims[col].str.contains(frag_b, case=False, regex=False)]["claim_id"])
    assert ids_a, f"no claim with '{frag_a}' in {file_a}"
    assert ids_b, f"no claim with '{frag_b}' in {file_b}"
    hit = pairs[(pairs["claim_id_a"].isin(ids_a) & pairs["claim_id_b"].isin(ids_b))
                | (pairs["claim_id_a"].isin(ids_b) & pairs["claim_id_b"].isin(ids_a))]
    return hit


@pytest.mark.parametrize("frag_b, verdicts", [
    ("exacerbate insomnia", {"hedged", "contradiction"}),
    ("experiencing insomnia", {"hedged", "contradiction"}),
])
def test_alleviate_vs_cause_insomnia(tables, frag_b, verdicts):
    hit = _pairs_between(tables, SEED_A, "alleviate insomnia", SEED_A, frag_b)
    assert len(hit) >= 1
    row = hit.iloc[0]
    assert row["scope"] == "intra_document"
    assert row["kind"] == "direction"
    assert row["verdict"] in verdicts
    assert row["outcome_norm"] == "insomnia"
    assert "insomnia" in row["explanation"]


def test_stimulating_vs_soothing(tables):
    hit = _pairs_between(tables, SEED_A, "stimulating", SEED_A, "soothing")
    assert set(hit["kind"]) == {"antonym"}
    assert set(hit["scope"]) == {"intra_document"}


def test_calming_and_energizing_in_one_sentence(tables):
    _, claims, _ = tables
    hit = _pairs_between(tables, SEED_B, "calming", SEED_B, "energizing")
    assert "antonym" in set(hit["kind"])
    sentence = claims.set_index("claim_id")["sentence_id"]
    antonyms = hit[hit["kind"] == "antonym"]
    same = antonyms[antonyms["claim_id_a"].map(sentence) == antonyms["claim_id_b"].map(sentence)]
    assert len(same) >= 1, "both poles come from one sentence"
    assert set(same["verdict"]) == {"contradiction"}


def test_same_dose_called_lower_and_moderate(tables):
    hit = _pairs_between(tables, SEED_B, "lower doses", SEED_B, "moderate kratom dose", in_sentence=True)
    hit = hit[hit["kind"] == "dose_label"]
    assert len(hit) == 1
    assert "1000-3000 mg" in hit.iloc[0]["explanation"]
    assert {"low", "moderate"} <= set(hit.iloc[0]["explanation"].replace(",", " ").split())


def test_cross_document_sleep_quality_vs_insomnia(tables):
    hit = _pairs_between(tables, SEED_B, "improving sleep quality", SEED_A, "exacerbate insomnia")
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row["scope"] == "cross_document"
    assert row["kind"] == "direction"
    assert row["verdict"] == "hedged"  # "potential to cause" is only possible


def test_claim_rows_carry_sentence_and_offsets(tables, seeds_output):
    docs, claims, _ = tables
    text_of = dict(zip(docs["doc_id"], docs["text"]))
    raw_of = {d: (SEEDS / f).read_text(encoding="utf-8") for d, f in zip(docs["doc_id"], docs["source_path"])}
    assert len(claims) > 20
    for c in claims.itertuples():
        text = text_of[c.doc_id]
        assert text[c.char_start:c.char_end] == c.effect
        assert c.effect in c.sentence_text
        assert c.sentence_text in text
        raw_span = raw_of[c.doc_id][c.raw_char_start:c.raw_char_end]
        # the raw span holds the same words (quotes/dashes may differ before normalization)
        assert raw_span.split()[0][:3].lower() == c.effect.split()[0][:3].lower()


SEED_FLOORS = {"claims_precision": 0.89, "claims_recall": 0.92, "pairs_precision": 0.93, "pairs_recall": 0.95}


def test_seeds_against_gold(seeds_output):
    """The seeds' gold (tests/gold/seeds_*.jsonl) locates evidence by raw offsets, never by text."""
    from pipeline.evaluate import evaluate, format_report, load_gold
    from tests.conftest import GOLD
    r = evaluate(load_gold([GOLD / "seeds_claims.jsonl", GOLD / "seeds_contradictions.jsonl"]), seeds_output)
    print(format_report(r, show_errors=False))
    assert r.claims["precision"] >= SEED_FLOORS["claims_precision"], format_report(r)
    assert r.claims["recall"] >= SEED_FLOORS["claims_recall"], format_report(r)
    assert r.contradictions["precision"] >= SEED_FLOORS["pairs_precision"], format_report(r)
    assert r.contradictions["recall"] >= SEED_FLOORS["pairs_recall"], format_report(r)
