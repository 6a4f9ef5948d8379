"""Part-of-speech tags (Penn Treebank) and base noun phrases, with no nltk data.

The tagger is nltk's averaged perceptron (``nltk.tag.perceptron.PerceptronTagger``)
with weights trained on UD_English-EWT by ``scripts/train_tagger.py`` and shipped as
JSON in ``models/tagger_en_ewt.json`` (CC BY-SA 4.0, see ``models/ATTRIBUTION.md``).
It is built with ``PerceptronTagger(load=False)`` and its weights, tag dictionary and
classes are set from that file: no pickle, no ``nltk.data`` lookup, no download.

Tokens are expected as the treebank has them: cased, punctuation split off,
contractions split (``do`` ``n't``), hyphenated words split (``15`` ``-`` ``year``).
Other tokens still get a tag, less reliably: lowercased text costs about two
points of accuracy (see the training script's report).

``tag`` gives exactly what ``PerceptronTagger.tag`` gives (tests check it), about
twice as fast: the same features and the same tie-break, without the per-token
closures and defaultdicts.

``noun_phrases`` finds base noun phrases (no prepositional phrases, no clauses) with
``nltk.RegexpParser`` over the tags; see ``NP_GRAMMAR``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from operator import itemgetter

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


_BEST = itemgetter(1, 0)  # (score, tag): the highest score, ties to the greater tag, as nltk


def _normalize(word: str) -> str:
    """PerceptronTagger.normalize."""
    if "-" in word and word[0] != "-":
        return "!HYPHEN"
    if word.isdigit() and len(word) == 4:
        return "!YEAR"
    if word and word[0].isdigit():
        return "!DIGITS"
    return word.lower()


def tag(words: list[str], *, tagger: PerceptronTagger | None = None) -> list[str]:
    """Penn Treebank tags of ``words`` (one sentence), as ``PerceptronTagger.tag`` gives them.

    Features, their order and the tie-break are those of nltk 3.10's
    ``PerceptronTagger._get_features`` and ``AveragedPerceptron.predict``; scores add
    up in the same order, so the floats and the chosen tags are identical.
    """
    if tagger is None:
        tagger = load_tagger()
    weights = tagger.model.weights
    tagdict = tagger.tagdict
    zero = dict.fromkeys(tagger.model.classes, 0.0)
    context = ["-START-", "-START2-", *map(_normalize, words), "-END-", "-END2-"]
    prev, prev2 = "-START-", "-START2-"
    out = []
    for i, word in enumerate(words):
        found = tagdict.get(word)
        if not found:
            c = context[i + 2]
            feats = (
                "bias",
                "i suffix " + word[-3:],
                "i pref1 " + (word[0] if word else ""),
                "i-1 tag " + prev,
                "i-2 tag " + prev2,
                "i tag+i-2 tag " + prev + " " + prev2,
                "i word " + c,
                "i-1 tag+i word " + prev + " " + c,
                "i-1 word " + context[i + 1],
                "i-1 suffix " + context[i + 1][-3:],
                "i-2 word " + context[i],
                "i+1 word " + context[i + 3],
                "i+1 suffix " + context[i + 3][-3:],
                "i+2 word " + context[i + 4],
            )
            scores = zero.copy()
            for feat in feats:
                by_tag = weights.get(feat)
                if by_tag:
                    for label, weight in by_tag.items():
                        scores[label] += weight
            found = max(scores.items(), key=_BEST)[0]
        out.append(found)
        prev2, prev = prev, found
    return out


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
