"""pipeline.contradict on hand-built claims: each kind of conflict, each verdict, what
never pairs, scope and same_cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.contradict import find_contradictions
from pipeline.extract import stable_id
from pipeline.schemas import CONTRADICTIONS
from tests.claim_factory import claim, claims_frame, documents_frame

MG = dict(dose_unit="mg")


def pairs(*rows: dict, clusters: dict[str, str] | None = None) -> pd.DataFrame:
    claims = claims_frame(*rows)
    return find_contradictions(claims, documents_frame(claims, clusters))


def one_pair(*rows: dict, clusters: dict[str, str] | None = None) -> pd.Series:
    out = pairs(*rows, clusters=clusters)
    assert len(out) == 1, out[["claim_id_a", "claim_id_b", "kind", "verdict"]].to_string()
    return out.iloc[0]


# Reusable claims about kava and insomnia.
def worsens(cid="c1", **kw):
    return claim(cid, predicate="causes", outcome_norm="insomnia", direction=1, **kw)


def improves(cid="c2", **kw):
    return claim(cid, predicate="decreases", outcome_norm="insomnia", direction=-1,
                 effect="improves sleep", **kw)


# ------------------------------------------------------------------ output shape


def test_output_has_the_declared_columns():
    assert list(pairs(worsens(), improves()).columns) == CONTRADICTIONS.columns


def test_no_claims_give_an_empty_frame_with_the_declared_columns():
    out = find_contradictions(claims_frame(), documents_frame(claims_frame()))
    assert out.empty and list(out.columns) == CONTRADICTIONS.columns


def test_pair_id_is_the_stable_hash_of_the_ordered_claim_ids():
    p = one_pair(improves("c2"), worsens("c1"))
    assert (p.claim_id_a, p.claim_id_b) == ("c1", "c2")
    assert p.pair_id == stable_id("c1", "c2")


# ------------------------------------------------------------------ kinds


def test_opposite_directions_on_one_outcome_are_a_direction_conflict():
    p = one_pair(worsens(), improves())
    assert (p.kind, p.verdict, p.subject_norm, p.outcome_norm) == ("direction", "contradiction", "kava", "insomnia")


def test_same_direction_claims_agree():
    assert pairs(worsens("c1"), worsens("c2")).empty


def test_a_claim_and_its_negation_are_a_negation_conflict():
    relieves = claim("c1", predicate="decreases", outcome_norm="anxiety", direction=-1)
    denies = claim("c2", predicate="decreases", outcome_norm="anxiety", direction=-1, polarity="negated")
    p = one_pair(relieves, denies)
    assert (p.kind, p.outcome_norm) == ("negation", "anxiety")


def test_no_effect_against_an_effect_is_a_negation_conflict():
    none = claim("c1", predicate="no_effect", outcome_norm="blood_pressure", direction=0)
    lowers = claim("c2", predicate="decreases", outcome_norm="blood_pressure", direction=-1)
    assert one_pair(none, lowers).kind == "negation"


def test_opposite_property_poles_are_an_antonym_conflict():
    calming = claim("c1", predicate="has_property", outcome_norm="arousal", direction=-1)
    energizing = claim("c2", predicate="has_property", outcome_norm="arousal", direction=1)
    p = one_pair(calming, energizing)
    assert (p.kind, p.outcome_norm) == ("antonym", "arousal")


def test_antonyms_inside_one_sentence_pair_too():
    calming = claim("c1", predicate="has_property", outcome_norm="arousal", direction=-1, sentence="s1")
    energizing = claim("c2", predicate="has_property", outcome_norm="arousal", direction=1, sentence="s1")
    assert one_pair(calming, energizing).kind == "antonym"


def test_generic_safe_against_any_harm_is_a_safety_conflict():
    safe = claim("c1", predicate="safe", outcome_norm="side_effects", direction=0)
    nausea = claim("c2", predicate="causes", outcome_norm="nausea", direction=1)
    p = one_pair(safe, nausea)
    assert (p.kind, p.outcome_norm) == ("safety", "nausea")   # named after the harm


def test_no_side_effects_against_a_named_side_effect_is_a_safety_conflict():
    none = claim("c1", predicate="safe", outcome_norm="side_effects", direction=0)
    some = claim("c2", predicate="causes", outcome_norm="side_effects", direction=1)
    assert one_pair(none, some).kind == "safety"


def test_does_not_cause_a_harm_against_causes_it_is_a_safety_conflict():
    denies = claim("c1", predicate="causes", outcome_norm="liver_damage", polarity="negated")
    asserts = claim("c2", predicate="causes", outcome_norm="liver_damage")
    assert one_pair(denies, asserts).kind == "safety"


def test_generic_safe_against_an_open_class_harm_is_a_safety_conflict():
    # "serotonin syndrome" is in no lexicon: an open outcome someone causes is a problem
    safe = claim("c1", predicate="safe", outcome_norm="side_effects", direction=0)
    harm = claim("c2", predicate="causes", outcome_norm="serotonin_syndrome", direction=1)
    p = one_pair(safe, harm)
    assert (p.kind, p.outcome_norm) == ("safety", "serotonin_syndrome")


def test_generic_safe_against_raising_an_open_class_good_thing_is_no_conflict():
    safe = claim("c1", predicate="safe", outcome_norm="side_effects", direction=0)
    better = claim("c2", predicate="increases", outcome_norm="endothelial_function", direction=1)
    assert pairs(safe, better).empty


@pytest.mark.parametrize("subject", ["medications", "drugs", "treatment"])
def test_claims_about_a_generic_class_are_never_paired(subject):
    # "these drugs" on one page and "medications" on another are different products
    assert pairs(worsens(subject_norm=subject), improves(subject_norm=subject)).empty
    safe = claim("c1", subject_norm=subject, predicate="safe", outcome_norm="side_effects", direction=0)
    assert pairs(safe, claim("c2", subject_norm=subject, predicate="causes", outcome_norm="nausea")).empty


def test_generic_safe_against_a_benefit_is_no_conflict():
    safe = claim("c1", predicate="safe", outcome_norm="side_effects", direction=0)
    assert pairs(safe, improves()).empty


def test_non_addictive_against_causes_dependence_is_a_safety_conflict():
    non_addictive = claim("c1", predicate="safe", outcome_norm="addiction", direction=0)
    dependence = claim("c2", predicate="causes", outcome_norm="addiction", direction=1)
    p = one_pair(non_addictive, dependence)
    assert (p.kind, p.outcome_norm) == ("safety", "addiction")


def test_safe_about_a_harm_against_reducing_that_harm_is_no_conflict():
    non_addictive = claim("c1", predicate="safe", outcome_norm="addiction", direction=0)
    reduces = claim("c2", predicate="decreases", outcome_norm="addiction", direction=-1)
    assert pairs(non_addictive, reduces).empty


def test_same_dose_called_low_and_moderate_is_a_dose_label_conflict():
    low = worsens("c1", dose_min=1000.0, dose_max=3000.0, dose_level="low", **MG)
    moderate = worsens("c2", dose_min=1000.0, dose_max=3000.0, dose_level="moderate", **MG)
    p = one_pair(low, moderate)
    assert (p.kind, p.verdict, p.outcome_norm) == ("dose_label", "contradiction", "dose_label")


def test_dose_labels_inside_one_sentence_are_not_a_conflict():
    low = worsens("c1", dose_min=1000.0, dose_max=3000.0, dose_level="low", sentence="s", **MG)
    moderate = worsens("c2", dose_min=1000.0, dose_max=3000.0, dose_level="moderate", sentence="s", **MG)
    assert pairs(low, moderate).empty


def test_different_doses_with_different_labels_are_not_a_dose_label_conflict():
    low = worsens("c1", dose_min=1000.0, dose_max=3000.0, dose_level="low", **MG)
    high = worsens("c2", dose_min=5000.0, dose_max=None, dose_level="high", **MG)
    assert pairs(low, high).empty


def half_life(cid, lo, hi, **kw):
    return claim(cid, predicate="has_property", outcome_norm="half_life", direction=0,
                 value_min=lo, value_max=hi, value_unit="h", **kw)


def test_incompatible_numbers_for_one_quantity_are_a_numeric_conflict():
    p = one_pair(half_life("c1", 1.0, 2.0), half_life("c2", 10.0, 12.0))
    assert (p.kind, p.outcome_norm) == ("numeric", "half_life")


def test_close_numbers_are_the_same_approximate_value():
    assert pairs(half_life("c1", 2.0, 2.0), half_life("c2", 2.1, 2.1)).empty


def test_overlapping_numeric_ranges_agree():
    assert pairs(half_life("c1", 1.0, 4.0), half_life("c2", 3.0, 6.0)).empty


NUMERIC_POLARITY_BUG = ("bug: numeric conflicts ignore polarity: 'does not take effect within 30 minutes' "
                        "(onset_time 0.5 h, negated) is paired as kind=numeric/verdict=contradiction with "
                        "'takes effect within 2 to 3 hours' (2-3 h) and with another negated value")


@pytest.mark.parametrize("polarity_b", ["affirmed", "negated"])
def test_negated_numeric_claims_do_not_conflict(polarity_b):
    def onset(cid, lo, hi, polarity):
        return claim(cid, predicate="has_property", outcome_norm="onset_time", direction=0,
                     value_min=lo, value_max=hi, value_unit="h", polarity=polarity)
    assert pairs(onset("c1", 0.5, 0.5, "negated"), onset("c2", 2.0, 3.0, polarity_b)).empty


def test_numbers_of_different_quantities_are_not_compared():
    onset = claim("c2", predicate="has_property", outcome_norm="onset_time", direction=0,
                  value_min=10.0, value_max=10.0, value_unit="h")
    assert pairs(half_life("c1", 1.0, 1.0), onset).empty


# ------------------------------------------------------------------ what never pairs


def test_two_negated_claims_never_pair():
    no_worse = worsens("c1", polarity="negated")
    no_better = improves("c2", polarity="negated")
    assert pairs(no_worse, no_better).empty


def test_no_effect_and_a_negated_effect_never_pair():
    none = claim("c1", predicate="no_effect", outcome_norm="anxiety", direction=0)
    denies = claim("c2", predicate="decreases", outcome_norm="anxiety", direction=-1, polarity="negated")
    assert pairs(none, denies).empty


def test_different_subjects_never_pair():
    assert pairs(worsens("c1"), improves("c2", subject_norm="melatonin")).empty


def test_different_outcomes_never_pair():
    assert pairs(worsens("c1"), claim("c2", predicate="decreases", outcome_norm="anxiety", direction=-1)).empty


def test_repeated_mentions_are_left_out():
    assert pairs(worsens("c1"), improves("c2", is_repeat=True)).empty


# ------------------------------------------------------------------ verdicts: conditional


def test_disjoint_dose_ranges_make_it_conditional():
    helps = improves("c1", dose_min=1000.0, dose_max=3000.0, **MG)
    hurts = worsens("c2", dose_min=5000.0, dose_max=None, **MG)
    p = one_pair(helps, hurts)
    assert (p.verdict, p.separating_condition) == ("conditional", "dose")
    assert "1000-3000 mg" in p.explanation and "over 5000 mg" in p.explanation


def test_overlapping_dose_ranges_stay_a_contradiction():
    helps = improves("c1", dose_min=1000.0, dose_max=3000.0, **MG)
    hurts = worsens("c2", dose_min=2000.0, dose_max=4000.0, **MG)
    p = one_pair(helps, hurts)
    assert (p.verdict, p.separating_condition) == ("contradiction", None)


def test_dose_on_one_side_only_stays_a_contradiction():
    p = one_pair(improves("c1", dose_min=1000.0, dose_max=3000.0, **MG), worsens("c2"))
    assert p.verdict == "contradiction"


def test_low_against_high_dose_level_makes_it_conditional():
    p = one_pair(improves("c1", dose_level="low"), worsens("c2", dose_level="high"))
    assert (p.verdict, p.separating_condition) == ("conditional", "dose_level")


def test_same_dose_level_stays_a_contradiction():
    assert one_pair(improves("c1", dose_level="high"), worsens("c2", dose_level="high")).verdict == "contradiction"


def test_children_against_adults_makes_it_conditional():
    p = one_pair(improves("c1", population="adults"), worsens("c2", population="children"))
    assert (p.verdict, p.separating_condition) == ("conditional", "population")


def test_morning_against_before_bed_makes_it_conditional():
    p = one_pair(improves("c1", context="before_bed"), worsens("c2", context="morning"))
    assert (p.verdict, p.separating_condition) == ("conditional", "context")


def test_one_of_several_populations_separating_is_enough():
    p = one_pair(improves("c1", population="adults;women"), worsens("c2", population="children"))
    assert p.verdict == "conditional"


def test_populations_that_are_not_declared_disjoint_stay_a_contradiction():
    p = one_pair(improves("c1", population="adults"), worsens("c2", population="women"))
    assert p.verdict == "contradiction"


def test_conditions_win_over_hedges():
    p = one_pair(improves("c1", dose_level="low"), worsens("c2", dose_level="high", modality="possible"))
    assert p.verdict == "conditional"


# ------------------------------------------------------------------ verdicts: hedged


def test_possible_modality_makes_it_hedged():
    p = one_pair(improves("c1"), worsens("c2", modality="possible"))
    assert p.verdict == "hedged"
    assert "only possible" in p.explanation


def test_users_report_makes_it_hedged():
    assert one_pair(improves("c1", attribution="users_report"), worsens("c2")).verdict == "hedged"


def test_contested_makes_it_hedged():
    assert one_pair(improves("c1"), worsens("c2", attribution="contested")).verdict == "hedged"


@pytest.mark.parametrize("field, value", [
    ("modality", "probable"), ("attribution", "studies"), ("attribution", "experts"),
])
def test_probable_studies_and_experts_are_not_hedges(field, value):
    assert one_pair(improves("c1"), worsens("c2", **{field: value})).verdict == "contradiction"


def test_plain_conflict_without_conditions_is_a_contradiction():
    p = one_pair(improves("c1"), worsens("c2"))
    assert (p.verdict, p.separating_condition) == ("contradiction", None)
    assert "no conditions given" in p.explanation


# ------------------------------------------------------------------ scope and clusters


def test_claims_in_one_document_are_intra_document():
    p = one_pair(improves("c1", doc_id="d1"), worsens("c2", doc_id="d1"))
    assert (p.scope, p.doc_id_a, p.doc_id_b, p.same_cluster) == ("intra_document", "d1", "d1", False)


def test_claims_in_two_documents_are_cross_document():
    p = one_pair(improves("c1", doc_id="d1"), worsens("c2", doc_id="d2"))
    assert (p.scope, p.doc_id_a, p.doc_id_b, p.same_cluster) == ("cross_document", "d1", "d2", False)


def test_cross_document_pair_inside_one_cluster_is_marked_same_cluster():
    p = one_pair(improves("c1", doc_id="d1"), worsens("c2", doc_id="d2"), clusters={"d2": "d1"})
    assert (p.scope, p.same_cluster) == ("cross_document", True)


def test_one_document_against_two_gives_a_pair_each():
    out = pairs(improves("c1", doc_id="d1"), worsens("c2", doc_id="d2"), worsens("c3", doc_id="d3"))
    assert sorted(zip(out.claim_id_a, out.claim_id_b)) == [("c1", "c2"), ("c1", "c3")]


# ------------------------------------------------------------------ near-duplicate copies


def test_copies_of_one_document_pair_through_the_representative_only():
    """d1 is the representative of cluster {d1, d2, d3}; d4 stands alone. Copy x copy pairs
    (d2-d3) repeat copy x original ones and are not formed; every other pair is."""
    rows = [worsens("a1", doc_id="d1"), worsens("a2", doc_id="d2"), worsens("a3", doc_id="d3"),
            improves("b1", doc_id="d1"), improves("b2", doc_id="d2"), improves("b3", doc_id="d3"),
            improves("b4", doc_id="d4")]
    out = pairs(*rows, clusters={"d2": "d1", "d3": "d1"})
    got = {(a, b) for a, b in zip(out.claim_id_a, out.claim_id_b)}
    # intra-document pairs: always
    assert {("a1", "b1"), ("a2", "b2"), ("a3", "b3")} <= got
    # copy x representative, representative x other cluster, copy x other cluster's representative
    assert {("a1", "b2"), ("a1", "b3"), ("a2", "b1"), ("a3", "b1"), ("a1", "b4"), ("a2", "b4"), ("a3", "b4")} <= got
    # copy x copy: not formed
    assert not got & {("a2", "b3"), ("a3", "b2")}
    assert len(got) == 10
    assert set(out.loc[out.doc_id_a.isin(["d2", "d3"]) & out.doc_id_b.isin(["d1", "d2", "d3"])
                       & (out.doc_id_a != out.doc_id_b), "same_cluster"]) == {True}


def test_safety_pairs_between_copies_also_go_through_the_representative():
    safe = dict(predicate="safe", outcome_norm="side_effects", direction=0)
    harm = dict(predicate="causes", outcome_norm="nausea", direction=1)
    rows = [claim("s2", doc_id="d2", **safe), claim("h3", doc_id="d3", **harm),
            claim("s1", doc_id="d1", **safe), claim("h1", doc_id="d1", **harm)]
    out = pairs(*rows, clusters={"d2": "d1", "d3": "d1"})
    got = {(a, b) for a, b in zip(out.claim_id_a, out.claim_id_b)}
    assert got == {("h1", "s1"), ("h1", "s2"), ("h3", "s1")}
