"""notebooks/explore.ipynb runs top to bottom against a real pipeline output (the demo
corpus through the flow), in a fresh kernel of this interpreter."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore.ipynb"


def test_notebook_is_committed_clean():
    """No stored outputs: diffs stay readable and no data leaks into the repository."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)


def test_notebook_runs(request, tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed: cannot execute the notebook")
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed: cannot read the notebook")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed: no Python kernel to run the notebook")
    output = request.getfixturevalue("demo_output")

    # A kernel spec for this very interpreter (not whatever 'python3' points to on the
    # machine), and Jupyter/IPython state kept inside tmp_path.
    spec = tmp_path / "jupyter" / "kernels" / "pipeline-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "pipeline (test)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.setenv("PIPELINE_OUTPUT", str(output))

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="pipeline-test", timeout=300,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()   # raises CellExecutionError, with the cell and traceback, on any error

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert f"tables from {Path(output).resolve()}" in text
    assert "[[" in text and "]]" in text            # the drilled-into document with its claims marked
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    if importlib.util.find_spec("matplotlib"):
        assert len(images) == 3                     # claim frequency, rates by subject, verdict by kind
