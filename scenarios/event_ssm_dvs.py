"""Scenario event_ssm_dvs: a synthetic DVS moving bar through an event-based SSM stack, on
SpiNNaker2 and on Loihi (defaults and their meaning: ``event_ssm_dvs.toml``).

Input: ``networks.inputs_dvs.moving_bar`` on a width x height sensor (seeded), pooled into
``pool_px`` square patches x 2 polarities: one input relay per patch and polarity, whose input in
a step is the number of events of that patch and polarity in the step's window of ``dt_ms``
(the full 128 x 128 x 2 = 32768 inputs would need a 32768 x modes B matrix, 2 x 2.1 M synapses
at 64 modes, more than a SpiNNaker2 chip's SRAM). Network: ``networks.builders.ssm.ssm_stack``
(modes fed by B, read out by C, GELU between layers, a hidden feature sends an event only when
|y| > ``event_threshold``; modes update only when input arrives). Each projection takes one
step, so the window that enters at step k reaches the last layer's features at step k + 2L
(L layers); the run has (sensor steps + 2L) steps so that every window gets through.

The same network runs on each machine (sub-runs ``spinnaker2``: timer semantics, one network
step per ``tick_us``; ``loihi``: barrier semantics, at least ``step_us`` per step). Figures per
machine (result keys ``spinnaker2`` and ``loihi``):

- ``latency_per_window_s`` (the median window's, lower median; ``latency_p99_s``): for each
  window with input events, the
  sensor link's transfer of its events (link latency + bytes / bandwidth; 0 when
  ``bytes_per_event`` = 0) + the hardware time from the start of the step that takes the window
  in (step k) until the work of step k + 2L (the last layer's features receiving it) ended.
  In real time the events of a window are collected during the dt_ms before that step: an event
  waits dt_ms / 2 on average for its window to close, which is not included.
  ``latency_breakdown_s`` splits the median window into ``sensor_link`` and ``on_chip``.
- ``energy_per_input_event_j``: the run's ledger total (dynamic + static over the run's hardware
  time, the 2L drain steps included) / DVS events (``dynamic_energy_per_input_event_j``: the
  same without static power); ``energy_per_sensor_second_j``: total /
  sensor time; ``power_w``: total / hardware time; ``energy_breakdown_j``: compute, noc,
  memory, host_link (the sensor link), static (``scenarios.breakdown``).
- ``activity_sparsity`` {population: 1 - events / (units x steps)} of the SSM layers' modes and
  features, measured, and ``activity_sparsity_all`` over all of them.
- ``events`` {population: events sent}, ``synaptic_events``, ``neuron_updates``,
  ``cores_used``, ``late_packets``, ``step_work_s`` {median, max} (from a step's start until its
  last work ended), ``overrun_steps`` (timer: steps whose work outlasted the tick), ``duration_s``.
Top level: ``input`` (DVS event counts, channels, pooling), ``spikes_identical`` (both machines
sent the same events at the same network steps: true unless packets came late), ``ratios`` (loihi / spinnaker2 of
latency, energy and dynamic energy per input event, energy per sensor second, power). Ledgers
go to ``ledger.csv`` and plot data to ``run_data.npz`` (runs ``spinnaker2`` and ``loihi``;
``latency_s`` = the latency of every window with input), and with --trace the first
``trace_steps`` steps of both runs to ``trace.json`` (Perfetto; one process per run and chip).
``estimated_share`` (``scenarios.uncertainty``): each run's ledger on its machine
(``ledger_machine``).
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from eventsim.errors import ConfigError
from hardware_models.lowering import lower
from hardware_models.placement import STRATEGIES, place
from hardware_models.presets import preset
from networks.builders.ssm import DISCRETISATIONS, ssm_stack
from networks.inputs_dvs import dvs_inputs, moving_bar, pooled_shape
from networks.neurons.activation import FUNCTIONS

from . import host_link
from .breakdown import PARTS, breakdown
from .checks import finite_number, int_at_least, one_of
from .network_runs import NOC_MODES, perfetto_runs, simulate_traced, spikes_identical
from .output import write_json, write_ledger_csv
from .redraw import scenario_plots
from .run_data import network_run_data, save_run_data
from .text_table import text_table
from .units import PS_PER_S, mj, ms, ratio, times, uj

SUPPORTS_TRACE = True
MACHINES = ("spinnaker2", "loihi")


# --------------------------------------------------------------------------- config

def check(config: dict) -> None:
    """Raise ConfigError for any value the scenario cannot run with."""
    finite_number("duration_ms", config["duration_ms"], 0.0, strict=True)
    finite_number("dt_ms", config["dt_ms"], 0.0, strict=True)
    if round(config["dt_ms"] * 1e9) < 1:
        raise ConfigError(f"dt_ms must be at least one picosecond, got {config['dt_ms']!r}")
    if config["duration_ms"] < config["dt_ms"]:
        raise ConfigError(f"duration_ms must be >= dt_ms ({config['dt_ms']}), "
                          f"got {config['duration_ms']!r}")
    one_of("placement", config["placement"], STRATEGIES)
    one_of("noc", config["noc"], NOC_MODES)
    int_at_least("trace_steps", config["trace_steps"], 1)
    s = config["sensor"]
    for k in ("width_px", "height_px", "bar_width_px", "pool_px"):
        int_at_least(f"sensor.{k}", s[k], 1)
    finite_number("sensor.speed_px_per_ms", s["speed_px_per_ms"], 0.0, strict=True)
    for k in ("refractory_us", "noise_hz", "jitter_us"):
        finite_number(f"sensor.{k}", s[k], 0.0, strict=False)
    int_at_least("sensor.bytes_per_event", s["bytes_per_event"], 0)
    m = config["model"]
    if not isinstance(m["modes"], list) or not m["modes"]:
        raise ConfigError(f"model.modes must be a non-empty list of mode counts, "
                          f"got {m['modes']!r}")
    for n in m["modes"]:
        int_at_least("model.modes[]", n, 1)
    int_at_least("model.features", m["features"], 1)
    one_of("model.discretisation", m["discretisation"], DISCRETISATIONS)
    one_of("model.activation", m["activation"], FUNCTIONS)
    finite_number("model.event_threshold", m["event_threshold"], 0.0, strict=False)
    levels = [lv.name for lv in preset("spinnaker2").core.dvfs]
    one_of("spinnaker2.dvfs", config["spinnaker2"]["dvfs"], levels)
    finite_number("spinnaker2.tick_us", config["spinnaker2"]["tick_us"], 0.0, strict=True)
    finite_number("loihi.step_us", config["loihi"]["step_us"], 0.0, strict=False)


# --------------------------------------------------------------------------- the workload

def sensor_steps(config: dict) -> int:
    """Network steps (windows) of sensor time: duration / dt, rounded up."""
    return max(1, math.ceil(round(config["duration_ms"] / config["dt_ms"], 9)))


def sensor_events(config: dict, seed: int):
    """The DVS stream (``networks.inputs_dvs.DvsEvents``) of the config's sensor."""
    s = config["sensor"]
    return moving_bar(s["width_px"], s["height_px"], s["speed_px_per_ms"], s["bar_width_px"],
                      config["duration_ms"] * 1e-3, refractory_s=s["refractory_us"] * 1e-6,
                      noise_hz=s["noise_hz"], jitter_s=s["jitter_us"] * 1e-6, seed=seed)


def n_channels(config: dict) -> int:
    """Input relays: pooled patches x 2 polarities."""
    s = config["sensor"]
    cols, rows = pooled_shape(s["width_px"], s["height_px"], s["pool_px"])
    return 2 * cols * rows


def build_workload(config: dict, seed: int, events):
    """The SSM stack (``SsmStack``) with the pooled DVS events as its input."""
    m = config["model"]
    stack = ssm_stack(n_channels(config), list(m["modes"]), m["features"],
                      discretisation=m["discretisation"], step_s=config["dt_ms"] * 1e-3,
                      seed=seed, activation=m["activation"],
                      event_threshold=m["event_threshold"])
    inputs = dvs_inputs(0, events, config["sensor"]["pool_px"])
    return replace(stack, workload=replace(stack.workload, inputs=[inputs]))


def machines(config: dict) -> dict:
    """{"spinnaker2": timer machine with the config's tick and DVFS level, "loihi": barrier
    machine with the config's minimum step} (hardware_models Machines)."""
    s2 = preset("spinnaker2").with_dvfs(config["spinnaker2"]["dvfs"])
    lo = preset("loihi")
    for m, semantics in ((s2, "timer"), (lo, "barrier")):
        if m.semantics != semantics:
            raise ConfigError(f"event_ssm_dvs expects preset {m.name!r} with {semantics} "
                              f"semantics, got {m.semantics!r}")
    return {"spinnaker2": replace(s2, step_ps=int(round(config["spinnaker2"]["tick_us"] * 1e6))),
            "loihi": replace(lo, step_ps=int(round(config["loihi"]["step_us"] * 1e6)))}


def machine_irs(config: dict) -> dict:
    """``machines(config)``, lowered."""
    return {name: lower(m) for name, m in machines(config).items()}


def ledger_machine(config: dict, run: str):
    """The machine ledger ``run`` (``spinnaker2`` or ``loihi``) ran on, for
    ``estimated_share`` (``scenarios.uncertainty``)."""
    return machines(config)[run]


ESTIMATED_SHARE_NOTE = (
    "Each run rests on its own machine's numbers; the top-level share is the first run's "
    "(spinnaker2). The energy figures are sums of ledger rows (the sensor link's bytes "
    "included). The latencies are read from the run's timeline, not the ledger: the step work "
    "is busy time of the ledger, hop latencies and the sensor link's latency are in no busy "
    "time (though their numbers count in the busy-time share of the rows resting on them), and "
    "the steps' spacing is the config's tick or minimum step (no estimate). Events, activity "
    "sparsity and synaptic events are the network's own (no machine number).")


# --------------------------------------------------------------------------- one machine

def window_latency_ps(result, window_steps: np.ndarray, depth: int,
                      link_ps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(total, on-chip) latency (ps) of each window in ``window_steps``: ``link_ps`` + from the
    start of step k to the end of the work of step k + depth."""
    on_chip = result.step_finish_ps[window_steps + depth] - result.step_start_ps[window_steps]
    return on_chip + link_ps, on_chip


def layer_sparsity(result, workload) -> tuple[dict, dict, float]:
    """({population: events}, {population: 1 - events / (units x steps)} of every population but
    the input, the same over all of them)."""
    events, sparsity = {}, {}
    sent = units = 0
    for p, pop in enumerate(workload.populations):
        n = int(result.spike_steps[p].size)
        events[pop.name] = n
        if p == 0:
            continue
        sparsity[pop.name] = 1.0 - n / (pop.size * result.n_steps)
        sent += n
        units += pop.size
    return events, sparsity, 1.0 - sent / (units * result.n_steps)


def run_machine(ir, stack, events, config: dict, seed: int, progress: bool) -> tuple:
    """One sub-run: (summary, run data, ledger rows, Perfetto document, NetworkResult)."""
    w = stack.workload
    depth = 2 * len(stack.lambdas)
    n_windows = sensor_steps(config)
    n_steps = n_windows + depth
    dt_s = config["dt_ms"] * 1e-3
    placement = place(w, ir, config["placement"])
    r = simulate_traced(ir, w, dt_s, n_steps, placement, noc=config["noc"], seed=seed,
                        progress=progress, trace_steps=config["trace_steps"])
    duration = int(r.hardware_time_ps)
    bpe = config["sensor"]["bytes_per_event"]
    sensor_bytes = len(events) * bpe
    if sensor_bytes > 0:
        host_link.charge(r.ledger, ir, "to_chip", sensor_bytes)
    rows = r.ledger.rows(duration)
    per_window = np.bincount(events.t_ps // int(round(dt_s * PS_PER_S)), minlength=n_windows)
    with_input = np.flatnonzero(per_window)
    link = host_link.transfers_ps(ir, per_window[with_input] * bpe)
    latency, on_chip = window_latency_ps(r, with_input, depth, link)
    b = breakdown(rows)
    total_pj = sum(b["energy_pj"].values())
    sent, sparsity, sparsity_all = layer_sparsity(r, w)
    work = r.step_finish_ps - r.step_start_ps[:-1]
    mid = int(np.argsort(latency, kind="stable")[(latency.size - 1) // 2]) if latency.size \
        else None
    summary = {
        "semantics": ir.semantics, "steps": n_steps, "windows": n_windows,
        "windows_with_input": int(with_input.size),
        "latency_per_window_s": int(latency[mid]) / PS_PER_S if mid is not None else None,
        "latency_p99_s": float(np.percentile(latency, 99)) / PS_PER_S if latency.size else None,
        "latency_breakdown_s": ({"sensor_link": int(link[mid]) / PS_PER_S,
                                 "on_chip": int(on_chip[mid]) / PS_PER_S}
                                if mid is not None else None),
        "energy_j": total_pj * 1e-12,
        "energy_per_input_event_j": total_pj * 1e-12 / len(events) if len(events) else None,
        "dynamic_energy_per_input_event_j": ((total_pj - b["energy_pj"]["static"]) * 1e-12
                                             / len(events) if len(events) else None),
        "energy_per_sensor_second_j": total_pj * 1e-12 / (config["duration_ms"] * 1e-3),
        "power_w": total_pj * 1e-12 / (duration / PS_PER_S) if duration else 0.0,
        "energy_breakdown_j": {k: v * 1e-12 for k, v in b["energy_pj"].items()},
        "duration_s": duration / PS_PER_S,
        "cores_used": placement.cores_used,
        "activity_sparsity": sparsity, "activity_sparsity_all": sparsity_all,
        "events": sent, "synaptic_events": r.counts["synaptic_events"],
        "neuron_updates": r.counts["neuron_updates"], "late_packets": r.counts["late_packets"],
        "step_work_s": {"median": float(np.median(work)) / PS_PER_S,
                        "max": float(work.max()) / PS_PER_S},
        "overrun_steps": (int((work > ir.step_ps).sum()) if ir.semantics == "timer" else 0),
        "step_s": ir.step_ps / PS_PER_S,
        "trace_dropped_records": r.kernel.trace.dropped,
    }
    data = network_run_data(r, ir)
    data["latency_s"] = latency / PS_PER_S
    return summary, data, rows, r.kernel.trace.to_perfetto(), r


# --------------------------------------------------------------------------- scenario

RATIO_KEYS = ("latency_per_window_s", "energy_per_input_event_j",
              "dynamic_energy_per_input_event_j", "energy_per_sensor_second_j", "power_w")


def run(config: dict, seed: int, out_dir: Path, progress: bool, trace: bool = False) -> dict:
    check(config)
    events = sensor_events(config, seed)
    stack = build_workload(config, seed, events)
    irs = machine_irs(config)
    result, ledgers, data, docs, runs = {}, {}, {}, {}, {}
    for name in MACHINES:
        result[name], data[name], ledgers[name], docs[name], runs[name] = run_machine(
            irs[name], stack, events, config, seed, progress)
    write_ledger_csv(out_dir / "ledger.csv", ledgers)
    save_run_data(out_dir, data)
    if trace:
        write_json(out_dir / "trace.json", perfetto_runs(docs))
    s = config["sensor"]
    cols, rows = pooled_shape(s["width_px"], s["height_px"], s["pool_px"])
    result["input"] = {"events": len(events), "on_events": events.n_on,
                       "off_events": events.n_off, "sensor_s": config["duration_ms"] * 1e-3,
                       "events_per_s": len(events) / (config["duration_ms"] * 1e-3),
                       "channels": n_channels(config), "pooled_px": [cols, rows],
                       "channel_steps_with_input": result[MACHINES[0]]["events"]["input"]}
    a, b = result["loihi"], result["spinnaker2"]
    result["ratios"] = {k: ratio(a[k], b[k]) for k in RATIO_KEYS}
    result["spikes_identical"] = spikes_identical(*(runs[n] for n in MACHINES))
    result["layers"] = len(stack.lambdas)
    result["synapses"] = int(sum(p.n_synapses for p in stack.workload.projections))
    return result


# --------------------------------------------------------------------------- output

TABLE_COLUMNS = (("latency/window", 16, lambda r: ms(r["latency_per_window_s"])),
                 ("E/input event", 15, lambda r: uj(r["energy_per_input_event_j"])),
                 ("E/sensor s", 13, lambda r: mj(r["energy_per_sensor_second_j"])),
                 ("power", 10, lambda r: f"{r['power_w'] * 1e3:.1f}mW"),
                 ("cores", 7, lambda r: str(r["cores_used"])),
                 ("sparsity", 10, lambda r: f"{r['activity_sparsity_all']:.3f}"))


def table(result: dict) -> str:
    """The summary ``eventsim run`` prints."""
    lines = [*text_table(TABLE_COLUMNS, [(n, result[n]) for n in MACHINES], name_width=11),
             f"{result['input']['events']} DVS events "
             f"({result['input']['events_per_s'] / 1e3:.1f} k/s) into "
             f"{result['input']['channels']} channels"]
    return "\n".join(lines)


def report(result: dict) -> str:
    """report.md: the figures on both machines, their ratios and what was assumed."""
    c = result["config"]
    s, m, i = c["sensor"], c["model"], result["input"]
    sp, lo = result["spinnaker2"], result["loihi"]
    spec = [
        ("latency per window, median", "latency_per_window_s", ms),
        ("latency per window, p99", "latency_p99_s", ms),
        ("energy per input event", "energy_per_input_event_j", uj),
        ("dynamic energy per input event", "dynamic_energy_per_input_event_j", uj),
        ("energy per second of sensor time", "energy_per_sensor_second_j", mj),
        ("power", "power_w", lambda w: f"{w * 1e3:.1f} mW"),
        ("total energy", "energy_j", mj),
        ("hardware time", "duration_s", ms),
        ("step work, median", None, None),
        ("cores used", "cores_used", str),
        ("activity sparsity (all SSM layers)", "activity_sparsity_all", lambda x: f"{x:.3f}"),
        ("synaptic events", "synaptic_events", str),
        ("neuron updates", "neuron_updates", str),
        ("late packets", "late_packets", str),
    ]
    out = [f"# event_ssm_dvs ({result['run_id']})", "",
           f"A {s['bar_width_px']} px wide bar sweeps across a {s['width_px']} x "
           f"{s['height_px']} DVS at {s['speed_px_per_ms']:g} px/ms for "
           f"{c['duration_ms']:g} ms (refractory {s['refractory_us']:g} us, noise "
           f"{s['noise_hz']:g} Hz per pixel, jitter {s['jitter_us']:g} us, seed "
           f"{result['seed']}): {i['events']} events ({i['on_events']} ON, {i['off_events']} "
           f"OFF), pooled into {s['pool_px']} x {s['pool_px']} patches: "
           f"{i['pooled_px'][0]} x {i['pooled_px'][1]} x 2 = {i['channels']} input channels, "
           f"windows of {c['dt_ms']:g} ms.", "",
           f"SSM stack: {result['layers']} layers of {m['modes']} complex modes, {m['features']} "
           f"features, discretisation {m['discretisation']!r}, {m['activation']} between layers, "
           f"event threshold {m['event_threshold']:g}; {result['synapses']} synapses.", "",
           "| | spinnaker2 | loihi | loihi / spinnaker2 |", "|---|---:|---:|---:|"]
    for label, key, fmt in spec:
        if key is None:
            a, b = sp["step_work_s"]["median"], lo["step_work_s"]["median"]
            out.append(f"| {label} | {ms(a)} | {ms(b)} | {times(ratio(b, a))} |")
            continue
        a, b = sp[key], lo[key]
        out.append(f"| {label} | {fmt(a)} | {fmt(b)} | {times(ratio(b, a))} |")
    out += ["", "## Latency of the median window by part", "",
            "| part | spinnaker2 | loihi |", "|---|---:|---:|"]
    for part in ("sensor_link", "on_chip"):
        out.append(f"| {part} | {ms((sp['latency_breakdown_s'] or {}).get(part))} | "
                   f"{ms((lo['latency_breakdown_s'] or {}).get(part))} |")
    out += ["", "## Energy per input event by part", "", "| part | spinnaker2 | loihi |",
            "|---|---:|---:|"]
    for p in PARTS:
        out.append(f"| {p} | {uj(sp['energy_breakdown_j'][p] / max(i['events'], 1))} | "
                   f"{uj(lo['energy_breakdown_j'][p] / max(i['events'], 1))} |")
    out += ["", "## Events and activity sparsity per population (measured)", "",
            f"Same events at the same steps on both machines: {result['spikes_identical']}.", "",
            "| population | events spinnaker2 | events loihi | sparsity spinnaker2 | "
            "sparsity loihi |", "|---|---:|---:|---:|---:|"]
    for pop, n in sp["events"].items():
        cells = [f"{r['activity_sparsity'][pop]:.3f}" if pop in r["activity_sparsity"]
                 else "(input)" for r in (sp, lo)]
        out.append(f"| {pop} | {n} | {lo['events'][pop]} | {cells[0]} | {cells[1]} |")
    lo_step = ("unthrottled" if c["loihi"]["step_us"] == 0
               else f"at least {c['loihi']['step_us']:g} us per step")
    out += ["", "## How the figures are defined, and what was assumed", "",
            f"- SpiNNaker2: timer semantics, one network step per {c['spinnaker2']['tick_us']:g} "
            f"us tick, DVFS {c['spinnaker2']['dvfs']!r}; Loihi: barrier semantics, {lo_step}. "
            f"Both run {sp['steps']} steps: {sp['windows']} windows + {sp['steps'] - sp['windows']}"
            f" steps for the last window to reach the output.",
            f"- Latency of a window: sensor link (host link latency + the window's bytes at "
            f"{s['bytes_per_event']} B per event / bandwidth) + the hardware time from the step "
            f"that takes the window in until the work of the step {2 * result['layers']} steps "
            "later (one step per projection) ended. Collecting the window itself (dt_ms) is not "
            "included.",
            "- Energy: dynamic ledger rows + static power of every core, router, memory and the "
            "chip over the run's hardware time, + the sensor events' bytes on the host link "
            "(`host_link`). Per second of sensor time: total / sensor duration.",
            "- Pooling sums a patch's events of one polarity in a window into one graded input; "
            "the modes use the discretisation above (\"dirac\": each window's input an impulse).",
            "- The SSM modes send two values (Re h, Im h) per event and the hidden features one "
            "graded value: both machines are charged one packet per event. First-generation "
            "Loihi has binary spikes only (graded spikes came with Loihi 2), so the Loihi figures "
            "are those of a Loihi-like chip with graded events; a mode or feature update is "
            "charged as one `neuron_update` (a complex exponential on an M4F takes more cycles "
            "than the preset's LIF update).",
            "- Timer and barrier machines update every unit every step (`neuron_updates`); "
            "only the events are sparse.",
            f"- SpiNNaker2 steps whose work outlasted the tick: {sp['overrun_steps']}; longest "
            f"step work {ms(sp['step_work_s']['max'])} (spinnaker2), "
            f"{ms(lo['step_work_s']['max'])} (loihi)."]
    dropped = {n: result[n]["trace_dropped_records"] for n in MACHINES}
    if any(dropped.values()):
        out.append(f"- The trace ring dropped records: {dropped}.")
    return "\n".join(out) + "\n"


plots = scenario_plots      # the figures: the standard ones of the run directory
