"""Table-level stages: each reads and writes whole tables in a run's staging folder.

These are the units the Prefect flow wires together (flows/build_dataset.py);
they can also be called directly (``run_all``) with identical results.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from pipeline import __version__
from pipeline import io
from pipeline.aggregate import claim_frequency, corpus_metrics, document_metrics
from pipeline.contradict import find_contradictions
from pipeline.dedup import assign_clusters
from pipeline.extract import extractor_version
from pipeline.ingest import Reject, iter_inputs
from pipeline.process import Processed, process_record, reject_row
from pipeline.quality import ValidationReport, validate_tables
from pipeline.schemas import (CLAIMS, DOCUMENTS, REJECTS, RUNS, SENTENCES, TABLES, CONTRADICTIONS,
                              CLAIM_FREQUENCY, DOCUMENT_METRICS, CORPUS_METRICS)

DEFAULT_MAX_BYTES = 20_000_000


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return "run-" + now.strftime("%Y%m%dT%H%M%S%fZ")


def _frame(rows: list[dict], spec) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=spec.columns)
    return io.to_arrow(df, spec).to_pandas()


def ingest_and_extract(input_root: Path, staging: Path, run_id: str, ingested_at: datetime,
                       max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, int]:
    """Read every input, normalize, segment and extract; stage documents, rejects,
    sentences and claims. Every input ends up as a document or a reject."""
    docs, rejects, sentences, claims = [], [], [], []
    for item in iter_inputs(Path(input_root), max_bytes=max_bytes):
        if isinstance(item, Reject):
            rejects.append(reject_row(item, run_id))
            continue
        try:
            result = process_record(item, run_id, ingested_at)
        except Exception as exc:  # a bug on one document must not lose the others
            result = Reject(item.source_path, item.record, "processing_error",
                            f"{type(exc).__name__}: {exc}", item.size_bytes)
        if isinstance(result, Reject):
            rejects.append(reject_row(result, run_id))
            continue
        docs.append(result.document)
        sentences.extend(result.sentences)
        claims.extend(result.claims)
    tables = {
        "documents": _dedupe(_frame(docs, DOCUMENTS), "doc_id"),
        "rejects": _dedupe(_frame(rejects, REJECTS), "reject_id"),
        "sentences": _dedupe(_frame(sentences, SENTENCES), "sentence_id"),
        "claims": _dedupe(_frame(claims, CLAIMS), "claim_id"),
    }
    for name, df in tables.items():
        io.write_table(df, TABLES[name], staging)
    return {name: len(df) for name, df in tables.items()}


def _dedupe(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Identical inputs (e.g. the same file listed twice through a symlink) give identical ids."""
    return df.drop_duplicates(subset=[key]).sort_values(key, kind="stable").reset_index(drop=True)


def deduplicate(staging: Path) -> dict[str, int]:
    docs = assign_clusters(io.read_table(staging, "documents"))
    io.write_table(docs, DOCUMENTS, staging)
    return {"clusters": int(docs["cluster_id"].nunique()) if len(docs) else 0}


def contradictions(staging: Path) -> dict[str, int]:
    pairs = find_contradictions(io.read_table(staging, "claims"), io.read_table(staging, "documents"))
    io.write_table(pairs, CONTRADICTIONS, staging)
    return {"contradictions": len(pairs)}


def aggregates(staging: Path, run_id: str) -> dict[str, int]:
    docs, sents = io.read_table(staging, "documents"), io.read_table(staging, "sentences")
    claims, pairs = io.read_table(staging, "claims"), io.read_table(staging, "contradictions")
    out = {
        "claim_frequency": (claim_frequency(claims, docs), CLAIM_FREQUENCY),
        "document_metrics": (document_metrics(docs, sents, claims, pairs), DOCUMENT_METRICS),
        "corpus_metrics": (corpus_metrics(docs, claims, pairs, run_id), CORPUS_METRICS),
    }
    for df, spec in out.values():
        io.write_table(df, spec, staging)
    return {name: len(df) for name, (df, _) in out.items()}


def code_version() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__


def validate(staging: Path) -> ValidationReport:
    tables = {name: io.read_table(staging, name) for name in TABLES if (staging / name).exists()}
    report = validate_tables(tables)
    (staging / "validation_report.txt").write_text(report.format(), encoding="utf-8")
    return report


def record_run(staging: Path, output: Path, run_id: str, started_at: datetime, input_root: Path,
               report: ValidationReport) -> pd.DataFrame:
    """Append this run to the published runs history and stage the result."""
    counts = {name: len(io.read_table(staging, name)) for name in
              ("documents", "rejects", "sentences", "claims", "contradictions", "claim_frequency")}
    row = {
        "run_id": run_id, "started_at": started_at, "finished_at": datetime.now(timezone.utc),
        "code_version": code_version(), "extractor_version": extractor_version(),
        "input_root": str(input_root),
        **{f"n_{k}": v for k, v in counts.items()},
        "validation_success": bool(report.success), "validation_summary": report.summary(),
        "status": "published" if report.success else "validation_failed",
    }
    history = []
    if (Path(output) / "runs").exists():
        history.append(io.read_table(output, "runs"))
    runs = pd.concat([*history, _frame([row], RUNS)], ignore_index=True) if history else _frame([row], RUNS)
    runs = runs.drop_duplicates("run_id", keep="last").sort_values("started_at").reset_index(drop=True)
    io.write_table(runs, RUNS, staging)
    return runs


def publish(staging: Path, output: Path, run_id: str) -> Path:
    return io.publish(staging, output, run_id)


def summary(staging_or_output: Path) -> dict:
    """Counts an operator wants at the end of a run."""
    folder = Path(staging_or_output)
    rej = io.read_table(folder, "rejects")
    pairs = io.read_table(folder, "contradictions")
    return {
        "documents": len(io.read_table(folder, "documents")),
        "rejects": len(rej),
        "rejects_by_reason": json.loads(rej["reason"].value_counts().to_json()) if len(rej) else {},
        "claims": len(io.read_table(folder, "claims")),
        "contradictions": len(pairs),
        "contradictions_by_verdict": json.loads(pairs["verdict"].value_counts().to_json()) if len(pairs) else {},
    }
