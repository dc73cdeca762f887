"""Scripted studies that compose a network and a machine.

A scenario is two files in this folder:

- ``<name>.toml``: a top-level ``description`` (one line, shown by ``eventsim list``), optionally
  a ``[sweep]`` table (the scenario's own design-space sweep, ``eventsim sweep <name>.toml``; not
  configuration, see ``scenarios.sweeps.sweep_file``) and the default configuration (every other
  key; comments give meanings and units);
- ``<name>.py``: ``run(config, seed, out_dir, progress) -> dict`` (the metrics; may write extra
  files such as ``ledger.csv`` into ``out_dir``) and ``plots(result, out_dir) -> list[str]``
  (PNG files written, names relative to ``out_dir``). Optional: ``check(config)`` (raise
  ``ConfigError`` before anything runs), ``report(result) -> str`` (markdown, written to
  ``report.md``), ``table(result) -> str`` (the summary ``eventsim run`` prints),
  ``OPEN_TABLES`` (tables whose keys ``--set`` may add, see ``config``),
  ``SUPPORTS_TRACE`` (if true ``run`` takes ``trace=``), ``TRACE_NOTE`` (the warning given
  when ``--trace`` is asked of a scenario that has nothing to trace), ``machine(config)``
  (the ``hardware_models`` Machine every ledger of its ledger.csv ran on: the result then has
  ``estimated_share``, see ``uncertainty``) or ``ledger_machine(config, run)`` (the one ledger
  ``run`` ran on, where they differ), ``ESTIMATED_SHARE_NOTE`` (which figures are not ledger
  sums, for ``estimated_share``) and ``SENSITIVITY_METRICS`` (its headline figures
  for ``--sensitivity``, see ``sensitivity``; needs ``machine`` and a ``machine_scale`` config
  table applied through ``machine_scale.scaled_preset``).

``run_scenario`` resolves the configuration, runs the scenario and writes the run directory
``<out>/<scenario>/<run-id>/`` (see ``output``): ``result.json`` (the metrics at top level,
plus ``scenario``, ``run_id``, ``seed``, ``config`` (fully resolved), ``versions``, ``created``,
``wall_s``, ``files``), ``ledger.csv`` where the scenario has ledgers, PNG plots and
``report.md``.
"""
from __future__ import annotations

import importlib
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from eventsim.errors import ConfigError

from .config import apply_overrides, flat_keys, parse_set
from .output import discard_run_dir, finish_run_dir, new_run_dir, versions, write_json

SCENARIO_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: its name, one-line description, default config, module and the
    ``[sweep]`` table of its TOML file (None when it has none)."""
    name: str
    description: str
    defaults: dict
    module: ModuleType
    sweep: dict | None = None

    @property
    def open_tables(self) -> tuple[str, ...]:
        return tuple(getattr(self.module, "OPEN_TABLES", ()))

    def keys(self) -> list[str]:
        """The dotted config keys ``--set`` accepts."""
        return flat_keys(self.defaults)

    def resolve(self, sets=()) -> dict:
        """The defaults with ``sets`` (``"key=value"`` strings) applied and checked."""
        config = apply_overrides(self.defaults, [parse_set(s) for s in sets], self.open_tables)
        check = getattr(self.module, "check", None)
        if check is not None:
            check(config)
        return config


def scenario_names() -> list[str]:
    """Names of the scenarios: every ``<name>.toml`` here with a ``<name>.py`` beside it."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml")
                  if p.with_suffix(".py").exists())


def load(name: str) -> Scenario:
    """The scenario ``name`` (see ``scenario_names()``)."""
    if name not in scenario_names():
        raise ConfigError(f"unknown scenario {name!r}; scenarios: {scenario_names()}")
    with open(SCENARIO_DIR / f"{name}.toml", "rb") as f:
        defaults = tomllib.load(f)
    description = defaults.pop("description", "")
    sweep = defaults.pop("sweep", None)
    module = importlib.import_module(f"{__name__}.{name}")
    return Scenario(name, description, defaults, module, sweep)


def describe() -> list[dict]:
    """``[{"name", "description"}]`` of every scenario (reads the TOML files only; a ``[sweep]``
    table in them is ignored)."""
    out = []
    for name in scenario_names():
        with open(SCENARIO_DIR / f"{name}.toml", "rb") as f:
            out.append({"name": name, "description": tomllib.load(f).get("description", "")})
    return out


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _uncertainty(scenario, config, seed, run_dir, metrics, sensitivity, top,
                 progress) -> list[str]:
    """Add ``estimated_share`` (where the scenario names its machines) and, with
    ``sensitivity`` factors, ``sensitivity`` to ``metrics`` of the run in ``run_dir``; returns
    their report.md sections."""
    from . import uncertainty
    sections = []
    share = uncertainty.share_of_run_dir(scenario.module, config, run_dir)
    if share is not None:
        metrics["estimated_share"] = share
        sections.append(uncertainty.markdown(share))
    if sensitivity is not None:
        from .sensitivity import analyse
        metrics["sensitivity"], text = analyse(scenario, config, seed, run_dir, metrics,
                                               sensitivity, top, progress)
        sections.append(text)
    return sections


def run_scenario(name: str, sets=(), *, seed: int = 0, out="out", trace: bool = False,
                 progress: bool = False, warn=_stderr, sensitivity=None,
                 sensitivity_top: int = 10) -> tuple[dict, Path]:
    """Run scenario ``name`` with overrides ``sets``; returns (result, run directory).
    Bad input raises ``ConfigError`` before anything is written.

    A scenario whose module names its machine (``machine(config)``, or per ledger run
    ``ledger_machine(config, run)``) gets ``estimated_share``
    (``scenarios.uncertainty``) in result.json and report.md; with ``sensitivity`` (factors,
    e.g. (0.5, 2.0)) also the one-at-a-time sensitivity of its headline figures to its
    estimated numbers (``scenarios.sensitivity``, the ``sensitivity_top`` numbers that move
    each most)."""
    scenario = load(name)
    config = scenario.resolve(sets)
    if sensitivity is not None:
        from .sensitivity import check_factors, require_support
        require_support(scenario)
        sensitivity = check_factors(sensitivity)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed must be an integer >= 0, got {seed!r}")
    kwargs = {}
    if trace:
        if getattr(scenario.module, "SUPPORTS_TRACE", False):
            kwargs["trace"] = True
        else:
            note = getattr(scenario.module, "TRACE_NOTE", f"scenario {name} has nothing to trace")
            warn(f"eventsim: warning: --trace: {note}")
    run_id, partial = new_run_dir(Path(out), name, config, seed)
    try:
        created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        t0 = time.perf_counter()
        metrics = scenario.module.run(config, seed, partial, progress, **kwargs)
        wall_s = time.perf_counter() - t0
        sections = _uncertainty(scenario, config, seed, partial, metrics, sensitivity,
                                sensitivity_top, progress)
        result = {"scenario": name, "description": scenario.description, "run_id": run_id,
                  "seed": seed, "created": created, "wall_s": wall_s,
                  "trace": bool(kwargs.get("trace", False)), "config": config,
                  "versions": versions(), **metrics}
        files = list(scenario.module.plots(result, partial))
        report = getattr(scenario.module, "report", None)
        if report is not None:
            (partial / "report.md").write_text("\n".join([report(result), *sections]))
        result["files"] = sorted({*files, "result.json",
                                  *(p.name for p in partial.iterdir() if p.is_file())})
        write_json(partial / "result.json", result)
    except BaseException:
        discard_run_dir(partial)
        raise
    return result, finish_run_dir(partial, run_id)


__all__ = ["Scenario", "scenario_names", "load", "describe", "run_scenario"]
