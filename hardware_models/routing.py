"""Routes on a machine's network-on-chip: the path between two routers (following the
Machine IR's routing function, ``eventsim.next_hop``)
and multicast routing trees, built for many sources at once.
"""
from __future__ import annotations

import numpy as np

from eventsim.errors import ConfigError
from eventsim.machine_ir import MachineIR
from eventsim.next_hop import next_links
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
    """Routing trees from src_cores[i] to the cores dst_cores[dst_ptr[i]:dst_ptr[i+1]], built
    at once: each tree is the union of the paths (``ir.route``) from the source's router to each
    destination core's router, plus a delivery entry per destination core; the same entries,
    sorted by (router, link, core) within a route."""
    src_cores = np.asarray(src_cores, np.int64).reshape(-1)
    dst_ptr = np.asarray(dst_ptr, np.int64)
    dst_cores = np.asarray(dst_cores, np.int64).reshape(-1)
    for c in (src_cores, dst_cores):
        if c.size and (c.min() < 0 or c.max() >= ir.n_cores):
            bad = c[(c < 0) | (c >= ir.n_cores)][0]
            raise ConfigError(f"core {bad} outside 0..{ir.n_cores - 1}")
    n = src_cores.shape[0]
    R = ir.n_routers
    src_router = ir.core_router[src_cores].astype(np.int64)
    route = np.repeat(np.arange(n), np.diff(dst_ptr))
    dst_router = ir.core_router[dst_cores].astype(np.int64)
    # one path per (route, destination router); paths computed once per router pair
    legs = distinct_keys(route * R + dst_router)
    leg_route, leg_dst = legs // R, legs % R
    pairs, pair_of_leg = np.unique(src_router[leg_route] * R + leg_dst, return_inverse=True)
    ptr, hop_router, hop_link = path_table(ir, pairs // R, pairs % R)
    pair_of_leg = pair_of_leg.reshape(-1)
    hops = np.diff(ptr)[pair_of_leg]
    first = np.repeat(ptr[pair_of_leg], hops)
    hop = first + np.arange(hops.sum()) - np.repeat(np.cumsum(hops) - hops, hops)
    entries = [np.concatenate(x) for x in (
        (route, np.repeat(leg_route, hops)),
        (dst_router, hop_router[hop]),
        (np.full(route.shape[0], -1), hop_link[hop]),
        (dst_cores, np.full(hop.shape[0], -1)))]
    e_route, e_router, e_link, e_core = _distinct_entries(*entries, n, R, ir.n_links, ir.n_cores)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(e_route, minlength=n))])
    return RouteTable(indptr.astype(np.int64), e_router, e_link, e_core, src_router)


def _distinct_entries(route, router, link, core, n_routes, n_routers, n_links, n_cores):
    """The distinct (route, router, link, core) entries (link, core: -1 for none), sorted by
    them in that order: one sort of the four packed into an int64 where they fit (measured 4x
    faster than ``np.lexsort`` on the 91,181 entries of CUBA 4000 on SpiNNaker2), else
    ``np.lexsort``."""
    L, C = n_links + 1, n_cores + 1
    if n_routes * n_routers * L * C < 2**62:
        key = distinct_keys(((route * n_routers + router) * L + link + 1) * C + core + 1)
        rest, core = np.divmod(key, C)
        rest, link = np.divmod(rest, L)
        route, router = np.divmod(rest, n_routers)
        return route, router, link - 1, core - 1
    order = np.lexsort([core, link, router, route])
    route, router, link, core = (np.asarray(x, np.int64)[order]
                                 for x in (route, router, link, core))
    keep = np.ones(order.shape[0], bool)
    keep[1:] = ((route[1:] != route[:-1]) | (router[1:] != router[:-1])
                | (link[1:] != link[:-1]) | (core[1:] != core[:-1]))
    return route[keep], router[keep], link[keep], core[keep]
