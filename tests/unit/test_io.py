"""pipeline.io: the declared column set is enforced, tables round-trip with their types,
publishing swaps the one ``current`` symlink atomically (and migrates the old one-link-per-table
layout without a visible change), prunes old versions, and a staged run that is
never published leaves the published tables alone."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipeline import io
from pipeline.io import (SchemaMismatch, count_rows, discard_staging, publish, published_version,
                         read_schema, read_table, staging_dir, to_arrow, write_part, write_table)
from pipeline.schemas import TABLES
from tests.fixtures_tables import mini_tables, write_tables

CLAIMS = TABLES["claims"]
RUNS = TABLES["runs"]
BASE = mini_tables()   # built once: tests that change a frame copy it first


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return {name: frame.copy() for name, frame in BASE.items()}


def runs_with(run_id: str) -> pd.DataFrame:
    return BASE["runs"].assign(run_id=run_id)


def stage(output: Path, run_id: str, names=("runs", "documents")) -> Path:
    """A staged run holding ``names`` (runs carries the run id, so versions are told apart)."""
    folder = staging_dir(output, run_id)
    for name in names:
        frame = runs_with(run_id) if name == "runs" else BASE[name]
        write_table(frame, TABLES[name], folder)
    return folder


def published_run_id(output: Path) -> str:
    return read_table(output, "runs")["run_id"].iloc[0]


# ------------------------------------------------------------------ to_arrow


def test_to_arrow_gives_the_declared_schema(tables):
    assert to_arrow(tables["claims"], CLAIMS).schema.equals(CLAIMS.schema)


def test_to_arrow_refuses_a_missing_column(tables):
    with pytest.raises(SchemaMismatch, match=r"missing columns \['claim_key'\]"):
        to_arrow(tables["claims"].drop(columns=["claim_key"]), CLAIMS)


def test_to_arrow_refuses_an_extra_column(tables):
    with pytest.raises(SchemaMismatch, match=r"unexpected columns \['note'\]"):
        to_arrow(tables["claims"].assign(note="x"), CLAIMS)


def test_schema_mismatch_is_a_value_error():
    assert issubclass(SchemaMismatch, ValueError)


def test_to_arrow_puts_columns_in_declared_order(tables):
    shuffled = tables["runs"][list(reversed(RUNS.columns))]
    assert to_arrow(shuffled, RUNS).column_names == RUNS.columns


def test_to_arrow_casts_to_the_declared_types(tables):
    frame = tables["claims"].astype({"direction": "int64", "char_start": "int32"})
    table = to_arrow(frame, CLAIMS)
    assert table.schema.field("direction").type == pa.int8()
    assert table.schema.field("char_start").type == pa.int64()


def test_to_arrow_refuses_nulls_in_a_required_column(tables):
    frame = tables["claims"].copy()
    frame["claim_id"] = frame["claim_id"].astype(object)
    frame.loc[0, "claim_id"] = None
    with pytest.raises(ValueError, match="claim_id"):
        to_arrow(frame, CLAIMS)


# ------------------------------------------------------------------ write / read


def test_every_table_round_trips_with_its_dtypes(tables, tmp_path):
    write_tables(tables, tmp_path)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(read_table(tmp_path, name), frame, obj=name)


def test_written_schema_keeps_types_and_field_descriptions(tables, tmp_path):
    write_table(tables["claims"], CLAIMS, tmp_path)
    schema = read_schema(tmp_path, "claims")
    assert schema.equals(CLAIMS.schema)   # types and nullability
    assert all(schema.field(f.name).metadata == f.metadata for f in CLAIMS.schema)


def test_write_table_replaces_the_previous_table_and_leaves_no_temp(tables, tmp_path):
    write_table(runs_with("run-a"), RUNS, tmp_path)
    write_table(runs_with("run-b"), RUNS, tmp_path)
    assert list(read_table(tmp_path, "runs")["run_id"]) == ["run-b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


def test_write_table_refuses_a_bad_frame_before_touching_the_table(tables, tmp_path):
    write_table(runs_with("run-a"), RUNS, tmp_path)
    with pytest.raises(SchemaMismatch):
        write_table(runs_with("run-b").drop(columns=["status"]), RUNS, tmp_path)
    assert list(read_table(tmp_path, "runs")["run_id"]) == ["run-a"]


def test_parts_are_read_as_one_table(tables, tmp_path):
    write_part(runs_with("run-a"), RUNS, tmp_path, "00001")
    write_part(runs_with("run-b"), RUNS, tmp_path, "00000")
    assert sorted(read_table(tmp_path, "runs")["run_id"]) == ["run-a", "run-b"]
    assert count_rows(tmp_path, "runs") == 2
    assert not list((tmp_path / "runs").glob(".*tmp"))


def test_reading_a_missing_table_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="claims"):
        read_table(tmp_path, "claims")


def test_a_table_folder_without_parts_reads_as_an_empty_typed_table(tmp_path):
    (tmp_path / "claims").mkdir()
    empty = read_table(tmp_path, "claims")
    assert empty.empty and list(empty.columns) == CLAIMS.columns
    assert str(empty["direction"].dtype) == "int8"


# ------------------------------------------------------------------ publish


def test_nothing_is_published_before_the_first_publish(tmp_path):
    assert published_version(tmp_path) is None


def test_publish_links_each_table_through_current(tmp_path):
    staged = stage(tmp_path, "run-1")
    final = publish(staged, tmp_path, "v1")
    assert final == tmp_path / io.VERSIONS / "v1"
    assert os.readlink(tmp_path / io.CURRENT) == str(Path(io.VERSIONS) / "v1")
    for name in ("runs", "documents"):
        link = tmp_path / name
        assert link.is_symlink()
        assert os.readlink(link) == str(Path(io.CURRENT) / name)
        assert link.resolve() == (final / name).resolve()
    assert not (tmp_path / "claims").exists() and not (tmp_path / "claims").is_symlink()  # not staged
    assert not staged.exists()   # the staging folder became the version
    assert published_version(tmp_path) == "v1"
    assert published_run_id(tmp_path) == "run-1"


def test_links_are_relative_so_the_output_folder_can_move(tmp_path):
    publish(stage(tmp_path / "out", "run-1"), tmp_path / "out", "v1")
    (tmp_path / "out").rename(tmp_path / "moved")
    assert published_run_id(tmp_path / "moved") == "run-1"


def test_a_second_publish_renames_only_current(tmp_path, monkeypatch):
    publish(stage(tmp_path, "run-1"), tmp_path, "v1")
    links = {name: os.lstat(tmp_path / name).st_ino for name in ("runs", "documents")}
    staged = stage(tmp_path, "run-2")
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (renames.append(Path(dst).name), real_replace(src, dst)))
    publish(staged, tmp_path, "v2")
    assert renames == ["v2", io.CURRENT]   # staging -> .versions/v2, then the one swap
    assert {name: os.lstat(tmp_path / name).st_ino for name in links} == links   # table links untouched
    assert published_version(tmp_path) == "v2"
    assert published_run_id(tmp_path) == "run-2"
    assert not list(tmp_path.glob(".*.link.tmp"))


def test_readers_of_the_table_folder_see_the_new_version(tmp_path):
    """What analysts do: pandas/pyarrow on <output>/<table>, DuckDB on a glob inside it."""
    duckdb = pytest.importorskip("duckdb")
    publish(stage(tmp_path, "run-1"), tmp_path, "v1")
    publish(stage(tmp_path, "run-2"), tmp_path, "v2")
    assert list(pd.read_parquet(tmp_path / "runs")["run_id"]) == ["run-2"]
    got = duckdb.sql(f"SELECT run_id FROM '{tmp_path}/runs/*.parquet'").fetchall()
    assert got == [("run-2",)]


def test_a_table_missing_from_the_new_version_is_carried_over(tmp_path):
    publish(stage(tmp_path, "run-1", names=("runs", "documents", "rejects")), tmp_path, "v1")
    before = read_table(tmp_path, "rejects")
    publish(stage(tmp_path, "run-2", names=("runs", "documents")), tmp_path, "v2")
    assert os.readlink(tmp_path / "rejects") == str(Path(io.CURRENT) / "rejects")
    assert (tmp_path / io.VERSIONS / "v2" / "rejects").is_dir()   # the version is complete on its own
    pd.testing.assert_frame_equal(read_table(tmp_path, "rejects"), before)
    assert published_run_id(tmp_path) == "run-2"


def test_a_table_new_in_a_version_gets_its_link(tmp_path):
    publish(stage(tmp_path, "run-1", names=("runs",)), tmp_path, "v1")
    assert not (tmp_path / "documents").is_symlink()
    publish(stage(tmp_path, "run-2", names=("runs", "documents")), tmp_path, "v2")
    assert len(read_table(tmp_path, "documents")) == len(BASE["documents"])


def _age(output: Path, version: str, seconds_ago: int) -> None:
    """Backdate a version folder (pruning orders versions by modification time)."""
    path = output / io.VERSIONS / version
    t = path.stat().st_mtime - seconds_ago
    os.utime(path, (t, t))


def test_publish_keeps_only_the_newest_versions(tmp_path):
    n = io.KEEP_VERSIONS + 2
    for i in range(n):
        for old in (tmp_path / io.VERSIONS).iterdir() if i else ():
            _age(tmp_path, old.name, 10)   # every earlier version is clearly older
        publish(stage(tmp_path, f"run-{i}"), tmp_path, f"v{i}")
    kept = sorted(p.name for p in (tmp_path / io.VERSIONS).iterdir())
    assert kept == [f"v{i}" for i in range(n - io.KEEP_VERSIONS, n)]
    assert published_version(tmp_path) == f"v{n - 1}"


def test_pruning_never_drops_the_current_version(tmp_path):
    publish(stage(tmp_path, "run-0"), tmp_path, "v0")
    for i in range(1, io.KEEP_VERSIONS + 2):   # newer (by mtime) but never published versions
        folder = tmp_path / io.VERSIONS / f"unpublished-{i}"
        folder.mkdir()
        t = folder.stat().st_mtime + 100 + i
        os.utime(folder, (t, t))
    io._prune(tmp_path, keep=io.KEEP_VERSIONS, current=None)
    assert (tmp_path / io.VERSIONS / "v0").is_dir()
    assert published_run_id(tmp_path) == "run-0"


def test_republishing_the_current_version_never_removes_what_readers_see(tmp_path, monkeypatch):
    publish(stage(tmp_path, "run-1"), tmp_path, "v1")
    real_rmtree = io.shutil.rmtree

    def rmtree(path, *args, **kwargs):
        assert Path(path).name != "v1", "the published version was deleted before the swap"
        return real_rmtree(path, *args, **kwargs)
    monkeypatch.setattr(io.shutil, "rmtree", rmtree)
    final = publish(stage(tmp_path, "run-1b"), tmp_path, "v1")
    assert final.name != "v1" and published_version(tmp_path) == final.name
    assert published_run_id(tmp_path) == "run-1b"


def test_republishing_an_old_version_replaces_it(tmp_path):
    publish(stage(tmp_path, "run-1"), tmp_path, "v1")
    publish(stage(tmp_path, "run-2"), tmp_path, "v2")
    final = publish(stage(tmp_path, "run-1b"), tmp_path, "v1")
    assert final == tmp_path / io.VERSIONS / "v1" and published_run_id(tmp_path) == "run-1b"


def test_publish_refuses_to_replace_a_real_folder(tmp_path):
    write_table(runs_with("hand-made"), RUNS, tmp_path)   # a real folder where a link belongs
    staged = stage(tmp_path, "run-1")
    with pytest.raises(RuntimeError, match="real folder"):
        publish(staged, tmp_path, "v1")
    assert list(read_table(tmp_path, "runs")["run_id"]) == ["hand-made"]
    assert staged.is_dir() and not (tmp_path / io.CURRENT).exists()   # nothing was moved


def test_stale_temporary_links_of_a_killed_publish_are_pruned(tmp_path):
    publish(stage(tmp_path, "run-1"), tmp_path, "v1")
    tmp = tmp_path / f".{io.CURRENT}.123.abcd.link.tmp"
    tmp.symlink_to("nowhere")
    os.utime(tmp, (1, 1), follow_symlinks=False)
    fresh = tmp_path / ".runs.124.abcd.link.tmp"   # maybe a publish in progress: kept
    fresh.symlink_to("nowhere")
    publish(stage(tmp_path, "run-2"), tmp_path, "v2")
    assert not tmp.is_symlink() and fresh.is_symlink()


# ------------------------------------------------------------------ the old layout (one link per table)


def old_layout(output: Path, versions: dict[str, str], names=("runs", "documents")) -> None:
    """What the previous io.publish left: a version folder per run id and one link per table
    (``versions`` maps table -> version, so a crash's mix of versions can be built)."""
    for version in sorted(set(versions.values())):
        final = output / io.VERSIONS / version
        final.parent.mkdir(parents=True, exist_ok=True)
        (stage(output, version, names=names)).rename(final)
    for name, version in versions.items():
        (output / name).symlink_to(Path(io.VERSIONS) / version / name)


def test_published_version_of_the_old_layout(tmp_path):
    old_layout(tmp_path, {"runs": "run-1", "documents": "run-1"})
    assert published_version(tmp_path) == "run-1"
    mixed = tmp_path / "mixed"
    old_layout(mixed, {"runs": "run-2", "documents": "run-1"})
    assert published_version(mixed) is None   # a mix: the incremental run trusts nothing


@pytest.mark.parametrize("mixed", [False, True], ids=["consistent", "mixed"])
def test_an_old_layout_folder_is_migrated_by_the_next_publish(tmp_path, mixed):
    old_layout(tmp_path, {"runs": "run-2" if mixed else "run-1", "documents": "run-1"})
    publish(stage(tmp_path, "run-3"), tmp_path, "run-3")
    assert os.readlink(tmp_path / io.CURRENT) == str(Path(io.VERSIONS) / "run-3")
    for name in ("runs", "documents"):
        assert os.readlink(tmp_path / name) == str(Path(io.CURRENT) / name)
    assert published_run_id(tmp_path) == "run-3" and published_version(tmp_path) == "run-3"
    assert not (tmp_path / io.STAGING / "run-3").exists()


@pytest.mark.parametrize("mixed", [False, True], ids=["consistent", "mixed"])
def test_migration_never_changes_what_readers_see(tmp_path, monkeypatch, mixed):
    """Crash after every rename of the migration + publish: each table shows what it showed
    before (old layout, maybe a mix) until the one swap of current, then the new version."""
    old = {"runs": "run-2" if mixed else "run-1", "documents": "run-1"}
    real_replace = os.replace

    class Crash(BaseException):
        pass
    k = 0
    while True:
        k += 1
        out = tmp_path / f"k{k}"
        old_layout(out, old)
        before = {name: read_table(out, name) for name in old}
        staged = stage(out, "run-3")
        count = [0]

        def replace(src, dst):
            real_replace(src, dst)
            count[0] += 1
            if count[0] == k:
                raise Crash()
        monkeypatch.setattr(os, "replace", replace)
        try:
            publish(staged, out, "run-3")
            done = True
        except Crash:
            done = False
        finally:
            monkeypatch.setattr(os, "replace", real_replace)
        now = {name: read_table(out, name) for name in old}
        if _current_is(out, "run-3"):
            assert all(list(df["run_id"]) == ["run-3"] for name, df in now.items() if name == "runs")
            pd.testing.assert_frame_equal(now["documents"], read_table(out / io.VERSIONS / "run-3", "documents"))
        else:
            for name in old:
                pd.testing.assert_frame_equal(now[name], before[name], obj=f"{name} after {k} renames")
        # the next publish after a crash finishes the job
        publish(stage(out, "run-4"), out, "run-4")
        assert published_run_id(out) == "run-4" and published_version(out) == "run-4"
        assert all(os.readlink(out / name) == str(Path(io.CURRENT) / name) for name in old)
        if done:
            break
    assert k >= 4   # staging rename, current -> old data, two link swaps, current -> new


def _current_is(output: Path, version: str) -> bool:
    return os.readlink(output / io.CURRENT) == str(Path(io.VERSIONS) / version) if (output / io.CURRENT).is_symlink() else False


# ------------------------------------------------------------------ staging


def test_staging_dir_is_per_run_under_the_output(tmp_path):
    folder = staging_dir(tmp_path, "run-9")
    assert folder == tmp_path / io.STAGING / "run-9" and folder.is_dir()


def test_a_staged_but_unpublished_run_leaves_published_tables_unchanged(tmp_path):
    publish(stage(tmp_path, "run-1"), tmp_path, "v1")
    before = {name: read_table(tmp_path, name) for name in ("runs", "documents")}
    staged = stage(tmp_path, "run-2")
    write_table(BASE["documents"].iloc[:1], TABLES["documents"], staged)
    assert published_version(tmp_path) == "v1"
    for name, frame in before.items():
        pd.testing.assert_frame_equal(read_table(tmp_path, name), frame, obj=name)


def test_discard_staging_removes_only_that_run(tmp_path):
    stage(tmp_path, "run-1")
    stage(tmp_path, "run-2")
    discard_staging(tmp_path, "run-1")
    assert sorted(p.name for p in (tmp_path / io.STAGING).iterdir()) == ["run-2"]


def test_discarding_after_a_publish_keeps_the_published_tables(tmp_path):
    publish(stage(tmp_path, "run-1"), tmp_path, "v1")
    stage(tmp_path, "run-2")
    discard_staging(tmp_path, "run-2")
    assert published_run_id(tmp_path) == "run-1"
