"""Check that the fast text stages give exactly what the previous implementations gave.

    .venv/bin/python benchmarks/compare_text_stages.py            # everything (~2-4 min on 2 cores)
    .venv/bin/python benchmarks/compare_text_stages.py --quick    # 800 MedQuAD documents, fewer examples

The previous implementations are read from git history (src/pipeline/normalize.py,
segment.py and langid.py at 374e1b9, before the speed-up; benchmarks/modules.py). For every
input, compared:

* normalize: the text, the offset map (every entry) and the mojibake flag;
* segment (on the normalized text, as the pipeline calls it): every Segment;
* detect_language (on the normalized text): language and confidence.

Inputs: the MedQuAD documents (../shared/corpora/medquad/medquad_docs.jsonl), data/raw
(read with pipeline.ingest), the hostile corpus of tests/hostile/make_corpus.py (without its
50 MB file), the adversarial strings of tests/hostile/regex_probe.py (100k characters; the
1 MB pathological texts at sizes the old code finishes), MedQuAD paragraphs with
typographic characters turned into mojibake, the gold segmentation passages, and random
strings from the strategies of tests/property/test_normalize_props.py and
tests/unit/test_segment.py (hypothesis). Exits 1 on any difference. Rules changed on purpose
since then show up as differences: a unit written with a period before a capitalised word
ends a sentence ("200 mg. Caffeine ...", session 3) - 3 segment differences in --quick, all that.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]
MEDQUAD = REPO.parent / "shared" / "corpora" / "medquad" / "medquad_docs.jsonl"

from pipeline import langid as new_langid  # noqa: E402
from pipeline import normalize as new_normalize  # noqa: E402
from pipeline import segment as new_segment  # noqa: E402
from benchmarks.modules import load_file, previous_stage  # noqa: E402


old_normalize = previous_stage("normalize")
old_segment = previous_stage("segment")
old_langid = previous_stage("langid")


class Tally:
    def __init__(self) -> None:
        self.n: dict[str, int] = {}
        self.bad: dict[str, list] = {}
        self.old_failed: list[str] = []

    def check(self, stage: str, source: str, same: bool, sample) -> None:
        key = f"{stage:<9} {source}"
        self.n[key] = self.n.get(key, 0) + 1
        if not same:
            self.bad.setdefault(key, []).append(sample)

    def report(self) -> int:
        for key in sorted(self.n):
            bad = self.bad.get(key, [])
            print(f"{key:<52} {self.n[key]:>7} compared  {len(bad):>4} different")
            for sample in bad[:3]:
                print(f"    e.g. {sample!r:.300}")
        for note in self.old_failed:
            print(f"not compared, the previous implementation failed: {note}")
        total_bad = sum(map(len, self.bad.values()))
        print(f"\n{sum(self.n.values())} comparisons, {total_bad} different")
        return 1 if total_bad else 0


TALLY = Tally()


def compare_normalize(raw: str, source: str) -> str:
    a = old_normalize.normalize(raw)
    b = new_normalize.normalize(raw)
    same = a[0] == b[0] and a[2] == b[2] and a[1].dtype == b[1].dtype and np.array_equal(a[1], b[1])
    TALLY.check("normalize", source, same, raw[:200])
    return b[0]


def compare_segment(text: str, source: str) -> None:
    b = new_segment.segment(text)
    try:
        a = old_segment.segment(text)
    except TimeoutError:  # nltk's 5 s regex guard (the dense_sentences bug): nothing to compare
        TALLY.old_failed.append(f"segment {source}: TimeoutError on {text[:40]!r}... ({len(text):,} chars)")
        return
    TALLY.check("segment", source, [tuple(s) for s in a] == [tuple(s) for s in b], text[:200])


def compare_langid(text: str, source: str) -> None:
    TALLY.check("langid", source, old_langid.detect_language(text) == new_langid.detect_language(text), text[:200])


STAGES = ["normalize", "segment", "langid"]


def compare_all(raw: str, source: str) -> None:
    stages = STAGES
    text = compare_normalize(raw, source) if "normalize" in stages else new_normalize.normalize(raw)[0]
    if "segment" in stages:
        compare_segment(text, source)
    if "langid" in stages:
        compare_langid(text, source)


# ---------------------------------------------------------------- inputs


def medquad_texts(limit: int) -> list[str]:
    out = []
    with MEDQUAD.open(encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line)["text"])
            if limit and len(out) >= limit:
                break
    return out


def ingested(root: Path) -> list[str]:
    from pipeline.ingest import RawDoc, iter_inputs

    return [d.text for d in iter_inputs(root) if isinstance(d, RawDoc)]


def sloppy_cp1252(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (undefined bytes as Latin-1): classic mojibake."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8"))


TYPOGRAPHIC = ["\u2019", "\u201c", "\u201d", "\u2014", "\u2013", "\u00e9", "\u00b0", "\u00b5", "\u00b1", "\u2026",
               "\u00a0", "\u00ae", "\u2122", "\u00bd", "\u00fc"]


def mojibake_texts(docs: list[str], n: int, seed: int = 7) -> list[str]:
    """MedQuAD documents with typographic characters sprinkled in and then (whole document,
    some lines, or a few words) mis-decoded."""
    rng = random.Random(seed)
    out = []
    for doc in docs[:n]:
        words = doc.split(" ")
        for _ in range(max(1, len(words) // 40)):
            i = rng.randrange(len(words))
            words[i] = words[i] + rng.choice(TYPOGRAPHIC) + (rng.choice(["s", "", "t"]))
        text = " ".join(words)
        mode = rng.randrange(3)
        if mode == 0:
            out.append(sloppy_cp1252(text))
        elif mode == 1:
            lines = text.split("\n")
            out.append("\n".join(sloppy_cp1252(ln) if rng.random() < 0.5 else ln for ln in lines))
        else:
            words = text.split(" ")
            out.append(" ".join(sloppy_cp1252(w) if rng.random() < 0.1 else w for w in words))
    return out


def hostile_strings(small: bool) -> list[tuple[str, str]]:
    from tests.hostile import regex_probe as rp

    out = [(f"regex_probe {label}", s) for label, s in rp.strings()]
    for name, unit in rp.PATHOLOGICAL:
        size = 700 if name == "mojibake_runs" else (20_000 if small else 200_000)
        out.append((f"pathological {name} ({size:,} chars)", (unit * (size // len(unit) + 1))[:size]))
    return out


def hypothesis_checks(n: int) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.property.test_normalize_props import RAW
    from tests.unit.test_segment import _PROSE

    cfg = settings(max_examples=n, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))

    @cfg
    @given(RAW)
    def normalize_random(raw):
        compare_all(raw, "hypothesis: normalize_props.RAW")

    @cfg
    @given(st.one_of(_PROSE, _PROSE.map(lambda s: s.replace(" ", "")), st.text(max_size=300)))
    def segment_random(text):
        compare_segment(text, "hypothesis: test_segment._PROSE / text")

    normalize_random()
    if "segment" in STAGES:
        segment_random()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="800 MedQuAD documents, fewer random examples")
    ap.add_argument("--stages", default="normalize,segment,langid", help="comma-separated (default: all three)")
    args = ap.parse_args(argv)
    STAGES[:] = args.stages.split(",")
    t0 = time.perf_counter()

    docs = medquad_texts(800 if args.quick else 0) if MEDQUAD.is_file() else []
    if not docs:
        print(f"note: {MEDQUAD} missing, MedQuAD left out")
    for doc in docs:
        compare_all(doc, "MedQuAD")
    for doc in ingested(REPO / "data" / "raw"):
        compare_all(doc, "data/raw")
    with tempfile.TemporaryDirectory() as tmp:
        from tests.hostile.make_corpus import build_corpus

        build_corpus(Path(tmp), huge=False)
        for doc in ingested(Path(tmp)):
            compare_all(doc, "hostile corpus (make_corpus)")
    for label, s in hostile_strings(args.quick):
        compare_all(s, label.split(" ")[0] + " strings")
    for doc in mojibake_texts(docs, 100 if args.quick else 400):
        compare_all(doc, "MedQuAD + mojibake")
    bench = load_file(REPO / "benchmarks" / "segment_accuracy.py", "segment_accuracy")
    passages, _ = bench.load_gold(corpus=MEDQUAD)
    if "segment" in STAGES:
        for p in passages:
            compare_segment(p.text, "gold segmentation passages")
    hypothesis_checks(500 if args.quick else 5000)
    print(f"({time.perf_counter() - t0:.0f} s)\n")
    return TALLY.report()


if __name__ == "__main__":
    raise SystemExit(main())
