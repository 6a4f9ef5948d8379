"""Helpers shared by the hostile, crash and network tests."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from pipeline import io

# tables compared between runs, and the columns that legitimately differ between runs
COMPARED = ("documents", "rejects", "sentences", "claims", "contradictions", "claim_frequency",
            "document_metrics", "corpus_metrics")
RUN_COLUMNS = ("run_id", "ingested_at", "first_seen", "last_seen")


def canonical(folder: Path, name: str) -> pd.DataFrame:
    df = io.read_table(folder, name)
    df = df.drop(columns=[c for c in RUN_COLUMNS if c in df.columns])
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def assert_same_tables(a: Path, b: Path, names=COMPARED) -> None:
    for name in names:
        pd.testing.assert_frame_equal(canonical(a, name), canonical(b, name), obj=name)


def display_path(rel: bytes) -> str:
    """A relative path as ingest reports it: undecodable bytes as \\xNN escapes."""
    try:
        return rel.decode("utf-8")
    except UnicodeDecodeError:
        return rel.decode("utf-8", "backslashreplace")


def walk_inputs(root: Path) -> set[str]:
    """Every entry a user would call an input: regular files, special files and symlinks (never
    followed), found without the pipeline's code. A hidden entry (name starting with '.') counts
    once, under its own name, for everything inside it."""
    out: set[str] = set()

    def walk(path: bytes, rel: bytes):
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            child_rel = rel + b"/" + entry.name if rel else entry.name
            if entry.name.startswith(b"."):
                out.add(display_path(child_rel))
            elif entry.is_dir(follow_symlinks=False):
                walk(entry.path, child_rel)
            else:  # file, symlink (to anything, or dangling), FIFO, socket
                out.add(display_path(child_rel))

    walk(os.fsencode(root), b"")
    return out
