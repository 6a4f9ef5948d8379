"""A consistent mini dataset covering every table in schemas.TABLES, for tests to reuse.

Two documents, three sentences, two claims in different documents that contradict
each other (one cross-document pair), their claim_frequency rows, per-document and
corpus metrics, one reject and one run. Every foreign key resolves, every offset
lies inside its document, every enum value is declared.

    tables = mini_tables()            # dict[str, pd.DataFrame], fresh copy per call
    write_tables(tables, tmp_path)    # through pipeline.io.write_table
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.io import to_arrow, write_table
from pipeline.schemas import TABLES

RUN_ID = "run-0001"
T0 = pd.Timestamp("2024-05-01T12:00:00", tz="UTC")
T1 = pd.Timestamp("2024-05-01T12:00:05", tz="UTC")

TEXT_A = "Kratom may alleviate insomnia. At higher doses it can cause insomnia."
TEXT_B = "Kratom improves sleep quality."


def _typed(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame with exactly the declared columns and dtypes (as read_table gives)."""
    spec = TABLES[name]
    frame = pd.DataFrame(rows, columns=spec.columns)
    return to_arrow(frame, spec).to_pandas()


def empty_table(name: str) -> pd.DataFrame:
    return TABLES[name].schema.empty_table().to_pandas()


def mini_tables() -> dict[str, pd.DataFrame]:
    doc_a, doc_b = "doc-a", "doc-b"
    s_a0, s_a1, s_b0 = f"{doc_a}:0", f"{doc_a}:1", f"{doc_b}:0"
    documents = [
        dict(doc_id=doc_a, source_path="a.txt", record="", format="txt", encoding="utf-8",
             url=None, title="Kratom and sleep", published=None, lang="en", lang_confidence=0.97,
             n_chars=len(TEXT_A), n_chars_raw=len(TEXT_A), text=TEXT_A, text_hash="h-a",
             mojibake_fixed=False, main_subject="kratom", cluster_id=doc_a,
             is_cluster_representative=True, ingested_at=T0, run_id=RUN_ID),
        dict(doc_id=doc_b, source_path="b.jsonl", record="line:1", format="jsonl",
             encoding="utf-8", url="https://example.org/b", title=None, published=T0,
             lang="en", lang_confidence=0.9, n_chars=len(TEXT_B), n_chars_raw=len(TEXT_B) + 2,
             text=TEXT_B, text_hash="h-b", mojibake_fixed=True, main_subject=None,
             cluster_id=doc_b, is_cluster_representative=True, ingested_at=T0, run_id=RUN_ID),
    ]
    split = TEXT_A.index("At")

    def sentence(sid, doc, index, start, end, text):
        return dict(sentence_id=sid, doc_id=doc, sentence_index=index, char_start=start,
                    char_end=end, raw_char_start=start, raw_char_end=end, text=text[start:end],
                    is_heading=False, is_list_item=False, is_repeat=False, repeat_of=None)

    sentences = [
        sentence(s_a0, doc_a, 0, 0, split - 1, TEXT_A),
        sentence(s_a1, doc_a, 1, split, len(TEXT_A), TEXT_A),
        sentence(s_b0, doc_b, 0, 0, len(TEXT_B), TEXT_B),
    ]

    def claim(cid, doc, sid, text, effect, predicate, outcome_norm, direction, modality,
              condition="", dose_level=None):
        start = text.index(effect)
        return dict(claim_id=cid, doc_id=doc, sentence_id=sid, subject="kratom",
                    subject_norm="kratom", effect=effect, predicate=predicate, outcome=outcome_norm,
                    outcome_norm=outcome_norm, direction=direction, polarity="affirmed",
                    modality=modality, attribution="author", condition=condition,
                    dose_min=None, dose_max=None, dose_unit=None, dose_level=dose_level,
                    population=None, context=None, value_min=None, value_max=None,
                    value_unit=None, char_start=start, char_end=start + len(effect),
                    raw_char_start=start, raw_char_end=start + len(effect),
                    sentence_text=next(s["text"] for s in sentences if s["sentence_id"] == sid),
                    is_repeat=False, claim_key=f"kratom|{predicate}|{outcome_norm}|{direction}",
                    extractor_version="x-1")

    claims = [
        claim("c-1", doc_a, s_a1, TEXT_A, "cause insomnia", "causes", "insomnia", 1, "possible",
              condition="at higher doses", dose_level="high"),
        claim("c-2", doc_b, s_b0, TEXT_B, "improves sleep quality", "decreases", "insomnia", -1,
              "certain"),
    ]
    contradictions = [dict(
        pair_id="p-1", claim_id_a="c-1", claim_id_b="c-2", doc_id_a=doc_a, doc_id_b=doc_b,
        scope="cross_document", kind="direction", verdict="conditional",
        subject_norm="kratom", outcome_norm="insomnia", separating_condition="dose_level",
        same_cluster=False, explanation="causes insomnia at higher doses vs improves sleep")]
    claim_frequency = [
        dict(claim_key=c["claim_key"], subject_norm="kratom", predicate=c["predicate"],
             outcome_norm="insomnia", direction=c["direction"], polarity="affirmed",
             dose_band=c["dose_level"] or "any", n_mentions=1, n_documents=1, n_clusters=1,
             first_seen=T0, last_seen=T0, example_claim_id=c["claim_id"])
        for c in claims]
    document_metrics = [
        dict(doc_id=doc_a, n_sentences=2, n_claims=1, n_comparable_pairs=0, n_contradictions=0,
             n_conditional=0, n_hedged=0, self_contradiction_rate=0.0,
             has_self_contradiction=False),
        dict(doc_id=doc_b, n_sentences=1, n_claims=1, n_comparable_pairs=0, n_contradictions=0,
             n_conditional=0, n_hedged=0, self_contradiction_rate=0.0,
             has_self_contradiction=False),
    ]
    corpus_metrics = [
        dict(run_id=RUN_ID, subject_norm=subject, n_documents=2, n_clusters=2, n_claims=2,
             n_self_contradicting=0, share_self_contradicting=0.0, n_cross_document_pairs=1,
             n_cross_document_contradictions=0, cross_document_contradiction_rate=0.0)
        for subject in ("__all__", "kratom")]
    rejects = [dict(reject_id="r-1", source_path="empty.txt", record="", reason="empty_file",
                    detail="file has no text", size_bytes=0, run_id=RUN_ID)]
    runs = [dict(run_id=RUN_ID, started_at=T0, finished_at=T1, code_version="0.1.0",
                 extractor_version="x-1", input_root="data/raw", n_documents=2, n_rejects=1,
                 n_sentences=3, n_claims=2, n_contradictions=1, n_claim_frequency=2,
                 validation_success=True, validation_summary="ok", status="published")]
    rows = dict(documents=documents, rejects=rejects, sentences=sentences, claims=claims,
                contradictions=contradictions, claim_frequency=claim_frequency,
                document_metrics=document_metrics, corpus_metrics=corpus_metrics, runs=runs)
    assert set(rows) == set(TABLES)
    return {name: _typed(name, rows[name]) for name in TABLES}


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    """Write every table with pipeline.io.write_table (the declared schemas)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_table(frame, TABLES[name], folder)
    return folder


# Columns holding ids: suffixed per copy by scaled_tables so keys stay unique and
# references keep resolving.
_ID_COLUMNS = {
    "documents": ["doc_id", "cluster_id"],
    "rejects": ["reject_id"],
    "sentences": ["sentence_id", "doc_id", "repeat_of"],
    "claims": ["claim_id", "doc_id", "sentence_id", "claim_key"],
    "contradictions": ["pair_id", "claim_id_a", "claim_id_b", "doc_id_a", "doc_id_b"],
    "claim_frequency": ["claim_key", "example_claim_id"],
    "document_metrics": ["doc_id"],
    "corpus_metrics": ["subject_norm"],
    "runs": ["run_id"],
}


def scaled_tables(copies: int) -> dict[str, pd.DataFrame]:
    """``copies`` disjoint copies of mini_tables() (ids suffixed '#<copy>'), still valid:
    for benchmarks (copies=50_000 gives 50k-150k rows per table)."""
    out = {}
    for name, frame in mini_tables().items():
        big = frame.loc[frame.index.repeat(copies)].reset_index(drop=True)
        suffix = "#" + (pd.Series(range(len(big))) % copies).astype("str")  # copy number
        for column in _ID_COLUMNS[name]:
            big[column] = big[column] + suffix.values
        out[name] = big
    return out
