"""Aggregates: claim frequency, per-document metrics, per-subject corpus metrics.

Counting rules (../shared/DESIGN.md): a mention in a repeated sentence is not
counted; a claim counts once per document per canonical key in
``n_documents``; independent sources are near-duplicate clusters; cross-document
rates only count pairs whose documents are in different clusters.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.contradict import _safety_role, comparable_groups
from pipeline.schemas import CLAIM_FREQUENCY, CORPUS_METRICS, DOCUMENT_METRICS

ALL = "__all__"
SELF_CONTRADICTING = ("contradiction", "hedged")
# the claim fields that decide the comparable groups of a claim (pipeline.contradict)
GROUP_FIELDS = ("subject_norm", "outcome_norm", "predicate", "polarity", "direction", "value_unit",
                "dose_level", "dose_min", "dose_max", "dose_unit")
_DOSE_BAND = r"^(?:[^|]*\|){5}([^|]*)"  # the 6th field of a claim_key


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
    out = live.groupby("claim_key", sort=True).agg(
        subject_norm=("subject_norm", "first"), predicate=("predicate", "first"),
        outcome_norm=("outcome_norm", "first"), direction=("direction", "first"),
        polarity=("polarity", "first"),
        n_mentions=("claim_id", "size"), n_documents=("doc_id", "nunique"),
        n_clusters=("cluster_id", "nunique"), first_seen=("seen", "min"), last_seen=("seen", "max"),
        example_claim_id=("claim_id", "min"),
    ).reset_index()
    # the dose band is the 6th field of the key: read once per key, not once per mention
    out["dose_band"] = out["claim_key"].str.extract(_DOSE_BAND, expand=False)
    return out[CLAIM_FREQUENCY.columns]


class ComparableCounts:
    """Comparable claim pairs among the non-repeated claims, counted as the contradiction
    finder forms them (the groups of ``pipeline.contradict.comparable_groups``):

    * ``intra``: per document, its distinct comparable pairs (a pair comparable in two
      groups counts once);
    * ``cross``: per subject, the pairs across independent sources (documents in different
      near-duplicate clusters), over the outcome and numeric groups, and safe x harm pairs
      of the safety groups (dose-label pairs are also comparable by outcome: counted there).

    Vectorised: ``comparable_groups`` runs once per distinct combination of the fields that
    decide a claim's groups (``GROUP_FIELDS``), not once per claim, and the pairs are counted
    from group, document and cluster sizes. Only the pairs inside one document and one group
    are listed, to find the distinct ones."""

    def __init__(self, claims: pd.DataFrame, cluster: dict[str, str]):
        live = claims.loc[~claims["is_repeat"].astype(bool), ["claim_id", "doc_id", *GROUP_FIELDS]]
        members = _group_members(live)  # (group, row, role, kind, subject) per membership
        doc_code, doc_names = pd.factorize(pd.Series(live["doc_id"].to_numpy(dtype=object)))
        clusters = pd.Series(doc_names, dtype=object).map(cluster)
        clusters = clusters.where(clusters.notna(), pd.Series(doc_names, dtype=object))  # no row: own cluster
        rows = members["row"].to_numpy()
        members["doc"] = doc_code[rows]
        members["cluster"] = pd.factorize(clusters)[0][doc_code[rows]]
        members["claim"] = pd.factorize(pd.Series(live["claim_id"].to_numpy(dtype=object)))[0][rows]
        self.intra = _intra_pairs(members, doc_names)
        self.cross = _cross_pairs(members)


def _group_members(live: pd.DataFrame) -> pd.DataFrame:
    """One row per (comparable group, claim) with the claim's row number in ``live``, its
    safety role ("safe"/"harm", safety groups only), the group's kind and subject."""
    columns = ["group", "row", "role", "kind", "subject"]
    if live.empty:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c in ("group", "row") else object)
                             for c in columns})
    fields = list(GROUP_FIELDS)
    combo = live.groupby(fields, dropna=False, sort=False).ngroup().to_numpy()
    first = np.unique(combo, return_index=True)[1]
    distinct = live.iloc[first][fields].reset_index(drop=True)
    distinct.insert(0, "claim_id", np.arange(len(distinct)))  # the record number
    groups = comparable_groups(distinct)
    # A key holding a NaN float never equals another claim's key (NaN != NaN, and each claim
    # brings its own NaN object; dose_label keys hold None for an open dose range instead, see
    # contradict._key_part): such a group only ever holds one claim -- here it would hold
    # a combination of many. Building the keys of their members again tells those keys apart
    # from keys that hold a NaN shared by all claims (e.g. a missing string).
    suspect = {key for key in groups if any(isinstance(x, float) and math.isnan(x) for x in key)}
    rows = sorted({rec.claim_id for key in suspect for rec in groups[key]})
    again = comparable_groups(distinct.iloc[rows]) if rows else {}
    records = []
    for number, (key, recs) in enumerate(groups.items()):
        if key in suspect and key not in again:
            continue
        safety = key[0] == "safety"
        for rec in recs:
            records.append((number, rec.claim_id, _safety_role(rec) if safety else None, key[0], key[1]))
    per_combo = pd.DataFrame(records, columns=["group", "combo", "role", "kind", "subject"])
    rows = pd.DataFrame({"combo": combo, "row": np.arange(len(combo))})
    return per_combo.merge(rows, on="combo")[columns]


def _intra_pairs(members: pd.DataFrame, doc_names) -> dict[str, int]:
    """Distinct comparable pairs per document: pairs of members of one group in one document
    (safe x harm in a safety group)."""
    if members.empty:
        return {}
    m = members[["group", "doc", "claim", "role", "kind"]]
    # only (group, document) cells with two or more claims can hold a pair
    m = m[m.groupby(["group", "doc"])["claim"].transform("size") > 1]
    pairs = m.merge(m[["group", "doc", "claim", "role"]], on=["group", "doc"], suffixes=("_a", "_b"))
    safety = pairs["kind"].to_numpy() == "safety"
    keep = np.where(safety, (pairs["role_a"] == "safe").to_numpy() & (pairs["role_b"] == "harm").to_numpy(),
                    pairs["claim_a"].to_numpy() < pairs["claim_b"].to_numpy())
    pairs = pairs[keep]
    lo = np.minimum(pairs["claim_a"].to_numpy(), pairs["claim_b"].to_numpy())
    hi = np.maximum(pairs["claim_a"].to_numpy(), pairs["claim_b"].to_numpy())
    distinct = pd.DataFrame({"doc": pairs["doc"].to_numpy(), "lo": lo, "hi": hi}).drop_duplicates()
    counts = distinct.groupby("doc").size()
    return {doc_names[d]: int(n) for d, n in counts.items()}


def _cross_pairs(members: pd.DataFrame) -> dict[str, int]:
    """Per subject, comparable pairs whose documents are in different clusters."""
    m = members[members["kind"] != "dose_label"]
    if m.empty:
        return {}
    safety = m["kind"].to_numpy() == "safety"
    out: dict = {}
    # outcome / numeric groups: all pairs of the group minus those inside one cluster
    plain = m[~safety]
    if len(plain):
        n = plain.groupby("group").size()
        k = plain.groupby(["group", "cluster"]).size()
        across = (n * (n - 1) // 2).sub((k * (k - 1) // 2).groupby(level="group").sum(), fill_value=0)
        subject = plain.groupby("group")["subject"].first()
        for s, v in across.groupby(subject.loc[across.index].to_numpy(), sort=False, dropna=False).sum().items():
            out[s] = out.get(s, 0) + int(v)
    # safety groups: safe x harm pairs minus those inside one cluster
    risky = m[safety]
    if len(risky):
        safe = (risky["role"] == "safe").astype("int64")
        harm = (risky["role"] == "harm").astype("int64")
        frame = pd.DataFrame({"group": risky["group"].to_numpy(), "cluster": risky["cluster"].to_numpy(),
                              "safe": safe.to_numpy(), "harm": harm.to_numpy()})
        g = frame.groupby("group")[["safe", "harm"]].sum()
        c = frame.groupby(["group", "cluster"])[["safe", "harm"]].sum()
        inside = (c["safe"] * c["harm"]).groupby(level="group").sum()
        across = g["safe"] * g["harm"] - inside.reindex(g.index, fill_value=0)
        subject = risky.groupby("group")["subject"].first()
        for s, v in across.groupby(subject.loc[across.index].to_numpy(), sort=False, dropna=False).sum().items():
            out[s] = out.get(s, 0) + int(v)
    return out


def comparable_counts(claims: pd.DataFrame, documents: pd.DataFrame) -> ComparableCounts:
    """The comparable pair counts ``document_metrics`` and ``corpus_metrics`` need (compute
    once and pass to both)."""
    return ComparableCounts(claims, dict(zip(documents["doc_id"], documents["cluster_id"])))


def document_metrics(documents, sentences, claims, contradictions,
                     comparable: ComparableCounts | None = None) -> pd.DataFrame:
    intra_pairs = (comparable or comparable_counts(claims, documents)).intra
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


def corpus_metrics(documents, claims, contradictions, run_id: str,
                   comparable: ComparableCounts | None = None) -> pd.DataFrame:
    cross_pairs = (comparable or comparable_counts(claims, documents)).cross
    cluster = pd.Series(documents["cluster_id"].to_numpy(dtype=object), index=documents["doc_id"].to_numpy(dtype=object))
    cluster = cluster[~cluster.index.duplicated()]
    live = claims[~claims["is_repeat"]]
    intra_bad = contradictions[(contradictions["scope"] == "intra_document")
                               & contradictions["verdict"].isin(SELF_CONTRADICTING)]
    cross_bad = contradictions[(contradictions["scope"] == "cross_document") & ~contradictions["same_cluster"]
                               & contradictions["verdict"].isin(SELF_CONTRADICTING)]
    # per subject: the distinct documents with live claims, their clusters, and which of them
    # self-contradict on that subject -- grouped once, no Python loop over documents
    docs_of = live[["subject_norm", "doc_id"]].dropna(subset=["subject_norm"]).drop_duplicates()
    docs_of = docs_of.assign(cluster=docs_of["doc_id"].map(cluster))
    selfc = intra_bad[["subject_norm", "doc_id_a"]].drop_duplicates().rename(columns={"doc_id_a": "doc_id"})
    selfc = docs_of.merge(selfc, on=["subject_norm", "doc_id"])
    by_subject = pd.DataFrame({
        "n_documents": docs_of.groupby("subject_norm").size(),
        "n_clusters": docs_of.groupby("subject_norm")["cluster"].nunique(),
        "n_claims": live.groupby("subject_norm").size(),
        "n_self_contradicting": selfc.groupby("subject_norm").size(),
        "n_bad": cross_bad.groupby("subject_norm").size(),
    })
    by_subject = by_subject.loc[by_subject["n_documents"].notna()].fillna(0).astype("int64")
    subjects = sorted(by_subject.index)
    by_subject = by_subject.loc[subjects] if subjects else by_subject
    all_docs = pd.Index(documents["doc_id"].to_numpy(dtype=object)).unique()
    n_all_self = len(pd.Index(intra_bad["doc_id_a"].to_numpy(dtype=object)).unique().intersection(all_docs))
    frame = pd.DataFrame({
        "run_id": run_id,
        "subject_norm": [ALL, *subjects],
        "n_documents": [len(all_docs), *by_subject["n_documents"]],
        "n_clusters": [cluster.reindex(all_docs).nunique(), *by_subject["n_clusters"]],
        "n_claims": [len(live), *by_subject["n_claims"]],
        "n_self_contradicting": [n_all_self, *by_subject["n_self_contradicting"]],
        "n_bad": [len(cross_bad), *by_subject["n_bad"]],
        "n_pairs": [sum(cross_pairs.values()), *(cross_pairs.get(s, 0) for s in subjects)],
    })
    frame["n_pairs"] = np.maximum(frame["n_pairs"].astype("int64"), frame["n_bad"].astype("int64"))
    n_docs = frame["n_documents"].astype("int64")
    frame["share_self_contradicting"] = (frame["n_self_contradicting"] / n_docs.where(n_docs > 0)).fillna(0.0)
    frame["n_cross_document_pairs"] = frame["n_pairs"].astype("int64")
    frame["n_cross_document_contradictions"] = frame["n_bad"].astype("int64")
    frame["cross_document_contradiction_rate"] = (
        frame["n_bad"] / frame["n_pairs"].where(frame["n_pairs"] > 0)).fillna(0.0)
    return frame[CORPUS_METRICS.columns]
