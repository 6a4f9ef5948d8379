"""Sentence-boundary precision, recall and F1 of pipeline.segment on the gold set, and its speed.

    .venv/bin/python benchmarks/segment_accuracy.py            # all variants + speed
    .venv/bin/python benchmarks/segment_accuracy.py --errors   # also list every miss

The gold set is tests/gold/segmentation.jsonl (see tests/gold/SEGMENTATION.md).
A boundary is the end offset of a sentence, heading or list line inside its
passage; a predicted boundary counts only where it is exactly a gold one. Line
ends are boundaries by rule, so scores are also given for the boundaries inside
lines only ("within lines"), where Punkt and the rules do the work.

MedQuAD passages need ../shared/corpora/medquad/medquad_docs.jsonl (the `shared`
folder beside the repository); without it they are left out and the script says so.
tests/unit/test_segment.py and scripts/train_punkt.py import the helpers here.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MEDQUAD = SHARED / "corpora" / "medquad" / "medquad_docs.jsonl"
GOLD = REPO / "tests" / "gold" / "segmentation.jsonl"

_SPACES = re.compile(r"[ \t]+")
_LINE_EDGE_SPACES = re.compile(r"^ | $", re.MULTILINE)


def normalize_medquad(text: str) -> str:
    """The normalization the gold offsets refer to (MedQuAD's raw text is indented XML
    content): runs of spaces and tabs become one space, and spaces at the start and
    end of every line are removed. Newlines are kept."""
    return _LINE_EDGE_SPACES.sub("", _SPACES.sub(" ", text))


def read_medquad(doc_ids: Iterable[str] | None = None, path: Path = MEDQUAD) -> dict[str, str]:
    """doc_id -> normalized text, for the wanted doc_ids (all documents if None)."""
    wanted = None if doc_ids is None else set(doc_ids)
    docs: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if wanted is not None and not any(doc_id in line for doc_id in wanted):
                continue  # cheap pre-filter before parsing JSON
            doc = json.loads(line)
            if wanted is None or doc["doc_id"] in wanted:
                docs[doc["doc_id"]] = normalize_medquad(doc["text"])
    return docs


@dataclass(frozen=True)
class Passage:
    name: str  # "inline:<n>" or the MedQuAD doc_id with offsets
    text: str
    boundaries: tuple[int, ...]
    note: str


def read_gold_records(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_gold(path: Path = GOLD, corpus: Path = MEDQUAD) -> tuple[list[Passage], int]:
    """(passages, number of MedQuAD passages left out because the corpus is absent)."""
    records = read_gold_records(path)
    medquad_ids = {r["doc_id"] for r in records if r["source"] == "medquad"}
    docs = read_medquad(medquad_ids, corpus) if medquad_ids and corpus.is_file() else {}
    passages, skipped = [], 0
    for n, r in enumerate(records):
        if r["source"] == "inline":
            passages.append(Passage(f"inline:{n}", r["text"], tuple(r["boundaries"]), r.get("note", "")))
        elif r["doc_id"] in docs:
            text = docs[r["doc_id"]][r["start"] : r["end"]]
            name = f"{r['doc_id']}[{r['start']}:{r['end']}]"
            passages.append(Passage(name, text, tuple(r["boundaries"]), r.get("note", "")))
        else:
            skipped += 1
    return passages, skipped


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _at_line_end(text: str, offset: int) -> bool:
    return offset == len(text) or text[offset:].lstrip(" \t").startswith("\n")


def score(
    passages: Iterable[Passage], segment_fn: Callable[[str], list], within_lines: bool = False
) -> Scores:
    """Boundary counts over all passages (within_lines: ignore boundaries at line ends)."""
    tp = fp = fn = 0
    for p in passages:
        gold = set(p.boundaries)
        predicted = {s.end for s in segment_fn(p.text)}
        if within_lines:
            gold = {b for b in gold if not _at_line_end(p.text, b)}
            predicted = {b for b in predicted if not _at_line_end(p.text, b)}
        tp += len(gold & predicted)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
    return Scores(tp, fp, fn)


def errors(passages: Iterable[Passage], segment_fn: Callable[[str], list]) -> list[str]:
    """One line per missed or spurious boundary, with 40 characters of context."""
    lines = []
    for p in passages:
        gold, predicted = set(p.boundaries), {s.end for s in segment_fn(p.text)}
        for kind, offsets in (("missed", gold - predicted), ("spurious", predicted - gold)):
            for b in sorted(offsets):
                context = (p.text[max(0, b - 40) : b] + " | " + p.text[b : b + 25]).replace("\n", "\\n")
                lines.append(f"{kind:8} {p.name}: ...{context}...")
    return lines


def speed(texts: list[str], segment_fn: Callable[[str], list], repeat: int = 1) -> float:
    """MB of text (1e6 characters) segmented per second, best of `repeat` runs."""
    size = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for t in texts:
            segment_fn(t)
        best = min(best, time.perf_counter() - t0)
    return size / best / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", action="store_true", help="list every missed/spurious boundary")
    parser.add_argument("--speed-docs", type=int, default=2000, help="MedQuAD documents timed (0: none)")
    args = parser.parse_args()

    from pipeline import segment as seg  # after argparse: importing nltk takes seconds

    passages, skipped = load_gold()
    n_inline = sum(p.name.startswith("inline:") for p in passages)
    print(f"gold: {len(passages)} passages ({n_inline} inline, {len(passages) - n_inline} MedQuAD), "
          f"{sum(len(p.boundaries) for p in passages)} boundaries")
    if skipped:
        print(f"  {skipped} MedQuAD passages left out: {MEDQUAD} not found")
    no_abbreviations = dict(abbreviations=frozenset(), collocations=frozenset())
    variants = {
        "shipped (abbreviations + trained params)": {},
        "abbreviations, no trained params": dict(trained=None),
        "trained params, no abbreviation list": no_abbreviations,
        "neither (Punkt + this module's line rules)": dict(trained=None, **no_abbreviations),
    }
    if seg.PUNKT_PARAMS is None:
        print("  lexicons/punkt_params.json absent: run scripts/train_punkt.py")
    print(f"\n{'variant':44} {'P':>6} {'R':>6} {'F1':>6}   within lines: {'P':>6} {'R':>6} {'F1':>6}")
    for name, kwargs in variants.items():
        if seg.PUNKT_PARAMS is None and "trained" not in kwargs:
            continue
        tok = seg.build_tokenizer(**kwargs)
        fn = lambda text, tok=tok: seg.segment(text, tokenizer=tok)  # noqa: E731
        a, w = score(passages, fn), score(passages, fn, within_lines=True)
        print(f"{name:44} {a.precision:6.3f} {a.recall:6.3f} {a.f1:6.3f}   "
              f"{'':14}{w.precision:6.3f} {w.recall:6.3f} {w.f1:6.3f}")
        if args.errors:
            for line in errors(passages, fn):
                print("    " + line)

    from nltk.tokenize.punkt import PunktSentenceTokenizer

    nltk_alone = PunktSentenceTokenizer()

    def nltk_alone_fn(text: str) -> list[seg.Segment]:
        return [seg.Segment(s, e, False, False) for s, e in nltk_alone.span_tokenize(text)]

    a, w = score(passages, nltk_alone_fn), score(passages, nltk_alone_fn, within_lines=True)
    print(f"{'reference: nltk Punkt alone, untrained':44} {a.precision:6.3f} {a.recall:6.3f} {a.f1:6.3f}   "
          f"{'':14}{w.precision:6.3f} {w.recall:6.3f} {w.f1:6.3f}")

    if args.speed_docs and MEDQUAD.is_file():
        docs = list(read_medquad().values())[: args.speed_docs]
        size = sum(len(d) for d in docs) / 1e6
        plain = seg.build_tokenizer(fast=False)
        plain_fn = lambda text: seg.segment(text, tokenizer=plain)  # noqa: E731
        same = all(seg.segment(d) == plain_fn(d) for d in docs)
        print(f"\nspeed on {len(docs)} MedQuAD documents ({size:.1f} MB), one core, best of 3:")
        print(f"  segment() (shipped, with the fast path)    {speed(docs, seg.segment, 3):5.2f} MB/s")
        print(f"  segment() without the fast path            {speed(docs, plain_fn, 3):5.2f} MB/s"
              f"   (same output: {same})")
        print(f"  reference: nltk Punkt alone, untrained     {speed(docs, nltk_alone_fn, 3):5.2f} MB/s")


if __name__ == "__main__":
    main()
