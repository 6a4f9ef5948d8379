"""Train the part-of-speech tagger shipped in src/pipeline/models/tagger_en_ewt.json.

    .venv/bin/python scripts/train_tagger.py                 # writes the model and prints its scores
    .venv/bin/python scripts/train_tagger.py --out /tmp/t.json --min-weight 0 --upos

nltk's averaged perceptron (``PerceptronTagger(load=False).train(sentences, nr_iter=5)``)
on (word, Penn Treebank tag) pairs from UD_English-EWT (Silveira et al. 2014,
CC BY-SA 4.0; UniversalDependencies/UD_English-EWT @15d613d) read from
../shared/corpora/ud-english-ewt/. The genre files (answers, email, newsgroup,
reviews, weblog) hold the whole corpus; every sentence whose ``sent_id`` is in
en_ewt-ud-dev or en_ewt-ud-test is left out of training, and those two splits are
where the token accuracy is measured. Multiword-token lines (``3-4``) and empty
nodes (``3.1``) are skipped: the tagger sees the syntactic words (``do`` ``n't``).

The output is JSON (sorted keys, never a pickle) and deterministic: ``random.seed(0)``
before training (the trainer shuffles the sentences between iterations), no other
randomness, nothing time-dependent in the file. Weights are nltk's averaged weights
(already rounded to 3 decimals, zeros dropped); weights whose absolute value is below
``--min-weight`` are dropped too to keep the file small, and the accuracy written into
the file is that of the pruned model as ``pipeline.tagger`` loads it back.

Also printed (not written): accuracy on lowercased input (the pipeline's own tokenizer
lowercases), an optional UPOS model's accuracy (``--upos``), and the noun-phrase
chunker's agreement with base noun phrases read off the dev split's dependency trees.
Training takes 1-3 minutes on one core.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from nltk.tag.perceptron import PerceptronTagger

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))  # the pipeline package, installed or not

from pipeline import tagger as tagger_module  # noqa: E402

EWT = REPO.parent / "shared" / "corpora" / "ud-english-ewt"
OUT = REPO / "src" / "pipeline" / "models" / "tagger_en_ewt.json"
GENRES = ("answers", "email", "newsgroup", "reviews", "weblog")
DEV, TEST = "en_ewt-ud-dev", "en_ewt-ud-test"
UD_COMMIT = "15d613d"
NR_ITER = 5
SEED = 0
DEFAULT_MIN_WEIGHT = 0.0


@dataclass(frozen=True)
class Word:
    id: int
    form: str
    upos: str
    xpos: str
    head: int
    deprel: str


Sentence = tuple[str, tuple[Word, ...]]  # (sent_id, words)


def read_conllu(path: Path) -> list[Sentence]:
    """Sentences of a (gzipped) CoNLL-U file: syntactic words only, in file order."""
    opener = gzip.open if path.suffix == ".gz" else open
    sentences: list[Sentence] = []
    sent_id, words = None, []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                if words:
                    if sent_id is None:
                        raise ValueError(f"{path}: a sentence without # sent_id")
                    sentences.append((sent_id, tuple(words)))
                sent_id, words = None, []
            elif line.startswith("#"):
                if line.startswith("# sent_id"):
                    sent_id = line.split("=", 1)[1].strip()
            else:
                cols = line.split("\t")
                if len(cols) != 10:
                    raise ValueError(f"{path}: not a CoNLL-U word line: {line!r}")
                if "-" in cols[0] or "." in cols[0]:  # multiword token / empty node
                    continue
                words.append(Word(int(cols[0]), cols[1], cols[3], cols[4], int(cols[6]), cols[7]))
    if words:
        sentences.append((sent_id, tuple(words)))
    return sentences


def load_splits(root: Path = EWT) -> tuple[list[Sentence], list[Sentence], list[Sentence]]:
    """(train, dev, test): the genre files minus every dev/test sent_id, and the two splits."""
    dev = read_conllu(root / f"{DEV}.conllu.gz")
    test = read_conllu(root / f"{TEST}.conllu.gz")
    held_out = {sid for sid, _ in dev} | {sid for sid, _ in test}
    corpus = [s for genre in GENRES for s in read_conllu(root / f"{genre}.conllu.gz")]
    ids = [sid for sid, _ in corpus]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate sent_id in the genre files")
    missing = held_out - set(ids)
    if missing:  # the split files must be subsets, or the exclusion would be meaningless
        raise ValueError(f"{len(missing)} dev/test sentences not in the genre files, e.g. {min(missing)}")
    train = [s for s in corpus if s[0] not in held_out]
    return train, dev, test


def tagged(sentences: list[Sentence], column: str = "xpos") -> list[list[tuple[str, str]]]:
    return [[(w.form, getattr(w, column)) for w in words] for _, words in sentences]


def train_model(sentences: list[list[tuple[str, str]]]) -> PerceptronTagger:
    tagger = PerceptronTagger(load=False)
    random.seed(SEED)
    tagger.train(sentences, nr_iter=NR_ITER)
    return tagger


def prune(weights: dict, min_weight: float) -> dict:
    """Drop weights with |w| < min_weight (and zeros), then features left empty."""
    out = {}
    for feat, by_tag in weights.items():
        kept = {tag: w for tag, w in by_tag.items() if w and abs(w) >= min_weight}
        if kept:
            out[feat] = kept
    return out


def accuracy(tag_fn, gold: list[list[tuple[str, str]]], transform=None) -> float:
    right = total = 0
    for sent in gold:
        words = [w for w, _ in sent]
        predicted = tag_fn([transform(w) for w in words] if transform else words)
        right += sum(p == g for p, (_, g) in zip(predicted, sent))
        total += len(sent)
    return round(right / total, 4)


# --------------------------------------------------------------------------- NP chunks from UD

# Left dependents that belong to a base noun phrase (no clauses, no prepositional phrases).
_LEFT_DEPRELS = {"det", "det:predet", "nmod:poss", "nmod:desc", "amod", "compound", "nummod", "advmod", "punct"}
# Right dependents that continue a name ("Jennifer M. Anderson") or a split word.
_RIGHT_DEPRELS = {"flat", "goeswith"}


def ud_noun_phrases(words: tuple[Word, ...]) -> set[tuple[int, int]]:
    """Base noun phrases read off a dependency tree, as (start, end) word offsets.

    The head is a NOUN or PROPN (not a web address, XPOS ADD). The phrase reaches left
    over the words between the leftmost premodifier and the head, all of which must hang
    from the head through _LEFT_DEPRELS (punct only for a hyphen, advmod only inside an
    adjective, nmod:poss only for a pronoun: "the patient 's" is a phrase of its own),
    and right over flat/goeswith dependents. A noun that is itself inside another
    phrase ("blood" in "blood pressure") is not a phrase of its own.
    """
    n = len(words)
    head = [w.head - 1 for w in words]

    def inside(i: int, h: int) -> bool:
        """Word i (left of h) hangs from h through base-NP relations only."""
        while i != h:
            w = words[i]
            if w.deprel not in _LEFT_DEPRELS or not i < head[i] <= h:
                return False
            if w.deprel == "punct" and w.xpos != "HYPH":
                return False
            if w.deprel == "nmod:poss" and w.upos != "PRON":
                return False
            if w.deprel == "advmod" and words[head[i]].upos != "ADJ":
                return False
            i = head[i]
        return True

    spans = []
    for h in range(n):
        if words[h].upos not in ("NOUN", "PROPN") or words[h].xpos == "ADD":
            continue
        start, end = h, h + 1
        while start > 0 and inside(start - 1, h):
            start -= 1
        while start < h and words[start].xpos == "HYPH":
            start += 1
        while end < n and words[end].deprel in _RIGHT_DEPRELS and start <= head[end] < end:
            end += 1
        spans.append((start, end))
    # drop phrases nested in another ("blood" inside "blood pressure")
    return {s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)}


def chunk_scores(sentences: list[Sentence], tags_of) -> dict:
    tp = fp = fn = 0
    for _, words in sentences:
        gold = ud_noun_phrases(words)
        pred = set(tagger_module.noun_phrases([w.form for w in words], tags_of(words)))
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p, r = tp / (tp + fp), tp / (tp + fn)
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3)}


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=EWT, help="folder of the UD_English-EWT .conllu.gz files")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--min-weight", type=float, default=DEFAULT_MIN_WEIGHT,
                        help=f"drop weights with a smaller absolute value (default {DEFAULT_MIN_WEIGHT})")
    parser.add_argument("--upos", action="store_true", help="also train a UPOS model and print its accuracy")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"{args.corpus} not found")

    train, dev, test = load_splits(args.corpus)
    train_xpos = tagged(train)
    n_tokens = sum(len(s) for s in train_xpos)
    print(f"training on {len(train)} sentences, {n_tokens} tokens; held out {len(dev)} dev + {len(test)} test")

    t0, c0 = time.perf_counter(), time.process_time()
    model = train_model(train_xpos)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    full = model.model.weights
    weights = prune(full, args.min_weight)
    count = lambda w: sum(len(v) for v in w.values())  # noqa: E731
    print(f"trained in {seconds:.0f} s ({cpu:.0f} s CPU): {len(full)} features, {count(full)} weights; "
          f"kept {len(weights)} features, {count(weights)} weights (|w| >= {args.min_weight})")

    dev_gold, test_gold = tagged(dev), tagged(test)
    if args.min_weight > 0:
        unpruned = accuracy(lambda ws: [t for _, t in model.tag(ws)], dev_gold)
        print(f"unpruned dev accuracy {unpruned}")

    about = {
        "format": 1,
        "source": (
            f"UD_English-EWT (UniversalDependencies/UD_English-EWT @{UD_COMMIT}): the genre files "
            f"{', '.join(GENRES)} minus every sentence of {DEV} and {TEST} (by sent_id); "
            "multiword-token lines and empty nodes skipped; tags are the XPOS (Penn Treebank) column"
        ),
        "license": "CC BY-SA 4.0",
        "attribution": (
            "Universal Dependencies English Web Treebank (UD_English-EWT), CC BY-SA 4.0. "
            "Silveira, Dozat, de Marneffe, Bowman, Connor, Bauer and Manning (2014): "
            "A Gold Standard Dependency Corpus for English. LREC 2014. "
            "Built on the LDC English Web Treebank (Bies et al. 2012, LDC2012T13). "
            "Model: nltk PerceptronTagger weights trained by scripts/train_tagger.py; "
            "the model is an adaptation of the treebank and is shared under CC BY-SA 4.0."
        ),
        "trained_on": {
            "sentences": len(train),
            "tokens": n_tokens,
            "trainer": f"nltk {__import__('nltk').__version__} PerceptronTagger.train, nr_iter={NR_ITER}, random.seed({SEED})",
            "min_weight": args.min_weight,
        },
    }
    doc = {
        **about,
        "weights": weights,
        "tagdict": model.tagdict,
        "classes": sorted(model.classes),
        "accuracy": {},
    }
    # Score the model exactly as the package loads it: through JSON and pipeline.tagger.
    shipped = tagger_module.tagger_from_dict(json.loads(json.dumps(doc)))
    tag_fn = lambda ws: tagger_module.tag(ws, tagger=shipped)  # noqa: E731
    doc["accuracy"] = {"dev": accuracy(tag_fn, dev_gold), "test": accuracy(tag_fn, test_gold)}

    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, sort_keys=True, ensure_ascii=True, separators=(",", ":")) + "\n"
    args.out.write_text(text, encoding="ascii")
    print(f"{args.out}: {len(text.encode()) / 1e6:.2f} MB; Penn tag accuracy dev {doc['accuracy']['dev']}, "
          f"test {doc['accuracy']['test']}")

    lower = lambda w: w.lower()  # noqa: E731
    print(f"lowercased input: dev {accuracy(tag_fn, dev_gold, lower)}, test {accuracy(tag_fn, test_gold, lower)}")

    sentences = [[w for w, _ in sent] for sent in dev_gold + test_gold]
    n = sum(map(len, sentences))
    for name, fn in (("pipeline.tagger.tag", tag_fn), ("nltk PerceptronTagger.tag", shipped.tag)):
        c0 = time.process_time()
        for words in sentences:
            fn(words)
        print(f"tagging speed on dev+test, {name}: {n / (time.process_time() - c0):,.0f} tokens/s (CPU time)")

    gold_tags = lambda words: [w.xpos for w in words]  # noqa: E731
    model_tags = lambda words: tag_fn([w.form for w in words])  # noqa: E731
    print(f"noun phrases vs UD base NPs on dev, gold tags: {chunk_scores(dev, gold_tags)}; "
          f"model tags: {chunk_scores(dev, model_tags)}")

    if args.upos:
        t0 = time.perf_counter()
        upos = train_model(tagged(train, "upos"))
        up = lambda ws: [t for _, t in upos.tag(ws)]  # noqa: E731
        print(f"UPOS model (not shipped), {time.perf_counter() - t0:.0f} s: "
              f"dev {accuracy(up, tagged(dev, 'upos'))}, test {accuracy(up, tagged(test, 'upos'))}")


if __name__ == "__main__":
    main()
