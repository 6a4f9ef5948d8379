"""Prefect flow: raw articles in, validated Parquet tables out.

Thin wiring only: each task calls one stage in ``pipeline.stages`` and passes
folder paths (and small batch descriptions), never DataFrames. Input files are
split into batches of about ``batch_mb`` megabytes, processed as parallel
tasks (threads by default; Dask processes with ``workers`` or
``dask_address``), so memory is bounded by the batch, not the corpus.
Validation runs before publishing; a failed critical expectation raises and
nothing is published (the staged tables and the report stay under
``.staging/<run_id>``).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pipeline  # noqa: F401  (sets telemetry-off defaults before Prefect is imported)
from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import stages
from pipeline.io import staging_dir


class ValidationFailed(RuntimeError):
    """A critical expectation failed; nothing was published."""

    def __init__(self, report_text: str, staging: str):
        super().__init__(report_text)
        self.report_text = report_text
        self.staging = staging


@contextmanager
def shared_prefect_api(api_url: str | None = None):
    """Run the flow inside this to make Dask workers report to this process's Prefect API.

    The settings a task carries to a Dask worker hold no API URL when the flow uses Prefect's
    temporary server, so every worker used to start a temporary server of its own (~8 CPU-s
    and seconds each, on the same database file). Here the flow runs with an explicit API
    URL: ``api_url`` (a server the caller started, e.g. ``pipeline run --workers``), else
    the configured ``PREFECT_API_URL``, else Prefect's temporary server, started first."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if api_url is None and PREFECT_API_URL.value():
        yield
        return
    if api_url is None:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the instance Prefect's get_client() starts and uses
        server.start()
        api_url = server.api_url
    else:
        from pipeline.serve import wait_healthy
        wait_healthy(api_url)
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield


def _warm_up_validation() -> None:
    """Import Great Expectations and build the suites in the background (seconds of imports
    that the validate task would otherwise wait for)."""
    def target():
        try:
            from pipeline.quality import warm_up
            warm_up()
        except Exception:  # noqa: BLE001 - validation itself reports real problems
            pass
    threading.Thread(target=target, name="warm-up-validation", daemon=True).start()


def _retire_local_dask_workers(logger, timeout: float = 30.0) -> None:
    """Stop the workers of a Dask cluster this flow's task runner created, once the batches
    are done: the later tasks run in this process, and each idle worker (and the fork server
    that preloaded the pipeline for them) kept ~300-400 MB resident until the flow ended,
    a third of the process tree's peak, which comes at validation. A cluster the caller
    gave (``--dask-address``) is left alone."""
    context = FlowRunContext.get()
    runner = getattr(context, "task_runner", None)
    cluster = getattr(runner, "_cluster", None)
    if (cluster is None or getattr(runner, "address", None) or getattr(runner, "cluster_class", None)
            or not hasattr(cluster, "scale")):
        return
    try:
        cluster.scale(0)
        deadline = time.monotonic() + timeout
        while runner._client.scheduler_info()["workers"]:
            if time.monotonic() > deadline:
                logger.info("Dask workers still running after %.0f s; left to the end of the flow", timeout)
                return
            time.sleep(0.2)
        from pipeline.cli import stop_fork_server  # no worker is left to fork
        stop_fork_server()
    except Exception as exc:  # noqa: BLE001 - memory only: the flow's results do not depend on it
        logger.info("could not stop the Dask workers early: %s: %s", type(exc).__name__, exc)


@task(name="previous-documents", retries=2, retry_delay_seconds=2)
def previous_task(output: str, staging: str, incremental: bool) -> int:
    return stages.previous_doc_ids(Path(output), Path(staging)) if incremental else 0


@task(name="process-batch", retries=2, retry_delay_seconds=2)
def batch_task(batch: stages.Batch, staging: str, run_id: str, ingested_at: datetime, max_bytes: int) -> dict:
    return stages.process_batch(batch, Path(staging), run_id, ingested_at, max_bytes)


@task(name="carry-over", retries=2, retry_delay_seconds=2)
def carry_over_task(staging: str, output: str) -> dict:
    return stages.carry_over(Path(staging), Path(output))


@task(name="deduplicate")
def dedup_task(staging: str) -> dict:
    return stages.deduplicate(Path(staging))


@task(name="find-contradictions")
def contradictions_task(staging: str) -> dict:
    return stages.contradictions(Path(staging))


@task(name="aggregate")
def aggregates_task(staging: str, run_id: str) -> dict:
    return stages.aggregates(Path(staging), run_id)


@task(name="validate")
def validate_task(staging: str, output: str, run_id: str, started_at: datetime, input_root: str) -> dict:
    stages.record_run(Path(staging), Path(output), run_id, started_at, Path(input_root), None)
    report = stages.validate(Path(staging))
    stages.record_run(Path(staging), Path(output), run_id, started_at, Path(input_root), report)
    return {"success": report.success, "summary": report.summary(), "text": report.format()}


@task(name="publish", retries=2, retry_delay_seconds=2)
def publish_task(staging: str, output: str, run_id: str) -> str:
    return str(stages.publish(Path(staging), Path(output), run_id))


# One batch at a time by default: batches are CPU-bound Python (threads would not run them
# faster) and each holds its rows in memory, so memory stays bounded by one batch.
# Parallelism comes from processes: --workers N / --dask-address swap in a Dask task runner.
@flow(name="build-dataset", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=1))
def build_dataset(input_dir: str, output_dir: str, max_bytes: int = stages.DEFAULT_MAX_BYTES,
                  batch_mb: float = stages.DEFAULT_BATCH_BYTES / 1e6, incremental: bool = True) -> dict:
    """Build the claim and contradiction dataset from ``input_dir`` into ``output_dir``.

    With ``incremental`` (the default) documents already published with the same content
    and extractor version are carried over instead of re-extracted; the tables are the
    same as a full rebuild's.
    """
    logger = get_run_logger()
    started = datetime.now(timezone.utc)
    run_id = stages.new_run_id(started)
    staging = str(staging_dir(Path(output_dir), run_id))
    batches = stages.plan_batches(Path(input_dir), int(batch_mb * 1e6))
    logger.info("run %s: %s -> %s in %d batches", run_id, input_dir, output_dir, len(batches))

    counts: dict = {"previous": previous_task(output_dir, staging, incremental)}
    context = FlowRunContext.get()
    if context is not None and not isinstance(context.task_runner, ThreadPoolTaskRunner):
        # batches run in other processes (Dask): this one is idle meanwhile
        _warm_up_validation()
    futures = batch_task.map(batches, staging=staging, run_id=run_id, ingested_at=started, max_bytes=max_bytes)
    for result in futures.result():
        for key, value in result.items():
            counts[key] = counts.get(key, 0) + value
    _retire_local_dask_workers(logger)
    counts |= carry_over_task(staging, output_dir)
    counts |= dedup_task(staging)
    counts |= contradictions_task(staging)
    counts |= aggregates_task(staging, run_id)
    logger.info("counts: %s", counts)
    result = validate_task(staging, output_dir, run_id, started, input_dir)
    logger.info("validation: %s", result["summary"])
    if not result["success"]:
        raise ValidationFailed(result["text"], staging)
    summary = stages.summary(Path(staging))
    version_dir = publish_task(staging, output_dir, run_id)
    logger.info("published %s", version_dir)
    return {"run_id": run_id, "published": version_dir, "validation": result["summary"],
            "counts": counts, **summary}


if __name__ == "__main__":
    import sys
    print(build_dataset(sys.argv[1], sys.argv[2]))
