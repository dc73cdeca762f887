"""Time to the first step of a new network shape whose models are already compiled.

    python benchmarks/first_step.py [--repeats 5] [--write-results]

In one process: a CUBA network of 2 populations and an EGRU stack of 3 layers run one step
(alone and on SpiNNaker2, analytic NoC), which compiles or loads their kernels; then, each
repeat, a CUBA network with 3 populations (the inhibitory population split in two, its own
size each repeat) and an EGRU stack of 4 layers (its own sizes each repeat) run their first
step, timed from the call to ``simulate`` to its return (set-up, mapping, kernel look-up and
one step). The target (issue 13): within 2 s each. Medians of the repeats.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eventsim.simulation import simulate                     # noqa: E402
from eventsim.workload_ir import WorkloadIR                  # noqa: E402
from hardware_models.lowering import lower                   # noqa: E402
from hardware_models.placement import place                  # noqa: E402
from hardware_models.presets import preset                   # noqa: E402
from networks.builders import cuba as cuba_builder           # noqa: E402
from networks.builders.egru import egru_stack                # noqa: E402
from networks.population import population                   # noqa: E402
from networks.projection import fixed_probability            # noqa: E402

DT_S = cuba_builder.DT_S


def cuba_split(n: int, inh_parts: int, seed: int) -> WorkloadIR:
    """CUBA of ``n`` neurons with its inhibitory 20 % split into ``inh_parts`` populations."""
    rng = np.random.default_rng(seed)
    n_exc = int(0.8 * n)
    parts = np.array_split(np.arange(n - n_exc), inh_parts)
    sizes = {"exc": n_exc} | {f"inh{k}": len(p) for k, p in enumerate(parts)}
    c = cuba_builder
    pops = [population(name, "cuba", size, tau_mem=c.TAU_MEM_S, tau_exc=c.TAU_EXC_S,
                       tau_inh=c.TAU_INH_S, v_rest=c.V_REST, v_threshold=c.V_THRESHOLD,
                       v_reset=c.V_RESET, refractory_s=c.REFRACTORY_S,
                       v=c.V_RESET + rng.random(size) * (c.V_THRESHOLD - c.V_RESET))
            for name, size in sizes.items()]
    projections = []
    for p, pre in enumerate(sizes):
        weight, port = (c.W_EXC, 0) if pre == "exc" else (c.W_INH, 1)
        for q, post in enumerate(sizes):
            projections.append(fixed_probability(f"{pre}_{post}", p, q, sizes[pre], sizes[post],
                                                 0.02, weight, rng, 100_000_000, port))
    return WorkloadIR(pops, projections)


def egru(layers: int, seed: int) -> WorkloadIR:
    rng = np.random.default_rng(seed)
    hidden = [int(x) for x in rng.integers(48, 96, layers)]
    stack = egru_stack(64, 16, hidden, weight_sparsity=0.8, seed=seed)
    tokens = rng.integers(0, 64, 4)
    return replace(stack.workload, inputs=stack.token_inputs(tokens, 1e-3))


def first_step_s(w: WorkloadIR, dt_s: float, ir=None) -> float:
    """Seconds from calling simulate to its return, for one step of ``w``."""
    t0 = time.perf_counter()
    if ir is None:
        simulate(w, dt_s, 1)
    else:
        simulate(w, dt_s, 1, machine=ir, placement=place(w, ir, "round_robin"), noc="analytic")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--write-results", action="store_true")
    args = ap.parse_args()
    ir = lower(preset("spinnaker2"))
    warm = {"cuba": (cuba_split(1000, 1, 0), DT_S), "egru": (egru(3, 0), 1e-3)}
    warm_s = {}
    for name, (w, dt) in warm.items():
        warm_s[name] = (first_step_s(w, dt), first_step_s(w, dt, ir))
    cases = {"CUBA, 3 populations after 2": lambda k: (cuba_split(800 + 100 * k, 2, k + 1), DT_S),
             "EGRU, 4 layers after 3": lambda k: (egru(4, k + 1), 1e-3)}
    rows = []
    for name, make in cases.items():
        soft, hw = [], []
        for k in range(args.repeats):
            w, dt = make(k)
            soft.append(first_step_s(w, dt))
            hw.append(first_step_s(w, dt, ir))
        rows.append((name, statistics.median(soft), statistics.median(hw)))
    lines = ["## First step of a new network shape (`python benchmarks/first_step.py --write-results`)",
             "",
             f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
             f"median of {args.repeats} shapes each, after the same models ran once in the "
             "process (that run compiled or loaded their kernels: "
             + ", ".join(f"{n} {a:.1f} s alone, {b:.1f} s on SpiNNaker2" for n, (a, b) in warm_s.items())
             + "). Target: within 2 s.", "",
             "| new shape | first step alone (s) | first step on SpiNNaker2, analytic NoC (s) |",
             "|---|---:|---:|"]
    lines += [f"| {n} | {a:.3f} | {b:.3f} |" for n, a, b in rows]
    text = "\n".join(lines)
    print(text)
    if args.write_results:
        from results_file import write_section
        write_section("first_step", text)


if __name__ == "__main__":
    main()
