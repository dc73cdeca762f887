"""Scenario egru_spinnaker2: an EGRU language model at batch 1 on one SpiNNaker2 chip, and a
dense GRU of equal size on the same chip (defaults and their meaning: ``egru_spinnaker2.toml``).

The EGRU runs event by event (``eventsim.simulate``) under the machine's timer semantics with a
``tick_us`` tick: token t's embedding enters at tick t, EGRU layer l handles it at tick t + l,
and the last layer's events leave for the host at tick t + L. The dense GRU runs as software
threads (``scenarios.dense_gru``).

Per-token figures:
- ``latency_per_token_s``: the median token's (lower median) host-in transfer + the ticks from the token's
  first to its last step + the work of that last step (until its last work ended,
  ``step_finish_ps``) + host-out transfer (host link latency + bytes / bandwidth each way).
  ``latency_breakdown_s`` (of that token, so its parts add up to it): host_link (exact); the on-chip time of each step of the token's
  path split into the step's work (apportioned to compute / noc / memory by the run's busy time
  per part) and ``idle`` (waiting for the next tick).
- ``energy_per_token_j``: the run's ledger total (dynamic + static over the run, pipeline fill
  and drain included) / tokens; ``power_w`` = ledger total / run duration.
- ``energy_breakdown_j``: compute, noc, memory, host_link, static (``scenarios.breakdown``).
Result keys (besides what every scenario writes): those above, ``cores_used``,
``activity_sparsity`` (measured, all EGRU layers), ``activity_sparsity_by_layer``,
``activity_sparsity_target``, ``threshold`` (one per layer: calibrated layer by layer to the
target, or the config's),
``weight_sparsity``, ``synaptic_ops_per_token``, ``per_core`` (load = busy / duration, SRAM
bytes held), ``overruns`` (timer ticks a core overran), ``min_tick_s`` (the longest step's work:
the shortest tick without overruns), and the same figures under ``dense`` (absent when
``dense.enabled`` is false), with ``dense.weights_in`` and ``dense.noc_note``; ``ratios``
(dense / EGRU); ``gpu`` (absent when ``gpu.enabled`` is false): the same model as a dense
batch-1 GRU of kernels on ``gpu.machine`` (``run_gpu``), for the paper's A100 row. Ledgers go to
``ledger.csv`` (runs ``egru`` and ``dense``), plot data to
``run_data.npz``, and with --trace the EGRU run's trace to ``trace.json`` (Perfetto).
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from eventsim.errors import ConfigError
from eventsim.simulation import simulate
from hardware_models.lowering import lower
from hardware_models.placement import STRATEGIES, place
from hardware_models.presets import preset_names
from networks.builders.egru import (activity_sparsity, calibrate_threshold, egru_layers,
                                    egru_stack, layer_activity_sparsity, set_threshold)

from . import host_link
from .breakdown import PARTS, breakdown, busy_per_core
from .checks import int_at_least, one_of
from .dense_gru import run_dense_gru
from .machine_scale import scaled_preset
from .nazeer2024 import gpu_comparison_lines, paper_comparison_lines
from .output import write_ledger_csv
from .redraw import scenario_plots
from .run_data import core_busy, network_run_data, save_run_data
from .text_table import text_table
from .units import PS_PER_S, mj, ms, ratio

SUPPORTS_TRACE = True
TRACE_CAPACITY = 1 << 21


# --------------------------------------------------------------------------- config

def check(config: dict) -> None:
    """Raise ConfigError for any value the scenario cannot run with."""
    one_of("machine", config["machine"], preset_names())
    levels = [lv.name for lv in scaled_preset(config).core.dvfs]
    if config["dvfs"] not in levels:
        raise ConfigError(f"dvfs must be one of {levels} for {config['machine']}, "
                          f"got {config['dvfs']!r}")
    if not config["tick_us"] > 0:
        raise ConfigError(f"tick_us must be > 0, got {config['tick_us']}")
    int_at_least("tokens", config["tokens"], 1)
    one_of("placement", config["placement"], STRATEGIES)
    if config["noc"] not in ("analytic", "packets"):
        raise ConfigError(f"noc must be 'analytic' or 'packets', got {config['noc']!r}")
    m = config["model"]
    for k in ("vocab", "embedding"):
        int_at_least(f"model.{k}", m[k], 1)
    if not isinstance(m["hidden"], list) or not m["hidden"]:
        raise ConfigError(f"model.hidden must be a non-empty list of widths, got {m['hidden']!r}")
    for w in m["hidden"]:
        int_at_least("model.hidden[]", w, 1)
    if not 0.0 <= m["weight_sparsity"] < 1.0:
        raise ConfigError(f"model.weight_sparsity must be in [0, 1), got {m['weight_sparsity']}")
    if m["activity_sparsity"] > 1.0:
        raise ConfigError(f"model.activity_sparsity must be <= 1 (negative: use model.threshold), "
                          f"got {m['activity_sparsity']}")
    if m["checkpoint"] and not Path(m["checkpoint"]).is_file():
        raise ConfigError(f"model.checkpoint {m['checkpoint']!r} is not a file")
    h = config["host"]
    int_at_least("host.bytes_in_per_value", h["bytes_in_per_value"], 0)
    int_at_least("host.bytes_out_per_event", h["bytes_out_per_event"], 0)
    int_at_least("dense.tokens", config["dense"]["tokens"], 1)
    one_of("gpu.machine", config["gpu"]["machine"], preset_names())
    int_at_least("gpu.tokens", config["gpu"]["tokens"], 1)
    int_at_least("trace_ticks", config["trace_ticks"], 1)


def machine(config: dict):
    """The machine of every run (and ledger): the preset with the config's ``machine_scale``
    applied, at the DVFS level, with the tick of the config."""
    from dataclasses import replace
    m = scaled_preset(config).with_dvfs(config["dvfs"])
    if m.semantics != "timer":
        raise ConfigError(f"egru_spinnaker2 runs timer-driven (SpiNNaker-style); machine "
                          f"{config['machine']!r} has semantics {m.semantics!r}")
    return replace(m, step_ps=int(round(config["tick_us"] * 1e6)))


def machine_ir(config: dict):
    """The lowered machine (``machine(config)``)."""
    return lower(machine(config))


SENSITIVITY_METRICS = {"latency_per_token_s": None, "energy_per_token_j": "egru"}
"""Headline figures for --sensitivity: metric -> the ledger run whose total energy it is
proportional to (by a factor no energy number changes), None if no energy number changes it."""


EGRU_KEYS = ("machine", "dvfs", "tick_us", "tokens", "placement", "noc", "model", "host")


def egru_only_config(config: dict, **model) -> dict:
    """The config of an EGRU run alone (``run_egru``, no dense or GPU run, one traced tick) from
    ``config``'s ``EGRU_KEYS`` (deep-copied), with the ``model`` keys given set: for scenarios
    built on this one's EGRU run."""
    c = copy.deepcopy({k: config[k] for k in EGRU_KEYS})
    c["model"].update(model)
    c["dense"] = {"enabled": False, "memory": "", "tokens": 1}
    c["gpu"] = {"enabled": False, "machine": "a100", "tokens": 1, "decoder": True}
    c["trace_ticks"] = 1
    return c


# --------------------------------------------------------------------------- runs

def _stack(config: dict, seed: int):
    m = config["model"]
    given = dict(np.load(m["checkpoint"])) if m["checkpoint"] else None
    return egru_stack(m["vocab"], m["embedding"], list(m["hidden"]), m["weight_sparsity"],
                      threshold=m["threshold"], seed=seed, readout=False, given=given)


def _per_core(busy_ps: np.ndarray, held: np.ndarray, duration_ps: int) -> dict:
    used = np.flatnonzero((busy_ps > 0) | (held > 0))
    load = busy_ps / max(duration_ps, 1)
    return {"core": used.tolist(), "load": load[used].tolist(),
            "sram_bytes": held[used].tolist(),
            "load_max": float(load.max(initial=0.0)),
            "load_mean_used": float(load[used].mean()) if used.size else 0.0,
            "sram_bytes_max": int(held.max(initial=0))}


def _summary(rows, duration_ps: int, n_tokens: int, latency_ps: np.ndarray,
             latency_parts_ps: dict) -> dict:
    b = breakdown(rows)
    total_pj = sum(b["energy_pj"].values())
    median = int(np.argsort(latency_ps, kind="stable")[(len(latency_ps) - 1) // 2])
    return {"latency_per_token_s": int(latency_ps[median]) / PS_PER_S,
            "latency_s": (latency_ps / PS_PER_S).tolist(),
            "latency_breakdown_s": {k: int(v[median]) / PS_PER_S
                                    for k, v in latency_parts_ps.items()},
            "energy_per_token_j": total_pj * 1e-12 / n_tokens,
            "energy_j": total_pj * 1e-12,
            "energy_breakdown_j": {k: v * 1e-12 for k, v in b["energy_pj"].items()},
            "power_w": total_pj * 1e-12 / (duration_ps / PS_PER_S) if duration_ps else 0.0,
            "duration_s": duration_ps / PS_PER_S, "tokens": n_tokens}


def _egru_latency(config, ir, start, step_work, n_layers, n_tokens, out_events, rows) -> tuple:
    """Per-token latency (ps) and its parts, see the module docstring (``start``: step start
    times, ``step_work``: each step's work within its tick, ps)."""
    bytes_in = config["model"]["embedding"] * config["host"]["bytes_in_per_value"]
    busy = breakdown(rows)["busy_ps"]
    on_chip_busy = busy["compute"] + busy["noc"] + busy["memory"]
    share = {k: (busy[k] / on_chip_busy if on_chip_busy else 0.0)
             for k in ("compute", "noc", "memory")}
    latency = np.zeros(n_tokens, np.int64)
    parts = {k: np.zeros(n_tokens, np.int64) for k in ("host_link", "compute", "noc", "memory",
                                                       "idle")}
    for t in range(n_tokens):
        last = t + n_layers
        host = host_link.transfer_ps(ir, bytes_in) + host_link.transfer_ps(
            ir, int(out_events[t]) * config["host"]["bytes_out_per_event"])
        work = step_work[t:last + 1]
        on_chip = int(start[last] - start[t]) + int(work[-1])
        latency[t] = host + on_chip
        parts["host_link"][t] = host
        worked = int(work.sum())
        for k in ("compute", "noc", "memory"):
            parts[k][t] = int(round(worked * share[k]))
        parts["idle"][t] = on_chip - sum(int(parts[k][t]) for k in ("compute", "noc", "memory"))
    return latency, parts


def _stages(progress: bool):
    """A function that announces a stage of a run on stderr (when ``progress``), with the time
    the previous stage took."""
    import sys
    import time
    last = [None, time.perf_counter()]

    def say(stage: str) -> None:
        now = time.perf_counter()
        if progress:
            if last[0] is not None:
                print(f"  {last[0]}: {now - last[1]:.1f} s", file=sys.stderr)
            print(f"egru_spinnaker2: {stage} ...", file=sys.stderr)
        last[:] = [stage, now]
    return say


def run_egru(config: dict, seed: int, progress: bool, trace: bool,
             machine=None) -> tuple[dict, dict, list, object]:
    """The EGRU run: (summary, run data, ledger rows, trace or None); on ``machine`` (a
    MachineIR with timer semantics) instead of ``machine_ir(config)`` if given."""
    ir = machine_ir(config) if machine is None else machine
    say = _stages(progress)
    say("building the EGRU stack")
    stack = _stack(config, seed)
    n_tokens = config["tokens"]
    tokens = np.random.default_rng(seed).integers(config["model"]["vocab"], size=n_tokens)
    target = config["model"]["activity_sparsity"]
    dt_s = config["tick_us"] * 1e-6
    if target >= 0:
        say("calibrating the threshold")
        threshold, _ = calibrate_threshold(stack, tokens, target)
    else:
        threshold = [config["model"]["threshold"]] * len(egru_layers(stack))
        set_threshold(stack, threshold)
    w = stack.workload
    w.inputs = stack.token_inputs(tokens, dt_s)
    placement = place(w, ir, config["placement"])
    layers = egru_layers(stack)
    n_steps = n_tokens + len(layers) + 1
    say("simulating on the machine (the first run compiles its kernel)")
    r = simulate(w, dt_s, n_steps, machine=ir, placement=placement, noc=config["noc"],
                 progress=progress, seed=seed, trace=True, trace_capacity=TRACE_CAPACITY,
                 trace_window_ps=(0, config["trace_ticks"] * ir.step_ps))
    tr = r.kernel.trace
    duration = int(r.hardware_time_ps)
    last_steps, _ = r.steps(layers[-1])
    token_of = last_steps - len(layers)            # the last layer handles token t at step t + L
    out_events = np.bincount(token_of[(token_of >= 0) & (token_of < n_tokens)],
                             minlength=n_tokens)
    bytes_in = n_tokens * config["model"]["embedding"] * config["host"]["bytes_in_per_value"]
    bytes_out = int(out_events.sum()) * config["host"]["bytes_out_per_event"]
    host_link.charge(r.ledger, ir, "to_chip", bytes_in)
    host_link.charge(r.ledger, ir, "to_host", bytes_out)
    rows = r.ledger.rows(duration)
    span = np.maximum(r.step_finish_ps - r.step_start_ps[:-1], 0)   # each step's work, ps
    work = np.minimum(span, ir.step_ps)                                # ... within its tick
    latency, parts = _egru_latency(config, ir, r.step_start_ps, work, len(layers), n_tokens,
                                   out_events, rows)
    busy = busy_per_core(rows, ir.n_cores)
    summary = _summary(rows, duration, n_tokens, latency, parts)
    summary.update({
        "cores_used": placement.cores_used,
        "activity_sparsity": activity_sparsity(stack, r.spike_steps, n_tokens),
        "activity_sparsity_target": target if target >= 0 else None,
        "activity_sparsity_by_layer": layer_activity_sparsity(stack, r.spike_steps,
                                                              n_tokens).tolist(),
        "threshold": [float(t) for t in threshold],
        "weight_sparsity": r.metrics["weight_sparsity"],
        "synapses": int(sum(p.n_synapses for p in w.projections)),
        "synaptic_ops_per_token": r.counts["synaptic_events"] / n_tokens,
        "neuron_updates_per_token": r.counts["neuron_updates"] / n_tokens,
        "events_per_token": r.counts["spikes"] / n_tokens,
        "late_packets": r.counts["late_packets"],
        "overrun_steps": int((span > ir.step_ps).sum()),
        "min_tick_s": float(span.max()) / PS_PER_S,
        "tick_s": ir.step_ps / PS_PER_S,
        "per_core": _per_core(busy, placement.bytes_per_core, duration),
        "step_work_s": (work / PS_PER_S).tolist(),
    })
    data = network_run_data(r, ir)
    data["latency_s"] = latency / PS_PER_S
    summary["trace_dropped_records"] = tr.dropped
    return summary, data, rows, tr if trace else None


def run_dense(config: dict, trace: bool, progress: bool = False) -> tuple[dict, dict, list, object]:
    """The dense GRU run: (summary, run data, ledger rows, trace or None)."""
    ir = machine_ir(config)
    m = config["model"]
    sizes = [m["embedding"], *m["hidden"]]
    _stages(progress)("running the dense GRU")
    d = run_dense_gru(ir, sizes, config["dense"]["tokens"], memory=config["dense"]["memory"],
                      trace=True)
    summary = _summary(d.ledger_rows, d.duration_ps, config["dense"]["tokens"], d.latency_ps,
                       d.latency_parts_ps)
    summary.update({
        "cores_used": d.cores_used, "activity_sparsity": 0.0, "weight_sparsity": 0.0,
        "weights_in": d.weights_in, "weight_bytes": d.weight_bytes,
        "flops_per_token": d.flops_per_token,
        "per_core": _per_core(d.busy_ps, d.sram_bytes_per_core, d.duration_ps),
        "noc_note": "dense run: the cores' packet send/receive cycles are charged; NoC links "
                    "and routers are not modelled",
    })
    data = {"latency_s": d.latency_ps / PS_PER_S,
            "duration_ps": np.array([d.duration_ps], np.int64),
            "n_cores": np.array([ir.n_cores], np.int64)}
    data.update(core_busy(d.trace))
    end = min(d.duration_ps, int(d.latency_ps[0]))
    keep = data["busy_start_ps"] < end
    for k in ("busy_core", "busy_start_ps", "busy_dur_ps", "busy_label"):
        data[k] = data[k][keep]
    return summary, data, d.ledger_rows, d.trace if trace else None


def run_gpu(config: dict, progress: bool = False, hidden: list[int] | None = None) -> dict:
    """The same model as a dense batch-1 GRU of GPU kernels on ``gpu.machine`` (the preset as
    it is: ``machine_scale`` applies to ``machine`` only), ``hidden`` instead of the model's if
    given: its summary, with ``kernels_per_token``, ``weights_in``, ``weight_bytes``,
    ``flops_per_token``, ``decoder`` and the share of it that rests on estimates."""
    from hardware_models.estimates import estimated_share
    from hardware_models.presets import preset
    g, m = config["gpu"], config["model"]
    _stages(progress)(f"running the model as GPU kernels on {g['machine']}")
    described = preset(g["machine"])
    d = run_dense_gru(lower(described), [m["embedding"], *(hidden or m["hidden"])], g["tokens"],
                      vocab=m["vocab"] if g["decoder"] else None)
    summary = _summary(d.ledger_rows, d.duration_ps, g["tokens"], d.latency_ps,
                       d.latency_parts_ps)
    summary.update({
        "machine": g["machine"], "decoder": g["decoder"], "cores_used": d.cores_used,
        "exchange": d.exchange, "kernels_per_token": d.kernels_per_token,
        "weights_in": d.weights_in, "weight_bytes": d.weight_bytes,
        "flops_per_token": d.flops_per_token, "hidden": list(hidden or m["hidden"]),
        "estimated_share": estimated_share(described, d.ledger_rows),
    })
    return summary


def run(config: dict, seed: int, out_dir: Path, progress: bool, trace: bool = False) -> dict:
    egru, egru_data, egru_rows, egru_trace = run_egru(config, seed, progress, trace)
    result = dict(egru)
    if config["gpu"]["enabled"]:
        result["gpu"] = run_gpu(config, progress)
    ledgers = {"egru": egru_rows}
    run_data = {"egru": egru_data}
    if config["dense"]["enabled"]:
        dense, dense_data, dense_rows, _ = run_dense(config, trace, progress)
        result["dense"] = dense
        ledgers["dense"] = dense_rows
        run_data["dense"] = dense_data
        result["ratios"] = {k: ratio(dense[k], egru[k])
                            for k in ("latency_per_token_s", "energy_per_token_j", "power_w")}
    write_ledger_csv(out_dir / "ledger.csv", ledgers)
    save_run_data(out_dir, run_data)
    if egru_trace is not None:
        egru_trace.to_perfetto(out_dir / "trace.json")
    return result


# --------------------------------------------------------------------------- output

def _mj(j):
    """Energy per token in mJ, to 0.1 uJ."""
    return mj(j, digits=4)


TABLE_COLUMNS = (("latency/token", 15, lambda r: ms(r["latency_per_token_s"])),
                 ("energy/token", 15, lambda r: _mj(r["energy_per_token_j"])),
                 ("power", 10, lambda r: f"{r['power_w']:.3f}W"),
                 ("cores", 7, lambda r: str(r["cores_used"])),
                 ("act. sparsity", 15, lambda r: f"{r['activity_sparsity']:.3f}"))


def table(result: dict) -> str:
    """The summary ``eventsim run`` prints."""
    runs = [("EGRU", result)] + ([("dense GRU", result["dense"])] if "dense" in result else [])
    return "\n".join(text_table(TABLE_COLUMNS, runs, name_width=10))


def report(result: dict) -> str:
    """report.md: the figures, their breakdowns and the assumptions."""
    c = result["config"]
    runs = [("EGRU", result)] + ([("dense GRU", result["dense"])] if "dense" in result else [])
    out = [f"# egru_spinnaker2 ({result['run_id']})", "",
           f"{len(c['model']['hidden'])} EGRU layers of {c['model']['hidden']}, embedding "
           f"{c['model']['embedding']}, vocabulary {c['model']['vocab']} (embedding and decoder on "
           f"the host), {c['model']['weight_sparsity']:.0%} of weights pruned, on {c['machine']} "
           f"at DVFS {c['dvfs']!r}, timer tick {c['tick_us']:g} us, {result['tokens']} tokens, "
           f"seed {result['seed']}.", "", "| | EGRU" + (" | dense GRU | dense / EGRU |" if
                                                       "dense" in result else " |"),
           "|---|---:" + ("|---:|---:|" if "dense" in result else "|")]
    for key, fmt in (("latency_per_token_s", ms), ("energy_per_token_j", _mj),
                     ("power_w", lambda w: f"{w:.3f} W"), ("cores_used", str),
                     ("activity_sparsity", lambda s: f"{s:.3f}")):
        row = f"| {key} | {fmt(result[key])}"
        if "dense" in result:
            d = result["dense"][key]
            d_over_e = d / result[key] if result[key] else float("nan")
            row += f" | {fmt(d)} | {d_over_e:.2f} |"
        else:
            row += " |"
        out.append(row)
    out += ["", "## Energy per token by part", "", "| part | " + " | ".join(n for n, _ in runs)
            + " |", "|---|" + "---:|" * len(runs)]
    for p in PARTS:
        out.append(f"| {p} | " + " | ".join(_mj(r["energy_breakdown_j"][p] / r["tokens"])
                                              for _, r in runs) + " |")
    parts = sorted({k for _, r in runs for k in r["latency_breakdown_s"]})
    out += ["", "## Latency per token by part (the median token)", "",
            "| part | " + " | ".join(n for n, _ in runs) + " |", "|---|" + "---:|" * len(runs)]
    for p in parts:
        out.append(f"| {p} | " + " | ".join(ms(r["latency_breakdown_s"].get(p, 0.0))
                                              for _, r in runs) + " |")
    out += ["", "## Notes", "",
            f"- EGRU: {result['synaptic_ops_per_token']:.0f} synaptic operations and "
            f"{result['events_per_token']:.0f} events per token; thresholds per layer "
            f"{', '.join(f'{t:.4g}' for t in result['threshold'])} ("
            + (f"calibrated layer by layer to activity sparsity "
               f"{result['activity_sparsity_target']}" if result['activity_sparsity_target']
               is not None else "as given") + "); measured activity sparsity "
            f"{result['activity_sparsity']:.3f} (by layer "
            f"{', '.join(f'{a:.3f}' for a in result['activity_sparsity_by_layer'])}).",
            f"- The longest step's work took {ms(result['min_tick_s'])} (the shortest tick "
            f"without overruns; {result['overrun_steps']} steps overran); each layer waits for the {ms(result['tick_s'])} tick, shown as "
            f"`idle` in the latency breakdown. Late packets: {result['late_packets']}.",
            "- EGRU latency parts compute/noc/memory apportion each step's work by the run's "
            "busy time per part; energy parts are exact ledger sums.",
            f"- Busiest core: load {result['per_core']['load_max']:.3f}, SRAM "
            f"{result['per_core']['sram_bytes_max'] / 1024:.1f} KiB."]
    if "dense" in result:
        d = result["dense"]
        out += [f"- Dense GRU: {d['weight_bytes'] / 1e6:.1f} MB of FP32 weights, held in "
                f"{d['weights_in']}; {d['flops_per_token'] / 1e6:.1f} MFLOP per token; "
                f"{d['noc_note']}."]
    if result.get("trace_dropped_records"):
        out.append(f"- The trace ring dropped {result['trace_dropped_records']} oldest records "
                   f"(the trace covers the first {c['trace_ticks']} ticks).")
    out += ["", "## Published figures (Nazeer et al. 2024, Table II)", "",
            *paper_comparison_lines(result, c["machine"])]
    if "gpu" in result:
        out += ["", f"### The same model as GPU kernels on {result['gpu']['machine']}", "",
                *gpu_comparison_lines(result["gpu"])]
    return "\n".join(out) + "\n"


plots = scenario_plots      # the figures: the standard ones of the run directory
