"""Placement: which core holds each neuron (with its state and incoming synapses).

    p = place(workload_ir, machine_ir, "balanced")
    p.core_of_neuron, p.report()

Strategies:
- ``round_robin``: neuron g on core g mod C;
- ``layer_contiguous``: neurons in order, filling one core's memory before the next;
- ``balanced``: largest neurons first onto the least-loaded core (memory, then fan-in);
- ``traffic_aware``: contiguous along a serpentine walk of the mesh, so that consecutive
  neurons (and so layers feeding each other) sit on neighbouring cores, which cuts NoC hops.
A core's capacity is its local SRAM, which holds its neurons' state and the incoming synapses
of projections kept in SRAM; rows kept off-chip (``eventsim.synapse_storage``) go to the
synapse memory of the core's chip. A projection with storage "auto" is kept in SRAM if the
placement fits that way, else off-chip (when the machine has a memory that holds synapses).
When the workload does not fit, ``PlacementError`` says what does not fit where (a core's SRAM
or a chip's synapse memory) and by how much. Uses only the two IRs (no import of
``networks``).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from eventsim.errors import ConfigError
from eventsim.machine_ir import MachineIR
from eventsim.routing_ir import Mapping
from eventsim.synapse_storage import offchip_flags, offchip_shortfall, sram_bytes_per_neuron
from eventsim.workload_ir import WorkloadIR

from .mapping import map_network

STRATEGIES = ("round_robin", "layer_contiguous", "balanced", "traffic_aware")


class PlacementError(ConfigError):
    """The workload does not fit the machine (the message says what, where, by how much)."""


def _fmt(n_bytes: float) -> str:
    if n_bytes >= 1e6:
        return f"{n_bytes / 1e6:.1f} MB"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.1f} KiB"
    return f"{int(n_bytes)} B"


@dataclass
class Placement:
    strategy: str
    core_of_neuron: np.ndarray     # int32[N]
    neurons_per_core: np.ndarray   # int64[C]
    bytes_per_core: np.ndarray     # int64[C]
    fan_in_per_core: np.ndarray    # int64[C]
    capacity_bytes: np.ndarray     # int64[C]
    synapse_offchip: tuple = ()    # per projection: its rows kept off-chip (resolved storage)

    def map(self, workload: WorkloadIR, machine: MachineIR, *, routing: str = "population",
            spike_bytes: int = 4) -> Mapping:
        """The mapping of ``workload`` onto ``machine`` with this placement
        (``hardware_models.mapping.map_network``): what ``eventsim.simulate`` asks a placement
        for when it is given no mapping."""
        return map_network(workload, machine, self, routing=routing, spike_bytes=spike_bytes)

    @property
    def cores_used(self) -> int:
        return int((self.neurons_per_core > 0).sum())

    def report(self) -> dict:
        """Per-core load and memory use, and a summary (JSON-ready)."""
        used = self.neurons_per_core > 0
        util = self.bytes_per_core / np.maximum(self.capacity_bytes, 1)
        return {"strategy": self.strategy, "cores_used": self.cores_used,
                "neurons_max": int(self.neurons_per_core.max()),
                "fan_in_max": int(self.fan_in_per_core.max()),
                "fan_in_mean_used": float(self.fan_in_per_core[used].mean()) if used.any() else 0.0,
                "memory_utilisation_max": float(util.max()),
                "memory_utilisation_mean_used": float(util[used].mean()) if used.any() else 0.0,
                "synapse_offchip": list(self.synapse_offchip),
                "per_core": [{"core": int(c), "neurons": int(self.neurons_per_core[c]),
                              "bytes": int(self.bytes_per_core[c]),
                              "fan_in": int(self.fan_in_per_core[c])}
                             for c in np.flatnonzero(used)]}


def core_walk(ir: MachineIR) -> np.ndarray:
    """Cores in serpentine order (row by row, alternating direction) within each chip, so that
    consecutive cores are on the same or neighbouring routers."""
    x, y = ir.router_xy[ir.core_router, 0], ir.router_xy[ir.core_router, 1]
    snake_x = np.where(y % 2 == 0, x, -x)
    return np.lexsort((np.arange(ir.n_cores), snake_x, y, ir.core_chip)).astype(np.int64)


def place(workload: WorkloadIR, machine: MachineIR, strategy: str = "balanced",
          max_neurons_per_core: int | None = None) -> Placement:
    """Assign every neuron to a core; raise PlacementError if it does not fit. Projections of
    storage "auto" are kept in SRAM if they fit there, else off-chip."""
    if strategy not in STRATEGIES:
        raise ConfigError(f"placement strategy must be one of {list(STRATEGIES)}, got {strategy!r}")
    if max_neurons_per_core is not None and max_neurons_per_core < 1:
        raise ConfigError(f"max_neurons_per_core must be >= 1, got {max_neurons_per_core}")
    try:
        return _place(workload, machine, strategy, max_neurons_per_core,
                      offchip_flags(workload, machine, auto_offchip=False))
    except PlacementError:
        if machine.synapse_memory < 0 or all(pr.storage != "auto" for pr in workload.projections):
            raise
    return _place(workload, machine, strategy, max_neurons_per_core,
                  offchip_flags(workload, machine, auto_offchip=True))


def _place(workload, machine, strategy, max_neurons_per_core, flags) -> Placement:
    need = sram_bytes_per_neuron(workload, flags)
    cap = machine.core_sram_bytes.astype(np.int64)
    limit = max_neurons_per_core or workload.n_neurons
    _check_totals(workload, machine, need, cap, limit)
    if strategy == "round_robin":
        core = np.arange(workload.n_neurons) % machine.n_cores
    elif strategy == "balanced":
        core = _balanced(need, cap, limit)
    else:
        order = np.arange(machine.n_cores) if strategy == "layer_contiguous" else core_walk(machine)
        core = _contiguous(workload, need, cap, limit, order)
    core = core.astype(np.int32)
    p = _summarise(strategy, workload, core, need, cap, flags)
    over = np.flatnonzero((p.bytes_per_core > cap) | (p.neurons_per_core > limit))
    if over.size:
        c = int(over[0])
        raise PlacementError(f"{strategy}: core {c} would hold {p.neurons_per_core[c]} neurons "
                             f"needing {_fmt(p.bytes_per_core[c])} of core SRAM, but holds "
                             f"{_fmt(cap[c])}"
                             + (f" and at most {limit} neurons" if max_neurons_per_core else ""))
    _check_offchip(strategy, workload, machine, core, flags)
    return p


def _check_offchip(strategy, workload, machine, core, flags) -> None:
    """PlacementError if a chip's synapse memory cannot hold its neurons' off-chip rows."""
    short = offchip_shortfall(workload, machine, core, flags)
    if short is not None:
        memory, need, held = short
        raise PlacementError(f"{strategy}: {machine.memory_names[memory]} would hold "
                             f"{_fmt(need)} of off-chip synapse rows, but holds {_fmt(held)}")


def given(workload: WorkloadIR, machine: MachineIR, core_of_neuron) -> Placement:
    """The placement ``core_of_neuron`` (a core per neuron, made elsewhere: e.g. the mapping of
    another simulator), summarised and checked as ``place``'s: PlacementError when a core would
    hold more than its memory."""
    core = np.asarray(core_of_neuron)
    if core.shape != (workload.n_neurons,) or (core.size and (
            core.min() < 0 or core.max() >= machine.n_cores)):
        raise ConfigError(f"core_of_neuron must give one core in [0, {machine.n_cores}) per "
                          f"neuron ({workload.n_neurons}), got shape {core.shape}")
    cap = machine.core_sram_bytes.astype(np.int64)
    for auto_offchip in (False, True):
        flags = offchip_flags(workload, machine, auto_offchip)
        p = _summarise("given", workload, core.astype(np.int32),
                       sram_bytes_per_neuron(workload, flags), cap, flags)
        over = np.flatnonzero(p.bytes_per_core > cap)
        if not over.size or machine.synapse_memory < 0 or auto_offchip \
                or all(pr.storage != "auto" for pr in workload.projections):
            break
    if over.size:
        c = int(over[0])
        raise PlacementError(f"given: core {c} would hold {p.neurons_per_core[c]} neurons "
                             f"needing {_fmt(p.bytes_per_core[c])} of core SRAM, but holds "
                             f"{_fmt(cap[c])}")
    _check_offchip("given", workload, machine, core, flags)
    return p


def _check_totals(workload, machine, need, cap, limit):
    pop_of = workload.population_of()
    biggest = int(np.argmax(need)) if need.size else 0
    if need.size and need[biggest] > cap.max():
        pop = workload.populations[pop_of[biggest]]
        local = biggest - workload.offsets[pop_of[biggest]]
        raise PlacementError(f"neuron {local} of population {pop.name!r} needs "
                             f"{_fmt(need[biggest])} of core SRAM (state and incoming synapses kept in "
                             f"SRAM); the largest core SRAM is {_fmt(cap.max())}")
    left = int(cap.sum())
    for p, pop in enumerate(workload.populations):
        lo, hi = workload.offsets[p], workload.offsets[p + 1]
        b = int(need[lo:hi].sum())
        if b > left:
            raise PlacementError(f"population {pop.name!r} needs {_fmt(b)} of core SRAM (state "
                                 f"and incoming synapses kept in SRAM); {machine.n_cores} cores x {_fmt(cap.max())} leave "
                                 f"{_fmt(max(left, 0))}")
        left -= b
    if workload.n_neurons > limit * machine.n_cores:
        raise PlacementError(f"{workload.n_neurons} neurons exceed {machine.n_cores} cores x "
                             f"{limit} neurons per core")


def _balanced(need, cap, limit):
    heap = [(0, 0, c) for c in range(cap.shape[0])]       # (bytes, neurons, core)
    core = np.empty(need.shape[0], np.int64)
    for g in np.argsort(-need, kind="stable"):
        skipped = []
        while heap:
            used, n, c = heapq.heappop(heap)
            if used + need[g] <= cap[c] and n < limit:
                core[g] = c
                heapq.heappush(heap, (used + int(need[g]), n + 1, c))
                break
            skipped.append((used, n, c))
        else:
            raise PlacementError(f"balanced: no core has {_fmt(need[g])} left for neuron {g}")
        for item in skipped:
            heapq.heappush(heap, item)
    return core


def _contiguous(workload, need, cap, limit, order):
    core = np.empty(need.shape[0], np.int64)
    k, used, n = 0, 0, 0
    pop_of = workload.population_of()
    for g in range(need.shape[0]):
        while k < order.shape[0] and (used + need[g] > cap[order[k]] or n >= limit):
            k, used, n = k + 1, 0, 0
        if k == order.shape[0]:
            pop = workload.populations[pop_of[g]]
            rest = int(need[g:].sum())
            raise PlacementError(f"population {pop.name!r} and later ones need {_fmt(rest)} more "
                                 f"than the {order.shape[0]} cores can still hold when filled in "
                                 f"order (use 'balanced' to pack them tighter)")
        core[g] = order[k]
        used += int(need[g])
        n += 1
    return core


def _summarise(strategy, workload, core, need, cap, flags) -> Placement:
    C = cap.shape[0]
    return Placement(strategy, core, np.bincount(core, minlength=C).astype(np.int64),
                     np.bincount(core, weights=need, minlength=C).astype(np.int64),
                     np.bincount(core, weights=workload.fan_in(), minlength=C).astype(np.int64), cap,
                     tuple(flags))


def traffic_hops(workload: WorkloadIR, machine: MachineIR, placement: Placement) -> int:
    """NoC link traversals if every neuron spikes once: each spike is multicast once to the set
    of cores that hold its targets, along dimension-order paths (shared links counted once)."""
    off = workload.offsets
    core = placement.core_of_neuron
    total = 0
    for pr in workload.projections:
        for i in range(workload.populations[pr.pre].size):
            targets = pr.indices[pr.indptr[i]:pr.indptr[i + 1]] + off[pr.post]
            src = int(machine.core_router[core[off[pr.pre] + i]])
            links = set()
            for dst in {int(machine.core_router[c]) for c in core[targets]}:
                links.update(machine.route(src, dst))
            total += len(links)
    return total
