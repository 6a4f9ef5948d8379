"""The ingest fuzz target (fuzz/fuzz_ingest.py): ~20 s of atheris when it is installed, and a
hypothesis fallback that feeds the same target random and structured bytes either way."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO

FUZZ = REPO / "fuzz" / "fuzz_ingest.py"


def _load_target():
    spec = importlib.util.spec_from_file_location("fuzz_ingest", FUZZ)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TARGET = _load_target()


def test_atheris_fuzz_smoke(tmp_path):
    try:
        import atheris  # noqa: F401
    except ImportError:
        pytest.skip("atheris is not installed (the 'fuzz' extra: pip install 'atheris>=3.0,<4'; see fuzz/README.md)")
    proc = subprocess.run(
        [sys.executable, str(FUZZ), "-max_total_time=20", "-timeout=20", "-max_len=8192",
         f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "FUZZ_IGNORE_KNOWN": "1"})
    output = proc.stdout + proc.stderr
    crashes = sorted(p.name for p in tmp_path.glob("crash-*")) + sorted(p.name for p in tmp_path.glob("timeout-*"))
    assert proc.returncode == 0 and not crashes, f"fuzzer found a crash: {crashes}\n{output[-6000:]}"
    done = re.search(r"Done (\d+) runs in (\d+) second", output)
    assert done, output[-3000:]
    print(f"\natheris: {done.group(1)} inputs in {done.group(2)} s")
    assert int(done.group(1)) > 100


# ---------------------------------------------------------------- hypothesis fallback

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
_record = st.fixed_dictionaries({}, optional={"text": st.text(max_size=200) | _json, "url": st.text(max_size=30) | _json,
                                              "title": st.text(max_size=30) | _json,
                                              "published": st.text(max_size=30) | _json})
_html_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
_payload = st.one_of(
    st.binary(max_size=4096),
    st.text(max_size=1000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.tuples(st.text(max_size=500), st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1"]))
    .map(lambda te: te[0].encode(te[1], "replace")),
    st.tuples(_html_text, _html_text, st.sampled_from(["p", "div", "li", "td", "pre", "script", "nav", "article"]))
    .map(lambda x: f"<html><head><title>{x[0][:40]}</title></head><body><{x[2]}>{x[1]}</{x[2]}></body></html>"
         .encode("utf-8", "surrogatepass")),
    st.lists(_record.map(json.dumps) | st.text(max_size=80), max_size=6)
    .map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(selector=st.integers(0, 255), payload=_payload)
def test_ingest_contract_on_generated_inputs(selector, payload):
    """Same target as the atheris fuzzer: read_input never raises, every item is well formed."""
    TARGET.check_one(bytes([selector]) + payload)
