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
    cores[ptr[i]:ptr[i+1]], and the uncontended time (ps) until a packet's tail reaches each,
    its links serialising a packet in ``serialisation_ps[link]``."""
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
    cores = np.asarray(cores, np.int64).reshape(-1)
    if cores.size and (cores.min() < 0 or cores.max() >= ir.n_cores):
        bad = cores[(cores < 0) | (cores >= ir.n_cores)][0]
        raise ConfigError(f"core {bad} outside 0..{ir.n_cores - 1}")
    return cores


def _walk_args(ir, src_router, dst_ptr, dst_cores, ser_ps) -> tuple:
    return (ir.routing, ir.link_dst.astype(np.int64), ir.link_latency_ps.astype(np.int64),
            ser_ps, src_router, np.asarray(dst_ptr, np.int64), _cores(ir, dst_cores),
            ir.core_router.astype(np.int64), ir.n_links)


def _build(ir, src_router, dst_ptr, dst_cores, ser_ps, with_links):
    packed = ir.n_routers * (ir.n_links + 1) * (ir.n_cores + 1) < 2**62
    *out, bad = _trees(*_walk_args(ir, src_router, dst_ptr, dst_cores, ser_ps), with_links,
                       packed)
    if bad >= 0:
        raise ConfigError(f"no route from router {src_router[bad]} towards a destination")
    return out


@njit(cache=True)
def _trees(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores, core_router,
           n_links, with_links, packed):
    """The entries (indptr, router, link, core, tail) of every route (link entries only if
    ``with_links``) and -1, or the first route with a destination the routing function cannot
    reach. One pass counts each route's entries, another writes and sorts them (by (router,
    link, core); deliveries only: by core), by one packed key when ``packed``."""
    n = src_router.shape[0]
    n_routers, n_cores = rt.router_chip.shape[0], core_router.shape[0]
    marks = (np.full(n_links, -1, np.int64), np.full(n_routers, -1, np.int64),
             np.full(n_cores, -1, np.int64))
    router_tail = np.zeros(n_routers, np.int64)
    indptr = np.zeros(n + 1, np.int64)
    z = np.zeros(0, np.int64)
    for i in range(n):
        k = _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                           core_router, n_links, i, marks, router_tail, with_links,
                           (z, z, z, z), -1, z, 0)
        if k < 0:
            return indptr, z, z, z, z, i
        indptr[i + 1] = indptr[i] + k
    for mark in marks:
        mark[:] = -1
    m = indptr[n]
    out = (np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64),
           np.empty(m, np.int64))
    for i in range(n):
        _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                       core_router, n_links, i, marks, router_tail, with_links, out, indptr[i],
                       z, 0)
        _sort_route(out, indptr[i], indptr[i + 1], n_links, n_cores, packed, with_links)
    return indptr, out[0], out[1], out[2], out[3], -1


@njit(cache=True)
def _link_uses(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores, core_router,
               n_links, uses, link_uses):
    """link_uses[l] += uses[i] for every link l of every route i with uses."""
    marks = (np.full(n_links, -1, np.int64), np.full(rt.router_chip.shape[0], -1, np.int64),
             np.full(core_router.shape[0], -1, np.int64))
    router_tail = np.zeros(rt.router_chip.shape[0], np.int64)
    z = np.zeros(0, np.int64)
    for i in range(src_router.shape[0]):
        if uses[i] > 0:
            _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                           core_router, n_links, i, marks, router_tail, True, (z, z, z, z),
                           -1, link_uses, uses[i])


@njit(cache=True)
def _route_entries(rt, link_dst, latency_ps, ser_ps, src_router, dst_ptr, dst_cores,
                   core_router, n_links, i, marks, router_tail, with_links, out, at_k,
                   link_uses, link_weight):
    """Route i's entries (links only if ``with_links``), written into ``out`` = (router,
    link, core, tail) from position at_k on (at_k < 0: not written); each new link adds
    ``link_weight`` to link_uses[link] (if > 0). Returns how many entries (-1: a destination
    cannot be reached). marks = (link, router, core) arrays of the last route that met each."""
    link_seen, router_seen, core_seen = marks
    router, link, core, tail = out
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
                if with_links and link_seen[l] != i:
                    link_seen[l] = i
                    if link_weight > 0:
                        link_uses[l] += link_weight
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
def _sort_route(out, lo, hi, n_links, n_cores, packed, with_links):
    """Sort the entries lo:hi of ``out`` = (router, link, core, tail) by (router, link, core)
    (no two are equal): by one packed key, or by three stable sorts; deliveries only (not
    ``with_links``): by core."""
    router, link, core, _ = out
    if not with_links:
        by = np.argsort(core[lo:hi])
    elif packed:
        by = np.argsort((router[lo:hi] * (n_links + 1) + link[lo:hi] + 1) * (n_cores + 1)
                        + core[lo:hi] + 1)
    else:
        by = np.argsort(core[lo:hi], kind="mergesort")
        by = by[np.argsort(link[lo:hi][by], kind="mergesort")]
        by = by[np.argsort(router[lo:hi][by], kind="mergesort")]
    for a in out:
        a[lo:hi] = a[lo:hi][by]
