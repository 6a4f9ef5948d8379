"""Coverage-guided fuzz target (atheris) for the ingest readers.

Each input is written to a temporary folder as one file whose extension
rotates over the supported formats (chosen by the first byte), and run
through ``pipeline.ingest.list_inputs`` + ``read_input`` -- the same calls
``pipeline.stages.process_batch`` makes. The contract checked:

* ``read_input`` never raises on a listed file: every problem is a ``Reject``
  with a reason from ``REJECT_REASONS`` and a non-empty detail;
* every ``RawDoc`` has non-blank text and only valid-UTF-8 strings (Parquet
  needs them); records are "" or "line:N" / "record:N";
* one call finishes within the libFuzzer ``-timeout``.

Any other exception is a crash: atheris prints the traceback and writes the
input to ``<artifact_prefix>crash-<sha1>``; replay it with
``python fuzz/fuzz_ingest.py crash-<sha1>``.

Run (atheris is the ``fuzz`` extra, see fuzz/README.md; CI runs ``make fuzz``)::

    python fuzz/fuzz_ingest.py                          # 60 s, built-in seeds
    python fuzz/fuzz_ingest.py -max_total_time=600 fuzz/corpus
    python fuzz/fuzz_ingest.py -runs=5000

``check_one(data)`` is importable without atheris (the hypothesis fallback
test in tests/hostile/test_fuzz_smoke.py calls it).
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

# (extension, wrap): wrap=None feeds the bytes as they are; "gzip" compresses them
# first (so the fuzzer reaches the reader behind a valid gzip stream); "warc"
# puts them as the HTML payload of a valid WARC response record.
MODES = (
    (".txt", None), (".md", None), (".html", None), (".htm", None), (".jsonl", None),
    (".warc", None), (".warc.gz", None), (".txt.gz", None), (".jsonl.gz", None),
    (".txt.gz", "gzip"), (".html.gz", "gzip"), (".jsonl.gz", "gzip"),
    (".warc", "warc"), (".warc.gz", "warc"), (".gz", None), (".warc", "warc-raw"),
)
SMALL_MAX_BYTES = 512  # every 4th input runs with a tiny max_bytes to reach the too_large paths
_RECORD_RE = re.compile(r"^(|line:[1-9]\d*|record:[1-9]\d*)$")

# Crashes already reported and not fixed yet, each pinned by an xfail(strict) test in
# tests/hostile/. With FUZZ_IGNORE_KNOWN=1 they do not stop a campaign, so it can look for
# new ones meanwhile. Entries: (exception type name, text in its message). Fixed so far:
# ("ValueError", "All strings must be XML compatible") -- control characters in HTML text
# (twice: the plain-text fallback, then a form feed next to an "&" in _escape_ampersands).
KNOWN_BUGS: tuple[tuple[str, str], ...] = ()

_TMP: Path | None = None


def _tmpdir() -> Path:
    global _TMP
    if _TMP is None:
        _TMP = Path(tempfile.mkdtemp(prefix="fuzz_ingest_"))
    return _TMP


def _warc(payload: bytes, gz: bool, raw_headers: bool) -> bytes:
    """One well-formed WARC ``response`` record around ``payload``. With ``raw_headers`` the
    fuzz bytes are the whole HTTP message (status line, headers, body); else an HTTP 200
    text/html header is put in front of them."""
    http = payload if raw_headers else b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + payload
    head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://127.0.0.1/fuzz\r\n"
            b"WARC-Date: 2024-01-01T00:00:00Z\r\n"
            b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000000>\r\n"
            b"Content-Type: application/http; msgtype=response\r\n"
            b"Content-Length: " + str(len(http)).encode() + b"\r\n\r\n")
    record = head + http + b"\r\n\r\n"
    return gzip.compress(record, compresslevel=1) if gz else record


def materialize(data: bytes) -> tuple[Path, int]:
    """Write ``data`` as one input file in a fresh folder; return (folder, max_bytes)."""
    selector, body = (data[0], data[1:]) if data else (0, b"")
    ext, wrap = MODES[selector % len(MODES)]
    max_bytes = SMALL_MAX_BYTES if (selector // len(MODES)) % 4 == 3 else 20_000_000
    if wrap == "gzip":
        body = gzip.compress(body, compresslevel=1)
    elif wrap in ("warc", "warc-raw"):
        body = _warc(body, gz=ext.endswith(".gz"), raw_headers=wrap == "warc-raw")
    folder = _tmpdir() / "in"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / f"input{ext}").write_bytes(body)
    return folder, max_bytes


def _check_str(value, what: str) -> None:
    if value is None:
        return
    assert isinstance(value, str), (what, type(value))
    value.encode("utf-8")  # raises UnicodeEncodeError on lone surrogates (Parquet would refuse them)


def check_one(data: bytes) -> int:
    """Ingest one fuzz input; raise on a contract violation. Returns the number of items."""
    from pipeline.ingest import REJECT_REASONS, InputFile, RawDoc, Reject, list_inputs, read_input

    folder, max_bytes = materialize(data)
    listed = list(list_inputs(folder))
    assert len(listed) == 1, listed
    n = 0
    for item in listed:
        if isinstance(item, Reject):
            items = [item]
        else:
            assert isinstance(item, InputFile), item
            items = list(read_input(item, max_bytes))
            assert items, "a listed file yielded nothing (dropped silently)"
        for it in items:
            n += 1
            assert isinstance(it, (RawDoc, Reject)), it
            assert it.source_path.startswith("input"), it.source_path
            assert _RECORD_RE.match(it.record), it.record
            if isinstance(it, Reject):
                assert it.reason in REJECT_REASONS, it.reason
                assert it.detail, it
                _check_str(it.detail, "detail")
                assert it.size_bytes >= 0
            else:
                assert it.text.strip(), "blank document text"
                for name in ("text", "url", "title", "published", "encoding"):
                    _check_str(getattr(it, name), name)
    return n


def is_known_bug(exc: BaseException) -> bool:
    return any(type(exc).__name__ == name and text in str(exc) for name, text in KNOWN_BUGS)


def _seed_dir() -> Path:
    """A few small valid inputs per format, so the fuzzer starts past the format checks."""
    seeds = _tmpdir() / "seeds"
    seeds.mkdir(exist_ok=True)
    page = (b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>T</title></head><body><nav>Home</nav>"
            b"<article><p>Valerian helps sleep &amp; may cause headaches.</p></article></body></html>")
    text = "Kratom may cause insomnia at higher doses.\n".encode()
    jsonl = b'{"text": "Magnesium reduces cramps.", "url": "u", "published": "2020-01-02"}\n[1]\n{"text": 3}\n'
    for i, (ext, wrap) in enumerate(MODES):
        if wrap in ("warc", "warc-raw"):
            payload = page if wrap == "warc" else b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page
        elif ext.startswith(".html") or ext == ".htm":
            payload = page
        elif ext.startswith(".jsonl"):
            payload = jsonl
        else:
            payload = text
        if wrap is None and ext.endswith(".gz") and not ext.startswith(".warc"):
            payload = gzip.compress(payload)
        if wrap is None and ext.startswith(".warc"):
            payload = _warc(page, gz=ext.endswith(".gz"), raw_headers=False)
        (seeds / f"seed-{i:02d}").write_bytes(bytes([i]) + payload)
    return seeds


def main(argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["pipeline", "warcio", "trafilatura", "gzip", "json", "codecs"]):
        import pipeline.ingest  # noqa: F401

    ignore_known = os.environ.get("FUZZ_IGNORE_KNOWN") == "1"

    def test_one_input(data: bytes) -> None:
        try:
            check_one(data)
        except Exception as exc:
            if ignore_known and is_known_bug(exc):
                return
            raise

    args = list(argv)
    flags = [a for a in args[1:] if a.startswith("-")]
    if not any(a.startswith(("-max_total_time", "-runs")) for a in flags):
        args.append("-max_total_time=60")
    if not any(a.startswith("-timeout") for a in flags):
        args.append("-timeout=20")
    if not any(a.startswith("-rss_limit_mb") for a in flags):
        args.append("-rss_limit_mb=4096")
    if not any(not a.startswith("-") for a in args[1:]):
        args.append(str(_seed_dir()))  # no corpus folder given: start from the built-in seeds
    atheris.Setup(args, test_one_input)
    try:
        atheris.Fuzz()
    finally:
        if _TMP is not None:
            shutil.rmtree(_TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    main(sys.argv)
