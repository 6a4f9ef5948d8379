"""Contradiction detection measured on SciFact evidence/claim pairs.

    .venv/bin/python benchmarks/scifact_eval.py                      # all pairs, both setups
    .venv/bin/python benchmarks/scifact_eval.py --limit 120 --setup one
    .venv/bin/python benchmarks/scifact_eval.py --no-record --keep /tmp/scifact   # keep inputs/outputs

Data: ../shared/corpora/scifact-pairs/train.tsv (the `shared` folder beside the
repository; see its README): ``index``, ``sentence1`` (evidence from an
abstract), ``sentence2`` (claim), ``entailment``. ``not_entailment`` means the
evidence contradicts the claim, so it is the gold positive.

Every pair goes through the real pipeline (``pipeline.stages.run_all``, no
Prefect), once per setup, all pairs in one run:

* ``one``: one document per pair, ``<index>.txt`` = evidence, a blank line,
  the claim. A pair is predicted positive when the contradictions table has an
  ``intra_document`` row in that document whose two claims lie on different
  sides of the paragraph break (a pair inside the evidence alone does not count).
* ``two``: two documents per pair, ``<index>-evidence.txt`` and
  ``<index>-claim.txt``. A pair is predicted positive when there is a
  ``cross_document`` row between its two documents. Rows between documents of
  different pairs are ignored for scoring but counted (false-alarm signal).

Predicted positive uses the verdicts {contradiction, hedged} ("main"); the
report also gives {contradiction} ("strict") and every verdict incl.
conditional ("any"). Precision, recall and F1 get 95% bootstrap intervals
(1,000 resamples of pairs, fixed seed). Misses are grouped by the first reason
that explains them (no claim extracted, no shared subject, ...), and example
false negatives and every false positive are printed with their claims.

One row per setup (main verdicts) is appended to benchmarks/results/scifact.csv.
Nothing here knows about SciFact's wording: the inputs are plain .txt files.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PAIRS_TSV = SHARED / "corpora" / "scifact-pairs" / "train.tsv"
RESULTS = REPO / "benchmarks" / "results" / "scifact.csv"

SETUPS = ("one", "two")
VERDICT_SETS = {
    "main": frozenset({"contradiction", "hedged"}),
    "strict": frozenset({"contradiction"}),
    "any": frozenset({"contradiction", "hedged", "conditional"}),
}
N_BOOT = 1000
SEED = 20200501
SIDES = ("evidence", "claim")
_NAME = re.compile(r"^(\d+)(?:-(evidence|claim))?\.txt$")

# miss reasons, in the order they are checked (the first that applies explains the miss)
REASONS = {
    "rejected": "a document of the pair was rejected (see rejects)",
    "no_claim_both": "no claim extracted from the evidence nor from the claim",
    "no_claim_evidence": "no claim extracted from the evidence",
    "no_claim_claim": "no claim extracted from the claim",
    "no_shared_subject": "claims on both sides, but no subject_norm in common",
    "no_shared_outcome": "a shared subject, but no outcome_norm in common",
    "not_opposed": "same subject and outcome on both sides, but no conflicting pair formed",
    "verdict_outside": "a conflicting pair formed, but its verdict is outside the counted set",
}

CSV_COLUMNS = [
    "timestamp", "git_sha", "setup", "verdicts", "n", "n_gold_pos", "tp", "fp", "fn", "tn",
    "precision", "recall", "f1", "precision_lo", "precision_hi", "recall_lo", "recall_hi", "f1_lo", "f1_hi",
    "precision_strict", "recall_strict", "precision_any", "recall_any",
    "n_no_claim_evidence", "n_no_claim_claim", "n_no_claim_either", "n_rejected",
    "n_cross_index_rows", "n_within_side_rows", "seconds", "extractor_version",
]


# --------------------------------------------------------------------------- data
def load_pairs(path: Path = PAIRS_TSV, limit: int | None = None) -> pd.DataFrame:
    """The labelled pairs: index (int), evidence, claim, gold (True = evidence contradicts claim)."""
    with Path(path).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    labels = {r["entailment"] for r in rows}
    if not labels <= {"entailment", "not_entailment"}:
        raise ValueError(f"{path}: unexpected labels {sorted(labels)}")
    pairs = pd.DataFrame({
        "index": [int(r["index"]) for r in rows],
        "evidence": [r["sentence1"].strip() for r in rows],
        "claim": [r["sentence2"].strip() for r in rows],
        "gold": [r["entailment"] == "not_entailment" for r in rows],
    })
    if not pairs["index"].is_unique:
        raise ValueError(f"{path}: duplicate index values")
    return pairs.head(limit).reset_index(drop=True) if limit else pairs


def write_inputs(pairs: pd.DataFrame, folder: Path, setup: str) -> Path:
    """Plain .txt inputs named by pair index (evidence first, then the claim)."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in pairs.itertuples(index=False):
        if setup == "one":
            (folder / f"{p.index:04d}.txt").write_text(f"{p.evidence}\n\n{p.claim}\n", encoding="utf-8")
        elif setup == "two":
            (folder / f"{p.index:04d}-evidence.txt").write_text(f"{p.evidence}\n", encoding="utf-8")
            (folder / f"{p.index:04d}-claim.txt").write_text(f"{p.claim}\n", encoding="utf-8")
        else:
            raise ValueError(f"unknown setup {setup!r}")
    return folder


def parse_name(source_path: str) -> tuple[int, str | None]:
    """``0042.txt`` -> (42, None); ``0042-claim.txt`` -> (42, 'claim')."""
    m = _NAME.match(Path(source_path).name)
    if not m:
        raise ValueError(f"unexpected input name {source_path!r}")
    return int(m.group(1)), m.group(2)


# --------------------------------------------------------------------------- running
@dataclass
class SetupResult:
    setup: str
    pairs: pd.DataFrame          # one row per pair with predictions and diagnosis
    claims: pd.DataFrame         # claims with index and side
    rows: pd.DataFrame           # contradiction rows with index/side of both claims
    rejects: pd.DataFrame
    seconds: float
    extractor_version: str
    stats: dict = field(default_factory=dict)


def run_pipeline(input_root: Path, output: Path) -> dict[str, pd.DataFrame]:
    from pipeline import io, stages

    result = stages.run_all(input_root, output, incremental=False)
    if not result["success"]:
        raise RuntimeError(f"pipeline validation failed for {input_root}: {result}")
    tables = {name: io.read_table(output, name) for name in ("documents", "claims", "contradictions", "rejects", "runs")}
    return tables


def locate_claims(setup: str, docs: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """claims + ``index`` (pair) and ``side`` (evidence / claim) of every claim."""
    parsed = {d.doc_id: parse_name(d.source_path) for d in docs.itertuples(index=False)}
    out = claims.copy()
    out["index"] = out["doc_id"].map(lambda d: parsed[d][0])
    if setup == "two":
        out["side"] = out["doc_id"].map(lambda d: parsed[d][1])
    else:
        # the evidence has no line break, so the first one in the normalized text ends it
        split = {d.doc_id: (d.text.find("\n") if "\n" in d.text else len(d.text)) for d in docs.itertuples(index=False)}
        out["side"] = [SIDES[0] if start < split[d] else SIDES[1] for d, start in zip(out["doc_id"], out["char_start"])]
    return out


def evaluate_setup(pairs: pd.DataFrame, setup: str, workdir: Path) -> SetupResult:
    input_root = write_inputs(pairs, workdir / f"input-{setup}", setup)
    started = time.perf_counter()
    t = run_pipeline(input_root, workdir / f"output-{setup}")
    seconds = time.perf_counter() - started
    docs, rejects = t["documents"], t["rejects"]
    claims = locate_claims(setup, docs, t["claims"])
    where = claims.set_index("claim_id")[["index", "side", "effect", "subject_norm", "outcome_norm",
                                           "predicate", "direction", "polarity", "modality", "sentence_text"]]
    rows = t["contradictions"].copy()
    for end in ("a", "b"):
        loc = where.reindex(rows[f"claim_id_{end}"])
        rows[f"index_{end}"] = loc["index"].to_numpy()
        rows[f"side_{end}"] = loc["side"].to_numpy()
        rows[f"effect_{end}"] = loc["effect"].to_numpy()
        rows[f"sentence_{end}"] = loc["sentence_text"].to_numpy()
    same_index = rows["index_a"] == rows["index_b"]
    across = rows["side_a"] != rows["side_b"]
    wanted_scope = "intra_document" if setup == "one" else "cross_document"
    rows["relevant"] = same_index & across & (rows["scope"] == wanted_scope)
    rows["cross_index"] = ~same_index
    rows["within_side"] = same_index & ~across

    rejected_idx = set()
    for path in rejects["source_path"]:
        try:
            rejected_idx.add(parse_name(path)[0])
        except ValueError:
            pass

    rel = rows[rows["relevant"]]
    by_pair = {i: g for i, g in rel.groupby("index_a")}
    claims_by = {k: g for k, g in claims.groupby(["index", "side"])}
    empty = claims.iloc[0:0]
    records = []
    for p in pairs.itertuples(index=False):
        g = by_pair.get(p.index)
        verdicts = set(g["verdict"]) if g is not None else set()
        ce, cc = claims_by.get((p.index, "evidence"), empty), claims_by.get((p.index, "claim"), empty)
        rec = {
            "index": p.index, "gold": p.gold, "evidence": p.evidence, "claim": p.claim,
            "n_claims_evidence": len(ce), "n_claims_claim": len(cc), "rejected": p.index in rejected_idx,
            "verdicts": ",".join(sorted(verdicts)),
            "kinds_main": ",".join(sorted(set(g[g["verdict"].isin(VERDICT_SETS["main"])]["kind"]))) if g is not None else "",
        }
        for name, vs in VERDICT_SETS.items():
            rec[f"pred_{name}"] = bool(verdicts & vs)
        rec["reason"] = miss_reason(rec, ce, cc, verdicts)
        for side, c, text in (("evidence", ce, p.evidence), ("claim", cc, p.claim)):
            rec[f"empty_{side}"] = side_diagnosis(text) if c.empty else ""
        records.append(rec)
    table = pd.DataFrame(records)
    stats = {
        "n_documents": len(docs), "n_claims": len(claims), "n_rows": len(rows),
        "n_rejects": len(rejects), "rejects_by_reason": dict(Counter(rejects["reason"])),
        "n_cross_index_rows": int(rows["cross_index"].sum()),
        "n_cross_index_pairs": int(rows[rows["cross_index"]][["index_a", "index_b"]]
                                   .apply(lambda r: tuple(sorted(r)), axis=1).nunique()) if rows["cross_index"].any() else 0,
        "n_within_side_rows": int(rows["within_side"].sum()),
        "n_within_side_pairs": int(rows[rows["within_side"]]["index_a"].nunique()),
        "n_relevant_rows": len(rel),
        "n_wrong_scope_rows": int((same_index & across & (rows["scope"] != wanted_scope)).sum()),
    }
    version = str(t["runs"]["extractor_version"].iloc[-1]) if len(t["runs"]) else ""
    return SetupResult(setup, table, claims, rows, rejects, seconds, version, stats)


def side_diagnosis(text: str) -> str:
    """Why a text gave no claim, as far as the extractor's first steps tell (its lexicons):
    no effect cue at all, a cue but no known outcome phrase, or both but no claim formed."""
    from pipeline.lexicon import load_lexicon, tokenize

    lex = load_lexicon()
    words = [t.text for t in tokenize(text)]
    cue = any(lex.cues.match_at(words, i) for i in range(len(words)))
    outcome = any(lex.outcomes.match_at(words, i) for i in range(len(words)))
    if not cue:
        return "no_cue"
    return "no_outcome" if not outcome else "not_formed"


SIDE_REASONS = {
    "no_cue": "no effect cue (verb/noun/property in effects.json)",
    "no_outcome": "an effect cue, but no outcome phrase of outcomes.json",
    "not_formed": "cue and outcome phrase present, but no claim formed (subject/object not attached)",
}


def miss_reason(rec: dict, ce: pd.DataFrame, cc: pd.DataFrame, verdicts: set) -> str:
    """Why no counted contradiction was found for this pair (first reason that applies)."""
    if rec["pred_main"]:
        return ""
    if rec["rejected"]:
        return "rejected"
    if ce.empty and cc.empty:
        return "no_claim_both"
    if ce.empty:
        return "no_claim_evidence"
    if cc.empty:
        return "no_claim_claim"
    subjects = set(ce["subject_norm"]) & set(cc["subject_norm"])
    if not subjects:
        return "no_shared_subject"
    keys_e = set(zip(ce["subject_norm"], ce["outcome_norm"]))
    keys_c = set(zip(cc["subject_norm"], cc["outcome_norm"]))
    if not keys_e & keys_c:
        return "no_shared_outcome"
    if not verdicts:
        return "not_opposed"
    return "verdict_outside"


# --------------------------------------------------------------------------- scoring
def prf(gold: np.ndarray, pred: np.ndarray) -> dict:
    tp = int((gold & pred).sum()); fp = int((~gold & pred).sum())
    fn = int((gold & ~pred).sum()); tn = int((~gold & ~pred).sum())
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if tp else (0.0 if tp + fp and tp + fn else float("nan"))
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": p, "recall": r, "f1": f}


def bootstrap(gold: np.ndarray, pred: np.ndarray, n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """95% percentile intervals of precision, recall and F1 over pair resamples (undefined
    resamples, e.g. no predicted positive, are left out)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(gold), size=(n_boot, len(gold)))
    g, p = gold[idx], pred[idx]
    tp = (g & p).sum(1).astype(float); fp = (~g & p).sum(1); fn = (g & ~p).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        rec = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        f1 = np.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
    out = {}
    for name, v in (("precision", prec), ("recall", rec), ("f1", f1)):
        v = v[~np.isnan(v)]
        lo, hi = (np.percentile(v, [2.5, 97.5]) if len(v) else (float("nan"), float("nan")))
        out[f"{name}_lo"], out[f"{name}_hi"] = float(lo), float(hi)
    return out


def score(res: SetupResult) -> dict:
    t = res.pairs
    gold = t["gold"].to_numpy(bool)
    out = {}
    for name in VERDICT_SETS:
        pred = t[f"pred_{name}"].to_numpy(bool)
        out[name] = prf(gold, pred) | bootstrap(gold, pred)
    pos = t[t["pred_main"]]
    kinds = Counter(k for ks in pos["kinds_main"] for k in ks.split(",") if k)
    out["per_kind"] = {
        k: {"n": n, "tp": int(pos[pos["kinds_main"].str.split(",").apply(lambda ks: k in ks)]["gold"].sum())}
        for k, n in sorted(kinds.items())
    }
    for k in out["per_kind"].values():
        k["precision"] = k["tp"] / k["n"]
    no_e, no_c = t["n_claims_evidence"] == 0, t["n_claims_claim"] == 0
    out["no_claim"] = {
        "evidence": int(no_e.sum()), "claim": int(no_c.sum()), "either": int((no_e | no_c).sum()),
        "both": int((no_e & no_c).sum()),
        "either_gold_pos": int(((no_e | no_c) & t["gold"]).sum()),
    }
    out["empty_sides"] = {side: {r: int((t[f"empty_{side}"] == r).sum()) for r in SIDE_REASONS} for side in SIDES}
    fn = t[t["gold"] & ~t["pred_main"]]
    out["miss_reasons"] = {r: int((fn["reason"] == r).sum()) for r in REASONS if (fn["reason"] == r).any()}
    return out


# --------------------------------------------------------------------------- report
def short(text: str, width: int = 150) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _fmt(x: float) -> str:
    return "  n/a" if x != x else f"{x:.3f}"


def claim_summary(claims: pd.DataFrame, index: int, side: str, limit: int = 4) -> str:
    c = claims[(claims["index"] == index) & (claims["side"] == side)]
    if c.empty:
        return "(no claim)"
    parts = [f"{r.subject_norm}|{r.predicate}|{r.outcome_norm}|{int(r.direction):+d}"
             f"{'|neg' if r.polarity == 'negated' else ''} «{short(r.effect, 40)}»"
             for r in c.head(limit).itertuples(index=False)]
    more = f" (+{len(c) - limit})" if len(c) > limit else ""
    return "; ".join(parts) + more


def pick_examples(fn: pd.DataFrame, k: int) -> pd.DataFrame:
    """Up to k false negatives, taken round-robin across miss reasons (by index inside each)."""
    groups = [g.sort_values("index") for _, g in fn.groupby("reason", sort=False)]
    picked, i = [], 0
    while len(picked) < k and any(i < len(g) for g in groups):
        picked += [g.iloc[i] for g in groups if i < len(g)][: k - len(picked)]
        i += 1
    return pd.DataFrame(picked)


def format_report(res: SetupResult, s: dict, n_fn_examples: int = 20) -> str:
    t, st = res.pairs, res.stats
    lines = [f"== setup {res.setup}: {'one document per pair (evidence, blank line, claim)' if res.setup == 'one' else 'two documents per pair (evidence file, claim file)'}",
             f"pairs {len(t)} (gold positive = not_entailment: {int(t['gold'].sum())}) | documents {st['n_documents']}"
             f" | rejects {st['n_rejects']} {st['rejects_by_reason'] or ''} | claims {st['n_claims']}"
             f" | contradiction rows {st['n_rows']} | pipeline {res.seconds:.1f}s | extractor {res.extractor_version}"]
    lines.append(f"{'verdicts':<42}{'tp':>5}{'fp':>5}{'fn':>5}{'tn':>5}   precision [95% CI]     recall [95% CI]        F1 [95% CI]")
    for name, vs in VERDICT_SETS.items():
        m = s[name]
        lines.append(f"{name + ' {' + ', '.join(sorted(vs)) + '}':<42}{m['tp']:>5}{m['fp']:>5}{m['fn']:>5}{m['tn']:>5}"
                     f"   {_fmt(m['precision'])} [{_fmt(m['precision_lo'])}-{_fmt(m['precision_hi'])}]"
                     f"   {_fmt(m['recall'])} [{_fmt(m['recall_lo'])}-{_fmt(m['recall_hi'])}]"
                     f"   {_fmt(m['f1'])} [{_fmt(m['f1_lo'])}-{_fmt(m['f1_hi'])}]")
    if s["per_kind"]:
        lines.append("per kind (main verdicts; pairs whose predicted kinds include it): " + ", ".join(
            f"{k} {v['tp']}/{v['n']} = {v['precision']:.2f}" for k, v in s["per_kind"].items()))
    nc = s["no_claim"]
    lines.append(f"pairs with no claim extracted: from the evidence {nc['evidence']}, from the claim {nc['claim']}, "
                 f"from either {nc['either']} (of them gold positive {nc['either_gold_pos']}), from both {nc['both']}")
    for side in SIDES:
        lines.append(f"  {side} texts with no claim, why: " + "; ".join(
            f"{SIDE_REASONS[r]} {n}" for r, n in s["empty_sides"][side].items()))
    other = ("cross_document rows between different pairs" if res.setup == "two"
             else "cross_document rows between different pairs (documents)")
    lines.append(f"ignored rows (false-alarm signal): {other} {st['n_cross_index_rows']} "
                 f"({st['n_cross_index_pairs']} pair-of-pairs); rows inside one side (evidence-only or claim-only) "
                 f"{st['n_within_side_rows']} (in {st['n_within_side_pairs']} pairs); same pair, wrong scope {st['n_wrong_scope_rows']}")
    lines.append(f"misses (gold positive, not predicted; {s['main']['fn']}) by first reason:")
    for r, n in s["miss_reasons"].items():
        lines.append(f"  {n:>4}  {REASONS[r]}")
    fn = t[t["gold"] & ~t["pred_main"]]
    ex = pick_examples(fn, n_fn_examples)
    lines.append(f"example false negatives ({len(ex)} of {len(fn)}, round-robin over reasons):")
    for r in ex.itertuples(index=False):
        empty = ", ".join(f"{side}: {getattr(r, 'empty_' + side)}" for side in SIDES if getattr(r, "empty_" + side))
        lines += [f"  [{r.index}] {r.reason}" + (f" ({empty})" if empty else "")
                  + (f" (verdicts: {r.verdicts})" if r.verdicts else ""),
                  f"     E: {short(r.evidence)}", f"     C: {short(r.claim)}",
                  f"     E claims: {claim_summary(res.claims, r.index, 'evidence')}",
                  f"     C claims: {claim_summary(res.claims, r.index, 'claim')}"]
    fp = t[~t["gold"] & t["pred_main"]]
    lines.append(f"false positives ({len(fp)}):")
    rel = res.rows[res.rows["relevant"] & res.rows["verdict"].isin(VERDICT_SETS["main"])]
    for r in fp.itertuples(index=False):
        lines += [f"  [{r.index}] kinds {r.kinds_main}", f"     E: {short(r.evidence)}", f"     C: {short(r.claim)}"]
        for row in rel[rel["index_a"] == r.index].itertuples(index=False):
            lines.append(f"     -> {row.kind}/{row.verdict} on {row.subject_norm}|{row.outcome_norm}: "
                         f"«{short(row.effect_a, 50)}» vs «{short(row.effect_b, 50)}»")
    return "\n".join(lines)


# --------------------------------------------------------------------------- results file
def git_sha() -> str:
    """The checkout's sha (+dirty.<diff hash>), shared with the other benchmarks."""
    from pipeline.stages import source_fingerprint
    return source_fingerprint()


def csv_row(res: SetupResult, s: dict, sha: str) -> dict:
    m = s["main"]
    return {
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"), "git_sha": sha,
        "setup": res.setup, "verdicts": "contradiction+hedged", "n": len(res.pairs),
        "n_gold_pos": int(res.pairs["gold"].sum()),
        **{k: m[k] for k in ("tp", "fp", "fn", "tn")},
        **{k: round(m[k], 4) for k in ("precision", "recall", "f1", "precision_lo", "precision_hi",
                                       "recall_lo", "recall_hi", "f1_lo", "f1_hi")},
        "precision_strict": round(s["strict"]["precision"], 4), "recall_strict": round(s["strict"]["recall"], 4),
        "precision_any": round(s["any"]["precision"], 4), "recall_any": round(s["any"]["recall"], 4),
        "n_no_claim_evidence": s["no_claim"]["evidence"], "n_no_claim_claim": s["no_claim"]["claim"],
        "n_no_claim_either": s["no_claim"]["either"], "n_rejected": int(res.pairs["rejected"].sum()),
        "n_cross_index_rows": res.stats["n_cross_index_rows"], "n_within_side_rows": res.stats["n_within_side_rows"],
        "seconds": round(res.seconds, 2), "extractor_version": res.extractor_version,
    }


def append_results(rows: list[dict], path: Path = RESULTS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    if not new:
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), [])
        if header != CSV_COLUMNS:
            raise SystemExit(f"{path} has other columns than this script writes; move it aside first")
    with path.open("a", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        if new:
            w.writeheader()
        w.writerows(rows)


# --------------------------------------------------------------------------- entry points
def evaluate(limit: int | None = None, setups=SETUPS, workdir: Path | None = None,
             path: Path = PAIRS_TSV) -> dict[str, tuple[SetupResult, dict]]:
    """Run and score every setup; returns setup -> (result, scores). ``workdir`` keeps the
    inputs and outputs (else a temporary folder, removed afterwards)."""
    pairs = load_pairs(path, limit)
    tmp = None
    if workdir is None:
        tmp = Path(tempfile.mkdtemp(prefix="scifact-eval-"))
    try:
        out = {}
        for setup in setups:
            res = evaluate_setup(pairs, setup, Path(workdir or tmp))
            out[setup] = (res, score(res))
        return out
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="only the first N pairs")
    ap.add_argument("--setup", choices=["one", "two", "both"], default="both")
    ap.add_argument("--examples", type=int, default=20, help="false negatives to list (default 20)")
    ap.add_argument("--keep", type=Path, default=None, help="keep inputs and outputs in this (new or empty) folder")
    ap.add_argument("--no-record", action="store_true", help="do not append to benchmarks/results/scifact.csv")
    ap.add_argument("--pairs", type=Path, default=PAIRS_TSV, help=f"pairs file (default {PAIRS_TSV})")
    args = ap.parse_args(argv)
    if not args.pairs.is_file():
        print(f"{args.pairs} is absent: the SciFact pairs live in the shared corpora folder beside the repo",
              file=sys.stderr)
        return 2
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        print(f"--keep {args.keep}: folder is not empty", file=sys.stderr)
        return 2
    setups = SETUPS if args.setup == "both" else (args.setup,)
    results = evaluate(args.limit, setups, args.keep, args.pairs)
    sha = git_sha()
    for res, s in results.values():
        print(format_report(res, s, args.examples))
        print()
    if not args.no_record:
        append_results([csv_row(res, s, sha) for res, s in results.values()])
        print(f"appended {len(results)} row(s) to {RESULTS.relative_to(REPO)} (git {sha})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
