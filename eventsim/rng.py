"""A deterministic random-number stream for compiled handlers: xoshiro256** (Blackman & Vigna 2018).

Each kernel owns one stream, a ``uint64[4]`` state array seeded from one integer seed by
SplitMix64, so a run is reproducible bit for bit from its seed and independent of any other
random state in the process (numpy's, Numba's, Python's).
"""
from __future__ import annotations

import numpy as np
from .jit import kernel_jit

_U64_MASK = (1 << 64) - 1


def seed_state(seed: int) -> np.ndarray:
    """The uint64[4] xoshiro256** state for integer ``seed`` (expanded with SplitMix64)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    x = int(seed) & _U64_MASK
    out = []
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & _U64_MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _U64_MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _U64_MASK
        out.append(z ^ (z >> 31))
    return np.array(out, dtype=np.uint64)


@kernel_jit(inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@kernel_jit
def rng_next_u64(s):
    """Next 64 random bits from state ``s`` (uint64[4], advanced in place)."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@kernel_jit
def rng_uniform(s):
    """A float64 uniform on [0, 1) with 53 random bits."""
    return np.float64(rng_next_u64(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@kernel_jit
def rng_exponential(s, mean):
    """An exponential variate with the given mean (same unit as ``mean``)."""
    return -mean * np.log1p(-rng_uniform(s))


@kernel_jit
def rng_below(s, n):
    """An int64 uniform on 0..n-1 (1 <= n <= 2**53), exactly unbiased: masked rejection sampling
    (fewer than 2 draws on average, no division)."""
    un = np.uint64(n - 1)
    mask = un
    mask |= mask >> np.uint64(1)
    mask |= mask >> np.uint64(2)
    mask |= mask >> np.uint64(4)
    mask |= mask >> np.uint64(8)
    mask |= mask >> np.uint64(16)
    mask |= mask >> np.uint64(32)
    while True:
        x = rng_next_u64(s) >> np.uint64(11) & mask
        if x <= un:
            return np.int64(x)
