"""Sparse projections (CSR over pre neurons) with per-synapse weights and integer-picosecond
delays: from a dense matrix, from random connectivity, and magnitude pruning."""
from __future__ import annotations

import numpy as np

from eventsim.errors import ConfigError
from eventsim.workload_ir import Projection


def from_dense(name: str, pre: int, post: int, weights: np.ndarray, delay_ps=0,
               port: int = 0, source: int = 0) -> Projection:
    """A projection with a synapse for every non-zero of ``weights`` [n_pre, n_post]
    (zeros are absent synapses: they cost nothing). ``delay_ps``: one delay or one per entry;
    ``source``: which value of a graded pre spike it carries."""
    w = np.asarray(weights)
    if w.ndim != 2:
        raise ConfigError(f"projection {name!r}: weights must be 2-D [pre, post], got {w.shape}")
    rows, cols = np.nonzero(w)
    d = np.asarray(delay_ps, np.int64)
    delays = np.full(rows.shape[0], int(d)) if d.ndim == 0 else d[rows, cols]
    return _csr(name, pre, post, w.shape[0], rows, cols, w[rows, cols], delays, port, source)


def from_pairs(name: str, pre: int, post: int, n_pre: int, n_post: int, pre_index, post_index,
               weights, delays_ps, port: int = 0) -> Projection:
    """A projection with one synapse per (pre_index[s], post_index[s]) pair (indices within the
    pre and post populations), its weight and delay in ps (arrays, or one value for all):
    synapses drawn elsewhere, e.g. exported from another simulator."""
    rows, cols = np.asarray(pre_index, np.int64), np.asarray(post_index, np.int64)
    if rows.shape != cols.shape or rows.ndim != 1:
        raise ConfigError(f"projection {name!r}: pre_index and post_index must be 1-D of one "
                          f"length, got {rows.shape} and {cols.shape}")
    for what, idx, n in (("pre_index", rows, n_pre), ("post_index", cols, n_post)):
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ConfigError(f"projection {name!r}: {what} must be in [0, {n}), got "
                              f"[{idx.min()}, {idx.max()}]")
    delays = np.broadcast_to(np.asarray(delays_ps, np.int64), rows.shape)
    if delays.size and delays.min() < 0:
        raise ConfigError(f"projection {name!r}: delays_ps must be >= 0, got {delays.min()}")
    return _csr(name, pre, post, n_pre, rows, cols, np.broadcast_to(weights, rows.shape),
                delays, port)


def fixed_probability(name: str, pre: int, post: int, n_pre: int, n_post: int, p: float,
                      weight: float, rng: np.random.Generator, delay_ps: int = 0,
                      port: int = 0, allow_self: bool = True) -> Projection:
    """Each (pre, post) pair connected independently with probability ``p``, weight ``weight``
    (Brian2's ``connect(p=...)``). ``allow_self`` = False skips pre == post."""
    if not 0 <= p <= 1:
        raise ConfigError(f"projection {name!r}: p must be in [0, 1], got {p}")
    rows, cols = [], []
    for i in range(n_pre):
        c = np.flatnonzero(rng.random(n_post) < p)
        if not allow_self:
            c = c[c != i]
        rows.append(np.full(c.shape[0], i))
        cols.append(c)
    rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    return _csr(name, pre, post, n_pre, rows, cols, np.full(rows.shape[0], weight),
                np.full(rows.shape[0], delay_ps, np.int64), port)


def fixed_fanout(name: str, pre: int, post: int, n_pre: int, n_post: int, fanout: int,
                 weight: float, rng: np.random.Generator, delay_ps: int = 0,
                 port: int = 0) -> Projection:
    """Each pre neuron connects to ``fanout`` post neurons drawn uniformly with replacement (a
    repeated target is two synapses), weight ``weight``: memory-lean for large networks
    (12 bytes per synapse at most, 8 with one delay)."""
    if fanout < 0 or n_post < 1:
        raise ConfigError(f"projection {name!r}: need fanout >= 0 and n_post >= 1, got "
                          f"{fanout}, {n_post}")
    indices = rng.integers(0, n_post, size=n_pre * fanout, dtype=np.int32)
    indptr = np.arange(n_pre + 1, dtype=np.int64) * fanout
    return Projection(name, pre, post, indptr, indices, np.full(indices.shape[0], weight, np.float32),
                      delay_ps=delay_ps, port=port)


def prune_by_magnitude(weights: np.ndarray, sparsity: float) -> np.ndarray:
    """``weights`` with the smallest-magnitude fraction ``sparsity`` of entries set to zero."""
    if not 0 <= sparsity <= 1:
        raise ConfigError(f"sparsity must be in [0, 1], got {sparsity}")
    w = np.array(weights, copy=True)
    k = int(round(sparsity * w.size))
    if k:
        # the k smallest |w|, ties broken by flat index (as a stable sort would), in O(n)
        mag = np.abs(w).ravel()
        cut = np.partition(mag, k - 1)[k - 1]
        below = mag < cut
        at_cut = np.flatnonzero(mag == cut)[:k - int(np.count_nonzero(below))]
        flat = w.reshape(-1)
        flat[below] = 0
        flat[at_cut] = 0
    return w


def _csr(name, pre, post, n_pre, rows, cols, weights, delays, port, source=0) -> Projection:
    order = np.lexsort((cols, rows))
    counts = np.bincount(rows, minlength=n_pre)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Projection(name, pre, post, indptr, cols[order].astype(np.int32),
                      np.asarray(weights)[order].astype(np.float32),
                      delays_ps=np.asarray(delays, np.int64)[order], port=port,
                      bytes_per_synapse=12, source=source)
