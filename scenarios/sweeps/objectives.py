"""Objectives and constraints of a sweep, read by name from a run's flattened metrics.

An objective is ``"min:KEY"`` or ``"max:KEY"``; a constraint is ``"KEY OP VALUE"`` with OP one of
``<=``, ``<``, ``>=``, ``>``, ``==``. KEY is a dotted metric key (``metrics.flatten_metrics``),
compared in the metric's own unit. A finished point is feasible when every objective is a
finite number and every constraint holds; ``violations`` says why a point is not.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from eventsim.errors import ConfigError

from scenarios.config import parse_value

from .design import toml_literal

SENSES = ("min", "max")
OPERATORS = {"<=": lambda a, b: a <= b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
             ">": lambda a, b: a > b, "==": lambda a, b: a == b}
_KEY = r"[^\s<>=!:]+"
_CONSTRAINT = re.compile(rf"^\s*({_KEY})\s*(<=|>=|==|<|>)\s*(.+?)\s*$")


def is_number(x) -> bool:
    """True for a finite int or float (not a bool)."""
    return (isinstance(x, (int, float)) and not isinstance(x, bool)
            and math.isfinite(x))


@dataclass(frozen=True)
class Objective:
    """Minimise (``sense = "min"``) or maximise (``"max"``) the metric ``key``."""
    key: str
    sense: str

    @property
    def text(self) -> str:
        return f"{self.sense}:{self.key}"

    @classmethod
    def parse(cls, text: str, where: str = "objective") -> Objective:
        """``"min:KEY"`` / ``"max:KEY"`` as an Objective; ConfigError naming ``where``."""
        sense, sep, key = str(text).partition(":")
        key = key.strip()
        if not sep or sense.strip() not in SENSES or not re.fullmatch(_KEY, key):
            raise ConfigError(f'{where} must be "min:KEY" or "max:KEY" (KEY a dotted metric '
                              f'key of result.json), got {text!r}')
        return cls(key, sense.strip())


@dataclass(frozen=True)
class Constraint:
    """The metric ``key`` must satisfy ``key OP bound``."""
    key: str
    op: str
    bound: object

    @property
    def text(self) -> str:
        return f"{self.key} {self.op} {toml_literal(self.bound)}"

    @classmethod
    def parse(cls, text: str, where: str = "constraint") -> Constraint:
        """``"KEY OP VALUE"`` as a Constraint; ConfigError naming ``where``."""
        m = _CONSTRAINT.match(str(text))
        if m is None:
            raise ConfigError(f'{where} must be "KEY OP VALUE" with OP one of '
                              f'{", ".join(OPERATORS)}, got {text!r}')
        key, op, literal = m.groups()
        bound = parse_value(literal)
        if op != "==" and not is_number(bound):
            raise ConfigError(f"{where}: {op} needs a finite number on the right, got "
                              f"{literal!r} in {text!r}")
        if op == "==" and isinstance(bound, (list, dict)):
            raise ConfigError(f"{where}: == compares with a number, string or boolean, "
                              f"got {literal!r} in {text!r}")
        return cls(key, op, bound)

    def violation(self, metrics: dict) -> str | None:
        """None if the constraint holds for ``metrics``, else why not."""
        if self.key not in metrics:
            return f"{self.key} missing"
        value = metrics[self.key]
        if self.op == "==":
            ok = (value == self.bound and isinstance(value, bool) == isinstance(self.bound, bool))
        else:
            ok = is_number(value) and OPERATORS[self.op](value, self.bound)
        return None if ok else f"{self.text} (got {value!r})"


def violations(metrics: dict, objectives, constraints) -> list[str]:
    """Why a point with ``metrics`` is infeasible (empty: feasible): objectives that are not
    finite numbers, then constraints that do not hold."""
    out = []
    for o in objectives:
        if o.key not in metrics:
            out.append(f"objective {o.key} missing")
        elif not is_number(metrics[o.key]):
            out.append(f"objective {o.key} is not a finite number (got {metrics[o.key]!r})")
    for c in constraints:
        why = c.violation(metrics)
        if why is not None:
            out.append(why)
    return out
