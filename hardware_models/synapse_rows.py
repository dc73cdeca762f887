"""A workload's synapse rows on a placed machine: each pre neuron's synapses ordered by (post
core, post neuron), and each pre neuron's destination cores with the range of its row there.

Built in compiled code, pre neuron by pre neuron, in memory linear in the synapses: beyond
the outputs, one 4-byte post id per synapse of scratch (8 bytes past 2^31 neurons). Indices are
int32 where they fit (synapses, neurons and cores below 2^31), else int64.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from eventsim.segment_sort import order_segment, sort_segment
from eventsim.workload_ir import WorkloadIR


def index_dtype(n: int):
    """int32 if every index below ``n`` fits in it, else int64."""
    return np.int32 if n < 2**31 else np.int64


def synapse_rows(w: WorkloadIR, core_of) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, syn_ptr, syn_post): order[j] is the synapse (index into the projections'
    synapses, concatenated in projection order) at row position j; the row of pre neuron g is
    syn_ptr[g]:syn_ptr[g+1] (int64), sorted by (core_of[post], post), ties in their given
    order; syn_post[j] its post neuron (int32)."""
    N, off = w.n_neurons, w.offsets
    S = sum(pr.n_synapses for pr in w.projections)
    post = np.empty(S, index_dtype(N))
    first, last, base = _row_ranges(w)
    for pr, b in zip(w.projections, base):
        post[b:b + pr.n_synapses] = np.asarray(pr.indices) + off[pr.post]
    syn_ptr = np.concatenate([[0], np.cumsum((last - first).sum(axis=1))]).astype(np.int64)
    order = np.empty(S, index_dtype(S))
    syn_post = np.empty(S, np.int32)
    longest = int(np.diff(syn_ptr).max(initial=1))
    C = int(np.max(core_of, initial=0)) + 1
    _rows(first, last, post, np.asarray(core_of, np.int64), syn_ptr, order, syn_post,
          C * N * longest < 2**62)
    return order, syn_ptr, syn_post


def _row_ranges(w: WorkloadIR):
    """first[g, k], last[g, k]: the synapses (concatenated indices) of pre neuron g in the
    k-th projection leaving its population (empty ranges past the last); base[j]: where
    projection j's synapses begin."""
    off = w.offsets
    base = np.concatenate([[0], np.cumsum([pr.n_synapses for pr in w.projections])]).astype(np.int64)
    out_of = [[j for j, pr in enumerate(w.projections) if pr.pre == p]
              for p in range(len(w.populations))]
    K = max([len(js) for js in out_of] + [1])
    first = np.zeros((w.n_neurons, K), np.int64)
    last = np.zeros((w.n_neurons, K), np.int64)
    for p, js in enumerate(out_of):
        for k, j in enumerate(js):
            indptr = np.asarray(w.projections[j].indptr, np.int64)
            first[off[p]:off[p + 1], k] = base[j] + indptr[:-1]
            last[off[p]:off[p + 1], k] = base[j] + indptr[1:]
    return first, last, base[:-1]


@njit(cache=True)
def _rows(first, last, post, core_of, syn_ptr, order, syn_post, packed):
    """Fill order and syn_post row by row (see ``synapse_rows``): each row sorted by one
    packed value (key x row length + position, when ``packed``: it fits in int64), else by
    (key, position)."""
    N, K = first.shape
    longest = 1
    for g in range(N):
        longest = max(longest, syn_ptr[g + 1] - syn_ptr[g])
    idx = np.empty(longest, np.int64)
    key = np.empty(longest, np.int64)
    by = np.empty(longest, np.int64)
    for g in range(N):
        m = 0
        for k in range(K):
            for s in range(first[g, k], last[g, k]):
                idx[m] = s
                key[m] = core_of[post[s]] * N + post[s]
                m += 1
        at = syn_ptr[g]
        if packed:
            for q in range(m):
                key[q] = key[q] * longest + q
            sort_segment(key, 0, m)
            for q in range(m):
                s = idx[key[q] % longest]
                order[at + q] = s
                syn_post[at + q] = post[s]
        else:
            order_segment(key, idx, idx, 0, m, by)
            for q in range(m):
                s = idx[by[q]]
                order[at + q] = s
                syn_post[at + q] = post[s]


def destinations(core_of, syn_ptr, syn_post):
    """(dest_ptr, dest_core, dest_hi): for each pre neuron g, its destination cores
    dest_core[dest_ptr[g]:dest_ptr[g+1]] (ascending) and where its synapses on each end in its
    row (rows sorted by post core; they begin where the previous core's end, or at
    syn_ptr[g]). dest_ptr int64; the others int32 where they fit."""
    core_of = np.asarray(core_of, np.int64)
    N = core_of.shape[0]
    dest_ptr = np.zeros(N + 1, np.int64)
    _count_destinations(core_of, syn_ptr, syn_post, dest_ptr)
    E = int(dest_ptr[-1])
    pos = index_dtype(int(syn_ptr[-1]) + 1)
    dest_core = np.empty(E, index_dtype(int(core_of.max(initial=0)) + 1))
    dest_hi = np.empty(E, pos)
    _fill_destinations(core_of, syn_ptr, syn_post, dest_ptr, dest_core, dest_hi)
    return dest_ptr, dest_core, dest_hi


@njit(cache=True)
def _count_destinations(core_of, syn_ptr, syn_post, dest_ptr):
    for g in range(core_of.shape[0]):
        n = 0
        for j in range(syn_ptr[g], syn_ptr[g + 1]):
            if j == syn_ptr[g] or core_of[syn_post[j]] != core_of[syn_post[j - 1]]:
                n += 1
        dest_ptr[g + 1] = dest_ptr[g] + n


@njit(cache=True)
def _fill_destinations(core_of, syn_ptr, syn_post, dest_ptr, dest_core, dest_hi):
    for g in range(core_of.shape[0]):
        e = dest_ptr[g] - 1
        for j in range(syn_ptr[g], syn_ptr[g + 1]):
            c = core_of[syn_post[j]]
            if j == syn_ptr[g] or c != core_of[syn_post[j - 1]]:
                e += 1
                dest_core[e] = c
            dest_hi[e] = j + 1


def tree_positions(route_of, dest_ptr, dest_core, tree_dest_ptr, tree_dest_core,
                   multicast: bool) -> np.ndarray:
    """For each destination entry e of neuron g, the position of dest_core[e] among the
    (ascending) destination cores of g's multicast route (0 without multicast), by bisection;
    int32 where it fits. AssertionError if a core is missing from its route."""
    E = dest_core.shape[0]
    longest = int(np.diff(tree_dest_ptr).max(initial=0))
    pos = np.zeros(E, index_dtype(longest + 1))
    if multicast and E:
        if not _positions(np.asarray(route_of, np.int64), dest_ptr, dest_core, tree_dest_ptr,
                          tree_dest_core, pos):
            raise AssertionError("a destination core is missing from its neuron's multicast route")
    return pos


@njit(cache=True)
def _positions(route_of, dest_ptr, dest_core, tree_ptr, tree_core, pos):
    for g in range(route_of.shape[0]):
        r = route_of[g]
        if r < 0:
            continue
        lo, hi = tree_ptr[r], tree_ptr[r + 1]
        for e in range(dest_ptr[g], dest_ptr[g + 1]):
            at = lo + np.searchsorted(tree_core[lo:hi], dest_core[e])
            if at >= hi or tree_core[at] != dest_core[e]:
                return False
            pos[e] = at - lo
    return True
