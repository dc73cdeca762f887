"""A memory (SRAM or DRAM): capacity, shared bandwidth, access latency, energy per byte, leakage.

A transfer of B bytes takes latency_ps + B / bandwidth; transfers that overlap share the
bandwidth (the compiled model serialises them on the memory's port).
"""
from __future__ import annotations

from dataclasses import dataclass

from .fields import Table

KINDS = ("sram", "dram")
PS_PER_S = 10**12


@dataclass(frozen=True)
class Memory:
    name: str
    kind: str
    capacity_bytes: int
    bandwidth_bytes_per_s: float
    latency_ps: int
    read_energy_pj_per_byte: float
    write_energy_pj_per_byte: float
    static_power_w: float = 0.0
    holds_synapses: bool = False     # synapse rows stored off-chip go here (read by DMA)

    @classmethod
    def from_table(cls, t: Table) -> Memory:
        m = cls(t.string("name"), t.string("kind", choices=KINDS),
                t.number("capacity_bytes", above=0, integer=True),
                t.number("bandwidth_bytes_per_s", above=0),
                t.number("latency_ps", minimum=0, integer=True),
                t.number("read_energy_pj_per_byte", minimum=0),
                t.number("write_energy_pj_per_byte", minimum=0),
                t.number("static_power_w", default=0.0, minimum=0),
                t.boolean("holds_synapses", default=False))
        t.done()
        return m

    def transfer_ps(self, n_bytes: int) -> int:
        """Time of one uncontended transfer of ``n_bytes``, in ps."""
        return self.latency_ps + round(n_bytes * PS_PER_S / self.bandwidth_bytes_per_s)

    def energy_pj(self, read_bytes: int = 0, write_bytes: int = 0) -> float:
        return read_bytes * self.read_energy_pj_per_byte + write_bytes * self.write_energy_pj_per_byte
