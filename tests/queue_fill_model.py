"""Compiled helpers that fill and drain an event queue quickly (for the big-queue tests)."""
import numpy as np

from eventsim.event_queue import queue_pop, queue_push
from eventsim.jit import kernel_jit
from eventsim.rng import rng_exponential


@kernel_jit
def fill_exponential(q, rng, n, mean_ps):
    """Push ``n`` events at Exp(mean_ps) times; return how many were refused."""
    refused = 0
    for i in range(n):
        if queue_push(q, np.int64(rng_exponential(rng, mean_ps)), 0, 0, i, i) < 0:
            refused += 1
    return refused


@kernel_jit
def fill_constant(q, n, t_ps):
    for i in range(n):
        queue_push(q, t_ps, 0, 0, i, i)


@kernel_jit
def drain_in_order(q, n):
    """Pop ``n`` events; return the number of order violations (time, then seq)."""
    bad = 0
    last_t, last_seq = np.int64(-1), np.int64(-1)
    for _ in range(n):
        t, priority, seq, kind, target, payload = queue_pop(q)
        if t < last_t or (t == last_t and seq < last_seq):
            bad += 1
        last_t, last_seq = t, seq
    return bad
