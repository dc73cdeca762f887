"""The EGRU language model on SpiNNaker2 against Nazeer et al. (AICAS 2024), Table II.

Runs ``egru_spinnaker2`` at its defaults with ``TOKENS`` tokens (no dense run) and compares its
latency per token, its energy per inference formed as the paper's (mean power x latency) and its
mean power with the paper's SpiNNaker2 row. The paper does not say what one inference contains,
the tick, the DVFS level, the host path or how power was measured (``scenarios.nazeer2024``), so
a latency gap is not attributed: the breakdown gives eventsim's latency and energy by part and
the candidates table says what each mechanism would have to cost to close the gap alone.
Tolerance: 25 % (estimate: the latency accuracy SANA-FE reports against real Loihi, Boyle et
al., IEEE TCAD 2025; energy and power are held to the same).

The A100 row: the same run's ``gpu`` figures (``egru_spinnaker2.run_gpu``: the model as a dense
batch-1 GRU of kernels on the ``a100`` preset, embedding lookup and decoder on the GPU, as the
authors' EvNN code runs it), held to the paper's A100 row with the same tolerance; the breakdown
gives where its time per token goes (launch, memory, compute, host link) and its power by part,
and the notes what would close the gap (``scenarios.nazeer2024.gpu_gap``) and the figure for
the released checkpoint's layer widths (1350, 1350, 750).
"""
from __future__ import annotations

from scenarios import run_scenario
from scenarios.egru_spinnaker2 import run_gpu
from scenarios.nazeer2024 import (SOURCE, TABLE_II, gpu_comparison_lines, like_for_like_energy_j,
                                  paper_comparison_lines)

from ..check import BreakdownRow, CaseResult, Check

TITLE = "EGRU language model on SpiNNaker2 against Nazeer et al. 2024, Table II"
GROUP = "measurement"
TOKENS = 8
REL_TOL = 0.25
CHECKPOINT_HIDDEN = [1350, 1350, 750]   # the released EGRU checkpoints (EvNN benchmarks/lm/README.md)


def run(ctx) -> CaseResult:
    ctx.say(f"  nazeer_table2: egru_spinnaker2 with {TOKENS} tokens (compiles on first use) ...")
    result, run_dir = run_scenario("egru_spinnaker2", (f"tokens={TOKENS}", "dense.enabled=false"),
                                   seed=0, out=ctx.out_dir / "runs")
    paper = TABLE_II["spinnaker2"]
    case = CaseResult("nazeer_table2", TITLE)
    case.checks += [
        Check("latency per inference (one token)", "ms", paper["latency_s"] * 1e3,
              result["latency_per_token_s"] * 1e3, SOURCE, rel_tol=REL_TOL),
        Check("energy per inference (power x latency)", "mJ", paper["energy_j"] * 1e3,
              like_for_like_energy_j(result) * 1e3, SOURCE, rel_tol=REL_TOL),
        Check("mean power", "W", paper["power_w"], result["power_w"], SOURCE, rel_tol=REL_TOL),
    ]
    for part, seconds in result["latency_breakdown_s"].items():
        case.breakdown.append(BreakdownRow(f"latency: {part}", "ms", None, seconds * 1e3,
                                           "the paper gives no breakdown"))
    duration = result["duration_s"]
    for part, joules in result["energy_breakdown_j"].items():
        case.breakdown.append(BreakdownRow(f"power: {part}", "W", None, joules / duration,
                                           "the paper gives no breakdown"))
    case.notes += [f"Run: `eventsim run egru_spinnaker2 --set tokens={TOKENS} --set "
                   f"dense.enabled=false` (seed 0), in `{run_dir.relative_to(ctx.out_dir)}`.", "",
                   *paper_comparison_lines(result, "spinnaker2"), "",
                   "At the paper's latency, eventsim's power would give "
                   f"{result['power_w'] * paper['latency_s'] * 1e3:.3g} mJ per inference: the "
                   "energy gap is the latency gap times a power that is "
                   f"{100 * (result['power_w'] / paper['power_w'] - 1):+.0f} % off the paper's."]
    _a100(ctx, case, result)
    return case


def _a100(ctx, case: CaseResult, result: dict) -> None:
    """The A100 row's checks, breakdown and notes from the run's ``gpu`` figures."""
    gpu, paper = result["gpu"], TABLE_II["a100"]
    case.checks += [
        Check("A100: latency per inference (one token)", "ms", paper["latency_s"] * 1e3,
              gpu["latency_per_token_s"] * 1e3, SOURCE, rel_tol=REL_TOL),
        Check("A100: energy per inference (power x latency)", "mJ", paper["energy_j"] * 1e3,
              like_for_like_energy_j(gpu) * 1e3, SOURCE, rel_tol=REL_TOL),
        Check("A100: mean power", "W", paper["power_w"], gpu["power_w"], SOURCE,
              rel_tol=REL_TOL),
    ]
    for part, seconds in gpu["latency_breakdown_s"].items():
        case.breakdown.append(BreakdownRow(f"A100 latency: {part}", "ms", None, seconds * 1e3,
                                           "the paper gives no breakdown"))
    for part, joules in gpu["energy_breakdown_j"].items():
        case.breakdown.append(BreakdownRow(f"A100 power: {part}", "W", None,
                                           joules / gpu["duration_s"],
                                           "the paper gives no breakdown"))
    ctx.say("  nazeer_table2: the released checkpoint's widths as GPU kernels ...")
    released = run_gpu(result["config"], hidden=CHECKPOINT_HIDDEN)
    share = gpu["estimated_share"]
    case.notes += ["", "### A100", "",
                   "The same model as dense batch-1 GPU kernels on the `a100` preset "
                   "(`scenarios/dense_gru.py`: EvNN's CUDA EGRU runs per layer and step a GEMM "
                   "of the input weights, a GEMM of the recurrent weights and a pointwise "
                   "kernel, on dense weights, so neither the 95 % pruning nor the activity "
                   "sparsity saves a byte; one kernel launch 2.7 us, CSCS ReFrame's A100 "
                   "reference; weights from HBM, 1555 GB/s, as a token reads more than the 40 MB "
                   "of L2):", "", *gpu_comparison_lines(gpu), "",
                   f"With the released checkpoint's widths {CHECKPOINT_HIDDEN} (the decoder tied "
                   f"to the 750-wide embedding): {released['latency_per_token_s'] * 1e6:.1f} us, "
                   f"{like_for_like_energy_j(released) * 1e3:.2f} mJ, {released['power_w']:.1f} W "
                   f"per token ({released['weight_bytes'] / 1e6:.1f} MB of weights).",
                   f"{100 * share['energy']:.0f} % of the A100 run's energy and "
                   f"{100 * share['busy_time']:.0f} % of its busy time rest on estimated numbers "
                   f"(most: {', '.join(share['numbers'][:3])}); the static 55 W (an idle-power "
                   "estimate) and the TDP-derived energy per flop (an upper bound) set its "
                   "power."]
