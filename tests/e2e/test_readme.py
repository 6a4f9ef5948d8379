"""The README's example queries run against the demo output, and its table reference
is the one generated from the declared schemas."""

from __future__ import annotations

import re

import pytest

from pipeline import docs
from tests.conftest import REPO

BLOCK = re.compile(r"<!-- example-query: (\w+) -->\s*```\w+\n(.*?)```", re.S)


def examples():
    return BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))


def test_table_reference_is_generated_from_the_schemas():
    assert docs.main(["--check"]) == 0


def test_readme_has_three_example_queries():
    kinds = [k for k, _ in examples()]
    assert len(kinds) >= 3 and {"pandas", "duckdb"} <= set(kinds)


@pytest.mark.parametrize("i", range(3))
def test_example_query_runs(demo_output, i):
    kind, code = examples()[i]
    code = code.replace("data/processed", str(demo_output))
    if kind == "pandas":
        scope: dict = {}
        exec(code, scope)  # noqa: S102 - the README's own example
        assert len(scope["result"]) > 0
    else:
        duckdb = pytest.importorskip("duckdb")
        rows = duckdb.sql(code).fetchall()
        assert rows, code
