"""The sweep file: which scenario to run over which design points, and what to optimise.

Two forms, one table. A *sweep file* names its scenario::

    # sweeps/sgd_lr.toml
    scenario = "async_sgd"                # a scenario name (eventsim list)
    description = "learning rate and threads of layer-wise async SGD"   # optional, one line

    [sweep]
    design = "lhs"                        # "grid" (default), "random" or "lhs"
    samples = 16                          # points of a random / lhs design (not for grid)
    seed = 1                              # design seed (random / lhs; default 0)
    run_seed = 0                          # the --seed every run gets (default 0)
    workers = 2                           # local processes (default min(2, CPUs)); 1 = in-process
    objectives = ["min:methods.0.energy_j", "max:methods.0.final_accuracy"]
    constraints = ["methods.0.final_accuracy >= 0.5", "methods.0.elapsed_s < 0.01"]

    [sweep.parameters]                    # dotted config key -> values or a range
    "train.lr" = {min = 0.01, max = 0.5, log = true}
    "train.batch_size" = {min = 8, max = 64, integer = true}
    threads = [[2], [4], [8]]             # a list of values (here each value is itself a list)

    [sweep.fixed]                         # dotted config key -> value, for every point
    "train.epochs" = 1
    machines = ["cpu_multicore"]
    methods = ["layerwise-async"]

or a scenario's own TOML (``scenarios/<name>.toml``) carries a ``[sweep]`` table: then the
scenario is the file's stem (``eventsim sweep scenarios/noc_dse.toml``), the rest of the file is
the scenario's defaults (``eventsim run`` ignores the ``[sweep]`` table). A copy of a scenario
TOML elsewhere is accepted only while its defaults equal the scenario's: to change them, write
a sweep file with ``scenario = ...`` and ``[sweep.fixed]``.

``[sweep]`` keys (every other key is an error):

- ``design``: ``"grid"`` (cartesian product, first parameter slowest), ``"random"`` (uniform)
  or ``"lhs"`` (Latin hypercube); see ``design``.
- ``samples``: integer >= 1, the number of random / lhs draws (duplicate draws are dropped).
- ``seed``: integer >= 0, the design's seed (random / lhs; a grid ignores it).
- ``run_seed``: integer >= 0, the seed of every run (one seed, identical results).
- ``workers``: integer >= 1, local worker processes; ``--workers`` overrides it; a Dask cluster
  (``--scheduler``) ignores it.
- ``parameters`` (table, at least one key): each dotted config key maps to
    - a list of values (grid: each in turn; random / lhs: drawn uniformly among them), or
    - a range table ``{min, max, log = false, integer = false, steps}``: numbers in the config
      key's own unit (e.g. ``noc.link_bandwidth_bytes_per_ps``), ``min < max``, both > 0 for
      ``log``, integers for ``integer``; ``steps`` (integer >= 2, grid only and required there)
      is the number of grid values from ``min`` to ``max`` inclusive. A key whose default is
      an integer (picoseconds, bytes, counts) needs ``integer = true``.
  Keys may be quoted (``"train.lr" = [...]``) or TOML dotted (``train.lr = [...]``); a table
  with a ``min`` or ``max`` key is a range, any other table groups keys.
- ``fixed`` (table): dotted config key -> value applied to every point (same key rules; a
  table value is spread into its dotted keys). A key may not be both fixed and swept.
- ``objectives`` (list, at least one): ``"min:KEY"`` or ``"max:KEY"``; KEY names a metric of
  the run's ``result.json``, dotted for nested tables and list positions
  (``dense.energy_per_token_j``, ``methods.0.energy_j``), in the metric's own unit.
- ``constraints`` (list): ``"KEY OP NUMBER"`` with OP one of ``<=``, ``<``, ``>=``, ``>``,
  ``==`` (``==`` also takes a TOML string or boolean). A finished point is *feasible* when every
  constraint holds and every objective is a finite number; the Pareto front is over the
  feasible points.

Run it with ``eventsim sweep sweeps/sgd_lr.toml --out DIR`` (options: ``--workers N``,
``--scheduler tcp://HOST:PORT`` for a Dask cluster, ``--export csv parquet``,
``--retry-failed``, ``--no-progress``). It writes ``DIR/results.sqlite`` (one row per point,
each written as it finishes; the same command again resumes), ``DIR/pareto.md``,
``DIR/pareto.png``, ``DIR/results.csv`` / ``.parquet`` when asked, and every run's directory
under ``DIR/runs/<scenario>/``.

Every problem raises ``ConfigError`` naming the file, the key and the value, before anything
runs. Whether the keys are config keys of the scenario is checked when the points are resolved
(``runner.check_points``), also before anything runs.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import scenarios
from eventsim.errors import ConfigError
from scenarios.config import flat_keys

from .design import DESIGNS, Design, Range, Values, make_design
from .objectives import Constraint, Objective

SWEEP_KEYS = ("design", "samples", "seed", "run_seed", "workers", "parameters", "fixed",
              "objectives", "constraints")
RANGE_KEYS = ("min", "max", "log", "integer", "steps")
FILE_KEYS = ("scenario", "description", "sweep")


def default_workers() -> int:
    """min(2, CPUs): the local processes a sweep uses unless told otherwise."""
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the scenario, the design and what to optimise (see the module
    docstring for every field's meaning)."""
    scenario: str
    parameters: tuple
    objectives: tuple
    constraints: tuple = ()
    fixed: dict = field(default_factory=dict)
    design: str = "grid"
    samples: int | None = None
    seed: int = 0
    run_seed: int = 0
    workers: int = field(default_factory=default_workers)
    description: str = ""
    source: str = ""

    def points(self) -> Design:
        """The design's points (``design.make_design``)."""
        return make_design(list(self.parameters), self.fixed, self.design, self.samples,
                           self.seed)

    @property
    def metric_keys(self) -> list[str]:
        """The metric keys the objectives and constraints read, each once, in order."""
        keys = [o.key for o in self.objectives] + [c.key for c in self.constraints]
        return list(dict.fromkeys(keys))

    def as_dict(self) -> dict:
        """The sweep as plain JSON-able data (stored with the results)."""
        return {"scenario": self.scenario, "description": self.description,
                "design": self.design, "samples": self.samples, "seed": self.seed,
                "run_seed": self.run_seed,
                "parameters": {p.key: (list(p.values) if isinstance(p, Values) else
                                       {"min": p.min, "max": p.max, "log": p.log,
                                        "integer": p.integer, "steps": p.steps})
                               for p in self.parameters},
                "fixed": self.fixed, "objectives": [o.text for o in self.objectives],
                "constraints": [c.text for c in self.constraints]}


def _int(where: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{where} must be an integer >= {low}, got {value!r}")
    return value


def _number(where: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where} must be a number, got {value!r}")
    return value


def _bool(where: str, value) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    return value


def _is_range(table: dict) -> bool:
    return "min" in table or "max" in table


def _flatten(where: str, table: dict, leaf, prefix: str = "") -> dict:
    """``table`` with nested tables (TOML dotted keys) spread into dotted keys; ``leaf(t)``
    says whether a table is a value rather than a group."""
    out = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and not leaf(v):
            inner = _flatten(where, v, leaf, key + ".")
        else:
            if any(not part for part in key.split(".")):
                raise ConfigError(f"{where}: key {key!r} has an empty part")
            inner = {key: v}
        twice = [k2 for k2 in inner if k2 in out]
        if twice:
            raise ConfigError(f"{where}: key {twice[0]!r} is given twice (quoted and as TOML "
                              f"dotted keys)")
        out.update(inner)
    return out


def parse_range(key: str, table: dict, design: str) -> Range:
    """A ``{min, max, log, integer, steps}`` table as a ``Range`` (checked)."""
    where = f"sweep.parameters.{key}"
    unknown = sorted(set(table) - set(RANGE_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown range key(s) {unknown}; a range has "
                          f"{', '.join(RANGE_KEYS)}")
    for k in ("min", "max"):
        if k not in table:
            raise ConfigError(f"{where}: a range needs both min and max, got {table!r}")
    lo, hi = _number(f"{where}.min", table["min"]), _number(f"{where}.max", table["max"])
    log = _bool(f"{where}.log", table.get("log", False))
    integer = _bool(f"{where}.integer", table.get("integer", False))
    if not lo < hi:
        raise ConfigError(f"{where}: min must be < max, got min = {lo!r}, max = {hi!r}")
    if log and lo <= 0:
        raise ConfigError(f"{where}: a log range needs min > 0, got min = {lo!r}")
    if integer and not (isinstance(lo, int) and isinstance(hi, int)):
        raise ConfigError(f"{where}: an integer range needs integer min and max, "
                          f"got min = {lo!r}, max = {hi!r}")
    steps = table.get("steps")
    if design == "grid":
        if steps is None:
            raise ConfigError(f"{where}: a range needs steps (the number of grid values, "
                              f">= 2) in a grid design, got {table!r}")
        steps = _int(f"{where}.steps", steps, 2)
    elif steps is not None:
        raise ConfigError(f"{where}.steps applies to a grid design only (this design is "
                          f"{design!r}: ranges are sampled continuously), got steps = {steps!r}")
    return Range(key, lo, hi, log, integer, steps)


def parse_values(key: str, values: list) -> Values:
    """A list of values as ``Values`` (non-empty, no value twice)."""
    where = f"sweep.parameters.{key}"
    if not values:
        raise ConfigError(f"{where}: the list of values is empty")
    seen = []
    for v in values:
        if any(v == s and type(v) is type(s) for s in seen):
            raise ConfigError(f"{where}: value {v!r} is listed twice in {values!r}")
        seen.append(v)
    return Values(key, tuple(values))


def parse_parameters(table, design: str) -> tuple:
    """``[sweep.parameters]`` as a tuple of ``Values`` / ``Range``, in file order."""
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"sweep.parameters must be a table of at least one dotted config key "
                          f"-> list of values or {{min, max, ...}} range, got {table!r}")
    out = []
    for key, spec in _flatten("sweep.parameters", table, _is_range).items():
        if isinstance(spec, list):
            out.append(parse_values(key, spec))
        elif isinstance(spec, dict):
            out.append(parse_range(key, spec, design))
        else:
            raise ConfigError(f"sweep.parameters.{key} must be a list of values or a "
                              f"{{min, max, ...}} range table, got {spec!r}")
    return tuple(out)


def _strings(where: str, value) -> list[str]:
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings, got {value!r}")
    return value


def parse_sweep(table, *, scenario: str, description: str = "", source: str = "") -> SweepSpec:
    """A ``[sweep]`` table (as read from TOML) as a checked ``SweepSpec``."""
    if not isinstance(table, dict):
        raise ConfigError(f"sweep must be a table, got {table!r}")
    unknown = sorted(set(table) - set(SWEEP_KEYS))
    if unknown:
        raise ConfigError(f"unknown sweep key(s) {unknown}; valid keys: {', '.join(SWEEP_KEYS)}")
    design = table.get("design", "grid")
    if design not in DESIGNS:
        raise ConfigError(f"sweep.design must be one of {list(DESIGNS)}, got {design!r}")
    samples = table.get("samples")
    if design == "grid":
        if samples is not None:
            raise ConfigError(f"sweep.samples applies to random and lhs designs only (a grid "
                              f"has one point per combination), got samples = {samples!r}")
    else:
        if samples is None:
            raise ConfigError(f"sweep.samples (the number of points) is required for a "
                              f"{design} design")
        samples = _int("sweep.samples", samples, 1)
    parameters = parse_parameters(table.get("parameters"), design)
    fixed_table = table.get("fixed", {})
    if not isinstance(fixed_table, dict):
        raise ConfigError(f"sweep.fixed must be a table of dotted config key -> value, "
                          f"got {fixed_table!r}")
    fixed = _flatten("sweep.fixed", fixed_table, lambda t: False)
    both = [p.key for p in parameters if p.key in fixed]
    if both:
        raise ConfigError(f"sweep key(s) {both} are both swept (sweep.parameters) and fixed "
                          f"(sweep.fixed); keep one")
    texts = _strings("sweep.objectives", table.get("objectives", []))
    if not texts:
        raise ConfigError('sweep.objectives must list at least one "min:KEY" or "max:KEY", '
                          f"got {table.get('objectives', [])!r}")
    objectives = tuple(Objective.parse(t, f"sweep.objectives[{i}]") for i, t in enumerate(texts))
    keys = [o.key for o in objectives]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ConfigError(f"sweep.objectives name {twice} more than once")
    constraints = tuple(Constraint.parse(t, f"sweep.constraints[{i}]") for i, t in
                        enumerate(_strings("sweep.constraints", table.get("constraints", []))))
    return SweepSpec(
        scenario=scenario, parameters=parameters, objectives=objectives,
        constraints=constraints, fixed=fixed, design=design, samples=samples,
        seed=_int("sweep.seed", table.get("seed", 0), 0),
        run_seed=_int("sweep.run_seed", table.get("run_seed", 0), 0),
        workers=_int("sweep.workers", table.get("workers", default_workers()), 1),
        description=description, source=source)


_ABSENT = object()


def _leaves(table: dict, prefix: str = ""):
    """(dotted key, value) of every leaf of ``table``."""
    for k, v in table.items():
        if isinstance(v, dict) and v:
            yield from _leaves(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def _scenario_of(path: Path, doc: dict) -> tuple[str, str]:
    """(scenario name, description) of a sweep file or of a scenario TOML with ``[sweep]``."""
    if "scenario" in doc:
        unknown = sorted(set(doc) - set(FILE_KEYS))
        if unknown:
            raise ConfigError(f"unknown top-level key(s) {unknown} in a sweep file; valid: "
                              f"{', '.join(FILE_KEYS)} (config values for every point go in "
                              f"[sweep.fixed])")
        name = doc["scenario"]
        if not isinstance(name, str):
            raise ConfigError(f"scenario must be a scenario name (a string), got {name!r}")
        scenarios.load(name)
        description = doc.get("description", "")
        if not isinstance(description, str):
            raise ConfigError(f"description must be a string, got {description!r}")
        return name, description
    name = path.stem
    if name not in scenarios.scenario_names():
        raise ConfigError(f"no scenario key, and {path.name} is not a scenario's TOML "
                          f"(scenarios: {scenarios.scenario_names()}); add scenario = \"NAME\"")
    scenario = scenarios.load(name)
    defaults = {k: v for k, v in doc.items() if k not in ("description", "sweep")}
    if defaults != scenario.defaults:
        mine, theirs = dict(_leaves(defaults)), dict(_leaves(scenario.defaults))
        diff = next(k for k in [*flat_keys(defaults), *flat_keys(scenario.defaults)]
                    if mine.get(k, _ABSENT) != theirs.get(k, _ABSENT))
        raise ConfigError(
            f"{path} is a copy of scenario {name}'s TOML whose defaults differ from "
            f"{scenarios.SCENARIO_DIR / (name + '.toml')} (first at {diff}: "
            f"{mine.get(diff, '(absent)')!r} here, {theirs.get(diff, '(absent)')!r} there); "
            f"put the changes in [sweep.fixed] of a sweep file with scenario = \"{name}\"")
    return name, scenario.description


def load_sweep(path) -> SweepSpec:
    """The sweep of a sweep file or of a scenario TOML with a ``[sweep]`` table (see the module
    docstring); ConfigError, prefixed with the file name, for anything wrong."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"sweep file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    if "sweep" not in doc:
        raise ConfigError(f"{path}: no [sweep] table (see scenarios/sweeps/sweep_file.py for "
                          f"the format)")
    try:
        name, description = _scenario_of(path, doc)
        return parse_sweep(doc["sweep"], scenario=name, description=description,
                           source=str(path))
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
