"""CUBA (Brian2's example with 0.1 ms delays) in eventsim against Brian2 and NEST.

1. Spike for spike: Brian2 (peer ``brian2``) draws the network (N = ``N``, seed 1) and runs it;
   its arrays (synapses, weights, delays, initial v) are run in NEST (peer ``nest``,
   ``iaf_psc_exp``) and in eventsim (``networks.builders.cuba.cuba_from_arrays``) with the
   parameters as written in Brian2 (delay 0.1 ms, refractory 5 ms). eventsim must give NEST's
   spikes, every one, over the whole run. Brian2 itself holds v one step less after a spike
   (49 steps for ``refractory=5*ms`` at dt = 0.1 ms, its ``timestep(t - lastspike) >=
   timestep(refractory)`` rule; NEST and eventsim hold 50), so Brian2's own train is shown
   beside them, not held to equality.
2. Statistics over seeds ``SEEDS``: each simulator draws its own network per seed (eventsim
   with ``networks.builders.cuba.cuba``); rate, CV of ISIs, silent fraction and population Fano
   factor (``spike_trains.activity_statistics``, the first ``DISCARD_S`` discarded) of eventsim,
   averaged over the seeds, must lie within 2 standard deviations (over seeds) of each peer's
   mean.
"""
from __future__ import annotations

import numpy as np

from eventsim.simulation import simulate
from networks.builders.cuba import DT_S, cuba, cuba_from_arrays

from ...plots import new_figure, save_figure
from ..check import BreakdownRow, CaseResult, Check
from ..peers import run_peer
from ..spike_trains import activity_statistics, compare_trains

TITLE = "CUBA with 0.1 ms delays: spike for spike against NEST, statistics against Brian2 and NEST"
GROUP = "simulator"
N, DURATION_S, SEEDS, DISCARD_S = 4000, 1.0, tuple(range(1, 9)), 0.1
DELAY_MS = 0.1
STATS = ("rate_hz", "cv_isi", "silent_fraction", "fano_factor")
SPREAD_SIGMAS = 2.0


def eventsim_train(workload) -> tuple[np.ndarray, np.ndarray]:
    """(steps, neuron ids over all populations in order) of a run of ``DURATION_S``."""
    res = simulate(workload, DT_S, int(round(DURATION_S / DT_S)))
    steps, ids, base = [], [], 0
    for p, pop in enumerate(workload.populations):
        k, i = res.steps(p)
        steps.append(np.asarray(k, np.int64))
        ids.append(np.asarray(i, np.int64) + base)
        base += pop.size
    return np.concatenate(steps), np.concatenate(ids)


def _train(npz_path) -> tuple[np.ndarray, np.ndarray]:
    d = np.load(npz_path)
    return d["spike_step"], d["spike_i"]


def spike_for_spike(ctx, work) -> tuple[dict, dict, dict, dict]:
    ctx.say("  cuba_peers: Brian2 draws and runs the network; NEST and eventsim run its arrays")
    b2 = run_peer("brian2", "brian2_cuba.py", _brian2_args(1, work), say=ctx.say)
    ne = run_peer("nest", "nest_cuba.py", ["--arrays", _brian2_out(1, work), "--duration-s",
                                           DURATION_S, "--out", work / "nest_on_brian2_s1.npz"],
                  say=ctx.say)
    d = np.load(_brian2_out(1, work))
    ours = eventsim_train(cuba_from_arrays(d["pre"], d["post"], d["weight_v"], d["delay_s"],
                                           d["v0_v"], int(0.8 * N)))
    nest_train, b2_train = _train(work / "nest_on_brian2_s1.npz"), _train(_brian2_out(1, work))
    return (compare_trains(*ours, *nest_train, N), compare_trains(*ours, *b2_train, N),
            compare_trains(*b2_train, *nest_train, N), {"brian2": b2, "nest": ne})


def _brian2_out(seed, work):
    return work / f"brian2_own_s{seed}.npz"


def _brian2_args(seed, work) -> list:
    """Brian2 draws and runs the network of ``seed`` (its arrays saved with its spikes)."""
    return ["--n", N, "--seed", seed, "--duration-s", DURATION_S, "--delay-ms", DELAY_MS,
            "--out", _brian2_out(seed, work)]


def statistics_over_seeds(ctx, work) -> dict:
    """``{simulator: {statistic: [value per seed]}}``; Brian2's run of seed 1 is the one
    ``spike_for_spike`` made."""
    stats = {name: {k: [] for k in STATS} for name in ("eventsim", "brian2", "nest")}
    window = (DISCARD_S, DURATION_S)
    for seed in SEEDS:
        ctx.say(f"  cuba_peers: seed {seed}: each simulator draws its own network")
        if seed != 1:
            run_peer("brian2", "brian2_cuba.py", _brian2_args(seed, work))
        run_peer("nest", "nest_cuba.py", ["--draw", "--n", N, "--seed", seed, "--delay-ms",
                                          DELAY_MS, "--duration-s", DURATION_S, "--out",
                                          work / f"nest_own_s{seed}.npz"])
        trains = {"brian2": _train(_brian2_out(seed, work)),
                  "nest": _train(work / f"nest_own_s{seed}.npz"),
                  "eventsim": eventsim_train(cuba(N, seed=seed, delay_ps=int(DELAY_MS * 1e9)))}
        for name, (k, i) in trains.items():
            for key, value in activity_statistics(k, i, N, DT_S, *window).items():
                stats[name][key].append(value)
    return stats


def run(ctx) -> CaseResult:
    work = ctx.out_dir / "cuba_peers"
    work.mkdir(parents=True, exist_ok=True)
    vs_nest, vs_b2, b2_vs_nest, info = spike_for_spike(ctx, work)
    case = CaseResult("cuba_peers", TITLE)
    nest_src = f"NEST {info['nest']['version']} iaf_psc_exp on the arrays Brian2 drew"
    case.checks.append(Check(f"spikes differing from NEST's over {DURATION_S:g} s "
                             f"(of {vs_nest['spikes_b']:,})", "spikes", 0.0,
                             float(vs_nest["only_a"] + vs_nest["only_b"]), nest_src, abs_tol=0))
    for name, c in (("eventsim vs NEST", vs_nest), ("eventsim vs Brian2", vs_b2),
                    ("Brian2 vs NEST", b2_vs_nest)):
        first = c["first_difference_step"]
        case.breakdown.append(BreakdownRow(
            f"{name}: spikes only in the first / only in the second", "spikes",
            float(c["only_b"]), float(c["only_a"]),
            f"{c['identical_prefix']:,} identical spikes before the first difference"
            + (f" at {first * DT_S * 1e3:.1f} ms" if first is not None else " (none)")))
    stats = statistics_over_seeds(ctx, work)
    for key in STATS:
        ours = float(np.mean(stats["eventsim"][key]))
        for peer in ("brian2", "nest"):
            mean, sd = float(np.mean(stats[peer][key])), float(np.std(stats[peer][key]))
            case.checks.append(Check(
                f"{key}: mean over seeds {SEEDS[0]}-{SEEDS[-1]} vs {peer} (own networks)", "",
                mean, ours, f"{peer} {info[peer]['version']}, {len(SEEDS)} seeds, mean; "
                f"tolerance {SPREAD_SIGMAS:g} sd over seeds", abs_tol=SPREAD_SIGMAS * sd))
    case.notes += [
        f"N = {N}, p = 0.02, dt = 0.1 ms, delay {DELAY_MS} ms, refractory 5 ms, "
        f"{DURATION_S:g} s; statistics over [{DISCARD_S:g}, {DURATION_S:g}) s.",
        "Brian2 holds v for 49 steps after a spike with refractory=5*ms, NEST and eventsim for "
        "50 (see the module docstring): Brian2's train parts from NEST's for that reason.",
        "eventsim holds weights as float32 (NEST and Brian2: float64); over 1 s this changes "
        "no spike here."]
    case.plots.append(_plot(stats, ctx.out_dir))
    return case


def _plot(stats, out_dir) -> str:
    fig = new_figure(8.0, 2.6)
    axes = fig.subplots(1, len(STATS))
    for ax, key in zip(axes, STATS):
        for x, name in enumerate(("eventsim", "brian2", "nest")):
            v = np.asarray(stats[name][key])
            ax.errorbar([x], [v.mean()], yerr=[SPREAD_SIGMAS * v.std()], fmt="o", capsize=4)
            ax.scatter(np.full(v.size, x + 0.15), v, s=6, color="gray")
        ax.set_xticks([0, 1, 2], ["eventsim", "Brian2", "NEST"], fontsize=7)
        ax.set_title(key, fontsize=9)
    fig.suptitle(f"CUBA statistics over seeds (mean, {SPREAD_SIGMAS:g} sd; dots: seeds)")
    return save_figure(fig, out_dir / "cuba_peers.png")
