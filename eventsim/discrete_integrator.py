"""The discrete-time integrator of ``simulate``: a network advanced in steps of dt, alone or on
a machine (``network_runtime`` says what a step does; ``step_model`` how a machine times it).

``run`` takes a workload laid out by ``simulation.lower`` (delays and input times in steps),
builds the run's compiled state (``network_runtime.NetState``, and on a machine its
``HwState``), runs it to the last step, draining the spike record whenever the step handler
pauses, and charges the machine's deferred work. ``simulate`` turns what it returns into a
``RunResult``.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import network_runtime as rt
from .core_model import core_busy_ps, new_core_state
from .machine_ir import MachineIR
from .machine_setup import action_or_none
from .routing_ir import Mapping
from .network_layout import N_SYN, PORT, POST_OFF, SOURCE, UNIFORM, ProjectionLayout
from .neuron_model import output_rows
from .noc_model import NocModel, charge_route_uses
from .port_model import PortState, new_port_state
from .progress import kernels_named, progress_bar
from .static_power import register_static_power
from .step_model import new_step_state
from .synapse_storage import row_dma_bytes
from .workload_ir import WorkloadIR

NOC_MODES = ("packets", "analytic")

Output = namedtuple("Output", "gids steps counts step_start_ps step_finish_ps")
Output.__doc__ = """What a discrete run produced: the recorded spikes (global ids, steps), the
counts, and on a machine the hardware time (ps) at which each step began and ended (else
None)."""


def run(low, kernel, machine: MachineIR | None, n_steps: int, ring_slack: int, noc: str,
        record_capacity: int, progress: bool) -> Output:
    """Run the lowered network ``low`` (``simulation.Lowering``, unit: one step) for
    ``n_steps`` steps in ``kernel``; on ``machine`` with ``low.mapping`` if given. The input
    ring has ``ring_slack`` slots beyond the longest delay on a machine (late packets);
    ``noc`` = "packets" or "analytic" (``simulate``)."""
    w, on_machine = low.workload, machine is not None
    syn = _synapses(w, low.projections, low.mapping) if on_machine else _no_synapses()
    pr = low.projections
    longest = max(1, int(pr.delay.max(initial=1)), int(pr.info[:, UNIFORM].max(initial=1)))
    D = longest + 1 + (ring_slack if on_machine else 0)
    net = _net_state(low, syn, D, n_steps, max(record_capacity, w.n_neurons))
    handlers = rt.step_handlers(low.neurons.models)
    if on_machine:
        hw_run = _attach_machine(kernel, handlers, net, w, machine, low.mapping, n_steps, noc)
        steps = hw_run.hw.steps
    else:
        kind = kernel.add_kind("network_step", handlers.software_step, net, max_pushes=1)
        net.counters[rt.STEP_KIND] = kind
        steps = None
    kernel.schedule(0, int(net.counters[rt.STEP_KIND]), payload=0)
    kernel.compile(announce=kernels_named("network", low.neurons.models, on_machine))
    step_of, gids = _run(kernel, net, n_steps, progress)
    if on_machine:
        hw = hw_run.hw
        charge_route_uses(kernel.ledger, hw.noc, hw.route_uses, low.mapping)
        rt.charge_core_work(kernel.ledger, hw_run.hw)
    c = net.counters
    counts = {"steps": n_steps, "neuron_updates": int(c[rt.UPDATES]), "spikes": int(c[rt.SPIKES]),
              "synaptic_events": int(c[rt.SYN_EVENTS]), "late_packets": int(c[rt.LATE])}
    return Output(gids, step_of, counts, None if steps is None else steps.start_ps.copy(),
                  None if steps is None else _finish_ps(steps))


def delay_steps(pr, dt_ps: int) -> np.ndarray | int:
    """A projection's delays in whole steps (>= 1): one int if uniform, else int32 per synapse."""
    if pr.uniform_delay:
        return max(1, round(pr.delay_unit_ps / dt_ps))
    steps = np.rint(pr.delay_units * (pr.delay_unit_ps / dt_ps))
    return np.maximum(1, steps).astype(np.int32)


def _no_synapses() -> dict:
    return {"ptr": np.zeros(1, np.int64), "post": np.zeros(0, np.int32),
            "w": np.zeros(0, np.float32), "delay": np.zeros(0, np.int32),
            "port": np.zeros(0, np.int8), "source": np.zeros(0, np.int8)}


def _synapses(w: WorkloadIR, projections: ProjectionLayout, mapping: Mapping) -> dict:
    """For a run on a machine: all projections as one CSR over global pre neurons, each row
    ordered by (post core, post neuron) as ``mapping`` orders them (so that a packet's synapses
    on one core are one range), with the workload's current weights, delays, ports, sources."""
    if not w.projections:
        return _no_synapses() | {"ptr": np.zeros(w.n_neurons + 1, np.int64)}
    info = projections.info
    per_synapse = lambda column, dtype: np.repeat(info[:, column], info[:, N_SYN]).astype(dtype)
    delay = per_synapse(UNIFORM, np.int32)
    for j in np.flatnonzero(info[:, UNIFORM] < 0):
        delay[projections.synapses(j)] = projections.delays(j)
    parts = {"post": projections.indices + per_synapse(POST_OFF, np.int32),
             "w": projections.weights, "delay": delay,
             "port": per_synapse(PORT, np.int8),
             "source": per_synapse(SOURCE, np.int8)}
    out = {k: v[mapping.order] for k, v in parts.items()}
    mapping.check_posts(out["post"])
    out["post"] = mapping.syn_post
    out["ptr"] = mapping.syn_ptr
    return out


def _net_state(low, syn, D: int, n_steps: int, capacity: int) -> rt.NetState:
    """The compiled state of a discrete run (``network_runtime.NetState``)."""
    w, neurons, projections = low.workload, low.neurons, low.projections
    step, gid, port, val = low.inputs
    outputs = output_rows(low.models)
    counters = np.zeros(rt.N_COUNTERS, np.int64)
    counters[rt.N_STEPS] = n_steps
    counters[rt.PAUSE_AT] = n_steps
    N = w.n_neurons
    ports = max(m.ports for m in low.models)
    return rt.NetState(
        state=neurons.state, coef=neurons.coef, pop_off=w.offsets.astype(np.int64),
        pop_model=neurons.pop_model, pop_coef_col=neurons.pop_coef_col,
        pop_shared=neurons.pop_shared, ring=np.zeros((D, ports, N)), flags=np.zeros(N, np.bool_),
        proj_indptr=projections.indptr, proj_indices=projections.indices,
        proj_weights=projections.weights, proj_delay=projections.delay,
        proj_info=projections.info, pre_proj_ptr=projections.pre_ptr,
        pre_proj_ids=projections.pre_ids, pop_of=w.population_of().astype(np.int32),
        syn_ptr=syn["ptr"].astype(np.int64), syn_post=syn["post"], syn_w=syn["w"],
        syn_delay=syn["delay"], syn_port=syn["port"], syn_source=syn["source"],
        in_step=step, in_gid=gid, in_port=port, in_value=val, spiked=np.zeros(N, np.int64),
        rec_gid=np.zeros(capacity, np.int64), rec_step=np.zeros(capacity, np.int64),
        dt_ps=np.int64(low.unit_ps),
        value=np.ones((D if (outputs >= 0).any() else 1, outputs.shape[1], N)),
        pop_outputs=outputs, counters=counters)


def _attach_machine(kernel, handlers, net, workload, ir: MachineIR, m: Mapping, n_steps,
                    noc_mode):
    """The machine side of a discrete run: cores, step clock, NoC and the run's ``HwState``,
    with the step and spike-delivery kinds registered in ``kernel``."""
    actions = np.array([action_or_none(ir, a) for a in ("neuron_update", "synop", "packet_send",
                        "packet_recv", "neuron_update_spiking")], np.int64)
    cores = new_core_state(ir, kernel)
    steps = new_step_state(ir, kernel, n_steps, network_step_ps=int(net.dt_ps))
    N, C = m.core_of.shape[0], ir.n_cores
    noc = NocModel(ir, max_in_flight=max(1 << 16, 2 * N))
    hop_by_hop = noc_mode != "analytic"
    if hop_by_hop:                        # the analytic NoC needs no tree (m.routes: built now)
        noc.add_route_table(m.routes)
    noc.attach(kernel, max_pushes=m.max_copies if hop_by_hop else 1)   # kinds: NoC hop,
    #                                                         network step, spike delivery
    on_core = np.bincount(m.core_of, minlength=C).astype(np.int64)
    zeros_c = lambda: np.zeros(C, np.int64)
    as64 = lambda a: a.astype(np.int64, copy=False)    # the mapping's compact indices
    dest_lo = m.dest_lo                                  # computed: once
    hw = rt.HwState(
        cores=cores, steps=steps, noc=noc.state, core_of=m.core_of, route_of=m.route_of,
        n_dest=m.n_dest, dest_ptr=m.dest_ptr, dest_core=as64(m.dest_core),
        dest_rows=_dest_rows(m, dest_lo, cores, int(actions[1])),
        updates_on_core=zeros_c(), neurons_on_core=on_core, actions=actions,
        spike_bytes=np.int64(m.spike_bytes), multicast=np.bool_(ir.multicast),
        analytic=np.bool_(noc_mode == "analytic"), route_dest_ptr=m.tree_dest_ptr,
        route_dest_core=as64(m.tree_dest_core),
        route_dest_tail_ps=as64(m.tree_dest_tail_ps),
        route_uses=np.zeros(m.n_routes, np.int64),
        update_busy_ps=core_busy_ps(cores, np.arange(C), int(actions[0]), on_core),
        update_count=zeros_c(), update_ps=zeros_c(), recv_count=zeros_c(),
        synop_count=zeros_c(), synop_busy_ps=zeros_c(), dest_tree_pos=as64(m.dest_tree_pos),
        update_rank=_rank_on_core(m.core_of, C), chain_ps=zeros_c(),
        chain_rank=np.full(C, -1, np.int64), spiking_count=zeros_c(), spiking_ps=zeros_c(),
        arr_core_end=zeros_c(), **_arrival_buffer(m, ir, noc_mode, net.ring.shape[0]),
        **_synapse_dma(kernel, workload, ir, m, dest_lo))
    rt.check_receivers(cores, actions, m.tree_dest_core if ir.multicast else m.dest_core,
                       m.dest_core)
    run = rt.HwNet(net, hw)
    packets = N if ir.multicast else int(np.diff(m.dest_ptr).sum())   # most packets in one step
    step_kind = kernel.add_kind("network_step", handlers.machine_step, run,
                                max_pushes=packets + 1)
    noc.deliver_as(kernel.add_kind("spike_delivery", rt.deliver_packet, run, max_pushes=1))
    register_static_power(kernel.ledger, ir)
    net.counters[rt.STEP_KIND] = step_kind
    return run


def _dest_rows(m: Mapping, lo, cores, synop: int) -> np.ndarray:
    """int64[E, 3]: each destination entry's (lo, hi, synop_ps) (``network_runtime.HwState``;
    lo: ``m.dest_lo``)."""
    hi = m.dest_hi.astype(np.int64)
    return np.stack([lo, hi, core_busy_ps(cores, m.dest_core, synop, hi - lo)], axis=1)


def _synapse_dma(kernel, workload, ir: MachineIR, m: Mapping, dest_lo) -> dict:
    """The HwState fields of reading off-chip synapse rows by DMA (dma_on, ports, syn_port,
    dest_dma_bytes); the memory ports and their ledger rows only when some row is off-chip
    (dest_lo: ``m.dest_lo``)."""
    dma = row_dma_bytes(workload, m.synapse_offchip, m.order, dest_lo, m.dest_hi)
    if not dma.any():
        ports = PortState(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64),
                          np.zeros((0, 2), np.int64), np.zeros(0, np.int64), np.zeros(2, np.int64))
        return {"dma_on": np.bool_(False), "ports": ports, "syn_port": np.zeros(0, np.int64),
                "dest_dma_bytes": np.zeros(0, np.int64)}
    ports, _ = new_port_state(ir, kernel)
    return {"dma_on": np.bool_(True), "ports": ports, "syn_port": ir.synapse_memory_of_core(),
            "dest_dma_bytes": dma}


def _rank_on_core(core_of: np.ndarray, n_cores: int) -> np.ndarray:
    """rank[g] = the position of neuron g among the neurons of its core, by ascending id (the
    order in which a core updates them)."""
    order = np.argsort(core_of, kind="stable")
    first = np.concatenate(([0], np.cumsum(np.bincount(core_of, minlength=n_cores))[:-1]))
    rank = np.empty(core_of.shape[0], np.int64)
    rank[order] = np.arange(core_of.shape[0]) - first[core_of[order]]
    return rank


def _arrival_buffer(m: Mapping, ir: MachineIR, noc_mode: str, ring_slots: int) -> dict:
    """The analytic NoC's arrival records (``network_runtime.HwState``: arr_t, arr_core,
    arr_where, arr_spike, arr_order, arr_tmp, arr_count), by field name. A step makes at most
    n_dest.sum() arrivals (every neuron firing). Under barrier semantics all are served in their
    step; otherwise an arrival may wait for the step in which it arrives, but an input served
    ``ring_slots`` - 1 or more steps after it was sent is an error (later than the input ring
    holds), so ``ring_slots`` steps' worth hold every run without that error. Zeroed memory is
    only touched where used."""
    per_step = int(m.n_dest.sum()) if noc_mode == "analytic" else 0
    n = max(1, per_step if ir.semantics == "barrier" else per_step * ring_slots)
    names = ("arr_t", "arr_core", "arr_where", "arr_spike", "arr_order", "arr_tmp")
    return {k: np.zeros(n, np.int64) for k in names} | {"arr_count": np.zeros(1, np.int64)}


# -- running --------------------------------------------------------------------------------

def _run(kernel, net, n_steps, progress):
    """Run to the end, draining the spike record whenever the step handler pauses."""
    c = net.counters
    chunk = max(1, n_steps // 100) if progress else n_steps
    bar = progress_bar(n_steps, "step") if progress else None
    steps_seen, neurons_seen = [], []
    resume = 0
    while True:
        c[rt.PAUSE_AT] = min(n_steps, resume + chunk)
        c[rt.PAUSED_STEP] = -1
        kernel.run()
        n = int(c[rt.REC_COUNT])
        steps_seen.append(net.rec_step[:n].copy())
        neurons_seen.append(net.rec_gid[:n].copy())
        c[rt.REC_COUNT] = 0
        paused = int(c[rt.PAUSED_STEP])
        if bar is not None:
            bar.update((paused if paused >= 0 else n_steps) - bar.n)
        if paused < 0 or paused >= n_steps:
            break
        kernel.schedule(int(c[rt.PAUSED_T]), int(c[rt.STEP_KIND]), payload=paused)
        resume = paused
    if bar is not None:
        bar.close()
    return np.concatenate(steps_seen), np.concatenate(neurons_seen)


def _finish_ps(steps) -> np.ndarray:
    finish = steps.finish_ps.copy()
    finish[-1] = steps.latest_finish_ps[0]
    return finish
