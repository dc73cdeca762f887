"""A random recurrent LIF network on Loihi in eventsim and in SANA-FE 2.2 (peer ``sanafe``),
built from the same arrays, charged the same per-action costs.

The network (``random_network``): N neurons (``SIZES``), each pair connected with p = 0.02 (no
autapses), the first 80 % excitatory; Loihi-representable numbers (Davies et al. 2018: 8-bit
weights, 1/64 potential LSB in SANA-FE's units): even integer weights, excitatory in [4, 12] s,
inhibitory in [-48, -16] s with s = sqrt(1024 / N); a bias per neuron uniform in [2, 5.5] on the
1/64 grid; threshold 64, reset 0, leak_decay 0.9375 (15/16 kept per step), no current state, no
refractory period; 64 neurons per core in id order; ``STEPS`` steps. eventsim runs it with the
``loihi_lif`` neuron (SANA-FE's soma, bit for bit) on the ``loihi_sanafe`` machine (SANA-FE's
costs, loihi.yaml), with SANA-FE's tile geometry, barrier-synchronised, the NoC packet by packet;
SANA-FE runs it with its ``detailed`` timing model.

Checks, per size: spikes identical step for step; energy in total and by part (synapse, soma,
network) within 2 %; mean time per step within 10 % of SANA-FE's detailed model; the analytic
(uncontended) NoC never gives a longer step than the packet-level one. The same activity on the
``loihi`` preset (Davies et al. 2018, Table 2, pre-silicon figures) is shown beside SANA-FE's
calibrated costs: the difference is the preset's, not the activity's.
"""
from __future__ import annotations

import json

import numpy as np

from eventsim.simulation import simulate
from hardware_models.lowering import lower
from hardware_models.placement import given
from hardware_models.presets import preset
from networks.population import population
from networks.projection import from_pairs
from eventsim.workload_ir import WorkloadIR

from ...plots import new_figure, save_figure
from ..check import BreakdownRow, CaseResult, Check
from ..peers import run_peer
from ..spike_trains import compare_trains

TITLE = "Random recurrent LIF network on Loihi: eventsim against SANA-FE 2.2 (detailed timing)"
GROUP = "simulator"
SIZES = (1024, 4096)
STEPS = 1000
P_CONNECT, PER_CORE, SEED = 0.02, 64, 12345
DT_S, DT_PS = 1e-3, 1_000_000_000        # a nominal step; the projection delay is one step
PARTS = ("synapse", "soma", "network")
ENERGY_TOL, TIME_TOL = 0.02, 0.10
SOURCE = "SANA-FE {} (loihi.yaml, detailed timing) on the same arrays"


def random_network(n: int, seed: int = SEED) -> dict:
    """The arrays of the validation network (module docstring)."""
    rng = np.random.default_rng(seed)
    n_exc = int(round(0.8 * n))
    conn = rng.random((n, n)) < P_CONNECT
    np.fill_diagonal(conn, False)
    pre, post = np.nonzero(conn)
    scale = float(np.sqrt(1024.0 / n))
    exc = pre < n_exc
    w = np.where(exc, scale * rng.uniform(4.0, 12.0, pre.size),
                 scale * rng.uniform(-48.0, -16.0, pre.size))
    w = 2.0 * np.round(w / 2.0)
    w = np.where(exc, np.maximum(w, 2.0), np.minimum(w, -2.0))
    bias = np.round(rng.uniform(2.0, 5.5, n) * 64.0) / 64.0
    return {"n": n, "pre": pre.astype(np.int64), "post": post.astype(np.int64), "weight": w,
            "bias": bias, "threshold": 64.0, "reset": 0.0, "leak_decay": 0.9375,
            "input_decay": 0.0, "refractory_delay": 0,
            "sanafe_core": (np.arange(n) // PER_CORE).astype(np.int64)}


def eventsim_core(sanafe_core: np.ndarray) -> np.ndarray:
    """eventsim's core of SANA-FE's core 4 t + k: tile t sits at (x, y) = (t // 4, t % 4) in
    SANA-FE, router 8 y + x in eventsim's row-major mesh."""
    tile, k = sanafe_core // 4, sanafe_core % 4
    return 4 * ((tile % 4) * 8 + tile // 4) + k


def workload(net: dict) -> WorkloadIR:
    n = net["n"]
    pop = population("net", "loihi_lif", n, bias=net["bias"], threshold=net["threshold"],
                     reset=net["reset"], leak_decay=net["leak_decay"],
                     input_decay=net["input_decay"], refractory_steps=net["refractory_delay"])
    proj = from_pairs("recurrent", 0, 0, n, n, net["pre"], net["post"], net["weight"], DT_PS)
    return WorkloadIR([pop], [proj])


def energy_by_part_j(rows) -> dict:
    """Ledger rows as SANA-FE's parts: synapse (synops), soma (neuron updates), network
    (messages sent and received, NoC links), in J; anything else under "other"."""
    part = {"synop": "synapse", "neuron_update": "soma", "neuron_update_spiking": "soma",
            "packet_send": "network", "packet_recv": "network", "flit": "network"}
    out = dict.fromkeys((*PARTS, "other"), 0.0)
    for r in rows:
        out[part.get(r["action"], "other")] += r["energy_pj"] * 1e-12
    return out


def run_eventsim(net: dict, machine: str, noc: str):
    w = workload(net)
    ir = lower(preset(machine))
    res = simulate(w, DT_S, STEPS, machine=ir, noc=noc,
                   placement=given(w, ir, eventsim_core(net["sanafe_core"])))
    step_ps = np.diff(np.asarray(res.step_start_ps, np.int64))
    return res, step_ps


def one_size(ctx, n: int, case: CaseResult) -> dict:
    net = random_network(n)
    path = ctx.out_dir / "sanafe_loihi" / f"net{n}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **net)
    ctx.say(f"  sanafe_loihi: N = {n}: SANA-FE ...")
    run_peer("sanafe", "sanafe_loihi.py", [path, "--out", path.with_suffix(".json"),
                                           "--steps", STEPS], say=ctx.say)
    ref = json.loads(path.with_suffix(".json").read_text())
    source = SOURCE.format(ref["version"])
    ctx.say(f"  sanafe_loihi: N = {n}: eventsim, packets and analytic NoC ...")
    res, step_ps = run_eventsim(net, "loihi_sanafe", "packets")
    _, analytic_ps = run_eventsim(net, "loihi_sanafe", "analytic")
    ref_steps = np.concatenate([np.full(len(s), k) for k, s in enumerate(ref["spikes"])])
    ref_ids = np.concatenate([np.asarray(s, np.int64) for s in ref["spikes"]])
    k, i = res.steps(0)
    c = compare_trains(k, i, ref_steps, ref_ids, n)
    case.checks.append(Check(f"N={n}: spikes differing step for step (of {c['spikes_b']:,})",
                             "spikes", 0.0, float(c["only_a"] + c["only_b"]), source, abs_tol=0))
    rows = res.ledger.rows(res.hardware_time_ps)
    ours = energy_by_part_j(rows)
    ours["total"] = sum(ours.values())
    for part in ("total", *PARTS):
        case.checks.append(Check(f"N={n}: {part} energy", "uJ", ref["energy_j"][part] * 1e6,
                                 ours[part] * 1e6, source, rel_tol=ENERGY_TOL))
    ref_step = np.asarray(ref["time_per_step_s"]) * 1e12
    case.checks.append(Check(f"N={n}: mean time per step", "us", float(ref_step.mean()) / 1e6,
                             float(step_ps.mean()) / 1e6, source, rel_tol=TIME_TOL))
    case.checks.append(Check(f"N={n}: steps where the analytic NoC is longer than packets",
                             "steps", 0.0, float(np.sum(analytic_ps > step_ps)),
                             "the analytic NoC is the uncontended bound of the packet NoC",
                             abs_tol=0))
    loihi_res, _ = run_eventsim(net, "loihi", "analytic")
    preset_parts = energy_by_part_j(loihi_res.ledger.rows(loihi_res.hardware_time_ps))
    for part in PARTS:
        case.breakdown.append(BreakdownRow(
            f"N={n}: {part} energy, loihi preset (Davies 2018 Table 2) on the same activity",
            "uJ", ref["energy_j"][part] * 1e6, preset_parts[part] * 1e6,
            PRESET_NOTES[part]))
    case.breakdown.append(BreakdownRow(f"N={n}: messages / synaptic events", "",
                                       float(ref["messages"]),
                                       float(sum(r["count"] for r in rows
                                                 if r["action"] == "packet_send")),
                                       f"synaptic events: SANA-FE {ref['synaptic_events']:,}"))
    return {"n": n, "ref_step_ps": ref_step, "step_ps": step_ps, "analytic_ps": analytic_ps}


PRESET_NOTES = {
    "synapse": "preset synop 23.6 pJ (Davies 2018 Table 2, minimum) vs SANA-FE 35.5 pJ",
    "soma": "preset neuron update 52 / 81 pJ (inactive / active, Davies 2018) vs SANA-FE "
            "72.8 / 142.1 pJ (access + update, + spike out)",
    "network": "preset packet_send 1.7 pJ (Davies 2018 within-tile spike energy) vs SANA-FE "
               "message out 111 pJ: SANA-FE's calibration against measured Loihi puts the cost "
               "of a spike message in the sending core, the pre-silicon table in the tile hop",
}


def run(ctx) -> CaseResult:
    case = CaseResult("sanafe_loihi", TITLE)
    runs = [one_size(ctx, n, case) for n in SIZES]
    case.notes += [f"{STEPS} steps; network arrays and SANA-FE's full record in "
                   f"`sanafe_loihi/`. Machine: hardware_models/presets/loihi_sanafe.toml.",
                   "Time per step: in both, a core updates its neurons in order and sends a "
                   "spike's messages as soon as its neuron is processed (SANA-FE chip.cpp "
                   "624-655; eventsim network_runtime.issue_core_work), and each core splits "
                   "its work into an output and an input unit (loihi_sanafe, threads). What "
                   "differs is the NoC: SANA-FE's is a congestion heuristic over link densities "
                   "that delays a message when the links of its route hold more than a buffer's "
                   "worth (schedule.cpp 310-362), eventsim's a packet-level model in which a "
                   "packet waits only for the links it uses; the heuristic's blocking grows "
                   "with traffic (N=4096), where eventsim's steps are the shorter."]
    case.plots.append(_plot(runs, ctx.out_dir))
    return case


def _plot(runs, out_dir) -> str:
    fig = new_figure(8.0, 3.2)
    axes = fig.subplots(1, len(runs))
    for ax, r in zip(np.atleast_1d(axes), runs):
        steps = np.arange(r["step_ps"].size)
        ax.plot(steps, r["ref_step_ps"][:steps.size] / 1e6, lw=0.6, label="SANA-FE detailed")
        ax.plot(steps, r["step_ps"] / 1e6, lw=0.6, label="eventsim packets")
        ax.plot(steps, r["analytic_ps"] / 1e6, lw=0.6, label="eventsim analytic")
        ax.set_xlabel("step")
        ax.set_ylabel("time per step (us)")
        ax.set_title(f"N = {r['n']}")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    return save_figure(fig, out_dir / "sanafe_loihi.png")
