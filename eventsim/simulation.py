"""``simulate``: run a Workload IR as a discrete-time network, alone or on a machine.

    result = simulate(workload, dt_s=1e-4, n_steps=10_000)                      # numbers only
    result = simulate(workload, dt_s=1e-4, n_steps=100, machine=ir, placement=p)  # + hardware

A run on a machine needs the machine's Machine IR (``hardware_models.lowering.lower``) and a
placement with ``core_of_neuron`` (``hardware_models.placement.place``). Its semantics decides
the timing (``step_model``): timer ticks, barrier steps, or event-driven in the network's own time (only
neurons with input, or that could fire without it, are updated and charged). The result holds the spikes (per population, as step indices
and times), the counts the network did (updates, spikes, synaptic events), the NeuroBench-style
metrics, and on a machine the ledger, the hardware time of every step and the late packets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import network_runtime as rt
from .core_model import core_busy_ps, new_core_state
from .errors import ConfigError
from .kernel import Kernel
from .machine_ir import MachineIR
from .mapping import Mapping, map_network, placed_cores
from .neuron_model import check_ports, load_model, output_rows
from .network_layout import (N_SYN, PORT, POST_OFF, SOURCE, UNIFORM, ProjectionLayout,
                             model_names, neuron_layout, projection_layout, sorted_inputs)
from .noc_model import NocModel
from .simtime import PS_PER_S
from .static_power import register_static_power
from .step_model import new_step_state
from .workload_ir import WorkloadIR

RECORD_CAPACITY = 1 << 20
"""Spikes held in the compiled record buffer before the run pauses to drain it."""


@dataclass
class NetworkResult:
    """What a run produced. Times of steps: ``step * dt_s`` in network time; on a machine,
    ``step_start_ps[step]`` in hardware time (ps); ``step_finish_ps[step]``: when the last work or
    packet noted during that step ended (ps; see ``step_model.StepState``)."""
    dt_s: float
    n_steps: int
    population_names: list[str]
    spike_steps: list[np.ndarray]          # per population: step of each spike
    spike_neurons: list[np.ndarray]        # per population: population-local neuron id
    counts: dict
    metrics: dict
    final_state: list[np.ndarray]
    step_start_ps: np.ndarray | None = None
    step_finish_ps: np.ndarray | None = None
    kernel: Kernel | None = field(default=None, repr=False)

    def spikes(self, population: str | int) -> tuple[np.ndarray, np.ndarray]:
        """(steps, neurons) of the spikes of one population, in time order."""
        p = population if isinstance(population, int) else self.population_names.index(population)
        return self.spike_steps[p], self.spike_neurons[p]

    @property
    def hardware_time_ps(self) -> int | None:
        """Hardware time at the end of the last step (None without a machine)."""
        return None if self.step_start_ps is None else int(self.step_start_ps[-1])

    @property
    def ledger(self):
        return None if self.kernel is None else self.kernel.ledger


def simulate(workload: WorkloadIR, dt_s: float, n_steps: int, *, machine: MachineIR | None = None,
             placement=None, spike_bytes: int | None = None, ring_slack: int = 8,
             progress: bool = False, seed: int = 0, routing: str | None = None,
             noc: str = "packets", mapping: Mapping | None = None, trace: bool = False,
             trace_capacity: int = 1 << 20, trace_window_ps: tuple | None = None) -> NetworkResult:
    """Run ``workload`` for ``n_steps`` steps of ``dt_s`` seconds; on ``machine`` with
    ``placement`` if given. A spike packet is ``spike_bytes`` bytes (default 4); multicast
    ``routing`` is by "population" (tables keyed by source core and population; the default)
    or by "neuron" (exact trees), see ``mapping.map_network``. ``noc`` = "packets" simulates
    every packet hop by hop with link contention (``noc_model``); "analytic" charges the same
    links, flits and core work but takes the network as uncontended and delivers in closed
    form (much faster; packets that would queue behind each other on a link do not; each core
    still serves them in the order they arrive, so that with one thread per core no barrier
    step, nor timer or event step whose work ends within its tick, is longer than with
    "packets"). ``mapping``: the
    products of ``mapping.map_network(workload, machine, placement, ...)`` to reuse (built
    here when not given; identical results); its routing and spike_bytes apply unless given,
    and one made for another machine, placement, connectivity, routing or packet size is
    refused. ``trace``: record the busy intervals of cores, links and ports in
    ``result.kernel.trace`` (a ring of ``trace_capacity`` records, keeping the latest; only
    those starting in ``trace_window_ps`` = (t0, t1) if given; on a machine only; tracing never
    changes a result)."""
    dt_ps = _dt_ps(dt_s)
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ConfigError(f"n_steps must be an int >= 1, got {n_steps!r}")
    models = [load_model(p) for p in workload.populations]
    on_machine = machine is not None
    if on_machine and placement is None:
        raise ConfigError("a run on a machine needs a placement (hardware_models.placement.place)")
    if mapping is not None and not on_machine:
        raise ConfigError("a mapping is for a run on a machine: pass machine= and placement= "
                          "with mapping=")
    routing = routing if routing is not None else (mapping.routing if mapping else "population")
    spike_bytes = spike_bytes if spike_bytes is not None else (mapping.spike_bytes if mapping else 4)
    if routing not in ("population", "neuron"):
        raise ConfigError(f"routing must be 'population' or 'neuron', got {routing!r}")
    if noc not in ("packets", "analytic"):
        raise ConfigError(f"noc must be 'packets' or 'analytic', got {noc!r}")
    if on_machine:
        core_of = placed_cores(workload, machine, placement)
        if mapping is None:
            mapping = map_network(workload, machine, placement, routing=routing,
                                  spike_bytes=spike_bytes)
        else:
            mapping.check(workload, machine, core_of, routing, spike_bytes)
    check_ports(workload, models)
    neurons = neuron_layout(workload, models, lambda m, params: m.coefficients(params, dt_s))
    projections = projection_layout(workload, np.float32, np.int32,
                                    lambda pr: _delay_steps(pr, dt_ps))
    syn = _synapses(workload, projections, mapping) if on_machine else _no_synapses()
    longest = max(1, int(projections.delay.max(initial=1)),
                  int(projections.info[:, UNIFORM].max(initial=1)))
    D = longest + 1 + (ring_slack if on_machine else 0)
    net = _net_state(workload, neurons, models, syn, projections, dt_ps, D, n_steps)
    handlers = rt.step_handlers(neurons.models)
    if trace and not on_machine:
        raise ConfigError("trace=True records hardware activity: pass machine= and placement=")
    kernel = Kernel(seed=seed, queue_capacity=2 * workload.n_neurons + 1024, trace=trace,
                    trace_capacity=trace_capacity)
    if trace and trace_window_ps is not None:
        kernel.trace.set_window(*trace_window_ps)
    if on_machine:
        run = _attach_machine(kernel, handlers, net, machine, mapping, n_steps, noc)
        steps = run.hw.steps
    else:
        kind = kernel.add_kind("network_step", handlers.software_step, net, max_pushes=1)
        net.counters[rt.STEP_KIND] = kind
        steps = None
    kernel.schedule(0, int(net.counters[rt.STEP_KIND]), payload=0)
    kernel.compile(announce=kernels_named("network", neurons.models, on_machine))
    steps_seen, neurons_seen = _run(kernel, net, n_steps, progress)
    if on_machine:
        rt.charge_route_uses(kernel.ledger, run.hw.noc, run.hw)
        rt.charge_core_work(kernel.ledger, run.hw)
    return _result(workload, neurons, net, dt_s, n_steps, steps_seen, neurons_seen, steps,
                   kernel if on_machine else None)


# -- set-up ---------------------------------------------------------------------------------

def _dt_ps(dt_s) -> int:
    if not isinstance(dt_s, (int, float)) or not np.isfinite(dt_s) or dt_s <= 0:
        raise ConfigError(f"dt_s must be a finite number > 0, got {dt_s!r}")
    dt_ps = round(dt_s * PS_PER_S)
    if dt_ps < 1:
        raise ConfigError(f"dt_s = {dt_s} is below one picosecond")
    return dt_ps


def _delay_steps(pr, dt_ps: int) -> np.ndarray | int:
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


def _net_state(w, neurons, models, syn, projections, dt_ps, D, n_steps) -> rt.NetState:
    step, gid, port, val = sorted_inputs(w, dt_ps)
    outputs = output_rows(models)
    counters = np.zeros(rt.N_COUNTERS, np.int64)
    counters[rt.N_STEPS] = n_steps
    counters[rt.PAUSE_AT] = n_steps
    capacity = max(RECORD_CAPACITY, w.n_neurons)
    N = w.n_neurons
    ports = max(m.PORTS for m in models)
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
        dt_ps=np.int64(dt_ps),
        value=np.ones((D if (outputs >= 0).any() else 1, outputs.shape[1], N)),
        pop_outputs=outputs, counters=counters)


def _attach_machine(kernel, handlers, net, ir: MachineIR, m: Mapping, n_steps, noc_mode):
    for a in ("neuron_update", "synop"):
        if a not in ir.action_names:
            raise ConfigError(f"machine {ir.name!r} declares no {a!r} action; a network needs it")
    optional = lambda a: ir.action(a) if a in ir.action_names else -1
    actions = np.array([ir.action("neuron_update"), ir.action("synop"), optional("packet_send"),
                        optional("packet_recv"), optional("neuron_update_spiking")], np.int64)
    cores = new_core_state(ir, kernel)
    steps = new_step_state(ir, kernel, n_steps, network_step_ps=int(net.dt_ps))
    N, C = m.core_of.shape[0], ir.n_cores
    noc = NocModel(ir, max_in_flight=max(1 << 16, 2 * N))
    noc.add_route_table(m.routes)
    noc.attach(kernel, max_pushes=m.max_copies)     # kinds: NoC hop, network step, spike delivery
    on_core = np.bincount(m.core_of, minlength=C).astype(np.int64)
    zeros_c = lambda: np.zeros(C, np.int64)
    hw = rt.HwState(
        cores=cores, steps=steps, noc=noc.state, core_of=m.core_of, route_of=m.route_of,
        n_dest=m.n_dest, dest_ptr=m.dest_ptr, dest_core=m.dest_core, dest_lo=m.dest_lo,
        dest_hi=m.dest_hi,
        dest_synop_ps=core_busy_ps(cores, m.dest_core, int(actions[1]), m.dest_hi - m.dest_lo),
        updates_on_core=zeros_c(), neurons_on_core=on_core, actions=actions,
        spike_bytes=np.int64(m.spike_bytes), multicast=np.bool_(ir.multicast),
        analytic=np.bool_(noc_mode == "analytic"), route_link_ptr=m.tree_link_ptr,
        route_link=m.tree_link, route_dest_ptr=m.tree_dest_ptr,
        route_dest_core=m.tree_dest_core, route_dest_tail_ps=m.tree_dest_tail_ps,
        route_uses=np.zeros(m.tree_link_ptr.shape[0] - 1, np.int64),
        update_busy_ps=core_busy_ps(cores, np.arange(C), int(actions[0]), on_core),
        update_count=zeros_c(), update_ps=zeros_c(), recv_count=zeros_c(),
        synop_count=zeros_c(), synop_busy_ps=zeros_c(), dest_tree_pos=m.dest_tree_pos,
        update_rank=_rank_on_core(m.core_of, C), chain_ps=zeros_c(),
        chain_rank=np.full(C, -1, np.int64), spiking_count=zeros_c(), spiking_ps=zeros_c(),
        arr_core_end=zeros_c(), **_arrival_buffer(m, ir, noc_mode, net.ring.shape[0]))
    run = rt.HwNet(net, hw)
    packets = N if ir.multicast else int(np.diff(m.dest_ptr).sum())   # most packets in one step
    step_kind = kernel.add_kind("network_step", handlers.machine_step, run,
                                max_pushes=packets + 1)
    noc.deliver_as(kernel.add_kind("spike_delivery", rt.deliver_packet, run, max_pushes=1))
    register_static_power(kernel.ledger, ir)
    net.counters[rt.STEP_KIND] = step_kind
    return run


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

def kernels_named(runtime: str, models, on_machine: bool) -> str:
    """What a run's compiled loop is, for its compile announcement (``Kernel.compile``):
    e.g. "the network kernels for models cuba, lif on a machine" (``models``: the set)."""
    return (f"the {runtime} kernels for models {model_names(models)}"
            + (" on a machine" if on_machine else ""))


def _run(kernel, net, n_steps, progress):
    """Run to the end, draining the spike record whenever the step handler pauses."""
    c = net.counters
    chunk = max(1, n_steps // 100) if progress else n_steps
    bar = _bar(n_steps) if progress else None
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


def _bar(n_steps):
    from tqdm import tqdm
    return tqdm(total=n_steps, unit="step", desc="simulate")


def _result(w, neurons, net, dt_s, n_steps, steps_seen, gids, steps, kernel) -> NetworkResult:
    off = w.offsets
    pop = np.searchsorted(off, gids, side="right") - 1
    spike_steps = [steps_seen[pop == p] for p in range(len(w.populations))]
    spike_neurons = [gids[pop == p] - off[p] for p in range(len(w.populations))]
    c = net.counters
    counts = {"steps": n_steps, "neuron_updates": int(c[rt.UPDATES]), "spikes": int(c[rt.SPIKES]),
              "synaptic_events": int(c[rt.SYN_EVENTS]), "late_packets": int(c[rt.LATE])}
    metrics = _metrics(w, counts, n_steps)
    final = neurons.final_states(w)
    return NetworkResult(dt_s, n_steps, [p.name for p in w.populations], spike_steps,
                         spike_neurons, counts, metrics, final,
                         None if steps is None else steps.start_ps.copy(),
                         None if steps is None else _finish_ps(steps), kernel)


def _finish_ps(steps) -> np.ndarray:
    finish = steps.finish_ps.copy()
    finish[-1] = steps.latest_finish_ps[0]
    return finish


def _metrics(w: WorkloadIR, counts: dict, n_steps: int) -> dict:
    """NeuroBench-style: effective synaptic operations (accumulates: one per synaptic event),
    dense-equivalent operations (every pre x post pair of every projection, every step),
    activation sparsity (1 - spikes per neuron and step) and weight sparsity (1 - synapses over
    the dense pre x post pairs)."""
    dense_pairs = sum(w.populations[p.pre].size * w.populations[p.post].size for p in w.projections)
    n_syn = sum(p.n_synapses for p in w.projections)
    neuron_steps = w.n_neurons * n_steps
    return {"synaptic_ops": counts["synaptic_events"],
            "dense_equivalent_ops": dense_pairs * n_steps,
            "activation_sparsity": 1.0 - counts["spikes"] / neuron_steps,
            "weight_sparsity": 1.0 - n_syn / dense_pairs if dense_pairs else 0.0}
