"""Health-claim contradiction dataset pipeline."""

from pipeline import settings as _settings  # noqa: F401  (telemetry off before anything else)

__version__ = "0.1.0"
