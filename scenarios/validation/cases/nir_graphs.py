"""Every NIR graph of the NIR paper's data imported and run in eventsim.

The graphs of ``nir_paper/graphs/`` were written by Norse, Rockpool, snnTorch and Sinabs (NIR
repository, commit 7232ada, ``paper/``; Pedersen et al., Nature Communications 2024). Each
well-formed graph is imported with ``networks.nir_io.from_nir`` and run for ``STEPS`` steps of
``DT_S`` on Bernoulli input spikes (probability ``INPUT_P`` per input channel and step, seed
``SEED``); the malformed one (an edge that names a missing node, refused by ``nir`` itself) must
be refused with a clear error. What is checked is that every graph imports and runs; whether
its outputs equal those of the library that wrote it is not checked here (those libraries do
not run here), only the LIF graph is checked against its platforms (case ``nir_lif``).
"""
from __future__ import annotations

import warnings

import numpy as np

from eventsim.errors import ConfigError
from eventsim.simulation import simulate
from networks.nir_io import from_nir

from ..check import BreakdownRow, CaseResult, Check
from ..data import reference_file

TITLE = "NIR paper graphs (Norse, Rockpool, snnTorch, Sinabs): every graph imported and run"
GROUP = "simulator"
SOURCE = "NIR paper data README (NIR repo 7232ada paper/): {} well-formed graphs, {} malformed"
MALFORMED = ("braille_noDelay_bias_zero_subgraph.nir",)
STEPS, DT_S, INPUT_P, SEED = 50, 1e-3, 0.2, 0


def run_graph(path) -> dict:
    """Import and run one graph; its size and output spike count."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = from_nir(path)
    x = (np.random.default_rng(SEED).random((STEPS, net.n_inputs)) < INPUT_P).astype(float)
    res = simulate(net.with_inputs(net.input_events(x, DT_S)), DT_S, STEPS)
    w = net.workload
    return {"neurons": w.n_neurons, "synapses": int(sum(p.indices.size for p in w.projections)),
            "output_spikes": int(sum(res.spikes(o)[0].size for o in net.outputs))}


def run(ctx) -> CaseResult:
    folder = reference_file("nir_paper/graphs")
    paths = sorted(folder.glob("*.nir"))
    good = [p for p in paths if p.name not in MALFORMED]
    bad = [p for p in paths if p.name in MALFORMED]
    result = CaseResult("nir_graphs", TITLE)
    ran = 0
    for p in good:
        ctx.say(f"  nir_graphs: {p.name}")
        try:
            r = run_graph(p)
        except Exception as e:                       # reported in the breakdown, and counted
            result.breakdown.append(BreakdownRow(p.name, "", None, None,
                                                 f"failed: {type(e).__name__}: {e}"))
            continue
        ran += 1
        result.breakdown.append(BreakdownRow(
            f"{p.name}: output spikes", "", None, r["output_spikes"],
            f"{r['neurons']:,} neurons, {r['synapses']:,} synapses"))
    refused = 0
    for p in bad:
        try:
            from_nir(p)
            note = "imported although malformed"
        except ConfigError as e:
            refused += 1
            note = f"refused: {str(e)[:120]}"
        result.breakdown.append(BreakdownRow(f"{p.name} (malformed)", "", None, None, note))
    source = SOURCE.format(len(good), len(bad))
    result.checks.append(Check("well-formed graphs imported and run", "graphs",
                               float(len(good)), float(ran), source, abs_tol=0))
    result.checks.append(Check("malformed graphs refused with a ConfigError", "graphs",
                               float(len(bad)), float(refused), source, abs_tol=0))
    result.notes.append(f"Input: Bernoulli spikes, p = {INPUT_P} per channel and step, "
                        f"{STEPS} steps of {DT_S * 1e3:g} ms, seed {SEED}. The outputs are not "
                        "compared with the libraries that wrote the graphs (they do not run "
                        "here).")
    return result
