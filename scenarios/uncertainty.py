"""What share of a scenario run rests on estimated machine numbers (``estimated_share`` in
result.json and a section of report.md), for scenarios that say which machine their ledgers ran
on: a module function ``machine(config) -> Machine`` (every ledger of the run's ledger.csv ran
on it).

``estimated_share`` of a run = ``hardware_models.estimates.estimated_share`` of its first ledger
(the run whose figures are the result's top-level ones), plus ``runs``: the same for every
ledger of ledger.csv by its run name.
"""
from __future__ import annotations

from pathlib import Path

from hardware_models.estimates import estimated_share

from .rundir import LEDGER_FILE, read_ledger_csv


def run_estimated_share(machine, ledgers: dict[str, list[dict]]) -> dict | None:
    """``estimated_share`` of the first of ``ledgers`` ({run: rows}) with ``runs`` (every
    ledger's); None without ledgers."""
    if not ledgers:
        return None
    runs = {run: estimated_share(machine, rows) for run, rows in ledgers.items()}
    return {**next(iter(runs.values())), "runs": runs}


def share_of_run_dir(module, config: dict, run_dir: Path) -> dict | None:
    """``estimated_share`` of the ledger.csv in ``run_dir`` on ``module.machine(config)``; None
    when the scenario names no machine or wrote no ledger."""
    machine_of = getattr(module, "machine", None)
    path = Path(run_dir) / LEDGER_FILE
    if machine_of is None or not path.is_file():
        return None
    return run_estimated_share(machine_of(config), read_ledger_csv(path))


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def markdown(share: dict) -> str:
    """The report.md section of an ``estimated_share``."""
    out = ["## Estimated numbers", "",
           "Share of each run's ledger that rests on machine numbers whose source is an "
           "estimate (or is not given): a row's energy when the energy per count it charges "
           "does, its busy time when the cycles, clock, bandwidth or latency behind it do "
           "(`hardware_models/estimates.py`).", "",
           "| run | energy | busy time | estimated numbers under the most energy (share of "
           "the energy) |", "|---|---:|---:|---|"]
    for run, s in share["runs"].items():
        numbers = ", ".join(f"`{p}` ({_pct(e)})" for p, e in zip(s["numbers"],
                                                                 s["numbers_energy"]))
        out.append(f"| {run} | {_pct(s['energy'])} | {_pct(s['busy_time'])} | "
                   f"{numbers or '-'} |")
    return "\n".join(out) + "\n"
