"""The EGRU language model on SpiNNaker2 against Nazeer et al. (AICAS 2024), Table II.

Runs ``egru_spinnaker2`` at its defaults with ``TOKENS`` tokens (no dense run) and compares its
latency per token, its energy per inference formed as the paper's (mean power x latency) and its
mean power with the paper's SpiNNaker2 row. The paper does not say what one inference contains,
the tick, the DVFS level, the host path or how power was measured (``scenarios.nazeer2024``), so
a latency gap is not attributed: the breakdown gives eventsim's latency and energy by part and
the candidates table says what each mechanism would have to cost to close the gap alone.
Tolerance: 25 % (estimate: the latency accuracy SANA-FE reports against real Loihi, Boyle et
al., IEEE TCAD 2025; energy and power are held to the same).
"""
from __future__ import annotations

from scenarios import run_scenario
from scenarios.nazeer2024 import SOURCE, TABLE_II, like_for_like_energy_j, paper_comparison_lines

from ..check import BreakdownRow, CaseResult, Check

TITLE = "EGRU language model on SpiNNaker2 against Nazeer et al. 2024, Table II"
GROUP = "measurement"
TOKENS = 8
REL_TOL = 0.25


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
    return case
