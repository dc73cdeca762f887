"""A plain binary heap over the same 32-byte event records: the peer the event queue is
measured against (benchmarks only; not part of eventsim)."""
from __future__ import annotations

import numpy as np

from eventsim.jit import kernel_jit


def new_heap(capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """(records int64[capacity, 4]: time, key, kind << 32 | target, payload; meta [size, seq])."""
    return np.empty((capacity, 4), np.int64), np.zeros(2, np.int64)


@kernel_jit
def heap_push(h, meta, t, priority, kind, target, payload):
    seq = meta[1]
    meta[1] = seq + 1
    k = (np.int64(priority + 64) << 40) | seq
    kt = (np.int64(kind) << 32) | (np.int64(target) & 0xFFFFFFFF)
    i = meta[0]
    while i > 0:
        parent = (i - 1) >> 1
        if h[parent, 0] < t or (h[parent, 0] == t and h[parent, 1] < k):
            break
        h[i, 0] = h[parent, 0]
        h[i, 1] = h[parent, 1]
        h[i, 2] = h[parent, 2]
        h[i, 3] = h[parent, 3]
        i = parent
    h[i, 0] = t
    h[i, 1] = k
    h[i, 2] = kt
    h[i, 3] = payload
    meta[0] += 1
    return seq


@kernel_jit
def heap_pop(h, meta):
    t0, k0, kt0, p0 = h[0, 0], h[0, 1], h[0, 2], h[0, 3]
    n = meta[0] - 1
    meta[0] = n
    t, k = h[n, 0], h[n, 1]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and (h[c + 1, 0] < h[c, 0] or (h[c + 1, 0] == h[c, 0] and h[c + 1, 1] < h[c, 1])):
            c += 1
        if not (h[c, 0] < t or (h[c, 0] == t and h[c, 1] < k)):
            break
        h[i, 0] = h[c, 0]
        h[i, 1] = h[c, 1]
        h[i, 2] = h[c, 2]
        h[i, 3] = h[c, 3]
        i = c
    h[i, 0] = t
    h[i, 1] = k
    h[i, 2] = h[n, 2]
    h[i, 3] = h[n, 3]
    return t0, np.int32(kt0 >> 32), np.int32(kt0 & 0xFFFFFFFF), p0
