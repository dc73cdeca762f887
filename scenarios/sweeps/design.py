"""The design of a sweep: its parameters and the points of a grid, random or Latin-hypercube
design over them.

A parameter is a dotted scenario config key with either a list of values (``Values``) or a
numeric range (``Range``: linear or logarithmic, real or integer). A design point is one value
per parameter plus the sweep's fixed overrides; its ``sets`` are the ``"key=TOML-literal"``
strings ``scenarios.run_scenario`` takes.

- **grid**: the cartesian product of every parameter's grid values, in file order, the first
  parameter varying slowest (``itertools.product``). A value list gives its values; a range
  gives ``steps`` values from ``min`` to ``max`` inclusive (evenly spaced, or evenly spaced in
  log for ``log = true``; rounded to the nearest integer for ``integer = true``).
- **random**: ``samples`` points, each coordinate uniform on [0, 1) from
  ``numpy.random.default_rng(seed)`` and mapped through the parameter (below).
- **lhs**: ``samples`` points of a Latin hypercube (``scipy.stats.qmc.LatinHypercube``, seeded
  with ``numpy.random.default_rng(seed)``): in every dimension each of the ``samples`` equal
  strata of [0, 1) holds exactly one point, then mapped through the parameter.

Mapping a coordinate u in [0, 1) through a parameter: a value list of n values takes value
``floor(u * n)``; a real range takes ``min + u * (max - min)`` (log: ``exp`` of the same in
``log`` space); an integer range takes ``floor`` of the same over [min, max + 1), so that every
integer of the range is equally likely. Real values are rounded to 12 significant digits so that
tables and point ids stay readable.

A design is a list of distinct points: when a random or LHS design draws the same point twice
(value lists and integer ranges make that possible) the later copy is dropped and counted.
A point's id is the first 12 hex digits of the SHA-256 of the canonical JSON of its overrides
(fixed and swept, sorted by key): stable across runs, machines and Python versions.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field

import numpy as np

from eventsim.errors import ConfigError

DESIGNS = ("grid", "random", "lhs")


def tidy(x: float) -> float:
    """``x`` rounded to 12 significant digits (``0.30000000000000004`` -> ``0.3``)."""
    return float(f"{x:.12g}")


@dataclass(frozen=True)
class Values:
    """A parameter that takes one of the listed ``values`` (any TOML values, in file order)."""
    key: str
    values: tuple

    def grid(self) -> list:
        """Every value, in order."""
        return list(self.values)

    def at(self, u: float):
        """The value for a unit-interval coordinate ``u``: value ``floor(u * n)``."""
        n = len(self.values)
        return self.values[min(int(u * n), n - 1)]


@dataclass(frozen=True)
class Range:
    """A numeric parameter from ``min`` to ``max`` (inclusive); ``log`` spaces values evenly
    in log; ``integer`` takes integers only; ``steps`` is the number of grid values."""
    key: str
    min: float
    max: float
    log: bool = False
    integer: bool = False
    steps: int | None = None

    def grid(self) -> list:
        """The ``steps`` grid values; ConfigError if integer rounding makes two of them equal."""
        if self.steps is None:
            raise ConfigError(f"sweep.parameters.{self.key}: a range needs steps (the number of "
                              f"values) in a grid design")
        space = np.geomspace if self.log else np.linspace
        raw = space(self.min, self.max, self.steps)
        if self.integer:
            values = [int(round(v)) for v in raw]
            if len(set(values)) < len(values):
                raise ConfigError(
                    f"sweep.parameters.{self.key}: steps = {self.steps} integer values from "
                    f"{self.min} to {self.max}{' (log)' if self.log else ''} repeat after "
                    f"rounding ({values}); use fewer steps or a value list")
            return values
        values = [tidy(v) for v in raw]
        values[0], values[-1] = float(self.min), float(self.max)
        return values

    def at(self, u: float):
        """The value for a unit-interval coordinate ``u`` (see the module docstring)."""
        lo, hi = self.min, self.max + 1 if self.integer else self.max
        if self.log:
            x = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        else:
            x = lo + u * (hi - lo)
        if self.integer:
            return int(min(max(math.floor(x), self.min), self.max))
        return min(max(tidy(x), float(self.min)), float(self.max))


Parameter = Values | Range


def point_id(overrides: dict) -> str:
    """The stable id of a point: 12 hex digits of the SHA-256 of its canonical JSON."""
    doc = json.dumps(overrides, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(doc.encode()).hexdigest()[:12]


def toml_literal(value) -> str:
    """``value`` (a TOML value: bool, int, float, str, list, table) as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if value != value else
                                                         ("inf" if value > 0 else "-inf"))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_literal(v)}"
                               for k, v in value.items()) + "}"
    raise ConfigError(f"{value!r} ({type(value).__name__}) is not a TOML value")


@dataclass(frozen=True)
class Point:
    """One design point: its position ``index`` in the design, the swept ``params`` (dotted key
    -> value, in parameter order) and the sweep's ``fixed`` overrides."""
    index: int
    params: dict
    fixed: dict = field(default_factory=dict)

    @property
    def overrides(self) -> dict:
        """Every override of the point: the fixed ones, then the swept ones."""
        return {**self.fixed, **self.params}

    @property
    def id(self) -> str:
        return point_id(self.overrides)

    @property
    def sets(self) -> list[str]:
        """The overrides as ``"key=TOML-literal"`` strings for ``scenarios.run_scenario``."""
        return [f"{k}={toml_literal(v)}" for k, v in self.overrides.items()]


@dataclass(frozen=True)
class Design:
    """The points of a design and how many duplicate draws were dropped from it."""
    points: list[Point]
    dropped: int = 0


def unit_samples(kind: str, samples: int, dims: int, seed: int) -> np.ndarray:
    """A ``(samples, dims)`` array of coordinates in [0, 1): uniform (``random``) or a Latin
    hypercube (``lhs``), reproducible from ``seed``."""
    if kind == "random":
        return np.random.default_rng(seed).random((samples, dims))
    if kind == "lhs":
        from scipy.stats import qmc
        try:
            engine = qmc.LatinHypercube(d=dims, rng=np.random.default_rng(seed))
        except TypeError:  # SciPy < 1.15 calls the generator `seed`
            engine = qmc.LatinHypercube(d=dims, seed=np.random.default_rng(seed))
        return engine.random(samples)
    raise ConfigError(f"sweep.design must be one of {list(DESIGNS)}, got {kind!r}")


def make_design(parameters: list[Parameter], fixed: dict, kind: str = "grid",
                samples: int | None = None, seed: int = 0) -> Design:
    """The points of a ``grid``, ``random`` or ``lhs`` design (see the module docstring)."""
    if not parameters:
        raise ConfigError("sweep.parameters must name at least one config key")
    keys = [p.key for p in parameters]
    if kind == "grid":
        rows = itertools.product(*(p.grid() for p in parameters))
    else:
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ConfigError(f"sweep.samples must be an integer >= 1 for a {kind} design, "
                              f"got {samples!r}")
        u = unit_samples(kind, samples, len(parameters), seed)
        rows = ([p.at(float(x)) for p, x in zip(parameters, row)] for row in u)
    points, seen, dropped = [], set(), 0
    for values in rows:
        params = dict(zip(keys, values))
        pid = point_id({**fixed, **params})
        if pid in seen:
            dropped += 1
            continue
        seen.add(pid)
        points.append(Point(len(points), params, dict(fixed)))
    return Design(points, dropped)
