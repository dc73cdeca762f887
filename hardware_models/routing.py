"""Routes on a machine's network-on-chip: the path between two routers (following the
Machine IR's routing function, ``eventsim.next_hop``)
and multicast routing trees, built for many sources at once.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from eventsim.errors import ConfigError
from eventsim.machine_ir import MachineIR
from eventsim.next_hop import next_link, next_links
from eventsim.routing_ir import RouteTable


def distinct_keys(keys) -> np.ndarray:
    """The distinct values of the integer array ``keys``, ascending (``np.unique`` by sorting:
    NumPy 2.4's hash-based ``np.unique`` was measured 6x slower on the 250,000 (sender,
    destination core) keys of CUBA 4000 on SpiNNaker2: 30 ms against 5 ms)."""
    s = np.sort(np.asarray(keys).reshape(-1))
    keep = np.ones(s.shape[0], bool)
    keep[1:] = s[1:] != s[:-1]
    return s[keep]


def path_table(ir: MachineIR, src_routers, dst_routers) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """The paths (``ir.route``, following the routing function ``next_hop.next_link``) from src_routers[i] to dst_routers[i], all
    at once: (ptr, router, link) with the hops of path i in ptr[i]:ptr[i+1], each leaving
    ``router`` over ``link``, in path order."""
    src = np.asarray(src_routers, np.int64).reshape(-1)
    dst = np.asarray(dst_routers, np.int64).reshape(-1)
    hop_path, hop_router, hop_link, hop_index = [], [], [], []
    r, alive, hop = src.copy(), np.flatnonzero(src != dst), 0
    while alive.size:
        link = next_links(ir.routing, r[alive], dst[alive])
        if hop > ir.n_links or (link < 0).any():
            i = alive[np.argmax(link < 0)] if (link < 0).any() else alive[0]
            raise ConfigError(f"no route from router {src[i]} to {dst[i]}")
        hop_path.append(alive)
        hop_router.append(r[alive])
        hop_link.append(link)
        hop_index.append(np.full(alive.shape[0], hop))
        r[alive] = ir.link_dst[link]
        alive = alive[r[alive] != dst[alive]]
        hop += 1
    if not hop_path:
        z = np.zeros(0, np.int64)
        return np.zeros(src.shape[0] + 1, np.int64), z, z
    path, router, link, index = (np.concatenate(x) for x in (hop_path, hop_router, hop_link, hop_index))
    order = np.lexsort([index, path])
    ptr = np.concatenate([[0], np.cumsum(np.bincount(path, minlength=src.shape[0]))]).astype(np.int64)
    return ptr, router[order], link[order]


def multicast_route_table(ir: MachineIR, src_cores, dst_ptr, dst_cores) -> RouteTable:
    """Routing trees from src_cores[i] to the cores dst_cores[dst_ptr[i]:dst_ptr[i+1]]: each
    tree is the union of the paths (``ir.route``) from the source's router to each destination
    core's router, plus a delivery entry per destination core; the entries sorted by (router,
    link, core) within a route (``route_trees`` without the tails)."""
    return route_trees(ir, src_cores, dst_ptr, dst_cores, np.zeros(ir.n_links, np.int64))[0]


def route_trees(ir: MachineIR, src_cores, dst_ptr, dst_cores, serialisation_ps):
    """(``multicast_route_table``'s RouteTable, tail_ps per entry): the uncontended time (ps)
    until a packet's tail reaches each delivery entry's core (the path's hop latencies plus
    its last link's ``serialisation_ps[link]``: ``eventsim.noc_model.path_tail_ps``; 0 on the
    source's router), 0 for link entries. Built route by route in compiled code, in memory
    linear in the entries."""
    src_cores = np.asarray(src_cores, np.int64).reshape(-1)
    dst_ptr = np.asarray(dst_ptr, np.int64)
    dst_cores = np.asarray(dst_cores, np.int64).reshape(-1)
    for c in (src_cores, dst_cores):
        if c.size and (c.min() < 0 or c.max() >= ir.n_cores):
            bad = c[(c < 0) | (c >= ir.n_cores)][0]
            raise ConfigError(f"core {bad} outside 0..{ir.n_cores - 1}")
    core_router = ir.core_router.astype(np.int64)
    src_router = core_router[src_cores]
    indptr, router, link, core, tail, ok = _trees(
        ir.routing, ir.link_dst.astype(np.int64), ir.link_latency_ps.astype(np.int64),
        np.asarray(serialisation_ps, np.int64), src_router, dst_ptr, dst_cores, core_router,
        ir.n_links, ir.n_routers * (ir.n_links + 1) * (ir.n_cores + 1) < 2**62)
    if ok >= 0:
        raise ConfigError(f"no route from router {src_router[ok]} towards a destination")
    return RouteTable(indptr, router, link, core, src_router), tail


@njit(cache=True)
def _trees(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores, core_router,
           n_links, packed):
    """The entries of every route (see ``route_trees``) and -1, or the first route with a
    destination the routing function cannot reach. Two passes over the routes: one counts
    their entries, the other writes them. ``packed``: sort a route's entries by one packed
    int64 key (when they fit in one)."""
    n = src_router.shape[0]
    n_routers, n_cores = rt.router_chip.shape[0], core_router.shape[0]
    link_seen = np.full(n_links, -1, np.int64)
    router_seen = np.full(n_routers, -1, np.int64)
    core_seen = np.full(n_cores, -1, np.int64)
    router_tail = np.zeros(n_routers, np.int64)
    indptr = np.zeros(n + 1, np.int64)
    z = np.zeros(0, np.int64)
    for i in range(n):
        k = _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                           core_router, n_links, i, link_seen, router_seen, core_seen,
                           router_tail, z, z, z, z, -1)
        if k < 0:
            return indptr, z, z, z, z, i
        indptr[i + 1] = indptr[i] + k
    link_seen[:] = -1
    router_seen[:] = -1
    core_seen[:] = -1
    m = indptr[n]
    router, link = np.empty(m, np.int64), np.empty(m, np.int64)
    core, tail = np.empty(m, np.int64), np.empty(m, np.int64)
    for i in range(n):
        _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                       core_router, n_links, i, link_seen, router_seen, core_seen, router_tail,
                       router, link, core, tail, indptr[i])
        _sort_route(router, link, core, tail, indptr[i], indptr[i + 1], n_links, n_cores,
                    packed)
    return indptr, router, link, core, tail, -1


@njit(cache=True)
def _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                   core_router, n_links, i, link_seen, router_seen, core_seen, router_tail,
                   router, link, core, tail, at_k):
    """Route i's entries, written from position at_k on (at_k < 0: only counted); returns
    how many (-1: a destination cannot be reached). *_seen[x]: the last route that met x."""
    k = 0
    for j in range(dst_ptr[i], dst_ptr[i + 1]):
        d = dst_cores[j]
        goal = core_router[d]
        if router_seen[goal] != i:                    # walk the path to a new router
            router_seen[goal] = i
            at, t, last, hops = src_router[i], np.int64(0), -1, 0
            while at != goal:
                l = next_link(rt, at, goal)
                hops += 1
                if l < 0 or hops > n_links:
                    return -1
                if link_seen[l] != i:
                    link_seen[l] = i
                    if at_k >= 0:
                        router[at_k + k], link[at_k + k], core[at_k + k] = at, l, -1
                        tail[at_k + k] = 0
                    k += 1
                t += latency_ps[l]
                last = l
                at = link_dst[l]
            router_tail[goal] = t + (ser_ps[last] if last >= 0 else 0)
        if core_seen[d] != i:
            core_seen[d] = i
            if at_k >= 0:
                router[at_k + k], link[at_k + k], core[at_k + k] = goal, -1, d
                tail[at_k + k] = router_tail[goal]
            k += 1
    return k


@njit(cache=True)
def _sort_route(router, link, core, tail, lo, hi, n_links, n_cores, packed):
    """Sort entries lo:hi by (router, link, core) (no two are equal): by one packed key, or
    by three stable sorts."""
    if packed:
        by = np.argsort((router[lo:hi] * (n_links + 1) + link[lo:hi] + 1) * (n_cores + 1)
                        + core[lo:hi] + 1)
    else:
        by = np.argsort(core[lo:hi], kind="mergesort")
        by = by[np.argsort(link[lo:hi][by], kind="mergesort")]
        by = by[np.argsort(router[lo:hi][by], kind="mergesort")]
    for a in (router, link, core, tail):
        a[lo:hi] = a[lo:hi][by]
