"""Shared, versioned parameters with lock-free layer-wise updates, and the staleness they measure.

Every layer l of the shared model has a version counter ``version[l]``, 0 at the start and
+1 per update of that layer. A pass that reads layer l's parameters notes the version it saw
(``read``). An update of layer l computed from a forward pass that read version ``v_read`` is
applied on top of whatever the layer holds at that moment (version ``v_now``; lock-free, nothing
is lost or waited for) and records

    staleness = v_now - v_read     (>= 0; 0 when no other update of layer l came in between)

then sets ``version[l] = v_now + 1``. A sequential SGD run therefore has staleness 0 everywhere.
Updates are SGD with momentum (``sgd.sgd_update``) on the shared parameters and one shared
momentum buffer per layer, applied atomically at one instant of simulated time.
"""
from __future__ import annotations

import numpy as np

from .mlp import Mlp
from .sgd import new_momentum, sgd_update


class SharedParameters:
    """The shared model (a private copy of ``model``, an ``Mlp`` or a ``layers.Stack``), its
    momentum buffers and per-layer versions; each update appends (staleness, time_ps, thread)
    to that layer's records."""

    def __init__(self, model: Mlp, lr: float, momentum: float):
        self.model = model.copy()
        self.velocity = new_momentum(self.model.params)
        self.lr, self.momentum = float(lr), float(momentum)
        n = len(self.model.params)
        self.version = [0] * n
        self._staleness: list[list[int]] = [[] for _ in range(n)]
        self._time_ps: list[list[int]] = [[] for _ in range(n)]
        self._thread: list[list[int]] = [[] for _ in range(n)]

    @property
    def n_layers(self) -> int:
        return len(self.version)

    def read(self, layer: int) -> tuple[dict, int]:
        """Layer ``layer``'s parameter dict (the live arrays: use them before the next update)
        and its current version."""
        return self.model.params[layer], self.version[layer]

    def update(self, layer: int, grads: dict, version_read: int, time_ps: int,
               thread: int) -> int:
        """Apply one SGD-with-momentum step to ``layer`` now; return the recorded staleness."""
        staleness = self.version[layer] - version_read
        if staleness < 0:
            raise AssertionError(f"layer {layer}: read version {version_read} is ahead of the "
                                 f"current version {self.version[layer]}")
        sgd_update(self.model.params[layer], grads, self.velocity[layer], self.lr,
                   self.momentum)
        self.version[layer] += 1
        self._staleness[layer].append(staleness)
        self._time_ps[layer].append(int(time_ps))
        self._thread[layer].append(int(thread))
        return staleness

    def staleness(self) -> list[np.ndarray]:
        """Per layer, the staleness of every update in the order they were applied (int64)."""
        return [np.array(s, np.int64) for s in self._staleness]

    def update_times_ps(self) -> list[np.ndarray]:
        """Per layer, the simulated time (ps) of every update (int64)."""
        return [np.array(t, np.int64) for t in self._time_ps]

    def update_threads(self) -> list[np.ndarray]:
        """Per layer, the thread that applied every update (int64)."""
        return [np.array(t, np.int64) for t in self._thread]


def staleness_summary(values: np.ndarray) -> dict:
    """{'n', 'mean', 'max', 'histogram'} of staleness values; histogram[s] = number of updates
    with staleness s, for s = 0..max (empty input: n 0, mean None, max None, histogram [])."""
    values = np.asarray(values, np.int64)
    if values.size == 0:
        return {"n": 0, "mean": None, "max": None, "histogram": []}
    return {"n": int(values.size), "mean": float(values.mean()), "max": int(values.max()),
            "histogram": np.bincount(values).astype(int).tolist()}
