"""The ledger: energy and busy time per (component, action), charged from compiled code.

Each row is one action of one component ("core3", "synop") with a cost per count (energy in pJ,
busy time in ps). Compiled handlers call ``charge(ctx, row, n)`` (count x cost per count) or
``charge_amount(ctx, row, n, energy_pj, busy_ps)`` (explicit amounts). Static (leakage) power in
watts per component adds ``power_w x elapsed_ps`` picojoules (1 W x 1 ps = 1 pJ) as an action
named "static". Totals are the sum of the rows, and ``check()`` verifies it.
"""
from __future__ import annotations

import csv
import io
import math
from collections import namedtuple

import numpy as np
from .jit import kernel_jit

from .components import ComponentTable
from .errors import ConfigError

LedgerArrays = namedtuple("LedgerArrays",
                          ["count", "energy_pj", "busy_ps", "cost_energy_pj", "cost_busy_ps"])
LedgerArrays.__doc__ = """Per-row counters (count, energy_pj, busy_ps) and costs per count."""

STATIC_ACTION = "static"
COLUMNS = ("component", "action", "count", "energy_pj", "busy_ps")


def _check_cost(value, name, integer=False):
    ok_type = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type + (np.integer, np.floating)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be finite and >= 0, got {value!r}")
    if integer and int(value) != value:
        raise ConfigError(f"{name} must be an integer number of ps, got {value!r}")


def _check_costs(components, actions, values, name, integer=False):
    """``_check_cost`` of every value (the first bad one is named): a numeric array at once,
    anything else value by value."""
    v = values
    if isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind in ("iu" if integer else "iuf"):
        ok = np.isfinite(v) & (v >= 0) if v.dtype.kind == "f" else v >= 0
        if ok.all():
            return
        bad = [int(np.argmin(ok))]
    else:
        bad = range(len(values))
    for i in bad:
        _check_cost(values[i], f"{components[i]}.{actions[i]}.{name}", integer=integer)


def _check_action(action):
    if not isinstance(action, str) or not action or action == STATIC_ACTION:
        raise ConfigError(f"action name must be a non-empty string other than "
                          f"{STATIC_ACTION!r}, got {action!r}")


class Ledger:
    """Rows of (component, action) with counts, energy_pj and busy_ps, plus static power."""

    def __init__(self, components: ComponentTable | None = None):
        self.components = components if components is not None else ComponentTable()
        self._row_of: dict[tuple[str, str], int] = {}
        self.row_keys: list[tuple[str, str]] = []
        self.static_power_w: dict[str, float] = {}
        self._cost_energy_pj: list[float] = []
        self._cost_busy_ps: list[int] = []
        self._arrays = self._allocate(0)

    @property
    def arrays(self) -> LedgerArrays:
        """The counters and costs, one entry per row (rows registered since the last access
        are added here, keeping the counts so far: registering n rows costs O(n), not O(n^2))."""
        a = self._arrays
        n = len(self.row_keys)
        if a.count.shape[0] != n:
            grown = self._allocate(n)
            for old, new in zip(a[:3], grown[:3]):
                new[:old.shape[0]] = old
            grown.cost_energy_pj[:] = self._cost_energy_pj
            grown.cost_busy_ps[:] = self._cost_busy_ps
            self._arrays = a = grown
        return a

    @staticmethod
    def _allocate(n: int) -> LedgerArrays:
        return LedgerArrays(np.zeros(n, np.int64), np.zeros(n, np.float64), np.zeros(n, np.int64),
                            np.zeros(n, np.float64), np.zeros(n, np.int64))

    def add_action(self, component: str, action: str, energy_pj: float = 0.0,
                   busy_ps: int = 0, chip: int = 0) -> int:
        """Register an action with its cost per count; return its row id for ``charge``."""
        _check_action(action)
        _check_cost(energy_pj, f"{component}.{action}.energy_pj")
        _check_cost(busy_ps, f"{component}.{action}.busy_ps", integer=True)
        self.components.add(component, chip)
        if (component, action) in self._row_of:
            raise ConfigError(f"action {component}.{action} is already in the ledger")
        return self._append(component, action, float(energy_pj), int(busy_ps))

    def shared_action(self, component: str, action: str, energy_pj: float = 0.0,
                      busy_ps: int = 0, chip: int = 0) -> int:
        """The row of (component, action), registered now unless a model already did so with
        the same cost per count (models that both charge one action share its row)."""
        return int(self.shared_actions([component], [action], [energy_pj], [chip],
                                       [busy_ps])[0])

    def shared_actions(self, components, actions, energy_pj, chips, busy_ps=None) -> np.ndarray:
        """``shared_action`` for each (components[i], actions[i], energy_pj[i] pJ, chips[i],
        busy_ps[i] ps, default 0) at once; returns their rows. The costs are checked as arrays,
        the names once per distinct name (a machine of many cores registers its core actions
        in one call)."""
        n = len(components)
        busy_ps = np.zeros(n, np.int64) if busy_ps is None else busy_ps
        if not len(actions) == len(energy_pj) == len(chips) == len(busy_ps) == n:
            raise ConfigError("shared_actions: components, actions, energy_pj, chips and "
                              "busy_ps must be as long")
        _check_costs(components, actions, energy_pj, "energy_pj")
        _check_costs(components, actions, busy_ps, "busy_ps", integer=True)
        for action in set(actions):
            _check_action(action)
        for component, chip in dict(zip(components, chips)).items():
            self.components.add(component, chip)
        rows = np.empty(n, np.int64)
        for i, key in enumerate(zip(components, actions)):
            e, b = float(energy_pj[i]), int(busy_ps[i])
            row = self._row_of.get(key)
            if row is None:
                row = self._append(key[0], key[1], e, b)
            elif self._cost_energy_pj[row] != e or self._cost_busy_ps[row] != b:
                raise ConfigError(f"action {key[0]}.{key[1]} is already in the ledger with "
                                  f"cost {self._cost_energy_pj[row]} pJ, "
                                  f"{self._cost_busy_ps[row]} ps per count; now asked with "
                                  f"{energy_pj[i]} pJ, {busy_ps[i]} ps")
            rows[i] = row
        return rows

    def _append(self, component: str, action: str, energy_pj: float, busy_ps: int) -> int:
        row = len(self.row_keys)
        self._cost_energy_pj.append(energy_pj)
        self._cost_busy_ps.append(busy_ps)
        self._row_of[(component, action)] = row
        self.row_keys.append((component, action))
        return row

    def row(self, component: str, action: str) -> int:
        """The row id of a registered action."""
        try:
            return self._row_of[(component, action)]
        except KeyError:
            raise ConfigError(f"no ledger row {component}.{action}") from None

    def set_static_power(self, component: str, power_w: float, chip: int = 0) -> None:
        """Charge ``power_w`` watts of leakage for ``component`` over the simulated time."""
        _check_cost(power_w, f"{component}.static_power_w")
        self.components.add(component, chip)
        self.static_power_w[component] = float(power_w)

    def reset(self) -> None:
        """Zero every counter (costs are kept)."""
        for a in (self.arrays.count, self.arrays.energy_pj, self.arrays.busy_ps):
            a[:] = 0

    def rows(self, elapsed_ps: int) -> list[dict]:
        """One dict per row (dynamic actions, then static power over ``elapsed_ps``)."""
        if elapsed_ps < 0:
            raise ValueError(f"elapsed_ps must be >= 0, got {elapsed_ps}")
        a = self.arrays
        out = [{"component": c, "action": act, "count": int(a.count[i]),
                "energy_pj": float(a.energy_pj[i]), "busy_ps": int(a.busy_ps[i])}
               for i, (c, act) in enumerate(self.row_keys)]
        for comp, p in self.static_power_w.items():
            out.append({"component": comp, "action": STATIC_ACTION, "count": 0,
                        "energy_pj": p * elapsed_ps, "busy_ps": 0})
        return out

    def totals(self, elapsed_ps: int) -> dict:
        """Total count, energy_pj (dynamic + static) and busy_ps over all rows."""
        a = self.arrays
        static = sum(self.static_power_w.values()) * elapsed_ps
        return {"count": int(a.count.sum()), "energy_pj": float(a.energy_pj.sum()) + static,
                "busy_ps": int(a.busy_ps.sum()),
                "dynamic_energy_pj": float(a.energy_pj.sum()), "static_energy_pj": static}

    def by_component(self, elapsed_ps: int) -> dict[str, float]:
        """Energy in pJ per component (dynamic + static)."""
        out: dict[str, float] = {}
        for r in self.rows(elapsed_ps):
            out[r["component"]] = out.get(r["component"], 0.0) + r["energy_pj"]
        return out

    def check(self, elapsed_ps: int) -> None:
        """Raise AssertionError unless totals equal the sum of the rows (to 1e-9 relative)."""
        rows = self.rows(elapsed_ps)
        tot = self.totals(elapsed_ps)
        e = math.fsum(r["energy_pj"] for r in rows)
        if not math.isclose(e, tot["energy_pj"], rel_tol=1e-9, abs_tol=1e-9):
            raise AssertionError(f"ledger energy total {tot['energy_pj']} != sum of rows {e}")
        if sum(r["count"] for r in rows) != tot["count"]:
            raise AssertionError("ledger count total differs from the sum of rows")
        if sum(r["busy_ps"] for r in rows) != tot["busy_ps"]:
            raise AssertionError("ledger busy_ps total differs from the sum of rows")

    def to_dict(self, elapsed_ps: int) -> dict:
        """{'elapsed_ps', 'rows': [...], 'totals': {...}} (JSON-ready)."""
        return {"elapsed_ps": int(elapsed_ps), "rows": self.rows(elapsed_ps),
                "totals": self.totals(elapsed_ps)}

    def to_csv(self, elapsed_ps: int, path=None) -> str:
        """The rows as CSV (columns: component, action, count, energy_pj, busy_ps); written
        to ``path`` if given. Returns the text."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in self.rows(elapsed_ps):
            w.writerow({**r, "energy_pj": repr(r["energy_pj"])})
        text = buf.getvalue()
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return text


@kernel_jit
def ledger_charge(ledger, row, n):
    """Add ``n`` counts of ``row`` at its cost per count (energy_pj and busy_ps)."""
    ledger.count[row] += n
    ledger.energy_pj[row] += n * ledger.cost_energy_pj[row]
    ledger.busy_ps[row] += n * ledger.cost_busy_ps[row]


@kernel_jit
def ledger_charge_amount(ledger, row, n, energy_pj, busy_ps):
    """Add ``n`` counts of ``row`` with explicit total energy (pJ) and busy time (ps)."""
    ledger.count[row] += n
    ledger.energy_pj[row] += energy_pj
    ledger.busy_ps[row] += busy_ps
