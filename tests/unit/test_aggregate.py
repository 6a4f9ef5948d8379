"""pipeline.aggregate on hand-built claims: claim frequency (repeats excluded, documents,
independent clusters), per-document metrics and per-subject corpus metrics."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.aggregate import ALL, claim_frequency, corpus_metrics, document_metrics
from pipeline.contradict import find_contradictions
from pipeline.schemas import CLAIM_FREQUENCY, CORPUS_METRICS, DOCUMENT_METRICS
from tests.claim_factory import T0, claim, claims_frame, documents_frame

RUN = "run-test"


def worsens(cid, **kw):
    return claim(cid, predicate="causes", outcome_norm="insomnia", direction=1, **kw)


def improves(cid, **kw):
    return claim(cid, predicate="decreases", outcome_norm="insomnia", direction=-1, **kw)


def frequency(*rows, clusters=None, published=None) -> pd.DataFrame:
    claims = claims_frame(*rows)
    return claim_frequency(claims, documents_frame(claims, clusters, published=published))


def only_row(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1, frame.to_string()
    return frame.iloc[0]


def sentences_for(claims: pd.DataFrame, extra: dict[str, int] | None = None) -> pd.DataFrame:
    """One sentence row per distinct sentence_id (only doc_id is read), plus ``extra`` per doc."""
    rows = claims[["sentence_id", "doc_id"]].drop_duplicates().to_dict("records")
    for doc, n in (extra or {}).items():
        rows += [{"sentence_id": f"{doc}:extra{i}", "doc_id": doc} for i in range(n)]
    return pd.DataFrame(rows, columns=["sentence_id", "doc_id"])


def metrics(*rows, clusters=None, extra_docs=()):
    claims = claims_frame(*rows)
    docs = documents_frame(claims, clusters, extra_docs=extra_docs)
    pairs = find_contradictions(claims, docs)
    return claims, docs, pairs


def doc_metrics(*rows, clusters=None, extra_docs=()) -> pd.DataFrame:
    claims, docs, pairs = metrics(*rows, clusters=clusters, extra_docs=extra_docs)
    return document_metrics(docs, sentences_for(claims), claims, pairs).set_index("doc_id")


def corp_metrics(*rows, clusters=None, extra_docs=()) -> pd.DataFrame:
    claims, docs, pairs = metrics(*rows, clusters=clusters, extra_docs=extra_docs)
    return corpus_metrics(docs, claims, pairs, RUN).set_index("subject_norm")


# ------------------------------------------------------------------ claim_frequency


def test_claim_frequency_has_the_declared_columns():
    assert list(frequency(worsens("c1")).columns) == CLAIM_FREQUENCY.columns


def test_one_row_per_canonical_claim():
    out = frequency(worsens("c1"), worsens("c2", doc_id="d2"), improves("c3"))
    assert sorted(out["claim_key"]) == ["kava|causes|insomnia|1|affirmed|any",
                                        "kava|decreases|insomnia|-1|affirmed|any"]


def test_mentions_documents_and_clusters_are_counted():
    out = only_row(frequency(worsens("c1", doc_id="d1"), worsens("c2", doc_id="d1"),
                             worsens("c3", doc_id="d2")))
    assert (out.n_mentions, out.n_documents, out.n_clusters) == (3, 2, 2)


def test_near_duplicate_documents_count_as_one_cluster():
    out = only_row(frequency(worsens("c1", doc_id="d1"), worsens("c2", doc_id="d2"),
                             clusters={"d2": "d1"}))
    assert (out.n_documents, out.n_clusters) == (2, 1)


def test_repeated_mentions_are_not_counted():
    out = only_row(frequency(worsens("c1"), worsens("c2", is_repeat=True)))
    assert out.n_mentions == 1


def test_only_repeated_mentions_give_no_row():
    out = frequency(worsens("c1", is_repeat=True))
    assert out.empty and list(out.columns) == CLAIM_FREQUENCY.columns


def test_key_fields_and_dose_band_come_from_the_claims():
    out = only_row(frequency(worsens("c1", dose_level="high")))
    assert (out.subject_norm, out.predicate, out.outcome_norm, out.direction, out.polarity, out.dose_band) == \
        ("kava", "causes", "insomnia", 1, "affirmed", "high")


def test_example_claim_is_the_smallest_claim_id():
    assert only_row(frequency(worsens("c9"), worsens("c2"), worsens("c5"))).example_claim_id == "c2"


def test_first_and_last_seen_use_publication_time_else_ingestion_time():
    t_old = pd.Timestamp("2020-01-01", tz="UTC")
    out = only_row(frequency(worsens("c1", doc_id="d1"), worsens("c2", doc_id="d2"),
                             published={"d1": t_old}))
    assert (out.first_seen, out.last_seen) == (t_old, T0)


# ------------------------------------------------------------------ document_metrics


def test_document_metrics_has_the_declared_columns_and_one_row_per_document():
    claims, docs, pairs = metrics(worsens("c1"), extra_docs=("d2",))
    out = document_metrics(docs, sentences_for(claims), claims, pairs)
    assert list(out.columns) == DOCUMENT_METRICS.columns
    assert list(out["doc_id"]) == ["d1", "d2"]


def test_counts_sentences_and_non_repeated_claims():
    claims, docs, pairs = metrics(worsens("c1", sentence="s1"), worsens("c2", sentence="s2", is_repeat=True))
    out = document_metrics(docs, sentences_for(claims, {"d1": 3}), claims, pairs).set_index("doc_id")
    assert (out.loc["d1", "n_sentences"], out.loc["d1", "n_claims"]) == (5, 1)


def test_self_contradiction_rate_is_contradictions_over_comparable_pairs():
    # three claims on one outcome: 3 comparable pairs, 2 of them opposed
    out = doc_metrics(worsens("c1"), worsens("c2"), improves("c3")).loc["d1"]
    assert (out.n_comparable_pairs, out.n_contradictions) == (3, 2)
    assert out.self_contradiction_rate == pytest.approx(2 / 3)
    assert out.has_self_contradiction


def test_document_without_claims_has_zero_rates():
    out = doc_metrics(worsens("c1"), extra_docs=("d2",)).loc["d2"]
    assert (out.n_claims, out.n_comparable_pairs, out.n_contradictions) == (0, 0, 0)
    assert out.self_contradiction_rate == 0.0
    assert not out.has_self_contradiction


def test_hedged_pair_is_a_self_contradiction_but_not_in_the_rate():
    out = doc_metrics(worsens("c1", modality="possible"), improves("c2")).loc["d1"]
    assert (out.n_hedged, out.n_contradictions, out.self_contradiction_rate) == (1, 0, 0.0)
    assert out.has_self_contradiction


def test_conditional_pair_is_not_a_self_contradiction():
    out = doc_metrics(worsens("c1", dose_level="high"), improves("c2", dose_level="low")).loc["d1"]
    assert (out.n_conditional, out.n_contradictions) == (1, 0)
    assert not out.has_self_contradiction


def test_cross_document_pairs_do_not_count_in_document_metrics():
    out = doc_metrics(worsens("c1", doc_id="d1"), improves("c2", doc_id="d2"))
    assert out["n_comparable_pairs"].tolist() == [0, 0]
    assert not out["has_self_contradiction"].any()


def test_rates_are_between_zero_and_one():
    out = doc_metrics(worsens("c1"), worsens("c2"), improves("c3"), improves("c4", modality="possible"),
                      claim("c5", predicate="safe", outcome_norm="side_effects", direction=0),
                      claim("c6", predicate="causes", outcome_norm="nausea"),
                      worsens("c7", doc_id="d2"))
    assert out["self_contradiction_rate"].between(0, 1).all()


# ------------------------------------------------------------------ corpus_metrics


def test_corpus_metrics_has_the_declared_columns_and_an_all_row_first():
    claims, docs, pairs = metrics(worsens("c1"), worsens("c2", subject_norm="melatonin"))
    out = corpus_metrics(docs, claims, pairs, RUN)
    assert list(out.columns) == CORPUS_METRICS.columns
    assert list(out["subject_norm"]) == [ALL, "kava", "melatonin"]
    assert set(out["run_id"]) == {RUN}


def test_all_row_counts_every_document():
    out = corp_metrics(worsens("c1", doc_id="d1"), worsens("c2", doc_id="d2", subject_norm="melatonin"),
                       extra_docs=("d3",))
    assert out.loc[ALL, "n_documents"] == 3
    assert (out.loc["kava", "n_documents"], out.loc["melatonin", "n_documents"]) == (1, 1)


def test_share_of_self_contradicting_documents():
    out = corp_metrics(worsens("c1", doc_id="d1"), improves("c2", doc_id="d1"), worsens("c3", doc_id="d2"))
    assert out.loc[ALL, "n_self_contradicting"] == 1
    assert out.loc[ALL, "share_self_contradicting"] == pytest.approx(1 / 2)


def test_cross_document_pair_across_clusters_counts():
    out = corp_metrics(worsens("c1", doc_id="d1"), improves("c2", doc_id="d2"))
    row = out.loc["kava"]
    assert (row.n_cross_document_pairs, row.n_cross_document_contradictions) == (1, 1)
    assert row.cross_document_contradiction_rate == 1.0


def test_cross_document_pair_inside_one_cluster_does_not_count():
    out = corp_metrics(worsens("c1", doc_id="d1"), improves("c2", doc_id="d2"), clusters={"d2": "d1"})
    row = out.loc["kava"]
    assert (row.n_cross_document_pairs, row.n_cross_document_contradictions) == (0, 0)
    assert row.cross_document_contradiction_rate == 0.0
    assert out.loc["kava", "n_clusters"] == 1


def test_agreeing_cross_document_claims_are_pairs_without_contradiction():
    out = corp_metrics(worsens("c1", doc_id="d1"), worsens("c2", doc_id="d2"), improves("c3", doc_id="d3"))
    row = out.loc["kava"]
    assert (row.n_cross_document_pairs, row.n_cross_document_contradictions) == (3, 2)
    assert row.cross_document_contradiction_rate == pytest.approx(2 / 3)


def test_conditional_cross_document_pair_is_not_a_contradiction():
    out = corp_metrics(worsens("c1", doc_id="d1", population="children"),
                       improves("c2", doc_id="d2", population="adults"))
    assert (out.loc["kava", "n_cross_document_pairs"], out.loc["kava", "n_cross_document_contradictions"]) == (1, 0)


def test_corpus_rates_are_between_zero_and_one():
    out = corp_metrics(worsens("c1", doc_id="d1"), improves("c2", doc_id="d1"), improves("c3", doc_id="d2"),
                       worsens("c4", doc_id="d3", modality="possible"), clusters={"d3": "d2"})
    assert out["share_self_contradicting"].between(0, 1).all()
    assert out["cross_document_contradiction_rate"].between(0, 1).all()
