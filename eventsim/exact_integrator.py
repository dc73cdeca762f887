"""The exact integrator of ``simulate``: a network of linear neuron models run event by event
in continuous time, with no time step (``exact_runtime``).

Models with an exact form (``lif``, ``cuba_lif``, ``cuba``, ``if_neuron``, ``li``): their
states decay in closed form between input events and spike at their threshold crossings, found
to the engine's picosecond. An input event is a jump of the model's input variable by the
synapse's weight (delta or current-based synapses, as in NEST's ``iaf_psc_delta`` and
``iaf_psc_exp``; see each model's docstring); delays are the projections' own, in ps (0
allowed). Graphs written for discrete-time simulators, whose inputs are currents held over a
step, belong to the discrete integrator.

On an event-driven machine (``machine=``, ``placement=``), the machine's work is charged as it
happens (``exact_machine``): no time step anywhere. Machines that step their cores (timer or
barrier semantics) run networks with the discrete integrator.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import exact_machine
from . import exact_runtime as rt
from .progress import kernels_named, progress_bar
from .simtime import PS_PER_S, TIME_MAX_PS
from .state_ref import by_reference
from .workload_ir import WorkloadIR

CHUNKS = 100
"""The run is cut into this many chunks of time (spike record drains, progress bar)."""

ExactRun = namedtuple("ExactRun", ["net", "hw"])

Output = namedtuple("Output", "gids times_ps counts")
Output.__doc__ = """What an exact run produced: its spikes (global ids, times in ps, in time
order, ties by id) and its counts."""


def run(low, kernel, machine, stop_ps: int, record_capacity: int, progress: bool) -> Output:
    """Run the lowered network ``low`` (``simulation.Lowering``, unit: 1 ps) to ``stop_ps`` in
    ``kernel``; on an event-driven ``machine`` with ``low.mapping`` if given, charging its work
    as ``exact_machine`` describes (packets of ``low.mapping.spike_bytes``)."""
    w, on_machine = low.workload, machine is not None
    net = _state(low, int(record_capacity))
    handlers = rt.exact_handlers(low.neurons.models, machine=on_machine)
    run_state = net
    if on_machine:
        hw = exact_machine.attach(kernel, w, machine, low.mapping)
        run_state = ExactRun(net, hw)
    compiled_state = by_reference(run_state)       # as the handlers and advance_all see it
    c = net.counters
    c[rt.ROW_KIND] = kernel.add_kind("spike_row", handlers.row_arrival, compiled_state,
                                     max_pushes=_longest_row(w))
    c[rt.SYN_KIND] = kernel.add_kind("spike_synapse", handlers.synapse_arrival,
                                     compiled_state, max_pushes=1)
    c[rt.CHECK_KIND] = kernel.add_kind("threshold_check", handlers.check, compiled_state,
                                       max_pushes=_pushes_per_spike(w) + 1)
    c[rt.INPUT_KIND] = kernel.add_kind("external_input", handlers.external_input,
                                       compiled_state,
                                       max_pushes=_most_simultaneous(net.in_t_ps) + 1)
    start = kernel.add_kind("start", handlers.start, compiled_state, max_pushes=w.n_neurons)
    kernel.schedule(0, start)
    if net.in_t_ps.shape[0]:
        kernel.schedule(int(net.in_t_ps[0]), int(c[rt.INPUT_KIND]))
    kernel.compile(announce=kernels_named("exact event-driven", low.neurons.models, on_machine))
    gids, times = _run(kernel, net, stop_ps, progress)
    handlers.advance_all(compiled_state, np.int64(stop_ps))
    order = np.lexsort([gids, times])
    counts = {"spikes": int(c[rt.SPIKES]), "synaptic_events": int(c[rt.SYN_EVENTS]),
              "neuron_updates": int(c[rt.UPDATES]), "threshold_checks": int(c[rt.CHECKS])}
    if on_machine:
        exact_machine.charge_route_links(kernel.ledger, run_state.hw.noc, low.mapping,
                                         run_state.hw)
        st = run_state.hw.stats
        counts.update(packets_received=int(st[exact_machine.PACKETS]),
                      late_packets=int(st[exact_machine.LATE]),
                      max_packet_latency_ps=int(st[exact_machine.MAX_TAIL]))
    return Output(gids[order], times[order], counts)


# -- set-up ---------------------------------------------------------------------------------

def _longest_row(w: WorkloadIR) -> int:
    return max([1] + [int(np.diff(pr.indptr).max(initial=0)) for pr in w.projections])


def _most_pushes(pr) -> int:
    """Events one spike of projection ``pr``'s pre neuron schedules on it."""
    return 1 if pr.uniform_delay else int(np.diff(pr.indptr).max(initial=0))


def _pushes_per_spike(w: WorkloadIR) -> int:
    """Most events one spike schedules (over its population's projections)."""
    per_pop = [sum(_most_pushes(pr) for pr in w.projections if pr.pre == p)
               for p in range(len(w.populations))]
    return max([1] + per_pop)


def _most_simultaneous(t_ps: np.ndarray) -> int:
    if t_ps.shape[0] == 0:
        return 1
    _, counts = np.unique(t_ps, return_counts=True)
    return int(counts.max())


def _state(low, record_capacity: int) -> rt.ExactState:
    """The compiled state of an exact run (``exact_runtime.ExactState``)."""
    w, neurons, pr = low.workload, low.neurons, low.projections
    t, gid, port, val = low.inputs
    N = w.n_neurons
    return rt.ExactState(
        state=neurons.state, coef=neurons.coef, pop_off=w.offsets.astype(np.int64),
        pop_model=neurons.pop_model, pop_coef_col=neurons.pop_coef_col,
        pop_shared=neurons.pop_shared, pop_of=w.population_of().astype(np.int64),
        t_last_ps=np.zeros(N, np.int64), pending_ps=np.full(N, TIME_MAX_PS, np.int64),
        proj_indptr=pr.indptr, proj_indices=pr.indices, proj_weights=pr.weights,
        proj_delay_ps=pr.delay, proj_info=pr.info, pre_proj_ptr=pr.pre_ptr,
        pre_proj_ids=pr.pre_ids, in_t_ps=t, in_gid=gid, in_port=port, in_value=val,
        rec_gid=np.zeros(record_capacity, np.int64), rec_t_ps=np.zeros(record_capacity, np.int64),
        counters=np.zeros(rt.N_COUNTERS, np.int64))


# -- running --------------------------------------------------------------------------------

def _run(kernel, net, stop_ps: int, progress: bool):
    """Run to stop_ps in chunks, draining the spike record after each."""
    bar = progress_bar(stop_ps / PS_PER_S, "s") if progress else None
    gids, times = [], []
    c = net.counters
    chunks = max(1, min(CHUNKS, stop_ps))
    for k in range(1, chunks + 1):
        t = stop_ps * k // chunks
        kernel.run_until(t)
        n = int(c[rt.REC_COUNT])
        gids.append(net.rec_gid[:n].copy())
        times.append(net.rec_t_ps[:n].copy())
        c[rt.REC_COUNT] = 0
        if bar is not None:
            bar.update(t / PS_PER_S - bar.n)
    if bar is not None:
        bar.close()
    return np.concatenate(gids), np.concatenate(times)
