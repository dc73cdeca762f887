"""Validation: eventsim's figures against references that no one here wrote.

``eventsim validate [CASE ...] [--out DIR] [--json]`` runs the cases (all by default) and writes
``DIR/validation.md`` (one row per check: reference, eventsim, error in %, tolerance, verdict;
for every case that misses, the breakdown that says where the difference comes from),
``DIR/validation.json`` and the plots.

A case is one module of ``scenarios/validation/cases/``, named for what it validates, with

- ``TITLE``: one line;
- ``GROUP``: "theory" (a closed form), "simulator" (a peer simulator run here on the same
  network) or "measurement" (a published measurement);
- ``run(ctx) -> CaseResult``: the checks (``check.Check``, every reference with its source),
  the breakdown, notes and plots (written into ``ctx.out_dir``). A case that cannot run here
  raises ``check.CaseSkipped`` with one line saying why (a peer that cannot be installed, a
  reference file that is absent); any other exception is reported as the case's error, and the
  other cases still run.

Peers run in virtual environments of their own, made on first use (``peers``).
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from eventsim.errors import ConfigError

from . import cases as _cases

GROUPS = ("theory", "simulator", "measurement")


def _module_names() -> list[str]:
    """The case modules of ``cases/``, by name."""
    return sorted(m.name for m in pkgutil.iter_modules(_cases.__path__)
                  if not m.name.startswith("_"))


def case_names() -> list[str]:
    """Every case, grouped as ``GROUPS`` (theory first), by name within a group."""
    return sorted(_module_names(), key=lambda n: (GROUPS.index(load_case(n).GROUP), n))


def load_case(name: str) -> ModuleType:
    """The module of case ``name``; an unknown name is a ``ConfigError`` listing the cases."""
    known = _module_names()
    if name not in known:
        raise ConfigError(f"unknown validation case {name!r}; cases: {known}")
    module = importlib.import_module(f"{_cases.__name__}.{name}")
    if getattr(module, "GROUP", None) not in GROUPS:
        raise ConfigError(f"validation case {name}: GROUP must be one of {GROUPS}, "
                          f"got {getattr(module, 'GROUP', None)!r}")
    return module
