"""M/D/1 on a core: the mean wait of work items arriving as a Poisson process at one SpiNNaker2
PE against the Pollaczek-Khinchine formula.

Work items of ``SYNOPS_PER_ITEM`` synaptic operations (deterministic service S, from the
preset's cycles and clock) arrive at one PE, one hardware thread, first come first served, at
rate rho / S (exponential gaps from the kernel's random stream). The mean wait in queue of M/D/1 is Wq = rho S / (2 (1 - rho)) (the
Pollaczek-Khinchine mean-value formula with a service-time variance of 0). The statistical error
of the simulated mean is estimated by batch means (``BATCHES`` batches) and shown beside it.
"""
from __future__ import annotations

import numpy as np

from eventsim import Kernel
from eventsim.core_model import new_core_state
from hardware_models.lowering import lower
from hardware_models.presets import preset
from hardware_models.traffic import attach_poisson_work

from ...plots import new_figure, save_figure
from ..check import BreakdownRow, CaseResult, Check

TITLE = "M/D/1 queue on a SpiNNaker2 PE: mean wait against Pollaczek-Khinchine"
GROUP = "theory"
SOURCE = ("Pollaczek-Khinchine mean-value formula for M/G/1 with deterministic service "
          "(Kleinrock, Queueing Systems Vol. 1, 1975, Sec. 5.6)")
LOADS = (0.3, 0.6, 0.8)
ITEMS = 300_000
SYNOPS_PER_ITEM = 20
BATCHES = 20
REL_TOL = 0.05       # the batch-means 3-sigma of the simulated means is below this (see notes)
SEED = 7


def pollaczek_khinchine_wait_ps(rho: float, service_ps: int) -> float:
    """Mean wait in queue (ps) of M/D/1 at utilisation ``rho`` with service time ``service_ps``."""
    return rho * service_ps / (2.0 * (1.0 - rho))


def simulated_waits_ps(rho: float, seed: int) -> tuple[np.ndarray, int]:
    """(wait in queue of every item in ps, service time in ps) on PE 0 of SpiNNaker2."""
    ir = lower(preset("spinnaker2"))
    synop = ir.action("synop")
    service_ps = ir.action_time_ps(0, synop, SYNOPS_PER_ITEM)
    k = Kernel(seed=seed)
    work = attach_poisson_work(k, new_core_state(ir, k), 0, synop, SYNOPS_PER_ITEM,
                               service_ps / rho, ITEMS)
    k.run()
    return work.finish_ps - work.arrival_ps - service_ps, service_ps


def batch_sigma(x: np.ndarray, batches: int) -> float:
    """Standard error of the mean of ``x`` by the means of ``batches`` equal batches."""
    means = np.array([b.mean() for b in np.array_split(x, batches)])
    return float(means.std(ddof=1) / np.sqrt(batches))


def run(ctx) -> CaseResult:
    result = CaseResult("md1_queue", TITLE)
    rows = []
    for rho in LOADS:
        waits, service_ps = simulated_waits_ps(rho, SEED)
        expected = pollaczek_khinchine_wait_ps(rho, service_ps)
        sigma = batch_sigma(waits, BATCHES)
        result.checks.append(Check(f"mean wait at rho={rho}", "ns", expected / 1e3,
                                   float(waits.mean()) / 1e3, SOURCE, rel_tol=REL_TOL))
        result.breakdown.append(BreakdownRow(
            f"rho={rho}: simulated mean, its 3-sigma (batch means)", "ns", expected / 1e3,
            float(waits.mean()) / 1e3, f"3 sigma = {3 * sigma / 1e3:.3g} ns "
            f"({100 * 3 * sigma / expected:.2g} % of the formula)"))
        rows.append((rho, expected, float(waits.mean()), sigma))
    result.notes.append(f"{ITEMS:,} items per load, {SYNOPS_PER_ITEM} synops each "
                        f"(service {service_ps / 1e3:g} ns on the spinnaker2 preset), seed {SEED}.")
    result.plots.append(_plot(rows, service_ps, ctx.out_dir))
    return result


def _plot(rows, service_ps, out_dir) -> str:
    fig = new_figure(5.5, 3.6)
    ax = fig.add_subplot()
    rho = np.linspace(0.05, 0.85, 100)
    ax.plot(rho, pollaczek_khinchine_wait_ps(rho, service_ps) / 1e3, label="Pollaczek-Khinchine")
    ax.errorbar([r[0] for r in rows], [r[2] / 1e3 for r in rows],
                yerr=[3 * r[3] / 1e3 for r in rows], fmt="o", capsize=3,
                label="eventsim (3-sigma bars)")
    ax.set_xlabel("utilisation rho")
    ax.set_ylabel("mean wait in queue (ns)")
    ax.set_title("M/D/1 on one SpiNNaker2 PE")
    ax.legend()
    return save_figure(fig, out_dir / "md1_queue.png")
