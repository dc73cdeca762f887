"""Lowering a Machine description to eventsim's MachineIR (flat arrays).

Chips are numbered 0..chips-1, each with the same cores, routers and memories. On a board,
chips are joined by chip-to-chip links between their router 0 (the gateway), as the board's
topology says (``board.Board``: every pair, a mesh or a hexagonal lattice of chips); a packet
to another chip goes by dimension order to its gateway, over chip links along a shortest path
of chips, then by dimension order to its destination.
"""
from __future__ import annotations

import numpy as np

from eventsim.machine_ir import MachineIR
from eventsim.next_hop import DIRECT, MESH, TORUS, routing_arrays

from .area import Area
from .core import ACTIONS
from .machine import Machine

PS_PER_S = 10**12


def lower(m: Machine) -> MachineIR:
    """The MachineIR of ``m`` at its current DVFS level."""
    noc, core = m.noc, m.core
    chips, cpc = m.chips, core.count
    Rc = noc.n_routers                                           # routers per chip
    C = chips * cpc
    names = tuple(a for a in ACTIONS if a in core.actions)
    cycles_row = np.array([core.action(a).cycles for a in names], float)
    energy_row = np.array([core.energy_pj(a) for a in names])
    unit_row = np.array([core.action(a).unit for a in names], np.int32)

    links = _board_links(m)
    core_router = (np.repeat(np.arange(chips, dtype=np.int32) * Rc, cpc)
                   + np.tile(np.arange(cpc, dtype=np.int32) // noc.cores_per_router, chips))
    local = np.arange(Rc)
    router_xy = np.tile(np.stack([local % noc.width, local // noc.width], axis=1), (chips, 1))
    kind = {"mesh": MESH, "torus": TORUS}.get(noc.topology, DIRECT)
    routing = routing_arrays(kind, noc.width, noc.height, np.repeat(np.arange(chips), Rc),
                             router_xy, links["port_link"], np.arange(chips) * Rc,
                             links["chip_next_link"])
    mems = m.memories
    return MachineIR(
        name=m.name, semantics=m.semantics, step_ps=m.step_ps, n_chips=chips,
        core_chip=np.repeat(np.arange(chips, dtype=np.int32), cpc), core_router=core_router,
        core_threads=np.full(C, core.threads, np.int32),
        core_sram_bytes=np.full(C, core.sram_bytes, np.int64),
        core_static_power_w=np.full(C, core.static_power_w),
        core_clock_hz=np.full(C, core.level.clock_hz),
        action_names=names, action_cycles=np.tile(cycles_row, (C, 1)),
        action_energy_pj=np.tile(energy_row, (C, 1)),
        action_available=np.ones((C, len(names)), bool),
        action_unit=np.tile(unit_row, (C, 1)),
        router_chip=np.repeat(np.arange(chips, dtype=np.int32), Rc),
        router_xy=router_xy.astype(np.int32),
        link_src=links["src"].astype(np.int32), link_dst=links["dst"].astype(np.int32),
        link_latency_ps=links["latency_ps"], link_ps_per_byte=links["ps_per_byte"],
        link_energy_pj_per_flit=links["energy_pj_per_flit"],
        link_resource=links["resource"].astype(np.int32), link_off_chip=links["off_chip"],
        routing=routing, flit_bytes=noc.flit_bytes,
        router_static_power_w=noc.router_static_power_w, multicast=noc.multicast,
        memory_names=tuple(f"chip{c}.{x.name}" for c in range(chips) for x in mems),
        memory_chip=np.repeat(np.arange(chips, dtype=np.int32), len(mems)),
        memory_capacity_bytes=np.array([x.capacity_bytes for x in mems] * chips, np.int64),
        memory_bandwidth_bytes_per_s=np.array([x.bandwidth_bytes_per_s for x in mems] * chips, float),
        memory_latency_ps=np.array([x.latency_ps for x in mems] * chips, np.int64),
        memory_read_pj_per_byte=np.array([x.read_energy_pj_per_byte for x in mems] * chips, float),
        memory_write_pj_per_byte=np.array([x.write_energy_pj_per_byte for x in mems] * chips, float),
        memory_static_power_w=np.array([x.static_power_w for x in mems] * chips, float),
        host_bandwidth_bytes_per_s=m.host_link.bandwidth_bytes_per_s if m.host_link else 0.0,
        host_latency_ps=m.host_link.latency_ps if m.host_link else 0,
        host_energy_pj_per_byte=m.host_link.energy_pj_per_byte if m.host_link else 0.0,
        chip_static_power_w=m.chip_static_power_w,
        synapse_memory=next((k for k, x in enumerate(mems) if x.holds_synapses), -1),
        **_areas(m, links["off_chip"]))


def _areas(m: Machine, off_chip) -> dict:
    """The MachineIR's area fields (mm²; zeros when the description gives no [area])."""
    a = m.area or Area()
    C, R = m.chips * m.core.count, m.chips * m.noc.n_routers
    return {"core_area_mm2": np.full(C, a.core_mm2 + a.sram_mm2_per_kib * m.core.sram_bytes / 1024),
            "router_area_mm2": np.full(R, a.router_mm2),
            "link_area_mm2": np.where(off_chip, a.chip_link_mm2, 0.0),
            "memory_area_mm2": np.full(m.chips * len(m.memories), a.memory_controller_mm2),
            "chip_other_area_mm2": a.chip_other_mm2}


def _board_links(m: Machine) -> dict[str, np.ndarray]:
    """The board's directed links as arrays (src, dst router; latency_ps, ps_per_byte,
    energy_pj_per_flit, resource, off_chip per link), every chip's NoC links first, chip by
    chip, then the chip links (``board.Board.links``); port_link[r, p]
    and chip_next_link[a, b] of the routing function (``eventsim.next_hop``)."""
    noc, chips = m.noc, m.chips
    Rc = noc.n_routers
    src, dst, axis, port = noc.link_table
    Lc = src.shape[0]
    ids = np.arange(Lc)
    n_res = {"crossbar": Rc, "bus": 1}.get(noc.topology, Lc)      # resources per chip
    resource = {"crossbar": dst, "bus": np.zeros(Lc, np.int64)}.get(noc.topology, ids)
    chip = np.repeat(np.arange(chips, dtype=np.int64), Lc)
    out = {"src": np.tile(src, chips) + chip * Rc, "dst": np.tile(dst, chips) + chip * Rc,
           "latency_ps": np.tile(noc.link_latency_ps(ids), chips),
           "ps_per_byte": np.full(chips * Lc, PS_PER_S / noc.link_bandwidth_bytes_per_s),
           "energy_pj_per_flit": np.tile(noc.link_energy_pj(ids), chips),
           "resource": np.tile(resource, chips) + chip * n_res,
           "off_chip": np.zeros(chips * Lc, bool)}
    port = np.tile(port, (chips, 1))
    port_link = np.where(port >= 0, port + np.repeat(np.arange(chips), Rc)[:, None] * Lc, -1)
    chip_next = np.full((chips, chips), -1, np.int64)
    if chips > 1:
        a, b = m.board.links(chips)
        n = a.shape[0]
        chip_next = np.where(np.eye(chips, dtype=bool), -1, chips * Lc + m.board.next_link(chips))
        cl = m.chip_link
        extra = {"src": a * Rc, "dst": b * Rc, "latency_ps": np.full(n, cl.latency_ps, np.int64),
                 "ps_per_byte": np.full(n, PS_PER_S / cl.bandwidth_bytes_per_s),
                 "energy_pj_per_flit": np.full(n, cl.energy_pj_per_byte * noc.flit_bytes),
                 "resource": chips * n_res + np.arange(n), "off_chip": np.ones(n, bool)}
        out = {k: np.concatenate([out[k], extra[k]]) for k in out}
    return out | {"port_link": port_link, "chip_next_link": chip_next}
