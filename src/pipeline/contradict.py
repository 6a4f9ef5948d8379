"""Contradiction finding: comparable claim pairs, typed and judged.

Pairs are only formed inside groups of comparable claims (never all pairs of a
corpus):

* outcome groups ``(subject_norm, outcome_norm)``: direction (improves vs
  worsens), antonym (opposite property poles, e.g. calming vs stimulating),
  negation (X vs not X, or "no effect on X") and safety (not X vs X for an
  adverse outcome);
* safety groups ``(subject_norm, safety)``: "safe" / "no side effects" against
  every asserted adverse effect or "unsafe";
* dose-label groups ``(subject_norm, dose range)``: the same range called by
  different level words;
* numeric groups ``(subject_norm, quantity)``: incompatible values.

Across documents, a pair needs at least one claim from a near-duplicate cluster's
representative document: copies are not independent sources, and copy x copy pairs
would only repeat the copy x original ones (and grow quadratically with the cluster).

Each pair gets a verdict: ``conditional`` when the two claims' conditions are
shown to be disjoint (dose ranges, dose levels, populations, contexts),
``hedged`` when a side is only possible or attributed to users or contested,
else ``contradiction``.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from itertools import combinations, product
from typing import Iterable, Iterator

import numpy as np
import pandas as pd

from pipeline.conditions import ranges_disjoint
from pipeline.extract import stable_id
from pipeline.lexicon import load_lexicon
from pipeline.schemas import CONTRADICTIONS

HEDGED_ATTRIBUTIONS = frozenset({"users_report", "contested"})
NUMERIC_TOLERANCE = 1.15   # values within 15% are treated as the same approximate number
GENERIC_ADVERSE = frozenset({"side_effects"})


@cache
def _adverse(outcome: str) -> bool:
    """Is causing this outcome a harm? The lexicon says for its outcomes; an open-class outcome
    ("serotonin syndrome", "kidney stones") is a problem unless its head names something good
    ("endothelial function"), as the extractor reads it."""
    lex = load_lexicon()
    info = lex.outcome_info.get(outcome)
    if info is not None:
        return bool(info.get("adverse"))
    return outcome not in lex.quantity_names and outcome.rsplit("_", 1)[-1] not in lex.positive_heads


def _is_null(c) -> bool:
    """A claim that denies an effect: "no effect on X", "does not cause X", "non-addictive"."""
    if c.predicate == "safe":
        return c.polarity == "affirmed"
    return c.predicate == "no_effect" or c.polarity == "negated"


def _is_numeric(c) -> bool:
    return isinstance(c.value_unit, str) and c.value_unit != ""


def _safety_role(c) -> str | None:
    """'safe' for safety assertions, 'harm' for asserted harms, None otherwise."""
    if c.predicate == "safe" and c.outcome_norm in GENERIC_ADVERSE:
        return "safe" if c.polarity == "affirmed" else "harm"
    if c.outcome_norm in GENERIC_ADVERSE:
        return "safe" if _is_null(c) else ("harm" if c.direction > 0 else None)
    if not _is_null(c) and c.direction > 0 and _adverse(c.outcome_norm):
        return "harm"
    return None


def comparable_groups(claims: pd.DataFrame) -> dict[tuple, list]:
    """Claims grouped by comparable key; the values are lists of claim records."""
    groups: dict[tuple, list] = defaultdict(list)
    generic = load_lexicon().generic_subjects
    for c in claims.itertuples(index=False):
        if c.subject_norm in generic:
            continue  # "medications", "these drugs": different products on different pages, not one subject
        if _is_numeric(c):
            if c.polarity == "affirmed":  # "is not 2 hours" states no value to compare
                groups[("numeric", c.subject_norm, c.outcome_norm)].append(c)
            continue
        if _safety_role(c) is not None:
            groups[("safety", c.subject_norm, "safety")].append(c)
        if c.outcome_norm not in GENERIC_ADVERSE:
            groups[("outcome", c.subject_norm, c.outcome_norm)].append(c)
        if pd.notna(c.dose_level) and (pd.notna(c.dose_min) or pd.notna(c.dose_max)):
            groups[("dose_label", c.subject_norm, *map(_key_part, (c.dose_min, c.dose_max, c.dose_unit)))].append(c)
    return groups


def _key_part(value):
    """A group key field with None for a missing value: the open end of "up to 500 mg" is NaN,
    and NaN never equals NaN, so such claims would never share a group."""
    return None if pd.isna(value) else value


def _candidate_pairs(group_key: tuple, members: list, reps: set | None = None) -> Iterable[tuple]:
    """Comparable pairs of a group: (a, b) with a.claim_id < b.claim_id, in that order.

    With ``reps`` (the doc_ids of near-duplicate cluster representatives), a cross-document pair
    needs at least one side in a representative: a document's near-duplicate copies are not
    independent sources, so copy x copy pairs would only repeat copy x original pairs. Pairs
    inside one document are always formed. This keeps the number of pairs linear in the size
    of a near-duplicate cluster instead of quadratic."""
    if group_key[0] == "safety":
        left = [c for c in members if _safety_role(c) == "safe"]
        right = [c for c in members if _safety_role(c) == "harm"]
        pairs = _pairs_between(left, right, reps)
    else:
        pairs = _pairs_within(members, reps)
    for a, b in sorted(((a, b) if a.claim_id < b.claim_id else (b, a) for a, b in pairs),
                       key=lambda p: (p[0].claim_id, p[1].claim_id)):
        yield a, b


def _split_reps(members: list, reps: set | None) -> tuple[list, dict]:
    if reps is None:
        return list(members), {}
    rep, other = [], defaultdict(list)
    for c in members:
        (rep if c.doc_id in reps else other[c.doc_id]).append(c)
    return rep, other


def _pairs_within(members: list, reps: set | None) -> Iterable[tuple]:
    rep, other = _split_reps(members, reps)
    yield from combinations(rep, 2)
    for doc_members in other.values():
        yield from product(rep, doc_members)
        yield from combinations(doc_members, 2)


def _pairs_between(left: list, right: list, reps: set | None) -> Iterable[tuple]:
    left_rep, left_other = _split_reps(left, reps)
    right_rep, right_other = _split_reps(right, reps)
    yield from product(left_rep, right_rep)
    for doc_id, doc_members in right_other.items():
        yield from product(left_rep, doc_members)
    for doc_id, doc_members in left_other.items():
        yield from product(doc_members, right_rep)
        yield from product(doc_members, right_other.get(doc_id, ()))


def _conflict(group_key: tuple, a, b) -> str | None:
    """The contradiction kind of a comparable pair, or None if the two agree."""
    kind = group_key[0]
    if kind == "safety":
        return "safety"
    if kind == "dose_label":
        if a.dose_level != b.dose_level and a.sentence_id != b.sentence_id:
            return "dose_label"
        return None
    if kind == "numeric":
        lo_a, hi_a = _range(a.value_min, a.value_max)
        lo_b, hi_b = _range(b.value_min, b.value_max)
        if ranges_disjoint(lo_a, hi_a, lo_b, hi_b) and _far_apart(lo_a, hi_a, lo_b, hi_b):
            return "numeric"
        return None
    null_a, null_b = _is_null(a), _is_null(b)
    if null_a and null_b:
        return None
    if null_a or null_b:
        null, other = (a, b) if null_a else (b, a)
        if null.predicate == other.predicate == "interacts_with":
            return "negation"  # "no known interactions" vs "interacts with blood thinners"
        if other.direction == 0:
            return None
        if null.predicate == "safe" and other.direction <= 0:
            return None  # "non-addictive" does not conflict with "reduces addiction"
        if null.predicate not in ("no_effect", "safe") and null.direction != other.direction:
            return None
        return "safety" if (_adverse(other.outcome_norm) and other.direction > 0) else "negation"
    if a.direction and b.direction and a.direction == -b.direction:
        return "antonym" if a.predicate == b.predicate == "has_property" else "direction"
    return None


def _range(lo, hi):
    lo = None if pd.isna(lo) else float(lo)
    hi = None if pd.isna(hi) else float(hi)
    return lo, hi


def _far_apart(lo_a, hi_a, lo_b, hi_b) -> bool:
    """Disjoint ranges whose nearest ends differ by more than the tolerance factor."""
    pairs = [(hi_a, lo_b), (hi_b, lo_a)]
    for low_end, high_start in pairs:
        if low_end is not None and high_start is not None and low_end < high_start:
            return low_end <= 0 or high_start / low_end >= NUMERIC_TOLERANCE
    return True


def _split(value) -> set[str]:
    return set(value.split(";")) if isinstance(value, str) and value else set()


def separating_condition(a, b) -> tuple[str, str] | None:
    """(condition type, how it separates) when the claims' conditions are disjoint."""
    lex = load_lexicon()
    if a.dose_unit == b.dose_unit and isinstance(a.dose_unit, str):
        lo_a, hi_a = _range(a.dose_min, a.dose_max)
        lo_b, hi_b = _range(b.dose_min, b.dose_max)
        if (lo_a, hi_a) != (None, None) and (lo_b, hi_b) != (None, None) and ranges_disjoint(lo_a, hi_a, lo_b, hi_b):
            return "dose", f"dose {_fmt_range(lo_a, hi_a, a.dose_unit)} vs {_fmt_range(lo_b, hi_b, b.dose_unit)}"
    both_ranged = all(pd.notna(c.dose_min) or pd.notna(c.dose_max) for c in (a, b)) and a.dose_unit == b.dose_unit
    if isinstance(a.dose_level, str) and isinstance(b.dose_level, str) and a.dose_level != b.dose_level \
            and not both_ranged:  # overlapping numbers beat level words ("low" vs "moderate" 1-3 g)
        return "dose_level", f"{a.dose_level} vs {b.dose_level} dose"
    for field in ("population", "context"):
        va, vb = _split(getattr(a, field)), _split(getattr(b, field))
        # sorted: a set's order changes with the process's string hash seed, and with it which
        # disjoint pair the explanation names
        for x in sorted(va):
            for y in sorted(vb):
                if frozenset((x, y)) in lex.disjoint:
                    return field, f"{x.replace('_', ' ')} vs {y.replace('_', ' ')}"
    return None


def _fmt_range(lo, hi, unit) -> str:
    if lo is None:
        return f"up to {hi:g} {unit}"
    if hi is None:
        return f"over {lo:g} {unit}"
    return f"{lo:g} {unit}" if lo == hi else f"{lo:g}-{hi:g} {unit}"


def _hedge(c) -> str | None:
    if c.modality == "possible":
        return "only possible"
    if c.attribution in HEDGED_ATTRIBUTIONS:
        return "attributed to users" if c.attribution == "users_report" else "reported as a contested claim"
    return None


def _describe(c) -> str:
    if _is_numeric(c):
        return f"{c.outcome_norm.replace('_', ' ')} = {_fmt_range(*_range(c.value_min, c.value_max), c.value_unit)}"
    neg = "not " if c.polarity == "negated" else ""
    if c.predicate == "has_property":
        return f"{neg}{'raises' if c.direction > 0 else 'lowers'} {c.outcome_norm} (property)"
    if c.predicate in ("safe", "no_effect"):
        return f"{neg}{c.predicate.replace('_', ' ')} ({c.outcome_norm})"
    verb = {1: "increases", -1: "decreases"}.get(int(c.direction), c.predicate)
    return f"{neg}{verb} {c.outcome_norm}"


def judge(kind: str, a, b) -> tuple[str, str | None, str]:
    """(verdict, separating condition, explanation) of a conflicting pair."""
    sep = separating_condition(a, b) if kind != "dose_label" else None
    quote_a, quote_b = f"\"{a.effect}\"", f"\"{b.effect}\""
    head = f"{a.subject_norm}: {_describe(a)} ({quote_a}) vs {_describe(b)} ({quote_b})"
    if kind == "dose_label":
        rng = _fmt_range(*_range(a.dose_min, a.dose_max), a.dose_unit)
        return "contradiction", None, f"{a.subject_norm}: the same dose ({rng}) is called {a.dose_level} and {b.dose_level}"
    if sep:
        return "conditional", sep[0], f"{head}; not a contradiction: the conditions differ ({sep[1]})"
    hedges = [(side, h) for side, h in (("first", _hedge(a)), ("second", _hedge(b))) if h]
    if hedges:
        why = "; ".join(f"the {side} claim is {h}" for side, h in hedges)
        return "hedged", None, f"{head}; hedged: {why}"
    cond = "conditions overlap" if (a.condition or b.condition) else "no conditions given"
    return "contradiction", None, f"{head}; {cond}"


def _group_order(item) -> tuple:
    key = item[0]
    return (key[0] == "dose_label", tuple(str(k) for k in key))


def _pair_outcome(key: tuple, a, b) -> str:
    if key[0] == "safety":  # the harm's outcome ("safe" vs "may cause liver damage" -> liver_damage)
        harm = a if _safety_role(a) == "harm" else b
        return harm.outcome_norm
    if key[0] == "dose_label":
        return "dose_label"
    return key[2]


def find_contradictions(claims: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """All conflicting comparable pairs among non-repeated claim mentions, sorted by pair_id."""
    chunks = list(iter_contradictions(claims, documents))
    df = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=CONTRADICTIONS.columns)
    return df.sort_values("pair_id", kind="stable").reset_index(drop=True)


def iter_contradictions(claims: pd.DataFrame, documents: pd.DataFrame, chunk_rows: int = 50_000,
                        block_claims: int = 20_000) -> Iterator[pd.DataFrame]:
    """The rows of ``find_contradictions`` in frames of about ``chunk_rows`` (not sorted).

    Every comparable group belongs to one subject, so pairs (and a pair id met twice) never
    span subjects: the claims are paired in blocks of whole subjects (about ``block_claims``
    claims each), and only one block's claim records and one chunk of rows are Python objects
    at a time, not the whole corpus's (at 200 MB that was ~2 GB)."""
    cluster = dict(zip(documents["doc_id"], documents["cluster_id"]))
    # documents missing from the table count as representatives (nothing is silently dropped)
    non_reps = set(documents.loc[~documents["is_cluster_representative"].astype(bool), "doc_id"])
    reps = set(claims["doc_id"]) - non_reps
    live = claims[~claims["is_repeat"].astype(bool)]
    rows: list[dict] = []
    sentence_pairs: set = set()  # dose_label sentence pairs already given a row: across blocks
    for block in _subject_blocks(live, block_claims):
        for row in _block_pairs(live.iloc[block], reps, cluster, sentence_pairs):
            rows.append(row)
            if len(rows) >= chunk_rows:
                yield pd.DataFrame(rows, columns=CONTRADICTIONS.columns)
                rows = []
    if rows:
        yield pd.DataFrame(rows, columns=CONTRADICTIONS.columns)


def _subject_blocks(claims: pd.DataFrame, block_claims: int) -> Iterator[np.ndarray]:
    """Row positions of ``claims`` in blocks of whole subjects, the subjects in the order their
    groups sort in (``_group_order``: by ``str``), the rows of a block in their input order.
    Following that order, a dose_label sentence pair is kept in the same group as when all
    groups are sorted at once."""
    names = claims["subject_norm"].astype(object).map(str).to_numpy(dtype=object)
    order = np.argsort(names, kind="stable")
    names = names[order]
    starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]])  # one run per subject
    lo = 0
    for hi in [*starts[1:], len(order)]:
        if hi - lo >= block_claims or hi == len(order):
            yield np.sort(order[lo:hi])
            lo = hi


def _block_pairs(claims: pd.DataFrame, reps: set, cluster: dict, sentence_pairs: set) -> Iterator[dict]:
    """The conflicting pairs among live claims of whole subjects, as rows (``sentence_pairs``:
    the dose_label sentence pairs already given a row, updated)."""
    seen = set()
    # outcome, safety and numeric kinds first: a pair conflicting there keeps that kind
    # (pair ids are unique), whatever the input order
    for key, members in sorted(comparable_groups(claims).items(), key=_group_order):
        if len(members) < 2:
            continue
        for a, b in _candidate_pairs(key, members, reps):
            if a.claim_id == b.claim_id:
                continue
            kind = _conflict(key, a, b)
            if kind is None:
                continue
            if kind == "dose_label":
                sp = (kind, min(a.sentence_id, b.sentence_id), max(a.sentence_id, b.sentence_id))
                if sp in sentence_pairs:
                    continue
                sentence_pairs.add(sp)
            pair_id = stable_id(a.claim_id, b.claim_id)
            if pair_id in seen:
                continue
            seen.add(pair_id)
            verdict, sep, explanation = judge(kind, a, b)
            same_doc = a.doc_id == b.doc_id
            yield {
                "pair_id": pair_id,
                "claim_id_a": a.claim_id, "claim_id_b": b.claim_id,
                "doc_id_a": a.doc_id, "doc_id_b": b.doc_id,
                "scope": "intra_document" if same_doc else "cross_document",
                "kind": kind, "verdict": verdict,
                "subject_norm": a.subject_norm,
                "outcome_norm": _pair_outcome(key, a, b),
                "separating_condition": sep,
                "same_cluster": (not same_doc) and cluster.get(a.doc_id) == cluster.get(b.doc_id),
                "explanation": explanation,
            }
