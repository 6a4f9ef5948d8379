"""Learn Punkt sentence-splitting parameters from MedQuAD and save them as JSON.

    .venv/bin/python scripts/train_punkt.py            # writes src/pipeline/lexicons/punkt_params.json
    .venv/bin/python scripts/train_punkt.py --out /tmp/p.json --raw

Unsupervised (nltk.tokenize.punkt.PunktTrainer, Kiss & Strunk 2006) on the
normalized text of ../shared/corpora/medquad/medquad_docs.jsonl, leaving out
exact duplicate texts and every document the gold set (tests/gold/segmentation.jsonl)
takes passages from, so the benchmark measures text the parameters never saw.
Takes about 75 s. The output is deterministic (sorted JSON) and never a pickle.

What is kept (unless --raw):
* orthographic context (how each word type is capitalised, and where): all of it;
  this is what lets Punkt end a sentence after "mg." or "U.S." when the next word
  is one that starts sentences;
* frequent sentence starters, minus words never seen in lowercase (names and
  acronyms such as "nih", "ekg": a sentence starter list is for words that are
  capitalised *because* they start a sentence);
* collocations (mostly genus initials: "E. coli", "H. pylori");
* learned abbreviations only when they have internal periods ("m.b.a", "l.d");
  single words Punkt takes for abbreviations in this corpus ("sky", "ink", "wig")
  are noise that would stop real sentence ends. The hand list
  (lexicons/abbreviations.txt) covers the rest.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

from nltk.tokenize.punkt import _ORTHO_LC, PunktTrainer

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "pipeline" / "lexicons" / "punkt_params.json"


def _benchmark_helpers():
    """benchmarks/segment_accuracy.py holds the MedQuAD normalization and gold reader."""
    path = REPO / "benchmarks" / "segment_accuracy.py"
    spec = importlib.util.spec_from_file_location("segment_accuracy", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _is_dotted_acronym(word: str) -> bool:
    parts = word.split(".")
    return len(parts) > 1 and all(part.isalpha() for part in parts)


def train(texts: list[str], raw: bool = False) -> dict:
    trainer = PunktTrainer()
    for text in texts:
        trainer.train(text, finalize=False)
    trainer.finalize_training()
    params = trainer.get_params()
    ortho = {k: v for k, v in params.ortho_context.items() if v}
    abbrev_types = params.abbrev_types
    sent_starters = params.sent_starters
    if not raw:
        abbrev_types = {a for a in abbrev_types if _is_dotted_acronym(a)}
        sent_starters = {s for s in sent_starters if ortho.get(s, 0) & _ORTHO_LC}
    return {
        "abbrev_types": sorted(abbrev_types),
        "collocations": sorted([a, b] for a, b in params.collocations),
        "sent_starters": sorted(sent_starters),
        "ortho_context": dict(sorted(ortho.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--raw", action="store_true", help="keep Punkt's parameters unfiltered")
    args = parser.parse_args()

    helpers = _benchmark_helpers()
    if not helpers.MEDQUAD.is_file():
        sys.exit(f"{helpers.MEDQUAD} not found")
    held_out = {r["doc_id"] for r in helpers.read_gold_records() if r["source"] == "medquad"}
    docs = helpers.read_medquad()
    texts, seen = [], set()
    for doc_id, text in docs.items():
        if doc_id not in held_out and text not in seen:
            seen.add(text)
            texts.append(text)

    t0 = time.perf_counter()
    learned = train(texts, raw=args.raw)
    seconds = time.perf_counter() - t0
    about = {
        "what": "nltk Punkt parameters for pipeline.segment, written by scripts/train_punkt.py",
        "trained_on": (
            f"MedQuAD (Ben Abacha & Demner-Fushman 2019, CC BY 4.0; abachaa/MedQuAD @577bd37), "
            f"{len(texts)} distinct documents, {sum(map(len, texts))} characters, "
            f"normalized as in benchmarks/segment_accuracy.py; {len(held_out)} gold-set documents held out"
        ),
        "filtered": not args.raw,
        "trainer": "nltk.tokenize.punkt.PunktTrainer defaults",
    }
    args.out.write_text(
        json.dumps({"about": about, **learned}, ensure_ascii=False, indent=0, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    print(
        f"{args.out}: {len(learned['ortho_context'])} word types, {len(learned['sent_starters'])} "
        f"sentence starters, {len(learned['collocations'])} collocations, "
        f"{len(learned['abbrev_types'])} abbreviations; trained in {seconds:.0f} s"
    )


if __name__ == "__main__":
    main()
