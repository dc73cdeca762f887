"""Synthetic load: NoC traffic (every core injects packets to uniformly random other cores as a
Poisson process, the classic latency-versus-load experiment) and work items arriving at cores
at given times (queueing on a core)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from eventsim.jit import kernel_jit

from eventsim import rng_below, rng_exponential, schedule_in
from eventsim.core_model import core_execute
from eventsim.noc_model import NocModel, noc_unicast

Traffic = namedtuple("Traffic", ["noc", "params", "kind_id"])
Traffic.__doc__ = """params = (mean gap between a core's packets in ps, packet bytes);
kind_id[0] = the injection kind."""


@kernel_jit
def inject(t_ps, core, payload, state, ctx):
    """Core ``core`` sends one packet to a random other core and schedules its next one."""
    n = state.noc.core_router.shape[0]
    dst = rng_below(ctx.rng, n - 1)
    if dst >= core:
        dst += 1
    noc_unicast(ctx, state.noc, t_ps, core, dst, np.int64(state.params[1]), 0)
    gap = np.int64(rng_exponential(ctx.rng, state.params[0]))
    schedule_in(ctx, gap, state.kind_id[0], core, 0)


@kernel_jit
def sink(t_ps, core, payload, state, ctx):
    """Delivered packets need no further work (the NoC model keeps the statistics)."""


def attach_uniform_traffic(kernel, noc: NocModel, rate_per_core_per_ns: float,
                           packet_bytes: int) -> int:
    """Register injection on every core of ``noc`` at the given rate; returns the kind id.
    Call before ``noc.attach``'s kernel is run; uses the kernel's random stream."""
    if rate_per_core_per_ns <= 0:
        raise ValueError(f"rate_per_core_per_ns must be > 0, got {rate_per_core_per_ns}")
    if noc.ir.n_cores < 2:
        raise ValueError("uniform traffic needs at least 2 cores")
    state = Traffic(noc.state, np.array([1_000.0 / rate_per_core_per_ns, float(packet_bytes)]),
                    np.zeros(1, np.int64))
    kid = kernel.add_kind("inject", inject, state, max_pushes=2)
    state.kind_id[0] = kid
    for core in range(noc.ir.n_cores):
        kernel.schedule(0, kid, target=core)
    return kid




MESH_8X8 = {
    "name": "mesh8x8", "description": "8x8 mesh, 1 core per router, 16-byte flits, 1 ns hops",
    "semantics": "event",
    "core": {"count": 64, "sram_bytes": 65536, "dvfs_level": "nominal",
             "dvfs": [{"name": "nominal", "voltage_v": 0.8, "clock_hz": 1e9}],
             "actions": {"packet_send": {"cycles": 1, "energy_pj": 1.0}}},
    "noc": {"topology": "mesh", "width": 8, "height": 8, "flit_bytes": 16,
            "hop_latency_ps": 1_000, "link_bandwidth_bytes_per_s": 16e9, "hop_energy_pj": 1.0},
}
MESH_8X8_DOC = """A synthetic machine (a description for ``machine_from_dict``, no real chip): 64
routers, dimension-order routing, 1 ns per hop, 16-byte flits at 16 GB/s (1 ns serialisation)."""


def uniform_traffic_run(ir, rate_per_core_per_ns: float, packet_bytes: int, warmup_ns: int,
                        measure_ns: int, seed: int) -> dict:
    """Uniform random traffic on machine ``ir`` at ``rate_per_core_per_ns`` packets per core per
    ns: after ``warmup_ns``, over ``measure_ns``: accepted packets per core per ns, mean and max
    latency (injection to tail delivery, queueing included) in ns, packets in flight at the end,
    and simulated packets and events per wall second."""
    import time
    from eventsim import Kernel
    from eventsim.noc_model import DELIVERED, LATENCY_MAX_PS, LATENCY_SUM_PS
    k = Kernel(seed=seed, queue_capacity=1 << 16)
    noc = NocModel(ir, max_in_flight=1 << 20)
    noc.attach(k, k.add_kind("sink", sink, np.zeros(1)))
    attach_uniform_traffic(k, noc, rate_per_core_per_ns, packet_bytes)
    k.run_until(warmup_ns * 1_000)
    st = noc.state.stats
    st[DELIVERED] = st[LATENCY_SUM_PS] = st[LATENCY_MAX_PS] = 0
    events0 = k.events_processed
    t0 = time.perf_counter()
    k.run_until((warmup_ns + measure_ns) * 1_000)
    wall = time.perf_counter() - t0
    delivered = noc.delivered
    return {"offered": rate_per_core_per_ns, "accepted": delivered / (ir.n_cores * measure_ns),
            "mean_latency_ns": noc.mean_latency_ps / 1_000,
            "max_latency_ns": noc.max_latency_ps / 1_000, "in_flight_end": noc.in_flight,
            "packets_per_wall_s": delivered / wall,
            "events_per_wall_s": (k.events_processed - events0) / wall}


PoissonWork = namedtuple("PoissonWork", ["cores", "params", "arrival_ps", "finish_ps", "n",
                                         "kind_id"])
PoissonWork.__doc__ = """cores: ``eventsim.core_model.CoreState``; params = (mean gap between
arrivals in ps, action index, actions per item); arrival_ps[i], finish_ps[i]: when item i arrived
and finished; n[0]: items arrived; kind_id[0]: the arrival kind."""


@kernel_jit
def work_arrives(t_ps, core, payload, state, ctx):
    """A work item arrives at ``core``, is served first come, first served by the core's
    hardware threads, and the next one is scheduled after an exponential gap."""
    i = state.n[0]
    state.arrival_ps[i] = t_ps
    state.finish_ps[i] = core_execute(ctx, state.cores, t_ps, core, np.int64(state.params[1]),
                                      state.params[2])
    state.n[0] = i + 1
    if i + 1 < state.arrival_ps.shape[0]:
        gap = np.int64(rng_exponential(ctx.rng, state.params[0]))
        schedule_in(ctx, gap, state.kind_id[0], core, 0)


def attach_poisson_work(kernel, cores, core: int, action: int, actions_per_item: float,
                        mean_gap_ps: float, n_items: int) -> PoissonWork:
    """``n_items`` work items of ``actions_per_item`` actions ``action`` arriving at ``core`` as
    a Poisson process (mean gap ``mean_gap_ps``, the kernel's random stream), the first at 0;
    returns the ``PoissonWork`` whose arrival and finish times the run fills in."""
    if mean_gap_ps <= 0 or n_items < 1:
        raise ValueError(f"mean_gap_ps must be > 0 and n_items >= 1, got {mean_gap_ps}, {n_items}")
    state = PoissonWork(cores, np.array([mean_gap_ps, action, actions_per_item], np.float64),
                        np.full(n_items, -1, np.int64), np.full(n_items, -1, np.int64),
                        np.zeros(1, np.int64), np.zeros(1, np.int64))
    kid = kernel.add_kind("poisson_work", work_arrives, state)
    state.kind_id[0] = kid
    kernel.schedule(0, kid, target=core)
    return state
