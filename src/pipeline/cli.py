"""Command line: ``pipeline run | validate | eval``.

Exit codes: 0 success; 1 the data failed validation (or an evaluation target
was missed with ``--fail-under``); 2 a usage error (bad folder, empty input);
3 the run itself failed.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

import pipeline  # noqa: F401  (telemetry-off defaults)

EXIT_INVALID, EXIT_USAGE, EXIT_FAILED = 1, 2, 3


def _fail(message: str, code: int = EXIT_USAGE):
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _check_input(input_dir: Path) -> None:
    if not input_dir.exists():
        _fail(f"input folder '{input_dir}' does not exist")
    if not input_dir.is_dir():
        _fail(f"input '{input_dir}' is not a folder")
    if not any(p.is_file() for p in input_dir.rglob("*")):
        _fail(f"input folder '{input_dir}' holds no files")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="Log level of the pipeline and Prefect.")
def main(log_level: str) -> None:
    """Health-claim contradiction dataset: build, validate and evaluate it.

    \b
    Examples:
      pipeline run --input data/raw --output data/processed
      pipeline validate --output data/processed
      pipeline report --output data/processed
      pipeline serve --input drop/ --output data/processed --cron "0 * * * *"
      pipeline eval --gold tests/gold/demo_claims.jsonl --gold tests/gold/demo_contradictions.jsonl --output data/processed
    """
    import os
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", log_level.upper())
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("distributed", "great_expectations", "prefect"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(log_level.upper()), logging.WARNING))


@main.command()
@click.option("--input", "input_dir", required=True, type=click.Path(path_type=Path),
              help="Folder of raw articles (searched recursively).")
@click.option("--output", "output_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for the published Parquet tables.")
@click.option("--max-bytes", default=20_000_000, show_default=True,
              help="Inputs larger than this are rejected (too_large).")
@click.option("--batch-mb", default=16.0, show_default=True,
              help="Megabytes of input files per batch (the unit of parallelism and of memory).")
@click.option("--full", is_flag=True, help="Rebuild everything instead of carrying over documents already published.")
@click.option("--workers", default=1, show_default=True,
              help="Run batches in parallel on a local Dask cluster of this many worker processes.")
@click.option("--dask-address", default=None, metavar="tcp://HOST:PORT",
              help="Run on an existing Dask cluster (workers must see the input and output folders).")
def run(input_dir: Path, output_dir: Path, max_bytes: int, batch_mb: float, full: bool,
        workers: int, dask_address: str | None) -> None:
    """Run the Prefect flow: ingest, normalize, deduplicate, extract, find
    contradictions, aggregate, validate and publish.

    \b
    Examples:
      pipeline run --input data/raw --output data/processed
      pipeline run --input crawl/ --output out/ --workers 2 --batch-mb 32
      pipeline run --input crawl/ --output out/ --dask-address tcp://10.0.0.5:8786
      pipeline run --input data/raw --output data/processed --full
    """
    _check_input(input_dir)
    if workers < 1:
        _fail("--workers must be at least 1")
    output_dir.mkdir(parents=True, exist_ok=True)
    import contextlib
    import time
    local_dask = workers > 1 and not dask_address
    # a local cluster's API server and fork server first: they come up while the pipeline imports
    server, api_url = _start_api_server() if local_dask else (None, None)
    try:
        if local_dask:
            start_fork_server()
        from flows.build_dataset import ValidationFailed, build_dataset
        flow_fn = build_dataset
        runner = _task_runner(workers, dask_address)
        if runner is not None:
            flow_fn = build_dataset.with_options(task_runner=runner)
    except BaseException:
        _stop_api_server(server)
        raise

    def call():
        # a local cluster's workers must report to this process's Prefect API
        from flows.build_dataset import shared_prefect_api
        with shared_prefect_api(api_url) if local_dask else contextlib.nullcontext():
            return flow_fn(str(input_dir.resolve()), str(output_dir.resolve()), max_bytes=max_bytes,
                           batch_mb=batch_mb, incremental=not full)
    started = time.monotonic()
    try:
        result = _with_progress(call, input_dir, output_dir, batch_mb)
    except ValidationFailed as exc:
        click.echo(exc.report_text, err=True)
        _fail(f"validation failed; nothing was published (staged tables kept in {exc.staging})", EXIT_INVALID)
    except Exception as exc:  # noqa: BLE001 - report any run failure in one line
        _fail(f"run failed: {type(exc).__name__}: {exc}", EXIT_FAILED)
    finally:
        if local_dask:
            stop_fork_server()
            _stop_api_server(server)
    result["elapsed_s"] = time.monotonic() - started
    _print_summary(result)


STAGE_MARKERS = (  # (staging folder that appears when the stage is done, label)
    ("_signatures", "extract"), ("contradictions", "contradictions"),
    ("corpus_metrics", "aggregates"), ("validation_report.txt", "validation"),
)


def _with_progress(run, input_dir: Path, output_dir: Path, batch_mb: float):
    """Run the flow in a thread while a rich progress bar follows its staging folder: batches
    done (their Parquet parts appear) and the later stages. Only on an interactive terminal."""
    import threading
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pipeline.stages import STAGING_ROOT, plan_batches
    if not sys.stderr.isatty():
        return run()
    n_batches = len(plan_batches(input_dir, int(batch_mb * 1e6)))
    box: dict = {}

    def target():
        try:
            box["result"] = run()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            box["error"] = exc
    before = set((output_dir / STAGING_ROOT).glob("*")) if (output_dir / STAGING_ROOT).exists() else set()
    thread = threading.Thread(target=target, daemon=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        batches = progress.add_task("batches", total=n_batches)
        stages = progress.add_task("stages", total=len(STAGE_MARKERS))
        thread.start()
        while thread.is_alive():
            runs = [p for p in (output_dir / STAGING_ROOT).glob("*") if p not in before] \
                if (output_dir / STAGING_ROOT).exists() else []
            if runs:
                staging = runs[0]
                done = len(list((staging / "_signatures").glob("part-*.parquet")))
                progress.update(batches, completed=min(done, n_batches))
                reached = [label for marker, label in STAGE_MARKERS if (staging / marker).exists()]
                progress.update(stages, completed=len(reached),
                                description=f"stages ({reached[-1]} done)" if reached else "stages")
            time.sleep(0.5)
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _start_api_server():
    """For a local Dask cluster: a Prefect API server the flow and its workers share
    (``prefect server start`` on loopback, database in the configured Prefect home, where
    the temporary server keeps it); ``(process, api_url)``, or ``(None, None)`` with a
    configured ``PREFECT_API_URL``. Started before the pipeline is imported, it comes up
    meanwhile, and this process does not import Prefect's server code (~5 CPU-s) just to
    launch Prefect's temporary server. In this process group, like the temporary server,
    so that stopping the group stops it too."""
    import os
    import subprocess

    from prefect.settings import PREFECT_API_URL, PREFECT_HOME

    from pipeline.serve import free_port
    if PREFECT_API_URL.value():
        return None, None
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(PREFECT_HOME.value()), "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}/api"


def _stop_api_server(process) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except Exception:  # noqa: BLE001 - a server that does not stop is killed
        process.kill()
        process.wait()


def _task_runner(workers: int, dask_address: str | None):
    """A Dask task runner for --workers N / --dask-address, else None (Prefect's default threads)."""
    if not dask_address and workers <= 1:
        return None
    from prefect_dask import DaskTaskRunner
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return local_dask_runner(workers)


# What a Dask worker needs to run a batch task: imported once, by the fork server.
WORKER_PRELOAD = ("distributed", "dask", "numpy", "pandas", "pyarrow", "prefect", "prefect_dask",
                  "prefect.task_engine", "flows.build_dataset")


def local_dask_runner(workers: int):
    """A Prefect task runner on a new local Dask cluster of ``workers`` processes, cheap to
    start: one thread per worker, no dashboard, and workers forked from a fork server that
    imported Prefect, pandas and the pipeline once (``WORKER_PRELOAD``), instead of spawned
    interpreters that each import them again (measured with 2 workers on this machine:
    ~16 CPU-s and ~20 s to the first task spawned, ~6 CPU-s and ~8 s forked). ``run`` starts
    the fork server before it imports the pipeline, so that their imports overlap;
    :func:`stop_fork_server` ends it after the run. Run the flow inside
    ``flows.build_dataset.shared_prefect_api``, so that the workers use the flow's API."""
    from prefect_dask import DaskTaskRunner

    start_fork_server()
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})


def start_fork_server() -> None:
    """Switch Dask's worker processes to ``forkserver`` and start the fork server now, with
    ``WORKER_PRELOAD`` and the environment a Dask nanny sets before it spawns a worker
    (one BLAS thread, a fixed hash seed, ...); and turn the workers' profiler off."""
    import logging
    import multiprocessing.forkserver
    import os

    import dask
    from distributed.utils import get_mp_context

    # importing distributed sets its logger to INFO again: back to the --log-level choice
    logging.getLogger("distributed").setLevel(max(logging.getLogger().getEffectiveLevel(), logging.WARNING))

    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver",
                     # the statistical profiler samples every task's stack every 10 ms
                     # (~5% CPU on a batch here), for a dashboard that is not started
                     "distributed.worker.profile.enabled": False})
    get_mp_context().set_forkserver_preload(list(WORKER_PRELOAD))  # after distributed sets its own
    environ = {k: str(v) for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()}
    if environ.get("PYTHONHASHSEED") in (None, "0"):
        environ["PYTHONHASHSEED"] = "6640"  # as distributed's Nanny does
    saved = {k: os.environ.get(k) for k in environ}
    os.environ.update(environ)  # what the fork server starts with (the Nanny sets them the same way)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def stop_fork_server() -> None:
    """Stop the fork server (if one runs) and wait for it, so that its CPU time and that of
    the workers it forked count among this process's children (benchmarks read them)."""
    import multiprocessing.forkserver

    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    if server is not None and getattr(server, "_forkserver_pid", None) is not None:
        try:
            server._stop()
        except (AttributeError, OSError, ChildProcessError):  # private API: best effort
            pass


def _print_summary(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    table = Table(title=f"run {result['run_id']}", show_header=True)
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_row("documents", str(result["documents"]))
    reasons = ", ".join(f"{k}: {v}" for k, v in sorted(result["rejects_by_reason"].items()))
    table.add_row("rejects", f"{result['rejects']}" + (f" ({reasons})" if reasons else ""))
    table.add_row("claims", str(result["claims"]))
    verdicts = ", ".join(f"{k}: {v}" for k, v in sorted(result["contradictions_by_verdict"].items()))
    table.add_row("contradictions", f"{result['contradictions']}" + (f" ({verdicts})" if verdicts else ""))
    if "elapsed_s" in result:
        table.add_row("time", f"{result['elapsed_s']:.1f} s")
    Console().print(table)
    click.echo(f"validation: {result['validation']}")
    click.echo(f"published: {result['published']}")


@main.command()
@click.option("--output", "output_dir", required=True, type=click.Path(path_type=Path),
              help="Folder of published tables.")
@click.option("--docs", "docs_dir", default=None, type=click.Path(path_type=Path),
              help="Also build Great Expectations Data Docs (HTML) into this folder.")
def validate(output_dir: Path, docs_dir: Path | None) -> None:
    """Validate published tables against the suites in expectations/.

    Exits 1 and lists every failed expectation (table, expectation, column,
    example rows) when a critical expectation fails.

    \b
    Examples:
      pipeline validate --output data/processed
      pipeline validate --output data/processed --docs data/processed/data_docs
    """
    if not output_dir.is_dir():
        _fail(f"output folder '{output_dir}' does not exist")
    from pipeline.quality import build_data_docs, validate_folder
    report = validate_folder(output_dir)
    click.echo(report.format())
    if docs_dir is not None:
        index = build_data_docs(output_dir, docs_dir)
        click.echo(f"data docs: {index}")
    if not report.success:
        sys.exit(EXIT_INVALID)


@main.command()
@click.option("--output", "output_dir", required=True, type=click.Path(path_type=Path),
              help="Folder of published tables.")
@click.option("--dest", type=click.Path(path_type=Path), default=None,
              help="HTML file to write [default: <output>/report.html].")
@click.option("--data-docs", "data_docs", default=None,
              help="Link to the validation report (Data Docs), e.g. a path relative to the report.")
def report(output_dir: Path, dest: Path | None, data_docs: str | None) -> None:
    """Write one self-contained HTML report (no network needed to view it): headline
    figures, charts and a browsable list of contradictions with both sentences.

    \b
    Examples:
      pipeline report --output data/processed
      pipeline validate --output data/processed --docs data/processed/data_docs && \\
        pipeline report --output data/processed --data-docs data_docs/index.html
    """
    from pipeline.report import build_report
    try:
        path = build_report(output_dir, dest or output_dir / "report.html", data_docs_href=data_docs)
    except FileNotFoundError as exc:
        _fail(str(exc))
    click.echo(f"report: {path}")


@main.command()
@click.option("--input", "input_dir", required=True, type=click.Path(path_type=Path),
              help="Drop folder watched by the schedule.")
@click.option("--output", "output_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for the published tables.")
@click.option("--cron", default="0 * * * *", show_default=True, help="Cron schedule (UTC).")
@click.option("--name", default="drop-folder", show_default=True, help="Deployment name.")
def serve(input_dir: Path, output_dir: Path, cron: str, name: str) -> None:
    """Run the flow on a schedule over a drop folder (incrementally).

    Uses the Prefect server at PREFECT_API_URL when set; otherwise starts
    `prefect server start` on 127.0.0.1 with its data under PREFECT_HOME
    (default ./.prefect) and stops it on exit. Schedules never fire on
    Prefect's temporary server, hence the real one. Stop with Ctrl-C.

    \b
    Examples:
      pipeline serve --input drop/ --output data/processed --cron "*/15 * * * *"
      PREFECT_API_URL=http://127.0.0.1:4200/api pipeline serve --input drop/ --output out/
    """
    import os
    import signal

    def _stop(signum, frame):  # SIGTERM stops like Ctrl-C, so the local server is shut down too
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _stop)
    if not input_dir.is_dir():
        _fail(f"input folder '{input_dir}' does not exist")
    output_dir.mkdir(parents=True, exist_ok=True)
    from pipeline import serve as serving
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
        Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
        server, api_url = serving.start_local_server(log_path=Path(os.environ["PREFECT_HOME"]) / "server.log")
        os.environ["PREFECT_API_URL"] = api_url
        click.echo(f"started a local Prefect server at {api_url} (log: {os.environ['PREFECT_HOME']}/server.log)")
    try:
        serving.wait_healthy(os.environ["PREFECT_API_URL"])
        click.echo(f"serving '{name}' on cron '{cron}': {input_dir} -> {output_dir}")
        serving.serve(input_dir, output_dir, cron, name)
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        _fail(str(exc), EXIT_FAILED)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except Exception:  # noqa: BLE001
                server.kill()


@main.command(name="eval")
@click.option("--gold", "gold_files", required=True, multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Gold file(s): claims and/or contradictions JSONL (see tests/gold/README.md). Repeatable.")
@click.option("--output", "output_dir", required=True, type=click.Path(exists=True, path_type=Path),
              help="Folder of published tables to score.")
@click.option("--show-errors/--no-show-errors", default=True, help="List misses and false alarms.")
def eval_cmd(gold_files: tuple[Path, ...], output_dir: Path, show_errors: bool) -> None:
    """Score published claims and contradictions against gold annotations:
    precision, recall and F1, with the misses and false alarms listed.

    \b
    Example:
      pipeline eval --gold tests/gold/demo_claims.jsonl --gold tests/gold/demo_contradictions.jsonl --output data/processed
    """
    from pipeline.evaluate import evaluate, format_report, load_gold
    gold = load_gold(gold_files)
    result = evaluate(gold, output_dir)
    click.echo(format_report(result, show_errors=show_errors))


if __name__ == "__main__":
    main()
