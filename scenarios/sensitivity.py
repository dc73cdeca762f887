"""One-at-a-time sensitivity of a scenario's headline figures to the estimated numbers of its
machine: ``eventsim run SCENARIO --sensitivity [--sensitivity-range 0.5,2]``, or
``sensitivity(name, sets, seed=..., factors=(0.5, 2.0))``.

The scenario runs once as always (its run directory). Then every estimated number
(``Machine.estimated``) that a used row of its ledgers rests on (``hardware_models.estimates``;
a row is used when it charged anything) is set, one at a time, to each factor x its value,
every other number at its own, and each headline figure (the module's ``SENSITIVITY_METRICS``)
is found again:

- **Energy numbers** (energies per count, energy scales, static powers: the rows' ``energy``
  paths) change no time in any model, and a row's energy is proportional to each number it
  rests on. So scaling number p by f changes a ledger's total energy E by (f - 1) x E_p, E_p the
  energy of its rows resting on p, exactly; a figure proportional to that ledger's total
  (``SENSITIVITY_METRICS`` names the ledger) becomes figure x (1 + (f - 1) x E_p / E), and a
  figure no energy number changes (None) stays. Computed from the ledger, no re-run (equal to a
  re-run to floating-point rounding; a test checks it).
- **Time numbers** (cycles, clocks, bandwidths, latencies) change busy times, step ends and
  possibly which packets are late, so the run itself: each (number, factor) is a re-run of the
  scenario (``module.run`` with that number in ``machine_scale``, same seed, in a temporary
  directory, no plots).

Not varied: estimated numbers that no used row rests on (they change nothing here) and
structural numbers (counts, sizes, mesh): scaling those changes the machine, not a cost. The
interval of a figure is the range of its values over all these one-at-a-time variations (not a
joint worst case).

Written into the run directory: ``sensitivity.json`` (every number varied: kind, source, the
figure at each factor), ``sensitivity.md`` (also appended to report.md) and
``sensitivity_<metric>.png`` (a tornado: one bar per number from the figure at the lowest
factor to the figure at the highest, the ``top`` widest swings, widest first). result.json gets
``sensitivity``: factors, numbers varied, re-runs, and per figure its baseline, interval and
the ``top`` numbers that move it most.
"""
from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path

from eventsim.errors import ConfigError
from hardware_models.estimates import energy_on_numbers, used_numbers

from .machine_scale import with_scale
from .output import plain
from .rundir import LEDGER_FILE, read_ledger_csv

DEFAULT_FACTORS = (0.5, 2.0)
DEFAULT_TOP = 10
JSON_FILE, MD_FILE = "sensitivity.json", "sensitivity.md"


# --------------------------------------------------------------------------- inputs

def check_factors(factors) -> tuple[float, ...]:
    """``factors`` sorted, as floats; ConfigError unless they are one or more distinct finite
    numbers > 0 other than 1."""
    ok = isinstance(factors, (list, tuple)) and len(factors) > 0 and all(
        isinstance(f, (int, float)) and not isinstance(f, bool) and math.isfinite(f) and f > 0
        and f != 1 for f in factors) and len(set(factors)) == len(factors)
    if not ok:
        raise ConfigError(f"sensitivity factors must be distinct finite numbers > 0 other than "
                          f"1 (e.g. 0.5,2), got {factors!r}")
    return tuple(sorted(float(f) for f in factors))


def parse_range(text: str) -> tuple[float, ...]:
    """``--sensitivity-range`` text (``"0.5,2"``) -> factors; ConfigError naming the text."""
    try:
        factors = [float(part) for part in text.split(",")]
    except ValueError:
        factors = None
    try:
        return check_factors(factors)
    except ConfigError:
        raise ConfigError(f"--sensitivity-range must be comma-separated factors, distinct, "
                          f"finite, > 0 and not 1 (e.g. 0.5,2), got {text!r}") from None


def require_support(scenario) -> None:
    """ConfigError unless the scenario names its machine and its headline figures."""
    missing = [n for n in ("machine", "SENSITIVITY_METRICS") if not hasattr(scenario.module, n)]
    if missing:
        raise ConfigError(f"scenario {scenario.name} does not support --sensitivity: its module "
                          f"lacks {' and '.join(missing)} (the machine its ledgers ran on, "
                          f"its headline figures)")


def metric_value(metrics: dict, name: str) -> float:
    """The figure ``name`` (dotted for a nested one: ``dense.energy_per_token_j``)."""
    node = metrics
    for part in name.split("."):
        node = node[part]
    return float(node)


# --------------------------------------------------------------------------- the figures

def scaled_energy_figure(value: float, factor: float, energy_on_pj: float,
                         total_pj: float) -> float:
    """A figure proportional to a ledger's total energy ``total_pj`` when a number that
    ``energy_on_pj`` of that energy rests on is scaled by ``factor`` (see the module docstring);
    ``value`` when the total is 0."""
    if not total_pj:
        return value
    return value * (1.0 + (factor - 1.0) * energy_on_pj / total_pj)


def varied_numbers(machine, ledgers: dict[str, list[dict]]) -> tuple[list[str], list[str]]:
    """(energy numbers, time numbers): the estimated field paths that used rows of ``ledgers``
    rest on, sorted."""
    energy, time_ = set(), set()
    for rows in ledgers.values():
        used = used_numbers(machine, rows)
        energy.update(p for p in used.energy if machine.estimated(p))
        time_.update(p for p in used.time if machine.estimated(p))
    return sorted(energy), sorted(time_)


def exact_energy_values(machine, ledgers, spec: dict, base: dict, path: str,
                        factors) -> dict[str, list[float]]:
    """{metric: [value at each factor]} for energy number ``path``, from the ledgers."""
    out = {}
    for metric, ledger in spec.items():
        if ledger is None:
            out[metric] = [base[metric]] * len(factors)
            continue
        rows = ledgers[ledger]
        total = sum(float(r["energy_pj"]) for r in rows)
        on = energy_on_numbers(machine, rows).get(path, 0.0)
        out[metric] = [scaled_energy_figure(base[metric], f, on, total) for f in factors]
    return out


def rerun_values(scenario, config: dict, seed: int, path: str, factor: float) -> dict:
    """{metric: value} of a re-run of the scenario with ``path`` scaled by ``factor``."""
    scaled = with_scale(config, path, factor)
    check = getattr(scenario.module, "check", None)
    if check is not None:
        check(scaled)
    with tempfile.TemporaryDirectory(prefix="eventsim-sensitivity-") as tmp:
        metrics = scenario.module.run(scaled, seed, Path(tmp), False)
    return {m: metric_value(metrics, m) for m in scenario.module.SENSITIVITY_METRICS}


def swing(entry: dict, metric: str) -> float:
    """How far ``metric`` moves over the factors of ``entry``: max - min of its values."""
    v = entry["values"][metric]
    return max(v) - min(v)


def tornado_order(entries: list[dict], metric: str, top: int) -> list[dict]:
    """The ``top`` entries with the widest swing of ``metric``, widest first, ties by number
    (field path); entries that do not move it (swing 0) are left out."""
    moving = [e for e in entries if swing(e, metric) > 0]
    return sorted(moving, key=lambda e: (-swing(e, metric), e["number"]))[:top]


# --------------------------------------------------------------------------- the analysis

def analyse(scenario, config: dict, seed: int, run_dir: Path, metrics: dict, factors,
            top: int = DEFAULT_TOP, progress: bool = False) -> tuple[dict, str]:
    """Vary every estimated number (module docstring) of a finished run in ``run_dir`` (its
    ``metrics``, resolved ``config`` and ``seed``); writes sensitivity.json, .md and the
    tornado plots into ``run_dir``; returns (the summary for result.json, the markdown)."""
    require_support(scenario)
    factors = check_factors(factors)
    module = scenario.module
    spec = dict(module.SENSITIVITY_METRICS)
    machine = module.machine(config)
    ledgers = read_ledger_csv(Path(run_dir) / LEDGER_FILE)
    base = {m: metric_value(metrics, m) for m in spec}
    energy_paths, time_paths = varied_numbers(machine, ledgers)
    entries = [{"number": p, "kind": "energy", "how": "exact", "source": machine.sources.get(p),
                "values": exact_energy_values(machine, ledgers, spec, base, p, factors)}
               for p in energy_paths]
    t0 = time.perf_counter()
    entries += _reruns(scenario, config, seed, machine, time_paths, factors, progress)
    rerun_s = time.perf_counter() - t0
    varied = set(energy_paths) | set(time_paths)
    not_varied = [p for p in machine.number_paths() if machine.estimated(p) and p not in varied]
    doc = {"factors": list(factors), "baseline": base, "numbers": entries,
           "not_varied": not_varied, "reruns": len(time_paths) * len(factors),
           "rerun_wall_s": rerun_s}
    summary = _summary(doc, spec, top)
    (Path(run_dir) / JSON_FILE).write_text(json.dumps(plain(doc), indent=1) + "\n")
    from .tornado import tornado
    summary["files"] = [tornado(Path(run_dir) / f"sensitivity_{m.replace('.', '_')}.png",
                                tornado_order(entries, m, top), m, base[m], factors)
                        for m in spec]
    text = markdown(doc, summary, top)
    (Path(run_dir) / MD_FILE).write_text(text)
    return summary, text


def _reruns(scenario, config, seed, machine, paths, factors, progress) -> list[dict]:
    from tqdm import tqdm
    entries = []
    with tqdm(total=len(paths) * len(factors), desc="sensitivity re-runs", unit="run",
              disable=not progress) as bar:
        for p in paths:
            values: dict[str, list[float]] = {m: [] for m in scenario.module.SENSITIVITY_METRICS}
            for f in factors:
                bar.set_postfix_str(f"{p} x{f:g}")
                for m, v in rerun_values(scenario, config, seed, p, f).items():
                    values[m].append(v)
                bar.update()
            entries.append({"number": p, "kind": "time", "how": "re-run",
                            "source": machine.sources.get(p), "values": values})
    return entries


def _summary(doc: dict, spec: dict, top: int) -> dict:
    out = {"factors": doc["factors"], "numbers_varied": len(doc["numbers"]),
           "reruns": doc["reruns"], "rerun_wall_s": doc["rerun_wall_s"], "metrics": {}}
    for m in spec:
        values = [v for e in doc["numbers"] for v in e["values"][m]] + [doc["baseline"][m]]
        order = tornado_order(doc["numbers"], m, top)
        out["metrics"][m] = {
            "baseline": doc["baseline"][m], "interval": [min(values), max(values)],
            "top": [{"number": e["number"], "low": min(e["values"][m]),
                     "high": max(e["values"][m])} for e in order]}
    return out


# --------------------------------------------------------------------------- markdown

def _fmt(metric: str, value: float) -> str:
    unit = {"s": "s", "j": "J", "w": "W"}.get(metric.rsplit("_", 1)[-1], "")
    return f"{value:.6g} {unit}".strip()


def markdown(doc: dict, summary: dict, top: int) -> str:
    """The sensitivity section (sensitivity.md and the end of report.md)."""
    factors = doc["factors"]
    xs = ", ".join(f"x{f:g}" for f in factors)
    n_energy = sum(e["kind"] == "energy" for e in doc["numbers"])
    out = ["## Sensitivity to estimated numbers", "",
           f"One number at a time at {xs} of its value, every other number at its own: "
           f"{len(doc['numbers'])} estimated numbers that used ledger rows rest on, "
           f"{n_energy} energy numbers exactly from the ledger, "
           f"{len(doc['numbers']) - n_energy} time numbers by {doc['reruns']} re-runs "
           f"({doc['rerun_wall_s']:.1f} s). Not varied: {len(doc['not_varied'])} estimated "
           f"numbers of the machine that no used row rests on, or structural ones "
           f"(`scenarios/sensitivity.py`). The interval is the range over these variations, "
           f"not a joint worst case.", ""]
    for m, s in summary["metrics"].items():
        lo, hi = s["interval"]
        out += [f"### {m}: {_fmt(m, s['baseline'])}, interval {_fmt(m, lo)} .. {_fmt(m, hi)}",
                "", f"| number | " + " | ".join(f"x{f:g}" for f in factors)
                + " | swing | how |", "|---|" + "---:|" * (len(factors) + 1) + "---|"]
        shown = tornado_order(doc["numbers"], m, top)
        for e in shown:
            out.append(f"| `{e['number']}` | " + " | ".join(_fmt(m, x) for x in e["values"][m])
                       + f" | {_fmt(m, swing(e, m))} | {e['how']} |")
        still = sum(swing(e, m) == 0 for e in doc["numbers"])
        out += ["", f"Of the other numbers varied, {len(doc['numbers']) - still - len(shown)} "
                f"move it less and {still} do not move it.", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- entry point

def sensitivity(name: str, sets=(), *, seed: int = 0, factors=DEFAULT_FACTORS,
                top: int = DEFAULT_TOP, out="out", progress: bool = False) -> tuple[dict, Path]:
    """Run scenario ``name`` (overrides ``sets``, ``seed``) into ``out`` with its sensitivity
    to each estimated number at ``factors`` (module docstring); returns (result["sensitivity"],
    the run directory)."""
    from . import run_scenario
    result, run_dir = run_scenario(name, sets, seed=seed, out=out, progress=progress,
                                   sensitivity=factors, sensitivity_top=top)
    return result["sensitivity"], run_dir
