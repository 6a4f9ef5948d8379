"""Shared fixtures: paths, the shared corpora, one Prefect test harness per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pipeline  # noqa: F401  (telemetry off before Prefect is imported)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
DEMO = REPO / "data" / "raw"
GOLD = REPO / "tests" / "gold"


def require_shared(path: Path = SHARED) -> Path:
    """Skip (with the reason) when ../shared, or a part of it, is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent: these tests read the shared seeds/corpora beside the repo")
    return path


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """A temporary local Prefect API (no server configured) for the whole session."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from prefect.testing.utilities import prefect_test_harness
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_output(prefect_harness, tmp_path_factory) -> Path:
    """The demo corpus built once through the real Prefect flow."""
    from flows.build_dataset import build_dataset
    out = tmp_path_factory.mktemp("demo_out")
    build_dataset(str(DEMO), str(out))
    return out


@pytest.fixture(scope="session")
def seeds_output(prefect_harness, tmp_path_factory) -> Path:
    require_shared(SEEDS)
    from flows.build_dataset import build_dataset
    out = tmp_path_factory.mktemp("seeds_out")
    build_dataset(str(SEEDS), str(out))
    return out
