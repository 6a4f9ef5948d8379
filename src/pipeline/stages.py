"""Table-level stages: each reads and writes whole tables in a run's staging folder.

These are the units the Prefect flow wires together (flows/build_dataset.py);
they can also be called directly (``run_all``) with identical results.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from pipeline import __version__
from pipeline import io
from pipeline.aggregate import (GROUP_FIELDS, claim_frequency, comparable_counts, corpus_metrics,
                                document_metrics)
from pipeline.contradict import iter_contradictions
from pipeline.dedup import cluster_ids, signatures
from pipeline.extract import extractor_version
from pipeline.ingest import InputFile, Reject, list_inputs, read_input
from pipeline.process import Processed, process_record, reject_row
from pipeline.quality import ValidationReport, validate_folder
from pipeline.schemas import (CLAIMS, DOCUMENTS, REJECTS, RUNS, SENTENCES, TABLES, CONTRADICTIONS,
                              CLAIM_FREQUENCY, DOCUMENT_METRICS, CORPUS_METRICS)

DEFAULT_MAX_BYTES = 20_000_000
STAGING_ROOT = io.STAGING
DEFAULT_BATCH_BYTES = 16_000_000
FLUSH_SENTENCES = 25_000  # rows of a batch are written every this many sentences
# run-internal side tables in the staging folder (never published)
SIGNATURES, REUSED, PREVIOUS_IDS = "_signatures", "_reused", "_previous_ids"
# the claim columns pairing and aggregation need (the sentence text stays on disk)
CLAIM_PAIR_COLUMNS = [
    "claim_id", "doc_id", "sentence_id", "subject_norm", "effect", "predicate", "outcome_norm", "direction",
    "polarity", "modality", "attribution", "condition", "dose_min", "dose_max", "dose_unit", "dose_level",
    "population", "context", "value_min", "value_max", "value_unit", "is_repeat",
]
# the claim columns the aggregates count by (pipeline.aggregate, GROUP_FIELDS among them)
CLAIM_AGGREGATE_COLUMNS = ["claim_id", "doc_id", "is_repeat", "claim_key", *GROUP_FIELDS]


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return "run-" + now.strftime("%Y%m%dT%H%M%S%fZ")


def _frame(rows: list[dict], spec) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=spec.columns)
    return io.to_arrow(df, spec).to_pandas()


# ------------------------------------------------------------------ batches
@dataclass(frozen=True)
class Batch:
    """Inputs processed together by one task (files, or walk rejects)."""
    index: int
    items: tuple  # InputFile | Reject


def plan_batches(input_root: Path, batch_bytes: int = DEFAULT_BATCH_BYTES) -> list[Batch]:
    """Split the input folder into batches of about ``batch_bytes`` of files, in path order.
    Deterministic: the same folder gives the same batches."""
    batches, current, size = [], [], 0
    for item in list_inputs(Path(input_root)):
        current.append(item)
        size += item.size if isinstance(item, InputFile) else 0
        if size >= batch_bytes:
            batches.append(Batch(len(batches), tuple(current)))
            current, size = [], 0
    if current or not batches:
        batches.append(Batch(len(batches), tuple(current)))
    return batches


def previous_doc_ids(output: Path, staging: Path) -> int:
    """Stage the doc ids of the published dataset (for incremental runs); returns their number."""
    ids = pd.DataFrame({"doc_id": pd.Series([], dtype="str")})
    # reuse only a published version (None also for an old-layout folder that a crash of the
    # old per-table publish left as a mix of versions: the next run rebuilds everything)
    if io.published_version(output) is not None:
        runs = io.read_table(output, "runs")
        # reuse only what the same extractor produced
        if len(runs) and runs.iloc[-1]["extractor_version"] == extractor_version():
            ids = io.read_table(output, "documents", columns=["doc_id"])
    io.write_side(ids, staging, PREVIOUS_IDS, "00000")
    return len(ids)


def process_batch(batch: Batch, staging: Path, run_id: str, ingested_at: datetime,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, int]:
    """Ingest, normalize, segment and extract one batch; write its part of documents, rejects,
    sentences and claims (plus MinHash signatures). Documents already published by the same
    extractor are not re-extracted: they are listed for ``carry_over``.

    Rows are written every ``FLUSH_SENTENCES`` sentences (row groups of one part file per
    table): as Python dicts a batch's rows take many times their size in Parquet, so holding
    a whole 16 MB batch cost ~700 MB."""
    staging = Path(staging)
    known = set(pd.read_parquet(staging / PREVIOUS_IDS)["doc_id"]) if (staging / PREVIOUS_IDS).exists() else set()
    part = f"{batch.index:05d}"
    specs = {"documents": DOCUMENTS, "rejects": REJECTS, "sentences": SENTENCES, "claims": CLAIMS}
    # batch 0 always writes, so every table exists
    writers = {name: io.PartWriter(spec, staging, part, always=batch.index == 0) for name, spec in specs.items()}
    rows: dict[str, list[dict]] = {name: [] for name in specs}
    signature_frames, reused = [], []
    seen_ids: set[str] = set()

    def flush() -> None:
        for name, spec in specs.items():
            writers[name].write(pd.DataFrame(rows[name], columns=spec.columns))
        signature_frames.append(_signature_frame(rows["documents"]))
        for pending in rows.values():
            pending.clear()

    try:
        for item in batch.items:
            for rec in _records(item, max_bytes):
                if isinstance(rec, Reject):
                    rows["rejects"].append(reject_row(rec, run_id))
                    continue
                try:
                    result = process_record(rec, run_id, ingested_at, skip_ids=known)
                except Exception as exc:  # a bug on one document must not lose the others
                    result = Reject(rec.source_path, rec.record, "processing_error",
                                    f"{type(exc).__name__}: {exc}", rec.size_bytes)
                if isinstance(result, Processed) and result.document["doc_id"] in seen_ids:
                    result = Reject(rec.source_path, rec.record, "duplicate_source",
                                    "another input in this batch gave the same document id "
                                    "(file names that collide once escaped)", rec.size_bytes)
                if isinstance(result, Reject):
                    rows["rejects"].append(reject_row(result, run_id))
                elif isinstance(result, str):
                    reused.append(result)
                else:
                    seen_ids.add(result.document["doc_id"])
                    rows["documents"].append(result.document)
                    rows["sentences"].extend(result.sentences)
                    rows["claims"].extend(result.claims)
                    if len(rows["sentences"]) >= FLUSH_SENTENCES:
                        flush()
        flush()
        counts = {name: writer.close() for name, writer in writers.items()}
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    io.write_side(pd.concat(signature_frames, ignore_index=True), staging, SIGNATURES, part)
    io.write_side(pd.DataFrame({"doc_id": pd.Series(reused, dtype="str")}), staging, REUSED, part)
    release_memory()
    return {**counts, "reused": len(reused)}


def _records(item, max_bytes: int):
    """The records of one batch item; a reader that breaks mid-file keeps what it read and
    turns the rest of the file into a reject (one bad file never stops the run)."""
    if isinstance(item, Reject):
        yield item
        return
    n = 0
    try:
        for rec in read_input(item, max_bytes):
            n += 1
            yield rec
    except Exception as exc:  # noqa: BLE001 - an unforeseen reader failure on hostile input
        yield Reject(item.rel, f"after:{n}" if n else "", "extraction_failed",
                     f"reader failed after {n} records: {type(exc).__name__}: {exc}", item.size)


def _signature_frame(docs: pd.DataFrame | list[dict]) -> pd.DataFrame:
    """doc_id, text_hash and MinHash signature of documents (a frame or document rows)."""
    if isinstance(docs, list):
        docs = pd.DataFrame(docs, columns=["doc_id", "text_hash", "text"]).astype({"doc_id": "str", "text_hash": "str"})
    return pd.DataFrame({"doc_id": docs["doc_id"], "text_hash": docs["text_hash"],
                         "signature": pd.Series(signatures(list(docs["text"])), dtype="object")})


def release_memory() -> None:
    """Hand the memory a stage freed back to the system. A process keeps its peak otherwise
    (glibc and Arrow's allocator hold freed pages), and the flow's processes live through all
    the stages: a Dask worker idled at its batch peak while the main process validated."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def carry_over(staging: Path, output: Path) -> dict[str, int]:
    """Copy the rows of documents already published (same content, same extractor) into this run."""
    staging = Path(staging)
    reused = pd.concat([pd.read_parquet(p) for p in sorted((staging / REUSED).glob("part-*.parquet"))]
                       or [pd.DataFrame({"doc_id": []})])
    if reused.empty:
        return {"carried_over": 0}
    ids = pa.array(sorted(set(reused["doc_id"])), type=pa.string())
    counts = {}
    for name in ("documents", "sentences", "claims"):
        dataset = ds.dataset(io.parts(output, name), format="parquet")
        table = dataset.to_table(filter=pc.field("doc_id").isin(ids))
        df = table.to_pandas()
        io.write_part(df, TABLES[name], staging, "reused")
        counts[name] = len(df)
        if name == "documents":
            io.write_side(_signature_frame(df), staging, SIGNATURES, "reused")
    return {"carried_over": counts["documents"]}


def deduplicate(staging: Path) -> dict[str, int]:
    """Cluster exact and near duplicates from the staged signatures; rewrite documents parts."""
    staging = Path(staging)
    index = pd.concat([pd.read_parquet(p) for p in sorted((staging / SIGNATURES).glob("part-*.parquet"))],
                      ignore_index=True)
    cluster = cluster_ids(index)

    def rewrite(part: Path) -> None:
        df = pd.read_parquet(part)
        df["cluster_id"] = df["doc_id"].map(cluster).astype("str")
        df["is_cluster_representative"] = df["doc_id"] == df["cluster_id"]
        io.write_part(df, DOCUMENTS, staging, part.stem.removeprefix("part-"))
    # reading and writing the parts (with the full text) is Parquet work outside the GIL:
    # a few parts at a time
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(rewrite, io.parts(staging, "documents")))
    n_clusters = len(set(cluster.values()))
    del index, cluster
    release_memory()
    return {"clusters": n_clusters}


def contradictions(staging: Path) -> dict[str, int]:
    """Find the contradiction pairs and write them sorted by pair_id, a chunk at a time (at
    200 MB there are ~800k pairs: as one frame of dicts they took ~2 GB)."""
    pairs = iter_contradictions(io.read_table(staging, "claims", columns=CLAIM_PAIR_COLUMNS),
                                io.read_table(staging, "documents",
                                              columns=["doc_id", "cluster_id", "is_cluster_representative"]))
    n_pairs = io.write_sorted(pairs, CONTRADICTIONS, staging, key="pair_id")
    release_memory()
    return {"contradictions": n_pairs}


def aggregates(staging: Path, run_id: str) -> dict[str, int]:
    docs = io.read_table(staging, "documents", columns=["doc_id", "cluster_id", "published", "ingested_at"])
    sents = io.read_table(staging, "sentences", columns=["doc_id"])
    claims = io.read_table(staging, "claims", columns=CLAIM_AGGREGATE_COLUMNS)
    # not the explanations: only what the metrics count by
    pairs = io.read_table(staging, "contradictions",
                          columns=["doc_id_a", "scope", "verdict", "subject_norm", "same_cluster"])
    comparable = comparable_counts(claims, docs)  # shared by both metrics tables
    out = {
        "claim_frequency": (claim_frequency(claims, docs), CLAIM_FREQUENCY),
        "document_metrics": (document_metrics(docs, sents, claims, pairs, comparable), DOCUMENT_METRICS),
        "corpus_metrics": (corpus_metrics(docs, claims, pairs, run_id, comparable), CORPUS_METRICS),
    }
    for df, spec in out.values():
        io.write_table(df, spec, staging)
    counts = {name: len(df) for name, (df, _) in out.items()}
    del docs, sents, claims, pairs, comparable, out
    release_memory()
    return counts


def source_fingerprint() -> str:
    """Short git sha of the checkout, with "+dirty.<hash of the diff>" when src/ or flows/ differ
    from HEAD (benchmarks and evaluations record it next to their numbers)."""
    repo = Path(__file__).resolve().parents[2]

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10).stdout
    try:
        sha = git("rev-parse", "--short", "HEAD").strip() or "unknown"
        diff = git("diff", "HEAD", "--", "src", "flows")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha}+dirty.{hashlib.sha1(diff.encode()).hexdigest()[:8]}" if diff else sha


def code_version() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__


def validate(staging: Path) -> ValidationReport:
    report = validate_folder(staging)
    (Path(staging) / "validation_report.txt").write_text(report.format(), encoding="utf-8")
    return report


def record_run(staging: Path, output: Path, run_id: str, started_at: datetime, input_root: Path,
               report: ValidationReport | None) -> pd.DataFrame:
    """Append this run to the published runs history and stage the result. Called once before
    validation (report None: provisional, so the runs table is validated too) and once after."""
    """Append this run to the published runs history and stage the result."""
    counts = {name: io.count_rows(staging, name) for name in
              ("documents", "rejects", "sentences", "claims", "contradictions", "claim_frequency")}
    row = {
        "run_id": run_id, "started_at": started_at, "finished_at": datetime.now(timezone.utc),
        "code_version": code_version(), "extractor_version": extractor_version(),
        "input_root": str(input_root),
        **{f"n_{k}": v for k, v in counts.items()},
        "validation_success": True if report is None else bool(report.success),
        "validation_summary": "pending" if report is None else report.summary(),
        "status": "published" if report is None or report.success else "validation_failed",
    }
    history = []
    if (Path(output) / "runs").exists():
        history.append(io.read_table(output, "runs"))
    runs = pd.concat([*history, _frame([row], RUNS)], ignore_index=True) if history else _frame([row], RUNS)
    runs = runs.drop_duplicates("run_id", keep="last").sort_values("started_at").reset_index(drop=True)
    io.write_table(runs, RUNS, staging)
    return runs


def publish(staging: Path, output: Path, run_id: str) -> Path:
    for side in (SIGNATURES, REUSED, PREVIOUS_IDS):
        io.remove_table(staging, side)
    return io.publish(staging, output, run_id)


def run_all(input_root: Path, output: Path, batch_bytes: int = DEFAULT_BATCH_BYTES,
            max_bytes: int = DEFAULT_MAX_BYTES, incremental: bool = True) -> dict:
    """The whole pipeline without Prefect (same stage functions, same results): for
    benchmarks of orchestration overhead and for debugging."""
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    staging = io.staging_dir(Path(output), run_id)
    counts: dict = {"previous": previous_doc_ids(output, staging) if incremental else 0}
    for batch in plan_batches(input_root, batch_bytes):
        for k, v in process_batch(batch, staging, run_id, started, max_bytes).items():
            counts[k] = counts.get(k, 0) + v
    counts |= carry_over(staging, output)
    counts |= deduplicate(staging)
    counts |= contradictions(staging)
    counts |= aggregates(staging, run_id)
    record_run(staging, output, run_id, started, input_root, None)
    report = validate(staging)
    record_run(staging, output, run_id, started, input_root, report)
    if report.success:
        publish(staging, output, run_id)
    return {"run_id": run_id, "success": report.success, "counts": counts}


def summary(folder: Path) -> dict:
    """Counts an operator wants at the end of a run."""
    rej = io.read_table(folder, "rejects", columns=["reason"])
    pairs = io.read_table(folder, "contradictions", columns=["verdict"])
    return {
        "documents": io.count_rows(folder, "documents"),
        "rejects": len(rej),
        "rejects_by_reason": {k: int(v) for k, v in rej["reason"].value_counts().sort_index().items()},
        "claims": io.count_rows(folder, "claims"),
        "contradictions": len(pairs),
        "contradictions_by_verdict": {k: int(v) for k, v in pairs["verdict"].value_counts().sort_index().items()},
    }
