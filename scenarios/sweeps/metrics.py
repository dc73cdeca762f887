"""The metrics a sweep keeps of a run: its result, flattened to dotted keys, without the bulk.

``flatten_metrics(result)`` keeps every scalar (number, string, boolean, None) reachable through
tables and through lists of tables, under a dotted key: ``{"dense": {"energy_per_token_j": x}}``
gives ``dense.energy_per_token_j``, the ``energy_j`` of the first entry of a list ``methods``
is ``methods.0.energy_j``. Dropped as bulk: lists of plain values (curves, histograms, time
series), lists of more than ``MAX_LIST_TABLES`` tables, and the run's bookkeeping that the
sweep records elsewhere (``RUN_BOOKKEEPING``: the resolved config, package versions, the
scenario description and the list of files; all of them stay in the run's ``result.json``).
Non-finite floats become None (as in ``result.json``). Values keep their units (the key says
which).
"""
from __future__ import annotations

import difflib

from scenarios.output import plain

RUN_BOOKKEEPING = ("config", "versions", "description", "files")
MAX_LIST_TABLES = 64
SCALARS = (bool, int, float, str, type(None))


def _walk(value, key: str, out: dict) -> None:
    if isinstance(value, SCALARS):
        out[key] = value
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk(v, f"{key}.{k}" if key else str(k), out)
    elif (isinstance(value, list) and value and len(value) <= MAX_LIST_TABLES
          and all(isinstance(v, dict) for v in value)):
        for i, v in enumerate(value):
            _walk(v, f"{key}.{i}", out)


def flatten_metrics(result: dict) -> dict:
    """The scalar metrics of a run's ``result`` under dotted keys (see the module docstring)."""
    out: dict = {}
    _walk({k: v for k, v in plain(result).items() if k not in RUN_BOOKKEEPING}, "", out)
    return out


def closest_keys(key: str, metrics: dict, n: int = 3) -> list[str]:
    """Up to ``n`` metric keys that look like ``key`` (for 'did you mean' messages)."""
    keys = list(metrics)
    near = difflib.get_close_matches(key, keys, n=n, cutoff=0.5)
    tail = key.rsplit(".", 1)[-1]
    near += [k for k in keys if k.rsplit(".", 1)[-1] == tail and k not in near]
    return near[:n]
