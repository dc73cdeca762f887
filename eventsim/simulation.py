"""``simulate``: run a Workload IR as a network, alone or on a machine, in discrete or in
continuous time.

    result = simulate(workload, dt_s=1e-4, n_steps=10_000)                        # steps of dt
    result = simulate(workload, integrator="exact", duration_s=1.0)               # no step
    result = simulate(workload, dt_s=1e-4, n_steps=100, machine=ir, placement=p)  # + hardware
    times_ps, neurons = result.spikes("exc")

One path for both integrators. The workload's neuron models are resolved and checked
(``neuron_model``); on a machine, its mapping (the routing IR, ``routing_ir.Mapping``) is
checked, or asked of the placement, whose floor builds it (``hardware_models.mapping``);
its neurons, projections and inputs are laid out in the integrator's unit of time
(``network_layout``: steps of dt, or picoseconds); one kernel is made; the integrator runs it
(``discrete_integrator``, ``exact_integrator``); one ``RunResult`` with spike times in
picoseconds and one set of metrics (``run_result.network_metrics``) comes back.

A run on a machine needs the machine's Machine IR (``hardware_models.lowering.lower``) and a
placement with ``core_of_neuron`` (``hardware_models.placement.place``). Its semantics decides
the timing of a discrete run (``step_model``): timer ticks, barrier steps, or event-driven in
the network's own time. An exact run needs an event-driven machine.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import discrete_integrator, exact_integrator
from .area import area_breakdown
from .errors import ConfigError
from .kernel import Kernel
from .machine_ir import MachineIR
from .machine_setup import require_actions
from .network_layout import NeuronLayout, ProjectionLayout, neuron_layout, projection_layout, \
    sorted_inputs
from .neuron_model import check_ports, load_exact_model, load_model
from .routing_ir import ROUTINGS, Mapping, placed_cores
from .run_result import RunResult, active_pairs, network_metrics
from .simtime import PS_PER_S, TIME_MAX_PS
from .workload_ir import WorkloadIR

INTEGRATORS = ("discrete", "exact")
RECORD_CAPACITY = 1 << 20
"""Spikes held in the compiled record buffer before the run pauses to drain it (a discrete
run holds at least one step's worth, every neuron)."""
ACTIVITY_BIN_S = 1e-3
"""An exact run's time bin for its activation sparsity and dense-equivalent operations (s)."""


@dataclass(frozen=True)
class Lowering:
    """A workload laid out for one integrator: its models (one per population), neurons and
    projections (``network_layout``), external inputs (time in the unit, global id, port,
    value; sorted by time), ``unit_ps`` (the integrator's unit of time: the step dt, or 1 ps;
    delays and input times are in it) and on a machine its ``mapping`` (else None)."""
    workload: WorkloadIR
    models: list
    neurons: NeuronLayout
    projections: ProjectionLayout
    inputs: tuple
    unit_ps: int
    mapping: Mapping | None


def simulate(workload: WorkloadIR, dt_s: float | None = None, n_steps: int | None = None, *,
             integrator: str = "discrete", duration_s: float | None = None,
             machine: MachineIR | None = None, placement=None, mapping: Mapping | None = None,
             routing: str | None = None, spike_bytes: int | None = None, noc: str | None = None,
             ring_slack: int | None = None, seed: int = 0, progress: bool = False,
             trace: bool = False, trace_capacity: int = 1 << 20,
             trace_window_ps: tuple | None = None, activity_bin_s: float | None = None,
             record_capacity: int = RECORD_CAPACITY) -> RunResult:
    """Run ``workload``; on ``machine`` with ``placement`` if given.

    Time: ``integrator`` "discrete" takes steps of ``dt_s`` seconds, ``n_steps`` of them (or
    as many as make ``duration_s``); "exact" runs ``duration_s`` seconds of network time event
    by event (models with an exact form only; ``exact_integrator``).

    On a machine: a spike packet is ``spike_bytes`` bytes (default 4); multicast ``routing``
    is by "population" (tables keyed by source core and population; the discrete default) or
    by "neuron" (exact trees; what an exact run uses), see
    ``hardware_models.mapping.map_network``. ``mapping``: the products of
    ``map_network(workload, machine, placement, ...)`` to reuse (when not given, the
    placement's ``map`` builds them; identical results); its routing and spike_bytes apply unless
    given, and one made for another machine, placement, connectivity, routing or packet size
    is refused. ``noc`` = "packets" (the discrete default) simulates every packet hop by hop
    with link contention (``noc_model``); "analytic" (what an exact run does) charges the same
    links, flits and core work but takes the network as uncontended and delivers in closed
    form (much faster; packets that would queue behind each other on a link do not; each core
    still serves them in the order they arrive, so that with one thread per core no barrier
    step, nor timer or event step whose work ends within its tick, is longer than with
    "packets").

    Discrete runs only: ``ring_slack`` input-ring slots beyond the longest delay on a machine
    (default 8; packets later than that are an error); ``trace``: record the busy intervals of
    cores, links and ports in ``result.kernel.trace`` (a ring of ``trace_capacity`` records,
    keeping the latest; only those starting in ``trace_window_ps`` = (t0, t1) if given; on a
    machine only; tracing never changes a result). Exact runs only: ``activity_bin_s``, the
    time bin of the activity metrics (default 1 ms; a discrete run's bin is its step).
    ``record_capacity``: spikes recorded between drains of the compiled record buffer."""
    if integrator not in INTEGRATORS:
        raise ConfigError(f"integrator must be one of {list(INTEGRATORS)}, got {integrator!r}")
    exact = integrator == "exact"
    unit_ps, n_steps, stop_ps = _run_time(exact, dt_s, n_steps, duration_s)
    _check_options(exact, machine, placement, mapping, routing, noc, ring_slack, trace,
                   trace_window_ps, activity_bin_s, record_capacity)
    bin_ps = _seconds_ps("activity_bin_s", ACTIVITY_BIN_S if activity_bin_s is None
                         else activity_bin_s) if exact else None
    models = [(load_exact_model if exact else load_model)(p) for p in workload.populations]
    check_ports(workload, models)
    on_machine = machine is not None
    if on_machine:
        _check_machine(machine, exact)
        if routing is None:
            routing = mapping.routing if mapping else ("neuron" if exact else "population")
        if spike_bytes is None:
            spike_bytes = mapping.spike_bytes if mapping else 4
        mapping = _mapping(workload, machine, placement, mapping, routing, spike_bytes)
        if exact and any(mapping.synapse_offchip):
            raise ConfigError("the placement keeps synapse rows off-chip; the exact integrator "
                              "models synapses in core SRAM only: run it with "
                              "integrator='discrete', or give the projections storage='sram'")
    low = lower(workload, models, unit_ps, exact, mapping)
    kernel = Kernel(seed=seed, queue_capacity=2 * workload.n_neurons + 1024, trace=trace,
                    trace_capacity=trace_capacity)
    if trace and trace_window_ps is not None:
        kernel.trace.set_window(*trace_window_ps)
    if exact:
        out = exact_integrator.run(low, kernel, machine, stop_ps, record_capacity, progress)
        n_bins = max(1, -(-stop_ps // bin_ps))
        active = active_pairs(out.gids, np.minimum(out.times_ps // bin_ps, n_bins - 1), n_bins)
        gids, times_ps, steps, start, finish = out.gids, out.times_ps, None, None, None
    else:
        out = discrete_integrator.run(low, kernel, machine, n_steps,
                                      8 if ring_slack is None else ring_slack,
                                      noc or "packets", record_capacity, progress)
        gids, steps, start, finish = out.gids, out.steps, out.step_start_ps, out.step_finish_ps
        times_ps, active, n_bins = steps * unit_ps, out.counts["spikes"], n_steps
    return _result(low, exact, stop_ps, dt_s, n_steps, gids, times_ps, steps, out.counts,
                   network_metrics(workload, active, n_bins, out.counts["synaptic_events"]),
                   start, finish, kernel if on_machine else None,
                   area_breakdown(machine) if on_machine else None)


# -- checks ---------------------------------------------------------------------------------

def _run_time(exact: bool, dt_s, n_steps, duration_s) -> tuple[int, int | None, int]:
    """(unit of time in ps, steps or None, end of the run in ps)."""
    if exact:
        if dt_s is not None or n_steps is not None:
            raise ConfigError("an exact run has no time step: give duration_s, not dt_s or "
                              "n_steps")
        stop_ps = _seconds_ps("duration_s", duration_s)
        return 1, None, stop_ps
    dt_ps = _seconds_ps("dt_s", dt_s)
    if (n_steps is None) == (duration_s is None):
        raise ConfigError("a discrete run needs n_steps or duration_s (one of them)")
    if n_steps is None:
        stop_ps = _seconds_ps("duration_s", duration_s)
        if stop_ps % dt_ps:
            raise ConfigError(f"duration_s = {duration_s} is not a whole number of steps of "
                              f"dt_s = {dt_s}")
        n_steps = stop_ps // dt_ps
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ConfigError(f"n_steps must be an int >= 1, got {n_steps!r}")
    return dt_ps, int(n_steps), int(n_steps) * dt_ps


def _seconds_ps(name: str, seconds) -> int:
    """``seconds`` (the option ``name``) as whole ps: a finite number > 0, at least 1 ps and
    below ``TIME_MAX_PS`` once rounded (ConfigError naming it otherwise)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not np.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{name} must be a finite number > 0, got {seconds!r}")
    ps = round(seconds * PS_PER_S)
    if ps < 1:
        raise ConfigError(f"{name} = {seconds} is below one picosecond (at least 1 ps needed)")
    if ps >= TIME_MAX_PS:
        raise ConfigError(f"{name} = {seconds} is outside 1 ps .. {TIME_MAX_PS} ps")
    return ps


def _check_options(exact, machine, placement, mapping, routing, noc, ring_slack, trace,
                   trace_window_ps, activity_bin_s, record_capacity) -> None:
    """ConfigError for an option the run cannot use."""
    on_machine = machine is not None
    if on_machine and placement is None:
        raise ConfigError("a run on a machine needs a placement (hardware_models.placement.place)")
    if mapping is not None and not on_machine:
        raise ConfigError("a mapping is for a run on a machine: pass machine= and placement= "
                          "with mapping=")
    if routing not in (None,) + ROUTINGS:
        raise ConfigError(f"routing must be 'population' or 'neuron', got {routing!r}")
    if noc not in (None,) + discrete_integrator.NOC_MODES:
        raise ConfigError(f"noc must be 'packets' or 'analytic', got {noc!r}")
    if trace and not on_machine:
        raise ConfigError("trace=True records hardware activity: pass machine= and placement=")
    if isinstance(record_capacity, bool) or not isinstance(record_capacity, (int, np.integer)) \
            or record_capacity < 1:
        raise ConfigError(f"record_capacity must be an int >= 1, got {record_capacity!r}")
    if exact:
        _check_exact_options(routing, noc, ring_slack, trace, trace_window_ps)
    elif activity_bin_s is not None:
        raise ConfigError("activity_bin_s is for exact runs; a discrete run's bin is its step")


def _check_exact_options(routing, noc, ring_slack, trace, trace_window_ps):
    if routing == "population":
        raise ConfigError("an exact run routes each neuron's spikes on its own tree "
                          "(routing='neuron'); routing='population' is for discrete runs")
    if noc == "packets":
        raise ConfigError("an exact run takes the NoC as uncontended (noc='analytic'); "
                          "packet-level contention needs the discrete integrator")
    if ring_slack is not None:
        raise ConfigError("ring_slack is for discrete runs on a machine (an exact run has no "
                          "input ring)")
    if trace or trace_window_ps is not None:
        raise ConfigError("trace is recorded by discrete runs on a machine only")


def _check_machine(ir: MachineIR, exact: bool) -> None:
    require_actions(ir, ("neuron_update", "synop"), "a network")
    if exact and ir.semantics != "event":
        raise ConfigError(f"machine {ir.name!r} steps its cores ({ir.semantics} semantics): an "
                          f"exact continuous-time run needs an event-driven machine; run it with "
                          f"integrator='discrete'")


# -- lowering -------------------------------------------------------------------------------

def _mapping(w, machine, placement, mapping, routing, spike_bytes) -> Mapping:
    """The run's mapping: ``mapping`` checked against the run, or the placement's
    (``placement.map``: the machine floor maps, ``hardware_models.mapping.map_network``)."""
    core_of = placed_cores(w, machine, placement)
    if mapping is None:
        if not callable(getattr(placement, "map", None)):
            raise ConfigError("this placement cannot map a workload (it has no map()): pass "
                              "mapping=hardware_models.mapping.map_network(workload, machine, "
                              "placement), or a hardware_models.placement.Placement")
        return placement.map(w, machine, routing=routing, spike_bytes=spike_bytes)
    if not isinstance(mapping, Mapping):
        raise ConfigError(f"mapping must be an eventsim.routing_ir.Mapping "
                          f"(hardware_models.mapping.map_network), got {type(mapping).__name__}")
    mapping.check(w, machine, core_of, routing, spike_bytes)
    return mapping


def lower(w: WorkloadIR, models: list, unit_ps: int, exact: bool,
          mapping: Mapping | None) -> Lowering:
    """Lay ``w`` out for an integrator whose unit of time is ``unit_ps``: the discrete one
    (float32 weights, delays in whole steps >= 1, each model's constants of one step) or the
    exact one (float64 weights, delays in ps, the models' time-free exact constants)."""
    if exact:
        neurons = neuron_layout(w, models, lambda m, params: m.exact.constants(params))
        projections = projection_layout(
            w, np.float64, np.int64,
            lambda pr: int(pr.delay_unit_ps) if pr.uniform_delay else pr.delays_ps)
        return Lowering(w, models, neurons, projections, sorted_inputs(w), 1, mapping)
    dt_s = unit_ps / PS_PER_S
    neurons = neuron_layout(w, models, lambda m, params: m.coefficients(params, dt_s))
    for rows, cols in _step_counted(w, models):
        neurons.state[rows, cols] = np.round(neurons.state[rows, cols] / dt_s)
    projections = projection_layout(w, np.float32, np.int32,
                                    lambda pr: discrete_integrator.delay_steps(pr, unit_ps))
    return Lowering(w, models, neurons, projections, sorted_inputs(w, unit_ps), unit_ps,
                    mapping)


def _step_counted(w: WorkloadIR, models):
    """Per population with ``step_counted`` state variables: (their state rows, the
    population's columns) in the layout's state array."""
    off = w.offsets
    for p, m in enumerate(models):
        if m.step_counted:
            rows = np.array([m.state.index(n) for n in m.step_counted])[:, None]
            yield rows, np.arange(off[p], off[p + 1])[None, :]


def _final_states(low: Lowering, exact: bool) -> list[np.ndarray]:
    """Per population: its state [neurons, variables] at the end of the run, durations in
    seconds (a discrete run's ``step_counted`` variables converted back from steps)."""
    final = low.neurons.final_states(low.workload)
    if not exact:
        for p, m in enumerate(low.models):
            for n in m.step_counted:
                final[p][:, m.state.index(n)] *= low.unit_ps / PS_PER_S
    return final


# -- result ---------------------------------------------------------------------------------

def _result(low, exact, stop_ps, dt_s, n_steps, gids, times_ps, steps, counts, metrics,
            step_start_ps, step_finish_ps, kernel, area_mm2) -> RunResult:
    """The RunResult: spikes split by population (in the integrator's time order)."""
    w = low.workload
    off = w.offsets
    pop = np.searchsorted(off, gids, side="right") - 1
    P = len(w.populations)
    return RunResult(
        integrator="exact" if exact else "discrete", duration_ps=int(stop_ps),
        population_names=[p.name for p in w.populations],
        spike_times_ps=[times_ps[pop == p].astype(np.int64) for p in range(P)],
        spike_neurons=[gids[pop == p] - off[p] for p in range(P)], counts=counts,
        metrics=metrics, final_state=_final_states(low, exact),
        dt_s=None if exact else dt_s, n_steps=n_steps,
        spike_steps=None if exact else [steps[pop == p] for p in range(P)],
        step_start_ps=step_start_ps, step_finish_ps=step_finish_ps, kernel=kernel,
        area_mm2=area_mm2)
