"""Part-of-speech tags (Penn Treebank) and base noun phrases, with no nltk data.

The tagger is nltk's averaged perceptron (``nltk.tag.perceptron.PerceptronTagger``)
with weights trained on UD_English-EWT by ``scripts/train_tagger.py`` and shipped as
JSON in ``models/tagger_en_ewt.json`` (CC BY-SA 4.0, see ``models/ATTRIBUTION.md``).
It is built with ``PerceptronTagger(load=False)`` and its weights, tag dictionary and
classes are set from that file: no pickle, no ``nltk.data`` lookup, no download.

Tokens are expected as the treebank has them: cased, punctuation split off,
contractions split (``do`` ``n't``), hyphenated words split (``15`` ``-`` ``year``).
Other tokens still get a tag, less reliably: lowercased input scores 0.884 instead
of 0.933 on the dev split (see the training script's report), and a hyphenated word
kept whole ("L-arginine") is only seen through its first letter and last three.

``tag`` gives what ``PerceptronTagger.tag`` gives, about 5 times as fast (the same
features and tie-break, scores summed exactly in integers with numpy; see ``tag``).

``noun_phrases`` finds base noun phrases (no prepositional phrases, no clauses) with
``nltk.RegexpParser`` over the tags; see ``NP_GRAMMAR``.
"""

from __future__ import annotations

import json
import threading
import weakref
from functools import cache
from importlib.resources import files

import numpy as np
from nltk.chunk import RegexpParser
from nltk.tag.perceptron import PerceptronTagger
from nltk.tree import Tree

__all__ = ["MODEL_FORMAT", "NP_GRAMMAR", "load_tagger", "noun_phrases", "tag", "tagger_from_dict"]

MODEL_FORMAT = 1
_MODEL = files("pipeline").joinpath("models", "tagger_en_ewt.json")


def tagger_from_dict(doc: dict) -> PerceptronTagger:
    """A PerceptronTagger from the model JSON's weights, tagdict and classes."""
    if doc.get("format") != MODEL_FORMAT:
        raise ValueError(f"tagger model format {doc.get('format')!r}, expected {MODEL_FORMAT}")
    weights, tagdict, classes = doc["weights"], doc["tagdict"], doc["classes"]
    if not (isinstance(weights, dict) and isinstance(tagdict, dict) and isinstance(classes, list) and classes):
        raise ValueError("tagger model: weights and tagdict must be objects, classes a non-empty list")
    known = set(classes)
    if not set(tagdict.values()) <= known:
        raise ValueError("tagger model: the tagdict uses tags that are not classes")
    tagger = PerceptronTagger(load=False)
    tagger.decode_json_params((weights, tagdict, classes))
    return tagger


@cache
def load_tagger() -> PerceptronTagger:
    """The shipped tagger, read once per process (about 0.3 s)."""
    return tagger_from_dict(json.loads(_MODEL.read_text(encoding="utf-8")))


def _normalize(word: str) -> str:
    """PerceptronTagger.normalize."""
    if "-" in word and word[0] != "-":
        return "!HYPHEN"
    if word.isdigit() and len(word) == 4:
        return "!YEAR"
    if word and word[0].isdigit():
        return "!DIGITS"
    return word.lower()


class _DenseModel:
    """A PerceptronTagger's weights as one integer matrix (thousandths), for ``tag``.

    Row 0 is all zeros (a feature the model does not know); columns are the tags in
    descending order, so ``argmax`` (the first maximum) breaks a tie towards the
    greater tag, as ``AveragedPerceptron.predict`` does. The scores of the four
    features that depend only on the two previous tags are summed once per tag pair.
    """

    def __init__(self, tagger: PerceptronTagger):
        weights = tagger.model.weights
        self.tags = sorted(tagger.model.classes, reverse=True)
        column = {t: k for k, t in enumerate(self.tags)}
        self.rows = {feat: k for k, feat in enumerate(weights, 1)}
        matrix = np.zeros((len(weights) + 1, len(self.tags)), dtype=np.int64)
        for feat, row in self.rows.items():
            for label, weight in weights[feat].items():
                milli = round(weight * 1000)
                if abs(milli - weight * 1000) > 1e-6:
                    raise ValueError(f"weight {weight!r} of {feat!r} has more than 3 decimals")
                matrix[row, column[label]] = milli
        self.matrix = matrix
        self.tagdict = tagger.tagdict
        self.pairs: dict[tuple[str, str], np.ndarray] = {}

    def pair(self, prev: str, prev2: str) -> np.ndarray:
        rows = self.rows
        scores = self.matrix[[
            rows.get("bias", 0),
            rows.get("i-1 tag " + prev, 0),
            rows.get("i-2 tag " + prev2, 0),
            rows.get("i tag+i-2 tag " + prev + " " + prev2, 0),
        ]].sum(axis=0)
        self.pairs[prev, prev2] = scores
        return scores

    def tag(self, words: list[str]) -> list[str]:
        get = self.rows.get
        known = [self.tagdict.get(w) for w in words]
        context = ["-START-", "-START2-", *map(_normalize, words), "-END-", "-END2-"]
        # The features that do not depend on earlier tags, for all untagged words at once.
        rows = []
        for i, word in enumerate(words):
            if not known[i]:
                before, after = context[i + 1], context[i + 3]
                rows.append((
                    get("i suffix " + word[-3:], 0),
                    get("i pref1 " + (word[0] if word else ""), 0),
                    get("i word " + context[i + 2], 0),
                    get("i-1 word " + before, 0),
                    get("i-1 suffix " + before[-3:], 0),
                    get("i-2 word " + context[i], 0),
                    get("i+1 word " + after, 0),
                    get("i+1 suffix " + after[-3:], 0),
                    get("i+2 word " + context[i + 4], 0),
                ))
        if not rows:
            return known
        word_scores = self.matrix[np.array(rows)].sum(axis=1)
        matrix, pairs, tags = self.matrix, self.pairs, self.tags
        prev, prev2 = "-START-", "-START2-"
        out, r = [], 0
        for i, found in enumerate(known):
            if not found:
                pair = pairs.get((prev, prev2))
                scores = word_scores[r] + (pair if pair is not None else self.pair(prev, prev2))
                r += 1
                row = get("i-1 tag+i word " + prev + " " + context[i + 2])
                if row:
                    scores += matrix[row]
                found = tags[scores.argmax()]
            out.append(found)
            prev2, prev = prev, found
        return out


_DENSE: weakref.WeakKeyDictionary[PerceptronTagger, _DenseModel | None] = weakref.WeakKeyDictionary()
_DENSE_LOCK = threading.Lock()


def _dense(tagger: PerceptronTagger) -> _DenseModel | None:
    model = _DENSE.get(tagger, False)
    if model is False:
        with _DENSE_LOCK:
            model = _DENSE.get(tagger, False)
            if model is False:
                try:
                    model = _DenseModel(tagger)
                except ValueError:  # weights not rounded to 3 decimals: nltk's own loop
                    model = None
                _DENSE[tagger] = model
    return model


def tag(words: list[str], *, tagger: PerceptronTagger | None = None) -> list[str]:
    """Penn Treebank tags of ``words`` (one sentence), as ``PerceptronTagger.tag`` gives them.

    The features and the tie-break (the greater tag) are those of nltk 3.10's
    ``PerceptronTagger._get_features`` and ``AveragedPerceptron.predict``, but the
    scores are summed exactly, in integer thousandths (the model's weights have 3
    decimals), with numpy: about 5 times as fast as nltk's loop. nltk sums floats, so
    where two tags tie exactly its choice depends on rounding and the two can differ
    (3 of 797k words of dev, test and MedQuAD text). ``tagger`` (default: the shipped
    model) must not be changed after its first use here.
    """
    if tagger is None:
        tagger = load_tagger()
    words = list(words)
    model = _dense(tagger)
    if model is None:
        return [t for _, t in tagger.tag(words)]
    return model.tag(words)


# --------------------------------------------------------------------------- noun phrases

# Base noun phrases (CoNLL-2000 style: no prepositional phrases, no clauses), ending
# in a noun. After a determiner (or possessive pronoun, "whose", "which") come
# adjectives, participles and numbers, an adjective optionally after an adverb ("a very
# good idea"), then adjectives, numbers, nouns and hyphens ("the 15 - year term").
# Participles (VBN "reduced", VBG "growing") count only between a determiner and the
# nouns: "the drug reduced blood pressure" is [the drug] reduced [blood pressure],
# "patients taking aspirin" is [patients] taking [aspirin], and a phrase never starts
# with a participle or an adverb ("is n't fast food" -> [fast food]). A possessive ends
# a phrase ("[the patient] 's [dose]"). Pronouns are not phrases here.
# Chosen among variants by agreement with base noun phrases read off the dev trees of
# UD_English-EWT (scripts/train_tagger.py prints it): F1 0.895 on gold tags, 0.84 on
# this tagger's tags; the brief's simpler {<DT|PRP\$>?<JJ.*|VBN|VBG|NN.*|CD|HYPH>*<NN.*>}
# scored 0.869 / 0.819.
NP_GRAMMAR = r"""
NP: {<PDT>?<DT|PRP\$|WP\$|WDT>(<RB.*>?<JJ.*|VBN|VBG>|<CD>)*<JJ.*|CD|NN.*|HYPH>*<NN.*>}
    {<JJ.*|CD|NN.*|HYPH>*<NN.*>}
"""

_CHUNKER = RegexpParser(NP_GRAMMAR)


def noun_phrases(words: list[str], tags: list[str]) -> list[tuple[int, int]]:
    """Base noun phrases as (start, end) word offsets (end exclusive), left to right."""
    if len(words) != len(tags):
        raise ValueError(f"{len(words)} words but {len(tags)} tags")
    if not words:
        return []
    tree = _CHUNKER.parse(list(zip(words, tags)))
    spans, i = [], 0
    for node in tree:
        if isinstance(node, Tree):
            spans.append((i, i + len(node)))
            i += len(node)
        else:
            i += 1
    return spans
