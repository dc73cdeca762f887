"""What a validation case reports: checks (one figure against its reference) and the case result.

A ``Check`` compares one eventsim figure with one reference figure that no one here wrote (a
peer simulator's output, a published measurement, a closed form) under a stated tolerance:

- ``rel_tol``: passes when |eventsim - reference| <= rel_tol x |reference| (a fraction: 0.02
  is 2 %);
- ``abs_tol``: passes when |eventsim - reference| <= abs_tol (in the check's unit); ``abs_tol=0``
  asks for equality, as for counts of differing spikes;
- ``at_most``: passes when eventsim <= reference (a bound, e.g. the uncontended NoC bound never
  above the packet-level time).

The error is (eventsim - reference) / |reference| in % (None when the reference is 0).
A case whose figure misses says where the difference comes from in its ``breakdown``: rows of
(part, reference, eventsim, note), e.g. the energy of each component in both simulators.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

PASS, MISS, SKIPPED, ERROR = "pass", "miss", "skipped", "error"
VERDICTS = (PASS, MISS, SKIPPED, ERROR)


@dataclass(frozen=True)
class Check:
    """One figure against its reference: ``quantity`` (what, with its unit in ``unit``), the
    ``reference`` value and where it comes from (``source``: paper and table, or simulator and
    version), eventsim's ``value``, and exactly one tolerance (see the module docstring)."""
    quantity: str
    unit: str
    reference: float
    value: float
    source: str
    rel_tol: float | None = None
    abs_tol: float | None = None
    at_most: bool = False

    def __post_init__(self):
        given = [self.rel_tol is not None, self.abs_tol is not None, bool(self.at_most)]
        if sum(given) != 1:
            raise ValueError(f"check {self.quantity!r}: give exactly one of rel_tol, abs_tol, "
                             f"at_most (got rel_tol={self.rel_tol}, abs_tol={self.abs_tol}, "
                             f"at_most={self.at_most})")
        for name in ("rel_tol", "abs_tol"):
            tol = getattr(self, name)
            if tol is not None and not tol >= 0:
                raise ValueError(f"check {self.quantity!r}: {name} must be >= 0, got {tol}")

    @property
    def error_pct(self) -> float | None:
        """(value - reference) / |reference| in %; None when the reference is 0."""
        if self.reference == 0:
            return None
        return 100.0 * (self.value - self.reference) / abs(self.reference)

    @property
    def passed(self) -> bool:
        if not (math.isfinite(self.value) and math.isfinite(self.reference)):
            return False
        if self.at_most:
            return self.value <= self.reference
        if self.abs_tol is not None:
            return abs(self.value - self.reference) <= self.abs_tol
        return abs(self.value - self.reference) <= self.rel_tol * abs(self.reference)

    @property
    def verdict(self) -> str:
        return PASS if self.passed else MISS

    @property
    def tolerance(self) -> str:
        """The tolerance as text: "±2 %", "±0 spikes", "<= reference"."""
        if self.at_most:
            return "<= reference"
        if self.abs_tol is not None:
            return f"±{self.abs_tol:g} {self.unit}".rstrip()
        return f"±{100 * self.rel_tol:g} %"

    def to_dict(self) -> dict:
        return {"quantity": self.quantity, "unit": self.unit, "reference": self.reference,
                "value": self.value, "source": self.source, "error_pct": self.error_pct,
                "tolerance": self.tolerance, "verdict": self.verdict}


@dataclass(frozen=True)
class BreakdownRow:
    """One part of a figure in both: ``part`` (e.g. "synapse energy"), the reference's and
    eventsim's value in ``unit`` (None where one side has no such part) and a ``note`` on what
    makes them differ."""
    part: str
    unit: str
    reference: float | None
    value: float | None
    note: str = ""

    def to_dict(self) -> dict:
        return {"part": self.part, "unit": self.unit, "reference": self.reference,
                "value": self.value, "note": self.note}


@dataclass
class CaseResult:
    """The outcome of one case: its checks, the breakdown of its figures, notes (markdown lines
    that explain the comparison, shown in ``validation.md``), plots written (file names in the
    output directory) and, for a case that could not run, ``status`` SKIPPED or ERROR with a
    one-line ``message``."""
    name: str
    title: str
    checks: list[Check] = field(default_factory=list)
    breakdown: list[BreakdownRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    status: str | None = None
    message: str = ""
    wall_s: float = 0.0

    @property
    def verdict(self) -> str:
        """SKIPPED or ERROR when it could not run; else PASS when every check passes (and there
        is at least one), MISS otherwise."""
        if self.status in (SKIPPED, ERROR):
            return self.status
        if not self.checks:
            return ERROR
        return PASS if all(c.passed for c in self.checks) else MISS

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "verdict": self.verdict,
                "message": self.message, "wall_s": self.wall_s,
                "checks": [c.to_dict() for c in self.checks],
                "breakdown": [b.to_dict() for b in self.breakdown],
                "notes": list(self.notes), "plots": list(self.plots)}


class CaseSkipped(Exception):
    """Raised by a case that cannot run here (a peer that cannot be installed, a reference
    file that is absent); its message is the one line the report shows."""
