"""Peer simulators, each in a virtual environment of its own, made on first use.

A peer (Brian2, NEST, SANA-FE) is installed from PyPI into ``<peers dir>/<name>`` by pip with
its pinned requirements, and runs a script of ``peer_scripts/`` that prints one JSON document
on its last line of standard output. The peers folder is ``$EVENTSIM_PEERS_DIR`` if set, else
``.venv-peers/`` in the checkout. A peer that cannot be installed (no wheel for this Python, no
network) raises ``CaseSkipped`` with pip's last line of error: the case is reported as skipped,
never as passed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .check import CaseSkipped

SCRIPTS = Path(__file__).resolve().parent / "peer_scripts"


@dataclass(frozen=True)
class Peer:
    """A peer simulator: its name, the pip requirements of its environment and the module that
    must import once they are installed."""
    name: str
    requirements: tuple[str, ...]
    module: str


PEERS = {p.name: p for p in (
    Peer("brian2", ("brian2==2.9.*", "numpy<2"), "brian2"),
    Peer("nest", ("nest-simulator==3.*",), "nest"),
    Peer("sanafe", ("sanafe==2.2.*", "numpy", "pyyaml"), "sanafe"),
)}


def peers_dir() -> Path:
    """Where the peers' environments live (see the module docstring)."""
    env = os.environ.get("EVENTSIM_PEERS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / ".venv-peers"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def peer_python(name: str, say=lambda message: None) -> Path:
    """The Python interpreter of peer ``name``, installing its environment on first use.
    Raises ``CaseSkipped`` (one line: what failed and why) when it cannot be installed."""
    peer = PEERS[name]
    venv = peers_dir() / name
    python = venv / "bin" / "python"
    stamp = venv / ".requirements"
    wanted = "\n".join(peer.requirements)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    say(f"installing peer {name} ({', '.join(peer.requirements)}) into {venv} ...")
    shutil.rmtree(venv, ignore_errors=True)
    steps = ([sys.executable, "-m", "venv", str(venv)],
             [str(python), "-m", "pip", "install", "--quiet", *peer.requirements],
             [str(python), "-c", f"import {peer.module}"])
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            raise CaseSkipped(f"peer {name} cannot be installed ({' '.join(peer.requirements)}): "
                              f"{_last_line(done.stderr or done.stdout)}")
    stamp.write_text(wanted)
    return python


def run_peer(name: str, script: str, args=(), *, timeout_s: float = 900.0,
             say=lambda message: None) -> dict:
    """Run ``peer_scripts/<script>`` with ``args`` in peer ``name``'s environment; the JSON
    document it prints last. A failing script raises ``RuntimeError`` with its last line of
    error output."""
    python = peer_python(name, say)
    cmd = [str(python), str(SCRIPTS / script), *map(str, args)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"peer {name}: {script} took longer than {timeout_s:g} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"peer {name}: {script} failed: {_last_line(done.stderr)}")
    return json.loads(_last_line(done.stdout))
