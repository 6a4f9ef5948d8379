"""End-to-end throughput benchmark of the pipeline on MedQuAD-derived corpora.

    .venv/bin/python benchmarks/run.py                    # 20 MB corpus (a few minutes)
    .venv/bin/python benchmarks/run.py --sizes 20,200     # also 200 MB (much longer)
    .venv/bin/python benchmarks/run.py --profile          # + cProfile of the direct stage run

For every size (MB of raw document text) it

1. builds or reuses the corpus (benchmarks/make_corpus.py, /tmp/pipeline-bench/<size>mb);
2. runs the real flow as a subprocess, ``pipeline run --input ... --output ...``
   (Prefect's start-up included), and measures wall time, MB/s of raw text,
   documents/s and the peak RSS of the child (ru_maxrss from wait4: the largest
   single process) and of its whole process tree (sampled from /proc every 0.2 s:
   the CLI plus Prefect's temporary server);
3. calls the stage functions of ``pipeline.stages`` directly, in this process, as
   the flow does (``stages.run_all`` when it exists, else the flow's sequence)
   with a timer around each, and prints seconds and MB/s per stage and the
   orchestration overhead = flow wall time / sum of direct stage times - 1;
4. measures the floor: read the same JSONL and split every document's text
   with ``pipeline.segment.segment``; the flow's time is printed as a multiple
   of it.

One row per size is appended to benchmarks/results/results.csv. See
benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import functools
import gc
import inspect
import io as _io
import json
import os
import platform
import pstats
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402

MB = make_corpus.MB
RESULTS = HERE / "results" / "results.csv"
STAGES = ["ingest_extract", "deduplicate", "contradictions", "aggregates", "validate", "publish", "other"]
# pipeline.stages function -> the stage it belongs to (as the flow's tasks group them)
BUCKET = {
    "ingest_and_extract": "ingest_extract", "plan_batches": "ingest_extract", "process_batch": "ingest_extract",
    "deduplicate": "deduplicate", "contradictions": "contradictions", "aggregates": "aggregates",
    "validate": "validate", "record_run": "validate", "publish": "publish", "summary": "publish",
}
COLUMNS = [
    "timestamp", "git_sha", "size_mb", "text_mb", "n_docs", "wall_s", "mb_per_s", "docs_per_s",
    "peak_rss_mb", "tree_peak_rss_mb", "overhead_ratio", "floor_s", "ratio_to_floor", "direct_total_s",
    *[f"{s}_s" for s in STAGES], "fixed_s", "exit_code", "workers", "n_documents_out", "n_claims",
    "n_contradictions", "n_clusters", "cpus",
    # CPU seconds (user + system): much less sensitive than wall time to other load on the machine
    "flow_cpu_s", "direct_cpu_s", "floor_cpu_s", "overhead_ratio_cpu", "ratio_to_floor_cpu",
    *[f"{s}_cpu_s" for s in STAGES], "fixed_cpu_s", "load_avg_max",
]
PAGE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- helpers

def git_sha() -> str:
    """The checkout's sha (+dirty.<diff hash>), shared with the other benchmarks."""
    from pipeline.stages import source_fingerprint
    return source_fingerprint()


def pipeline_command() -> list[str]:
    exe = Path(sys.executable).parent / "pipeline"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline"]


def cli_options() -> str:
    out = subprocess.run([*pipeline_command(), "run", "--help"], capture_output=True, text=True, cwd=REPO)
    return out.stdout


def safe_rmtree(path: Path, root: Path) -> None:
    path, root = path.resolve(), root.resolve()
    if root not in path.parents:
        raise RuntimeError(f"refusing to delete {path}: not under {root}")
    shutil.rmtree(path, ignore_errors=True)


def table_rows(folder: Path, name: str) -> int | None:
    import pyarrow.parquet as pq
    files = sorted((folder / name).glob("*.parquet"))
    return sum(pq.ParquetFile(p).metadata.num_rows for p in files) if files else None


def n_clusters(folder: Path) -> int | None:
    import pyarrow.parquet as pq
    files = sorted((folder / "documents").glob("*.parquet"))
    if not files:
        return None
    return len(set().union(*(pq.read_table(p, columns=["cluster_id"]).column(0).to_pylist() for p in files)))


def fmt(x, spec=".2f", none="-"):
    return none if x is None else format(x, spec)


# --------------------------------------------------------------------------- flow (subprocess)

def tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children = defaultdict(list)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        children[ppid].append(int(d))
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except OSError:
            pass
        stack.extend(children.get(pid, ()))
    return total


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.peak_at = pid, interval, 0, 0.0
        self.samples: list[tuple[float, int]] = []  # (seconds since start, bytes)
        self._stop_event = threading.Event()

    def run(self):
        t0 = time.perf_counter()
        while not self._stop_event.is_set():
            now, rss = time.perf_counter() - t0, tree_rss_bytes(self.pid)
            self.samples.append((now, rss))
            if rss > self.peak:
                self.peak, self.peak_at = rss, now
            self._stop_event.wait(self.interval)

    def write_csv(self, path: Path, every: float = 1.0) -> None:
        """The RSS timeline (one sample a second) to match the peak with the flow's stages."""
        with open(path, "w", newline="") as fh:
            fh.write("elapsed_s,tree_rss_mib\n")
            next_t = 0.0
            for t, rss in self.samples:
                if t >= next_t:
                    fh.write(f"{t:.1f},{rss / 2**20:.0f}\n")
                    next_t = t + every

    def stop(self):
        self._stop_event.set()
        self.join()


def run_flow(input_dir: Path, out: Path, env: dict, extra: list[str], log_path: Path) -> dict:
    """Run ``pipeline run`` as a child; wall time, exit code, peak RSS (child, tree)."""
    cmd = [*pipeline_command(), "run", "--input", str(input_dir), "--output", str(out), *extra]
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        # its own process group, so that an interrupt can stop it and Prefect's server together
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO,
                                start_new_session=True)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: do not leave the flow running
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            raise
        finally:
            sampler.stop()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.write_csv(log_path.with_name(log_path.stem + "-rss.csv"))
    return {"tree_peak_at_s": sampler.peak_at,"cmd": cmd, "wall_s": wall, "exit_code": proc.returncode,
            "cpu_s": usage.ru_utime + usage.ru_stime,  # the child and the children it waited for
            "peak_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux -> MiB
            "tree_peak_rss_mb": sampler.peak / 2**20, "log": log_path}


def tail(path: Path, n: int = 25) -> str:
    lines = path.read_text(errors="replace").splitlines()
    return "\n".join(lines[-n:])


# --------------------------------------------------------------------------- direct stages

class StageTimer:
    """Times the outermost calls of pipeline.stages functions (nested calls are part of
    their caller's time)."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: Counter = Counter()
        self._depth = 0

    def wrap(self, name, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
                self.cpu[name] += time.process_time() - c0
                self.calls[name] += 1
                self._depth -= 1
        return timed

    def by_stage(self, cpu: bool = False) -> dict[str, float]:
        out = dict.fromkeys(STAGES, 0.0)
        for name, s in (self.cpu if cpu else self.seconds).items():
            out[BUCKET.get(name, "other")] += s
        return out


def _legacy_sequence(stages, input_dir: Path, out: Path) -> dict:
    """The flow of the single-task layout (stages.ingest_and_extract; no run_all)."""
    from pipeline.io import staging_dir
    started = datetime.now(timezone.utc)
    run_id = stages.new_run_id(started)
    staging = staging_dir(out, run_id)
    stages.ingest_and_extract(input_dir, staging, run_id, started, stages.DEFAULT_MAX_BYTES)
    stages.deduplicate(staging)
    stages.contradictions(staging)
    stages.aggregates(staging, run_id)
    report = stages.validate(staging)
    stages.record_run(staging, out, run_id, started, input_dir, report)
    if report.success:
        stages.summary(staging)
        stages.publish(staging, out, run_id)
    return {"success": report.success}


def run_direct(input_dir: Path, out: Path, profile_to: Path | None = None) -> dict:
    """Call the stage functions in this process, without Prefect, timing each."""
    from pipeline import stages
    timer = StageTimer()
    originals = {name: fn for name, fn in vars(stages).items()
                 if inspect.isfunction(fn) and fn.__module__ == stages.__name__ and name != "run_all"}
    for name, fn in originals.items():
        setattr(stages, name, timer.wrap(name, fn))
    # cProfile's own (wall) clock: a Python-level CPU clock (time.process_time) costs a system
    # call per event and inflated call-heavy functions ~6x in a trial
    prof = cProfile.Profile() if profile_to else None
    gc.collect()
    t0 = time.perf_counter()
    try:
        if prof:
            prof.enable()
        if hasattr(stages, "run_all"):
            # run_all is the flow's sequence without Prefect; the flow also summarises before publishing
            result = stages.run_all(input_dir, out)
            if result.get("success"):
                stages.summary(out)
        else:
            result = _legacy_sequence(stages, input_dir, out)
    finally:
        if prof:
            prof.disable()
        total = time.perf_counter() - t0
        for name, fn in originals.items():
            setattr(stages, name, fn)
    if prof:
        prof.dump_stats(str(profile_to))
    by_stage, by_stage_cpu = timer.by_stage(), timer.by_stage(cpu=True)
    return {"by_stage": by_stage, "by_stage_cpu": by_stage_cpu, "by_function": dict(timer.seconds),
            "calls": dict(timer.calls), "sum_s": sum(by_stage.values()), "cpu_s": sum(by_stage_cpu.values()),
            "wall_s": total, "success": bool(result.get("success")),
            "api": "run_all" if hasattr(stages, "run_all") else "legacy"}


def print_profile(path: Path, top: int) -> str:
    text = []
    for key, title in (("cumulative", "cumulative time"), ("tottime", "total (own) time")):
        buf = _io.StringIO()
        stats = pstats.Stats(str(path), stream=buf).strip_dirs().sort_stats(key)
        stats.print_stats(top)
        body = buf.getvalue()
        body = body[body.find("   ncalls"):]  # drop pstats' header
        text.append(f"--- top {top} by {title} ---\n{body.rstrip()}")
    return "\n\n".join(text)


# --------------------------------------------------------------------------- corpus-level stages

CORPUS_STAGES = ["deduplicate", "contradictions", "aggregates", "validate", "publish"]


def staged_cache(input_dir: Path, cache: Path, stamp: str) -> Path:
    """The per-document stages' output for this corpus (documents, rejects, sentences, claims
    parts and the MinHash signatures, as ``process_batch`` stages them), built once per code
    version ``stamp`` (slow: the whole ingest/extract) and reused."""
    from pipeline import stages
    done = cache / "stamp.txt"
    if done.exists() and done.read_text() == stamp:
        return cache / "staged"
    shutil.rmtree(cache, ignore_errors=True)
    staging = cache / "staged"
    staging.mkdir(parents=True)
    started = datetime.now(timezone.utc)
    print(f"  building the staged per-document tables once (cached in {cache}) ...", flush=True)
    for batch in stages.plan_batches(input_dir):
        stages.process_batch(batch, staging, "run-bench", started)
    done.write_text(stamp)
    return staging


def run_corpus_stages(staged: Path, out: Path) -> dict:
    """Time the corpus-level stages as the flow calls them (record_run is part of validate,
    summary of publish), in this process, on a copy of the staged per-document tables."""
    from pipeline import io, stages
    shutil.rmtree(out, ignore_errors=True)
    started = datetime.now(timezone.utc)
    run_id = stages.new_run_id(started)
    staging = io.staging_dir(out, run_id)
    shutil.rmtree(staging)
    shutil.copytree(staged, staging)
    seconds, cpu = {}, {}

    def timed(name, fn):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        seconds[name], cpu[name] = time.perf_counter() - t0, time.process_time() - c0
        return result

    counts = timed("deduplicate", lambda: stages.deduplicate(staging))
    counts |= timed("contradictions", lambda: stages.contradictions(staging))
    counts |= timed("aggregates", lambda: stages.aggregates(staging, run_id))

    def validate():
        stages.record_run(staging, out, run_id, started, staged, None)
        report = stages.validate(staging)
        stages.record_run(staging, out, run_id, started, staged, report)
        return report
    report = timed("validate", validate)
    if report.success:
        timed("publish", lambda: (stages.summary(staging), stages.publish(staging, out, run_id)))
    return {"seconds": seconds, "cpu": cpu, "counts": counts, "success": report.success,
            "summary": report.summary()}


def print_corpus_stages(size: float, text_mb: float, r: dict) -> None:
    print(f"corpus-level stages on the staged {size:g} MB corpus (in-process; validation "
          f"{'passed' if r['success'] else 'FAILED'}: {r['summary']}):")
    print(f"  {'stage':<16}{'wall s':>9}{'CPU s':>9}{'CPU MB/s':>10}")
    for stage in CORPUS_STAGES:
        if stage in r["seconds"]:
            c = r["cpu"][stage]
            print(f"  {stage:<16}{r['seconds'][stage]:>9.2f}{c:>9.2f}{(text_mb / c if c > 0 else 0):>10.1f}")
    print("  " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items()))


# --------------------------------------------------------------------------- floor

def run_floor(input_dir: Path) -> dict:
    """Read every JSONL line and split its text with the project's segmenter."""
    from pipeline.segment import segment
    segment("Warm up. The tokenizer is built at import.")
    gc.collect()
    n_docs = n_sent = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for path in sorted(input_dir.glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                n_sent += len(segment(json.loads(line)["text"]))
                n_docs += 1
    return {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "docs": n_docs,
            "sentences": n_sent}


# --------------------------------------------------------------------------- report

def print_size_report(r: dict) -> None:
    mbytes, flow, direct, floor = r["text_mb"], r.get("flow"), r.get("direct"), r.get("floor")
    print(f"\n=== {r['size_mb']:g} MB corpus: {r['n_docs']:,} docs, {mbytes:.1f} MB of text "
          f"({r['n_near_dups']} near-duplicates) in {r['input']}")
    print(f"load average (1 min) during the measurements: up to {r['load_avg_max']:.1f} on {os.cpu_count()} CPUs"
          + ("  <- the machine was busy: wall times are inflated, compare CPU seconds"
             if r["load_avg_max"] > 0.75 * (os.cpu_count() or 1) + 1 else ""))
    if flow:
        print(f"flow  `pipeline run` (subprocess, Prefect start-up included): exit {flow['exit_code']}")
        print(f"  wall {flow['wall_s']:.1f} s | {mbytes / flow['wall_s']:.2f} MB/s | "
              f"{r['n_docs'] / flow['wall_s']:.1f} docs/s | CPU {flow['cpu_s']:.1f} s | peak RSS "
              f"{flow['peak_rss_mb']:,.0f} MiB (largest process), {flow['tree_peak_rss_mb']:,.0f} MiB (process tree, "
              f"at {flow['tree_peak_at_s']:.0f} s; timeline in {flow['log'].stem}-rss.csv)")
        if flow.get("outputs"):
            o = flow["outputs"]
            print("  published: " + ", ".join(f"{k} {v:,}" for k, v in o.items() if v is not None))
    if direct:
        print(f"direct stages (pipeline.stages called in-process, no Prefect; api={direct['api']}, "
              f"validation {'passed' if direct['success'] else 'FAILED'}):")
        print(f"  {'stage':<16}{'wall s':>9}{'MB/s':>9}{'CPU s':>9}{'CPU MB/s':>10}{'share':>7}")
        for stage in STAGES:
            s, c = direct["by_stage"][stage], direct["by_stage_cpu"][stage]
            if stage == "other" and s < 0.005:
                continue
            print(f"  {stage:<16}{s:>9.2f}{(mbytes / s if s > 0 else 0):>9.2f}{c:>9.2f}"
                  f"{(mbytes / c if c > 0 else 0):>10.2f}{s / direct['sum_s']:>7.0%}")
        print(f"  {'sum':<16}{direct['sum_s']:>9.2f}{mbytes / direct['sum_s']:>9.2f}{direct['cpu_s']:>9.2f}"
              f"{mbytes / direct['cpu_s']:>10.2f}   (wall incl. glue {direct['wall_s']:.2f} s)")
        calls = ", ".join(f"{k} x{v}" for k, v in sorted(direct["calls"].items()))
        print(f"  calls: {calls}")
    if flow and direct:
        print(f"orchestration overhead = flow wall / direct sum - 1 = {r['overhead_ratio']:+.2f} "
              f"({flow['wall_s'] - direct['sum_s']:+.1f} s); in CPU seconds {r['overhead_ratio_cpu']:+.2f} "
              f"({flow['cpu_s'] - direct['cpu_s']:+.1f} s)")
        if r.get("fixed_s"):
            print(f"  fixed cost of a 3-document flow run: {r['fixed_s']:.1f} s wall, {r['fixed_cpu_s']:.1f} s CPU")
    if floor:
        print(f"floor (read JSONL + segment() every text): {floor['seconds']:.2f} s "
              f"({mbytes / floor['seconds']:.2f} MB/s), CPU {floor['cpu_s']:.2f} s, {floor['sentences']:,} sentences")
        parts = []
        if flow:
            parts.append(f"flow = {flow['wall_s'] / floor['seconds']:.1f}x floor "
                         f"(CPU {flow['cpu_s'] / floor['cpu_s']:.1f}x)")
        if direct:
            parts.append(f"direct stages = {direct['sum_s'] / floor['seconds']:.1f}x floor "
                         f"(CPU {direct['cpu_s'] / floor['cpu_s']:.1f}x)")
        print("  " + "; ".join(parts))


def csv_row(r: dict, ts: str, sha: str, fixed: dict | None, workers, cpus) -> dict:
    flow, direct, floor = r.get("flow"), r.get("direct"), r.get("floor")
    wall = flow["wall_s"] if flow else None
    row = {
        "timestamp": ts, "git_sha": sha, "size_mb": f"{r['size_mb']:g}", "text_mb": f"{r['text_mb']:.2f}",
        "n_docs": r["n_docs"], "wall_s": fmt(wall, ".2f", ""),
        "mb_per_s": fmt(r["text_mb"] / wall if wall else None, ".3f", ""),
        "docs_per_s": fmt(r["n_docs"] / wall if wall else None, ".2f", ""),
        "peak_rss_mb": fmt(flow and flow["peak_rss_mb"], ".0f", ""),
        "tree_peak_rss_mb": fmt(flow and flow["tree_peak_rss_mb"], ".0f", ""),
        "overhead_ratio": fmt(r.get("overhead_ratio"), ".3f", ""),
        "floor_s": fmt(floor and floor["seconds"], ".2f", ""),
        "ratio_to_floor": fmt(wall / floor["seconds"] if (wall and floor) else None, ".2f", ""),
        "direct_total_s": fmt(direct and direct["sum_s"], ".2f", ""),
        **{f"{s}_s": fmt(direct["by_stage"][s] if direct else None, ".2f", "") for s in STAGES},
        "fixed_s": fmt(fixed and fixed["wall_s"], ".2f", ""), "exit_code": "" if not flow else flow["exit_code"],
        "workers": "" if workers is None else workers, "cpus": cpus,
        "flow_cpu_s": fmt(flow and flow["cpu_s"], ".2f", ""),
        "direct_cpu_s": fmt(direct and direct["cpu_s"], ".2f", ""),
        "floor_cpu_s": fmt(floor and floor["cpu_s"], ".2f", ""),
        "overhead_ratio_cpu": fmt(r.get("overhead_ratio_cpu"), ".3f", ""),
        "ratio_to_floor_cpu": fmt(flow["cpu_s"] / floor["cpu_s"] if (flow and floor) else None, ".2f", ""),
        **{f"{s}_cpu_s": fmt(direct["by_stage_cpu"][s] if direct else None, ".2f", "") for s in STAGES},
        "fixed_cpu_s": fmt(fixed and fixed["cpu_s"], ".2f", ""),
        "load_avg_max": f"{r['load_avg_max']:.2f}",
    }
    o = (flow or {}).get("outputs") or {}
    for key in ("documents", "claims", "contradictions", "clusters"):
        row[f"n_{key}_out" if key == "documents" else f"n_{key}"] = "" if o.get(key) is None else o[key]
    return row


def append_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size:
        with open(path, newline="") as fh:
            header = next(csv.reader(fh), [])
        if header != COLUMNS:
            raise SystemExit(f"{path} has other columns than this version of run.py writes; "
                             f"move it aside (e.g. results-old.csv) and run again")
        new = False
    else:
        new = True
    with open(path, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        if new:
            w.writeheader()
        w.writerows(rows)


# --------------------------------------------------------------------------- main

def tiny_corpus(root: Path, n: int = 3) -> Path:
    folder = root / "tiny" / make_corpus.SHARDS
    if not folder.is_dir():
        folder.mkdir(parents=True)
        with open(make_corpus.DEFAULT_SOURCE, encoding="utf-8") as src, \
                open(folder / "tiny.jsonl", "w", encoding="utf-8") as dst:
            for _, line in zip(range(n), src):
                dst.write(line)
    return folder


def corpus_stages_only(a) -> int:
    """--corpus-stages: deduplicate, contradictions, aggregates, validate and publish timed in
    isolation, without re-running the per-document stages for every measurement."""
    import hashlib

    import pipeline.stages  # noqa: F401  (the code measured is the code at start)
    # the staged tables depend on the per-document code (and the signatures in dedup.py)
    src = REPO / "src" / "pipeline"
    per_document = [src / f"{m}.py" for m in ("ingest", "normalize", "langid", "segment", "extract", "conditions",
                                              "lexicon", "tagger", "process", "dedup", "schemas", "io")]
    per_document += sorted((src / "lexicons").glob("*")) + sorted((src / "models").glob("*"))
    code = hashlib.sha1(b"".join(f.read_bytes() for f in per_document if f.is_file())).hexdigest()[:12]
    root = a.root.resolve()
    sha = git_sha()
    print(f"corpus-level stages {datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}  code {sha}  cpus {os.cpu_count()}")
    ok = True
    for size in [float(x) for x in a.sizes.split(",") if x.strip()]:
        manifest = make_corpus.build(size)
        input_dir = make_corpus.input_dir(make_corpus.default_out(size))
        staged = staged_cache(input_dir, root / f"{size:g}mb-staged", f"{code} {manifest['n_docs']}")
        r = run_corpus_stages(staged, root / "runs" / f"{size:g}mb-corpus-stages")
        print_corpus_stages(size, manifest["text_bytes"] / MB, r)
        ok &= r["success"]
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="20", help="comma-separated corpus sizes in MB of text (default 20)")
    ap.add_argument("--workers", type=int, help="passed to `pipeline run --workers` if the CLI has it")
    ap.add_argument("--root", type=Path, default=make_corpus.DEFAULT_ROOT,
                    help="corpora, run outputs, logs, profiles and the Prefect home (default %(default)s)")
    ap.add_argument("--prefect-home", type=Path,
                    help="PREFECT_HOME of the flow runs (default <root>/prefect-home; 'inherit' keeps yours)")
    ap.add_argument("--results", type=Path, default=RESULTS, help="CSV to append to (default %(default)s)")
    ap.add_argument("--no-record", action="store_true", help="do not append to the CSV")
    ap.add_argument("--skip-flow", action="store_true", help="no `pipeline run` subprocess")
    ap.add_argument("--skip-direct", action="store_true", help="no in-process stage run")
    ap.add_argument("--skip-floor", action="store_true", help="no floor measurement")
    ap.add_argument("--no-fixed-cost", action="store_true",
                    help="skip the 3-document flow run (Prefect start-up + per-task cost; also a warm-up)")
    ap.add_argument("--profile", action="store_true",
                    help="one more direct run under cProfile; print the top functions (slower: not timed)")
    ap.add_argument("--top", type=int, default=15, help="functions listed per profile table")
    ap.add_argument("--corpus-stages", action="store_true",
                    help="only time the corpus-level stages (deduplicate ... publish) on the staged "
                         "per-document tables, built once per code version under <root>/<size>mb-staged; "
                         "prints, records nothing")
    a = ap.parse_args(argv)
    if a.corpus_stages:
        return corpus_stages_only(a)

    sizes = [float(s) for s in a.sizes.split(",") if s.strip()]
    root = a.root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    env = os.environ.copy()
    if str(a.prefect_home) != "inherit":
        env["PREFECT_HOME"] = str((a.prefect_home or root / "prefect-home").resolve())
    if env.get("PREFECT_API_URL"):
        print(f"note: PREFECT_API_URL={env['PREFECT_API_URL']} is set: the flow uses that server, so "
              "the temporary server's start-up is not measured")

    extra: list[str] = []
    workers = None
    if not a.skip_flow:
        options = cli_options()
        if a.workers is not None:
            if "--workers" in options:
                extra += ["--workers", str(a.workers)]
                workers = a.workers
            else:
                print(f"note: `pipeline run` has no --workers option; --workers {a.workers} ignored")
    sha = git_sha()
    # import the pipeline now, so that the direct run uses the code the flow subprocess starts with
    # (the working tree may change during a long run)
    import pipeline.segment  # noqa: F401
    import pipeline.stages  # noqa: F401
    cpus = os.cpu_count()
    ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"benchmark {ts}  code {sha}  python {platform.python_version()}  cpus {cpus}  "
          f"PREFECT_HOME={env.get('PREFECT_HOME')}")

    fixed = None
    if not a.skip_flow and not a.no_fixed_cost:
        tiny = tiny_corpus(root)
        out = root / "runs" / "tiny"
        safe_rmtree(out, root)
        out.mkdir(parents=True)
        home = Path(env.get("PREFECT_HOME", Path.home() / ".prefect"))
        if not (home / "prefect.db").exists():
            print(f"warm-up: first flow run with PREFECT_HOME={home} (creates Prefect's database; not timed)")
            run_flow(tiny, out / "warmup", env, extra, out / "warmup.log")
        res = run_flow(tiny, out / "flow", env, extra, out / "flow.log")
        if res["exit_code"] == 0:
            fixed = res
            print(f"fixed cost: `pipeline run` on 3 documents took {res['wall_s']:.1f} s wall, "
                  f"{res['cpu_s']:.1f} s CPU (imports, Prefect start-up, per-task and per-run costs)")
        else:
            print(f"fixed-cost run failed (exit {res['exit_code']}); log {res['log']}:\n{tail(res['log'])}")

    def _terminate(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _terminate)

    results, rows, interrupted = [], [], False
    for size in sizes:
        manifest = make_corpus.build(size)
        corpus = make_corpus.default_out(size)
        input_dir = make_corpus.input_dir(corpus)
        run_dir = root / "runs" / f"{size:g}mb"
        safe_rmtree(run_dir, root)
        run_dir.mkdir(parents=True)
        r = {"size_mb": size, "text_mb": manifest["text_bytes"] / MB, "n_docs": manifest["n_docs"],
             "n_near_dups": manifest["n_near_duplicates"], "input": input_dir,
             "fixed_s": fixed and fixed["wall_s"], "fixed_cpu_s": fixed and fixed["cpu_s"]}
        loads = [os.getloadavg()[0]]
        # flow, then floor, then the direct run: an interrupt (Ctrl-C, SIGTERM) during the long
        # direct run still records the flow and the floor
        try:
            if not a.skip_flow:
                print(f"[{size:g} MB] flow run ...", flush=True)
                flow = run_flow(input_dir, run_dir / "flow", env, extra, run_dir / "flow.log")
                if flow["exit_code"] != 0:
                    print(f"flow failed (exit {flow['exit_code']}); log {flow['log']}:\n{tail(flow['log'])}")
                else:
                    flow["outputs"] = {k: table_rows(run_dir / "flow", k) for k in
                                       ("documents", "rejects", "sentences", "claims", "contradictions")}
                    flow["outputs"]["clusters"] = n_clusters(run_dir / "flow")
                r["flow"] = flow
                loads.append(os.getloadavg()[0])
            if not a.skip_floor:
                print(f"[{size:g} MB] floor ...", flush=True)
                r["floor"] = run_floor(input_dir)
                loads.append(os.getloadavg()[0])
            if not a.skip_direct:
                print(f"[{size:g} MB] direct stage run ...", flush=True)
                r["direct"] = run_direct(input_dir, run_dir / "direct")
                loads.append(os.getloadavg()[0])
        except KeyboardInterrupt:
            interrupted = True
            print(f"\ninterrupted: recording what was measured for {size:g} MB, then stopping")
        r["load_avg_max"] = max(loads)
        if r.get("flow") and r.get("direct") and r["direct"]["sum_s"] > 0:
            r["overhead_ratio"] = r["flow"]["wall_s"] / r["direct"]["sum_s"] - 1
            r["overhead_ratio_cpu"] = r["flow"]["cpu_s"] / r["direct"]["cpu_s"] - 1
        print_size_report(r)
        results.append(r)
        row = csv_row(r, ts, sha, fixed, workers, cpus)
        sha_now = git_sha()
        if sha_now != sha:  # src/ or flows/ changed while this size ran: flow and direct may differ
            print(f"warning: the code changed during this run ({sha} -> {sha_now}); the flow ran the "
                  f"first, the direct run mostly the first (modules imported later: the second)")
            row["git_sha"] = f"{sha}->{sha_now}"
        rows.append(row)
        if not a.no_record and (r.get("flow") or r.get("direct") or r.get("floor")):
            append_csv(a.results, [row])
            print(f"appended a row to {a.results}")
        if interrupted:
            break
        if a.profile:
            print(f"[{size:g} MB] profiled direct stage run ...", flush=True)
            prof_path = run_dir / "direct.prof"
            safe_rmtree(run_dir / "direct", root)
            try:
                p = run_direct(input_dir, run_dir / "direct-profiled", profile_to=prof_path)
            except KeyboardInterrupt:
                print("interrupted during the profiled run")
                break
            text = print_profile(prof_path, a.top)
            (run_dir / "profile.txt").write_text(text + "\n")
            print(f"\ncProfile of the direct stage run ({p['cpu_s']:.1f} s CPU, {p['wall_s']:.1f} s "
                  f"wall under the profiler; stats in {prof_path}):\n{text}")
        gc.collect()

    if len(results) > 1:
        print("\n=== summary")
        print(f"{'size MB':>8}{'docs':>9}{'wall s':>9}{'MB/s':>7}{'docs/s':>8}{'RSS MiB':>9}"
              f"{'overhead':>9}{'floor s':>9}{'x floor':>8}{'CPU s':>8}{'load':>6}")
        for row in rows:
            print(f"{row['size_mb']:>8}{row['n_docs']:>9}{row['wall_s']:>9}{row['mb_per_s']:>7}"
                  f"{row['docs_per_s']:>8}{row['tree_peak_rss_mb']:>9}{row['overhead_ratio']:>9}"
                  f"{row['floor_s']:>9}{row['ratio_to_floor']:>8}{row['flow_cpu_s']:>8}{row['load_avg_max']:>6}")
    if interrupted:
        return 130
    return 0 if all((r.get("flow") or {}).get("exit_code", 0) == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
