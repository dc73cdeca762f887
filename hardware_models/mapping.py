"""Mapping a workload onto a machine once, for many runs: synapse rows by core, destinations,
multicast routes.

A run on a machine needs, besides the placement, products that depend only on the workload's
connectivity, the machine and the placement: each neuron's synapses ordered by the core that
holds them, its destination cores, its multicast route, and each route's destination cores
with their uncontended tail latencies (the routes' whole trees are built from these when the
packet NoC first needs them: ``Mapping.routes``). All are built in compiled code in memory
linear in the synapses (``synapse_rows``, ``routing``, ``eventsim.multicast_trees``). Real
toolchains build these once (sPyNNaker maps, then runs);
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

from .routing import neuron_routes, population_routes
from .synapse_rows import destinations, synapse_rows, tree_positions


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
    order, syn_ptr, syn_post = synapse_rows(workload, core_of)
    dest = destinations(core_of, syn_ptr, syn_post)
    if not machine.multicast:                        # one unicast packet per destination
        route_of = np.where(np.diff(dest[0]) > 0, 0, -1).astype(np.int64)
        n_dest = np.diff(dest[0]).astype(np.int64)
        src_core, route_ptr, route_cores = np.zeros(0, np.int64), np.zeros(1, np.int64), dest[1][:0]
    elif routing == "neuron":
        route_of, n_dest, src_core, route_ptr, route_cores = neuron_routes(core_of, *dest[:2])
    else:
        route_of, n_dest, src_core, route_ptr, route_cores = population_routes(
            core_of, workload.population_of(), *dest[:2], machine.n_cores)
    flits = int(packet_flits(int(spike_bytes), int(machine.flit_bytes)))
    ser = serialisation_ps(flits, machine.flit_bytes,
                           machine.link_ps_per_byte.astype(np.float64)).astype(np.int64)
    src_router = machine.core_router[src_core].astype(np.int64)
    tree = route_deliveries(machine, src_router, route_ptr, route_cores, ser)
    pos = tree_positions(route_of, dest[0], dest[1], tree[0], tree[1], machine.multicast)
    return Mapping(machine, core_of.copy(), routing, int(spike_bytes), connectivity_of(workload),
                   order, syn_ptr, syn_post, *dest, route_of, n_dest, src_router, *tree, pos,
                   _storage(workload, machine, placement))


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


