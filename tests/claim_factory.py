"""Hand-built claim and document rows with the full declared schemas, for the
contradiction and aggregate tests.

    c1 = claim("c1", predicate="causes", outcome_norm="insomnia", direction=1)
    c2 = claim("c2", predicate="decreases", outcome_norm="insomnia", direction=-1, doc_id="d2")
    claims = claims_frame(c1, c2)          # exactly pipeline.schemas.CLAIMS columns and dtypes
    docs = documents_frame(claims, clusters={"d2": "d1"})
"""

from __future__ import annotations

import pandas as pd

from pipeline.io import to_arrow
from pipeline.schemas import CLAIMS, DOCUMENTS

T0 = pd.Timestamp("2024-05-01T12:00:00", tz="UTC")


def claim(claim_id: str, **fields) -> dict:
    """One claims row; defaults are an affirmed, certain, unconditioned author claim
    "kava causes insomnia" in document d1. ``sentence`` names the sentence inside the doc."""
    doc_id = fields.pop("doc_id", "d1")
    sentence = fields.pop("sentence", claim_id)
    row = dict(
        claim_id=claim_id, doc_id=doc_id, sentence_id=f"{doc_id}:{sentence}",
        subject="kava", subject_norm="kava", effect="causes insomnia", predicate="causes",
        outcome="insomnia", outcome_norm="insomnia", direction=1, polarity="affirmed",
        modality="certain", attribution="author", condition="",
        dose_min=None, dose_max=None, dose_unit=None, dose_level=None, population=None, context=None,
        value_min=None, value_max=None, value_unit=None,
        char_start=0, char_end=15, raw_char_start=0, raw_char_end=15,
        sentence_text="Kava causes insomnia.", is_repeat=False, claim_key="", extractor_version="test-1",
    )
    unknown = set(fields) - set(row)
    assert not unknown, f"not claims columns: {unknown}"
    row.update(fields)
    if not row["claim_key"]:
        band = row["dose_level"] or "any"
        row["claim_key"] = "|".join([row["subject_norm"], row["predicate"], row["outcome_norm"],
                                     str(row["direction"]), row["polarity"], band])
    return row


def claims_frame(*rows: dict) -> pd.DataFrame:
    """Rows as a frame with exactly the declared columns and dtypes (as read_table gives)."""
    frame = pd.DataFrame(list(rows), columns=CLAIMS.columns)
    return to_arrow(frame, CLAIMS).to_pandas()


def documents_frame(claims: pd.DataFrame, clusters: dict[str, str] | None = None,
                    extra_docs: tuple[str, ...] = (), published: dict[str, pd.Timestamp] | None = None
                    ) -> pd.DataFrame:
    """A documents row for every doc_id in ``claims`` (and ``extra_docs``); cluster_id is
    the doc itself unless ``clusters`` maps it elsewhere."""
    clusters = clusters or {}
    published = published or {}
    ids = sorted(set(claims["doc_id"]) | set(extra_docs))
    rows = [dict(doc_id=d, source_path=f"{d}.txt", record="", format="txt", encoding="utf-8",
                 url=None, title=None, published=published.get(d), lang="en", lang_confidence=1.0,
                 n_chars=10, n_chars_raw=10, text="x" * 10, text_hash=f"h-{d}", mojibake_fixed=False,
                 main_subject="kava", cluster_id=clusters.get(d, d),
                 is_cluster_representative=clusters.get(d, d) == d, ingested_at=T0, run_id="run-test")
            for d in ids]
    frame = pd.DataFrame(rows, columns=DOCUMENTS.columns)
    return to_arrow(frame, DOCUMENTS).to_pandas()
