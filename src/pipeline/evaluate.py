"""Evaluation against gold annotations (format: tests/gold/README.md).

Claims: a gold claim is found when a predicted claim in the same document has
a sentence containing the gold evidence and the same subject_norm,
outcome_norm and direction; matching is one-to-one. Precision counts the
predicted claims of the annotated documents only. Matched pairs are then
scored field by field (predicate, polarity, modality, attribution, dose).

Contradictions: a gold pair is found when a predicted pair joins claims
matching both endpoints (document + evidence, in either order); kind, verdict
and scope are then scored on the found pairs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import io
from pipeline.normalize import normalize_text

CLAIM_FIELDS = ("predicate", "polarity", "modality", "attribution", "dose_min", "dose_max", "dose_level")


@dataclass
class Gold:
    claims: list[dict] = field(default_factory=list)
    contradictions: list[dict] = field(default_factory=list)


def load_gold(paths) -> Gold:
    gold = Gold()
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: {exc}") from exc
            (gold.contradictions if "a" in row and "b" in row else gold.claims).append(row)
    return gold


def _fold(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", normalize_text(text).lower()))


def _evidence(row: dict):
    return row["evidence"] if "evidence" in row else list(row["evidence_span"])


def _shown(row: dict) -> str:
    return row.get("evidence") or f"raw chars {row['evidence_span'][0]}-{row['evidence_span'][1]}"


def _in_evidence(claim, evidence) -> bool:
    """The mention's own span overlaps the evidence (raw offsets or folded text)."""
    if isinstance(evidence, list):
        return claim["raw_char_start"] < evidence[1] and evidence[0] < claim["raw_char_end"]
    effect, ev = _fold(claim["effect"]), _fold(evidence)
    return bool(effect) and (effect in ev or ev in effect)


STOP = frozenset({"the", "a", "an", "of", "to", "in", "on", "and", "or", "with", "for", "your", "their", "its",
                  "this", "these", "that", "risk", "developing", "having", "getting", "people", "some"})


def _content(text) -> set[str]:
    words = re.findall(r"[^\W_]+", str(text).lower().replace("_", " "))
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words if w not in STOP}


def _written_direction(claim) -> int:
    """Direction on the outcome as written: the canonical direction, flipped back when the
    written outcome names the inverse pole ("improves sleep" is -1 insomnia, +1 sleep)."""
    from pipeline.lexicon import load_lexicon, tokenize
    lex = load_lexicon()
    words = [t.text for t in tokenize(str(claim["outcome"]))]
    for _s, _e, (canon, sign) in lex.outcomes.find_all(words):
        return int(claim["direction"]) * sign
    return int(claim["direction"])


def _loose_match(claim, gold: dict) -> bool:
    """Gold written as in the text (MedQuAD): subject and outcome share a content word,
    same direction on the outcome as written, same polarity."""
    subj = _content(claim["subject"]) | _content(claim["subject_norm"])
    outc = _content(claim["outcome"]) | _content(claim["outcome_norm"])
    return bool(subj & _content(gold["subject"])) and bool(outc & _content(gold["outcome"])) \
        and _written_direction(claim) == int(gold.get("direction", 0)) \
        and claim["polarity"] == gold.get("polarity", "affirmed")


def _doc_key(source_path: str, record: str) -> str:
    return f"{source_path}#{record.split(':', 1)[1]}" if record.startswith("line:") else source_path


@dataclass
class Result:
    claims: dict
    contradictions: dict
    claim_fields: dict
    pair_fields: dict
    missed_claims: list
    false_claims: list
    missed_pairs: list
    false_pairs: list
    wrong_pairs: list
    by_kind: dict


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "predicted": n_pred, "gold": n_gold, "precision": p, "recall": r, "f1": f}


def evaluate(gold: Gold, output: Path) -> Result:
    docs = io.read_table(output, "documents")
    claims = io.read_table(output, "claims")
    pairs = io.read_table(output, "contradictions")
    doc_of_key = {_doc_key(s, r): d for s, r, d in zip(docs["source_path"], docs["record"], docs["doc_id"])}
    key_of_doc = {d: k for k, d in doc_of_key.items()}
    gold_docs = {c["doc"] for c in gold.claims} | {p[e]["doc"] for p in gold.contradictions for e in ("a", "b")}
    claims = claims[claims["doc_id"].map(key_of_doc).isin(gold_docs)].copy()
    claims["doc_key"] = claims["doc_id"].map(key_of_doc)
    claims["folded"] = claims["sentence_text"].map(_fold)
    sents = io.read_table(output, "sentences", columns=["sentence_id", "raw_char_start", "raw_char_end"])
    claims = claims.merge(sents, on="sentence_id", how="left", suffixes=("", "_sentence"))
    by_doc = {k: g for k, g in claims.groupby("doc_key")}

    def candidates(doc: str, evidence) -> pd.DataFrame:
        """Claims of ``doc`` whose sentence holds the evidence: a text snippet, or a [start, end]
        span of raw-text offsets (used where the text itself must not be copied, e.g. the seeds)."""
        g = by_doc.get(doc)
        if g is None:
            return claims.iloc[0:0]
        if isinstance(evidence, list):
            start, end = evidence
            return g[(g["raw_char_start_sentence"] <= start) & (end <= g["raw_char_end_sentence"] + 1)]
        ev = _fold(evidence)
        return g[g["folded"].map(lambda s: ev in s)]

    # ---- claims
    used: set[str] = set()
    field_hits = {f: [0, 0] for f in CLAIM_FIELDS}
    matched: dict[int, pd.Series] = {}
    # two passes: first a mention whose own span lies in the evidence, then any in its sentence
    # (so a long sentence holding two gold claims with the same key assigns each its own mention)
    for precise in (True, False):
        for i, gc in enumerate(gold.claims):
            if i in matched:
                continue
            cand = candidates(gc["doc"], _evidence(gc))
            cand = cand[~cand["claim_id"].isin(used)]
            if "subject_norm" in gc:
                cand = cand[(cand["subject_norm"] == gc["subject_norm"]) & (cand["outcome_norm"] == gc["outcome_norm"])
                            & (cand["direction"] == int(gc.get("direction", 0)))]
            elif len(cand):
                cand = cand[cand.apply(lambda c: _loose_match(c, gc), axis=1)]
            if precise and len(cand):
                cand = cand[cand.apply(lambda c: _in_evidence(c, _evidence(gc)), axis=1)]
            if cand.empty:
                continue
            # among equal keys, the mention agreeing on most qualifiers
            agree = sum((cand[f] == gc.get(f)).astype(int) for f in ("predicate", "polarity", "modality", "attribution"))
            hit = cand.loc[agree.idxmax()]
            used.add(hit["claim_id"])
            matched[i] = hit
    missed = [gc for i, gc in enumerate(gold.claims) if i not in matched]
    for i, hit in matched.items():
        gc = gold.claims[i]
        for f in CLAIM_FIELDS:
            g_val = gc.get(f if not f.startswith("dose_m") else f + "_mg")
            p_val = hit[f]
            p_val = None if pd.isna(p_val) else p_val
            if g_val is None and p_val is None:
                field_hits[f][0] += 1
            elif g_val is not None and p_val is not None and (
                    abs(float(g_val) - float(p_val)) < 1e-6 if f.startswith("dose_m") else g_val == p_val):
                field_hits[f][0] += 1
            field_hits[f][1] += 1
    false_claims = claims[~claims["claim_id"].isin(used)]
    claim_scores = _prf(len(used), len(claims), len(gold.claims))

    # ---- contradictions
    claim_doc_key = dict(zip(claims["claim_id"], claims["doc_key"]))
    live = pairs[pairs["claim_id_a"].isin(claim_doc_key) & pairs["claim_id_b"].isin(claim_doc_key)]
    found: set[str] = set()
    pf_hits = {f: [0, 0] for f in ("kind", "verdict", "scope")}
    kinds: dict[str, list[int]] = {}
    missed_pairs, wrong = [], []
    for gp in gold.contradictions:
        ca = set(candidates(gp["a"]["doc"], _evidence(gp["a"]))["claim_id"])
        cb = set(candidates(gp["b"]["doc"], _evidence(gp["b"]))["claim_id"])
        m = live[((live["claim_id_a"].isin(ca) & live["claim_id_b"].isin(cb))
                  | (live["claim_id_a"].isin(cb) & live["claim_id_b"].isin(ca))) & ~live["pair_id"].isin(found)]
        if "outcome_norm" in gp and len(m) > 1:
            same = m[m["outcome_norm"] == gp["outcome_norm"]]
            m = same if len(same) else m
        if len(m) > 1:
            same = m[m["kind"] == gp["kind"]]
            m = same if len(same) else m
        k = kinds.setdefault(gp["kind"], [0, 0, 0])
        k[1] += 1
        if m.empty:
            missed_pairs.append(gp)
            continue
        hit = m.iloc[0]
        found.add(hit["pair_id"])
        k[0] += 1
        for f in pf_hits:
            pf_hits[f][0] += int(hit[f] == gp[f])
            pf_hits[f][1] += 1
        if hit["kind"] != gp["kind"] or hit["verdict"] != gp["verdict"]:
            wrong.append((gp, hit.to_dict()))
    false_pairs = live[~live["pair_id"].isin(found)]
    for kind, n in false_pairs["kind"].value_counts().items():
        kinds.setdefault(kind, [0, 0, 0])[2] += int(n)
    by_kind = {k: _prf(tp, tp + fp, g) for k, (tp, g, fp) in sorted(kinds.items())}
    return Result(
        claims=claim_scores,
        contradictions=_prf(len(found), len(live), len(gold.contradictions)),
        claim_fields={f: (h / n if n else 1.0) for f, (h, n) in field_hits.items()},
        pair_fields={f: (h / n if n else 1.0) for f, (h, n) in pf_hits.items()},
        missed_claims=missed, false_claims=false_claims.to_dict("records"),
        missed_pairs=missed_pairs, false_pairs=false_pairs.to_dict("records"), wrong_pairs=wrong,
        by_kind=by_kind,
    )


def format_report(r: Result, show_errors: bool = True, limit: int = 40) -> str:
    lines = ["== claims", _fmt(r.claims),
             "   field accuracy on found claims: " + ", ".join(f"{k} {v:.2f}" for k, v in r.claim_fields.items()),
             "== contradictions", _fmt(r.contradictions),
             "   on found pairs: " + ", ".join(f"{k} {v:.2f}" for k, v in r.pair_fields.items())]
    for kind, s in r.by_kind.items():
        lines.append(f"   {kind:<11} " + _fmt(s))
    if show_errors:
        lines.append(f"-- missed claims ({len(r.missed_claims)})")
        lines += [f"   {c['doc']}: {c.get('subject_norm', c.get('subject'))} {c.get('predicate')} "
                  f"{c.get('outcome_norm', c.get('outcome'))} {c.get('direction')} | {_shown(c)}"
                  for c in r.missed_claims[:limit]]
        lines.append(f"-- false claims ({len(r.false_claims)})")
        lines += [f"   {c['doc_key']}: {c['subject_norm']} {c['predicate']} {c['outcome_norm']} {c['direction']} | {c['effect']}"
                  for c in r.false_claims[:limit]]
        lines.append(f"-- missed contradictions ({len(r.missed_pairs)})")
        lines += [f"   {p['kind']}/{p['verdict']} {p['subject_norm']}/{p.get('outcome_norm')}: "
                  f"{p['a']['doc']} '{_shown(p['a'])}' vs {p['b']['doc']} '{_shown(p['b'])}'"
                  for p in r.missed_pairs[:limit]]
        lines.append(f"-- found with a different kind or verdict ({len(r.wrong_pairs)})")
        lines += [f"   gold {g['kind']}/{g['verdict']} got {p['kind']}/{p['verdict']}: {p['explanation']}"
                  for g, p in r.wrong_pairs[:limit]]
        lines.append(f"-- false contradictions ({len(r.false_pairs)})")
        lines += [f"   {p['kind']}/{p['verdict']} {p['explanation']}" for p in r.false_pairs[:limit]]
    return "\n".join(lines)


def _fmt(s: dict) -> str:
    return (f"precision {s['precision']:.3f}  recall {s['recall']:.3f}  f1 {s['f1']:.3f}  "
            f"(tp {s['tp']}, predicted {s['predicted']}, gold {s['gold']})")
