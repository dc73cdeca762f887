"""The routing IR: what the machine floor's mapping hands the engine for a run on a machine.

``hardware_models.mapping.map_network`` maps a workload onto a machine with a placement (synapse
rows by core, destination cores, and each multicast route's destination cores with their
uncontended tail latencies) and returns a ``Mapping``; the NoC model (``noc_model.NocModel``)
and the network runtimes only read it. The routes' whole trees (``RouteTable``,
``eventsim.multicast_trees``) are built from it when a run first needs them (the packet NoC);
``placed_cores`` checks a placement against a workload and a machine.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .errors import ConfigError
from .machine_ir import MachineIR
from .multicast_trees import RouteTable, route_table
from .workload_ir import WorkloadIR

ROUTINGS = ("population", "neuron")


def concat_route_tables(tables) -> RouteTable:
    """One RouteTable of the routes of ``tables``, in order."""
    if not tables:
        z = np.zeros(0, np.int64)
        return RouteTable(np.zeros(1, np.int64), z, z, z, z)
    counts = np.concatenate([np.diff(t.indptr) for t in tables])
    return RouteTable(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                      *(np.concatenate([getattr(t, f) for t in tables]).astype(np.int64)
                        for f in ("router", "link", "core", "src_router")))


def route_max_copies(table: RouteTable) -> int:
    """The most entries a route has at one router (the most events one hop may schedule), >= 1."""
    n = np.diff(table.indptr)
    if not n.sum():
        return 1
    route = np.repeat(np.arange(n.shape[0]), n)
    R = int(table.router.max()) + 1
    _, counts = np.unique(route * R + table.router, return_counts=True)
    return int(counts.max())


@dataclass(frozen=True, eq=False)
class Mapping:
    """The per-(workload connectivity, machine, placement, routing, packet size) products of a
    run on a machine. Neuron ids are global (population offsets), cores and routers the
    machine's; all arrays int64 unless said.

    order[j]: the synapse (index into the workload's projections' synapses, concatenated in
      projection order) at row position j; rows are grouped by pre neuron (syn_ptr, N + 1) and
      ordered by (post core, post neuron) within a row; syn_post (int32): the post neuron of
      each row position.
    dest_ptr (N + 1), dest_core, dest_hi: the destination cores of pre neuron g are
      dest_core[dest_ptr[g]:dest_ptr[g+1]] (ascending), with its synapses there at row
      positions dest_lo[e]:dest_hi[e] (dest_lo: computed, the previous entry's end or the
      row's start).
    route_of[g]: g's multicast route (-1: g sends nothing; 0 for every sender without
      multicast); n_dest[g]: the packets (multicast: cores reached) of each of g's spikes.
    route_src_router[r]: the router where route r starts; tree_*: per route, its destination
      cores ascending (tree_dest_ptr, tree_dest_core) and the uncontended time (ps) until a
      spike_bytes packet's tail reaches each (tree_dest_tail_ps).
    routes (built on first use): the routes' whole trees (``RouteTable``); max_copies: the
      most copies of a packet one router makes (events a hop may schedule).
    dest_tree_pos[e]: the position of dest_core[e] among the destination cores of the route of
      its neuron (multicast; 0 without).
    synapse_offchip: per projection, whether its rows are kept off-chip (the placement's
      resolved storage, ``eventsim.synapse_storage``).
    """
    machine: MachineIR
    core_of: np.ndarray
    routing: str
    spike_bytes: int
    indptrs: tuple
    order: np.ndarray
    syn_ptr: np.ndarray
    syn_post: np.ndarray
    dest_ptr: np.ndarray
    dest_core: np.ndarray
    dest_hi: np.ndarray
    route_of: np.ndarray
    n_dest: np.ndarray
    route_src_router: np.ndarray
    tree_dest_ptr: np.ndarray
    tree_dest_core: np.ndarray
    tree_dest_tail_ps: np.ndarray
    dest_tree_pos: np.ndarray
    synapse_offchip: tuple = ()

    @cached_property
    def routes(self) -> RouteTable:
        """The routes' trees (``multicast_trees.route_table``), built on first use."""
        return route_table(self.machine, self.route_src_router, self.tree_dest_ptr,
                           self.tree_dest_core)

    @cached_property
    def max_copies(self) -> int:
        return route_max_copies(self.routes)

    @property
    def dest_lo(self) -> np.ndarray:
        """Where each destination entry's synapses begin in its row (computed, int64)."""
        lo = np.empty(self.dest_hi.shape[0], np.int64)
        lo[1:] = self.dest_hi[:-1]
        first = self.dest_ptr[:-1][np.diff(self.dest_ptr) > 0]
        lo[first] = self.syn_ptr[:-1][np.diff(self.dest_ptr) > 0]
        return lo

    @property
    def n_routes(self) -> int:
        return int(self.tree_dest_ptr.shape[0] - 1)

    @property
    def n_synapses(self) -> int:
        return int(self.order.shape[0])

    def check(self, workload: WorkloadIR, machine: MachineIR, core_of: np.ndarray,
              routing: str, spike_bytes: int) -> None:
        """Raise ConfigError unless this mapping was made for this machine (the same object),
        placement, routing, packet size and connectivity (the workload's pre and post
        populations, indptr of every projection; its post neurons are checked when the
        synapses are gathered, ``post_ids``)."""
        if machine is not self.machine:
            raise ConfigError(f"mapping was made for machine {self.machine.name!r} (another "
                              f"MachineIR object), this run is on {machine.name!r}; map again "
                              f"(hardware_models.mapping.map_network) for each machine")
        if core_of.shape != self.core_of.shape or not np.array_equal(core_of, self.core_of):
            raise ConfigError("mapping was made for another placement (core_of_neuron differs); "
                              "map again for this placement")
        if routing != self.routing:
            raise ConfigError(f"mapping was made with routing={self.routing!r}, this run asks "
                              f"for routing={routing!r}")
        if spike_bytes != self.spike_bytes:
            raise ConfigError(f"mapping was made for spike_bytes={self.spike_bytes}, this run "
                              f"asks for spike_bytes={spike_bytes}")
        indptrs = connectivity_of(workload)
        same = len(indptrs) == len(self.indptrs) and all(
            a[0] == b[0] and np.array_equal(a[1], b[1]) for a, b in zip(indptrs, self.indptrs))
        if not same:
            raise ConfigError("mapping was made for a workload with other connectivity "
                              "(projections' populations or indptr differ); map again")

    def check_posts(self, post: np.ndarray) -> None:
        """Raise ConfigError unless the workload's post neurons, gathered in mapped order,
        are those mapped (the connectivity is unchanged)."""
        if post.shape != self.syn_post.shape or not np.array_equal(post, self.syn_post):
            raise ConfigError("mapping was made for a workload with other connectivity "
                              "(projections' post neurons differ); map again")


def placed_cores(workload: WorkloadIR, machine: MachineIR, placement) -> np.ndarray:
    """The placement's core of every neuron (int64), checked against workload and machine."""
    core_of = np.asarray(placement.core_of_neuron, np.int64)
    if core_of.shape != (workload.n_neurons,):
        raise ConfigError(f"placement covers {core_of.shape[0]} neurons, the workload has "
                          f"{workload.n_neurons}")
    if core_of.size and (core_of.min() < 0 or core_of.max() >= machine.n_cores):
        raise ConfigError(f"placement puts neurons outside cores 0..{machine.n_cores - 1}")
    return core_of


def connectivity_of(w: WorkloadIR) -> tuple:
    """Per projection: ((pre population, post population), indptr), the connectivity a mapping
    depends on besides the post neurons."""
    return tuple(((pr.pre, pr.post), np.asarray(pr.indptr, np.int64)) for pr in w.projections)
