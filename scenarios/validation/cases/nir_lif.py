"""One LIF neuron of the NIR paper on every platform: eventsim's spike steps against the exact
solution and the ten platforms' recorded traces.

The graph ``lif_norse.nir`` (written by Norse: tau 2.5 ms, r 1, v_leak 0, v_threshold 0.1) is
imported with ``networks.nir_io`` and run at dt = 0.1 ms on the recorded input (column 0 of the
traces: 34 steps of 1.0) for 1000 steps. Its spike steps are compared with each trace of
``nir_paper/lif/`` (Pedersen et al., Nature Communications 2024; NIR repository, commit 7232ada,
``paper/``): the exact, event-based solution must be matched step for step; a platform may
differ by one step, the delay with which some record a spike (the step after the threshold
crossing). A platform that differs by more is reported with its spike steps and how it
integrates a step of input and a step of leak (read off its trace), which is where the
difference comes from.
"""
from __future__ import annotations

import warnings

import numpy as np

from eventsim.simulation import simulate
from networks.nir_io import from_nir

from ...plots import new_figure, save_figure
from ..check import BreakdownRow, CaseResult, Check
from ..data import reference_file

TITLE = "NIR paper LIF neuron: spike steps against the exact solution and ten platforms"
GROUP = "simulator"
DT_S = 1e-4
SOURCE = "NIR paper data (Pedersen et al., Nat. Commun. 2024; NIR repo 7232ada paper/lif/{}.csv)"
PLATFORM_TOLERANCE_STEPS = 1


def spike_steps(csv) -> np.ndarray:
    return np.flatnonzero(np.loadtxt(csv, delimiter=",")[:, 2])


def max_step_difference(a: np.ndarray, b: np.ndarray) -> float:
    """The largest |difference| of matching spikes' steps; inf when the counts differ."""
    return float(np.abs(a - b).max()) if a.size == b.size and a.size else (
        0.0 if a.size == b.size else float("inf"))


def integration_of(csv) -> tuple[float, float]:
    """(rise of v in the first step v moves, on the first input, and the factor by which v
    decays in the step after) of a trace: how the platform integrates one step of input and
    one step of leak (some platforms move v a step after the input)."""
    a = np.loadtxt(csv, delimiter=",")
    v = np.abs(a[:, 1])
    k = int(np.flatnonzero(v > 1e-6 * v.max())[0])
    return float(a[k, 1] - a[k - 1, 1]), float(a[k + 1, 1] / a[k, 1])


def run(ctx) -> CaseResult:
    folder = reference_file("nir_paper/lif")
    graph = reference_file("nir_paper/graphs/lif_norse.nir")
    exact_csv = folder / "lif_exact.csv"
    x = np.loadtxt(exact_csv, delimiter=",")[:, :1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = from_nir(graph)
    res = simulate(net.with_inputs(net.input_events(x, DT_S)), DT_S, x.shape[0])
    ours = np.asarray(res.steps(net.outputs[0])[0])
    result = CaseResult("nir_lif", TITLE)
    traces = {}
    exact_rise, exact_decay = integration_of(exact_csv)
    for csv in sorted(folder.glob("lif_*.csv")):
        platform = csv.stem.removeprefix("lif_")
        steps = traces[platform] = spike_steps(csv)
        tol = 0 if platform == "exact" else PLATFORM_TOLERANCE_STEPS
        result.checks.append(Check(f"max |spike step difference| vs {platform}", "steps", 0.0,
                                   max_step_difference(ours, steps), SOURCE.format(csv.stem),
                                   abs_tol=tol))
        rise, decay = integration_of(csv)
        result.breakdown.append(BreakdownRow(
            f"{platform}: first spike step (all: {steps.tolist()})", "step",
            float(steps[0]) if steps.size else None, float(ours[0]) if ours.size else None,
            f"one input step raises v by {rise:.4g}, one step of leak keeps {decay:.5g} of v "
            f"(exact: {exact_rise:.4g}, {exact_decay:.5g}; fixed-point platforms in their own "
            f"units)"))
    result.notes.append(f"eventsim's spike steps: {ours.tolist()} (reset to v_reset; dt 0.1 ms).")
    result.plots.append(_plot(ours, traces, ctx.out_dir))
    return result


def _plot(ours, traces, out_dir) -> str:
    fig = new_figure(6.5, 3.8)
    ax = fig.add_subplot()
    names = ["eventsim", *traces]
    for i, name in enumerate(names):
        steps = ours if name == "eventsim" else traces[name]
        ax.scatter(steps * DT_S * 1e3, np.full(steps.size, i), marker="|", s=200,
                   color="tab:red" if name == "eventsim" else "tab:blue")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("spike time (ms)")
    ax.set_title("NIR LIF neuron: eventsim (red) and the platforms' spikes")
    return save_figure(fig, out_dir / "nir_lif.png")
