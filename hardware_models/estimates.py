"""Which numbers of a machine each ledger row rests on, and how much of a ledger rests on
estimates.

Every row (component, action) that eventsim's machine models write on a lowered ``Machine``
charges, per count, an energy and a busy time made of a few numbers of the machine's
description. ``row_numbers(machine, component, action)`` names them by field path (as
``Machine.sources`` does), in one table:

=========================================  =====================================  ===============================================
row (component, action)                    energy rests on                        time rests on
=========================================  =====================================  ===============================================
``chipK.coreC``, a core action ``a``       ``core.actions.a.energy_pj``,          ``core.actions.a.cycles``,
                                           ``core.dvfs[i].energy_scale``          ``core.dvfs[i].clock_hz`` (i: the level in use)
``chipK.coreC``, ``static``                ``core.static_power_w``                -
``chipK.linkL.rA-rB``, ``flit`` (on chip)  ``noc.hop_energy_x_pj`` (``_y_`` on a  ``noc.link_bandwidth_bytes_per_s``,
                                           north-south link)                      ``noc.hop_latency_x_ps`` (``_y_``)
``chipK.linkL.rA-rB``, ``flit`` (between   ``chip_link.energy_pj_per_byte``       ``chip_link.bandwidth_bytes_per_s``,
chips)                                                                            ``chip_link.latency_ps``
``chipK.routerR``, ``static``              ``noc.router_static_power_w``          -
``chipK.NAME`` (a memory), ``read`` /      ``memory[i].read_energy_pj_per_byte``  ``memory[i].bandwidth_bytes_per_s``,
``write``                                  / ``write_...``                        ``memory[i].latency_ps``
``chipK.NAME`` (a memory), ``static``      ``memory[i].static_power_w``           -
``host_link``, ``to_chip`` / ``to_host``   ``host_link.energy_pj_per_byte``       ``host_link.bandwidth_bytes_per_s``,
                                                                                  ``host_link.latency_ps``
``chipK``, ``static``                      ``chip.static_power_w``                -
=========================================  =====================================  ===============================================

A per-axis NoC number the description does not give is its ``noc.hop_energy_pj`` /
``noc.hop_latency_ps`` (SCHEMA.md), and that is the path named; a number the description
leaves at its default (e.g. no ``energy_scale``: 1) is no number of it and is not named.
"Time" is the row's busy time (cycles / clock; bytes / bandwidth) and, for links and ports, the
latency each hop or transfer adds to the run's timeline (on the path, in no busy time). What a
row does not rest on, by this table: the structural numbers that set its *count* (core count,
mesh size, flit size, MAC-array width), and for ``static`` rows the run's duration (which the
time numbers set).

``estimated_share(machine, rows)`` is the share of the rows' energy and busy time that rests on
at least one estimated number (``Machine.estimated``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from eventsim.errors import ConfigError

from .core import ACTIONS
from .machine import Machine

STATIC = "static"
_CORE = re.compile(r"^chip\d+\.core\d+$")
_ROUTER = re.compile(r"^chip\d+\.router\d+$")
_LINK = re.compile(r"^chip\d+\.link\d+\.r(\d+)-r(\d+)$")
_CHIP = re.compile(r"^chip\d+$")
_MEMORY = re.compile(r"^chip\d+\.(.+)$")
_PORT_ACTIONS = {"read": "read_energy_pj_per_byte", "write": "write_energy_pj_per_byte"}


@dataclass(frozen=True)
class RowNumbers:
    """Field paths of the numbers a ledger row's energy and time rest on."""
    energy: tuple[str, ...]
    time: tuple[str, ...]


def _given(machine: Machine, *paths: str) -> tuple[str, ...]:
    """Those of ``paths`` that the description gives."""
    return tuple(p for p in paths if _has(machine, p))


def _has(machine: Machine, path: str) -> bool:
    try:
        machine.number(path)
    except ConfigError:
        return False
    return True


def _first_given(machine: Machine, *paths: str) -> tuple[str, ...]:
    """The first of ``paths`` the description gives (as a 1-tuple; () if none)."""
    return next(((p,) for p in paths if _has(machine, p)), ())


def _core_row(machine: Machine, action: str) -> RowNumbers:
    if action == STATIC:
        return RowNumbers(_given(machine, "core.static_power_w"), ())
    if action not in machine.core.actions:
        raise KeyError(action)
    level = next(i for i, lv in enumerate(machine.core.dvfs) if lv.name == machine.core.dvfs_level)
    a, lv = f"core.actions.{action}", f"core.dvfs[{level}]"
    return RowNumbers(_given(machine, f"{a}.energy_pj", f"{lv}.energy_scale"),
                      _given(machine, f"{a}.cycles", f"{lv}.clock_hz"))


def _link_row(machine: Machine, src: int, dst: int) -> RowNumbers:
    per_chip = machine.noc.n_routers
    if src // per_chip != dst // per_chip:
        return RowNumbers(_given(machine, "chip_link.energy_pj_per_byte"),
                          _given(machine, "chip_link.bandwidth_bytes_per_s",
                                 "chip_link.latency_ps"))
    link = machine.noc.link_id[(src % per_chip, dst % per_chip)]
    axis = "y" if machine.noc.links[link][2] == "y" else "x"
    return RowNumbers(
        _first_given(machine, f"noc.hop_energy_{axis}_pj", "noc.hop_energy_pj"),
        _given(machine, "noc.link_bandwidth_bytes_per_s")
        + _first_given(machine, f"noc.hop_latency_{axis}_ps", "noc.hop_latency_ps"))


def _memory_row(machine: Machine, name: str, action: str) -> RowNumbers:
    i = next(i for i, m in enumerate(machine.memories) if m.name == name)
    m = f"memory[{i}]"
    if action == STATIC:
        return RowNumbers(_given(machine, f"{m}.static_power_w"), ())
    return RowNumbers(_given(machine, f"{m}.{_PORT_ACTIONS[action]}"),
                      _given(machine, f"{m}.bandwidth_bytes_per_s", f"{m}.latency_ps"))


def _row(machine: Machine, component: str, action: str) -> RowNumbers:
    memory = _MEMORY.match(component)
    if _CORE.match(component) and (action == STATIC or action in ACTIONS):
        return _core_row(machine, action)
    if _ROUTER.match(component) and action == STATIC:
        return RowNumbers(_given(machine, "noc.router_static_power_w"), ())
    if (link := _LINK.match(component)) and action == "flit":
        return _link_row(machine, int(link.group(1)), int(link.group(2)))
    if _CHIP.match(component) and action == STATIC:
        return RowNumbers(_given(machine, "chip.static_power_w"), ())
    if component == "host_link" and action in ("to_chip", "to_host"):
        return RowNumbers(_given(machine, "host_link.energy_pj_per_byte"),
                          _given(machine, "host_link.bandwidth_bytes_per_s",
                                 "host_link.latency_ps"))
    if memory and memory.group(1) in {m.name for m in machine.memories} \
            and (action == STATIC or action in _PORT_ACTIONS):
        return _memory_row(machine, memory.group(1), action)
    raise KeyError(component)


def row_numbers(machine: Machine, component: str, action: str) -> RowNumbers:
    """The field paths of ``machine`` that the energy and the time of ledger row (``component``,
    ``action``) rest on (the module's table). ConfigError for a row that none of the machine
    models writes on this machine (e.g. an action its cores lack, a router it has not)."""
    try:
        return _row(machine, component, action)
    except (KeyError, StopIteration):
        raise ConfigError(f"ledger row {component}/{action} is not a row of machine "
                          f"{machine.name!r}'s models, so the numbers it rests on are "
                          f"unknown") from None


def is_used(row: dict) -> bool:
    """Whether a ledger row charged anything: a count > 0, or static energy > 0."""
    return row["count"] > 0 or (row["action"] == STATIC and row["energy_pj"] > 0)


def energy_on_numbers(machine: Machine, rows) -> dict[str, float]:
    """{field path: pJ}: the energy of the ``rows`` (dicts with component, action, count,
    energy_pj, busy_ps) whose energy rests on each number (a row counts once for each of its
    numbers), for every number some used row rests on, most energy first (ties by path)."""
    out: dict[str, float] = {}
    for r in rows:
        if is_used(r):
            for p in row_numbers(machine, r["component"], r["action"]).energy:
                out[p] = out.get(p, 0.0) + float(r["energy_pj"])
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def used_numbers(machine: Machine, rows) -> RowNumbers:
    """The numbers the used ``rows`` rest on: (energy paths, time paths), each sorted."""
    energy, time = set(), set()
    for r in rows:
        if is_used(r):
            n = row_numbers(machine, r["component"], r["action"])
            energy.update(n.energy)
            time.update(n.time)
    return RowNumbers(tuple(sorted(energy)), tuple(sorted(time)))


def _share(part, whole) -> float:
    return part / whole if whole else 0.0


def estimated_share(machine: Machine, rows, top: int = 5) -> dict:
    """How much of ledger ``rows`` rests on estimated numbers of ``machine``:
    ``energy``: the share (0..1) of the rows' energy (pJ) in rows whose energy rests on at
    least one estimated number; ``busy_time``: the same for busy time (ps) and time numbers;
    ``numbers``: the (at most ``top``) estimated field paths under the most energy, most first;
    ``numbers_energy``: the share of the rows' energy that rests on each of them. Shares of an
    empty total are 0."""
    energy = busy = estimated_energy = estimated_busy = 0.0
    for r in rows:
        n = row_numbers(machine, r["component"], r["action"])
        energy += float(r["energy_pj"])
        busy += int(r["busy_ps"])
        if any(machine.estimated(p) for p in n.energy):
            estimated_energy += float(r["energy_pj"])
        if any(machine.estimated(p) for p in n.time):
            estimated_busy += int(r["busy_ps"])
    on = [(p, e) for p, e in energy_on_numbers(machine, rows).items()
          if machine.estimated(p)][:top]
    return {"energy": _share(estimated_energy, energy),
            "busy_time": _share(estimated_busy, busy),
            "numbers": [p for p, _ in on],
            "numbers_energy": [_share(e, energy) for _, e in on]}
