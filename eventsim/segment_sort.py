"""Sorting short segments of arrays in compiled code, in place: Shell's method with Ciura's
gaps (extended by x 2.25). Numba's own ``np.sort`` and ``np.argsort`` compile a generic
implementation per array type and kind, which measured about half of the mapping's cold
compile time; these few loops compile in a fraction of it. Not stable: callers sort keys that
are distinct (a key with its position packed in, or entries no two of which are equal).
"""
from __future__ import annotations

import numpy as np

from .jit import kernel_jit

_GAPS = np.array([1, 4, 10, 23, 57, 132, 301, 701, 1577, 3548, 7983, 17961, 40412, 90927,
                  204585, 460316, 1035711], np.int64)


@kernel_jit
def sort_segment(a, lo, hi):
    """Sort a[lo:hi] ascending, in place."""
    n = hi - lo
    for gi in range(_GAPS.shape[0] - 1, -1, -1):
        gap = _GAPS[gi]
        if gap >= n:
            continue
        for i in range(lo + gap, hi):
            v = a[i]
            j = i
            while j - lo >= gap and a[j - gap] > v:
                a[j] = a[j - gap]
                j -= gap
            a[j] = v


@kernel_jit
def order_segment(k1, k2, k3, lo, hi, by):
    """by[0:hi-lo] = the positions lo..hi-1 ordered by (k1, k2, k3) ascending (lexicographic;
    no two alike)."""
    n = hi - lo
    for q in range(n):
        by[q] = lo + q
    for gi in range(_GAPS.shape[0] - 1, -1, -1):
        gap = _GAPS[gi]
        if gap >= n:
            continue
        for i in range(gap, n):
            v = by[i]
            j = i
            while j >= gap and _after(k1, k2, k3, by[j - gap], v):
                by[j] = by[j - gap]
                j -= gap
            by[j] = v


@kernel_jit(inline="always")
def _after(k1, k2, k3, a, b):
    """True if entry a comes after entry b."""
    if k1[a] != k1[b]:
        return k1[a] > k1[b]
    if k2[a] != k2[b]:
        return k2[a] > k2[b]
    return k3[a] > k3[b]
