"""Time the pipeline's regular expressions and text stages on adversarial strings.

Two batteries, each run in a child process (``python -m tests.hostile.regex_probe
KIND START``) that prints ``start <key>`` before and ``end <seconds> <key>`` (or
``error <seconds> <key> <message>``) after every call, flushed:

* ``patterns``: every module-level ``re.Pattern`` of MODULES and the patterns
  built by ``conditions._patterns()``, applied the way the code applies it
  (USAGE) to 100k-character strings (UNITS repeated, with and without a final
  non-matching character);
* ``pipeline``: ``normalize``, ``segment`` and ``extract_sentence`` (on every
  segment, as process_record does) on 1 MB single-line pathological texts.

The parent (``Battery``) reads the lines with a per-call deadline. Python's
``re`` cannot be interrupted, so a call that does not end in time is recorded
as a hang (``inf``), the child is killed and a new one resumes with the next
group (pattern or text): a catastrophic pattern costs one deadline, not a hung
test run.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

MODULES = ("pipeline.normalize", "pipeline.conditions", "pipeline.lexicon", "pipeline.segment",
           "pipeline.ingest", "pipeline.extract", "pipeline.langid", "pipeline.dedup", "pipeline.process")
ALL_METHODS = ("search", "match", "fullmatch", "findall")
N = 100_000
BOUND = 1.5  # seconds per pattern call; a call over it is re-timed twice and the fastest counts (load noise)
UNITS = (
    "1", " ", ".", "-", "1-1", "((((((", "[1,", "1,000,", "1.", "1 to ", "1 mg ", "half a ", "a", "a-", "a.", "A. ",
    "a. b", "'", "a'", "\"", "aA1.-( ", "#", "# ", "\n", "\r\n", " \t\n", "\u00a0", "\u200b", "\u00e2\u20ac",
    "\u00e9", "<", "<meta charset", "<!DOCTYPE [", "<?xml ", "x://", "www.", "a@", "\u4e2d",
)

# How the code applies each pattern (grep its call sites when adding one): the methods it
# calls (finditer/sub/findall -> "findall"), the longest subject it ever gets (a slice, a
# prefix) and whether the subject is normalized text (segmentation and extraction only see
# normalize()'s output: no runs of whitespace). A pattern not listed gets every method on
# raw 100k-character strings.
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
    "pipeline.ingest._XML_DECL_RE": (("search",), None, False),          # .sub(count=1) on the whole page
    "pipeline.ingest._DOCTYPE_HEAD_RE": (("findall",), None, False),     # finditer on the whole page
    "pipeline.ingest._DOCTYPE_SUBSET_END_RE": (("search",), None, False),  # search(text, pos)
    "pipeline.ingest._TAG_RE": (("search",), None, False),               # search(text, pos), one tag at a time
    "pipeline.ingest._NOT_XML_CHARS_RE": (("findall",), None, False),    # .sub on one text node
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

# 1 MB single-line texts for the pipeline battery: (name, repeated unit)
PATHOLOGICAL = (
    ("digits_hyphens", "1-"),
    ("dots", "."),
    ("parens", "(("),
    ("dose_numbers", "1,000 mg to 2 g or "),
    ("whitespace_mix", "a \t\u00a0\u200b "),
    ("mojibake_runs", "it\u00e2\u20ac\u2122s "),    # UTF-8 read as cp1252, on one 1 MB line
    ("dense_sentences", "a. "),                   # 333k sentence ends on one line
    ("claim_run_on", "it reduces anxiety, "),     # one 1 MB sentence full of claim cues
)
PIPELINE_BYTES = 1_000_000
EXTRACT_SEGMENTS = 5000  # extract_sentence on at most this many segments per text


def strings() -> list[tuple[str, str]]:
    """(label, 100k-char string): each unit repeated; and the same with a last 'x' (a non-match
    at the very end is what makes a backtracking pattern try every split)."""
    out = []
    for unit in UNITS:
        s = (unit * (N // len(unit) + 1))[:N]
        out.append((f"{unit!r}*", s))
        out.append((f"{unit!r}*+'x'", s[:-1] + "x"))
    return out


def patterns() -> list[tuple[str, re.Pattern]]:
    """Every module-level re.Pattern of MODULES and those built by conditions._patterns(), in a
    stable order: patterns applied to normalized text first (so a child restarted after a hang
    in a raw-text pattern does not normalize the strings again)."""
    found: dict[str, re.Pattern] = {}
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr, value in sorted(vars(mod).items()):
            if isinstance(value, re.Pattern):
                found.setdefault(f"{name}.{attr}", value)
    from pipeline import conditions
    for i, value in enumerate(conditions._patterns()):
        if isinstance(value, re.Pattern):
            found[f"pipeline.conditions._patterns()[{i}]"] = value
    seen, unique = set(), []
    for key, value in found.items():  # a pattern re-exported by another module counts once
        if id(value) not in seen:
            seen.add(id(value))
            unique.append((key, value))
    unique.sort(key=lambda kv: not USAGE.get(kv[0], ((), None, False))[2])
    return unique


# ---------------------------------------------------------------- child side

Item = tuple[str, list, Callable[[], object]]  # (group, key, thunk)


def _pattern_items() -> list[Item]:
    from pipeline.normalize import normalize

    raw = strings()
    normalized: dict[str, str] = {}

    def subject(label: str, s: str, norm: bool) -> str:
        if not norm:
            return s
        base = label[: -len("+'x'")] if label.endswith("+'x'") else label
        if base not in normalized:  # normalize(unit * N) once; the "+x" variant appends the x
            normalized[base] = normalize(s if base == label else s[:-1] + s[-2])[0]
        return normalized[base] + ("x" if base != label else "")

    def call(pat, method, label, s, norm, max_len):
        def thunk():
            subj = subject(label, s, norm)[:max_len]
            if isinstance(pat.pattern, bytes):
                subj = subj.encode("utf-8")
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                getattr(pat, method)(subj)
                best = min(best, time.perf_counter() - t)
                if best <= BOUND:
                    break
            return best
        return thunk

    items = []
    for name, pat in patterns():
        methods, max_len, norm = USAGE.get(name, (ALL_METHODS, None, False))
        for label, s in raw:  # (a thunk normalizes its subject before it starts the clock)
            for method in methods:
                items.append((name, [name, label, method], call(pat, method, label, s, norm, max_len)))
    return items


def _pipeline_items() -> list[Item]:
    from pipeline.extract import extract_sentence
    from pipeline.lexicon import load_lexicon
    from pipeline.normalize import normalize
    from pipeline.segment import segment

    lex = load_lexicon()
    state: dict = {}
    items = []
    for name, unit in PATHOLOGICAL:
        raw = (unit * (PIPELINE_BYTES // len(unit) + 1))[:PIPELINE_BYTES]

        def do_normalize(name=name, raw=raw):
            state[name] = {"text": normalize(raw)[0]}

        def do_segment(name=name):
            text = state[name]["text"]
            state[name]["segments"] = [text[s.start:s.end] for s in segment(text)]

        def do_extract(name=name):
            return sum(len(extract_sentence(s, "kratom", lex)) for s in state[name]["segments"][:EXTRACT_SEGMENTS])

        items += [(name, [name, "normalize"], do_normalize), (name, [name, "segment"], do_segment),
                  (name, [name, "extract_sentence"], do_extract)]
    return items


def _child(kind: str, start: int) -> None:
    items = _pattern_items() if kind == "patterns" else _pipeline_items()
    print(f"count {len(items)}", flush=True)
    for i in range(start, len(items)):
        group, key, thunk = items[i]
        tag = json.dumps([i, group, key])
        print("start " + tag, flush=True)
        # CPU seconds of this process: what a call costs, whatever else loads the machine (the
        # parent's deadline on the wall clock, with slack, only catches hangs)
        t = time.process_time()
        try:
            result = thunk()
        except Exception as exc:  # e.g. nltk's ReDoS TimeoutError: reported, not fatal
            msg = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]
            print(f"error {time.process_time() - t:.4f} {tag} {msg}", flush=True)
            continue
        seconds = result if isinstance(result, float) else time.process_time() - t
        print(f"end {seconds:.4f} {tag}", flush=True)
    print("done", flush=True)


# ---------------------------------------------------------------- parent side


HANG_FACTOR = 3  # a call with no result after this many deadlines of wall clock is a hang


class Battery:
    """Runs one battery in child processes, in a background thread (``start``) or in the
    foreground (``run``). ``result()`` returns {"results": {group: [(key, seconds, error)]},
    "hangs": {group: key}}; a hung call has seconds = inf."""

    def __init__(self, kind: str, deadline: float, startup: float = 180.0):
        self.kind, self.deadline, self.startup = kind, deadline, startup
        self.results: dict[str, list] = {}
        self.hangs: dict[str, list] = {}
        self.error: BaseException | None = None
        self._proc: subprocess.Popen | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Battery":
        self._thread = threading.Thread(target=self._run_catching, daemon=True, name=f"battery-{self.kind}")
        self._thread.start()
        return self

    def run(self) -> dict:
        self._run()
        return self.result()

    def result(self, timeout: float = 1200) -> dict:
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self.stop()
                raise TimeoutError(f"{self.kind} battery still running after {timeout} s")
        if self.error is not None:
            raise self.error
        return {"results": self.results, "hangs": self.hangs}

    def stop(self) -> None:
        self._stopped.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def _run_catching(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported by result()
            self.error = exc

    def _run(self) -> None:
        start = 0
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        cwd = Path(__file__).resolve().parents[2]
        while not self._stopped.is_set():
            with tempfile.TemporaryFile("w+") as err:
                proc = self._proc = subprocess.Popen(
                    [sys.executable, "-m", "tests.hostile.regex_probe", self.kind, str(start)], cwd=cwd,
                    stdout=subprocess.PIPE, stderr=err, text=True, env=env)
                hung = self._follow(proc)
                if hung is None:
                    if proc.returncode != 0 and not self._stopped.is_set():
                        err.seek(0)
                        raise RuntimeError(f"{self.kind} battery child failed: {err.read()[-3000:]}")
                    return
            start = _first_index_after(self.kind, hung)  # resume after the hung group

    def _follow(self, proc: subprocess.Popen) -> str | None:
        """Read the child's lines until it ends (None) or a call outlives the deadline (its group)."""
        lines: queue.Queue = queue.Queue()

        def pump():
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        current = None
        while True:
            try:
                line = lines.get(timeout=HANG_FACTOR * self.deadline if current else self.startup)
            except queue.Empty:
                proc.kill()
                proc.wait()
                if current is None:
                    raise RuntimeError(f"{self.kind} battery child silent for {self.startup} s") from None
                _, group, key = current
                self.hangs[group] = key
                self.results.setdefault(group, []).append(
                    (key, float("inf"), f"no result within {HANG_FACTOR * self.deadline} s of wall clock"))
                return group
            if line is None:
                proc.wait()
                return None
            word, _, rest = line.rstrip("\n").partition(" ")
            if word == "start":
                current = json.loads(rest)
            elif word in ("end", "error"):
                seconds, _, rest = rest.partition(" ")
                (_, group, key), end = json.JSONDecoder().raw_decode(rest)
                self.results.setdefault(group, []).append((key, float(seconds), rest[end:].strip() or None))
                current = None


def _first_index_after(kind: str, group: str) -> int:
    """Index of the first item after ``group`` (a group's items are contiguous, in a fixed order)."""
    if kind == "patterns":
        offset = 0
        for name, _ in patterns():
            offset += len(UNITS) * 2 * len(USAGE.get(name, (ALL_METHODS, None, False))[0])
            if name == group:
                return offset
        raise KeyError(group)
    return ([n for n, _ in PATHOLOGICAL].index(group) + 1) * 3


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
