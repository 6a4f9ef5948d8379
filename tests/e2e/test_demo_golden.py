"""Golden end-to-end test: the demo corpus through the real flow, scored against
the gold annotations in tests/gold/. The floors are regression guards: raise
them when the extractor improves, never lower them to make a change pass."""

from __future__ import annotations

import pytest

from pipeline import io
from pipeline.evaluate import evaluate, format_report, load_gold
from tests.conftest import GOLD

FLOORS = {
    "claims_precision": 0.96, "claims_recall": 0.96,
    "pairs_precision": 0.98, "pairs_recall": 0.94, "verdict_accuracy": 0.97, "kind_accuracy": 0.98,
}


@pytest.fixture(scope="module")
def result(demo_output):
    gold = load_gold([GOLD / "demo_claims.jsonl", GOLD / "demo_contradictions.jsonl"])
    r = evaluate(gold, demo_output)
    print(format_report(r, show_errors=False))
    return r


def test_claims_against_gold(result):
    assert result.claims["precision"] >= FLOORS["claims_precision"], format_report(result)
    assert result.claims["recall"] >= FLOORS["claims_recall"], format_report(result)


def test_contradictions_against_gold(result):
    assert result.contradictions["precision"] >= FLOORS["pairs_precision"], format_report(result)
    assert result.contradictions["recall"] >= FLOORS["pairs_recall"], format_report(result)
    assert result.pair_fields["verdict"] >= FLOORS["verdict_accuracy"]
    assert result.pair_fields["kind"] >= FLOORS["kind_accuracy"]
    assert result.pair_fields["scope"] == 1.0


def test_every_kind_and_verdict_is_found(result, demo_output):
    pairs = io.read_table(demo_output, "contradictions")
    assert set(pairs["kind"]) == {"direction", "negation", "antonym", "safety", "dose_label", "numeric"}
    assert set(pairs["verdict"]) == {"contradiction", "conditional", "hedged"}
    assert set(pairs["scope"]) == {"intra_document", "cross_document"}
    conditional = pairs[pairs["verdict"] == "conditional"]
    assert conditional["separating_condition"].notna().all()
    assert conditional["explanation"].str.contains("conditions differ").all()


def test_duplicates_share_a_cluster(demo_output):
    docs = io.read_table(demo_output, "documents").set_index("source_path")
    # exact duplicate (other whitespace, straight quotes, CRLF) and the spun near-duplicate
    assert docs.loc["mirror/ashwagandha-for-stress.txt", "cluster_id"] == docs.loc["ashwagandha_stress_relief.txt", "cluster_id"]
    assert docs.loc["mirror/ashwagandha-for-stress.txt", "text_hash"] == docs.loc["ashwagandha_stress_relief.txt", "text_hash"]
    assert docs.loc["blogs/valerian_sleep_aid_review.txt", "cluster_id"] == docs.loc["valerian_root_sleep.txt", "cluster_id"]
    # different articles on the same topic are not merged
    assert docs.loc["blogs/melatonin_sleep_guide.txt", "cluster_id"] != docs.loc["melatonin_faq.md", "cluster_id"]
    assert docs["is_cluster_representative"].sum() == docs["cluster_id"].nunique()
    pairs = io.read_table(demo_output, "contradictions")
    cross = pairs[pairs["scope"] == "cross_document"]
    assert cross["same_cluster"].any(), "pairs inside a near-duplicate cluster are flagged"


def test_repeated_summary_sentences_count_once(demo_output):
    sents = io.read_table(demo_output, "sentences")
    claims = io.read_table(demo_output, "claims")
    repeats = sents[sents["is_repeat"]]
    assert len(repeats) >= 4
    by_id = sents.set_index("sentence_id")
    for r in repeats.itertuples():
        assert by_id.loc[r.repeat_of, "doc_id"] == r.doc_id
        assert by_id.loc[r.repeat_of, "sentence_index"] < r.sentence_index
    freq = io.read_table(demo_output, "claim_frequency")
    live = claims[~claims["is_repeat"]]
    assert freq["n_mentions"].sum() == len(live)


def test_mojibake_and_legacy_encoding_recovered(demo_output):
    docs = io.read_table(demo_output, "documents").set_index("source_path")
    row = docs.loc["latin1_notes.txt"]
    assert row["encoding"].startswith("cp")
    assert '"' in row["text"] and "\ufffd" not in row["text"]
