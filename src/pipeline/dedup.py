"""Deduplication: exact (hash of folded normalized text) and near-duplicate
(MinHash LSH over word shingles, datasketch), giving every document a
``cluster_id``; and repeated sentences inside one document.

Near-duplicate candidates from LSH are confirmed with the MinHash Jaccard
estimate before two documents are joined, and clusters are the connected
components of confirmed pairs (union-find), so the result does not depend on
input order. The cluster id is the smallest doc_id in the cluster.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd
import numpy as np
from datasketch import MinHash, MinHashLSH

WORD_RE = re.compile(r"[^\W_]+")
_PROBE = MinHash(num_perm=2)
_DTYPE = _PROBE.hashvalues.dtype  # signatures are stored as raw bytes
SMALL_BUCKET = 32  # LSH buckets up to this size are compared all pairs at once


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
    """doc_id -> cluster_id from a frame of (doc_id, text_hash, signature bytes or None).

    Clusters are the connected components of two kinds of edges: the same ``text_hash``, and
    near-duplicate pairs -- documents that share an LSH bucket in at least one band (the
    banding datasketch's ``MinHashLSH`` uses for ``config``) and whose MinHash Jaccard estimate
    reaches the threshold. Only the first document of each text hash is searched for near
    duplicates (its exact copies follow it).

    Linear in the corpus: each band's buckets are found by sorting, a bucket whose documents
    are all in one component already is skipped, the pairs of small buckets are compared in
    a few vectorised steps, and in a large bucket a document is compared (vectorised) only
    with the earlier documents of other components -- the candidate pairs of the corpus are
    never listed. Skipping a pair already connected cannot change the components, so the
    clusters are those of checking every candidate pair (tests/unit/test_dedup.py compares
    with datasketch's LSH index doing exactly that)."""
    index = index.sort_values("doc_id", kind="stable")
    doc_ids = index["doc_id"].to_numpy(dtype=object)
    # one node per distinct doc_id, numbered in sorted order: the smallest node of a
    # component is its smallest doc_id, the cluster id
    row_node, nodes = pd.factorize(doc_ids, use_na_sentinel=False)
    parent = np.arange(len(nodes))
    # exact duplicates: a row joins the first row (smallest doc_id) with its text hash
    hash_code, _ = pd.factorize(index["text_hash"].to_numpy(dtype=object), use_na_sentinel=False)
    first_of_hash = ~pd.Series(hash_code).duplicated().to_numpy()
    first_node = row_node[np.flatnonzero(first_of_hash)][hash_code]  # codes are numbered in row order
    for node in np.flatnonzero(row_node != first_node):
        _union(parent, row_node[node], first_node[node])
    # near duplicates: the first row of each text hash that has a signature (once per doc_id)
    sigs = index["signature"].to_numpy(dtype=object)
    usable = first_of_hash & np.fromiter((s is not None for s in sigs), dtype=bool, count=len(sigs))
    usable &= ~pd.Series(np.where(usable, row_node, -1 - np.arange(len(row_node)))).duplicated().to_numpy()
    rows = np.flatnonzero(usable)
    if len(rows) >= 2:
        matrix = np.frombuffer(b"".join(sigs[rows]), dtype=_DTYPE).reshape(len(rows), -1)
        if matrix.shape[1] != config.num_perm:
            raise ValueError(f"signatures hold {matrix.shape[1]} hash values, expected {config.num_perm}")
        member_node = row_node[rows]
        for start, end in _bands(config):
            order, starts = _buckets(matrix[:, start:end])
            parent = _flatten(parent)
            # buckets of two or more documents not all in one component yet
            roots = parent[member_node[order]]
            ends = np.append(starts[1:], len(order))
            mixed = np.minimum.reduceat(roots, starts) != np.maximum.reduceat(roots, starts)
            small = mixed & (ends - starts <= SMALL_BUCKET)
            _join_small_buckets(parent, starts[small], ends[small], roots, member_node[order], matrix[order],
                                config.threshold)
            for lo, hi in zip(starts[mixed & ~small], ends[mixed & ~small]):
                _join_bucket(parent, member_node[order[lo:hi]], matrix[order[lo:hi]], config.threshold)
    parent = _flatten(parent)
    return dict(zip(doc_ids, nodes[parent[row_node]]))


@functools.lru_cache(maxsize=8)
def _bands(config: DedupConfig) -> list[tuple[int, int]]:
    """The (start, end) hash ranges of datasketch's MinHashLSH for this threshold."""
    return list(MinHashLSH(threshold=config.threshold, num_perm=config.num_perm).hashranges)


def _buckets(band: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by identical band values: (row order, start of each bucket in it), rows in
    their original order inside a bucket. Sorted by a 64-bit key of the values; rows with
    equal keys but different values (a key collision) are separated exactly."""
    key = np.zeros(len(band), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in band.T.astype(np.uint64):
            key = key * np.uint64(0x9E3779B97F4A7C15) + column + np.uint64(0x632BE59BD9B4E019)
    order = np.argsort(key, kind="stable")
    key, values = key[order], band[order]
    same_key = key[1:] == key[:-1]
    same_values = (values[1:] == values[:-1]).all(axis=1)
    if (same_key & ~same_values).any():  # a collision: sort by the values themselves
        order = np.lexsort(band.T[::-1])
        values = band[order]
        same_values = (values[1:] == values[:-1]).all(axis=1)
    starts = np.flatnonzero(np.concatenate(([True], ~same_values)))
    return order, starts


def _join_small_buckets(parent: np.ndarray, starts: np.ndarray, ends: np.ndarray, roots: np.ndarray,
                        nodes: np.ndarray, signatures: np.ndarray, threshold: float, chunk: int = 50_000) -> None:
    """Union the near-duplicate pairs of many small buckets at once: their pairs (at most
    SMALL_BUCKET^2 / 2 per bucket) between documents of different components are compared
    in a few vectorised steps. ``roots`` may be stale (from the start of the band): that only
    costs a comparison of a pair already connected."""
    first, second = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    sizes = ends - starts
    for size in np.unique(sizes):
        lo = starts[sizes == size][:, None]
        i, j = np.triu_indices(size, k=1)
        first.append((lo + i).ravel())
        second.append((lo + j).ravel())
    first, second = np.concatenate(first), np.concatenate(second)
    keep = roots[first] != roots[second]
    first, second = first[keep], second[keep]
    for at in range(0, len(first), chunk):
        a, b = first[at:at + chunk], second[at:at + chunk]
        near = _near(signatures[a], signatures[b], threshold)
        for x, y in zip(nodes[a[near]].tolist(), nodes[b[near]].tolist()):
            _union(parent, x, y)


def _join_bucket(parent: np.ndarray, nodes: np.ndarray, signatures: np.ndarray, threshold: float) -> None:
    """Union the near-duplicate pairs of one large LSH bucket (documents in doc_id order): each
    document is compared (vectorised) only with the earlier ones not yet in its component."""
    roots = np.array([_find(parent, n) for n in nodes])
    for i in range(1, len(nodes)):
        other = np.flatnonzero(roots[:i] != roots[i])
        if not len(other):
            continue
        for j in other[_near(signatures[other], signatures[i], threshold)]:
            a, b = roots[i], roots[j]
            if a != b:
                lo, hi = min(a, b), max(a, b)
                parent[hi] = lo
                roots[roots == hi] = lo


def _near(a: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """Row-wise: is the Jaccard estimate of the signatures at least the threshold? Computed as
    datasketch's ``MinHash.jaccard`` does: equal hash values / number of hash values."""
    n_perm = a.shape[1]
    equal = np.add.reduce((a == b).view(np.uint8), axis=1, dtype=np.uint8 if n_perm < 256 else np.int64)
    return equal / float(n_perm) >= threshold


def _find(parent: np.ndarray, x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


def _union(parent: np.ndarray, a: int, b: int) -> None:
    """Join two components; the root is the smaller node."""
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def _flatten(parent: np.ndarray) -> np.ndarray:
    """Point every node straight at its root (vectorised path halving until stable)."""
    while True:
        grand = parent[parent]
        if (grand == parent).all():
            return grand
        parent = grand


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
