"""Condition parsing: dose ranges and units, dose-level words, populations, contexts,
and numeric quantities (half-life, onset, maximum dose).

All patterns are built from ``lexicons/conditions.json``. The regular
expressions have no nested quantifiers over the same characters, so they run
in linear time (checked by the adversarial-input test).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.lexicon import Token, load_lexicon

NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20,
                "thirty": 30, "half a": 0.5, "a half": 0.5, "half an": 0.5, "an": 1}


@dataclass(frozen=True)
class Amount:
    """A parsed amount: [lo, hi] in a canonical unit (None = open end)."""
    lo: float | None
    hi: float | None
    unit: str          # mg, IU, ml, h, drops, capsules, tablets, unparsed
    start: int         # char span in the sentence
    end: int
    per: str | None    # day / dose
    text: str


@cache
def _patterns():
    cond = load_lexicon().raw["conditions.json"]
    units = {**{k: ("mg", v) for k, v in cond["mass_units"].items()},
             **{k: (v, 1.0) for k, v in cond["other_units"].items()}}
    time_units = {k: ("h", v) for k, v in cond["time_units"].items()}

    def alternation(keys):
        return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))

    num = rf"(?:{NUM}|{alternation(NUMBER_WORDS)})"

    def amount_re(unit_keys):
        u = alternation(unit_keys)
        return re.compile(
            rf"(?<![\w.])(?P<a>{num})\s*(?:(?P<ua>{u})\b\.?\s*(?=(?:-|to|and|or)\s*(?:{num})))?"
            rf"(?:(?:-|to|and|or)\s*(?P<b>{num})\s*)?(?P<u>{u})(?![\w])",
            re.IGNORECASE)

    bounds_max = alternation(cond["bound_words"]["max"])
    bounds_min = alternation(cond["bound_words"]["min"])
    bound_re = re.compile(rf"(?:(?P<max>{bounds_max})|(?P<min>{bounds_min}))\s*(?:of\s*|about\s*|around\s*|approximately\s*)?$",
                          re.IGNORECASE)
    per_day = alternation(cond["per"]["day"])
    per_dose = alternation(cond["per"]["dose"])
    per_re = re.compile(rf"^\s*(?:(?P<day>{per_day})|(?P<dose>{per_dose}))\b", re.IGNORECASE)
    between_re = re.compile(r"between\s*$", re.IGNORECASE)
    return units, time_units, amount_re(units), amount_re(time_units), bound_re, per_re, between_re


def _num(text: str) -> float:
    t = text.lower().strip()
    if t in NUMBER_WORDS:
        return float(NUMBER_WORDS[t])
    return float(t.replace(",", ""))


def _parse(sentence: str, kind: str) -> list[Amount]:
    units, time_units, dose_re, time_re, bound_re, per_re, _ = _patterns()
    table, regex = (units, dose_re) if kind == "dose" else (time_units, time_re)
    out = []
    for m in regex.finditer(sentence):
        unit, factor = table[m.group("u").lower()]
        a = _num(m.group("a"))
        b = _num(m.group("b")) if m.group("b") else None
        if m.group("ua") and b is not None:
            # "1 g to 3 g": both sides carry a unit.
            ua_unit, ua_factor = table[m.group("ua").lower()]
            lo = a * ua_factor
        else:
            lo = a * factor
        hi = b * factor if b is not None else lo
        if hi is not None and lo is not None and hi < lo:
            lo, hi = hi, lo
        start = m.start()
        prefix = sentence[max(0, start - 30):start]
        bound = bound_re.search(prefix)
        if bound and b is None:
            if bound.group("max"):
                lo, start = None, start - (len(prefix) - bound.start())
            else:
                hi, start = None, start - (len(prefix) - bound.start())
        per = None
        pm = per_re.match(sentence[m.end():m.end() + 20])
        if pm:
            per = "day" if pm.group("day") else "dose"
        if unit == "unparsed":
            lo = hi = None
        out.append(Amount(lo, hi, unit, start, m.end(), per, sentence[start:m.end()]))
    return out


def parse_doses(sentence: str) -> list[Amount]:
    """Dose amounts in a sentence, canonical unit mg for masses.

    >>> [(a.lo, a.hi, a.unit) for a in parse_doses("at lower doses (1-3 grams)")]
    [(1000.0, 3000.0, 'mg')]
    >>> [(a.lo, a.hi) for a in parse_doses("up to 5 g a day")]
    [(None, 5000.0)]
    """
    return _parse(sentence, "dose")


def parse_durations(sentence: str) -> list[Amount]:
    """Time amounts in hours ("24 to 72 hours", "30 minutes")."""
    return _parse(sentence, "time")


@dataclass(frozen=True)
class Mention:
    value: str
    start: int   # char span in the sentence
    end: int
    text: str


def find_phrases(matcher, tokens: list[Token], sentence: str) -> list[Mention]:
    words = [t.text for t in tokens]
    return [Mention(v, tokens[s].start, tokens[e - 1].end, sentence[tokens[s].start:tokens[e - 1].end])
            for s, e, v in matcher.find_all(words)]


def find_dose_levels(tokens: list[Token], sentence: str) -> list[Mention]:
    """Dose-level words attached to a dose noun: "lower doses", "a moderate kratom dose", "high amounts"."""
    lex = load_lexicon()
    words = [t.text for t in tokens]
    out = []
    for s, e, level in lex.dose_levels.find_all(words):
        # the dose noun follows within two words ("a moderate kratom dose")
        for j in range(e, min(e + 3, len(words))):
            if words[j] in lex.dose_nouns:
                out.append(Mention(level, tokens[s].start, tokens[j].end,
                                   sentence[tokens[s].start:tokens[j].end]))
                break
            if not words[j].isalpha():
                break
    return out


def ranges_disjoint(a_lo, a_hi, b_lo, b_hi) -> bool:
    """Two closed ranges (None = open end) share no value."""
    if a_hi is not None and b_lo is not None and a_hi < b_lo:
        return True
    if b_hi is not None and a_lo is not None and b_hi < a_lo:
        return True
    return False
