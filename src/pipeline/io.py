"""The only module that touches table storage.

Layout of an output folder::

    <output>/<table>     -> current/<table>        (stable links, created once per table)
    <output>/current     -> .versions/<version>    (swapped by each publish: one atomic rename)
    <output>/.versions/<version>/<table>/part-00000.parquet
    <output>/.staging/<run_id>/<table>/part-00000.parquet   (work in progress)

A run writes every table into its staging folder, validation reads them from
there, and publishing renames the complete staging folder into ``.versions``
and then swaps the one ``current`` symlink with an atomic ``os.replace``. A
crash at any point leaves readers of ``<output>/<table>`` (pandas, pyarrow,
DuckDB globs, ``read_table``) on the previous complete version or on the new
one, for every table at once: never a half-written table, never a mix of
versions. An output folder of the previous layout (one link per table into
``.versions``) is migrated by the next publish without a visible change.
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.schemas import TABLES, TableSpec

VERSIONS = ".versions"
STAGING = ".staging"
CURRENT = "current"
KEEP_VERSIONS = 3


class SchemaMismatch(ValueError):
    """A frame does not have exactly the declared columns."""


def to_arrow(df: pd.DataFrame, spec: TableSpec) -> pa.Table:
    """Convert a frame to the table's declared schema, refusing missing or extra columns
    (pyarrow alone silently drops extra ones)."""
    have, want = list(df.columns), spec.columns
    missing = [c for c in want if c not in have]
    extra = [c for c in have if c not in want]
    if missing or extra:
        raise SchemaMismatch(f"{spec.name}: missing columns {missing}, unexpected columns {extra}")
    return pa.Table.from_pandas(df[want], schema=spec.schema, preserve_index=False)


def write_table(df: pd.DataFrame, spec: TableSpec, folder: Path,
                row_group_size: int = 100_000) -> Path:
    """Write one table as a Parquet dataset folder (zstd, bounded row groups)."""
    table = to_arrow(df, spec)
    target = folder / spec.name
    tmp = folder / f".{spec.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    pq.write_table(table, tmp / "part-00000.parquet", compression="zstd",
                   row_group_size=row_group_size)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return target


def write_part(df: pd.DataFrame, spec: TableSpec, folder: Path, part: str,
               row_group_size: int = 50_000) -> Path:
    """Write one part file of a partitioned table (atomically: temp file, then rename),
    so a retried or parallel batch never leaves a truncated part behind."""
    table = to_arrow(df, spec)
    target_dir = Path(folder) / spec.name
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"part-{part}.parquet"
    tmp = target_dir / f".part-{part}.parquet.tmp"
    pq.write_table(table, tmp, compression="zstd", row_group_size=row_group_size)
    os.replace(tmp, target)
    return target


class PartWriter:
    """One part file of a partitioned table, written a frame at a time (each frame becomes row
    groups), so a batch never holds all its rows at once. Atomic like ``write_part``: the
    temp file is renamed on ``close``. Nothing is written unless a frame has rows or
    ``always`` is set (then an empty table when no row came)."""

    def __init__(self, spec: TableSpec, folder: Path, part: str, always: bool = False,
                 row_group_size: int = 50_000):
        self.spec, self.always, self.row_group_size = spec, always, row_group_size
        self.dir = Path(folder) / spec.name
        self.target = self.dir / f"part-{part}.parquet"
        self.tmp = self.dir / f".part-{part}.parquet.tmp"
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, df: pd.DataFrame) -> None:
        table = to_arrow(df, self.spec)  # checks the columns even of an empty frame
        if table.num_rows == 0:
            return
        self._open().write_table(table, row_group_size=self.row_group_size)
        self.rows += table.num_rows

    def _open(self) -> pq.ParquetWriter:
        if self.writer is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, self.spec.schema, compression="zstd")
        return self.writer

    def close(self) -> int:
        """Finish the part (rename it into place); returns its number of rows."""
        if self.writer is None and self.always:
            self._open()
        if self.writer is not None:
            self.writer.close()
            os.replace(self.tmp, self.target)
        return self.rows

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.tmp.unlink(missing_ok=True)


def write_sorted(frames: Iterable[pd.DataFrame], spec: TableSpec, folder: Path, key: str,
                 row_group_size: int = 100_000) -> int:
    """Write one table like ``write_table``, sorted by the string column ``key`` (never null),
    from frames that come in any order. Holds one frame and then one bucket in memory, not the
    whole table: the rows are first spilled to one file per first character of the key, then
    each bucket, in key order, is read back, sorted and appended. Returns the number of rows."""
    folder = Path(folder)
    target, tmp = folder / spec.name, folder / f".{spec.name}.tmp"
    spill = folder / f".{spec.name}.buckets"
    for path in (tmp, spill):
        shutil.rmtree(path, ignore_errors=True)
    tmp.mkdir(parents=True)
    spill.mkdir()
    buckets: dict[str, pq.ParquetWriter] = {}
    try:
        for df in frames:
            table = to_arrow(df, spec)
            if table[key].null_count:
                raise ValueError(f"{spec.name}: null {key} in a table sorted by it")
            first = pc.utf8_slice_codeunits(table[key], 0, 1)
            for char in pc.unique(first).to_pylist():
                if char not in buckets:
                    buckets[char] = pq.ParquetWriter(spill / f"{ord(char):06x}.parquet", spec.schema)
                buckets[char].write_table(table.filter(pc.equal(first, char)))
    finally:
        for writer in buckets.values():
            writer.close()
    n_rows = 0
    with pq.ParquetWriter(tmp / "part-00000.parquet", spec.schema, compression="zstd") as out:
        if not buckets:
            out.write_table(spec.schema.empty_table())
        for char in sorted(buckets):
            table = pq.read_table(spill / f"{ord(char):06x}.parquet")
            table = table.take(pc.sort_indices(table, [(key, "ascending")]))
            out.write_table(table, row_group_size=row_group_size)
            n_rows += table.num_rows
    shutil.rmtree(spill, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return n_rows


def write_side(df: pd.DataFrame, folder: Path, name: str, part: str) -> Path:
    """A run-internal side table (not published, no declared schema): e.g. MinHash signatures."""
    target_dir = Path(folder) / name
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"part-{part}.parquet"
    tmp = target_dir / f".part-{part}.parquet.tmp"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp, compression="zstd")
    os.replace(tmp, target)
    return target


def parts(folder: Path, name: str) -> list[Path]:
    return sorted((Path(folder) / name).glob("part-*.parquet"))


def read_table(folder: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a table (published or staged; one or many parts) as a DataFrame."""
    path = Path(folder) / name
    if not path.exists():
        raise FileNotFoundError(f"table '{name}' not found under {folder}")
    files = parts(folder, name)
    if not files:
        spec = TABLES.get(name)
        if spec is None:
            return pd.DataFrame(columns=columns or [])
        schema = spec.schema if columns is None else pa.schema([spec.schema.field(c) for c in columns])
        return schema.empty_table().to_pandas()
    # column by column, freeing each Arrow column once converted: the table and the frame
    # are not both whole in memory
    return pq.ParquetDataset(files).read(columns=columns).to_pandas(split_blocks=True, self_destruct=True)


def read_schema(folder: Path, name: str) -> pa.Schema:
    return pq.read_schema(next((Path(folder) / name).glob("*.parquet")))


def count_rows(folder: Path, name: str) -> int:
    """Rows of a table from the Parquet footers (no data read)."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in parts(folder, name))


def remove_table(folder: Path, name: str) -> None:
    shutil.rmtree(Path(folder) / name, ignore_errors=True)


def staging_dir(output: Path, run_id: str) -> Path:
    path = Path(output) / STAGING / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path


# ------------------------------------------------------------------ publishing


def publish(staged: Path, output: Path, version: str) -> Path:
    """Publish every table in ``staged`` as ``version``, with one atomic rename.

    The staging folder becomes ``.versions/<version>``; every table link ``<output>/<table>``
    (created once, pointing at ``current/<table>``) exists before ``current`` is swapped to the
    new version with ``os.replace``. Until that swap readers see the previous version (or no
    table at all on a first publish), after it the new one: never a mix. A table the new version
    lacks is carried over from the previous one (hard links), so it stays readable.
    Returns the published version folder."""
    output = Path(output)
    for name in (*TABLES, CURRENT):
        path = output / name
        if path.exists() and not path.is_symlink():
            raise RuntimeError(f"{path} is a real folder, not a published table link; move it away")
    versions = output / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    _migrate_links(output)
    previous = _current_version(output)
    final = versions / version
    if final.exists() or final.is_symlink():
        if version == previous:  # never touch the folder readers are on: publish beside it
            final = next(p for n in itertools.count(1) if not (p := versions / f"{version}-{n}").exists())
        else:
            shutil.rmtree(final)
    os.replace(staged, final)
    if previous is not None:
        for name in TABLES:
            if not (final / name).exists() and (versions / previous / name).is_dir():
                _copy_tree(versions / previous / name, final / name)
    for name in TABLES:
        if (final / name).is_dir() and _readlink(output / name) != _table_target(name):
            _symlink_atomically(_table_target(name), output / name)
    _symlink_atomically(str(Path(VERSIONS) / final.name), output / CURRENT)  # the publish
    _fsync_dir(output)
    _prune(output, keep=KEEP_VERSIONS, current=final.name)
    return final


def published_version(output: Path) -> str | None:
    """The version readers of ``<output>/<table>`` see; None when nothing is published, or when a
    folder of the old layout (one link per table, see ``_migrate_links``) holds a mix of versions
    left by a crash of the old publish."""
    output = Path(output)
    current = _current_version(output)
    if current is not None:
        return current
    old = {_old_link_version(output / name) for name in TABLES} - {None}
    return old.pop() if len(old) == 1 else None


def _current_version(output: Path) -> str | None:
    parts = Path(_readlink(Path(output) / CURRENT) or "").parts
    return parts[1] if len(parts) == 2 and parts[0] == VERSIONS else None


def _table_target(name: str) -> str:
    return str(Path(CURRENT) / name)


def _readlink(path: Path) -> str | None:
    try:
        return os.readlink(path)
    except OSError:  # missing, or not a symlink
        return None


def _old_link_version(link: Path) -> str | None:
    """The version an old-layout table link (``<table> -> .versions/<version>/<table>``) points at."""
    parts = Path(_readlink(link) or "").parts
    return parts[1] if len(parts) == 3 and parts[0] == VERSIONS else None


def _symlink_atomically(target: str, link: Path) -> None:
    """Point ``link`` at ``target``: a temporary symlink renamed over it (one atomic rename)."""
    tmp = link.parent / f".{link.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.link.tmp"
    tmp.symlink_to(target)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy a table folder as hard links (published part files are never rewritten in place)."""
    dst.mkdir(parents=True)
    for path in src.iterdir():
        if path.is_file():
            try:
                os.link(path, dst / path.name)
            except OSError:  # e.g. a file system without hard links
                shutil.copy2(path, dst / path.name)


def _fsync_dir(path: Path) -> None:
    """Make the renames in ``path`` durable (power loss; a SIGKILL needs nothing)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _migrate_links(output: Path) -> None:
    """Convert an output folder of the old layout (``<table> -> .versions/<v>/<table>``, one link
    swapped per table) to ``current``, without changing what any reader sees at any step:

    1. ``current`` is pointed at a version holding exactly what the tables show now: their
       common version, or, if a crash of the old publish left a mix, a new ``migrated-*``
       version of hard links to each table's files;
    2. each old link is swapped to ``current/<table>`` (same files behind it).

    A crash in between leaves links of both kinds showing the same data; the next publish
    finishes the migration."""
    old = [name for name in TABLES if _old_link_version(output / name) is not None]
    if not old:
        return
    shown = {}  # table -> the folder of the files its readers see now
    for name in TABLES:
        path = output / name
        if path.is_symlink() and path.exists():
            shown[name] = Path(os.path.realpath(path))
    folders = {real.parent for real in shown.values()}
    versions = Path(os.path.realpath(output / VERSIONS))
    if (len(folders) == 1 and next(iter(folders)).parent == versions
            and all(real.name == name for name, real in shown.items())):
        target = next(iter(folders)).name
    else:
        target = "migrated-" + time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{uuid.uuid4().hex[:6]}"
        tmp = output / VERSIONS / f".{target}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name, real in shown.items():
            _copy_tree(real, tmp / name)
        os.replace(tmp, output / VERSIONS / target)
    if _current_version(output) != target:
        _symlink_atomically(str(Path(VERSIONS) / target), output / CURRENT)
    for name in old:
        _symlink_atomically(_table_target(name), output / name)


def _prune(output: Path, keep: int, current: str | None) -> None:
    """Drop old versions (never the current one, nor one an old-layout link still points at),
    staging folders of runs that died and temporary links of publishes that died."""
    output = Path(output)
    live = {current, _current_version(output)} | {_old_link_version(p) for p in output.iterdir()}
    versions = sorted((p for p in (output / VERSIONS).iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    for old in versions[keep:]:
        if old.name not in live:
            shutil.rmtree(old, ignore_errors=True)
    # a staging folder older than an hour belongs to a run that was killed (a live run's
    # staging is touched by every stage); its tables were never published
    cutoff = time.time() - 3600
    for stale in (output / STAGING).glob("*") if (output / STAGING).exists() else ():
        if stale.is_dir() and stale.stat().st_mtime < cutoff:
            shutil.rmtree(stale, ignore_errors=True)
    for tmp in [*output.glob(".*.link.tmp"), *(output / VERSIONS).glob(".*.tmp")]:
        try:
            if tmp.lstat().st_mtime < cutoff:
                if tmp.is_dir() and not tmp.is_symlink():
                    shutil.rmtree(tmp, ignore_errors=True)
                else:
                    tmp.unlink()
        except OSError:
            pass


def discard_staging(output: Path, run_id: str) -> None:
    shutil.rmtree(Path(output) / STAGING / run_id, ignore_errors=True)
