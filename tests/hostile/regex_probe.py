"""Time every compiled regular expression of the pipeline on adversarial strings.

Run as a child process (``python -m tests.hostile.regex_probe START``): for each
(pattern, input, method) it prints ``start <key>`` and then ``end <key> <seconds>``,
one line each, flushed. The parent (``probe_all``) watches the lines with a
per-call deadline: a call that does not end in time -- Python's ``re`` engine
cannot be interrupted -- is recorded as a hang, the child is killed and a new
one resumes after that pattern. So one catastrophic pattern costs one deadline,
not a hung test run.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

MODULES = ("pipeline.normalize", "pipeline.conditions", "pipeline.lexicon", "pipeline.segment",
           "pipeline.ingest", "pipeline.extract", "pipeline.langid", "pipeline.dedup", "pipeline.process")
ALL_METHODS = ("search", "match", "fullmatch", "findall")
N = 100_000
BOUND = 1.5  # seconds per call; a call over it is re-timed twice and the fastest counts (load noise)
UNITS = (
    "1", " ", ".", "-", "1-", "1-1", "(", "((((((", ")", "[1,", "[1", "[1-", "1,000,", "1.", "1.1.", "1 ",
    "1 to ", "1 mg ", "1 g to ", "half a ", "between ", "up to ", "a", "a-", "a.", "A.", ". ", "a. b", "! ", "? x",
    "'", "a'", "\"", "aA1.-( ", "(1)", "- ", "#", "# ", "\n", "\r\n", "\t", " \t\n", "\u00a0", "\u200b",
    "\u00e2\u20ac", "\u00c3\u00a9", "\u00e9", "\u2014", "<", "<meta ", "<meta charset", "<!DOCTYPE [", "<!doctype",
    "<?xml ", "<html", "x://", "www.", "a@", "@", "/", "mg", "\u4e2d", "1e", "1:1",
)

# How the code applies each pattern (grep the call sites when adding one): the methods it
# calls (finditer/sub/findall -> "findall"), the longest subject it ever gets (a slice, a
# prefix) and whether the subject is normalized text (segmentation and extraction only ever
# see normalize()'s output: no runs of whitespace). A pattern not listed gets every method
# on raw 100k-char strings.
USAGE: dict[str, tuple[tuple[str, ...], int | None, bool]] = {
    "pipeline.normalize._PATTERN": (("findall",), None, False),
    "pipeline.normalize._INVISIBLE": (("findall",), None, False),
    "pipeline.normalize._CONTROL": (("search", "findall"), None, False),
    "pipeline.normalize._MOJIBAKE_HINT": (("search",), None, False),
    "pipeline.lexicon.TOKEN_RE": (("findall",), None, True),
    "pipeline.segment._COMMENT": (("findall",), None, False),
    "pipeline.segment._PLAIN_WORD_PERIOD": (("fullmatch",), None, True),
    "pipeline.segment._CLOSER_PERIOD": (("search",), None, True),
    "pipeline.segment._QUESTION_EXCLAMATION": (("search",), None, True),
    "pipeline.segment._DOTTED_INITIALS": (("fullmatch",), None, True),
    "pipeline.segment._MARKDOWN_HEADING": (("match",), None, True),
    "pipeline.segment._MARKDOWN_CLOSING": (("search",), None, True),
    "pipeline.segment._LIST_MARKER": (("match",), None, True),
    "pipeline.segment._GLUED": (("findall",), None, True),
    "pipeline.segment._CITATION": (("match",), None, True),
    "pipeline.segment._ALNUM": (("search",), None, True),
    "pipeline.ingest._CONTROL_CHARS_RE": (("findall",), None, False),
    "pipeline.ingest._C1_BYTES_RE": (("search",), None, False),
    "pipeline.ingest._META_CHARSET_RE": (("search",), 4096, False),      # data[:4096]
    "pipeline.ingest._XML_DECL_RE": (("search",), None, False),          # .sub(count=1) on the page
    "pipeline.ingest._DOCTYPE_RE": (("search",), None, False),           # .sub(count=1) on the page
    "pipeline.ingest._ISO_DATE_RE": (("match",), None, False),
    "pipeline.ingest._HEADER_CHARSET_RE": (("search",), None, False),
    "pipeline.ingest._LOOKS_LIKE_HTML_RE": (("search",), 1024, False),   # body[:1024]
    "pipeline.langid._WORD_RE": (("findall", "fullmatch"), 5000, True),  # text[:PREFIX_CHARS]
    "pipeline.langid._ASCII_WORD_RE": (("findall",), 5000, True),
    "pipeline.langid._URL_RE": (("findall",), 5000, True),
    "pipeline.langid._OTHER_LETTER_RE": (("findall",), 5000, True),
    "pipeline.langid._KANA_RE": (("findall",), 5000, True),
    "pipeline.langid._HAN_RE": (("findall",), 5000, True),
    "pipeline.dedup.WORD_RE": (("findall",), None, True),
    "pipeline.process.CAPITALISED": (("match",), None, True),
    "pipeline.conditions._patterns()[2]": (("findall",), None, True),   # dose amounts: finditer(sentence)
    "pipeline.conditions._patterns()[3]": (("findall",), None, True),   # durations: finditer(sentence)
    "pipeline.conditions._patterns()[4]": (("search",), 30, True),      # bound words: the 30 chars before
    "pipeline.conditions._patterns()[5]": (("match",), 20, True),       # per day/dose: the 20 chars after
}


def strings() -> list[tuple[str, str]]:
    """(label, 100k-char string): each unit repeated; and the same followed by one 'x' (a
    non-match at the very end is what makes backtracking patterns try every split)."""
    out = []
    for unit in UNITS:
        s = (unit * (N // len(unit) + 1))[:N]
        out.append((f"{unit!r}*", s))
        out.append((f"{unit!r}*+'x'", s[:-1] + "x"))
    return out


def patterns() -> list[tuple[str, re.Pattern]]:
    """Every module-level re.Pattern of MODULES, and the patterns built by conditions._patterns()."""
    found: dict[str, re.Pattern] = {}
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr, value in sorted(vars(mod).items()):
            if isinstance(value, re.Pattern):
                found[f"{name}.{attr}"] = value
    from pipeline import conditions
    for i, value in enumerate(conditions._patterns()):
        if isinstance(value, re.Pattern):
            found[f"pipeline.conditions._patterns()[{i}]"] = value
    # the same object re-exported by another module counts once, under its first name
    seen, unique = set(), []
    for key, value in found.items():
        if id(value) not in seen:
            seen.add(id(value))
            unique.append((key, value))
    return unique


def _child(start: int) -> None:
    from pipeline.normalize import normalize

    pats = patterns()
    raw = strings()
    normalized: dict[str, str] = {}

    def subject_of(label: str, s: str, norm: bool) -> str:
        if not norm:
            return s
        if label.endswith("+'x'"):  # normalize(unit * N) + "x": one normalization per unit
            return subject_of(label[: -len("+'x'")], s[:-1] + s[-2], True) + "x"
        if label not in normalized:
            normalized[label] = normalize(s)[0]
        return normalized[label]

    for pi in range(start, len(pats)):
        name, pat = pats[pi]
        methods, max_len, norm = USAGE.get(name, (ALL_METHODS, None, False))
        for label, s in raw:
            subject = subject_of(label, s, norm)[:max_len]
            if isinstance(pat.pattern, bytes):
                subject = subject.encode("utf-8")
            for method in methods:
                key = json.dumps([pi, name, label, method])
                print("start " + key, flush=True)
                best = float("inf")
                for _ in range(3):
                    t = time.perf_counter()
                    getattr(pat, method)(subject)
                    best = min(best, time.perf_counter() - t)
                    if best <= BOUND:
                        break
                print(f"end {best:.4f} " + key, flush=True)
    print("done", flush=True)


def probe_all(deadline: float = 3.0, cwd: Path | None = None) -> dict:
    """Run the battery in child processes. Returns {"timings": {pattern: [(seconds, label, method)]},
    "hangs": {pattern: (label, method)}, "patterns": [names]}: one timing per call, and for
    a pattern whose call took longer than ``deadline`` the call that was abandoned."""
    timings: dict[str, list] = {}
    hangs: dict[str, tuple[str, str]] = {}
    start = 0
    names: list[str] = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    while True:
        proc = subprocess.Popen([sys.executable, "-m", "tests.hostile.regex_probe", str(start)], cwd=cwd,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put(None)],
                         daemon=True).start()
        current = None
        restart = None
        while True:
            try:
                line = lines.get(timeout=deadline if current else 120)
            except queue.Empty:
                if current is None:
                    proc.kill()
                    raise RuntimeError("regex probe child produced no output for 120 s")
                pi, name, label, method = current
                hangs[name] = (label, method)
                timings.setdefault(name, []).append((float("inf"), label, method))
                proc.kill()
                restart = pi + 1
                break
            if line is None:
                proc.wait()
                if proc.returncode != 0:
                    raise RuntimeError(f"regex probe child failed: {proc.stderr.read()[-3000:]}")
                break
            if line.startswith("start "):
                current = json.loads(line[6:])
                if current[1] not in names:
                    names.append(current[1])
            elif line.startswith("end "):
                _, seconds, key = line.rstrip("\n").split(" ", 2)
                pi, name, label, method = json.loads(key)
                timings.setdefault(name, []).append((float(seconds), label, method))
                current = None
        proc.wait()
        if restart is None:
            break
        start = restart
    return {"timings": timings, "hangs": hangs, "patterns": names}


if __name__ == "__main__":
    _child(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
