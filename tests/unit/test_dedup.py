"""pipeline.dedup: exact and near-duplicate clusters (order-independent, smallest doc_id
as the cluster id) and repeated sentences inside one document."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dedup import assign_clusters, mark_repeats
from pipeline.extract import stable_id
from pipeline.normalize import fold_for_hash

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
