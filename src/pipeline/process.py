"""Per-document processing: one raw record in, its document, sentence and claim
rows out (or a reject). Pure: no I/O, no global state, so batches can run
anywhere (one process, a pool, a Dask worker) and give identical rows.

The offset map from normalization is only in memory here, so every offset
that must be traced back to the raw text (sentences, claims) is mapped now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from pipeline.dedup import mark_repeats
from pipeline.extract import (claim_key, extract_sentence, extractor_version, find_main_subject, list_frame,
                              list_item_claims, section_subject, stable_id)
from pipeline.ingest import RawDoc, Reject
from pipeline.langid import detect_language
from pipeline.lexicon import joined_words, load_lexicon
from pipeline.normalize import fold_for_hash, normalize, raw_span
from pipeline.segment import segment

UND_REJECT_WORDS = 50  # a text this long with no recognisable language is not English
CAPITALISED = re.compile(r"^[A-Z0-9]")


@dataclass
class Processed:
    document: dict
    sentences: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)


def _title_like(text: str) -> bool:
    """A table-of-contents style line: no final punctuation, mostly capitalised words."""
    if text.rstrip().endswith((".", "!", "?", ":")):
        return False
    words = [w for w in text.split() if len(w) > 3]
    return bool(words) and sum(bool(CAPITALISED.match(w)) for w in words) / len(words) >= 0.6


def _parse_time(value: str | None):
    if not value or not any(ch.isdigit() for ch in value):
        return None  # pandas reads "now" / "today" as the current time
    ts = pd.to_datetime(value, utc=True, errors="coerce")
    return None if pd.isna(ts) else ts.to_pydatetime()


def reject_row(r: Reject, run_id: str) -> dict:
    return {
        "reject_id": stable_id(r.source_path, r.record, r.reason),
        "source_path": r.source_path, "record": r.record, "reason": r.reason,
        "detail": r.detail, "size_bytes": int(r.size_bytes), "run_id": run_id,
    }


def _analyse(sent: str, title: str | None, subject: str | None, lex, memo: dict) -> tuple:
    """(list-introducer hit or None, claims) of one sentence whose "it" is ``subject``. Pages
    restate sentences ("Key Points"): each distinct one is analysed once per page (``memo``)."""
    found = memo.get((sent, subject))
    if found is None:
        joined = joined_words(sent)
        found = memo[sent, subject] = (list_frame(sent, title, lex, joined),
                                       extract_sentence(sent, subject, lex, joined))
    return found


def process_record(raw: RawDoc, run_id: str, ingested_at: datetime,
                   skip_ids: frozenset[str] | set[str] = frozenset()) -> Processed | Reject | str:
    """Process one record. Returns its rows, a Reject, or — when its doc_id is in ``skip_ids``
    (already published with the same content and extractor) — just the doc_id."""
    lex = load_lexicon()
    text, offsets, fixed = normalize(raw.text)
    if not text:
        return Reject(raw.source_path, raw.record, "empty_file", "no text left after normalization", raw.size_bytes)
    lang, confidence = detect_language(text)
    if lang == "und" and len(text.split()) >= UND_REJECT_WORDS:
        return Reject(raw.source_path, raw.record, "not_english",
                      "language undetermined on a long text (no English function words)", raw.size_bytes)
    if lang not in ("en", "und"):
        return Reject(raw.source_path, raw.record, "not_english",
                      f"detected language '{lang}' (confidence {confidence:.2f})", raw.size_bytes)
    text_hash = stable_id(fold_for_hash(text), n=32)
    doc_id = stable_id(raw.source_path, raw.record, text_hash)
    if doc_id in skip_ids:
        return doc_id
    segments = segment(text)
    sent_texts = [text[s.start:s.end] for s in segments]
    repeats = mark_repeats(sent_texts)
    title = raw.title or next((t for s, t in zip(segments, sent_texts) if s.is_heading), None)
    main_subject = find_main_subject(text, title, lex)
    version = extractor_version(lex)

    sentences, claims = [], []
    frame = None  # the open list introducer, if any
    memo: dict[tuple, tuple] = {}
    subject = main_subject  # a heading naming another subject term opens a section about it
    for idx, (seg, sent, rep) in enumerate(zip(segments, sent_texts, repeats)):
        sentence_id = f"{doc_id}:{idx:05d}"
        r_start, r_end = raw_span(offsets, seg.start, seg.end)
        sentences.append({
            "sentence_id": sentence_id, "doc_id": doc_id, "sentence_index": idx,
            "char_start": seg.start, "char_end": seg.end,
            "raw_char_start": r_start, "raw_char_end": r_end, "text": sent,
            "is_heading": bool(seg.is_heading), "is_list_item": bool(seg.is_list_item),
            "is_repeat": rep is not None,
            "repeat_of": f"{doc_id}:{rep:05d}" if rep is not None else None,
        })
        if seg.is_heading:
            subject = section_subject(sent, subject, main_subject, lex)
        if seg.is_heading or sent.rstrip().endswith("?"):
            frame = None
            continue  # a heading or a question is not a claim
        hit, found = _analyse(sent, title, subject, lex, memo)
        # a list introducer ("Risk factors for X include:") makes its items claims about X
        listed: list = []
        if hit is not None:
            new_frame, spans, goes_on = hit
            listed = list_item_claims(sent, spans, new_frame, lex)
            frame = new_frame if goes_on else None
        elif frame is not None and seg.is_list_item:
            listed = list_item_claims(sent, [(0, len(sent))], frame, lex)
        else:
            frame = None
        found = [] if seg.is_list_item and _title_like(sent) else list(found)
        keys = {(c.subject_norm, c.outcome_norm, c.direction, c.polarity) for c in found}
        found += [c for c in listed if (c.subject_norm, c.outcome_norm, c.direction, c.polarity) not in keys]
        for c in found:
            start, end = seg.start + c.start, seg.start + c.end
            rs, re_ = raw_span(offsets, start, end)
            row = {
                "claim_id": "", "doc_id": doc_id, "sentence_id": sentence_id,
                "subject": c.subject, "subject_norm": c.subject_norm, "effect": c.effect,
                "predicate": c.predicate, "outcome": c.outcome, "outcome_norm": c.outcome_norm,
                "direction": int(c.direction), "polarity": c.polarity, "modality": c.modality,
                "attribution": c.attribution, "condition": c.condition,
                "dose_min": c.dose_min, "dose_max": c.dose_max, "dose_unit": c.dose_unit,
                "dose_level": c.dose_level, "population": c.population, "context": c.context,
                "value_min": c.value_min, "value_max": c.value_max, "value_unit": c.value_unit,
                "char_start": start, "char_end": end, "raw_char_start": rs, "raw_char_end": re_,
                "sentence_text": sent, "is_repeat": rep is not None,
                "claim_key": claim_key(c), "extractor_version": version,
            }
            row["claim_id"] = stable_id(sentence_id, start, end, c.subject_norm, c.predicate, c.outcome_norm,
                                        c.direction, c.polarity)
            claims.append(row)

    document = {
        "doc_id": doc_id, "source_path": raw.source_path, "record": raw.record,
        "format": raw.format, "encoding": raw.encoding, "url": raw.url, "title": title,
        "published": _parse_time(raw.published), "lang": lang, "lang_confidence": float(confidence),
        "n_chars": len(text), "n_chars_raw": len(raw.text), "text": text, "text_hash": text_hash,
        "mojibake_fixed": bool(fixed), "main_subject": main_subject,
        "cluster_id": doc_id, "is_cluster_representative": True,
        "ingested_at": ingested_at, "run_id": run_id,
    }
    return Processed(document, sentences, claims)
