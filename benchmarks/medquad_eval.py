"""Claim precision/recall on the MedQuAD gold set (tests/gold/medquad_claims.jsonl).

Writes the annotated documents (listed in tests/gold/medquad_docs.txt, read from
../shared/corpora/medquad) as Markdown files (title as the first heading) into a
temporary input folder, runs the pipeline without Prefect, and scores claims with
the loose matching for gold written as in the text (pipeline.evaluate).

    .venv/bin/python benchmarks/medquad_eval.py [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
GOLD = REPO / "tests" / "gold"


def file_name(doc_id: str) -> str:
    return doc_id.replace("/", "__") + ".md"


def prepare(dest: Path) -> list[dict]:
    ids = [l.strip() for l in (GOLD / "medquad_docs.txt").read_text().splitlines() if l.strip() and not l.startswith("#")]
    wanted = set(ids)
    dest.mkdir(parents=True, exist_ok=True)
    with open(SHARED / "corpora" / "medquad" / "medquad_docs.jsonl", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if doc["doc_id"] in wanted:
                wanted.discard(doc["doc_id"])
                (dest / file_name(doc["doc_id"])).write_text(f"# {doc['title']}\n\n{doc['text']}\n", encoding="utf-8")
    gold = []
    for line in (GOLD / "medquad_claims.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            row["doc"] = file_name(row["doc"])
            gold.append(row)
    return gold


def run(show_errors: bool = False, workdir: Path | None = None):
    from pipeline import stages
    from pipeline.evaluate import Gold, evaluate, format_report
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(workdir or tmp)
        gold = prepare(base / "in")
        stages.run_all(base / "in", base / "out", incremental=False)
        result = evaluate(Gold(claims=gold), base / "out")
        print(format_report(result, show_errors=show_errors, limit=60))
        return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args()
    if not SHARED.exists():
        sys.exit(f"{SHARED} is absent")
    run(args.show_errors)
