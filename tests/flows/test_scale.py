"""Batches, a 2-worker local Dask cluster and incremental runs all give the same tables."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline import io
from tests.conftest import DEMO

COMPARED = ("documents", "rejects", "sentences", "claims", "contradictions", "claim_frequency",
            "document_metrics", "corpus_metrics")
RUN_COLUMNS = ("run_id", "ingested_at", "first_seen", "last_seen")


def _canonical(folder, name):
    df = io.read_table(folder, name)
    df = df.drop(columns=[c for c in RUN_COLUMNS if c in df.columns])
    return df.sort_values(list(df.columns[:2])).reset_index(drop=True)


def assert_same_tables(a, b):
    for name in COMPARED:
        pd.testing.assert_frame_equal(_canonical(a, name), _canonical(b, name), obj=name)


def test_tiny_batches_on_two_dask_workers_match_one_batch(prefect_harness, demo_output, tmp_path):
    from prefect_dask import DaskTaskRunner

    from flows.build_dataset import build_dataset
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                            "dashboard_address": None})
    out = tmp_path / "dask"
    result = build_dataset.with_options(task_runner=runner)(str(DEMO), str(out), batch_mb=0.004)
    assert result["counts"]["documents"] == io.count_rows(demo_output, "documents")
    assert len(io.parts(out, "claims")) > 3, "the corpus really was split into batches"
    assert_same_tables(demo_output, out)


def test_incremental_run_processes_only_new_documents(prefect_harness, demo_output, tmp_path):
    from flows.build_dataset import build_dataset
    inp = tmp_path / "in"
    shutil.copytree(DEMO, inp)
    extra = inp / "blogs" / "melatonin_sleep_guide.txt"
    held_back = extra.read_text(encoding="utf-8")
    extra.unlink()
    out = tmp_path / "out"
    first = build_dataset(str(inp), str(out))
    assert first["counts"]["reused"] == 0
    extra.write_text(held_back, encoding="utf-8")          # a new file arrives
    second = build_dataset(str(inp), str(out))
    assert second["counts"]["reused"] == first["documents"]
    assert second["counts"]["documents"] == 1                # only the new one was extracted
    assert_same_tables(demo_output, out)                     # same as a full rebuild
    full = build_dataset(str(inp), str(out), incremental=False)
    assert full["counts"]["reused"] == 0
    assert_same_tables(demo_output, out)
