"""Conditions that stop the compiled kernel so a SimPy process can react at that exact time.

Two kinds of one-shot condition (a "watch"):
- an *event watch* fires after the kernel has handled an event of ``kind`` (for ``target``,
  or any target when target is -1);
- a *counter watch* fires after the event that brings ledger row ``row``'s count to at least
  ``threshold``.
The kernel checks active watches after each event (nothing when none is active) and returns
to Python when one fires.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from .jit import kernel_jit

FREE, ACTIVE, FIRED = 0, 1, 2
_N_ACTIVE = 0

WatchArrays = namedtuple("WatchArrays", ["state", "kind", "target", "row", "threshold",
                                         "fired_ps", "meta"])
WatchArrays.__doc__ = """Slots of one-shot conditions (see the module docstring)."""


def new_watches(capacity: int = 16) -> WatchArrays:
    """``capacity`` free watch slots."""
    return WatchArrays(np.zeros(capacity, np.int8), np.full(capacity, -1, np.int64),
                       np.full(capacity, -1, np.int64), np.full(capacity, -1, np.int64),
                       np.zeros(capacity, np.int64), np.full(capacity, -1, np.int64),
                       np.zeros(2, np.int64))


def _free_slot(w: WatchArrays) -> tuple[WatchArrays, int]:
    free = np.flatnonzero(w.state == FREE)
    if free.size:
        return w, int(free[0])
    n = w.state.shape[0]
    g = new_watches(2 * n)
    for a, b in zip(w, g):
        if a is w.meta:
            b[:] = a
        else:
            b[:n] = a
    return g, n


def add_event_watch(w: WatchArrays, kind: int, target: int = -1) -> tuple[WatchArrays, int]:
    """Activate a watch on events of ``kind`` (and ``target``, -1 = any); return (arrays, slot)."""
    w, i = _free_slot(w)
    w.state[i], w.kind[i], w.target[i], w.row[i], w.fired_ps[i] = ACTIVE, kind, target, -1, -1
    w.meta[_N_ACTIVE] += 1
    return w, i


def add_counter_watch(w: WatchArrays, row: int, threshold: int) -> tuple[WatchArrays, int]:
    """Activate a watch on ledger row ``row`` reaching ``threshold`` counts."""
    w, i = _free_slot(w)
    w.state[i], w.kind[i], w.target[i], w.row[i], w.threshold[i] = ACTIVE, -1, -1, row, threshold
    w.fired_ps[i] = -1
    w.meta[_N_ACTIVE] += 1
    return w, i


def take_fired(w: WatchArrays) -> list[tuple[int, int]]:
    """(slot, fired_ps) of every fired watch, freeing their slots."""
    slots = np.flatnonzero(w.state == FIRED)
    out = [(int(i), int(w.fired_ps[i])) for i in slots]
    w.state[slots] = FREE
    return out


def cancel(w: WatchArrays, slot: int) -> None:
    """Deactivate an active watch."""
    if w.state[slot] == ACTIVE:
        w.meta[_N_ACTIVE] -= 1
    w.state[slot] = FREE


@kernel_jit
def any_active(w):
    return w.meta[_N_ACTIVE] > 0


@kernel_jit
def check_watches(w, ledger_count, t_ps, kind, target):
    """Mark every active watch that the event just handled satisfies; True if any fired."""
    fired = False
    for i in range(w.state.shape[0]):
        if w.state[i] != ACTIVE:
            continue
        if w.row[i] >= 0:
            hit = ledger_count[w.row[i]] >= w.threshold[i]
        else:
            hit = w.kind[i] == kind and (w.target[i] < 0 or w.target[i] == target)
        if hit:
            w.state[i] = FIRED
            w.fired_ps[i] = t_ps
            w.meta[_N_ACTIVE] -= 1
            fired = True
    return fired
