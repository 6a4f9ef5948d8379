"""Deduplication: exact (hash of folded normalized text) and near-duplicate
(MinHash LSH over word shingles, datasketch), giving every document a
``cluster_id``; and repeated sentences inside one document.

Near-duplicate candidates from LSH are confirmed with the MinHash Jaccard
estimate before two documents are joined, and clusters are the connected
components of confirmed pairs (union-find), so the result does not depend on
input order. The cluster id is the smallest doc_id in the cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

WORD_RE = re.compile(r"[^\W_]+")
_PROBE = MinHash(num_perm=2)
_SCHEME, _DTYPE = _PROBE.scheme, _PROBE.hashvalues.dtype  # signatures are stored as raw bytes


@dataclass(frozen=True)
class DedupConfig:
    shingle_size: int = 3       # words per shingle; spun copies change single words, so short shingles
    num_perm: int = 128
    threshold: float = 0.5      # LSH threshold and confirmation threshold (Jaccard of shingle sets)
    min_words: int = 30         # shorter texts are only deduplicated exactly


def shingles(text: str, k: int) -> set[bytes]:
    words = WORD_RE.findall(text.lower())
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


class _UnionFind:
    def __init__(self, items):
        self.parent = {x: x for x in items}

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def signatures(texts: list[str], config: DedupConfig = DedupConfig()) -> list[bytes | None]:
    """MinHash signature bytes per text (None: too short for near-duplicate search)."""
    sets = [shingles(t, config.shingle_size) for t in texts]
    usable = [i for i, s in enumerate(sets) if len(s) >= config.min_words - config.shingle_size + 1]
    out: list[bytes | None] = [None] * len(texts)
    if usable:
        hashes = MinHash.bulk([sets[i] for i in usable], num_perm=config.num_perm)
        for i, mh in zip(usable, hashes):
            out[i] = mh.hashvalues.tobytes()
    return out


def cluster_ids(index: pd.DataFrame, config: DedupConfig = DedupConfig()) -> dict[str, str]:
    """doc_id -> cluster_id from a frame of (doc_id, text_hash, signature bytes or None)."""
    index = index.sort_values("doc_id", kind="stable")
    ids = list(index["doc_id"])
    uf = _UnionFind(ids)
    first_by_hash: dict[str, str] = {}
    for doc_id, h in zip(ids, index["text_hash"]):
        if h in first_by_hash:
            uf.union(first_by_hash[h], doc_id)
        else:
            first_by_hash[h] = doc_id
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)
    by_id: dict[str, LeanMinHash] = {}
    for doc_id, h, sig in zip(ids, index["text_hash"], index["signature"]):
        if sig is None or first_by_hash[h] != doc_id or doc_id in by_id:
            continue  # exact duplicates are already joined to their first copy
        mh = LeanMinHash(seed=1, hashvalues=np.frombuffer(sig, dtype=_DTYPE), scheme=_SCHEME)
        for other in lsh.query(mh):
            if mh.jaccard(by_id[other]) >= config.threshold:
                uf.union(other, doc_id)
        lsh.insert(doc_id, mh)
        by_id[doc_id] = mh
    return {d: uf.find(d) for d in ids}


def assign_clusters(documents: pd.DataFrame, config: DedupConfig = DedupConfig()) -> pd.DataFrame:
    """Set ``cluster_id`` and ``is_cluster_representative`` on a documents frame."""
    index = pd.DataFrame({"doc_id": documents["doc_id"], "text_hash": documents["text_hash"],
                          "signature": signatures(list(documents["text"]), config)})
    cluster = cluster_ids(index, config)
    out = documents.copy()
    out["cluster_id"] = out["doc_id"].map(cluster)
    out["is_cluster_representative"] = out["doc_id"] == out["cluster_id"]
    return out


def mark_repeats(texts: list[str]) -> list[int | None]:
    """For each sentence, the index of an earlier identical sentence (case/punctuation
    folded) in the same document, or None. Sentences under three words never count."""
    seen: dict[str, int] = {}
    out: list[int | None] = []
    for i, t in enumerate(texts):
        key = " ".join(WORD_RE.findall(t.lower()))
        if len(key.split()) < 3:
            out.append(None)
            continue
        out.append(seen.get(key))
        seen.setdefault(key, i)
    return out
