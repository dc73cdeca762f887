"""A processing core: clock with DVFS levels, actions with cycles and energy, local SRAM,
hardware threads, leakage.

Time of ``n`` actions = n x cycles / clock_hz (rounded to the ps); energy = n x energy_pj x the
DVFS level's energy_scale. A core serves one work item per hardware thread at a time: an action
with a ``unit`` always runs on that thread (a pipeline unit of its own, e.g. a core's input stage
working while its output stage updates neurons), any other on whichever thread frees first.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from eventsim.errors import ConfigError

from .fields import Table

ACTIONS = ("synop", "neuron_update", "neuron_update_spiking", "mac", "mac_array", "flop",
           "mem_read_byte", "mem_write_byte", "packet_send", "packet_recv", "barrier")
"""Action names a core may declare."""

PS_PER_S = 10**12


@dataclass(frozen=True)
class DvfsLevel:
    """An operating point: supply voltage (V), clock (Hz), and the factor on action energies."""
    name: str
    voltage_v: float
    clock_hz: float
    energy_scale: float = 1.0

    @classmethod
    def from_table(cls, t: Table) -> DvfsLevel:
        lv = cls(t.string("name"), t.number("voltage_v", above=0),
                 t.number("clock_hz", above=0), t.number("energy_scale", default=1.0, above=0))
        t.done()
        return lv


@dataclass(frozen=True)
class Action:
    """Cost of one action at energy_scale 1: clock cycles and picojoules (``width``: MACs per
    array operation, for mac_array; ``unit``: the hardware thread that always does it, -1 for
    any)."""
    cycles: float
    energy_pj: float
    width: int = 1
    unit: int = -1

    @classmethod
    def from_table(cls, name: str, t: Table) -> Action:
        a = cls(t.number("cycles", minimum=0), t.number("energy_pj", minimum=0),
                t.number("width", default=1, minimum=1, integer=True),
                t.number("unit", default=-1, minimum=0, integer=True))
        if a.width != 1 and name != "mac_array":
            raise ConfigError(f"{t.path}.width applies to mac_array only, got {a.width} on {name}")
        t.done()
        return a


@dataclass(frozen=True)
class Core:
    """One core type, replicated ``count`` times per chip."""
    count: int
    threads: int
    sram_bytes: int
    dvfs: tuple[DvfsLevel, ...]
    dvfs_level: str
    actions: dict[str, Action] = field(default_factory=dict)
    static_power_w: float = 0.0

    def __post_init__(self):
        names = [lv.name for lv in self.dvfs]
        if len(set(names)) != len(names):
            raise ConfigError(f"core.dvfs level names must be unique, got {names}")
        if self.dvfs_level not in names:
            raise ConfigError(f"core.dvfs_level must be one of {names}, got {self.dvfs_level!r}")
        for a, act in self.actions.items():
            if a not in ACTIONS:
                raise ConfigError(f"core.actions.{a} is not a known action; known: {list(ACTIONS)}")
            if act.unit >= self.threads:
                raise ConfigError(f"core.actions.{a}.unit must be a thread in [0, {self.threads}), "
                                  f"got {act.unit}")

    @classmethod
    def from_table(cls, t: Table) -> Core:
        levels = tuple(DvfsLevel.from_table(x) for x in t.tables("dvfs"))
        if not levels:
            raise ConfigError("core.dvfs needs at least one level")
        acts = t.table("actions")
        actions = {name: Action.from_table(name, sub) for name, sub in acts.subtables().items()}
        acts.done()
        c = cls(count=t.number("count", minimum=1, integer=True),
                threads=t.number("threads", default=1, minimum=1, integer=True),
                sram_bytes=t.number("sram_bytes", minimum=0, integer=True),
                dvfs=levels, dvfs_level=t.string("dvfs_level"), actions=actions,
                static_power_w=t.number("static_power_w", default=0.0, minimum=0))
        t.done()
        return c

    @property
    def level(self) -> DvfsLevel:
        """The DVFS level in use."""
        return next(lv for lv in self.dvfs if lv.name == self.dvfs_level)

    def at_level(self, name: str) -> Core:
        """The same core at DVFS level ``name``."""
        return replace(self, dvfs_level=name)

    def action(self, name: str) -> Action:
        try:
            return self.actions[name]
        except KeyError:
            raise ConfigError(f"this core has no action {name!r}; it has {sorted(self.actions)}") from None

    def time_ps(self, action: str, n: float = 1) -> int:
        """Busy time of ``n`` actions at the current level, in ps (rounded)."""
        return round(n * self.action(action).cycles * PS_PER_S / self.level.clock_hz)

    def energy_pj(self, action: str, n: float = 1) -> float:
        """Energy of ``n`` actions at the current level, in pJ."""
        return n * self.action(action).energy_pj * self.level.energy_scale
