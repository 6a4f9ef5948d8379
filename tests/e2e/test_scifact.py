"""SciFact evidence/claim pairs through the whole pipeline (stages.run_all, no Prefect).

The first 120 pairs of ../shared/corpora/scifact-pairs/train.tsv are written as plain
.txt inputs in both setups of benchmarks/scifact_eval.py (one document per pair; an
evidence and a claim document per pair) and scored against the gold labels
(not_entailment = the evidence contradicts the claim). Only precision is a gate, and
only once at least 5 pairs are predicted positive; recall is printed, not asserted
(run with -s to see the report; benchmarks/README.md explains the numbers).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
PAIRS = SHARED / "corpora" / "scifact-pairs" / "train.tsv"
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "scifact_eval.py"
N_PAIRS = 120
MIN_PRECISION = 0.8
MIN_PREDICTED = 5


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("scifact_eval", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scifact(tmp_path_factory):
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the SciFact pairs live in the shared corpora folder beside the repo")
    if not PAIRS.is_file():
        pytest.skip(f"{PAIRS} is absent (shared corpora without scifact-pairs)")
    bench = _load_benchmark()
    results = bench.evaluate(limit=N_PAIRS, setups=bench.SETUPS, workdir=tmp_path_factory.mktemp("scifact"),
                             path=PAIRS)
    return bench, results


@pytest.mark.parametrize("setup", ["one", "two"])
def test_every_pair_reaches_the_pipeline(scifact, setup):
    """Harness integrity: each input file is a document or a reject, and every claim maps to a pair side."""
    bench, results = scifact
    res, _ = results[setup]
    files_per_pair = 1 if setup == "one" else 2
    assert len(res.pairs) == N_PAIRS
    assert res.stats["n_documents"] + res.stats["n_rejects"] == N_PAIRS * files_per_pair
    assert set(res.claims["side"]) <= set(bench.SIDES)
    assert res.claims["index"].isin(res.pairs["index"]).all()


@pytest.mark.parametrize("setup", ["one", "two"])
def test_precision_on_scifact_pairs(scifact, setup):
    bench, results = scifact
    res, scores = results[setup]
    main = scores["main"]
    n_predicted = main["tp"] + main["fp"]
    print()
    print(bench.format_report(res, scores, n_fn_examples=5))
    if n_predicted < MIN_PREDICTED:
        print(f"[{setup}] only {n_predicted} pair(s) predicted positive (< {MIN_PREDICTED}): precision not gated; "
              f"recall {main['recall']:.3f}")
        return
    fp = res.pairs[~res.pairs["gold"] & res.pairs["pred_main"]]
    listing = "\n".join(f"  [{r.index}] E: {bench.short(r.evidence, 100)} | C: {bench.short(r.claim, 100)}"
                        for r in fp.itertuples(index=False))
    assert main["precision"] >= MIN_PRECISION, (
        f"[{setup}] precision {main['precision']:.3f} ({main['tp']} tp, {main['fp']} fp) on the first {N_PAIRS} "
        f"SciFact pairs is below {MIN_PRECISION}; false positives:\n{listing}")
