"""A scheduled run fires on a real local Prefect server and publishes a dropped article."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import io
from tests.conftest import DEMO, REPO


def test_cron_schedule_publishes_dropped_article(tmp_path):
    drop, out = tmp_path / "drop", tmp_path / "out"
    drop.mkdir()
    shutil.copy(DEMO / "melatonin_faq.md", drop / "first.md")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--input", str(drop), "--output", str(out),
         "--cron", "* * * * *", "--name", "test-drop"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # drop a second article once the first scheduled run published the first one
        _wait(lambda: _sources(out) >= {"first.md"}, 200, proc, tmp_path)
        shutil.copy(DEMO / "valerian_root_sleep.txt", drop / "second.txt")
        _wait(lambda: _sources(out) >= {"first.md", "second.txt"}, 200, proc, tmp_path)
        runs = io.read_table(out, "runs")
        assert len(runs) >= 2 and runs["validation_success"].all()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    # the local server was stopped with the serve process
    assert proc.returncode is not None


def _sources(out: Path) -> set[str]:
    if not (out / "documents").exists():
        return set()
    try:
        return set(io.read_table(out, "documents", columns=["source_path"])["source_path"])
    except (OSError, ValueError):
        return set()  # a swap in progress: look again


def _wait(cond, seconds, proc, tmp_path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return
        if proc.poll() is not None:
            pytest.fail("serve exited early:\n" + (tmp_path / "serve.log").read_text()[-3000:])
        time.sleep(2)
    pytest.fail("no scheduled run published in time:\n" + (tmp_path / "serve.log").read_text()[-3000:])
