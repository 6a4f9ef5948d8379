"""The whole flow runs with outbound network blocked, and loads no pickles.

The CLI (``pipeline run``: the Prefect flow on its local ephemeral API) runs in a subprocess
whose ``sitecustomize.py`` (on PYTHONPATH, so every Python process it starts gets it too)
wraps ``socket.socket.connect``/``connect_ex``/``sendto`` and ``socket.create_connection``,
and adds an audit hook on ``socket.connect``/``socket.getaddrinfo``, to refuse -- and record
-- any non-loopback address or host name. It also records every file opened whose name ends
in .pkl/.pickle/.joblib/.pt. The input is the demo corpus plus an HTML page full of external
references (DTD, entities, images, scripts) pointing at a loopback canary listener.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline import io
from tests.conftest import DEMO, REPO
from tests.hostile.make_corpus import Canary, build_corpus

GUARD = textwrap.dedent('''
    """Test guard (tests/hostile/test_network.py): no outbound network, no pickle files."""
    import ipaddress, json, os, socket, sys

    _LOG = os.environ["NETGUARD_LOG"]
    _LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


    def _record(kind, detail):
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"pid": os.getpid(), "kind": kind, "detail": repr(detail)[:300]}) + "\\n")


    class NetworkBlocked(OSError):
        pass


    def _host_is_local(host):
        if host is None:
            return True
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        host = str(host).strip("[]").split("%")[0].lower()
        if host in _LOCAL_NAMES:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False  # a host name other than localhost: resolving it is already traffic
        return ip.is_loopback or ip.is_unspecified


    def _address_is_local(address):
        if isinstance(address, (str, bytes)):  # AF_UNIX path
            return True
        if isinstance(address, tuple) and address:
            return _host_is_local(address[0])
        return False


    def _check(kind, address):
        if not _address_is_local(address):
            _record(kind, address)
            raise NetworkBlocked(f"network blocked by test guard: {kind} {address!r}")


    _connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    _create_connection = socket.create_connection


    def connect(self, address):
        _check("connect", address)
        return _connect(self, address)


    def connect_ex(self, address):
        _check("connect_ex", address)
        return _connect_ex(self, address)


    def sendto(self, data, *args):
        _check("sendto", args[-1])
        return _sendto(self, data, *args)


    def create_connection(address, *args, **kwargs):
        _check("create_connection", address)
        return _create_connection(address, *args, **kwargs)


    for fn in (connect, connect_ex, sendto, create_connection):
        fn._netguard = True
    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    socket.create_connection = create_connection

    _PICKLE_EXT = (".pkl", ".pickle", ".joblib", ".pt", ".pth")


    def _audit(event, args):
        if event == "socket.connect":
            _check("audit:socket.connect", args[1])
        elif event == "socket.getaddrinfo":
            if not _host_is_local(args[0]):
                _record("getaddrinfo", args[0])
                raise NetworkBlocked(f"name lookup blocked by test guard: {args[0]!r}")
        elif event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            name = os.fsdecode(args[0]).lower()
            if name.endswith(_PICKLE_EXT):
                _record("pickle_file_opened", name)


    sys.addaudithook(_audit)
    with open(os.environ["NETGUARD_LOG"] + ".installed", "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {sys.argv[:2]!r}\\n")
''')


@pytest.fixture()
def guard(tmp_path):
    folder = tmp_path / "guard"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "net_attempts.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "NETGUARD_LOG": str(log), "NO_COLOR": "1"}  # PREFECT_HOME as the session has it (make: .prefect)
    env.pop("PREFECT_API_URL", None)  # no server configured: the local ephemeral API
    return env, log


def _attempts(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def test_guard_blocks_and_records(guard):
    """The guard itself works: loopback is allowed, anything else is refused before a packet leaves."""
    env, log = guard
    code = textwrap.dedent("""
        import socket, sitecustomize
        assert getattr(socket.socket.connect, "_netguard", False), "guard not installed"
        srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
        socket.create_connection(srv.getsockname(), timeout=2).close()   # loopback: allowed
        for target in [("192.0.2.1", 9), ("example.invalid", 80)]:        # TEST-NET-1, reserved name
            try:
                socket.create_connection(target, timeout=0.1)
            except sitecustomize.NetworkBlocked:
                continue
            raise SystemExit(f"not blocked: {target}")
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr
    kinds = [a["kind"] for a in _attempts(log)]
    assert "create_connection" in kinds and len(kinds) == 2, kinds


def test_cli_run_makes_no_network_access(guard, tmp_path):
    env, log = guard
    canary = Canary()
    try:
        inp = tmp_path / "in"
        shutil.copytree(DEMO, inp)
        hostile = build_corpus(tmp_path / "hostile_src", canary_url=canary.url, huge=False,
                               secret_dir=tmp_path / "outside")
        shutil.copy(hostile.root / "html" / "xxe_external.html", inp / "xxe_external.html")
        out = tmp_path / "out"
        cli = Path(sys.executable).with_name("pipeline")
        proc = subprocess.run([str(cli), "run", "--input", str(inp), "--output", str(out)], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=900)
    finally:
        canary.close()
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-5000:]}"
    installed = (log.parent / (log.name + ".installed")).read_text(encoding="utf-8").splitlines()
    assert installed, "the guard was not loaded by the CLI process"
    attempts = _attempts(log)
    assert not attempts, "network access or pickle files:\n" + "\n".join(map(str, attempts))
    assert canary.hits == [], "the pipeline fetched a URL found in the input"
    assert io.published_version(out) is not None
    assert io.count_rows(out, "documents") >= 10
    print(f"\nguarded processes: {len(installed)}; attempts recorded: {len(attempts)}")


# ---------------------------------------------------------------- no pickles

_PICKLE_LOADERS = re.compile(
    r"\b(?:pickle|cPickle|_pickle|cloudpickle|dill|joblib|torch|shelve|marshal)\s*\.\s*(?:load|loads|Unpickler|open)\b"
    r"|^\s*(?:import|from)\s+(?:pickle|cPickle|_pickle|cloudpickle|dill|joblib|torch|shelve)\b"
    r"|\bread_pickle\b|\ballow_pickle\s*=\s*True|\bnltk\.data\.load\b|\bUnpickler\b",
    re.MULTILINE)
_PICKLE_FILES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".npy", ".npz")


def test_no_pickle_loading_in_the_code():
    hits = []
    for folder in (REPO / "src", REPO / "flows"):
        for path in sorted(folder.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for m in _PICKLE_LOADERS.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                hits.append(f"{path.relative_to(REPO)}:{line}: {text.splitlines()[line - 1].strip()}")
    assert not hits, "pickle-style loading (arbitrary code execution on a tampered file):\n" + "\n".join(hits)


def test_no_pickle_files_are_shipped():
    shipped = [str(p.relative_to(REPO)) for folder in (REPO / "src", REPO / "flows")
               for p in folder.rglob("*") if p.suffix.lower() in _PICKLE_FILES]
    assert not shipped, shipped
