"""Aggregates: claim frequency, per-document metrics, per-subject corpus metrics.

Counting rules (../shared/DESIGN.md): a mention in a repeated sentence is not
counted; a claim counts once per document per canonical key in
``n_documents``; independent sources are near-duplicate clusters; cross-document
rates only count pairs whose documents are in different clusters.
"""

from __future__ import annotations

from collections import defaultdict
from math import comb

import pandas as pd

from pipeline.contradict import _candidate_pairs, comparable_groups
from pipeline.schemas import CLAIM_FREQUENCY, CORPUS_METRICS, DOCUMENT_METRICS

ALL = "__all__"
SELF_CONTRADICTING = ("contradiction", "hedged")


def _doc_time(documents: pd.DataFrame) -> pd.Series:
    published = pd.to_datetime(documents["published"], utc=True)
    ingested = pd.to_datetime(documents["ingested_at"], utc=True)
    return published.fillna(ingested)


def claim_frequency(claims: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    live = claims[~claims["is_repeat"]]
    if live.empty:
        return pd.DataFrame(columns=CLAIM_FREQUENCY.columns)
    docs = documents.set_index("doc_id")
    seen = _doc_time(documents)
    seen.index = documents["doc_id"]
    live = live.assign(cluster_id=live["doc_id"].map(docs["cluster_id"]), seen=live["doc_id"].map(seen))
    parts = live["claim_key"].str.split("|", expand=True)
    live = live.assign(dose_band=parts[5])
    out = live.groupby("claim_key", sort=True).agg(
        subject_norm=("subject_norm", "first"), predicate=("predicate", "first"),
        outcome_norm=("outcome_norm", "first"), direction=("direction", "first"),
        polarity=("polarity", "first"), dose_band=("dose_band", "first"),
        n_mentions=("claim_id", "size"), n_documents=("doc_id", "nunique"),
        n_clusters=("cluster_id", "nunique"), first_seen=("seen", "min"), last_seen=("seen", "max"),
        example_claim_id=("claim_id", "min"),
    ).reset_index()
    return out[CLAIM_FREQUENCY.columns]


def _comparable_counts(claims: pd.DataFrame, cluster: dict[str, str]):
    """Comparable pairs: distinct intra-document claim pairs per document (a pair comparable
    in two groups counts once), and pairs across independent clusters per subject."""
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
            continue  # its pairs are also comparable by outcome; counted there
        per_cluster = defaultdict(int)
        for c in members:
            per_cluster[cluster[c.doc_id]] += 1
        cross[key[1]] += comb(len(members), 2) - sum(comb(k, 2) for k in per_cluster.values())
    return {d: len(p) for d, p in intra.items()}, cross


def document_metrics(documents, sentences, claims, contradictions) -> pd.DataFrame:
    cluster = dict(zip(documents["doc_id"], documents["cluster_id"]))
    intra_pairs, _ = _comparable_counts(claims, cluster)
    ids = documents["doc_id"]
    n_sent = sentences.groupby("doc_id").size()
    n_claims = claims[~claims["is_repeat"]].groupby("doc_id").size()
    intra = contradictions[contradictions["scope"] == "intra_document"]
    by_verdict = intra.groupby(["doc_id_a", "verdict"]).size().unstack(fill_value=0) if not intra.empty \
        else pd.DataFrame(columns=["contradiction", "conditional", "hedged"])
    def count(verdict):
        col = by_verdict[verdict] if verdict in by_verdict else pd.Series(dtype="int64")
        return ids.map(col).fillna(0).astype("int64").values
    out = pd.DataFrame({
        "doc_id": ids.values,
        "n_sentences": ids.map(n_sent).fillna(0).astype("int64").values,
        "n_claims": ids.map(n_claims).fillna(0).astype("int64").values,
        "n_comparable_pairs": ids.map(intra_pairs).fillna(0).astype("int64").values,
        "n_contradictions": count("contradiction"),
        "n_conditional": count("conditional"),
        "n_hedged": count("hedged"),
    })
    pairs = out["n_comparable_pairs"].clip(lower=out["n_contradictions"] + out["n_conditional"] + out["n_hedged"])
    out["n_comparable_pairs"] = pairs
    out["self_contradiction_rate"] = (out["n_contradictions"] / pairs.where(pairs > 0)).fillna(0.0)
    out["has_self_contradiction"] = (out["n_contradictions"] + out["n_hedged"]) > 0
    return out[DOCUMENT_METRICS.columns].sort_values("doc_id").reset_index(drop=True)


def corpus_metrics(documents, claims, contradictions, run_id: str) -> pd.DataFrame:
    cluster = dict(zip(documents["doc_id"], documents["cluster_id"]))
    _, cross_pairs = _comparable_counts(claims, cluster)
    live = claims[~claims["is_repeat"]]
    intra_bad = contradictions[(contradictions["scope"] == "intra_document")
                               & contradictions["verdict"].isin(SELF_CONTRADICTING)]
    cross_bad = contradictions[(contradictions["scope"] == "cross_document") & ~contradictions["same_cluster"]
                               & contradictions["verdict"].isin(SELF_CONTRADICTING)]
    # one pass per table (grouped), not one boolean mask per subject
    docs_of = {k: set(v) for k, v in live.groupby("subject_norm")["doc_id"]}
    claims_of = live.groupby("subject_norm").size().to_dict()
    selfc_of = {k: set(v) for k, v in intra_bad.groupby("subject_norm")["doc_id_a"]}
    bad_of = cross_bad.groupby("subject_norm").size().to_dict()
    rows = []
    for subject in [ALL, *sorted(docs_of)]:
        if subject == ALL:
            docs = set(documents["doc_id"])
            n_claims = len(live)
            selfc = set(intra_bad["doc_id_a"])
            n_pairs = sum(cross_pairs.values())
            n_bad = len(cross_bad)
        else:
            docs = docs_of[subject]
            n_claims = claims_of[subject]
            selfc = selfc_of.get(subject, set())
            n_pairs = cross_pairs.get(subject, 0)
            n_bad = int(bad_of.get(subject, 0))
        n_pairs = max(n_pairs, n_bad)
        rows.append({
            "run_id": run_id, "subject_norm": subject,
            "n_documents": len(docs), "n_clusters": len({cluster[d] for d in docs}),
            "n_claims": int(n_claims), "n_self_contradicting": len(selfc & docs),
            "share_self_contradicting": (len(selfc & docs) / len(docs)) if docs else 0.0,
            "n_cross_document_pairs": int(n_pairs), "n_cross_document_contradictions": int(n_bad),
            "cross_document_contradiction_rate": (n_bad / n_pairs) if n_pairs else 0.0,
        })
    return pd.DataFrame(rows, columns=CORPUS_METRICS.columns)
