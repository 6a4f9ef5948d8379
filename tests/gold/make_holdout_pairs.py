"""Enumerate gold contradiction pairs from a gold claims file, by the rules of tests/gold/README.md.

Usage:
    python tests/gold/make_holdout_pairs.py                       # holdout: writes holdout_contradictions.jsonl
    python tests/gold/make_holdout_pairs.py --check-demo          # reproduces demo_contradictions.jsonl?

The rules (README, "demo_contradictions.jsonl"): pairs of claims with the same subject_norm,
kind by the first rule that applies (numeric, safety, antonym, direction, negation,
dose_label), verdict conditional > hedged > contradiction. The holdout set extends the
list of adverse outcomes with its new adverse outcomes (see HOLDOUT.md); everything else
is the README's rule set unchanged. The output is reviewed by hand, not trusted blindly.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

ADVERSE = {"side_effects", "addiction", "liver_damage", "nausea", "headache",
           "gastrointestinal_issues", "seizures", "withdrawal_symptoms"}
# Holdout-only adverse outcomes (new outcome names, documented in HOLDOUT.md).
HOLDOUT_ADVERSE = {"kidney_damage", "bleeding", "serotonin_syndrome", "photosensitivity"}
NUMERIC = {"half_life", "onset_time", "max_daily_dose"}

DISJOINT_POP = [({"children"}, None),  # children vs any other non-null population
                ({"healthy_adults"}, {"pregnant_women", "people_with_kidney_disease"})]
DISJOINT_CTX = [{"short_term_use", "long_term_use"}, {"in_the_morning", "before_bed"},
                {"in_the_morning", "evening"}, {"with_food", "empty_stomach"}]


def fold(s: str) -> str:
    s = (s.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
         .replace("\u2013", "-").replace("\u2014", "-").replace("\r\n", "\n"))
    return re.sub(r"[ \t]+", " ", s)


def doc_text(base: Path, doc: str) -> str:
    if "#" in doc:
        path, line = doc.split("#")
        raw = (base / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        return fold(json.loads(raw)["text"])
    p = base / doc
    try:
        raw = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raw = p.read_bytes().decode("cp1252")
    if p.suffix in (".html", ".htm"):
        m = re.search(r"<article[^>]*>(.*?)</article>", raw, re.S)
        raw = html.unescape(re.sub(r"<[^>]+>", " ", m.group(1) if m else raw))
        raw = re.sub(r"\s+", " ", raw)
    return fold(raw)


def position(texts: dict, base: Path, c: dict) -> int:
    if "evidence_span" in c:
        return c["evidence_span"][0]
    if c["doc"] not in texts:
        texts[c["doc"]] = doc_text(base, c["doc"])
    t = texts[c["doc"]]
    i = t.find(c["evidence"])
    if i < 0:
        i = re.sub(r"\s+", " ", t).find(c["evidence"])
    if i < 0:
        raise SystemExit(f"evidence not found in {c['doc']}: {c['evidence']!r}")
    return i


def net(c):  # (direction, negated?)
    return c["direction"], c["polarity"] == "negated"


def is_safety(c, adverse):
    if c["predicate"] == "safe" and c["polarity"] == "affirmed":
        return True
    if c["outcome_norm"] in adverse and c["direction"] == 1 and (
            c["predicate"] == "no_effect" or c["polarity"] == "negated"):
        return True
    return c["predicate"] == "no_effect" and c["outcome_norm"] in adverse


def is_adverse(c, adverse):
    if c["predicate"] == "safe" and c["polarity"] == "negated":
        return True
    return (c["polarity"] == "affirmed" and c["direction"] == 1
            and c["predicate"] in ("causes", "increases") and c["outcome_norm"] in adverse)


def kind_of(a, b, adverse):
    oa, ob = a["outcome_norm"], b["outcome_norm"]
    if oa in NUMERIC or ob in NUMERIC:
        if oa != ob:
            return None
        lo_a, hi_a = a.get("value_min") or 0, a.get("value_max")
        lo_b, hi_b = b.get("value_min") or 0, b.get("value_max")
        hi_a = float("inf") if hi_a is None else hi_a
        hi_b = float("inf") if hi_b is None else hi_b
        return "numeric" if (hi_a < lo_b or hi_b < lo_a) else None
    for s, v in ((a, b), (b, a)):
        if is_safety(s, adverse) and is_adverse(v, adverse):
            generic = s["predicate"] == "safe" and s["outcome_norm"] == "side_effects"
            if s["outcome_norm"] == v["outcome_norm"] or (generic and v["outcome_norm"] in adverse):
                return "safety"
    if oa != ob:
        return None
    aff_a = a["polarity"] == "affirmed" and a["predicate"] not in ("no_effect", "safe")
    aff_b = b["polarity"] == "affirmed" and b["predicate"] not in ("no_effect", "safe")
    if oa == "arousal":
        if aff_a and aff_b and a["direction"] * b["direction"] == -1:
            return "antonym"
    elif aff_a and aff_b and a["direction"] * b["direction"] == -1:
        return "direction"
    neg_a = a["polarity"] == "negated" or a["predicate"] == "no_effect"
    neg_b = b["polarity"] == "negated" or b["predicate"] == "no_effect"
    if neg_a != neg_b and a["predicate"] != "safe" and b["predicate"] != "safe":
        n, f = (a, b) if neg_a else (b, a)
        if f["polarity"] == "affirmed" and f["predicate"] != "no_effect":
            if n["predicate"] == "no_effect" and f["direction"] != 0:
                return "negation"
            if n["predicate"] == "interacts_with" and f["predicate"] == "interacts_with":
                return "negation"
            if n["predicate"] != "no_effect" and n["direction"] == f["direction"] != 0:
                return "negation"
    ra = (a.get("dose_min_mg"), a.get("dose_max_mg"))
    rb = (b.get("dose_min_mg"), b.get("dose_max_mg"))
    if neg_a and neg_b:  # two negated/no-effect claims never pair
        return None
    if ra == rb and ra != (None, None) and a.get("dose_level") and b.get("dose_level") \
            and a["dose_level"] != b["dose_level"]:
        return "dose_label"
    return None


def has_range(c):
    return c.get("dose_min_mg") is not None or c.get("dose_max_mg") is not None


def disjoint(a, b):
    if has_range(a) and has_range(b):
        lo_a, hi_a = a.get("dose_min_mg") or 0, a.get("dose_max_mg")
        lo_b, hi_b = b.get("dose_min_mg") or 0, b.get("dose_max_mg")
        hi_a = float("inf") if hi_a is None else hi_a
        hi_b = float("inf") if hi_b is None else hi_b
        if hi_a < lo_b or hi_b < lo_a:
            return True
    elif a.get("dose_level") and b.get("dose_level") and a["dose_level"] != b["dose_level"]:
        return True
    pa, pb = a.get("population"), b.get("population")
    if pa and pb and pa != pb:
        if "children" in (pa, pb):
            return True
        for x, ys in DISJOINT_POP[1:]:
            if (pa in x and pb in ys) or (pb in x and pa in ys):
                return True
    ca, cb = a.get("context"), b.get("context")
    if ca and cb and {ca, cb} in DISJOINT_CTX:
        return True
    return False


def verdict(a, b):
    if disjoint(a, b):
        return "conditional"
    for c in (a, b):
        if c["modality"] == "possible" or c["attribution"] in ("users_report", "contested"):
            return "hedged"
    return "contradiction"


def ref(c):
    out = {"doc": c["doc"]}
    if "evidence_span" in c:
        out["evidence_span"] = c["evidence_span"]
    else:
        out["evidence"] = c["evidence"]
    out["outcome_norm"] = c["outcome_norm"]
    return out


def make_pairs(claims, base: Path, adverse):
    texts: dict = {}
    for c in claims:
        c["_pos"] = position(texts, base, c)
    order = sorted(claims, key=lambda c: (c["doc"], c["_pos"]))
    pairs = []
    for i, j in combinations(range(len(order)), 2):
        a, b = order[i], order[j]
        if a["subject_norm"] != b["subject_norm"]:
            continue
        k = kind_of(a, b, adverse)
        if not k:
            continue
        shared = a["outcome_norm"]
        if k == "safety":  # the adverse claim's outcome
            shared = a["outcome_norm"] if is_adverse(a, adverse) and not is_safety(a, adverse) else b["outcome_norm"]
        pairs.append({"a": ref(a), "b": ref(b), "subject_norm": a["subject_norm"], "outcome_norm": shared,
                      "kind": k, "verdict": verdict(a, b),
                      "scope": "intra_document" if a["doc"] == b["doc"] else "cross_document"})
    return pairs


def key(p):
    def r(x):
        return (x["doc"], json.dumps(x.get("evidence", x.get("evidence_span"))), x["outcome_norm"])
    return tuple(sorted([r(p["a"]), r(p["b"])]))


def compare(pairs, gold_path: Path) -> int:
    gold = [json.loads(line) for line in gold_path.read_text().splitlines() if line.strip()]
    g = {key(p): p for p in gold}
    m = {key(p): p for p in pairs}
    bad = 0
    for k in g.keys() - m.keys():
        bad += 1
        print("MISSING", g[k]["kind"], g[k]["verdict"], k)
    for k in m.keys() - g.keys():
        bad += 1
        print("EXTRA", m[k]["kind"], m[k]["verdict"], k)
    for k in g.keys() & m.keys():
        for f in ("kind", "verdict", "scope", "outcome_norm"):
            if g[k][f] != m[k][f]:
                bad += 1
                print("DIFF", f, g[k][f], m[k][f], k)
    print(f"{gold_path.name}: gold {len(gold)}, generated {len(pairs)}, differences {bad}")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-demo", action="store_true")
    args = ap.parse_args()
    if args.check_demo:
        bad = 0
        for name, base in (("demo", ROOT / "data/raw"), ("seeds", ROOT.parent / "shared/seeds")):
            claims = [json.loads(x) for x in (HERE / f"{name}_claims.jsonl").read_text().splitlines() if x.strip()]
            bad += compare(make_pairs(claims, base, ADVERSE), HERE / f"{name}_contradictions.jsonl")
        sys.exit(1 if bad else 0)
    claims = [json.loads(x) for x in (HERE / "holdout_claims.jsonl").read_text().splitlines() if x.strip()]
    pairs = make_pairs(claims, ROOT / "tests/fixtures/holdout", ADVERSE | HOLDOUT_ADVERSE)
    with open(HERE / "holdout_contradictions.jsonl", "w") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"{len(pairs)} pairs written")


if __name__ == "__main__":
    main()
