"""The only module that touches table storage.

Layout of an output folder::

    <output>/<table>            -> symlink to .versions/<version>/<table>
    <output>/.versions/<version>/<table>/part-00000.parquet
    <output>/.staging/<run_id>/<table>/part-00000.parquet   (work in progress)

A run writes every table into its staging folder, validation reads them from
there, and publishing renames the complete staging folder into ``.versions``
and then swaps each table's symlink with an atomic ``os.replace``. A crash at
any point leaves either the previous complete version or the new one behind,
never a half-written table.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.schemas import TABLES, TableSpec

VERSIONS = ".versions"
STAGING = ".staging"
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
    return pq.ParquetDataset(files).read(columns=columns).to_pandas()


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


def publish(staged: Path, output: Path, version: str) -> Path:
    """Atomically publish every table in ``staged`` as ``version``."""
    output = Path(output)
    versions = output / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    final = versions / version
    if final.exists():
        shutil.rmtree(final)
    os.replace(staged, final)
    for name in TABLES:
        if not (final / name).exists():
            continue
        link = output / name
        if link.exists() and not link.is_symlink():
            raise RuntimeError(f"{link} is a real folder, not a published table link; move it away")
        tmp_link = output / f".{name}.link.tmp"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(Path(VERSIONS) / version / name)
        os.replace(tmp_link, link)
    _prune(output, keep=KEEP_VERSIONS, current=version)
    return final


def published_version(output: Path) -> str | None:
    link = Path(output) / "runs"
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).parts[1]


def consistent_version(output: Path) -> str | None:
    """The published version if every table link points at the same one; None when nothing is
    published or a crash between two link swaps left a mix of versions."""
    output = Path(output)
    versions = {Path(os.readlink(output / name)).parts[1] for name in TABLES if (output / name).is_symlink()}
    return versions.pop() if len(versions) == 1 else None


def _prune(output: Path, keep: int, current: str) -> None:
    """Drop old versions (never one a link points at) and staging folders of runs that died."""
    live = {Path(os.readlink(p)).parts[1] for p in output.iterdir()
            if p.is_symlink() and os.readlink(p).startswith(VERSIONS)}
    versions = sorted((p for p in (output / VERSIONS).iterdir() if p.is_dir()),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    for old in versions[keep:]:
        if old.name not in live and old.name != current:
            shutil.rmtree(old, ignore_errors=True)
    # a staging folder older than an hour belongs to a run that was killed (a live run's
    # staging is touched by every stage); its tables were never published
    cutoff = time.time() - 3600
    for stale in (output / STAGING).glob("*") if (output / STAGING).exists() else ():
        if stale.is_dir() and stale.stat().st_mtime < cutoff:
            shutil.rmtree(stale, ignore_errors=True)


def discard_staging(output: Path, run_id: str) -> None:
    shutil.rmtree(Path(output) / STAGING / run_id, ignore_errors=True)
