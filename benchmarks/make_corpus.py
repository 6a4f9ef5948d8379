"""Build a benchmark corpus of a given size from the MedQuAD documents.

    .venv/bin/python benchmarks/make_corpus.py --mb 20            # -> /tmp/pipeline-bench/20mb
    .venv/bin/python benchmarks/make_corpus.py --mb 200 --out /data/bench200
    .venv/bin/python benchmarks/make_corpus.py --mb 20 --force    # rebuild even if up to date

The source is ../shared/corpora/medquad/medquad_docs.jsonl (5,486 documents,
21.4 MB of text; see ../shared/corpora/README.md). It is repeated until the
corpus holds ``--mb`` MB (10^6 bytes) of raw document text (the ``text``
field, UTF-8), in JSONL shards of about ``--shard-mb`` MB each.

Copies, so that exact deduplication cannot collapse them:

* copy 0 is the source text unchanged (so a corpus up to ~21 MB is real text);
* copy k >= 1 of a document changes ``--edits`` words (a word of 4+ letters
  replaced by another word of the same document) and up to 2 numbers
  (+1..9), and ends with the tag line "Benchmark copy k of document i."
  Such copies are still near-duplicates of each other (3-word-shingle Jaccard
  around 0.95), so the MinHash stage groups every copy of a source document:
  a corpus of N copies has clusters of about N documents.

Every copy visits the source documents in its own seeded order, so a corpus
cut short in the middle of a copy still samples all nine NIH sites.

True near-duplicates: after ``--near-dup-rate`` (default 2%) of the emitted
documents comes a near-duplicate of it, in which ``--swap-rate`` (default
10%) of the words have changed places with a word at most 3 positions away.
The manifest records the mean 3-word-shingle Jaccard of these pairs (the
measure pipeline.dedup uses, threshold 0.5).

Everything comes from one seeded RNG per (seed, copy, document), so the same
arguments always give byte-identical shards. ``manifest.json`` (written last)
lists the parameters, the source's size and SHA-256 and the shards; a folder
whose manifest matches is not rebuilt. The shards are in ``<out>/shards/`` and
the manifest beside that folder, because the pipeline turns every file of its
input folder into documents or rejects: give it ``--input <out>/shards``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "corpora" / "medquad" / "medquad_docs.jsonl"
DEFAULT_ROOT = Path("/tmp/pipeline-bench")
GENERATOR_VERSION = 1
MB = 1_000_000
SHARDS = "shards"  # the pipeline's input folder inside a corpus folder

_WORD = re.compile(r"[A-Za-z]{4,}")
_NUMBER = re.compile(r"(?<![\w.])\d{1,4}(?![\w.])")
_ANY_WORD = re.compile(r"\S+")
_SHINGLE_WORD = re.compile(r"[^\W_]+")  # as pipeline.dedup.WORD_RE


def default_out(mb: float) -> Path:
    return DEFAULT_ROOT / f"{mb:g}mb"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_source(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _rng(seed: int, *parts) -> random.Random:
    return random.Random(":".join(map(str, (seed, *parts))))


def edit_copy(text: str, rng: random.Random, n_edits: int, copy: int, index: int) -> str:
    """A few words and numbers changed, plus a tag line naming the copy."""
    words = list(_WORD.finditer(text))
    pieces, last = [], 0
    if words:
        chosen = sorted(rng.sample(range(len(words)), min(n_edits, len(words))))
        for i in chosen:
            m = words[i]
            repl = words[rng.randrange(len(words))].group()
            if repl.lower() == m.group().lower():
                repl = repl + "s"
            pieces += [text[last:m.start()], repl]
            last = m.end()
        pieces.append(text[last:])
        text = "".join(pieces)
    numbers = list(_NUMBER.finditer(text))
    if numbers:
        pieces, last = [], 0
        for m in sorted(rng.sample(numbers, min(2, len(numbers))), key=lambda m: m.start()):
            pieces += [text[last:m.start()], str(int(m.group()) + rng.randint(1, 9))]
            last = m.end()
        pieces.append(text[last:])
        text = "".join(pieces)
    return f"{text.rstrip()}\n\nBenchmark copy {copy} of document {index}.\n"


def near_duplicate(text: str, rng: random.Random, swap_rate: float) -> str:
    """About ``swap_rate`` of the words exchanged with a word at most 3 positions away
    (whitespace and line structure kept)."""
    spans = [m.span() for m in _ANY_WORD.finditer(text)]
    words = [text[s:e] for s, e in spans]
    n_swaps = max(1, round(len(words) * swap_rate / 2))
    for _ in range(n_swaps):
        if len(words) < 2:
            break
        i = rng.randrange(len(words) - 1)
        j = min(len(words) - 1, i + rng.randint(1, 3))
        words[i], words[j] = words[j], words[i]
    out, last = [], 0
    for (s, e), w in zip(spans, words):
        out += [text[last:s], w]
        last = e
    out.append(text[last:])
    return "".join(out)


def shingle_jaccard(a: str, b: str, k: int = 3) -> float:
    def sh(t):
        w = _SHINGLE_WORD.findall(t.lower())
        return {" ".join(w[i:i + k]) for i in range(max(1, len(w) - k + 1))}
    sa, sb = sh(a), sh(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def iter_documents(source: list[dict], target_bytes: int, seed: int, n_edits: int,
                   near_dup_rate: float, swap_rate: float):
    """Yield (kind, record) until ``target_bytes`` of text have been yielded."""
    total, copy = 0, 0
    while True:
        order = list(range(len(source)))
        _rng(seed, "order", copy).shuffle(order)
        for i in order:
            doc = source[i]
            rng = _rng(seed, copy, i)
            text = doc["text"] if copy == 0 else edit_copy(doc["text"], rng, n_edits, copy, i)
            rec = {**doc, "doc_id": f"{doc['doc_id']}#c{copy}", "text": text,
                   "bench_copy": copy, "bench_source": doc["doc_id"]}
            yield "copy", rec
            total += len(text.encode("utf-8"))
            if rng.random() < near_dup_rate:
                nd = near_duplicate(text, rng, swap_rate)
                yield "near_dup", {**rec, "doc_id": rec["doc_id"] + "~nd", "text": nd,
                                   "bench_near_dup_of": rec["doc_id"]}
                total += len(nd.encode("utf-8"))
            if total >= target_bytes:
                return
        copy += 1


def _params(args_mb: float, source: Path, seed: int, shard_mb: float, n_edits: int,
            near_dup_rate: float, swap_rate: float) -> dict:
    st = source.stat()
    return {
        "generator_version": GENERATOR_VERSION, "target_mb": args_mb, "seed": seed,
        "shard_mb": shard_mb, "edits_per_copy": n_edits, "near_dup_rate": near_dup_rate,
        "swap_rate": swap_rate, "source": str(source), "source_bytes": st.st_size,
    }


def manifest_matches(out: Path, params: dict) -> dict | None:
    """The manifest if ``out`` already holds this corpus (same parameters, same source
    size and shards present with their recorded sizes), else None."""
    path = out / "manifest.json"
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if manifest.get("params") != params:
        return None
    for shard in manifest.get("shards", []):
        p = out / SHARDS / shard["file"]
        if not p.is_file() or p.stat().st_size != shard["bytes"]:
            return None
    return manifest


def input_dir(out: Path) -> Path:
    """The folder to pass to ``pipeline run --input``."""
    return Path(out) / SHARDS


def build(mb: float, out: Path | None = None, *, source: Path = DEFAULT_SOURCE, seed: int = 0,
          shard_mb: float = 10, n_edits: int = 3, near_dup_rate: float = 0.02, swap_rate: float = 0.10,
          force: bool = False, quiet: bool = False) -> dict:
    """Build (or reuse) the corpus; return its manifest."""
    out = Path(out) if out else default_out(mb)
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"source corpus {source} not found (see ../shared/corpora/README.md)")
    params = _params(mb, source, seed, shard_mb, n_edits, near_dup_rate, swap_rate)
    if not force:
        manifest = manifest_matches(out, params)
        if manifest is not None and manifest.get("source_sha256") == _sha256(source):
            if not quiet:
                print(f"corpus {out}: up to date ({manifest['n_docs']:,} docs, "
                      f"{manifest['text_bytes'] / MB:.1f} MB of text)")
            return manifest

    t0 = time.perf_counter()
    docs = load_source(source)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / SHARDS).mkdir(parents=True)
    shard_limit = int(shard_mb * MB)
    shards, fh, shard_bytes = [], None, 0
    n_docs = n_near = n_text = 0
    jac_sum, jac_n = 0.0, 0
    by_id: dict[str, str] = {}

    def close():
        if fh is not None:
            fh.close()
            shards[-1]["bytes"] = shard_bytes

    for kind, rec in iter_documents(docs, int(mb * MB), seed, n_edits, near_dup_rate, swap_rate):
        if fh is None or shard_bytes >= shard_limit:
            close()
            name = f"shard-{len(shards):05d}.jsonl"
            fh = open(tmp / SHARDS / name, "w", encoding="utf-8", newline="\n")
            shards.append({"file": name, "docs": 0, "bytes": 0})
            shard_bytes = 0
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        fh.write(line)
        shard_bytes += len(line.encode("utf-8"))
        shards[-1]["docs"] += 1
        n_docs += 1
        n_text += len(rec["text"].encode("utf-8"))
        if kind == "near_dup":
            n_near += 1
            if jac_n < 500:  # a sample is enough for the mean
                jac_sum += shingle_jaccard(by_id[rec["bench_near_dup_of"]], rec["text"])
                jac_n += 1
        else:
            by_id = {rec["doc_id"]: rec["text"]}  # a near-dup always follows its source
    close()

    manifest = {
        "params": params,
        "source_sha256": _sha256(source),
        "n_docs": n_docs,
        "n_source_docs": len(docs),
        "n_near_duplicates": n_near,
        "near_dup_mean_jaccard_3shingle": round(jac_sum / jac_n, 3) if jac_n else None,
        "text_bytes": n_text,
        "file_bytes": sum(s["bytes"] for s in shards),
        "input_dir": SHARDS,
        "shards": shards,
        "built_s": round(time.perf_counter() - t0, 2),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, out)
    if not quiet:
        print(f"corpus {out}: built {n_docs:,} docs ({n_near:,} near-duplicates, mean Jaccard "
              f"{manifest['near_dup_mean_jaccard_3shingle']}), {n_text / MB:.1f} MB of text in "
              f"{len(shards)} shards, {manifest['built_s']} s")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, required=True, help="MB (10^6 bytes) of document text")
    ap.add_argument("--out", type=Path, help=f"output folder (default {DEFAULT_ROOT}/<mb>mb)")
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shard-mb", type=float, default=10, help="approximate size of one JSONL shard")
    ap.add_argument("--edits", type=int, default=3, help="words changed in every copy after the first")
    ap.add_argument("--near-dup-rate", type=float, default=0.02)
    ap.add_argument("--swap-rate", type=float, default=0.10, help="share of words moved in a near-duplicate")
    ap.add_argument("--force", action="store_true", help="rebuild even if the manifest matches")
    a = ap.parse_args(argv)
    try:
        build(a.mb, a.out, source=a.source, seed=a.seed, shard_mb=a.shard_mb, n_edits=a.edits,
              near_dup_rate=a.near_dup_rate, swap_rate=a.swap_rate, force=a.force)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
