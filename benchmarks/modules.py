"""Loading code that is not an installed module, for the benchmark scripts (this folder is
not a package): a script of this folder, or a pipeline module as it was at an earlier commit.

The text stages before their speed-up (git 374e1b9) are read from git history, not kept as
copies: ``previous_stage("segment")`` is ``src/pipeline/segment.py`` of that commit, loaded
as a module of its own beside the current one (benchmarks/compare_text_stages.py proves the
new stages give the same output; benchmarks/text_stages.py --old times the old ones).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEXT_STAGES_BEFORE_SPEEDUP = "374e1b9"


def load_file(path: Path, name: str) -> types.ModuleType:
    """Execute the Python file ``path`` as module ``name`` (registered in ``sys.modules``:
    dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def previous_stage(stage: str, rev: str = TEXT_STAGES_BEFORE_SPEEDUP) -> types.ModuleType:
    """``src/pipeline/<stage>.py`` as it was at ``rev``, as module ``reference_<stage>``."""
    path = f"src/pipeline/{stage}.py"
    try:
        source = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"cannot read {path} at git {rev} (needs the repository's history): {exc}") from exc
    name = f"reference_{stage}"
    module = types.ModuleType(name)
    module.__file__ = f"{rev}:{path}"
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
