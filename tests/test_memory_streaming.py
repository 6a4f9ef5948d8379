"""Bounded-memory writing (issue #4): the streamed / chunked paths give the same rows as
the whole-table ones, and open dose ranges form dose_label groups."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import io, stages
from pipeline.aggregate import comparable_counts
from pipeline.contradict import find_contradictions, iter_contradictions
from pipeline.schemas import CONTRADICTIONS, RUNS, TABLES
from tests.claim_factory import claim, claims_frame, documents_frame

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw"


def _pairs(n: int) -> pd.DataFrame:
    ids = [f"{(i * 7919) % 65536:04x}{i:012x}" for i in range(n)]  # hex, in no particular order
    return pd.DataFrame({
        "pair_id": ids, "claim_id_a": ids, "claim_id_b": ids, "doc_id_a": "d1", "doc_id_b": "d2",
        "scope": "cross_document", "kind": "direction", "verdict": "contradiction", "subject_norm": "kava",
        "outcome_norm": "insomnia", "separating_condition": None, "same_cluster": False,
        "explanation": [f"pair {i}" for i in range(n)],
    }, columns=CONTRADICTIONS.columns)


def test_write_sorted_writes_what_write_table_writes_for_the_sorted_frame(tmp_path):
    frame = _pairs(1000)
    chunks = [frame.iloc[i:i + 130] for i in range(0, len(frame), 130)]
    assert io.write_sorted(iter(chunks), CONTRADICTIONS, tmp_path / "a", key="pair_id") == 1000
    io.write_table(frame.sort_values("pair_id"), CONTRADICTIONS, tmp_path / "b")
    a, b = io.read_table(tmp_path / "a", "contradictions"), io.read_table(tmp_path / "b", "contradictions")
    pd.testing.assert_frame_equal(a, b)
    assert a["pair_id"].is_monotonic_increasing
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["contradictions"]  # no spill left


def test_write_sorted_of_no_rows_writes_an_empty_table(tmp_path):
    assert io.write_sorted(iter([]), CONTRADICTIONS, tmp_path, key="pair_id") == 0
    out = io.read_table(tmp_path, "contradictions")
    assert out.empty and list(out.columns) == CONTRADICTIONS.columns
    assert pq.read_schema(io.parts(tmp_path, "contradictions")[0]).equals(CONTRADICTIONS.schema)


def _runs(n: int) -> pd.DataFrame:
    t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return stages._frame([{
        "run_id": f"run-{i}", "started_at": t, "finished_at": t, "code_version": "x", "extractor_version": "x",
        "input_root": "in", "validation_success": True, "validation_summary": "", "status": "published",
        **{c: 0 for c in RUNS.columns if c.startswith("n_")}} for i in range(n)], RUNS)


def test_part_writer_gives_the_rows_of_write_part_and_writes_nothing_without_rows(tmp_path):
    frame = _runs(10)
    writer = io.PartWriter(RUNS, tmp_path / "a", "00003")
    for i in range(0, 10, 3):
        writer.write(frame.iloc[i:i + 3])
    writer.write(frame.iloc[:0])
    assert writer.close() == 10
    io.write_part(frame, RUNS, tmp_path / "b", "00003")
    pd.testing.assert_frame_equal(io.read_table(tmp_path / "a", "runs"), io.read_table(tmp_path / "b", "runs"))
    assert [p.name for p in (tmp_path / "a" / "runs").iterdir()] == ["part-00003.parquet"]

    empty = io.PartWriter(RUNS, tmp_path / "c", "00001")
    empty.write(frame.iloc[:0])
    assert empty.close() == 0 and not (tmp_path / "c" / "runs").exists()
    always = io.PartWriter(RUNS, tmp_path / "d", "00000", always=True)
    assert always.close() == 0 and io.read_table(tmp_path / "d", "runs").empty


def test_process_batch_in_small_flushes_writes_the_same_rows(tmp_path, monkeypatch):
    started = datetime(2024, 1, 1, tzinfo=timezone.utc)
    batches = stages.plan_batches(DEMO)

    def run(folder: Path) -> dict[str, pd.DataFrame]:
        for batch in batches:
            stages.process_batch(batch, folder, "run-x", started)
        names = [*("documents", "rejects", "sentences", "claims"), stages.SIGNATURES]
        return {name: pd.concat([pd.read_parquet(p) for p in io.parts(folder, name)], ignore_index=True)
                for name in names}

    whole = run(tmp_path / "whole")
    monkeypatch.setattr(stages, "FLUSH_SENTENCES", 7)
    small = run(tmp_path / "small")
    assert len(whole["claims"]) > 50
    for name, frame in whole.items():
        pd.testing.assert_frame_equal(small[name], frame, obj=name)
    # the sentences were written in more row groups than one flush would give
    assert pq.ParquetFile(io.parts(tmp_path / "small", "sentences")[0]).metadata.num_row_groups > 1


def _many_claims() -> pd.DataFrame:
    rows = []
    for s, subject in enumerate(["kava", "kratom", "valerian", "nan-like", "ashwagandha"]):
        for i in range(6):
            doc = f"d{(i + s) % 3}"
            rows.append(claim(f"{subject}-{i}", doc_id=doc, subject_norm=subject, sentence=f"s{i}",
                              predicate="causes" if i % 2 else "decreases", direction=1 if i % 2 else -1,
                              dose_max=500.0 if i % 3 == 0 else None, dose_unit="mg" if i % 3 == 0 else None,
                              dose_level=["low", "moderate"][i % 2] if i % 3 == 0 else None,
                              outcome_norm="anxiety" if i == 3 else "insomnia",  # i=0, 3: dose_label only
                              modality="possible" if i == 4 else "certain"))
    return claims_frame(*rows)


def test_contradictions_in_small_blocks_and_chunks_are_the_same_rows():
    claims = _many_claims()
    docs = documents_frame(claims, clusters={"d2": "d0"})
    whole = find_contradictions(claims, docs)
    assert len(whole) > 20 and set(whole["kind"]) >= {"direction", "dose_label"}
    chunks = list(iter_contradictions(claims, docs, chunk_rows=5, block_claims=1))
    assert len(chunks) > 1
    small = pd.concat(chunks, ignore_index=True).sort_values("pair_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(small, whole, check_dtype=False)


def test_contradictions_stage_writes_the_pairs_sorted(tmp_path):
    claims = _many_claims()
    docs = documents_frame(claims)
    io.write_table(claims, TABLES["claims"], tmp_path)
    io.write_table(docs, TABLES["documents"], tmp_path)
    assert stages.contradictions(tmp_path) == {"contradictions": len(find_contradictions(claims, docs))}
    written = io.read_table(tmp_path, "contradictions")
    expected = io.to_arrow(find_contradictions(claims, docs), CONTRADICTIONS).to_pandas()
    pd.testing.assert_frame_equal(written, expected)


# ------------------------------------------------------------------ open dose ranges


@pytest.mark.parametrize("dose", [dict(dose_max=500.0), dict(dose_min=5000.0)])
def test_an_open_dose_range_called_two_levels_is_a_dose_label_pair(dose):
    """"up to 500 mg" (no lower end) called low in one sentence and moderate in another;
    the outcomes differ, so only the dose_label group pairs them."""
    claims = claims_frame(
        claim("c1", sentence="s1", dose_unit="mg", dose_level="low", **dose),
        claim("c2", sentence="s2", dose_unit="mg", dose_level="moderate", outcome_norm="anxiety", **dose),
        claim("c3", sentence="s3", dose_unit="mg", dose_level="high", outcome_norm="pain",
              dose_min=1.0, dose_max=500.0),  # another range: not the same dose
    )
    docs = documents_frame(claims)
    out = find_contradictions(claims, docs)
    assert out[["claim_id_a", "claim_id_b", "kind", "verdict"]].values.tolist() == [
        ["c1", "c2", "dose_label", "contradiction"]]
    assert "up to 500 mg" in out.iloc[0]["explanation"] or "over 5000 mg" in out.iloc[0]["explanation"]
    # the aggregates count the same comparable pair
    assert comparable_counts(claims, docs).intra == {"d1": 1}
