"""Mapping a workload onto a machine once, for many runs: synapse rows by core, destinations,
multicast routes.

A run on a machine needs, besides the placement, products that depend only on the workload's
connectivity, the machine and the placement: each neuron's synapses ordered by the core that
holds them, its destination cores, the NoC's multicast routing trees and their
uncontended tail latencies. Real toolchains build these once (sPyNNaker maps, then runs);
``map_network`` does the same, and ``simulate(..., mapping=m)`` reuses them:

    m = map_network(workload, machine_ir, placement)            # once
    for seed in range(10):
        simulate(workload, dt_s, n_steps, machine=machine_ir, placement=placement, mapping=m)

``simulate`` maps by itself when no mapping is given (it asks the placement,
``Placement.map``, which calls ``map_network``), so results are identical either way. What
the engine reads of a mapping is the routing IR, ``eventsim.routing_ir.Mapping``.
A mapping holds the connectivity (which synapse goes where), not the synapse values: weights,
delays, ports and sources are read from the workload at each run, so a mapping stays valid when
they change. A mapping is refused (``ConfigError``) for another machine object, another
placement, another connectivity, routing or packet size.
"""
from __future__ import annotations

import numpy as np

from eventsim.errors import ConfigError
from eventsim.machine_ir import MachineIR
from eventsim.noc_model import packet_flits, serialisation_ps
from eventsim.multicast_trees import route_deliveries
from eventsim.routing_ir import ROUTINGS, Mapping, connectivity_of, placed_cores
from eventsim.synapse_storage import offchip_flags
from eventsim.workload_ir import WorkloadIR

from .routing import distinct_keys


def map_network(workload: WorkloadIR, machine: MachineIR, placement, *,
                routing: str = "population", spike_bytes: int = 4) -> Mapping:
    """Map ``workload`` onto ``machine`` with ``placement`` (``core_of_neuron``): synapse rows
    by core, destinations and multicast routes (``routing`` = "population": one tree per (core,
    pre population) to every core holding a target of any of that population's neurons on the
    core, as on SpiNNaker; "neuron": one tree per neuron to exactly its destination cores),
    with tail latencies of ``spike_bytes`` packets. See ``Mapping``."""
    if routing not in ROUTINGS:
        raise ConfigError(f"routing must be 'population' or 'neuron', got {routing!r}")
    if isinstance(spike_bytes, bool) or not isinstance(spike_bytes, (int, np.integer)) \
            or spike_bytes < 0:
        raise ConfigError(f"spike_bytes must be an int >= 0, got {spike_bytes!r}")
    core_of = placed_cores(workload, machine, placement)
    pre, post = _pre_post(workload)
    order = _row_order(pre, post, core_of, machine.n_cores)
    syn_ptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=workload.n_neurons))])
    syn_post = post[order].astype(np.int32)
    syn_ptr = syn_ptr.astype(np.int64, copy=False)
    dest = destinations(core_of, syn_ptr, syn_post)
    flits = int(packet_flits(int(spike_bytes), int(machine.flit_bytes)))
    ser = serialisation_ps(flits, machine.flit_bytes,
                           machine.link_ps_per_byte.astype(np.float64)).astype(np.int64)
    route_of, n_dest, src_router, route_ptr, route_cores = _routes(
        machine, core_of, workload.population_of(), dest[0], dest[1], routing)
    tree = route_deliveries(machine, src_router, route_ptr, route_cores, ser)
    pos = _tree_positions(machine, route_of, dest[0], dest[1], tree[0], tree[1])
    return Mapping(machine, core_of.copy(), routing, int(spike_bytes), connectivity_of(workload),
                   order.astype(np.int64, copy=False), syn_ptr, syn_post, *dest, route_of,
                   n_dest, src_router, *tree, pos, _storage(workload, machine, placement))


def _storage(workload, machine, placement) -> tuple:
    """Per projection, whether its rows are off-chip: as the placement resolved them, or (a
    placement that does not say) "offchip" projections only."""
    flags = getattr(placement, "synapse_offchip", None)
    if not flags:
        return offchip_flags(workload, machine, auto_offchip=False)
    if len(flags) != len(workload.projections):
        raise ConfigError(f"the placement resolves the storage of {len(flags)} projections, "
                          f"the workload has {len(workload.projections)}")
    return tuple(bool(f) for f in flags)


def _tree_positions(ir, route_of, dest_ptr, dest_core, tree_dest_ptr, tree_dest_core):
    """For each destination entry e of neuron g, the position of dest_core[e] among the
    (ascending) destination cores of g's multicast route (0 without multicast): looked up in a
    (route, core) table where that is small, else found by bisection (the same positions)."""
    if not ir.multicast or not dest_core.size:
        return np.zeros(dest_core.shape[0], np.int64)
    route = np.repeat(route_of, np.diff(dest_ptr))
    tree_route = np.repeat(np.arange(tree_dest_ptr.shape[0] - 1), np.diff(tree_dest_ptr))
    tree_pos = np.arange(tree_dest_core.shape[0]) - tree_dest_ptr[tree_route]
    by_table = (tree_dest_ptr.shape[0] - 1) * ir.n_cores <= 4 * dest_core.shape[0]
    find = _positions_by_table if by_table else _positions_by_search
    pos = find(ir.n_cores, route, dest_core, tree_route, tree_dest_core, tree_pos)
    if (pos < 0).any():
        raise AssertionError("a destination core is missing from its neuron's multicast route")
    return pos


def _positions_by_table(n_cores, route, core, tree_route, tree_core, tree_pos):
    """tree_pos of the tree entry (route[i], core[i]) for each i (-1: none), from a dense
    (route, core) table."""
    table = np.full((int(tree_route.max(initial=-1)) + 1, n_cores), -1, np.int64)
    table[tree_route, tree_core] = tree_pos
    return table[route, core] if table.shape[0] else np.full(route.shape[0], -1, np.int64)


def _positions_by_search(n_cores, route, core, tree_route, tree_core, tree_pos):
    """``_positions_by_table`` by bisection in the tree entries (sorted by route, then core)."""
    keys = tree_route * n_cores + tree_core
    at = np.minimum(np.searchsorted(keys, route * n_cores + core), keys.shape[0] - 1)
    return np.where(keys[at] == route * n_cores + core, tree_pos[at], -1)


def _row_order(pre, post, core_of, n_cores: int) -> np.ndarray:
    """The permutation that sorts synapses by (pre neuron, post core, post neuron), ties in
    their given order: the sorted values of that key with each synapse's index appended, when
    they fit in int64 (sorting values was measured 5x faster than a stable argsort: 3 vs 17 ms
    for CUBA 4000's 320,989 synapses); else one stable sort of the key, or ``np.lexsort``."""
    N, n = core_of.shape[0], pre.shape[0]
    bound = N * max(n_cores, 1) * N
    if bound < 2**62:
        key = (pre * n_cores + core_of[post]) * N + post
        if bound * max(n, 1) < 2**62:
            return np.sort(key * n + np.arange(n)) % n
        return np.argsort(key, kind="stable")
    return np.lexsort([post, core_of[post], pre])


def _pre_post(w: WorkloadIR) -> tuple[np.ndarray, np.ndarray]:
    """Global pre and post neuron of every synapse, projections concatenated in order."""
    off = w.offsets
    pre = [np.repeat(np.arange(pr.indptr.shape[0] - 1), np.diff(pr.indptr)) + off[pr.pre]
           for pr in w.projections]
    post = [np.asarray(pr.indices, np.int64) + off[pr.post] for pr in w.projections]
    if not pre:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pre).astype(np.int64), np.concatenate(post)


def destinations(core_of, syn_ptr, syn_post):
    """For each pre neuron g, its destination cores dest_core[dest_ptr[g]:dest_ptr[g+1]]
    (ascending) and the range dest_lo:dest_hi of its synapses on each (rows sorted by post
    core)."""
    N = core_of.shape[0]
    pre = np.repeat(np.arange(N), np.diff(syn_ptr))
    post_core = core_of[syn_post]
    new_run = np.ones(pre.shape[0], bool)
    new_run[1:] = (pre[1:] != pre[:-1]) | (post_core[1:] != post_core[:-1])
    lo = np.flatnonzero(new_run)
    hi = np.append(lo[1:], pre.shape[0])
    dest_ptr = np.concatenate([[0], np.cumsum(np.bincount(pre[lo], minlength=N))]).astype(np.int64)
    return (dest_ptr, post_core[lo].astype(np.int64, copy=False), lo.astype(np.int64, copy=False),
            hi.astype(np.int64, copy=False))


def _routes(ir: MachineIR, core_of, pop_of, dest_ptr, dest_core, routing):
    """A multicast route per sender, its number of destination cores, and each route's source
    router and destination cores (ptr, cores: ascending within a route).
    "population": one tree per (core, pre population) to every core holding a target of any
    of that population's neurons on the core (a core that holds no synapse of the spiking
    neuron still receives and looks up the packet); "neuron": one tree per distinct (core,
    destination cores) of a neuron. Without multicast: one unicast packet per destination."""
    N = core_of.shape[0]
    route_of = np.full(N, -1, np.int64)
    n_dest = np.diff(dest_ptr).astype(np.int64)
    senders = np.flatnonzero(n_dest)
    if not ir.multicast:
        route_of[senders] = 0
        return route_of, n_dest, np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int64)
    if routing == "neuron":
        # one tree per distinct (source core, destination cores), numbered by first sender
        keys = {}
        for g in senders.tolist():
            key = (int(core_of[g]), dest_core[dest_ptr[g]:dest_ptr[g + 1]].tobytes())
            route_of[g] = keys.setdefault(key, len(keys))
        first = np.unique(route_of[senders], return_index=True)[1]
        firsts = senders[first]
        counts = n_dest[firsts]
        idx = np.concatenate([np.arange(dest_ptr[g], dest_ptr[g + 1]) for g in firsts.tolist()]
                             or [np.zeros(0, np.int64)])
        return (route_of, n_dest, ir.core_router[core_of[firsts]].astype(np.int64),
                np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), dest_core[idx])
    n_pops = int(pop_of.max()) + 1
    pre = np.repeat(np.arange(N), n_dest)
    key = core_of[pre] * n_pops + pop_of[pre]               # (source core, pre population)
    C = int(ir.n_cores)
    pairs = distinct_keys(key * C + dest_core)               # (key, destination core), sorted
    pair_key, pair_core = pairs // C, pairs % C
    keys, starts = np.unique(pair_key, return_index=True)
    ends = np.append(starts[1:], pairs.shape[0])
    j = np.searchsorted(keys, core_of[senders] * n_pops + pop_of[senders])
    route_of[senders] = j
    n_dest[senders] = (ends - starts)[j]
    return (route_of, n_dest, ir.core_router[keys // n_pops].astype(np.int64),
            np.append(starts, pairs.shape[0]).astype(np.int64), pair_core)
