"""Scenario cuba_loihi: the CUBA balanced network on one Loihi chip, barrier-stepped and
event-driven (defaults and their meaning: ``cuba_loihi.toml``).

The same discrete-time network (``networks.builders.cuba``, one seed) runs twice on the Loihi
preset with the same placement:

- ``barrier``: the preset's semantics; step k + 1 starts at
  max(start[k] + step_us, end of step k's last work or packet + barrier time);
- ``event``: the machine's semantics replaced by "event" (``dataclasses.replace`` on the
  ``hardware_models`` Machine before lowering): step k starts at k x dt, in the network's own
  time; no barrier; only neurons with input or able to fire are updated (CUBA's rest potential
  lies above threshold, so every neuron is).

DESIGN.md: the semantics change timing and energy, never the spikes; ``spikes_identical`` says
whether every population's (step, neuron) spikes agree between the two runs.

Per sub-run figures (result keys ``barrier`` and ``event``):
- ``step_time_s`` {median, p99, max, mean}: the hardware time of a network step, from the step's
  start until its last work or packet ended, plus (barrier) the barrier that closes it. For an
  unthrottled barrier run this is the step period; an event run then waits for the next
  k x dt, so its ``duration_s`` (total hardware time, the last step's end) is steps x dt.
- ``step_period_s``: median time between consecutive step starts.
- ``energy_j`` (ledger total: dynamic + static power over ``duration_s``), ``energy_per_step_j``,
  ``dynamic_energy_per_step_j`` (without static power), ``energy_per_synaptic_event_j`` (total /
  synaptic events), ``energy_breakdown_j`` (compute, noc, memory, host_link, static;
  ``scenarios.breakdown``), ``power_w`` (total / duration).
- ``barrier_time_share`` (steps x barrier time / duration), ``barrier_energy_share`` (the
  ``barrier`` ledger rows / total), ``cores_used``, ``late_packets``, ``synaptic_events``,
  ``spikes``, ``neuron_updates``, ``firing_rate_hz`` (spikes / neurons / network time).
Top level: ``spikes_identical``, ``ratios`` (event / barrier of the figures above),
``n_neurons``, ``synapses``. Ledgers go to ``ledger.csv`` (runs ``barrier`` and ``event``), plot
data to ``run_data.npz`` (``latency_s`` = ``step_time_s`` of every step), and with --trace both
runs' first ``trace_steps`` steps to ``trace.json`` (Perfetto; one process per run and chip).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from eventsim.errors import ConfigError
from hardware_models.lowering import lower
from hardware_models.placement import STRATEGIES, place
from hardware_models.presets import preset
from networks.builders.cuba import cuba

from .breakdown import PARTS, breakdown
from .checks import finite_number, int_at_least, one_of
from .network_runs import NOC_MODES, perfetto_runs, simulate_traced, spikes_identical
from .output import write_json, write_ledger_csv
from .redraw import scenario_plots
from .run_data import network_run_data, save_run_data
from .text_table import text_table
from .units import PS_PER_S, nj, ratio, times, uj, us

SUPPORTS_TRACE = True
MACHINE = "loihi"
RUNS = ("barrier", "event")


# --------------------------------------------------------------------------- config

def check(config: dict) -> None:
    """Raise ConfigError for any value the scenario cannot run with."""
    int_at_least("n_neurons", config["n_neurons"], 5)
    finite_number("p_connect", config["p_connect"], 0.0, strict=True)
    if config["p_connect"] > 1:
        raise ConfigError(f"p_connect must be in (0, 1], got {config['p_connect']!r}")
    int_at_least("steps", config["steps"], 1)
    finite_number("dt_ms", config["dt_ms"], 0.0, strict=True)
    if round(config["dt_ms"] * 1e9) < 1:
        raise ConfigError(f"dt_ms must be at least one picosecond, got {config['dt_ms']!r}")
    finite_number("step_us", config["step_us"], 0.0, strict=False)
    one_of("noc", config["noc"], NOC_MODES)
    one_of("placement", config["placement"], STRATEGIES)
    int_at_least("trace_steps", config["trace_steps"], 1)


def machines(config: dict) -> dict:
    """{"barrier": MachineIR, "event": MachineIR}: the Loihi preset with the barrier run's minimum
    step, and the same machine with semantics "event"."""
    m = preset(MACHINE)
    if m.semantics != "barrier":
        raise ConfigError(f"cuba_loihi compares against the preset's barrier semantics; preset "
                          f"{MACHINE!r} has semantics {m.semantics!r}")
    return {"barrier": lower(replace(m, step_ps=int(round(config["step_us"] * 1e6)))),
            "event": lower(replace(m, semantics="event", step_ps=0))}


def machine(config: dict):
    """The Loihi preset: the numbers both runs' ledgers rest on (they differ only in semantics
    and step, which no ledger row rests on)."""
    return preset(MACHINE)


# --------------------------------------------------------------------------- one run

def barrier_ps(ir) -> int:
    """The barrier's time (ps): the slowest core's ``barrier`` action (0 without barriers)."""
    if ir.semantics != "barrier":
        return 0
    a = ir.action("barrier")
    return max(ir.action_time_ps(c, a) for c in range(ir.n_cores))


def step_times_ps(result, ir) -> np.ndarray:
    """Hardware time of every network step (ps): from its start until its last work or packet
    ended, plus the barrier that closes it (barrier semantics)."""
    return result.step_finish_ps - result.step_start_ps[:-1] + barrier_ps(ir)


def simulate_on(ir, workload, config, placement, seed, progress):
    """One sub-run on ``ir``, traced over its first ``trace_steps`` steps."""
    return simulate_traced(ir, workload, config["dt_ms"] * 1e-3, config["steps"], placement,
                           noc=config["noc"], seed=seed, progress=progress,
                           trace_steps=config["trace_steps"])


def _stats(values_ps: np.ndarray) -> dict:
    s = values_ps / PS_PER_S
    return {"median": float(np.median(s)), "p99": float(np.percentile(s, 99)),
            "max": float(s.max()), "mean": float(s.mean())}


def summarise(result, ir, placement, rows, n_neurons: int) -> dict:
    """The figures of one sub-run (see the module docstring)."""
    duration = int(result.hardware_time_ps)
    steps = result.n_steps
    b = breakdown(rows)
    total_pj = sum(b["energy_pj"].values())
    dynamic_pj = total_pj - b["energy_pj"]["static"]
    barrier_pj = sum(r["energy_pj"] for r in rows if r["action"] == "barrier")
    c = result.counts
    starts = result.step_start_ps
    return {
        "semantics": ir.semantics, "steps": steps, "dt_s": result.dt_s,
        "step_time_s": _stats(step_times_ps(result, ir)),
        "step_period_s": float(np.median(np.diff(starts))) / PS_PER_S,
        "duration_s": duration / PS_PER_S,
        "energy_j": total_pj * 1e-12,
        "energy_per_step_j": total_pj * 1e-12 / steps,
        "dynamic_energy_per_step_j": dynamic_pj * 1e-12 / steps,
        "energy_per_synaptic_event_j": (total_pj * 1e-12 / c["synaptic_events"]
                                        if c["synaptic_events"] else None),
        "energy_breakdown_j": {k: v * 1e-12 for k, v in b["energy_pj"].items()},
        "power_w": total_pj * 1e-12 / (duration / PS_PER_S) if duration else 0.0,
        "cores_used": placement.cores_used,
        "barrier_s": barrier_ps(ir) / PS_PER_S,
        "barrier_time_share": barrier_ps(ir) * steps / duration if duration else 0.0,
        "barrier_energy_share": barrier_pj / total_pj if total_pj else 0.0,
        "late_packets": c["late_packets"], "synaptic_events": c["synaptic_events"],
        "spikes": c["spikes"], "neuron_updates": c["neuron_updates"],
        "firing_rate_hz": c["spikes"] / (n_neurons * steps * result.dt_s),
        "trace_dropped_records": result.kernel.trace.dropped,
    }


# --------------------------------------------------------------------------- scenario

RATIO_KEYS = ("duration_s", "energy_per_step_j", "dynamic_energy_per_step_j",
              "energy_per_synaptic_event_j", "power_w")


def _ratios(event: dict, barrier: dict) -> dict:
    out = {k: ratio(event[k], barrier[k]) for k in RATIO_KEYS}
    for s in ("median", "p99"):
        out[f"step_time_{s}_s"] = ratio(event["step_time_s"][s], barrier["step_time_s"][s])
    return out


def run(config: dict, seed: int, out_dir: Path, progress: bool, trace: bool = False) -> dict:
    check(config)
    workload = cuba(config["n_neurons"], config["p_connect"], seed=seed)
    irs = machines(config)
    placement = place(workload, irs["barrier"], config["placement"])
    results, summaries, ledgers, data, docs = {}, {}, {}, {}, {}
    for name in RUNS:
        ir = irs[name]
        r = simulate_on(ir, workload, config, placement, seed, progress)
        rows = r.ledger.rows(int(r.hardware_time_ps))
        results[name], ledgers[name] = r, rows
        summaries[name] = summarise(r, ir, placement, rows, workload.n_neurons)
        data[name] = network_run_data(r, ir)
        data[name]["latency_s"] = step_times_ps(r, ir) / PS_PER_S
        if trace:
            docs[name] = r.kernel.trace.to_perfetto()
    write_ledger_csv(out_dir / "ledger.csv", ledgers)
    save_run_data(out_dir, data)
    if trace:
        write_json(out_dir / "trace.json", perfetto_runs(docs))
    n_exc = int(config["n_neurons"] * 0.8)
    return {**summaries,
            "spikes_identical": spikes_identical(results["barrier"], results["event"]),
            "ratios": _ratios(summaries["event"], summaries["barrier"]),
            "machine": MACHINE, "n_neurons": workload.n_neurons, "n_exc": n_exc,
            "n_inh": workload.n_neurons - n_exc,
            "synapses": int(sum(p.n_synapses for p in workload.projections))}


# --------------------------------------------------------------------------- output

TABLE_COLUMNS = (("step (median)", 15, lambda r: us(r["step_time_s"]["median"])),
                 ("step (p99)", 14, lambda r: us(r["step_time_s"]["p99"])),
                 ("total time", 14, lambda r: us(r["duration_s"])),
                 ("energy/step", 14, lambda r: uj(r["energy_per_step_j"])),
                 ("dyn./step", 13, lambda r: uj(r["dynamic_energy_per_step_j"])),
                 ("E/syn.event", 13, lambda r: nj(r["energy_per_synaptic_event_j"])))


def table(result: dict) -> str:
    """The summary ``eventsim run`` prints."""
    lines = [*text_table(TABLE_COLUMNS, [(n, result[n]) for n in RUNS], name_width=9),
             f"spikes identical: {result['spikes_identical']}; firing rate "
             f"{result['barrier']['firing_rate_hz']:.2f} Hz; {result['barrier']['cores_used']} "
             f"cores"]
    return "\n".join(lines)


def _rows(result, spec) -> list[str]:
    out = []
    for label, get, fmt in spec:
        b, e = get(result["barrier"]), get(result["event"])
        out.append(f"| {label} | {fmt(b)} | {fmt(e)} | {times(ratio(e, b))} |")
    return out


def report(result: dict) -> str:
    """report.md: the figures of both runs, their ratios and what was assumed."""
    c = result["config"]
    b, e = result["barrier"], result["event"]
    spec = [
        ("hardware time per step, median", lambda r: r["step_time_s"]["median"], us),
        ("hardware time per step, p99", lambda r: r["step_time_s"]["p99"], us),
        ("step period (median)", lambda r: r["step_period_s"], us),
        ("total hardware time", lambda r: r["duration_s"], us),
        ("energy per step", lambda r: r["energy_per_step_j"], uj),
        ("dynamic energy per step", lambda r: r["dynamic_energy_per_step_j"], uj),
        ("energy per synaptic event", lambda r: r["energy_per_synaptic_event_j"], nj),
        ("power", lambda r: r["power_w"], lambda w: f"{w * 1e3:.2f} mW"),
        ("barrier share of time", lambda r: r["barrier_time_share"], lambda s: f"{s:.3f}"),
        ("barrier share of energy", lambda r: r["barrier_energy_share"], lambda s: f"{s:.3f}"),
        ("cores used", lambda r: r["cores_used"], str),
        ("late packets", lambda r: r["late_packets"], str),
        ("synaptic events", lambda r: r["synaptic_events"], str),
        ("neuron updates", lambda r: r["neuron_updates"], str),
        ("spikes", lambda r: r["spikes"], str),
        ("firing rate", lambda r: r["firing_rate_hz"], lambda f: f"{f:.2f} Hz"),
    ]
    out = [f"# cuba_loihi ({result['run_id']})", "",
           f"CUBA balanced network: {result['n_neurons']} current-based LIF neurons "
           f"({result['n_exc']} excitatory, {result['n_inh']} inhibitory), connection "
           f"probability {c['p_connect']:g} ({result['synapses']} synapses), {c['steps']} steps "
           f"of {c['dt_ms']:g} ms, on one {result['machine']} chip, placement "
           f"{c['placement']!r}, NoC {c['noc']!r}, seed {result['seed']}.", "",
           f"**Spikes identical between the two semantics: {result['spikes_identical']}.**", "",
           "| | barrier | event | event / barrier |", "|---|---:|---:|---:|",
           *_rows(result, spec),
           "", "## Energy per step by part", "", "| part | barrier | event |", "|---|---:|---:|"]
    for p in PARTS:
        out.append(f"| {p} | {uj(b['energy_breakdown_j'][p] / b['steps'])} | "
                   f"{uj(e['energy_breakdown_j'][p] / e['steps'])} |")
    step_note = ("unthrottled (each step starts as soon as the previous one and its barrier are "
                 "done)" if c["step_us"] == 0 else f"at least {c['step_us']:g} us per step")
    out += ["", "## How the figures are defined, and what was assumed", "",
            f"- barrier: the preset's Loihi semantics, {step_note}; a barrier of "
            f"{us(b['barrier_s'])} (the slowest core's `barrier` action) closes every step, "
            "and each core is charged one barrier action per step.",
            f"- event: the same machine with semantics \"event\": step k starts at k x "
            f"{c['dt_ms']:g} ms (the network's own time), without barriers; only neurons with "
            "input or able to fire are updated (every CUBA neuron is: its rest potential lies "
            "above threshold).",
            "- Hardware time per step: from the step's start until its last work or packet "
            "ended (+ the barrier, barrier runs). An event run then idles until the next step "
            "time, so its total hardware time is steps x dt, and static power over that time "
            "dominates its energy; the dynamic energy per step compares the work alone.",
            "- Energy = dynamic ledger rows + static power of every core, router and the chip "
            "over the run's hardware time; parts as `scenarios.breakdown`.",
            "- Loihi costs are the preset's (Davies et al. 2018, Table 2 and estimates; see "
            "`hardware_models/presets/loihi.toml`)."]
    dropped = {n: result[n]["trace_dropped_records"] for n in RUNS}
    if any(dropped.values()):
        out.append(f"- The trace ring dropped records: {dropped}.")
    return "\n".join(out) + "\n"


plots = scenario_plots      # the figures: the standard ones of the run directory
