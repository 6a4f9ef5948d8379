"""pipeline.dedup: exact and near-duplicate clusters (order-independent, smallest doc_id
as the cluster id) and repeated sentences inside one document."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dedup import _DTYPE, DedupConfig, assign_clusters, cluster_ids, mark_repeats, signatures
from pipeline.extract import stable_id
from pipeline.normalize import fold_for_hash

PROBE = MinHash(num_perm=2)

# An original article of 62 words, written for these tests.
ARTICLE = (
    "Chamomile tea has been brewed for generations as a mild evening drink. The dried flowers "
    "are steeped in hot water for about five minutes, and the cup is usually taken an hour before "
    "bed. Some drinkers add honey or lemon to soften the grassy taste. Loose flowers keep their "
    "aroma longer than bagged tea, so many shops sell them in sealed tins."
)
# The same article with one passage rewritten: 11 of 62 words (~18%) replaced in one run.
REWORDED = ARTICLE.replace("Some drinkers add honey or lemon to soften the grassy taste.",
                           "Many people stir in sugar and milk, mellowing its earthy flavor.")
# A "spun" copy: 9 of 62 words (~15%) swapped for synonyms, spread through the text.
SPUN = (
    "Chamomile tea has been brewed for ages as a gentle evening drink. The dried blossoms "
    "are steeped in hot water for roughly five minutes, and the mug is usually taken an hour before "
    "sleep. Some drinkers add honey or lime to soften the grassy flavor. Loose flowers keep their "
    "aroma longer than bagged tea, so many stores sell them in sealed tins."
)
# A different article on the same topic.
OTHER = (
    "Chamomile is a daisy-like plant native to Europe and western Asia. Gardeners grow it in sunny "
    "borders, where it spreads quickly and tolerates poor soil. Its small white flowers appear in "
    "early summer and can be harvested several times a season. The plant is also used in shampoos, "
    "skin creams and as a natural dye for fabric, which surprises many first-time growers."
)


def documents(rows: dict[str, str]) -> pd.DataFrame:
    """A documents frame (the columns assign_clusters reads) with real text hashes."""
    return pd.DataFrame({
        "doc_id": list(rows),
        "text": list(rows.values()),
        "text_hash": [stable_id(fold_for_hash(t), n=32) for t in rows.values()],
    })


def clusters(rows: dict[str, str]) -> dict[str, str]:
    out = assign_clusters(documents(rows))
    return dict(zip(out["doc_id"], out["cluster_id"]))


# ------------------------------------------------------------------ exact duplicates


def test_exact_duplicates_share_a_cluster():
    assert clusters({"d1": ARTICLE, "d2": ARTICLE, "d3": OTHER}) == {"d1": "d1", "d2": "d1", "d3": "d3"}


def test_case_and_whitespace_variants_are_exact_duplicates():
    variant = "  " + ARTICLE.upper().replace(" ", "\n", 3)
    assert clusters({"d1": ARTICLE, "d2": variant})["d2"] == "d1"


def test_short_exact_duplicates_cluster_although_too_short_for_minhash():
    assert clusters({"d1": "Kratom helps.", "d2": "kratom  helps.", "d3": "Kratom hurts."}) == \
        {"d1": "d1", "d2": "d1", "d3": "d3"}


def test_short_near_duplicates_do_not_cluster():
    assert clusters({"d1": "Kratom helps some people sleep.", "d2": "Kratom helps many people sleep."}) == \
        {"d1": "d1", "d2": "d2"}


# ------------------------------------------------------------------ near duplicates


def test_reworded_copy_clusters_with_the_original():
    assert clusters({"d1": ARTICLE, "d2": REWORDED}) == {"d1": "d1", "d2": "d1"}


@pytest.mark.xfail(strict=True, reason="bug: a spun copy with ~15% of words swapped for synonyms across "
                   "the text is not clustered: with 3-word shingles each swap kills 3 shingles, Jaccard "
                   "is ~0.38 < the 0.5 threshold (DESIGN: near-duplicates cover spun copies)")
def test_spun_copy_with_15_percent_synonyms_clusters_with_the_original():
    assert clusters({"d1": ARTICLE, "d2": SPUN}) == {"d1": "d1", "d2": "d1"}


def test_different_articles_on_the_same_topic_do_not_cluster():
    assert clusters({"d1": ARTICLE, "d2": OTHER}) == {"d1": "d1", "d2": "d2"}


def test_cluster_id_is_the_smallest_doc_id():
    assert set(clusters({"zz": ARTICLE, "mm": REWORDED, "aa": ARTICLE}).values()) == {"aa"}


def test_exact_and_near_duplicates_join_one_cluster():
    got = clusters({"d3": ARTICLE, "d2": ARTICLE, "d1": REWORDED})
    assert got == {"d1": "d1", "d2": "d1", "d3": "d1"}


def test_one_representative_per_cluster():
    out = assign_clusters(documents({"d1": ARTICLE, "d2": REWORDED, "d3": OTHER}))
    rep = dict(zip(out["doc_id"], out["is_cluster_representative"]))
    assert rep == {"d1": True, "d2": False, "d3": True}


def test_input_columns_and_row_order_are_kept():
    docs = documents({"d2": OTHER, "d1": ARTICLE}).assign(title=["t2", "t1"])
    out = assign_clusters(docs)
    assert list(out["doc_id"]) == ["d2", "d1"]
    assert list(out["title"]) == ["t2", "t1"]
    assert "cluster_id" not in docs.columns  # the input frame is not modified


# ------------------------------------------------------------------ order independence

ORDER_SET = {"d1": ARTICLE, "d2": OTHER, "d3": REWORDED, "d4": ARTICLE, "d5": "Kratom helps.",
             "d6": "kratom helps.", "d7": SPUN}
EXPECTED = clusters(ORDER_SET)


def test_order_set_has_real_clusters():
    assert EXPECTED["d3"] == EXPECTED["d4"] == "d1"
    assert EXPECTED["d6"] == "d5"


@settings(max_examples=20, deadline=None)
@given(st.permutations(sorted(ORDER_SET)))
def test_clusters_do_not_depend_on_input_order(order):
    assert clusters({d: ORDER_SET[d] for d in order}) == EXPECTED


# ------------------------------------------------------------------ mark_repeats


def test_first_mention_is_not_a_repeat():
    assert mark_repeats(["Kratom may help with sleep.", "It grows in Asia."]) == [None, None]


def test_restated_sentence_points_to_its_first_mention():
    texts = ["Kratom may help with sleep.", "It grows in Asia.", "Kratom may help with sleep."]
    assert mark_repeats(texts) == [None, None, 0]


def test_repeat_ignores_case_and_punctuation():
    texts = ["Kratom may help with sleep.", "KRATOM may help -- with sleep!"]
    assert mark_repeats(texts) == [None, 0]


def test_every_later_repeat_points_to_the_first_mention():
    texts = ["Kratom may help with sleep."] * 3
    assert mark_repeats(texts) == [None, 0, 0]


def test_very_short_sentences_are_never_repeats():
    assert mark_repeats(["In short:", "Side effects.", "In short:"]) == [None, None, None]


def test_different_wording_is_not_a_repeat():
    texts = ["Kratom may help with sleep.", "Kratom may not help with sleep."]
    assert mark_repeats(texts) == [None, None]


# ------------------------------------------------------------------ cluster_ids at scale
# cluster_ids walks LSH buckets without listing candidate pairs and skips pairs already in one
# component; the clusters must be those of checking every candidate pair (datasketch's LSH
# index + MinHash.jaccard + union-find, the straightforward implementation below).


def reference_cluster_ids(index: pd.DataFrame, config=DedupConfig()) -> dict[str, str]:
    from datasketch import LeanMinHash, MinHashLSH
    index = index.sort_values("doc_id", kind="stable")
    ids = list(index["doc_id"])
    parent = {d: d for d in ids}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            parent[hi] = lo
    first: dict[str, str] = {}
    for d, h in zip(ids, index["text_hash"]):
        if h in first:
            union(first[h], d)
        else:
            first[h] = d
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)
    by_id: dict = {}
    for d, h, sig in zip(ids, index["text_hash"], index["signature"]):
        if sig is None or first[h] != d or d in by_id:
            continue
        mh = LeanMinHash(seed=1, hashvalues=np.frombuffer(sig, dtype=_DTYPE), scheme=PROBE.scheme)
        for other in lsh.query(mh):
            if mh.jaccard(by_id[other]) >= config.threshold:
                union(other, d)
        lsh.insert(d, mh)
        by_id[d] = mh
    return {d: find(d) for d in ids}


def random_index(seed: int, n: int, families: int) -> pd.DataFrame:
    """Signatures of ``families`` base texts, each row a copy with a random share of its hash
    values replaced (Jaccard estimates all around the 0.5 threshold), some rows too short
    (no signature), repeated doc ids and shared text hashes."""
    rng = np.random.default_rng(seed)
    bases = rng.integers(0, 2**32, size=(families, 128), dtype=np.uint64)
    sigs = []
    for _ in range(n):
        sig = bases[rng.integers(families)].copy()
        changed = rng.choice(128, size=int(rng.integers(0, 128)), replace=False)
        sig[changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint64)
        sigs.append(None if rng.random() < 0.05 else sig.astype(_DTYPE).tobytes())
    return pd.DataFrame({"doc_id": [f"d{rng.integers(0, 2 * n):05d}" for _ in range(n)],
                         "text_hash": [f"h{rng.integers(0, n)}" for _ in range(n)],
                         "signature": pd.Series(sigs, dtype=object)}).sample(frac=1, random_state=seed)


@pytest.mark.parametrize("seed, n, families", [
    (0, 300, 2),      # a few big LSH buckets (compared one document at a time)
    (1, 300, 80),     # many small buckets (compared all at once)
    (2, 120, 1), (3, 400, 30), (4, 2, 1), (5, 1, 1), (6, 0, 1),
])
def test_cluster_ids_equal_checking_every_candidate_pair(seed, n, families):
    index = random_index(seed, n, families)
    assert cluster_ids(index) == reference_cluster_ids(index)


def test_cluster_ids_of_real_texts_equal_checking_every_candidate_pair():
    rows = {f"d{i}{k}": text for i, text in enumerate([ARTICLE, REWORDED, SPUN, OTHER]) for k in "ab"}
    docs = documents(rows)
    index = pd.DataFrame({"doc_id": docs["doc_id"], "text_hash": docs["text_hash"],
                          "signature": signatures(list(docs["text"]))})
    assert cluster_ids(index) == reference_cluster_ids(index)


def test_a_big_bucket_of_dissimilar_documents_is_not_merged():
    """Documents that share an LSH band but not half their hash values stay apart."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**32, size=128, dtype=np.uint64)
    sigs = []
    for _ in range(60):  # all share the first band (values 0-4), 70 other values differ
        sig = base.copy()
        sig[5:75] = rng.integers(0, 2**32, size=70, dtype=np.uint64)
        sigs.append(sig.astype(_DTYPE).tobytes())
    index = pd.DataFrame({"doc_id": [f"d{i:02d}" for i in range(60)], "text_hash": [f"h{i}" for i in range(60)],
                          "signature": pd.Series(sigs, dtype=object)})
    assert cluster_ids(index) == {f"d{i:02d}": f"d{i:02d}" for i in range(60)}
