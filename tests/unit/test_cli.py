"""The command line: clear one-line errors for user mistakes, exit codes, the validate gate."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_missing_input_folder(tmp_path):
    r = run("run", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out"))
    assert r.exit_code == 2
    assert "does not exist" in r.output and "Traceback" not in r.output


def test_empty_input_folder(tmp_path):
    (tmp_path / "in").mkdir()
    r = run("run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    assert r.exit_code == 2
    assert "holds no files" in r.output


def test_validate_missing_output(tmp_path):
    r = run("validate", "--output", str(tmp_path / "nope"))
    assert r.exit_code == 2


def test_help_has_examples():
    for cmd in ("run", "validate", "eval"):
        r = run(cmd, "--help")
        assert r.exit_code == 0 and "Example" in r.output


def _corrupt(folder, table, fn):
    path = next((folder / table).glob("*.parquet"))
    df = pq.read_table(path).to_pandas()
    fn(df)
    target = path.resolve()
    df.to_parquet(target, index=False)


@pytest.mark.parametrize("table, corrupt, expect", [
    ("claims", lambda df: df.__setitem__("claim_id", [None] + list(df["claim_id"][1:])), "claim_id"),
    ("contradictions", lambda df: df.__setitem__("verdict", ["maybe"] + list(df["verdict"][1:])), "verdict"),
    ("contradictions", lambda df: df.__setitem__("claim_id_b", ["0" * 16] + list(df["claim_id_b"][1:])), "claim_id_b"),
])
def test_validate_names_the_failure(demo_output, tmp_path, table, corrupt, expect):
    out = tmp_path / "out"
    shutil.copytree(demo_output, out, symlinks=True)
    assert run("validate", "--output", str(out)).exit_code == 0
    _corrupt(out, table, corrupt)
    r = run("validate", "--output", str(out))
    assert r.exit_code == 1
    assert table in r.output and expect in r.output


def test_validate_builds_data_docs(demo_output, tmp_path):
    r = run("validate", "--output", str(demo_output), "--docs", str(tmp_path / "docs"))
    assert r.exit_code == 0, r.output
    index = tmp_path / "docs" / "index.html"
    assert index.exists() and "data docs:" in r.output
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert len(pages) >= 9  # one validation page per table


def test_report_command(demo_output, tmp_path):
    r = run("report", "--output", str(demo_output), "--dest", str(tmp_path / "r.html"))
    assert r.exit_code == 0 and (tmp_path / "r.html").stat().st_size > 10_000
    assert run("report", "--output", str(tmp_path / "nothing")).exit_code == 2


# ------------------------------------------------------------------ --workers wiring
def test_one_worker_runs_without_dask():
    from pipeline.cli import _task_runner
    assert _task_runner(1, None) is None


def test_workers_get_a_cheap_local_dask_cluster(monkeypatch):
    """One thread per worker process, no dashboard, workers forked from the preloaded fork
    server, no per-task profiler (tests/flows/test_scale.py runs the flow on it)."""
    import dask
    import distributed  # noqa: F401  (its configuration defaults exist before the block below)

    from pipeline import cli
    monkeypatch.setattr("multiprocessing.forkserver.ensure_running", lambda: None)  # no process here
    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn",
                          "distributed.worker.profile.enabled": True}):
        runner = cli._task_runner(3, None)
        assert dask.config.get("distributed.worker.multiprocessing-method") == "forkserver"
        assert dask.config.get("distributed.worker.profile.enabled") is False
    assert runner.cluster_kwargs == {"n_workers": 3, "threads_per_worker": 1, "processes": True,
                                     "dashboard_address": None}
    assert "flows.build_dataset" in cli.WORKER_PRELOAD
