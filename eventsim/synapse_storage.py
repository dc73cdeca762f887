"""Where a projection's synapse rows live on a machine: in the SRAM of the cores that hold its
post neurons, or off-chip in the memory of their chip that holds synapses
(``MachineIR.synapse_memory``), from which a core reads a spike's row by DMA before its
synaptic operations (as SpiNNaker does: a multicast packet starts a DMA of the row from
SDRAM, whose completion starts the row's processing; Rhodes et al., "sPyNNaker", Front.
Neurosci. 12:816, 2018).

A projection's ``storage`` ("sram", "offchip", "auto") is resolved to a flag per projection
(``offchip_flags``); the placement resolves "auto" (SRAM when the workload fits there, else
off-chip). Sizes are bytes, from each projection's ``bytes_per_synapse``.
"""
from __future__ import annotations

import numpy as np

from .errors import ConfigError
from .machine_ir import MachineIR
from .workload_ir import WorkloadIR


def offchip_flags(workload: WorkloadIR, machine: MachineIR, auto_offchip: bool) -> tuple:
    """Per projection, True if its rows are off-chip: "offchip" ones, and "auto" ones when
    ``auto_offchip``. ConfigError when a row must go off-chip on a machine without a memory
    that holds synapses."""
    flags = tuple(pr.storage == "offchip" or (pr.storage == "auto" and auto_offchip)
                  for pr in workload.projections)
    if any(flags) and machine.synapse_memory < 0:
        name = next(pr.name for pr, f in zip(workload.projections, flags) if f)
        raise ConfigError(f"projection {name!r} keeps its synapses off-chip, but machine "
                          f"{machine.name!r} has no memory that holds synapses (a [[memory]] "
                          f"with holds_synapses = true)")
    return flags


def sram_bytes_per_neuron(workload: WorkloadIR, flags) -> np.ndarray:
    """Bytes each neuron needs on its core: its state and its incoming synapses kept in SRAM."""
    return workload.neuron_bytes([j for j, f in enumerate(flags) if not f])


def offchip_bytes_per_neuron(workload: WorkloadIR, flags) -> np.ndarray:
    """Bytes of each neuron's incoming synapses kept off-chip."""
    return workload.synapse_bytes_per_neuron([j for j, f in enumerate(flags) if f])


def offchip_shortfall(workload: WorkloadIR, machine: MachineIR, core_of, flags):
    """(memory, bytes needed, bytes held) of the first chip's synapse memory (numbered over
    the board) that cannot hold the off-chip rows of the neurons placed on its chip, or None
    if every chip's can."""
    if not any(flags):
        return None
    need = offchip_bytes_per_neuron(workload, flags)
    per_chip = np.bincount(machine.core_chip[np.asarray(core_of)], weights=need,
                           minlength=machine.n_chips)
    memory = machine.synapse_memory_of_chip()
    held = machine.memory_capacity_bytes[memory]
    short = np.flatnonzero(per_chip > held)
    if not short.size:
        return None
    c = int(short[0])
    return int(memory[c]), int(per_chip[c]), int(held[c])


def row_dma_bytes(workload: WorkloadIR, flags, order, dest_lo, dest_hi) -> np.ndarray:
    """int64[E]: the bytes a core reads by DMA for destination entry e, whose synapses are at
    mapped row positions dest_lo[e]:dest_hi[e] (``order``: their synapse indices, projections
    concatenated); 0 where every synapse of the entry is in SRAM."""
    n = np.array([pr.n_synapses for pr in workload.projections], np.int64)
    per_syn = np.array([pr.bytes_per_synapse if f else 0
                        for pr, f in zip(workload.projections, flags)], np.int64)
    if not per_syn.size or not per_syn.any():
        return np.zeros(dest_lo.shape[0], np.int64)
    if (per_syn == per_syn[0]).all():
        return (dest_hi - dest_lo) * per_syn[0]
    proj = np.searchsorted(np.cumsum(n), order, side="right")
    at = np.concatenate([[0], np.cumsum(per_syn[proj])])
    return at[dest_hi] - at[dest_lo]
