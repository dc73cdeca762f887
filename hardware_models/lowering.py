"""Lowering a Machine description to eventsim's MachineIR (flat arrays).

Chips are numbered 0..chips-1, each with the same cores, routers and memories. On a board,
every pair of chips is joined by a chip-to-chip link between their router 0 (the gateway);
a packet to another chip goes by dimension order to its gateway, over the chip link, then by
dimension order to its destination.
"""
from __future__ import annotations

import numpy as np

from eventsim.machine_ir import MachineIR

from .core import ACTIONS
from .machine import Machine

PS_PER_S = 10**12


def lower(m: Machine) -> MachineIR:
    """The MachineIR of ``m`` at its current DVFS level."""
    noc, core = m.noc, m.core
    chips, cpc = m.chips, core.count
    Rc = noc.n_routers                                           # routers per chip
    C, R = chips * cpc, chips * Rc
    names = tuple(a for a in ACTIONS if a in core.actions)
    cycles_row = np.array([core.action(a).cycles for a in names], float)
    energy_row = np.array([core.energy_pj(a) for a in names])
    unit_row = np.array([core.action(a).unit for a in names], np.int32)

    src, dst, lat, ppb, epf, res, off = [], [], [], [], [], [], []
    n_res = 0
    local_links = noc.links

    def add(s, d, latency, ps_per_byte, energy, resource, off_chip):
        src.append(s); dst.append(d); lat.append(latency); ppb.append(ps_per_byte)
        epf.append(energy); res.append(resource); off.append(off_chip)

    link_of = {}
    for chip in range(chips):
        base = chip * Rc
        for i, (a, b, axis) in enumerate(local_links):
            resource = n_res + {"xbar": b, "bus": 0}.get(axis, i)
            link_of[(base + a, base + b)] = len(src)
            add(base + a, base + b, noc.link_latency_ps(i), PS_PER_S / noc.link_bandwidth_bytes_per_s,
                noc.link_energy_pj(i), resource, False)
        n_res += {"crossbar": Rc, "bus": 1}.get(noc.topology, len(local_links))
    if chips > 1:
        cl = m.chip_link
        for a in range(chips):
            for b in range(chips):
                if a != b:
                    link_of[(a * Rc, b * Rc)] = len(src)
                    add(a * Rc, b * Rc, cl.latency_ps, PS_PER_S / cl.bandwidth_bytes_per_s,
                        cl.energy_pj_per_byte * noc.flit_bytes, n_res, True)
                    n_res += 1

    next_link = np.full((R, R), -1, np.int32)
    for s in range(R):
        for d in range(R):
            if s == d:
                continue
            sc, dc = divmod(s, Rc)[0], divmod(d, Rc)[0]
            if sc == dc:
                first = noc.route(s - sc * Rc, d - dc * Rc)[0]
                a, b, _ = local_links[first]
                next_link[s, d] = link_of[(sc * Rc + a, sc * Rc + b)]
            elif s != sc * Rc:
                first = noc.route(s - sc * Rc, 0)[0]
                a, b, _ = local_links[first]
                next_link[s, d] = link_of[(sc * Rc + a, sc * Rc + b)]
            else:
                next_link[s, d] = link_of[(sc * Rc, dc * Rc)]

    core_router = np.array([chip * Rc + noc.router_of_core(c)
                            for chip in range(chips) for c in range(cpc)], np.int32)
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
        router_xy=np.array([noc.xy(r % Rc) for r in range(R)],
                           np.int32).reshape(R, 2),
        link_src=np.array(src, np.int32), link_dst=np.array(dst, np.int32),
        link_latency_ps=np.array(lat, np.int64), link_ps_per_byte=np.array(ppb, float),
        link_energy_pj_per_flit=np.array(epf, float), link_resource=np.array(res, np.int32),
        link_off_chip=np.array(off, bool), next_link=next_link, flit_bytes=noc.flit_bytes,
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
        chip_static_power_w=m.chip_static_power_w)
