"""What share of a scenario run rests on estimated machine numbers (``estimated_share`` in
result.json and a section of report.md), for scenarios that say which machine their ledgers ran
on, by one of two module functions:

- ``machine(config) -> Machine``: every ledger of the run's ledger.csv ran on it;
- ``ledger_machine(config, run) -> Machine``: ledger ``run`` (its name in ledger.csv's ``run``
  column) ran on it, for scenarios whose ledgers ran on different machines (a comparison of
  machines, one machine per method or study); it takes precedence over ``machine``.

``estimated_share`` of a run = ``hardware_models.estimates.estimated_share`` of its first ledger
(the run whose figures are the result's top-level ones), plus ``runs``: the same for every
ledger of ledger.csv by its run name, each on its own machine. A module may also give
``ESTIMATED_SHARE_NOTE`` (a string): which of its figures do not come from the ledger (or only
partly), so that the shares say nothing of them; it is ``note`` in ``estimated_share`` and a
paragraph of the report.md section.
"""
from __future__ import annotations

from pathlib import Path

from hardware_models.estimates import estimated_share

from .rundir import LEDGER_FILE, read_ledger_csv


def run_estimated_share(machine_of, ledgers: dict[str, list[dict]]) -> dict | None:
    """``estimated_share`` of the first of ``ledgers`` ({run: rows}) with ``runs`` (every
    ledger's, ledger ``run`` on machine ``machine_of(run)``); None without ledgers."""
    if not ledgers:
        return None
    runs = {run: estimated_share(machine_of(run), rows) for run, rows in ledgers.items()}
    return {**next(iter(runs.values())), "runs": runs}


def machine_of_run(module, config: dict):
    """``run -> Machine``: the machine each ledger of the scenario ``module`` ran on
    (``module.ledger_machine(config, run)``, else ``module.machine(config)`` for every run);
    None when the module names neither."""
    per_run = getattr(module, "ledger_machine", None)
    if per_run is not None:
        return lambda run: per_run(config, run)
    machine_of = getattr(module, "machine", None)
    if machine_of is None:
        return None
    machine = machine_of(config)
    return lambda run: machine


def share_of_run_dir(module, config: dict, run_dir: Path) -> dict | None:
    """``estimated_share`` of the ledger.csv in ``run_dir``, each ledger on its machine
    (``machine_of_run``), with the module's ``ESTIMATED_SHARE_NOTE`` as ``note``; None when
    the scenario names no machine or wrote no ledger."""
    path = Path(run_dir) / LEDGER_FILE
    machine_of = machine_of_run(module, config) if path.is_file() else None
    if machine_of is None:
        return None
    share = run_estimated_share(machine_of, read_ledger_csv(path))
    note = getattr(module, "ESTIMATED_SHARE_NOTE", None)
    if share is not None and note:
        share["note"] = note
    return share


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
    if share.get("note"):
        out += ["", share["note"]]
    return "\n".join(out) + "\n"
