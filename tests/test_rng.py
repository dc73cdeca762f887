"""The kernel's random stream: xoshiro256** checked against a plain-Python reference."""
import math

import numpy as np
from hypothesis import given, strategies as st

from eventsim.rng import rng_below, rng_exponential, rng_next_u64, rng_uniform, seed_state

M = (1 << 64) - 1


def reference_xoshiro(s):
    """xoshiro256** as published (Blackman & Vigna), on Python ints."""
    s = [int(x) for x in s]

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M

    while True:
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        yield result


@given(st.integers(0, 2**64 - 1))
def test_stream_matches_the_reference_algorithm(seed):
    s = seed_state(seed)
    ref = reference_xoshiro(s.copy())
    assert [int(rng_next_u64(s)) for _ in range(8)] == [next(ref) for _ in range(8)]


def test_seeding_matches_splitmix64_reference_value():
    # SplitMix64 from 0: first output 0xE220A8397B1DCDAF (Vigna's reference splitmix64.c)
    assert int(seed_state(0)[0]) == 0xE220A8397B1DCDAF


def test_uniform_is_in_the_unit_interval():
    s = seed_state(1)
    u = np.array([rng_uniform(s) for _ in range(20_000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / u.size)


def test_exponential_has_the_requested_mean():
    s = seed_state(2)
    x = np.array([rng_exponential(s, 3.0) for _ in range(20_000)])
    assert x.min() >= 0 and abs(x.mean() - 3.0) < 4 * 3.0 / math.sqrt(x.size)


@given(st.integers(1, 10**6), st.integers(0, 1000))
def test_below_stays_in_range(n, seed):
    s = seed_state(seed)
    assert all(0 <= rng_below(s, n) < n for _ in range(20))


def test_same_seed_same_stream():
    a, b = seed_state(7), seed_state(7)
    assert [rng_next_u64(a) for _ in range(5)] == [rng_next_u64(b) for _ in range(5)]
