"""A machine: chips of identical cores, memories and a network-on-chip, joined by chip-to-chip
links, with a host link and an execution semantics; loaded from TOML or a dict (SCHEMA.md).

    m = load_machine("my_chip.toml")          # or machine_from_dict({...})
    m.core.time_ps("synop", 100)               # busy time of 100 synaptic ops, ps
    m.sources["core.actions.synop.energy_pj"]  # where that number comes from
    m.estimated("core.actions.synop.energy_pj")  # True: that source says "estimate: ..."
    m.with_scaled("core.actions.synop.cycles", 2.0)   # the same machine, synops twice as slow

A field path names one number of the description as ``sources`` does: tables by key, arrays of
tables by index (``core.dvfs[1].clock_hz``, ``memory[0].latency_ps``).
"""
from __future__ import annotations

import copy
import math
import numbers
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from eventsim.errors import ConfigError

from .area import Area
from .board import Board
from .core import Core
from .fields import Table
from .links import Link
from .memory import Memory
from .noc import NoC

SEMANTICS = ("event", "timer", "barrier")
ESTIMATE = "estimate"
"""How a source that is an estimate begins (SCHEMA.md: ``source = "estimate: <reasoning>"``)."""
_PART = re.compile(r"^([A-Za-z0-9_]+)(?:\[(\d+)\])?$")


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
    board: Board = Board()               # how chips are joined (from [chip_link])
    host_link: Link | None = None
    chip_static_power_w: float = 0.0
    area: Area | None = None             # silicon areas ([area]); None: not described
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    data: dict = field(default_factory=dict, compare=False, repr=False)
    """The description this machine was read from (``with_scaled`` rebuilds from it)."""

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
        holders = [m.name for m in self.memories if m.holds_synapses]
        if len(holders) > 1:
            raise ConfigError(f"at most one memory per chip may hold synapses, got {holders}")

    @property
    def n_cores(self) -> int:
        """Cores on the whole board."""
        return self.chips * self.core.count

    def with_dvfs(self, level: str) -> Machine:
        """The same machine with every core at DVFS level ``level`` (its description too)."""
        data = copy.deepcopy(self.data)
        if isinstance(data.get("core"), dict):
            data["core"]["dvfs_level"] = level
        return replace(self, core=self.core.at_level(level), data=data)

    def number(self, path: str) -> float | int:
        """The number the description gives at field ``path``; ConfigError if it gives none."""
        parent, key = _locate(self.data, path, self.name)
        value = parent[key]
        return value["value"] if isinstance(value, dict) else value

    def number_paths(self) -> list[str]:
        """Field paths of every number the description gives, in file order."""
        return _number_paths(self.data, "")

    def estimated(self, path: str) -> bool:
        """Whether the number at ``path`` rests on an estimate: its source begins with
        "estimate" (any case), or it has no source at all (nothing backs it)."""
        self.number(path)
        source = self.sources.get(path)
        return source is None or source.strip().lower().startswith(ESTIMATE)

    def with_scaled(self, path: str, factor: float) -> Machine:
        """A new machine, this one with the single number at field ``path`` multiplied by
        ``factor`` (a finite number > 0) and every other number as it is. It is rebuilt from
        the description, so what follows that number follows it (``noc.hop_energy_pj`` is also
        the per-axis energy where the description gives none) and it is checked like any
        description (a scaled integer, e.g. a latency in ps, is rounded to the nearest
        integer). The scaled number's source becomes ``estimate: x<factor> of ...`` (the old
        source). ConfigError for a path that names no number of the description, a bad factor,
        or a machine changed (``dataclasses.replace``) since it was read, whose description no
        longer says what it is."""
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) \
                or not math.isfinite(factor) or factor <= 0:
            raise ConfigError(f"scale factor of {path} must be a finite number > 0, "
                              f"got {factor!r}")
        old = self.number(path)
        if machine_from_dict(self.data) != self:
            raise ConfigError(f"machine {self.name!r} was changed after it was read, so its "
                              f"description no longer describes it; scale {path} before "
                              f"changing it")
        data = copy.deepcopy(self.data)
        parent, key = _locate(data, path, self.name)
        new = round(old * factor) if isinstance(old, int) else old * factor
        was = self.sources.get(path)
        parent[key] = {"value": new, "source": f"estimate: x{factor:g} of the number whose "
                       + (f"source is: {was}" if was else "source is not given")}
        return machine_from_dict(data)

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


def _locate(data: dict, path: str, machine: str) -> tuple[dict | list, str | int]:
    """(the table or array holding the number at field ``path`` of description ``data``, its
    key or index); ConfigError naming ``path`` when the description gives no number there."""
    holder, key, node = None, None, data
    parts = path.split(".") if isinstance(path, str) else []
    for part in parts:
        m = _PART.match(part)
        if m is None or not isinstance(node, dict) or _is_sourced_number(node) \
                or m.group(1) not in node:
            node = None
            break
        holder, key, node = node, m.group(1), node[m.group(1)]
        if m.group(2) is not None:
            index = int(m.group(2))
            if not isinstance(node, list) or index >= len(node):
                node = None
                break
            holder, key, node = node, index, node[index]
    if parts and (_is_number(node) or _is_sourced_number(node)):
        return holder, key
    raise ConfigError(f"machine {machine!r} has no number at {path!r} (a field path such as "
                      f"'core.actions.synop.energy_pj' or 'memory[0].latency_ps')")


def _is_sourced_number(node) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= {"value", "source"} \
        and _is_number(node["value"])


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _number_paths(node, prefix: str) -> list[str]:
    if _is_sourced_number(node):
        return [prefix]
    if isinstance(node, dict):
        return [p for k, v in node.items() if k != "source"
                for p in _number_paths(v, f"{prefix}.{k}" if prefix else k)]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _number_paths(v, f"{prefix}[{i}]")]
    return [prefix] if _is_number(node) else []


def machine_from_dict(data: dict) -> Machine:
    """A Machine from a description dict; ConfigError names any bad field."""
    sources: dict[str, str] = {}
    t = Table(data, "", sources)
    name = t.string("name")
    chip_link, board = _chip_link(t)
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
        chip_link=chip_link, board=board,
        host_link=_optional(t, "host_link", Link.from_table),
        chip_static_power_w=_chip_static(t),
        area=_optional(t, "area", Area.from_table),
        sources=sources, data=copy.deepcopy(data))
    t.done()
    return m


def _chip_link(t: Table) -> tuple[Link | None, Board]:
    """The [chip_link] table: the link's numbers and the board's topology."""
    sub = t.table("chip_link", required=False)
    if sub is None:
        return None, Board()
    board = Board.from_table(sub)
    return Link.from_table(sub), board


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
