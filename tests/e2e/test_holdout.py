"""The blind held-out set (tests/fixtures/holdout, tests/gold/holdout_*.jsonl; see
tests/gold/HOLDOUT.md): six articles written and annotated before the extractor ever saw
them. Its scores are far below the demo corpus's, which is the point of having it; the
floors are regression guards at the level reached (raise them as the extractor improves,
never lower them to make a change pass, and never edit the gold to fit the output)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import stages
from pipeline.evaluate import evaluate, format_report, load_gold
from tests.conftest import GOLD, REPO

HOLDOUT = REPO / "tests" / "fixtures" / "holdout"
FLOORS = {"claims_precision": 0.68, "claims_recall": 0.45, "pairs_precision": 0.75, "pairs_recall": 0.28}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("holdout_out")
    run = stages.run_all(HOLDOUT, out, incremental=False)
    assert run["success"], run
    r = evaluate(load_gold([GOLD / "holdout_claims.jsonl", GOLD / "holdout_contradictions.jsonl"]), Path(out))
    print(format_report(r, show_errors=False))
    return r


def test_holdout_claims_against_gold(result):
    assert result.claims["precision"] >= FLOORS["claims_precision"], format_report(result)
    assert result.claims["recall"] >= FLOORS["claims_recall"], format_report(result)


def test_holdout_contradictions_against_gold(result):
    assert result.contradictions["precision"] >= FLOORS["pairs_precision"], format_report(result)
    assert result.contradictions["recall"] >= FLOORS["pairs_recall"], format_report(result)
