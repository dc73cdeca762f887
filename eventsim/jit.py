"""The decorator for compiled code on the kernel's path: ``kernel_jit``.

It is ``numba.njit(cache=True, _nrt=False)``: compiled once, cached on disk, and compiled without
Numba's reference counting. The kernel context and hardware states are named tuples of many
arrays; in a function that passes them to another function on a conditional branch, Numba
increments and decrements the count of every one of those arrays on each call, which measured
about 1 us per call (the whole event budget). Without reference counting that cost is gone.
The price: a ``kernel_jit`` function may not create arrays (np.empty, slicing into a new
array object kept past the call); handlers never need to, their state is allocated from Python.
Handlers may use plain ``numba.njit`` too; ``kernel_jit`` is faster when they branch.
"""
from __future__ import annotations

from numba import njit


def kernel_jit(func=None, **options):
    """``numba.njit(cache=True, _nrt=False, **options)``; usable as ``@kernel_jit`` or
    ``@kernel_jit(inline="always")``."""
    decorate = njit(cache=True, _nrt=False, **options)
    return decorate if func is None else decorate(func)
