"""Scheduled runs: a Prefect deployment of the flow on a cron over a drop folder.

Schedules do not fire on Prefect's temporary (ephemeral) server, so serving
needs a real one: ``PREFECT_API_URL`` when it is set, otherwise a
``prefect server start`` on loopback that this module launches itself, with
its database under the project's Prefect home (``PREFECT_HOME``, default
``./.prefect``). Every scheduled run is incremental: only new or changed
documents are extracted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEPLOYMENT = "drop-folder"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(api_url: str, timeout: float = 120.0) -> None:
    """Wait until the Prefect server answers its health check (loopback only)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(f"Prefect server at {api_url} did not become healthy in {timeout:.0f} s ({last})")


def start_local_server(port: int | None = None, log_path: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``prefect server start`` on 127.0.0.1; returns the process and its API URL."""
    port = port or free_port()
    env = dict(os.environ)
    env.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["PREFECT_UI_ENABLED"] = env.get("PREFECT_UI_ENABLED", "false")
    env.pop("PREFECT_API_URL", None)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return proc, f"http://127.0.0.1:{port}/api"


def serve(input_dir: Path, output_dir: Path, cron: str, name: str = DEPLOYMENT) -> None:
    """Register the deployment with its cron schedule and execute its runs (blocks)."""
    from prefect.deployments.runner import EntrypointType

    from flows.build_dataset import build_dataset
    build_dataset.serve(
        name=name, cron=cron,
        parameters={"input_dir": str(input_dir.resolve()), "output_dir": str(output_dir.resolve())},
        description="Incremental build of the claim/contradiction dataset from a drop folder.",
        entrypoint_type=EntrypointType.MODULE_PATH,
        pause_on_shutdown=False,
    )
