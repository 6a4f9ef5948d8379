"""Crash safety: SIGKILL the pipeline at several points; the published tables must stay whole.

A child process runs ``stages.run_all`` over copies of the demo corpus with small batches
(so there are many part files). The test polls the output folder and SIGKILLs the child

1. when the first ``.staging/<run>/documents/part-*.parquet`` appears (ingest/batches);
2. when ``.staging/<run>/contradictions`` appears (after extraction, before validation);
3. when ``.versions/<run>`` appears (publishing: the staging folder was renamed, ``current``
   is about to be swapped).

The uninterrupted reference runs and the re-runs to completion run in the test process.
After each kill the published tables (the symlinks under the output folder) must be absent
(first run), the previous complete version or the new complete version -- every table readable
and ``validate_folder(output)`` passing -- and a re-run must give the same tables as an
uninterrupted run (ignoring run_id, ingested_at, first_seen, last_seen).

Publishing is one atomic rename (``current -> .versions/<run>``; the table links point at
``current/<table>``), so at no kill point may the published tables be a mix of versions. The
publish window itself (microseconds) is too short to hit by polling, so
``test_crash_inside_publish`` injects the crash in-process after every rename ``io.publish``
makes, on a first publish, a later one, and one that migrates an output folder of the old
layout (one link per table, swapped one by one).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pipeline import io, stages
from pipeline.quality import validate_folder
from pipeline.schemas import TABLES
from tests.conftest import DEMO, REPO
from tests.hostile.helpers import COMPARED, assert_same_tables, canonical
from tests.hostile.make_corpus import build_demo_copies

BATCH_BYTES = 3_000  # ~1-2 demo files per batch: many part files, many batch boundaries
CHILD = ("import sys; from pathlib import Path; from pipeline import stages; "
         "r = stages.run_all(Path(sys.argv[1]), Path(sys.argv[2]), batch_bytes=int(sys.argv[3])); "
         "sys.exit(0 if r['success'] else 1)")
KILL_LOG: list[str] = []  # what happened at each kill point (printed at the end, for the report)


@dataclass
class Corpora:
    v1: Path
    v2: Path
    ref1: Path  # uninterrupted run over v1
    ref2: Path  # uninterrupted run over v2
    run1: str
    run2: str


def _start(inp: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(inp), str(out), str(BATCH_BYTES)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> Corpora:
    base = tmp_path_factory.mktemp("crash")
    v1, v2 = base / "v1", base / "v2"
    build_demo_copies(v1, 1, DEMO)
    build_demo_copies(v2, 1, DEMO)
    build_demo_copies(v2 / "new", 1, DEMO, edition=2)  # new files arrive ...
    for path in sorted((v2 / "new").rglob("*.txt"))[4:]:
        path.unlink()
    for path in (v2 / "new").rglob("*"):
        if path.is_file() and path.suffix != ".txt":
            path.unlink()
    (v2 / "copy000" / "magnesium_sleep_cramps.txt").write_text(  # ... and one is edited
        "Magnesium reduces muscle cramps and improves sleep quality. High doses can cause diarrhea.\n",
        encoding="utf-8")
    # the uninterrupted reference runs (in this process: only the killed runs need a child)
    ref1, ref2 = base / "ref1", base / "ref2"
    assert stages.run_all(v1, ref1, batch_bytes=BATCH_BYTES)["success"]
    assert stages.run_all(v2, ref2, batch_bytes=BATCH_BYTES)["success"]
    return Corpora(v1, v2, ref1, ref2, io.published_version(ref1), io.published_version(ref2))


def _run_and_kill(inp: Path, out: Path, when, timeout: float = 600) -> str:
    """Run the pipeline in a child; SIGKILL it as soon as ``when(out)`` is true.
    Returns "killed" or "finished" (the point was not reached before the run ended)."""
    child = _start(inp, out)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if when(out):
                child.send_signal(signal.SIGKILL)
                child.wait()
                return "killed"
            if child.poll() is not None:
                return "finished"
            time.sleep(0.002)
        raise TimeoutError("the child neither reached the kill point nor finished")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _complete(inp: Path, out: Path) -> None:
    """A re-run to completion (in this process; whether it runs in a child does not matter)."""
    assert stages.run_all(inp, out, batch_bytes=BATCH_BYTES)["success"]


def _links(out: Path) -> dict[str, str | None]:
    """The version each table's readers see (None when the table is not published): the
    version folder its link resolves to, through ``current`` or (old layout) directly."""
    versions = Path(os.path.realpath(out / io.VERSIONS))
    found = {}
    for name in TABLES:
        real = Path(os.path.realpath(out / name))
        if not (out / name).is_symlink() or not real.exists():
            found[name] = None
            continue
        assert real.parent.parent == versions and real.name == name, f"{name} -> {real}"
        found[name] = real.parent.name
    return found


def _same(a: Path, b: Path, name: str) -> bool:
    try:
        pd.testing.assert_frame_equal(canonical(a, name), canonical(b, name))
        return True
    except AssertionError:
        return False


def _check_published(out: Path, allowed: dict[str, Path | None], where: str) -> tuple[str, bool]:
    """Every table is absent (if None is allowed) or equal to one of the allowed complete versions,
    readable, and the published set passes validation; a mix of versions is reported (and
    asserted against by the callers). Returns (a description of what is published, whether it
    is a mix)."""
    links = _links(out)
    if all(v is None for v in links.values()):
        assert None in allowed.values(), f"{where}: nothing is published"
        assert not any((out / name).exists() for name in TABLES)
        return "absent", False
    found = {}
    for name in TABLES:
        if links[name] is None:
            assert None in allowed.values(), f"{where}: {name} is not published"
            continue
        assert (out / name).exists(), f"{where}: {name} links to a missing folder"
        io.read_table(out, name)  # readable, every part
        if name in COMPARED:
            matches = [label for label, ref in allowed.items() if ref is not None and _same(out, ref, name)]
            assert matches, f"{where}: table {name} is none of the complete versions {list(allowed)}"
            found[name] = matches[0]
    versions = set(links.values())
    report = validate_folder(out)
    if len(versions) > 1:
        return (f"MIXED {sorted(found.items())}, missing {[n for n, v in links.items() if v is None]}; "
                f"validation {'passes' if report.success else 'fails: ' + report.summary()}"), True
    assert report.success, f"{where}: published tables fail validation:\n{report.format()}"
    return "+".join(sorted(set(found.values()))), False


def test_sigkill_at_three_points_then_rerun(corpora, tmp_path):
    out = tmp_path / "out"
    log = []

    # 1. first run, killed during the batches: nothing may be published
    def first_part(o):
        return any(o.glob(".staging/*/documents/part-*.parquet"))
    outcome = _run_and_kill(corpora.v1, out, first_part)
    state, mixed = _check_published(out, {"absent": None}, "kill 1 (first part file)")
    log.append(f"kill 1 after the first staged part file (first run): {outcome}; published = {state}")
    assert outcome == "killed" and not mixed

    # re-run to completion = the uninterrupted run
    _complete(corpora.v1, out)
    assert_same_tables(out, corpora.ref1)

    # 2. second run (new and edited files), killed once contradictions are staged
    def contradictions_staged(o):
        return any(o.glob(".staging/*/contradictions"))
    outcome = _run_and_kill(corpora.v2, out, contradictions_staged)
    state, mixed = _check_published(out, {"v1": corpora.ref1}, "kill 2 (contradictions staged)")
    log.append(f"kill 2 after .staging/<run>/contradictions appeared: {outcome}; published = {state}")
    assert outcome == "killed" and not mixed

    # 3. second run again, killed as soon as its version folder appears (publishing)
    before = {p.name for p in (out / io.VERSIONS).iterdir()}

    def version_appeared(o):
        return any(p.name not in before for p in (o / io.VERSIONS).iterdir())
    outcome = _run_and_kill(corpora.v2, out, version_appeared)
    state, mixed = _check_published(out, {"v1": corpora.ref1, "v2": corpora.ref2}, "kill 3 (.versions/<run> appeared)")
    log.append(f"kill 3 after .versions/<run> appeared: {outcome}; published = {state}")
    assert outcome in ("killed", "finished") and not mixed

    # re-run to completion = the uninterrupted run over v2
    _complete(corpora.v2, out)
    same = all(_same(out, corpora.ref2, name) for name in COMPARED)
    log.append(f"re-run after kill 3: tables {'equal' if same else 'DIFFER from'} the uninterrupted run")
    KILL_LOG.extend(log)
    print("\n" + "\n".join(log))
    assert_same_tables(out, corpora.ref2)
    assert validate_folder(out).success

    # the killed runs' staging folders are left behind; once stale (> 1 h) the next publish prunes them
    stale = [p for p in (out / io.STAGING).iterdir()]
    assert len(stale) >= 2, stale  # kills 1 and 2 (kill 3 had already moved its staging folder)
    old = time.time() - 2 * 3600
    for p in stale:
        os.utime(p, (old, old))
    io._prune(out, keep=io.KEEP_VERSIONS, current=io.published_version(out))
    assert not any((out / io.STAGING).iterdir()), "stale staging folders of killed runs were not pruned"


# ---------------------------------------------------------------- the publish window, in-process


class _Crash(BaseException):
    """Stands for SIGKILL: nothing after the crash point runs (not even except/finally of the code)."""


def _publish_crashing_after(out: Path, staging: Path, version: str, k: int, monkeypatch) -> bool:
    """``io.publish`` with a crash right after its k-th ``os.replace``; True if it finished before."""
    real_replace = os.replace
    count = [0]

    def replace(src, dst):
        real_replace(src, dst)
        count[0] += 1
        if count[0] == k:
            raise _Crash()

    monkeypatch.setattr(os, "replace", replace)
    try:
        io.publish(staging, out, version)
        return True
    except _Crash:
        return False
    finally:
        monkeypatch.setattr(os, "replace", real_replace)


def _stage_copy_of(ref: Path, version: str, out: Path, as_run: str) -> Path:
    staging = io.staging_dir(out, as_run)
    shutil.rmtree(staging)
    shutil.copytree(ref / io.VERSIONS / version, staging)
    return staging


def _copy_published(ref: Path, out: Path) -> None:
    shutil.copytree(ref, out, symlinks=True)
    shutil.rmtree(out / io.STAGING, ignore_errors=True)


def _to_old_layout(out: Path, versions: dict[str, str] | None = None) -> None:
    """Rewrite a published folder as the previous io.publish left it: no ``current``, one link per
    table straight into ``.versions`` (``versions``: table -> version, for a crash's mix)."""
    current = io.published_version(out)
    for name in TABLES:
        if (out / name).is_symlink():
            (out / name).unlink()
            (out / name).symlink_to(Path(io.VERSIONS) / (versions or {}).get(name, current) / name)
    (out / io.CURRENT).unlink()


CASES = ("first_run", "second_run", "old_layout_second_run")


@pytest.mark.parametrize("case", CASES)
def test_crash_inside_publish(corpora, tmp_path, monkeypatch, case):
    """Crash after the k-th rename of io.publish, for every k until it completes (1: the staging
    folder became .versions/<run>; then table links created on a first publish, or the old
    layout's links migrated to current/<table>; last: the swap of current). After each crash
    the published tables are all absent or old, or all new, each whole and equal to its
    uninterrupted version; and a publish after the crash completes."""
    refs = {corpora.run1: corpora.ref1, corpora.run2: corpora.ref2}
    k, log = 0, []
    while True:
        k += 1
        out = tmp_path / f"{k}"
        if case == "first_run":
            out.mkdir()
            allowed = {None, corpora.run2}
        else:
            _copy_published(corpora.ref1, out)
            if case == "old_layout_second_run":
                _to_old_layout(out)
            allowed = {corpora.run1, corpora.run2}
        staging = _stage_copy_of(corpora.ref2, corpora.run2, out, corpora.run2)
        finished = _publish_crashing_after(out, staging, corpora.run2, k, monkeypatch)
        links = _links(out)
        versions = set(links.values())
        assert len(versions) == 1 and versions <= allowed, f"{case}: after {k} renames the tables are {links}"
        (version,) = versions
        if version is not None:
            for name in TABLES:
                assert len(io.parts(out, name)) >= 1, name
            for name in COMPARED:
                assert _same(out, refs[version], name), f"{case}: after {k} renames {name} is not whole"
        log.append(f"{k}:{'new' if version == corpora.run2 else 'absent' if version is None else 'old'}")
        if finished:
            assert version == corpora.run2 and io.published_version(out) == corpora.run2
            assert validate_folder(out).success
            break
        # the next publish (of another staged copy) after the crash completes
        again = _stage_copy_of(corpora.ref2, corpora.run2, out, "run-again")
        io.publish(again, out, "run-again")
        assert set(_links(out).values()) == {"run-again"}
        assert all(os.readlink(out / name) == str(Path(io.CURRENT) / name) for name in TABLES)
    KILL_LOG.append(f"crash inside publish, {case}: {k - 1} kill points ({' '.join(log[:-1])})")
    print(KILL_LOG[-1])
    n_renames = {"first_run": 2 + len(TABLES), "second_run": 2, "old_layout_second_run": 3 + len(TABLES)}[case]
    assert k - 1 == n_renames, log


@pytest.mark.parametrize("before", ["version_renamed", "old_layout_mix"])
def test_rerun_after_a_crash_inside_publish_matches_an_uninterrupted_run(corpora, tmp_path, monkeypatch, before):
    """version_renamed: a crash right after .versions/<run> appeared (current not swapped yet);
    old_layout_mix: a folder that a crash of the previous per-table publish left as a mix of two
    versions (documents, rejects, sentences new; the rest old) -- the incremental run must not
    trust it."""
    out = tmp_path / "out"
    _copy_published(corpora.ref1, out)
    if before == "version_renamed":
        staging = _stage_copy_of(corpora.ref2, corpora.run2, out, corpora.run2)
        assert not _publish_crashing_after(out, staging, corpora.run2, 1, monkeypatch)
        assert set(_links(out).values()) == {corpora.run1}
    else:
        shutil.copytree(corpora.ref2 / io.VERSIONS / corpora.run2, out / io.VERSIONS / corpora.run2)
        _to_old_layout(out, {name: corpora.run2 for name in ("documents", "rejects", "sentences")})
        assert _links(out)["documents"] == corpora.run2 and _links(out)["claims"] == corpora.run1
        assert io.published_version(out) is None
    result = stages.run_all(corpora.v2, out, batch_bytes=BATCH_BYTES)
    assert result["success"]
    assert set(_links(out).values()) == {result["run_id"]}
    assert_same_tables(out, corpora.ref2, names=("documents", "sentences", "claims", "contradictions"))
