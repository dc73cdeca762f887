"""Shared-bandwidth ports: the memories of a machine and its host link.

A transfer of B bytes through a port starting at t waits for the port (max(t, port free)),
holds it for B / bandwidth, and completes the port's fixed latency after it leaves. Each port
has two directions with their own ledger rows, charged per byte: ("read", "write") for a
memory, ("to_chip", "to_host") for the host link (inputs in, outputs out).
Ports are numbered: the memories of the MachineIR first, then the host link (``host_port``).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .jit import kernel_jit
from .ledger import ledger_charge_amount
from .machine_ir import MachineIR
from .trace import trace_busy

READ, WRITE = 0, 1
TO_CHIP, TO_HOST = 0, 1

PortState = namedtuple("PortState", ["free_ps", "ps_per_byte", "latency_ps", "row",
                                     "component", "label"])
PortState.__doc__ = """free_ps[p]: when port p is next free; row[p, direction]: ledger rows."""


@kernel_jit
def port_transfer(ctx, ports, t_ps, port, direction, n_bytes):
    """Move ``n_bytes`` through ``port`` in ``direction`` from ``t_ps`` on; return the
    completion time in ps."""
    start = max(t_ps, ports.free_ps[port])
    hold = np.int64(np.round(n_bytes * ports.ps_per_byte[port]))
    ports.free_ps[port] = start + hold
    row = ports.row[port, direction]
    ledger_charge_amount(ctx.ledger, row, n_bytes, n_bytes * ctx.ledger.cost_energy_pj[row], hold)
    trace_busy(ctx.trace, start, hold, ports.component[port], ports.label[direction])
    return start + hold + ports.latency_ps[port]


def new_port_state(ir: MachineIR, kernel) -> tuple[PortState, int]:
    """Ports of ``ir`` (its memories, then its host link if it has one) with their ledger rows
    registered on ``kernel``; returns (state, host port index or -1)."""
    names, chips, bw, lat, costs, actions = [], [], [], [], [], []
    for m, name in enumerate(ir.memory_names):
        names.append(name)
        chips.append(int(ir.memory_chip[m]))
        bw.append(float(ir.memory_bandwidth_bytes_per_s[m]))
        lat.append(int(ir.memory_latency_ps[m]))
        costs.append((float(ir.memory_read_pj_per_byte[m]), float(ir.memory_write_pj_per_byte[m])))
        actions.append(("read", "write"))
    host = -1
    if ir.host_bandwidth_bytes_per_s > 0:
        host = len(names)
        names.append("host_link")
        chips.append(0)
        bw.append(ir.host_bandwidth_bytes_per_s)
        lat.append(ir.host_latency_ps)
        costs.append((ir.host_energy_pj_per_byte, ir.host_energy_pj_per_byte))
        actions.append(("to_chip", "to_host"))
    P = len(names)
    rows = np.zeros((P, 2), np.int64)
    comps = np.zeros(P, np.int64)
    for p in range(P):
        for d in (0, 1):
            rows[p, d] = kernel.ledger.add_action(names[p], actions[p][d], chip=chips[p],
                                                  energy_pj=costs[p][d])
        comps[p] = kernel.components.id(names[p])
    labels = np.array([kernel.trace.label("transfer in"), kernel.trace.label("transfer out")],
                      np.int64)
    state = PortState(np.zeros(P, np.int64), 1e12 / np.array(bw, float) if P else np.zeros(0),
                      np.array(lat, np.int64), rows, comps, labels)
    return state, host
