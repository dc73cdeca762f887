"""``simulate_exact``: run a Workload IR of linear neuron models event by event in continuous
time, with no time step (``exact_runtime``).

    result = simulate_exact(workload, duration_s=1.0)
    times_s, neurons = result.spikes("exc")

Models with an exact form (``lif``, ``cuba_lif``, ``cuba``, ``if_neuron``, ``li``): their
states decay in closed form between input events and spike at their threshold crossings, found
to the engine's picosecond. An input event is a jump of the model's input variable by the
synapse's weight (delta or current-based synapses, as in NEST's ``iaf_psc_delta`` and
``iaf_psc_exp``; see each model's docstring); delays are the projections' own, in ps (0
allowed). Graphs written for discrete-time simulators, whose inputs are currents held over a
step, belong in ``simulate``.

On an event-driven machine (``machine=``, ``placement=``), the machine's work is charged as it
happens (``exact_machine``): no time step anywhere. Machines that step their cores (timer or
barrier semantics) run networks with ``simulate``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from collections import namedtuple

from . import exact_machine
from . import exact_runtime as rt
from .errors import ConfigError
from .kernel import Kernel
from .simtime import PS_PER_S, TIME_MAX_PS
from .network_layout import neuron_layout, projection_layout, sorted_inputs
from .neuron_model import check_ports, load_exact_model
from .simulation import kernels_named
from .workload_ir import WorkloadIR

RECORD_CAPACITY = 1 << 20
"""Spikes held in the compiled record buffer between drains (one drain per chunk of time)."""
CHUNKS = 100
"""The run is cut into this many chunks of time (spike record drains, progress bar)."""


@dataclass
class ExactResult:
    """What an exact run produced: spike times in ps, counts and metrics."""
    duration_s: float
    population_names: list[str]
    spike_times_ps: list[np.ndarray]        # per population, time order
    spike_neurons: list[np.ndarray]         # per population: population-local neuron id
    counts: dict
    metrics: dict
    final_state: list[np.ndarray]           # per population [N, S], at duration_s
    kernel: Kernel | None = field(default=None, repr=False)     # on a machine: its ledger

    @property
    def ledger(self):
        return None if self.kernel is None else self.kernel.ledger

    def spikes(self, population: str | int) -> tuple[np.ndarray, np.ndarray]:
        """(times in seconds, neurons) of one population's spikes, in time order."""
        p = population if isinstance(population, int) else self.population_names.index(population)
        return self.spike_times_ps[p] / PS_PER_S, self.spike_neurons[p]


ExactRun = namedtuple("ExactRun", ["net", "hw"])


def simulate_exact(workload: WorkloadIR, duration_s: float, *, machine=None, placement=None,
                   spike_bytes: int = 4, progress: bool = False, seed: int = 0,
                   record_capacity: int = RECORD_CAPACITY,
                   activity_bin_s: float = 1e-3) -> ExactResult:
    """Run ``workload`` for ``duration_s`` seconds of network time, event by event; on an
    event-driven ``machine`` (Machine IR) with ``placement`` if given, charging its work as
    ``exact_machine`` describes (the ledger in ``result.ledger``; packets of ``spike_bytes``).
    Metrics as in ``simulate``; activation sparsity is over bins of ``activity_bin_s`` seconds
    (the fraction of neuron x bin pairs without a spike)."""
    if not isinstance(duration_s, (int, float)) or not np.isfinite(duration_s) or duration_s <= 0:
        raise ConfigError(f"duration_s must be a finite number > 0, got {duration_s!r}")
    stop_ps = round(duration_s * PS_PER_S)
    if not 1 <= stop_ps < TIME_MAX_PS:
        raise ConfigError(f"duration_s = {duration_s} is outside 1 ps .. {TIME_MAX_PS} ps")
    if not activity_bin_s > 0:
        raise ConfigError(f"activity_bin_s must be > 0, got {activity_bin_s!r}")
    models = [load_exact_model(p) for p in workload.populations]
    check_ports(workload, models)
    net, neurons = _state(workload, models, int(record_capacity))
    on_machine = machine is not None
    if on_machine and placement is None:
        raise ConfigError("a run on a machine needs a placement (hardware_models.placement.place)")
    handlers = rt.exact_handlers(neurons.models, machine=on_machine)
    kernel = Kernel(seed=seed, queue_capacity=2 * workload.n_neurons + 1024)
    run, mapping = net, None
    if on_machine:
        hw, mapping = exact_machine.attach(kernel, workload, machine, placement, spike_bytes)
        run = ExactRun(net, hw)
    c = net.counters
    c[rt.ROW_KIND] = kernel.add_kind("spike_row", handlers.row_arrival, run,
                                     max_pushes=_longest_row(workload))
    c[rt.SYN_KIND] = kernel.add_kind("spike_synapse", handlers.synapse_arrival, run, max_pushes=1)
    c[rt.CHECK_KIND] = kernel.add_kind("threshold_check", handlers.check, run,
                                       max_pushes=_pushes_per_spike(workload) + 1)
    c[rt.INPUT_KIND] = kernel.add_kind("external_input", handlers.external_input, run,
                                       max_pushes=_most_simultaneous(net.in_t_ps) + 1)
    start = kernel.add_kind("start", handlers.start, run, max_pushes=workload.n_neurons)
    kernel.schedule(0, start)
    if net.in_t_ps.shape[0]:
        kernel.schedule(int(net.in_t_ps[0]), int(c[rt.INPUT_KIND]))
    kernel.compile(announce=kernels_named("exact event-driven", neurons.models, on_machine))
    gids, times = _run(kernel, net, stop_ps, progress)
    handlers.advance_all(run, np.int64(stop_ps))
    result = _result(workload, neurons, net, duration_s, gids, times, activity_bin_s)
    if on_machine:
        exact_machine.charge_route_links(kernel.ledger, run.hw.noc, mapping, run.hw)
        st = run.hw.stats
        result.counts.update(packets_received=int(st[exact_machine.PACKETS]),
                             late_packets=int(st[exact_machine.LATE]),
                             max_packet_latency_ps=int(st[exact_machine.MAX_TAIL]))
        result.kernel = kernel
    return result


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


def _state(w: WorkloadIR, models, record_capacity: int):
    """The run's ExactState and its neuron layout."""
    if record_capacity < 1:
        raise ConfigError(f"record_capacity must be >= 1, got {record_capacity}")
    neurons = neuron_layout(w, models, lambda m, params: m.exact_constants(params))
    pr = projection_layout(w, np.float64, np.int64,
                           lambda p: int(p.delay_unit_ps) if p.uniform_delay else p.delays_ps)
    t, gid, port, val = sorted_inputs(w)
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
        counters=np.zeros(rt.N_COUNTERS, np.int64)), neurons


# -- running --------------------------------------------------------------------------------

def _run(kernel, net, stop_ps: int, progress: bool):
    """Run to stop_ps in chunks, draining the spike record after each."""
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=stop_ps / PS_PER_S, unit="s", desc="simulate_exact",
                   bar_format="{l_bar}{bar}| {n:.3f}/{total:.3f} s network time")
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


def _result(w, neurons, net, duration_s, gids, times, bin_s) -> ExactResult:
    off = w.offsets
    pop = np.searchsorted(off, gids, side="right") - 1
    order = np.lexsort([gids, times])
    gids, times, pop = gids[order], times[order], pop[order]
    c = net.counters
    counts = {"spikes": int(c[rt.SPIKES]), "synaptic_events": int(c[rt.SYN_EVENTS]),
              "neuron_updates": int(c[rt.UPDATES]), "threshold_checks": int(c[rt.CHECKS])}
    n_bins = max(1, int(np.ceil(duration_s / bin_s)))
    active = np.unique(gids * n_bins + np.minimum(times // round(bin_s * PS_PER_S), n_bins - 1))
    dense_pairs = sum(w.populations[p.pre].size * w.populations[p.post].size for p in w.projections)
    spikes_of = np.bincount(pop, minlength=len(w.populations))
    n_syn = sum(p.n_synapses for p in w.projections)
    metrics = {"synaptic_ops": counts["synaptic_events"],
               "dense_equivalent_ops": int(sum(spikes_of[p.pre] * w.populations[p.post].size
                                               for p in w.projections)),
               "activation_sparsity": 1.0 - active.shape[0] / (w.n_neurons * n_bins),
               "weight_sparsity": 1.0 - n_syn / dense_pairs if dense_pairs else 0.0}
    return ExactResult(duration_s, [p.name for p in w.populations],
                       [times[pop == p] for p in range(len(w.populations))],
                       [gids[pop == p] - off[p] for p in range(len(w.populations))],
                       counts, metrics, neurons.final_states(w))
