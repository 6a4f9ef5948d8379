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
    """The local cluster ``pipeline run --workers 2`` builds: workers forked from a fork server
    that imported the pipeline once."""
    from flows.build_dataset import build_dataset, shared_prefect_api
    from pipeline.cli import local_dask_runner, stop_fork_server
    out = tmp_path / "dask"
    try:
        with shared_prefect_api():
            result = build_dataset.with_options(task_runner=local_dask_runner(2))(
                str(DEMO), str(out), batch_mb=0.004)
    finally:
        stop_fork_server()
    assert result["counts"]["documents"] == io.count_rows(demo_output, "documents")
    assert len(io.parts(out, "claims")) > 3, "the corpus really was split into batches"
    assert_same_tables(demo_output, out)


def test_cli_with_two_workers_shares_one_prefect_server(demo_output, tmp_path):
    """``pipeline run --workers 2`` without a configured API: the Dask workers report to the
    one local server the command started (each used to start a temporary server of its own),
    and the tables are those of one process."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    out = tmp_path / "out"
    probe = ("import sys, psutil, runpy, threading, time\n"
             "servers = set()\n"
             "def watch():\n"
             "    while True:\n"
             "        for p in psutil.Process().children(recursive=True):\n"
             "            try:\n"
             "                cmd = ' '.join(p.cmdline())\n"
             "                if 'uvicorn' in cmd or 'server start' in cmd: servers.add(p.pid)\n"
             "            except psutil.Error: pass\n"
             "        time.sleep(0.2)\n"
             "threading.Thread(target=watch, daemon=True).start()\n"
             "sys.argv = ['pipeline', 'run', '--input', sys.argv[1], '--output', sys.argv[2], '--workers', '2',"
             " '--batch-mb', '0.004']\n"
             "try:\n"
             "    runpy.run_module('pipeline', run_name='__main__')\n"
             "finally:\n"
             "    print('PREFECT SERVERS', len(servers))\n")
    done = subprocess.run([sys.executable, "-c", probe, str(DEMO), str(out)], env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PREFECT SERVERS 1" in done.stdout
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
