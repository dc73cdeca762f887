"""The Pareto front of a set of points under several objectives, each minimised or maximised.

Point a *dominates* point b when a is at least as good as b in every objective and strictly
better in at least one. The front is the set of points no other point dominates. Points with
identical objective values do not dominate each other: all of them are on the front when one
is. Values are compared exactly, in the objectives' own units.
"""
from __future__ import annotations

import numpy as np

from eventsim.errors import ConfigError


def _as_costs(values, senses) -> np.ndarray:
    senses = list(senses)
    costs = np.asarray(values, dtype=float)
    if costs.size == 0:
        costs = costs.reshape(0, len(senses))
    if costs.ndim != 2:
        raise ConfigError(f"objective values must be a (points, objectives) table, got shape "
                          f"{costs.shape}")
    if costs.shape[1] != len(senses):
        raise ConfigError(f"{costs.shape[1]} objective columns but {len(senses)} senses "
                          f"{senses}")
    bad = [s for s in senses if s not in ("min", "max")]
    if bad:
        raise ConfigError(f"an objective sense must be 'min' or 'max', got {bad[0]!r}")
    if not np.isfinite(costs).all():
        raise ConfigError("objective values must be finite numbers (infeasible points do not "
                          "enter the front)")
    sign = np.array([1.0 if s == "min" else -1.0 for s in senses])
    return costs * sign


def pareto_mask(values, senses) -> np.ndarray:
    """A boolean array: True for each row of ``values`` (points x objectives) on the front;
    ``senses[j]`` is ``"min"`` or ``"max"`` for objective j. O(points^2 x objectives)."""
    costs = _as_costs(values, senses)
    n = costs.shape[0]
    on_front = np.ones(n, dtype=bool)
    for i in range(n):
        no_worse = (costs <= costs[i]).all(axis=1)
        better = (costs < costs[i]).any(axis=1)
        on_front[i] = not (no_worse & better).any()
    return on_front


def front_order(values, senses) -> np.ndarray:
    """Indices of the rows sorted best first by the first objective, ties by the next ones
    (the order in which a front is listed)."""
    costs = _as_costs(values, senses)
    if costs.shape[0] == 0:
        return np.zeros(0, dtype=int)
    return np.lexsort(costs.T[::-1])
