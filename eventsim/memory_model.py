"""Memories with shared bandwidth: transfers queue on the memory's port, first come first served.

A transfer of B bytes starting at t waits for the port (max(t, port free)), holds it for
B / bandwidth, and completes a fixed access latency after it leaves the port. Reads and writes
are charged per byte to the ledger rows (memory, "read") and (memory, "write").
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .jit import kernel_jit
from .ledger import ledger_charge_amount
from .machine_ir import MachineIR
from .trace import trace_busy

MemoryState = namedtuple("MemoryState", ["port_free_ps", "ps_per_byte", "latency_ps",
                                         "read_row", "write_row", "component", "label"])


@kernel_jit
def memory_transfer(ctx, mems, t_ps, mem, read_bytes, write_bytes):
    """Read and/or write bytes of memory ``mem`` from ``t_ps`` on; return the completion time."""
    n = read_bytes + write_bytes
    start = max(t_ps, mems.port_free_ps[mem])
    hold = np.int64(np.round(n * mems.ps_per_byte[mem]))
    mems.port_free_ps[mem] = start + hold
    if read_bytes > 0:
        row = mems.read_row[mem]
        ledger_charge_amount(ctx.ledger, row, read_bytes,
                             read_bytes * ctx.ledger.cost_energy_pj[row],
                             np.int64(np.round(read_bytes * mems.ps_per_byte[mem])))
    if write_bytes > 0:
        row = mems.write_row[mem]
        ledger_charge_amount(ctx.ledger, row, write_bytes,
                             write_bytes * ctx.ledger.cost_energy_pj[row],
                             np.int64(np.round(write_bytes * mems.ps_per_byte[mem])))
    trace_busy(ctx.trace, start, hold, mems.component[mem], mems.label[0])
    return start + hold + mems.latency_ps[mem]


def new_memory_state(ir: MachineIR, kernel) -> MemoryState:
    """Memory state for ``ir`` with ledger rows (energy per byte) registered on ``kernel``."""
    M = len(ir.memory_names)
    read, write, comps = (np.zeros(M, np.int64) for _ in range(3))
    for m, name in enumerate(ir.memory_names):
        chip = int(ir.memory_chip[m])
        read[m] = kernel.ledger.add_action(name, "read", chip=chip,
                                           energy_pj=float(ir.memory_read_pj_per_byte[m]))
        write[m] = kernel.ledger.add_action(name, "write", chip=chip,
                                            energy_pj=float(ir.memory_write_pj_per_byte[m]))
        comps[m] = kernel.components.id(name)
    return MemoryState(np.zeros(M, np.int64), 1e12 / ir.memory_bandwidth_bytes_per_s.astype(float),
                       ir.memory_latency_ps.astype(np.int64), read, write, comps,
                       np.array([kernel.trace.label("transfer")], np.int64))
