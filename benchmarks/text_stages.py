"""Throughput of the per-document text stages (normalize, segment, detect_language) on MedQuAD.

    .venv/bin/python benchmarks/text_stages.py                 # first 800 documents (~4.6 MB), best of 3
    .venv/bin/python benchmarks/text_stages.py --docs 0        # all 5,486 documents (~23 MB)
    .venv/bin/python benchmarks/text_stages.py --repeat 5 --docs 200
    .venv/bin/python benchmarks/text_stages.py --old           # the previous implementations
                                                               # (git 374e1b9, benchmarks/modules.py)

Each stage runs over every document the way process_record calls it (normalize on the raw
text; detect_language and segment on the normalized text) and is timed in CPU seconds of this
process (time.process_time, so other load on the machine matters less than with a wall clock).
Throughput is MB of *raw* text (UTF-8 bytes of the input of normalize) per CPU-second, so the
three numbers add up like the pipeline does: 1 / total = sum of 1 / stage. The best of
``--repeat`` rounds is reported per stage. Also printed: the "floor" of benchmarks/run.py
(json.loads of every line + segment() of its raw text).

Needs ../shared/corpora/medquad/medquad_docs.jsonl (the `shared` folder beside the repository).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]
MEDQUAD = REPO.parent / "shared" / "corpora" / "medquad" / "medquad_docs.jsonl"



def load_stages(old: bool):
    """(normalize, detect_language, segment): the pipeline's, or those before the speed-up
    (read from git history, benchmarks/modules.py)."""
    if not old:
        from pipeline.langid import detect_language
        from pipeline.normalize import normalize
        from pipeline.segment import segment

        return normalize, detect_language, segment
    from benchmarks.modules import previous_stage

    return (previous_stage("normalize").normalize, previous_stage("langid").detect_language,
            previous_stage("segment").segment)


def read_lines(path: Path, n_docs: int) -> list[str]:
    lines = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            lines.append(line)
            if n_docs and len(lines) >= n_docs:
                break
    return lines


def cpu(fn, items) -> tuple[float, list]:
    gc.collect()
    t = time.process_time()
    out = [fn(x) for x in items]
    return time.process_time() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=800, help="first N documents (0 = all); default 800")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the best is reported (default 3)")
    ap.add_argument("--corpus", type=Path, default=MEDQUAD)
    ap.add_argument("--old", action="store_true", help="time the previous code (git 374e1b9)")
    args = ap.parse_args(argv)
    normalize, detect_language, segment = load_stages(args.old)
    if not args.corpus.is_file():
        print(f"missing {args.corpus}", file=sys.stderr)
        return 2

    lines = read_lines(args.corpus, args.docs)
    raws = [json.loads(line)["text"] for line in lines]
    mb = sum(len(r.encode("utf-8")) for r in raws) / 1e6
    which = "previous implementations (git 374e1b9)" if args.old else "src/pipeline"
    print(f"{which}: {len(raws)} MedQuAD documents, {mb:.2f} MB of raw text; best of {args.repeat} rounds")

    best: dict[str, float] = {}
    texts = None
    for _ in range(args.repeat):
        t_norm, normed = cpu(normalize, raws)
        texts = [t for t, _, _ in normed]
        t_lang, _ = cpu(detect_language, texts)
        t_seg, _ = cpu(segment, texts)
        t_clean, _ = cpu(normalize, texts)  # clean input: single spaces, "\n" line ends

        t_floor, _ = cpu(lambda line: segment(json.loads(line)["text"]), lines)
        for name, t in (("normalize", t_norm), ("detect_language", t_lang), ("segment", t_seg),
                        ("floor: json + segment(raw)", t_floor), ("normalize, clean input", t_clean)):
            best[name] = min(best.get(name, float("inf")), t)
    total = best["normalize"] + best["detect_language"] + best["segment"]
    clean_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    width = max(map(len, best)) + 2
    print(f"{'stage':<{width}} {'CPU s':>8} {'MB/CPU-s':>10}")
    for name, t in (*best.items(), ("normalize + langid + segment", total)):
        size = clean_mb if name == "normalize, clean input" else mb
        print(f"{name:<{width}} {t:8.3f} {size / t if t else float('inf'):10.2f}")
    print(f"(MB of raw text; 'normalize, clean input' is normalize() on the {clean_mb:.2f} MB of already "
          "normalized text)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
