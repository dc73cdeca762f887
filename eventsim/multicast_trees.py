"""Multicast routing trees on a machine, built from its routing function (``next_hop``): the
tree of a route from a source router to some destination cores is the union of the paths
(``MachineIR.route``) from the source to each destination core's router, plus a delivery to
each destination core.

Each route's paths are walked once in compiled code, marking the links and routers the route
has met, so memory is linear in what is asked for:
- ``route_deliveries``: per route, its destination cores (ascending) and the uncontended time
  until a packet's tail reaches each (what the analytic NoC needs; no link is stored);
- ``route_table`` / ``multicast_route_table``: the whole trees as a ``RouteTable`` (what the
  packet NoC needs);
- ``route_link_uses``: how many packets cross each link, given each route's uses (what the
  analytic NoC charges after a run).
A tail latency is the path's hop latencies plus its last link's serialisation
(``noc_model.path_tail_ps``'s formula; 0 on the source's own router).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from .errors import ConfigError
from .machine_ir import MachineIR
from .next_hop import next_link
from .segment_sort import order_segment

RouteTable = namedtuple("RouteTable", ["indptr", "router", "link", "core", "src_router"])
RouteTable.__doc__ = """Multicast routing trees as CSR (int64 arrays): the entries of route i are
indptr[i]:indptr[i+1], each (router, link, core): at ``router`` the packet is copied onto
``link`` (core -1), or delivered to ``core`` (link -1); sorted by (router, link, core) within a
route. src_router[i]: the router where route i starts."""


def multicast_route_table(ir: MachineIR, src_cores, dst_ptr, dst_cores) -> RouteTable:
    """The trees from src_cores[i] to the cores dst_cores[dst_ptr[i]:dst_ptr[i+1]]: entries
    (router, link, core) sorted within a route (``RouteTable``)."""
    src_cores = _cores(ir, src_cores)
    return route_table(ir, ir.core_router.astype(np.int64)[src_cores], dst_ptr, dst_cores)


def route_table(ir: MachineIR, src_router, dst_ptr, dst_cores) -> RouteTable:
    """``multicast_route_table`` of routes starting at routers ``src_router``."""
    src_router = np.asarray(src_router, np.int64).reshape(-1)
    indptr, router, link, core, _ = _build(ir, src_router, dst_ptr, dst_cores,
                                           np.zeros(ir.n_links, np.int64), True)
    return RouteTable(indptr, router, link, core, src_router)


def route_deliveries(ir: MachineIR, src_router, dst_ptr, dst_cores, serialisation_ps):
    """(ptr, cores, tail_ps): the distinct destination cores of each route, ascending, at
    cores[ptr[i]:ptr[i+1]] (of dst_cores' dtype), and the uncontended time (ps) until a
    packet's tail reaches each (int32 where it fits), its links serialising a packet in
    ``serialisation_ps[link]``."""
    src_router = np.asarray(src_router, np.int64).reshape(-1)
    ptr, _, _, cores, tail = _build(ir, src_router, dst_ptr, dst_cores,
                                    np.asarray(serialisation_ps, np.int64), False)
    return ptr, cores, tail


def route_link_uses(ir: MachineIR, src_router, dst_ptr, dst_cores, uses) -> np.ndarray:
    """int64[L]: the packets crossing each link when route i (from src_router[i] to
    dst_cores[dst_ptr[i]:dst_ptr[i+1]]) carries uses[i] packets, each once over each link of
    its tree."""
    link_uses = np.zeros(ir.n_links, np.int64)
    if len(uses):
        _link_uses(*_walk_args(ir, np.asarray(src_router, np.int64).reshape(-1), dst_ptr,
                               dst_cores, np.zeros(ir.n_links, np.int64)),
                   np.asarray(uses, np.int64), link_uses)
    return link_uses


def _cores(ir: MachineIR, cores) -> np.ndarray:
    """``cores`` checked against the machine, as an integer array (its dtype kept)."""
    cores = np.asarray(cores).reshape(-1)
    if not np.issubdtype(cores.dtype, np.integer):
        cores = cores.astype(np.int64)
    if cores.size and (cores.min() < 0 or cores.max() >= ir.n_cores):
        bad = cores[(cores < 0) | (cores >= ir.n_cores)][0]
        raise ConfigError(f"core {bad} outside 0..{ir.n_cores - 1}")
    return cores


def _walk_args(ir, src_router, dst_ptr, dst_cores, ser_ps) -> tuple:
    return (ir.routing, ir.link_dst.astype(np.int64), ir.link_latency_ps.astype(np.int64),
            ser_ps, src_router, np.asarray(dst_ptr, np.int64), _cores(ir, dst_cores),
            ir.core_router.astype(np.int64), ir.n_links)


def _build(ir, src_router, dst_ptr, dst_cores, ser_ps, with_links):
    """(indptr, router, link, core, tail) of the routes: with links (the trees), router, link
    and core (int64), tail empty; without (the deliveries), router and link empty, core of
    the destinations' dtype and tail int32 where every path's tail fits. Without links, the
    tails of every (source, destination) router pair are kept in a table where it is small (at
    most PAIR_TABLE_MAX pairs, ``_pair_tails``), so no route walks a path."""
    args = _walk_args(ir, src_router, dst_ptr, dst_cores, ser_ps)
    longest_ps = ir.n_links * int(ir.link_latency_ps.max(initial=0)) + int(ser_ps.max(initial=0))
    types = (np.int64, np.int64, np.int64 if with_links else args[6].dtype,
             np.int64 if with_links or longest_ps >= 2**31 else np.int32)
    indptr = np.zeros(src_router.shape[0] + 1, np.int64)
    bad = _count(*args, with_links, indptr, tuple(np.empty(0, t) for t in types))
    m = int(indptr[-1])
    sizes = (m, m, m, 0) if with_links else (0, 0, m, m)
    out = tuple(np.empty(n, t) for n, t in zip(sizes, types))
    table = np.zeros((0, 0), np.int64)
    if bad < 0 and not with_links and ir.n_routers**2 <= PAIR_TABLE_MAX:
        table = np.full((ir.n_routers, ir.n_routers), -1, np.int64)
        _pair_tails(args[0], args[1], args[2], ser_ps, table)
    if bad < 0:
        bad = _fill(*args, with_links, indptr, out, table)
    if bad >= 0:
        raise ConfigError(f"no route from router {src_router[bad]} towards a destination")
    return (indptr, *out)


PAIR_TABLE_MAX = 1 << 24
"""The most (source, destination) router pairs whose tails ``route_deliveries`` tabulates
(128 MB); past it each route's paths are walked."""


@njit(cache=True)
def _pair_tails(rt, link_dst, latency_ps, ser_ps, table):
    """table[a, d] = the uncontended tail time (ps) from router a to router d, for every pair
    (``_path_tail``; -1 where the routing function does not reach d), found destination by
    destination: the path from a is a's first link followed by the path from that link's
    end, so each pair takes one step."""
    R = table.shape[0]
    hops = np.zeros(R, np.int64)          # latency sum from a router to d
    last = np.zeros(R, np.int64)          # the last link of that path
    known = np.full(R, -1, np.int64)      # d, once hops/last of a router are known for d
    chain = np.empty(R, np.int64)
    for d in range(R):
        known[d] = d
        hops[d] = 0
        table[d, d] = 0
        for a in range(R):
            n, at, reached = 0, a, True
            while known[at] != d:          # walk until a router whose path is known
                l = next_link(rt, at, d)
                if l < 0 or n >= R:
                    reached = False
                    break
                chain[n] = at
                n += 1
                at = link_dst[l]
            if not reached:
                continue
            for q in range(n - 1, -1, -1):    # then fill the chain backwards
                b = chain[q]
                l = next_link(rt, b, d)
                nxt = link_dst[l]
                hops[b] = latency_ps[l] + hops[nxt]
                last[b] = l if nxt == d else last[nxt]
                known[b] = d
                table[b, d] = hops[b] + ser_ps[last[b]]


@njit(cache=True)
def _count(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores, core_router,
           n_links, with_links, indptr, out):
    """indptr of the routes' entries (link entries only if ``with_links``); returns -1, or the
    first route with a destination the routing function cannot reach (found here only with
    links). ``out``: empty arrays of the types ``_fill`` writes (one compiled walk for both)."""
    marks, router_tail, z = _scratch(rt, core_router, n_links)
    table = np.full((0, 0), -1, np.int64)
    for i in range(src_router.shape[0]):
        k = _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                           core_router, n_links, i, marks, router_tail, with_links, out, -1,
                           z, 0, table)
        if k < 0:
            return i
        indptr[i + 1] = indptr[i] + k
    return -1


@njit(cache=True)
def _fill(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores, core_router,
          n_links, with_links, indptr, out, table):
    """Write the routes' entries into ``out`` = (router, link, core, tail) and sort each
    route's (by (router, link, core); deliveries only: by core); ``table``: the tails of
    every router pair (``_pair_tails``; empty: none).
    Returns -1, or the first route with a destination that cannot be reached."""
    marks, router_tail, z = _scratch(rt, core_router, n_links)
    for i in range(src_router.shape[0]):
        if _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                          core_router, n_links, i, marks, router_tail, with_links, out,
                          indptr[i], z, 0, table) < 0:
            return i
        _sort_route(out, indptr[i], indptr[i + 1], with_links)
    return -1


@njit(cache=True)
def _scratch(rt, core_router, n_links):
    """(link, router, core) marks, a tail per router, and an empty array."""
    n_routers = rt.router_chip.shape[0]
    marks = (np.full(n_links, -1, np.int64), np.full(n_routers, -1, np.int64),
             np.full(core_router.shape[0], -1, np.int64))
    return marks, np.zeros(n_routers, np.int64), np.zeros(0, np.int64)


@njit(cache=True)
def _link_uses(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores, core_router,
               n_links, uses, link_uses):
    """link_uses[l] += uses[i] for every link l of every route i with uses."""
    marks, router_tail, z = _scratch(rt, core_router, n_links)
    table = np.full((0, 0), -1, np.int64)
    for i in range(src_router.shape[0]):
        if uses[i] > 0:
            _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                           core_router, n_links, i, marks, router_tail, True, (z, z, z, z),
                           -1, link_uses, uses[i], table)


@njit(cache=True)
def _path_tail(rt, link_dst, latency_ps, ser_ps, at, goal, n_links):
    """The uncontended tail time (ps) from router ``at`` to ``goal``: hop latencies plus the
    last link's serialisation (0 if equal; -1 if the routing function cannot reach it)."""
    t, last, hops = np.int64(0), -1, 0
    while at != goal:
        l = next_link(rt, at, goal)
        hops += 1
        if l < 0 or hops > n_links:
            return -1
        t += latency_ps[l]
        last = l
        at = link_dst[l]
    return t + (ser_ps[last] if last >= 0 else 0)


@njit(cache=True)
def _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                   core_router, n_links, i, marks, router_tail, with_links, out, at_k,
                   link_uses, link_weight, table):
    """Route i's entries, written into ``out`` = (router, link, core, tail) from position at_k
    on (at_k < 0: not written): with links, (router, link, core) of each new link and each
    delivery; without, (core, tail) of each delivery (its tail from ``table`` or its path,
    not walked when nothing is written). Each new link adds ``link_weight`` to
    link_uses[link] (if > 0). Returns
    how many entries (-1: a destination cannot be reached). marks = (link, router, core)
    arrays of the last route that met each; ``table``: tails by router pair (empty: none)."""
    link_seen, router_seen, core_seen = marks
    router, link, core, tail = out
    src = src_router[i]
    k = 0
    for j in range(dst_ptr[i], dst_ptr[i + 1]):
        d = dst_cores[j]
        goal = core_router[d]
        if router_seen[goal] != i:                    # a router the route has not met
            router_seen[goal] = i
            if with_links:                            # walk its path, marking new links
                at, hops = src, 0
                while at != goal:
                    l = next_link(rt, at, goal)
                    hops += 1
                    if l < 0 or hops > n_links:
                        return -1
                    if link_seen[l] != i:
                        link_seen[l] = i
                        if link_weight > 0:
                            link_uses[l] += link_weight
                        if at_k >= 0:
                            router[at_k + k], link[at_k + k], core[at_k + k] = at, l, -1
                        k += 1
                    at = link_dst[l]
            elif at_k >= 0:                           # its tail only
                if table.shape[0]:
                    t = table[src, goal]
                else:
                    t = _path_tail(rt, link_dst, latency_ps, ser_ps, src, goal, n_links)
                if t < 0:
                    return -1
                router_tail[goal] = t
        if core_seen[d] != i:
            core_seen[d] = i
            if at_k >= 0:
                core[at_k + k] = d
                if with_links:
                    router[at_k + k], link[at_k + k] = goal, -1
                else:
                    tail[at_k + k] = router_tail[goal]
            k += 1
    return k


@njit(cache=True)
def _sort_route(out, lo, hi, with_links):
    """Sort the entries lo:hi of ``out`` = (router, link, core, tail) by (router, link, core)
    (no two are equal); deliveries only (not ``with_links``, with their tails): by core."""
    router, link, core, tail = out
    if not with_links and _ascending(core, lo, hi):
        return
    by = np.empty(hi - lo, np.int64)
    if with_links:
        order_segment(router, link, core, lo, hi, by)
    else:
        order_segment(core, core, core, lo, hi, by)
    scratch = np.empty(hi - lo, np.int64)
    _permute(core, lo, by, scratch)
    if with_links:
        _permute(router, lo, by, scratch)
        _permute(link, lo, by, scratch)
    else:
        _permute(tail, lo, by, scratch)


@njit(cache=True)
def _permute(a, lo, by, scratch):
    """a[lo + q] = a[by[q]] for every q (``scratch`` as long as ``by``)."""
    for q in range(by.shape[0]):
        scratch[q] = a[by[q]]
    for q in range(by.shape[0]):
        a[lo + q] = scratch[q]


@njit(cache=True)
def _ascending(a, lo, hi):
    for j in range(lo + 1, hi):
        if a[j] < a[j - 1]:
            return False
    return True
