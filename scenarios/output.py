"""What every scenario run writes: the run directory, result.json, ledger.csv.

Run directory ``<out>/<scenario>/<run-id>/``; run-id = ``YYYYmmdd-HHMMSS-<hash>``, the local
start time and the first 8 hex digits of the SHA-256 of the canonical JSON of
``{"scenario", "config" (resolved), "seed"}``: runs of one configuration share the hash, so
``ls out/async_sgd`` groups them; a second run of the same configuration in the same second gets
``-2``, ``-3``, ... appended. The run is written into a hidden ``.<run-id>.partial`` directory
and renamed when complete, so a failed run leaves no half-written run directory behind.
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import platform
import shutil
import time
from importlib import metadata
from pathlib import Path

import numpy as np

VERSIONED = ("eventsim", "numpy", "numba", "simpy", "scipy", "matplotlib", "scikit-learn", "nir",
             "tqdm", "pyarrow", "dask", "distributed")


def config_hash(scenario: str, config: dict, seed: int) -> str:
    doc = json.dumps({"scenario": scenario, "config": config, "seed": seed}, sort_keys=True,
                     separators=(",", ":"))
    return hashlib.sha256(doc.encode()).hexdigest()[:8]


def new_run_dir(out_root: Path, scenario: str, config: dict, seed: int) -> tuple[str, Path]:
    """(run-id, the hidden partial directory to write into); see the module docstring."""
    base = Path(out_root) / scenario
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{config_hash(scenario, config, seed)}"
    run_id, n = stem, 1
    while (base / run_id).exists() or (base / f".{run_id}.partial").exists():
        n += 1
        run_id = f"{stem}-{n}"
    partial = base / f".{run_id}.partial"
    partial.mkdir(parents=True)
    return run_id, partial


def write_atomically(path, write) -> Path:
    """Call ``write(tmp)`` on a hidden temporary file beside ``path``, then rename it to
    ``path``: readers see the old file or the whole new one, never half of it; a failed write
    leaves nothing behind. Returns ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def finish_run_dir(partial: Path, run_id: str) -> Path:
    final = partial.parent / run_id
    partial.rename(final)
    return final


def discard_run_dir(partial: Path) -> None:
    shutil.rmtree(partial, ignore_errors=True)


def versions() -> dict:
    """Package versions (None where a package is absent) and the Python version."""
    out = {}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["python"] = platform.python_version()
    return out


def plain(x):
    """``x`` with numpy scalars and arrays turned into Python values and non-finite floats into
    None, so that ``json.dumps`` writes strict JSON."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return plain(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_json(path: Path, doc: dict) -> None:
    Path(path).write_text(json.dumps(plain(doc), indent=1, allow_nan=False) + "\n")


LEDGER_COLUMNS = ("run", "component", "action", "count", "energy_pj", "busy_ps")


def write_ledger_csv(path: Path, ledgers: dict[str, list[dict]]) -> None:
    """One CSV of the ledger rows of several runs; column ``run`` names the run (e.g.
    ``cpu_multicore/hogwild/8``), then the ledger's own columns (energy in pJ, busy time in ps;
    a ``static`` action row is the component's static power times the run's duration)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(LEDGER_COLUMNS)
        for run, rows in ledgers.items():
            for r in rows:
                w.writerow([run, r["component"], r["action"], r["count"], repr(r["energy_pj"]),
                            r["busy_ps"]])
