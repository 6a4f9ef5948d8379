"""Section subjects: a heading that starts with a subject term makes "it" in its section
refer to that subject (pages about several supplements), through the real process_record."""

from datetime import datetime, timezone

from pipeline.extract import section_subject
from pipeline.ingest import RawDoc
from pipeline.process import process_record


def _claims(text: str, title: str) -> list[tuple[str, str, str]]:
    raw = RawDoc("guide.md", "", text, None, title, None, "md", "utf-8", len(text.encode()))
    out = process_record(raw, "run-test", datetime(2026, 1, 1, tzinfo=timezone.utc))
    return [(c["subject_norm"], c["predicate"], c["outcome_norm"]) for c in out.claims]


def test_heading_starting_with_a_subject_term_opens_a_section_about_it():
    text = ("# Three Herbs for Calmer Evenings\n\n"
            "Readers keep asking which herb to try first.\n\n"
            "## 1. Valerian\n\nIt can cause headaches in some people.\n\n"
            "## 2. Melatonin: the popular one\n\nIt helps you fall asleep faster.\n\n"
            "### Side effects\n\nIt can cause nausea.\n")
    claims = _claims(text, "Three Herbs for Calmer Evenings")
    assert ("valerian", "causes", "headache") in claims
    assert ("melatonin", "decreases", "insomnia") in claims
    assert ("melatonin", "causes", "nausea") in claims  # a sub-heading without a term keeps the section


def test_heading_naming_a_subject_inside_a_topic_list_keeps_the_page_subject():
    assert section_subject("Dosage, Caffeine and Liver Safety", "green_tea_extract", "green_tea_extract") \
        == "green_tea_extract"
    assert section_subject("Side effects", "kava", "melatonin") == "kava"


def test_heading_naming_several_subjects_returns_to_the_page_subject():
    assert section_subject("Valerian and melatonin together", "valerian", "sleep_aids") == "sleep_aids"
