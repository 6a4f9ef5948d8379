"""Run the ingest fuzz target (fuzz_ingest.py) for a bounded time and report; CI's fuzz step.

    python fuzz/run_bounded.py [--seconds 60] [--artifacts build/fuzz]

Prints the number of inputs run (libFuzzer's "Done N runs in S second(s)") and exits 0; exits 1
when the fuzzer found a crash, a timeout (one input over 20 s) or an out-of-memory input -- the
traceback and the input's path are printed, the input is kept under --artifacts for replay with
``python fuzz/fuzz_ingest.py <artifacts>/crash-<sha1>`` -- and 2 when atheris is not installed
(the ``fuzz`` extra, pinned in requirements.lock; by hand: ``pip install 'atheris>=3.0,<4'``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "fuzz_ingest.py"
PER_INPUT_TIMEOUT = 20  # s
MAX_LEN = 8192  # bytes per input


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")))
    parser.add_argument("--artifacts", type=Path, default=HERE.parent / "build" / "fuzz")
    # a fixed seed makes the CI run reproducible (the same inputs here and there); 0 = random
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "1")))
    args = parser.parse_args(argv)
    if importlib.util.find_spec("atheris") is None:
        print(f"fuzz: atheris is not installed for {sys.executable} (the 'fuzz' extra; "
              "pip install 'atheris>=3.0,<4'); nothing was fuzzed", file=sys.stderr)
        return 2
    args.artifacts.mkdir(parents=True, exist_ok=True)
    for old in args.artifacts.glob("*-*"):  # artifacts of an earlier run
        if old.name.split("-")[0] in ("crash", "timeout", "oom", "leak", "slow"):
            old.unlink()
    log = args.artifacts / "fuzz.log"
    cmd = [sys.executable, str(TARGET), f"-max_total_time={args.seconds}", f"-timeout={PER_INPUT_TIMEOUT}",
           f"-max_len={MAX_LEN}", "-rss_limit_mb=4096", f"-artifact_prefix={args.artifacts}/"]
    if args.seed:
        cmd.append(f"-seed={args.seed}")
    print(f"fuzz: {TARGET.name} for {args.seconds} s (log: {log})", flush=True)
    start = time.monotonic()
    with open(log, "w", encoding="utf-8", errors="replace") as out:
        try:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=args.artifacts,
                                  timeout=args.seconds + 10 * PER_INPUT_TIMEOUT + 120)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            rc = None
    elapsed = time.monotonic() - start
    text = log.read_text(encoding="utf-8", errors="replace")
    found = sorted(p for p in args.artifacts.iterdir()
                   if p.name.split("-")[0] in ("crash", "timeout", "oom", "leak"))
    done = re.search(r"Done (\d+) runs in (\d+) second", text)
    if rc == 0 and not found and done:
        runs, seconds = int(done.group(1)), int(done.group(2))
        print(f"fuzz: {runs} inputs in {seconds} s ({runs / max(seconds, 1):.0f}/s), no crash")
        return 0
    print(f"fuzz: FAILED after {elapsed:.0f} s (exit code {rc if rc is not None else 'none: hung, killed'})")
    at = text.rfind("=== Uncaught Python exception")  # the traceback, else libFuzzer's report
    at = at if at >= 0 else text.rfind("ERROR: libFuzzer")
    print(text[at:][-6000:] if at >= 0 else text[-6000:])
    for path in found:
        print(f"fuzz: input kept as {path} (replay: python {TARGET} {path})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
