"""A machine: chips of identical cores, memories and a network-on-chip, joined by chip-to-chip
links, with a host link and an execution semantics; loaded from TOML or a dict (SCHEMA.md).

    m = load_machine("my_chip.toml")          # or machine_from_dict({...})
    m.core.time_ps("synop", 100)               # busy time of 100 synaptic ops, ps
    m.sources["core.actions.synop.energy_pj"]  # where that number comes from
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from eventsim.errors import ConfigError

from .core import Core
from .fields import Table
from .links import Link
from .memory import Memory
from .noc import NoC

SEMANTICS = ("event", "timer", "barrier")


@dataclass(frozen=True)
class Machine:
    name: str
    description: str
    semantics: str
    step_ps: int
    chips: int
    core: Core
    noc: NoC
    memories: tuple[Memory, ...] = ()
    chip_link: Link | None = None
    host_link: Link | None = None
    chip_static_power_w: float = 0.0
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        per_chip = self.noc.n_routers * self.noc.cores_per_router
        if self.noc.topology in ("mesh", "torus", "crossbar") and per_chip < self.core.count:
            raise ConfigError(f"noc has room for {per_chip} cores ({self.noc.n_routers} routers x "
                              f"{self.noc.cores_per_router}), but core.count = {self.core.count}")
        if self.chips > 1 and self.chip_link is None:
            raise ConfigError(f"chips = {self.chips} needs a [chip_link] table")
        names = [m.name for m in self.memories]
        if len(set(names)) != len(names):
            raise ConfigError(f"memory names must be unique, got {names}")

    @property
    def n_cores(self) -> int:
        """Cores on the whole board."""
        return self.chips * self.core.count

    def with_dvfs(self, level: str) -> Machine:
        """The same machine with every core at DVFS level ``level``."""
        return replace(self, core=self.core.at_level(level))

    def headline(self) -> dict:
        """A few figures that identify the machine (for listings)."""
        c = self.core
        out = {"name": self.name, "chips": self.chips, "cores": self.n_cores,
               "threads_per_core": c.threads, "clock_mhz": c.level.clock_hz / 1e6,
               "sram_kib_per_core": c.sram_bytes / 1024, "noc": self.noc.topology,
               "semantics": self.semantics}
        for a in ("synop", "mac", "flop"):
            if a in c.actions:
                out[f"{a}_pj"] = c.energy_pj(a)
        return out


def machine_from_dict(data: dict) -> Machine:
    """A Machine from a description dict; ConfigError names any bad field."""
    sources: dict[str, str] = {}
    t = Table(data, "", sources)
    name = t.string("name")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ConfigError(f"name must match [a-z0-9_]+, got {name!r}")
    semantics = t.string("semantics", choices=SEMANTICS)
    m = Machine(
        name=name, description=t.string("description"), semantics=semantics,
        step_ps=t.number("step_ps", default=0 if semantics == "event" else None,
                         minimum=1 if semantics == "timer" else 0, integer=True),
        chips=t.number("chips", default=1, minimum=1, integer=True),
        core=Core.from_table(t.table("core")),
        noc=NoC.from_table(t.table("noc")),
        memories=tuple(Memory.from_table(x) for x in t.tables("memory")),
        chip_link=_optional(t, "chip_link", Link.from_table),
        host_link=_optional(t, "host_link", Link.from_table),
        chip_static_power_w=_chip_static(t),
        sources=sources)
    t.done()
    return m


def _optional(t: Table, key: str, build):
    sub = t.table(key, required=False)
    return None if sub is None else build(sub)


def _chip_static(t: Table) -> float:
    sub = t.table("chip", required=False)
    if sub is None:
        return 0.0
    w = sub.number("static_power_w", default=0.0, minimum=0)
    sub.done()
    return w


def load_machine(path) -> Machine:
    """A Machine from a TOML file."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"machine file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"machine file {str(path)!r} is not valid TOML: {e}") from None
    return machine_from_dict(data)
