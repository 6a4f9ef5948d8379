"""Process-wide settings applied before Prefect or Great Expectations are imported.

Telemetry is off by the project's own choice (no outbound traffic at run time):
Prefect's server analytics and client telemetry, Great Expectations' usage
statistics, and the generic DO_NOT_TRACK signal. Users can still override any
of these in their environment.
"""

from __future__ import annotations

import os
from pathlib import Path

_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "GX_ANALYTICS_ENABLED": "false",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def apply_defaults() -> None:
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)


def package_data(name: str) -> Path:
    return Path(__file__).parent / name


apply_defaults()
