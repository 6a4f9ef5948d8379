"""pipeline.conditions: dose and duration parsing in many notations, dose-level words
attached to a dose noun, and disjointness of (possibly open) ranges."""

from __future__ import annotations

import pytest

from pipeline.conditions import find_dose_levels, parse_doses, parse_durations, ranges_disjoint
from pipeline.lexicon import tokenize
from pipeline.normalize import normalize_text


def one_dose(sentence: str):
    doses = parse_doses(sentence)
    assert len(doses) == 1, doses
    return doses[0]


def dose_range(sentence: str):
    d = one_dose(sentence)
    return d.lo, d.hi, d.unit


def levels(sentence: str) -> list[tuple[str, str]]:
    return [(m.value, m.text) for m in find_dose_levels(tokenize(sentence), sentence)]


# ------------------------------------------------------------------ doses: ranges


@pytest.mark.parametrize("sentence", [
    "Take 1-3 grams with water.",
    "Take 1 to 3 grams with water.",
    "Take 1 - 3 grams with water.",
    "Take between 1 and 3 grams with water.",
    "Take 1 g to 3 g with water.",
    "Take 1 g-3 g with water.",
    "Take 1000-3000 mg with water.",
])
def test_gram_ranges_in_any_notation_are_1000_to_3000_mg(sentence):
    assert dose_range(sentence) == (1000.0, 3000.0, "mg")


def test_en_dash_range_parses_after_normalization():
    sentence = normalize_text("Take 1\u20133 g with water.")
    assert sentence == "Take 1-3 g with water."
    assert dose_range(sentence) == (1000.0, 3000.0, "mg")


def test_decimal_range_in_mg():
    assert dose_range("Doses of 0.5-5 mg are common.") == (0.5, 5.0, "mg")


def test_range_with_mixed_units_converts_each_side():
    assert dose_range("Most take 500 mg to 1 g.") == (500.0, 1000.0, "mg")


def test_number_word_range():
    assert dose_range("Some take two to four grams.") == (2000.0, 4000.0, "mg")


def test_or_range_of_capsules():
    assert dose_range("Swallow 1 or 2 capsules.") == (1.0, 2.0, "capsules")


# ------------------------------------------------------------------ doses: single values and units


def test_unit_glued_to_the_number():
    assert dose_range("Take 300mg daily.") == (300.0, 300.0, "mg")


def test_thousands_separator_is_read():
    assert dose_range("Some take 1,200 mg.") == (1200.0, 1200.0, "mg")


def test_micrograms_convert_to_mg():
    assert dose_range("Take 500 mcg daily.") == (0.5, 0.5, "mg")


FORM_NOUN_BUG = ("bug: in '<n> <mass unit> <form noun>' the regex reads the mass unit as the optional "
                 "first-side unit 'ua' and the form noun as the unit, and with no second number the "
                 "factor of 'u' is used: 'a 300mg capsule' -> (300, 300, 'capsules'), "
                 "'a 500 mcg tablet' -> (500, 500, 'tablets')")


def test_mass_before_a_form_noun_is_a_mass_dose():
    assert dose_range("Swallow a 300mg capsule.") == (300.0, 300.0, "mg")


def test_micrograms_before_a_form_noun_convert_to_mg():
    assert dose_range("Chew one 500 mcg tablet.") == (0.5, 0.5, "mg")


def test_international_units_stay_iu():
    assert dose_range("Adults may need 5,000 IU.") == (5000.0, 5000.0, "IU")


def test_household_measure_is_unparsed_without_numbers():
    d = one_dose("Stir 1 teaspoon into tea.")
    assert (d.lo, d.hi, d.unit) == (None, None, "unparsed")
    assert d.text == "1 teaspoon"


def test_text_and_span_point_into_the_sentence():
    sentence = "Start with 2 g daily."
    d = one_dose(sentence)
    assert sentence[d.start:d.end] == d.text == "2 g"


def test_two_separate_amounts_are_two_doses():
    assert [(d.lo, d.hi) for d in parse_doses("Either 3 g, or 5 g.")] == [(3000.0, 3000.0), (5000.0, 5000.0)]


def test_sentence_without_amount_has_no_dose():
    assert parse_doses("Kratom may help with sleep.") == []


def test_number_without_unit_is_not_a_dose():
    assert parse_doses("In 2019, 40 people took part.") == []


# ------------------------------------------------------------------ doses: open ends


def test_up_to_is_an_upper_bound():
    d = one_dose("Take up to 5 g.")
    assert (d.lo, d.hi, d.unit) == (None, 5000.0, "mg")
    assert d.text == "up to 5 g"


def test_more_than_is_a_lower_bound():
    d = one_dose("Avoid more than 10 mg.")
    assert (d.lo, d.hi, d.unit) == (10.0, None, "mg")
    assert d.text == "more than 10 mg"


@pytest.mark.parametrize("sentence, expected", [
    ("at least 2 g", (2000.0, None)),
    ("no more than 4 grams", (None, 4000.0)),
    ("doses above 5 grams", (5000.0, None)),
    ("less than 1 g", (None, 1000.0)),
])
def test_other_bound_words(sentence, expected):
    d = one_dose(sentence)
    assert (d.lo, d.hi) == expected


def test_bound_word_does_not_open_an_explicit_range():
    assert dose_range("Take up to 1-3 g.") == (1000.0, 3000.0, "mg")


# ------------------------------------------------------------------ doses: per day / per dose


def test_a_day_means_per_day():
    d = one_dose("Adults take 1,200 mg a day.")
    assert (d.lo, d.hi, d.per) == (1200.0, 1200.0, "day")


def test_daily_means_per_day():
    assert one_dose("Take 5000 IU daily.").per == "day"


def test_per_dose():
    assert one_dose("Use 5 mg per dose.").per == "dose"


def test_no_per_phrase_leaves_per_empty():
    assert one_dose("Use 5 mg at night.").per is None


# ------------------------------------------------------------------ durations


def test_hour_range():
    d, = parse_durations("Effects fade after 24 to 72 hours.")
    assert (d.lo, d.hi, d.unit) == (24.0, 72.0, "h")


def test_minutes_convert_to_hours():
    d, = parse_durations("It kicks in within 30 minutes.")
    assert d.unit == "h"
    assert d.lo == d.hi == pytest.approx(0.5, rel=1e-4)


def test_number_word_weeks_convert_to_hours():
    d, = parse_durations("Benefits appear after two to four weeks.")
    assert (d.lo, d.hi) == (336.0, 672.0)


def test_between_hours():
    d, = parse_durations("Peak levels arrive between 2 and 4 hours.")
    assert (d.lo, d.hi) == (2.0, 4.0)


def test_masses_are_not_durations():
    assert parse_durations("Take 3 g.") == []


def test_durations_are_not_doses():
    assert parse_doses("Wait 3 hours.") == []


def test_half_an_hour_is_half_an_hour():
    d, = parse_durations("It takes effect within half an hour.")
    assert d.lo == d.hi == pytest.approx(0.5)


# ------------------------------------------------------------------ dose levels


def test_lower_doses_is_low():
    assert levels("At lower doses it feels mild.") == [("low", "lower doses")]


def test_level_word_may_be_two_words_from_the_dose_noun():
    assert levels("Take a moderate kratom dose.") == [("moderate", "moderate kratom dose")]


def test_high_amounts_is_high():
    assert levels("High amounts are risky.") == [("high", "High amounts")]


def test_large_amounts_is_high():
    assert levels("Avoid large amounts of caffeine.") == [("high", "large amounts")]


@pytest.mark.parametrize("sentence", [
    "Buy a high-quality product.",
    "This tea is low in sugar.",
    "Low mood is common in winter.",
    "The high is short.",
])
def test_level_word_without_a_dose_noun_is_not_a_dose_level(sentence):
    assert levels(sentence) == []


def test_mention_span_points_into_the_sentence():
    sentence = "Only small doses are safe."
    m, = find_dose_levels(tokenize(sentence), sentence)
    assert sentence[m.start:m.end] == m.text == "small doses"


# ------------------------------------------------------------------ ranges_disjoint


def test_separate_closed_ranges_are_disjoint():
    assert ranges_disjoint(1000, 3000, 5000, 8000)
    assert ranges_disjoint(5000, 8000, 1000, 3000)


def test_overlapping_closed_ranges_are_not_disjoint():
    assert not ranges_disjoint(1000, 3000, 2000, 5000)


def test_touching_ranges_share_the_end_point():
    assert not ranges_disjoint(1000, 3000, 3000, 5000)


def test_open_upper_end_above_the_other_range_is_disjoint():
    assert ranges_disjoint(1000, 3000, 5000, None)   # 1-3 g vs more than 5 g


def test_open_upper_end_reaching_into_the_other_range_is_not_disjoint():
    assert not ranges_disjoint(1000, 3000, 2000, None)


def test_open_lower_end_below_the_other_range_is_disjoint():
    assert ranges_disjoint(None, 500, 1000, 3000)    # up to 500 mg vs 1-3 g


def test_two_upper_bounds_always_overlap():
    assert not ranges_disjoint(None, 500, None, 5000)


def test_fully_open_range_overlaps_everything():
    assert not ranges_disjoint(None, None, 1000, 3000)
    assert not ranges_disjoint(1000, 3000, None, None)
