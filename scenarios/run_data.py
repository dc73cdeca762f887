"""The plot data of a run: ``run_data.npz`` in the run directory, so that ``eventsim plot
RUN_DIR`` can redraw every figure without running anything.

One directory may hold several runs (e.g. ``egru`` and ``dense``, or ``event`` and
``barrier``); the file stores each array as ``"<run>/<field>"``. Every field is optional (a
figure is drawn where its fields are present). Fields, with units:

- ``spike_time_ps`` int64[S], ``spike_neuron`` int64[S] (population-local id),
  ``spike_population`` int32[S] (index into ``population_names``), ``population_names`` str[P]
- ``busy_core`` int32[B] (core index), ``busy_start_ps`` int64[B], ``busy_dur_ps`` int64[B],
  ``busy_label`` int32[B] (index into ``busy_label_names``), ``busy_label_names`` str[K]:
  intervals during which a core was working (the trace's busy records of core components)
- ``n_cores`` int64[1]: cores of the machine (the Gantt chart's rows)
- ``link_src_xy`` int32[L, 2], ``link_dst_xy`` int32[L, 2] (router positions on the mesh),
  ``link_chip`` int32[L], ``link_flits`` int64[L] (flits that crossed each directed link)
- ``latency_s`` float64[N]: per-item latencies (per token, per input event...), seconds
- ``duration_ps`` int64[1]: the run's hardware time (the x range of the timelines)
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

FILE = "run_data.npz"
FIELDS = ("spike_time_ps", "spike_neuron", "spike_population", "population_names",
          "busy_core", "busy_start_ps", "busy_dur_ps", "busy_label", "busy_label_names",
          "n_cores", "link_src_xy", "link_dst_xy", "link_chip", "link_flits", "latency_s",
          "duration_ps")

_CORE = re.compile(r"^chip\d+\.core(\d+)$")
_LINK = re.compile(r"^chip\d+\.link(\d+)\.")


def save_run_data(run_dir, runs: dict[str, dict]) -> str:
    """Write ``runs`` ({run name: {field: array}}) to ``run_dir/run_data.npz``; returns the file
    name. Unknown fields and run names containing '/' are refused (ValueError)."""
    arrays = {}
    for run, fields in runs.items():
        if "/" in run or not run:
            raise ValueError(f"run name must be non-empty without '/', got {run!r}")
        for field, value in fields.items():
            if field not in FIELDS:
                raise ValueError(f"unknown run-data field {field!r}; fields: {FIELDS}")
            arrays[f"{run}/{field}"] = np.asarray(value)
    np.savez_compressed(Path(run_dir) / FILE, **arrays)
    return FILE


def load_run_data(run_dir) -> dict[str, dict[str, np.ndarray]]:
    """{run name: {field: array}} from ``run_dir/run_data.npz`` ({} when there is none)."""
    path = Path(run_dir) / FILE
    if not path.exists():
        return {}
    out: dict[str, dict] = {}
    with np.load(path, allow_pickle=False) as f:
        for key in f.files:
            run, _, field = key.partition("/")
            out.setdefault(run, {})[field] = f[key]
    return out


def network_run_data(result, machine=None) -> dict:
    """The fields of a discrete ``simulate`` result (``eventsim.run_result.RunResult``): spikes
    (times in hardware ps on a machine, network time otherwise), and on ``machine`` (its MachineIR) the
    per-link flits from the ledger and, when the run was traced, the cores' busy intervals."""
    names = list(result.population_names)
    times, neurons, pops = [], [], []
    for p in range(len(names)):
        steps, ids = result.steps(p)
        t = result.spike_times_ps[p] if result.step_start_ps is None else \
            result.step_start_ps[steps]
        times.append(t)
        neurons.append(ids)
        pops.append(np.full(len(ids), p, np.int32))
    order_t = np.concatenate(times) if times else np.zeros(0, np.int64)
    order = np.argsort(order_t, kind="stable")
    data = {"spike_time_ps": order_t[order].astype(np.int64),
            "spike_neuron": np.concatenate(neurons)[order].astype(np.int64),
            "spike_population": np.concatenate(pops)[order].astype(np.int32),
            "population_names": np.array(names, dtype=str)}
    if machine is None or result.kernel is None:
        return data
    duration = int(result.hardware_time_ps)
    data["duration_ps"] = np.array([duration], np.int64)
    data["n_cores"] = np.array([machine.n_cores], np.int64)
    data.update(link_loads(result.kernel.ledger.rows(duration), machine))
    if result.kernel.trace.enabled:
        data.update(core_busy(result.kernel.trace))
    return data


def link_loads(ledger_rows: list[dict], machine) -> dict:
    """Flits per directed link of ``machine`` (MachineIR) from the ``flit`` rows of a ledger."""
    flits = np.zeros(machine.n_links, np.int64)
    for r in ledger_rows:
        m = _LINK.match(r["component"])
        if m and r["action"] == "flit":
            flits[int(m.group(1))] += int(r["count"])
    return {"link_src_xy": machine.router_xy[machine.link_src].astype(np.int32),
            "link_dst_xy": machine.router_xy[machine.link_dst].astype(np.int32),
            "link_chip": machine.router_chip[machine.link_src].astype(np.int32),
            "link_flits": flits}


def core_busy(trace) -> dict:
    """The busy intervals of core components (``chipN.coreC``) in an ``eventsim.Trace``."""
    from eventsim.trace import BUSY
    rec = trace.records()
    rec = rec[rec["rtype"] == BUSY]
    names = trace.components.names
    core_of_component = np.full(max(len(names), 1), -1, np.int32)
    for cid, name in enumerate(names):
        m = _CORE.match(name)
        if m:
            core_of_component[cid] = int(m.group(1))
    core = core_of_component[rec["component"]] if rec.size else np.zeros(0, np.int32)
    keep = core >= 0
    labels, label_idx = np.unique(rec["label"][keep], return_inverse=True)
    label_names = [trace.labels[l] if 0 <= l < len(trace.labels) else f"label{l}"
                   for l in labels.tolist()]
    return {"busy_core": core[keep].astype(np.int32),
            "busy_start_ps": rec["time_ps"][keep].astype(np.int64),
            "busy_dur_ps": rec["dur_ps"][keep].astype(np.int64),
            "busy_label": label_idx.astype(np.int32),
            "busy_label_names": np.array(label_names, dtype=str)}
