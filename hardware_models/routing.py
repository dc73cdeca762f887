"""Which multicast route each spiking neuron's packets take, and the destination cores of each
route, as the mapping chooses them (``map_network``'s ``routing``):

- "population": one route per (core, pre population), to every core that holds a target of
  any of that population's neurons on the core (as on SpiNNaker, whose routing keys name a
  source core and population; a core that holds no synapse of the spiking neuron still
  receives and looks up the packet);
- "neuron": one route per distinct (core, destination cores) of a neuron, numbered by the
  first neuron that takes it.

Built in compiled code, in memory linear in the neurons and destination entries. The trees of
the routes are ``eventsim.multicast_trees``'.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from eventsim.segment_sort import sort_segment


def population_routes(core_of, pop_of, dest_ptr, dest_core, n_cores: int):
    """(route_of, n_dest, src_core, route_ptr, route_cores) of "population" routing: route_of[g]
    (-1: g has no synapse), the cores each of g's spikes reaches, each route's source core and
    its destination cores route_cores[route_ptr[r]:route_ptr[r+1]] (ascending). Routes are
    numbered by (core, population)."""
    core_of, pop_of = np.asarray(core_of, np.int64), np.asarray(pop_of, np.int64)
    n_pops = int(pop_of.max(initial=0)) + 1
    n_dest = np.diff(dest_ptr).astype(np.int64)
    senders = np.flatnonzero(n_dest)
    key = core_of[senders] * n_pops + pop_of[senders]
    keys = np.unique(key)
    route = np.searchsorted(keys, key)
    members = senders[np.argsort(route, kind="stable")]
    members_ptr = np.concatenate([[0], np.cumsum(np.bincount(route, minlength=keys.shape[0]))])
    route_ptr = np.zeros(keys.shape[0] + 1, np.int64)
    marks = np.full(n_cores, -1, np.int64)
    _route_sets(members_ptr, members, dest_ptr, dest_core, marks, route_ptr, dest_core[:0])
    route_cores = np.empty(int(route_ptr[-1]), dest_core.dtype)
    marks[:] = -1
    _route_sets(members_ptr, members, dest_ptr, dest_core, marks, route_ptr, route_cores)
    route_of = np.full(core_of.shape[0], -1, np.int64)
    route_of[senders] = route
    n_dest[senders] = np.diff(route_ptr)[route]
    return route_of, n_dest, keys // n_pops, route_ptr, route_cores


@njit(cache=True)
def _route_sets(members_ptr, members, dest_ptr, dest_core, marks, route_ptr, route_cores):
    """The distinct destination cores of each route's members: counted into route_ptr (when
    route_cores is empty), else written ascending into route_cores."""
    fill = route_cores.shape[0] > 0
    for r in range(members_ptr.shape[0] - 1):
        n = 0
        at = route_ptr[r]
        for m in range(members_ptr[r], members_ptr[r + 1]):
            g = members[m]
            for e in range(dest_ptr[g], dest_ptr[g + 1]):
                c = dest_core[e]
                if marks[c] != r:
                    marks[c] = r
                    if fill:
                        route_cores[at + n] = c
                    n += 1
        if fill:
            sort_segment(route_cores, at, at + n)
        else:
            route_ptr[r + 1] = route_ptr[r] + n


def neuron_routes(core_of, dest_ptr, dest_core):
    """(route_of, n_dest, src_core, route_ptr, route_cores) of "neuron" routing (see
    ``population_routes``): neurons of the same core with the same destination cores share a
    route, numbered by the first such neuron."""
    core_of = np.asarray(core_of, np.int64)
    n_dest = np.diff(dest_ptr).astype(np.int64)
    senders = np.flatnonzero(n_dest)
    rep = _first_alike(senders, core_of, dest_ptr, dest_core)
    is_first = rep == np.arange(senders.shape[0])
    rank = np.cumsum(is_first) - 1
    route_of = np.full(core_of.shape[0], -1, np.int64)
    route_of[senders] = rank[rep]
    firsts = senders[is_first]
    counts = n_dest[firsts]
    route_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    route_cores = np.empty(int(route_ptr[-1]), dest_core.dtype)
    _gather_rows(firsts, dest_ptr, dest_core, route_ptr, route_cores)
    return route_of, n_dest, core_of[firsts], route_ptr, route_cores


@njit(cache=True)
def _first_alike(senders, core_of, dest_ptr, dest_core):
    """For each sender i, the first sender (index into ``senders``) with its core and
    destination cores: senders sorted by a 64-bit hash of those, then compared exactly within
    runs of equal hashes."""
    n = senders.shape[0]
    h = np.empty(n, np.uint64)
    for i in range(n):
        g = senders[i]
        x = np.uint64(14695981039346656037) ^ np.uint64(core_of[g])
        for e in range(dest_ptr[g], dest_ptr[g + 1]):
            x = (x ^ np.uint64(dest_core[e])) * np.uint64(1099511628211)
        h[i] = x
    order = np.argsort(h, kind="mergesort")
    rep = np.empty(n, np.int64)
    i = 0
    while i < n:
        j = i
        while j < n and h[order[j]] == h[order[i]]:
            j += 1
        for a in range(i, j):                 # ascending senders within a run (stable sort)
            s = order[a]
            rep[s] = s
            for b in range(i, a):
                t = order[b]
                if rep[t] == t and _alike(senders[s], senders[t], core_of, dest_ptr, dest_core):
                    rep[s] = t
                    break
        i = j
    return rep


@njit(cache=True)
def _alike(g, f, core_of, dest_ptr, dest_core):
    if core_of[g] != core_of[f] or dest_ptr[g + 1] - dest_ptr[g] != dest_ptr[f + 1] - dest_ptr[f]:
        return False
    for k in range(dest_ptr[g + 1] - dest_ptr[g]):
        if dest_core[dest_ptr[g] + k] != dest_core[dest_ptr[f] + k]:
            return False
    return True


@njit(cache=True)
def _gather_rows(firsts, dest_ptr, dest_core, route_ptr, route_cores):
    for r in range(firsts.shape[0]):
        g = firsts[r]
        n = dest_ptr[g + 1] - dest_ptr[g]
        route_cores[route_ptr[r]:route_ptr[r] + n] = dest_core[dest_ptr[g]:dest_ptr[g] + n]
