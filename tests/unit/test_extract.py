"""pipeline.extract and its lexicons: every lexicon example and counter-example, then one
behaviour per test (negation, modality, attribution, inverse outcomes, coreference,
conditions, numeric claims) on sentences written for these tests; headings and
questions (pipeline.process) give no claims."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pipeline.extract import (Claim, claim_key, dose_band, extract_sentence, find_main_subject, list_frame,
                              list_item_claims)
from pipeline.ingest import RawDoc
from pipeline.lexicon import load_lexicon
from pipeline.process import Processed, process_record

LEX = load_lexicon()
EFFECTS = LEX.raw["effects.json"]
SUBJECTS = LEX.raw["subjects.json"]


def extract(sentence: str, subject: str | None = "kava") -> list[Claim]:
    return extract_sentence(sentence, subject)


def keys(sentence: str, subject: str | None = "kava") -> set[tuple]:
    """(predicate, outcome_norm, direction, polarity) of every claim in the sentence."""
    return {(c.predicate, c.outcome_norm, c.direction, c.polarity) for c in extract(sentence, subject)}


def only(sentence: str, subject: str | None = "kava") -> Claim:
    claims = extract(sentence, subject)
    assert len(claims) == 1, [(c.predicate, c.outcome_norm, c.effect) for c in claims]
    return claims[0]


def claim_on(sentence: str, outcome: str, subject: str | None = "kava") -> Claim:
    hits = [c for c in extract(sentence, subject) if c.outcome_norm == outcome]
    assert len(hits) == 1, [(c.predicate, c.outcome_norm, c.effect) for c in extract(sentence, subject)]
    return hits[0]


# ------------------------------------------------------------------ lexicon examples

KNOWN_BAD_EXAMPLES: dict[str, str] = {}  # examples whose data were wrong; fixed in effects.json


def _effect_example_params():
    for ex in EFFECTS["examples"]:
        marks = ()
        if ex["text"] in KNOWN_BAD_EXAMPLES:
            marks = pytest.mark.xfail(strict=True, reason=KNOWN_BAD_EXAMPLES[ex["text"]])
        yield pytest.param(ex, id=ex["text"], marks=marks)


def test_lexicons_have_examples_and_counter_examples():
    assert len(EFFECTS["examples"]) >= 10
    assert len(EFFECTS["counter_examples"]) >= 3
    assert len(SUBJECTS["examples"]) >= 2


@pytest.mark.parametrize("example", list(_effect_example_params()))
def test_effects_example_gives_the_expected_claims(example):
    expected = {tuple(e) for e in example["expect"]}
    assert keys(example["text"], example["subject"]) == expected


@pytest.mark.parametrize("example", EFFECTS["counter_examples"], ids=lambda e: e["text"])
def test_effects_counter_example_gives_no_claim(example):
    assert extract(example["text"], example["subject"]) == []


@pytest.mark.parametrize("example", SUBJECTS["examples"], ids=lambda e: e["text"])
def test_subjects_example_resolves_to_the_expected_subject(example):
    claims = extract(example["text"], example.get("doc_subject"))
    assert claims
    assert {c.subject_norm for c in claims} == {example["expect_subject"]}


# ------------------------------------------------------------------ spans and keys


def test_effect_span_points_into_the_sentence():
    sentence = "Kava may relieve anxiety quickly."
    c = only(sentence)
    assert sentence[c.start:c.end] == c.effect == "relieve anxiety"


def test_claim_key_joins_the_canonical_fields_and_dose_band():
    c = only("At lower doses, kava relieves anxiety.")
    assert claim_key(c) == "kava|decreases|anxiety|-1|affirmed|low"


def test_dose_band_of_a_parsed_range():
    c = only("At 100 to 250 mg, kava relieves anxiety.")
    assert dose_band(c) == "100-250mg"


def test_dose_band_without_conditions_is_any():
    assert dose_band(only("Kava relieves anxiety.")) == "any"


def test_coordinated_outcomes_give_one_claim_each():
    assert keys("Kava causes nausea and headaches.") == {
        ("causes", "nausea", 1, "affirmed"), ("causes", "headache", 1, "affirmed")}


def test_sentence_without_an_effect_cue_gives_no_claim():
    assert extract("Kava grows on islands in the Pacific.") == []


# ------------------------------------------------------------------ negation


def test_does_not_cause_is_negated():
    assert keys("Kava does not cause liver damage.") == {("causes", "liver_damage", 1, "negated")}


def test_fails_to_negates_a_benefit():
    assert keys("Kava fails to relieve anxiety.") == {("decreases", "anxiety", -1, "negated")}


def test_without_causing_negates_only_the_second_effect():
    assert keys("Kava soothes nerves without causing drowsiness.") == {
        ("decreases", "anxiety", -1, "affirmed"), ("causes", "sedation", 1, "negated")}


def test_not_without_its_side_effects_asserts_them():
    c = claim_on("Kava eases tension but is not without its side effects.", "side_effects")
    assert (c.predicate, c.direction, c.polarity) == ("causes", 1, "affirmed")


def test_not_without_side_effects_alone_asserts_them():
    assert keys("Kava is not without side effects.") == {("causes", "side_effects", 1, "affirmed")}


def test_no_effect_on_is_a_no_effect_claim():
    assert keys("Kava has no effect on blood pressure.") == {("no_effect", "blood_pressure", 0, "affirmed")}


# ------------------------------------------------------------------ modality


@pytest.mark.parametrize("sentence", [
    "Kava may relieve anxiety.", "Kava could relieve anxiety.", "Kava can relieve anxiety.",
    "Kava has potential to relieve anxiety.", "Kava might possibly relieve anxiety.",
])
def test_may_can_potential_are_possible(sentence):
    assert only(sentence).modality == "possible"


@pytest.mark.parametrize("sentence", [
    "Kava is likely to relieve anxiety.", "Kava often relieves anxiety.",
    "Kava probably relieves anxiety.", "Kava tends to relieve anxiety.",
])
def test_likely_often_are_probable(sentence):
    assert only(sentence).modality == "probable"


def test_plain_assertion_is_certain():
    assert only("Kava relieves anxiety.").modality == "certain"


def test_hedge_in_another_clause_does_not_apply():
    c = claim_on("Kava relieves anxiety, although it may cause nausea.", "anxiety")
    assert c.modality == "certain"
    assert claim_on("Kava relieves anxiety, although it may cause nausea.", "nausea").modality == "possible"


# ------------------------------------------------------------------ attribution


def test_plain_assertion_is_the_authors():
    assert only("Kava relieves anxiety.").attribution == "author"


@pytest.mark.parametrize("sentence", [
    "Some users report that kava triggers headaches.",
    "Many people find that kava relieves anxiety.",
])
def test_user_reports_are_users_report(sentence):
    assert only(sentence).attribution == "users_report"


@pytest.mark.parametrize("sentence", [
    "Research suggests kava relieves anxiety.",
    "Studies show that kava relieves anxiety.",
])
def test_research_is_studies(sentence):
    assert only(sentence).attribution == "studies"


@pytest.mark.parametrize("sentence", [
    "Experts say kava relieves anxiety.",
    "Doctors say kava can cause liver damage.",
])
def test_experts_and_doctors_are_experts(sentence):
    assert only(sentence).attribution == "experts"


def test_contrary_to_claims_contests_only_the_claim_before_the_comma():
    sentence = "Contrary to claims that kava causes liver damage, it relieves anxiety."
    assert claim_on(sentence, "liver_damage").attribution == "contested"
    assert claim_on(sentence, "anxiety").attribution == "author"


def test_attribution_does_not_cross_a_semicolon_into_the_previous_clause():
    sentence = "Kava relieves anxiety; some users report that it triggers headaches."
    assert claim_on(sentence, "anxiety").attribution == "author"
    assert claim_on(sentence, "headache").attribution == "users_report"


# ------------------------------------------------------------------ inverse outcomes


def test_improves_sleep_quality_is_less_insomnia():
    assert keys("Kava improves sleep quality.") == {("decreases", "insomnia", -1, "affirmed")}


def test_worsens_sleep_quality_is_more_insomnia():
    assert keys("Kava worsens sleep quality.") == {("increases", "insomnia", 1, "affirmed")}


def test_falling_asleep_faster_is_less_insomnia():
    assert keys("Kava helps you fall asleep faster.") == {("decreases", "insomnia", -1, "affirmed")}


def test_boosts_energy_is_less_fatigue():
    assert keys("Kava boosts energy.") == {("decreases", "fatigue", -1, "affirmed")}


def test_calming_and_energizing_are_opposite_poles_of_arousal():
    assert keys("Kava has calming and energizing effects.") == {
        ("has_property", "arousal", -1, "affirmed"), ("has_property", "arousal", 1, "affirmed")}


def test_non_addictive_is_safe_about_addiction():
    assert keys("Kava is non-addictive.") == {("safe", "addiction", 0, "affirmed")}


def test_no_side_effects_is_safe():
    assert keys("Kava has no side effects.") == {("safe", "side_effects", 0, "affirmed")}


def test_not_safe_is_a_negated_safe_claim():
    assert keys("Kava is not safe for children.") == {("safe", "side_effects", 0, "negated")}


# ------------------------------------------------------------------ subjects and coreference


@pytest.mark.parametrize("sentence, written", [
    ("It relieves anxiety.", "It"),
    ("This herb relieves anxiety.", "This herb"),
    ("The plant-based remedy relieves anxiety.", "The plant-based remedy"),
])
def test_anaphor_resolves_to_the_document_subject(sentence, written):
    c = only(sentence, "kava")
    assert (c.subject, c.subject_norm) == (written, "kava")


def test_pronoun_without_a_document_subject_gives_no_claim():
    assert extract("It relieves anxiety.", None) == []


def test_named_subject_wins_over_the_document_subject():
    assert only("Melatonin relieves anxiety.", "kava").subject_norm == "melatonin"


def test_synonym_maps_to_the_canonical_subject():
    c = only("Piper methysticum relieves anxiety.", None)
    assert (c.subject, c.subject_norm) == ("Piper methysticum", "kava")


def test_use_phrase_subject_is_the_document_subject():
    assert only("Long-term use can cause liver damage.", "kava").subject_norm == "kava"


def test_main_subject_named_in_the_title_wins():
    text = "Kava is a root. Kava tea is bitter. Kava bars are popular."
    assert find_main_subject(text, "Melatonin guide") == "melatonin"


def test_main_subject_dominating_the_text_without_a_title():
    text = "Melatonin is a hormone. Kava is a root. Kava tea is bitter. Kava bars are popular."
    assert find_main_subject(text, None) == "kava"


def test_no_main_subject_without_a_title_or_a_dominant_term():
    assert find_main_subject("Melatonin is a hormone. Kava is a root.", None) is None


# ------------------------------------------------------------------ conditions


def test_dose_range_is_attached_in_mg():
    c = only("Doses of 1-2 g of kava relieve anxiety.")
    assert (c.dose_min, c.dose_max, c.dose_unit) == (1000.0, 2000.0, "mg")
    assert c.condition == "1-2 g"


def test_dose_level_is_attached():
    c = only("At higher doses, kava can cause nausea.")
    assert (c.dose_level, c.condition) == ("high", "higher doses")
    assert c.dose_min is None and c.dose_max is None


def test_population_is_attached():
    c = only("In pregnant women, kava can cause nausea.")
    assert c.population == "pregnant_women"


def test_population_attaches_to_its_own_clause():
    sentence = "Kava relieves anxiety in children but causes nausea in adults."
    assert claim_on(sentence, "anxiety").population == "children"
    assert claim_on(sentence, "nausea").population == "adults"


@pytest.mark.parametrize("sentence, context", [
    ("Kava, taken before bed, improves sleep quality.", "before_bed"),
    ("Kava taken in the morning causes drowsiness.", "morning"),
    ("Taken with alcohol, kava can cause liver damage.", "with_alcohol"),
])
def test_context_is_attached(sentence, context):
    assert only(sentence).context == context


def test_claim_without_conditions_has_empty_condition():
    c = only("Kava relieves anxiety.")
    assert c.condition == ""
    assert (c.dose_min, c.dose_max, c.dose_unit, c.dose_level, c.population, c.context) == (None,) * 6


# ------------------------------------------------------------------ numeric claims


def test_half_life_value_in_hours():
    c = only("Kava has a half-life of about 9 hours.")
    assert (c.predicate, c.outcome_norm, c.direction) == ("has_property", "half_life", 0)
    assert (c.value_min, c.value_max, c.value_unit) == (9.0, 9.0, "h")


def test_half_life_range_in_hours():
    c = only("The half-life of kavalactones is 9 to 12 hours.")
    assert (c.outcome_norm, c.value_min, c.value_max, c.value_unit) == ("half_life", 9.0, 12.0, "h")


def test_onset_in_minutes_is_converted_to_hours():
    c = only("Kava takes effect within 30 minutes.")
    assert c.outcome_norm == "onset_time"
    assert c.value_unit == "h"
    assert c.value_max == pytest.approx(0.5)


def test_maximum_daily_dose_in_mg():
    c = only("Never exceed 250 mg of kava a day.")
    assert (c.outcome_norm, c.value_max, c.value_unit) == ("max_daily_dose", 250.0, "mg")


def test_negated_numeric_value_is_negated():
    c = only("The half-life of kava is not 2 hours.")
    assert (c.outcome_norm, c.polarity) == ("half_life", "negated")


def test_numeric_claim_carries_no_dose_condition():
    c = only("Kava has a half-life of about 9 hours.")
    assert c.condition == "" and c.dose_min is None


# ------------------------------------------------------------------ headings and questions (process.py)

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def process_markdown(text: str) -> Processed:
    raw = RawDoc("kava.md", "", text, None, None, None, "md", "utf-8", len(text.encode()))
    out = process_record(raw, "run-test", T0)
    assert isinstance(out, Processed), out
    return out


DOC = """# Kava Relieves Anxiety

Does kava cause liver damage?

Kava can relieve anxiety in adults. It may also cause nausea.
"""


def test_heading_gives_no_claim():
    out = process_markdown(DOC)
    heading = next(s for s in out.sentences if s["is_heading"])
    assert "Relieves Anxiety" in heading["text"]
    assert all(c["sentence_id"] != heading["sentence_id"] for c in out.claims)


def test_question_gives_no_claim():
    out = process_markdown(DOC)
    question = next(s for s in out.sentences if s["text"].endswith("?"))
    assert all(c["sentence_id"] != question["sentence_id"] for c in out.claims)


def test_statements_in_the_document_give_claims_with_the_document_subject():
    out = process_markdown(DOC)
    got = {(c["subject_norm"], c["outcome_norm"], c["modality"]) for c in out.claims}
    assert got == {("kava", "anxiety", "possible"), ("kava", "nausea", "possible")}


def test_claim_offsets_point_into_the_document_and_the_raw_text():
    text = "Kava  can relieve\u00a0anxiety.\r\n"
    out = process_markdown(text)
    c, = out.claims
    assert out.document["text"][c["char_start"]:c["char_end"]] == c["effect"] == "relieve anxiety"
    assert text[c["raw_char_start"]:c["raw_char_end"]] == "relieve\u00a0anxiety"


def test_interventions_are_subjects_but_never_the_documents_main_subject():
    text = ("Medications can lower blood pressure. Some medications cause dizziness. "
            "Stopping medications suddenly is risky.")
    assert find_main_subject(text, "Low blood pressure on standing") != "medications"
    assert {c.subject_norm for c in extract("Medications can lower blood pressure.")} == {"medications"}


# ------------------------------------------------------------------ list introducers


def test_list_introducer_with_items_in_the_same_sentence():
    text = "Treatment for gout may include rest, ice packs, and anti-inflammatory drugs."
    frame, spans, goes_on = list_frame(text, "Gout")
    assert (frame.cls, frame.outcome, frame.modality, goes_on) == ("treat", "gout", "possible", False)
    got = {(c.subject, c.predicate, c.outcome_norm, c.direction) for c in list_item_claims(text, spans, frame)}
    assert got == {("rest", "treats", "gout", -1), ("ice packs", "treats", "gout", -1),
                   ("anti-inflammatory drugs", "treats", "gout", -1)}
    for c in list_item_claims(text, spans, frame):
        assert text[c.start:c.end] == c.subject


def test_list_items_in_the_following_sentences_take_the_pages_topic():
    text = ("# Kidney stones\n\nThe following are risk factors:\n\n- Drinking too little water.\n"
            "- Having gout or obesity.\n\nStones can hurt.\n\n- Eating dinner late.\n")
    raw = RawDoc("stones.md", "", text, None, None, None, "md", "utf-8", len(text))
    out = process_record(raw, "run-test", T0)
    got = {(c["subject_norm"], c["predicate"], c["outcome_norm"], c["direction"]) for c in out.claims}
    assert {("drinking_too_little_water", "increases", "kidney_stone", 1), ("gout", "increases", "kidney_stone", 1),
            ("obesity", "increases", "kidney_stone", 1)} <= got
    # the list ended at the paragraph that is not a list item
    assert not any(c["subject_norm"].startswith("eating") for c in out.claims)


def test_a_sentence_without_an_introducer_opens_no_list():
    assert list_frame("The factors are still being studied.", "Gout") is None


def test_placeholder_list_item_is_replaced_by_its_examples():
    text = "Treatment options include medications such as triptans or beta blockers, and biofeedback."
    frame, spans, _ = list_frame(text, "Migraine")
    got = {c.subject for c in list_item_claims(text, spans, frame)}
    assert got == {"triptans", "beta blockers", "biofeedback"}


def test_list_introducer_outcome_drops_a_trailing_adverb_and_the_list_stops_at_a_clause():
    text = "Treatment for bursitis usually includes rest and ice, which may ease the swelling."
    frame, spans, _ = list_frame(text, "Bursitis")
    assert frame.outcome == "bursitis"
    assert {c.subject for c in list_item_claims(text, spans, frame)} == {"rest", "ice"}


def test_purpose_clause_is_cut_from_a_list_item():
    text = "Treatment may include creams to relieve itching and antihistamines."
    frame, spans, _ = list_frame(text, "Hives")
    assert {c.subject for c in list_item_claims(text, spans, frame)} == {"creams", "antihistamines"}


def test_therapies_tried_with_minimal_success_have_no_effect():
    text = "Therapies that have been tried with minimal success include massage and acupuncture."
    frame, spans, _ = list_frame(text, "Tinnitus")
    got = {(c.subject, c.predicate, c.direction) for c in list_item_claims(text, spans, frame)}
    assert got == {("massage", "no_effect", 0), ("acupuncture", "no_effect", 0)}


# ------------------------------------------------------------------ open-class constructions (MedQuAD, issue #3)


def subjects_of(sentence: str, subject: str | None = None) -> set[tuple[str, str, str]]:
    return {(c.subject_norm, c.predicate, c.outcome_norm) for c in extract(sentence, subject)}


def test_coordinated_subjects_around_a_lexicon_term_are_all_subjects():
    assert subjects_of("Smoking, air pollution, and radon can cause lung cancer.") == {
        ("smoking", "causes", "cancer"), ("air_pollution", "causes", "cancer"), ("radon", "causes", "cancer")}


def test_an_introductory_phrase_before_a_comma_is_not_a_coordinated_subject():
    assert {c.subject_norm for c in extract("Taken at night, melatonin can cause vivid dreams.", "melatonin")} \
        == {"melatonin"}


def test_placeholder_subject_after_an_inverse_cue_gives_its_examples():
    assert {s for s, _p, _o in subjects_of("Back strain is often caused by activities such as heavy lifting and twisting.")} \
        == {"heavy_lifting", "twisting"}


def test_or_joins_the_subjects_of_an_inverse_cue_before_the_main_verb():
    assert {s for s, _p, _o in subjects_of("Hearing loss due to loud noise or ear infections can be permanent.")} \
        == {"loud_noise", "ear_infections"}


def test_placeholder_subject_of_help_gives_its_examples_on_a_condition_page():
    got = subjects_of("Several things may help, such as splints, massage, and stretching exercises.", "carpal_tunnel")
    assert got == {("splints", "treats", "carpal_tunnel"), ("massage", "treats", "carpal_tunnel"),
                   ("stretching_exercises", "treats", "carpal_tunnel")}


def test_purpose_clause_after_help_or_prescribed_names_its_own_target():
    assert extract("Surgery may be needed to remove the stone.", "gout") == []


def test_affected_people_are_the_pages_topic():
    c = only("Affected people have a higher risk of developing gallstones.", "hereditary_spherocytosis")
    assert (c.subject_norm, c.outcome_norm) == ("hereditary_spherocytosis", "gallstone")


def test_subject_after_the_cue_must_be_a_main_subject_term():
    # "the drugs" after the cue is not what "reduced" is about
    assert not any(c.subject_norm == "medications"
                   for c in extract("Patients who have reduced kidney function may need lower doses of the drugs.", None))


def test_abbreviation_in_brackets_is_part_of_the_outcome_as_written():
    c = claim_on("Heavy drinking raises the risk of chronic obstructive pulmonary disease (COPD).",
                 "chronic_obstructive_pulmonary_disease", None)
    assert c.outcome.endswith("(COPD)")


def test_an_introductory_prepositional_phrase_is_not_a_conjunct_of_the_subject():
    assert {c.subject_norm for c in extract("In older adults, smoking and drinking raise the risk of falls.", None)} \
        == {"smoking", "drinking"}


def test_coordinated_adjectives_do_not_split_a_subject():
    assert {c.subject_norm for c in extract("Current or past use of opioids can cause constipation.", None)} \
        == {"opioids"}


def test_subject_of_a_relative_clause_is_the_noun_before_that():
    got = subjects_of("Some bacteria produce toxins that damage the kidneys.")
    assert {s for s, _p, _o in got} == {"toxins"}


def test_copula_antecedent_of_a_disorder_that_causes():
    got = subjects_of("Fabry disease is an inherited disorder that causes painful hands and feet.")
    assert {s for s, _p, _o in got} == {"fabry_disease"}


def test_problems_with_a_list_reads_every_item():
    got = {c.outcome for c in extract("Jet lag can cause problems with sleeping, concentrating, and digestion.", None)}
    assert got == {"problems with sleeping", "concentrating", "digestion"}


def test_the_condition_as_an_object_is_the_pages_topic():
    c = only("Bacteria that can cause the condition should be treated.", "cellulitis")
    assert (c.subject_norm, c.outcome_norm) == ("bacteria", "cellulitis")


def test_a_variety_of_diseases_ranging_from_gives_the_examples():
    got = subjects_of("Listeria causes a variety of illnesses, ranging from meningitis to sepsis.")
    assert ("listeria", "causes", "meningitis") in got
    assert not any(o.startswith("variety") for _s, _p, o in got)


def test_risk_of_having_and_dying_from_reads_the_diseases():
    got = subjects_of("Drinking increases your risk of having and dying from liver disease and stroke.")
    assert {o for _s, _p, o in got} >= {"liver_disease"}
    assert not any(o in ("having", "dying") for _s, _p, o in got)


def test_a_base_form_cue_used_as_an_adjective_is_not_a_verb():
    assert extract("Gout often affects the big toe and lower legs.", None) == []
