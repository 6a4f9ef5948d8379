"""The real Prefect flow runs on the local ephemeral API and publishes validated tables."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import io
from pipeline.quality import validate_folder
from pipeline.schemas import TABLES
from tests.conftest import DEMO


def test_flow_publishes_every_table(demo_output):
    for name, spec in TABLES.items():
        link = demo_output / name
        assert link.is_symlink(), f"{name} is published as an atomically swapped link"
        schema = pq.read_schema(next(link.glob("*.parquet")))
        assert schema.names == spec.columns
        df = pd.read_parquet(link)  # what an analyst does
        assert list(df.columns) == spec.columns
    runs = io.read_table(demo_output, "runs")
    assert len(runs) == 1 and runs.iloc[0]["status"] == "published" and bool(runs.iloc[0]["validation_success"])
    assert validate_folder(demo_output).success


def test_every_input_is_a_document_or_a_reject(demo_output):
    docs = io.read_table(demo_output, "documents")
    rejects = io.read_table(demo_output, "rejects")
    inputs = {str(p.relative_to(DEMO)) for p in DEMO.rglob("*") if p.is_file()}
    accounted = set(docs["source_path"]) | set(rejects["source_path"])
    assert inputs == accounted
    reasons = dict(zip(rejects["source_path"], rejects["reason"]))
    assert reasons["empty.txt"] == "empty_file"
    assert reasons["broken.txt"] == "binary_content"
    assert any(r == "not_english" for r in reasons.values())


def test_rerun_is_safe_and_deterministic(prefect_harness, demo_output, tmp_path):
    from flows.build_dataset import build_dataset
    out = tmp_path / "out"
    build_dataset(str(DEMO), str(out))
    first = {n: io.read_table(out, n) for n in ("documents", "claims", "contradictions", "claim_frequency")}
    build_dataset(str(DEMO), str(out))
    assert len(io.read_table(out, "runs")) == 2
    for name, df in first.items():
        again = io.read_table(out, name)
        cols = [c for c in df.columns if c not in ("run_id", "ingested_at", "first_seen", "last_seen")]
        pd.testing.assert_frame_equal(df[cols], again[cols])
    # same ids as the session's build in another folder
    other = io.read_table(demo_output, "claims")
    assert set(other["claim_id"]) == set(first["claims"]["claim_id"])


def test_failed_validation_publishes_nothing(prefect_harness, tmp_path, monkeypatch):
    from flows import build_dataset as flow_module
    from pipeline import stages

    out = tmp_path / "out"
    flow_module.build_dataset(str(DEMO), str(out))
    before = io.read_table(out, "claims")
    version_before = io.published_version(out)

    real = stages.contradictions

    def corrupt(staging):  # a contradiction pairing a claim with itself
        result = real(staging)
        pairs = io.read_table(staging, "contradictions")
        pairs.loc[0, "claim_id_b"] = pairs.loc[0, "claim_id_a"]
        io.write_table(pairs, TABLES["contradictions"], staging)
        return result

    monkeypatch.setattr(stages, "contradictions", corrupt)
    with pytest.raises(flow_module.ValidationFailed) as err:
        flow_module.build_dataset(str(DEMO), str(out))
    assert "contradictions" in err.value.report_text
    assert io.published_version(out) == version_before
    pd.testing.assert_frame_equal(before, io.read_table(out, "claims"))
