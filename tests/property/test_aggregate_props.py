"""pipeline.aggregate counts comparable pairs and per-subject metrics with grouped, vectorised
steps; over random claim sets they must equal the straightforward per-claim, per-pair
computation below (the contradiction finder's groups and candidate pairs, one by one)."""

from __future__ import annotations

from collections import defaultdict
from math import comb

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.aggregate import ALL, SELF_CONTRADICTING, comparable_counts, corpus_metrics, document_metrics
from pipeline.contradict import _candidate_pairs, comparable_groups, find_contradictions
from pipeline.io import to_arrow
from pipeline.schemas import CORPUS_METRICS, DOCUMENT_METRICS
from tests.claim_factory import claim, claims_frame, documents_frame
from tests.property.test_pairs_props import DOCUMENTS, claim_rows, frame

PROPS = settings(max_examples=60, deadline=None)


def reference_counts(claims: pd.DataFrame, cluster: dict[str, str]):
    """Distinct intra-document comparable pairs per document; cross-cluster pairs per subject."""
    intra: dict[str, set] = defaultdict(set)
    cross: dict[str, int] = defaultdict(int)
    for key, members in comparable_groups(claims[~claims["is_repeat"]]).items():
        if len(members) < 2:
            continue
        by_doc = defaultdict(list)
        for c in members:
            by_doc[c.doc_id].append(c)
        if key[0] == "safety":
            for a, b in _candidate_pairs(key, members):
                if a.doc_id == b.doc_id:
                    intra[a.doc_id].add((a.claim_id, b.claim_id))
                elif cluster[a.doc_id] != cluster[b.doc_id]:
                    cross[key[1]] += 1
            continue
        for doc_id, doc_members in by_doc.items():
            if len(doc_members) > 1:
                intra[doc_id].update((a.claim_id, b.claim_id) for a, b in _candidate_pairs(key, doc_members))
        if key[0] == "dose_label":
            continue
        per_cluster = defaultdict(int)
        for c in members:
            per_cluster[cluster[c.doc_id]] += 1
        cross[key[1]] += comb(len(members), 2) - sum(comb(k, 2) for k in per_cluster.values())
    return {d: len(p) for d, p in intra.items() if p}, {s: n for s, n in cross.items() if n}


def reference_corpus_metrics(documents, claims, contradictions, run_id):
    cluster = dict(zip(documents["doc_id"], documents["cluster_id"]))
    _, cross_pairs = reference_counts(claims, cluster)
    live = claims[~claims["is_repeat"]]
    intra_bad = contradictions[(contradictions["scope"] == "intra_document")
                               & contradictions["verdict"].isin(SELF_CONTRADICTING)]
    cross_bad = contradictions[(contradictions["scope"] == "cross_document") & ~contradictions["same_cluster"]
                               & contradictions["verdict"].isin(SELF_CONTRADICTING)]
    rows = []
    for subject in [ALL, *sorted(set(live["subject_norm"].dropna()))]:
        if subject == ALL:
            docs, n_claims, selfc = set(documents["doc_id"]), len(live), set(intra_bad["doc_id_a"])
            n_pairs, n_bad = sum(cross_pairs.values()), len(cross_bad)
        else:
            docs = set(live.loc[live["subject_norm"] == subject, "doc_id"])
            n_claims = int((live["subject_norm"] == subject).sum())
            selfc = set(intra_bad.loc[intra_bad["subject_norm"] == subject, "doc_id_a"])
            n_pairs, n_bad = cross_pairs.get(subject, 0), int((cross_bad["subject_norm"] == subject).sum())
        n_pairs = max(n_pairs, n_bad)
        rows.append({
            "run_id": run_id, "subject_norm": subject,
            "n_documents": len(docs), "n_clusters": len({cluster[d] for d in docs}),
            "n_claims": n_claims, "n_self_contradicting": len(selfc & docs),
            "share_self_contradicting": len(selfc & docs) / len(docs) if docs else 0.0,
            "n_cross_document_pairs": n_pairs, "n_cross_document_contradictions": n_bad,
            "cross_document_contradiction_rate": n_bad / n_pairs if n_pairs else 0.0,
        })
    return pd.DataFrame(rows, columns=CORPUS_METRICS.columns)


@st.composite
def claim_sets(draw) -> list[dict]:
    """2-30 claims over three documents (two of them near-duplicates), with doses (open ranges
    too), dose levels, safety claims and numeric claims."""
    return [draw(claim_rows(i)) for i in range(draw(st.integers(2, 30)))]


def normalized(frame_, spec) -> pd.DataFrame:
    return to_arrow(frame_, spec).to_pandas()


def built(rows: list[dict], declared: bool) -> pd.DataFrame:
    """As read from Parquet (declared dtypes: a missing dose is a float NaN) or as a plain
    frame (a missing dose is None)."""
    return claims_frame(*rows) if declared else frame(rows)


@PROPS
@given(claim_sets(), st.booleans())
def test_comparable_counts_equal_the_pair_by_pair_counts(rows, declared):
    claims = built(rows, declared)
    counts = comparable_counts(claims, DOCUMENTS)
    intra, cross = reference_counts(claims, dict(zip(DOCUMENTS["doc_id"], DOCUMENTS["cluster_id"])))
    assert {d: n for d, n in counts.intra.items() if n} == intra
    assert {s: n for s, n in counts.cross.items() if n} == cross


@PROPS
@given(claim_sets(), st.booleans())
def test_metrics_equal_the_straightforward_computation(rows, declared):
    claims = built(rows, declared)
    pairs = find_contradictions(claims, DOCUMENTS)
    got = normalized(corpus_metrics(DOCUMENTS, claims, pairs, "run-x"), CORPUS_METRICS)
    want = normalized(reference_corpus_metrics(DOCUMENTS, claims, pairs, "run-x"), CORPUS_METRICS)
    pd.testing.assert_frame_equal(got, want)
    sentences = claims[["sentence_id", "doc_id"]].drop_duplicates()
    metrics = normalized(document_metrics(DOCUMENTS, sentences, claims, pairs), DOCUMENT_METRICS)
    intra, _ = reference_counts(claims, dict(zip(DOCUMENTS["doc_id"], DOCUMENTS["cluster_id"])))
    busy = metrics["n_contradictions"] + metrics["n_conditional"] + metrics["n_hedged"]
    expected = np.maximum(metrics["doc_id"].map(intra).fillna(0).astype("int64"), busy)
    assert list(metrics["n_comparable_pairs"]) == list(expected)


def test_open_dose_ranges_pair_by_dose_label_like_closed_ones():
    """"up to 500 mg" has no lower bound: read from Parquet it is a float NaN. The dose-label
    group key holds None for a missing bound (NaN != NaN used to keep every such claim in a
    group of its own), so two claims alike in every grouping field pair, and the aggregates
    count them the way the contradiction finder pairs them. Side effects have no outcome
    group, so only the dose-label group can pair these two."""
    rows = [claim(f"c{i}", predicate="causes", outcome_norm="side_effects", direction=1, dose_min=None,
                  dose_max=500.0, dose_unit="mg", dose_level="high", sentence=f"s{i}") for i in range(2)]
    claims = claims_frame(*rows)
    assert claims["dose_min"].dtype == "float64"
    docs = documents_frame(claims)
    assert reference_counts(claims, {"d1": "d1"})[0] == {"d1": 1}
    assert comparable_counts(claims, docs).intra == {"d1": 1}
    closed = claims_frame(*[{**r, "dose_min": 100.0} for r in rows])
    assert reference_counts(closed, {"d1": "d1"})[0] == {"d1": 1}
    assert comparable_counts(closed, docs).intra == {"d1": 1}
    plain = frame(rows)  # a None lower bound is one object: the finder pairs them
    assert reference_counts(plain, {"d1": "d1"})[0] == comparable_counts(plain, docs).intra == {"d1": 1}
