"""Energy and busy time of a run split into the five parts every report shows: ``compute``,
``noc``, ``memory``, ``host_link`` and ``static``.

A ledger row (component, action, energy_pj, busy_ps) belongs to exactly one part:

- ``static``: every ``static`` action row (static power x the run's duration);
- ``host_link``: rows of the ``host_link`` component (bytes to and from the host);
- ``memory``: the cores' ``mem_read_byte`` / ``mem_write_byte`` and the ``read`` / ``write``
  rows of memory ports (a ``[[memory]]`` of the machine; or any component named in
  ``memories``);
- ``noc``: links and routers (``flit``), chip-to-chip links, and the cores' ``packet_send``,
  ``packet_recv`` and ``barrier`` (the cycles a core spends on communication);
- ``compute``: everything else (synops, neuron updates, MACs, flops...).

So the parts of a ledger sum to its total, to the picojoule (a test checks it).
"""
from __future__ import annotations

import re

import numpy as np

PARTS = ("compute", "noc", "memory", "host_link", "static")
_NOC_CORE_ACTIONS = {"packet_send", "packet_recv", "barrier", "flit"}
_CORE = re.compile(r"^chip\d+\.core(\d+)$")
_MEMORY_ACTIONS = {"mem_read_byte", "mem_write_byte", "read", "write"}


def part_of(component: str, action: str, memories=()) -> str:
    """The part (one of ``PARTS``) that the ledger row (component, action) belongs to."""
    if action == "static":
        return "static"
    leaf = component.rsplit(".", 1)[-1]
    if leaf == "host_link" or component == "host_link":
        return "host_link"
    if action in _MEMORY_ACTIONS or leaf in memories or component in memories:
        return "memory"
    if action in _NOC_CORE_ACTIONS or ".link" in component or "router" in leaf \
            or "chip_link" in component:
        return "noc"
    return "compute"


def breakdown(rows, memories=()) -> dict:
    """{"energy_pj": {part: pJ}, "busy_ps": {part: ps}} of ledger ``rows`` (dicts with
    component, action, energy_pj, busy_ps), every part present (0 where none)."""
    energy = dict.fromkeys(PARTS, 0.0)
    busy = dict.fromkeys(PARTS, 0)
    for r in rows:
        part = part_of(r["component"], r["action"], memories)
        energy[part] += float(r["energy_pj"])
        busy[part] += int(r["busy_ps"])
    return {"energy_pj": energy, "busy_ps": busy}


def busy_per_core(rows, n_cores: int) -> np.ndarray:
    """Busy time (ps) of each of ``n_cores`` cores: the sum of the ``busy_ps`` of the ledger
    rows of its component ``chipN.coreC`` (static rows carry none)."""
    busy = np.zeros(n_cores, np.int64)
    for r in rows:
        m = _CORE.match(r["component"])
        if m:
            busy[int(m.group(1))] += int(r["busy_ps"])
    return busy
