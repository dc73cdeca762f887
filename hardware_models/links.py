"""Off-chip links: chip-to-chip links on a board, and the host link that carries inputs in and
outputs out (measured per-inference figures include it)."""
from __future__ import annotations

from dataclasses import dataclass

from .fields import Table

PS_PER_S = 10**12


@dataclass(frozen=True)
class Link:
    """A point-to-point link: bandwidth (bytes/s), latency (ps), energy per byte (pJ)."""
    bandwidth_bytes_per_s: float
    latency_ps: int
    energy_pj_per_byte: float

    @classmethod
    def from_table(cls, t: Table) -> Link:
        link = cls(t.number("bandwidth_bytes_per_s", above=0),
                   t.number("latency_ps", minimum=0, integer=True),
                   t.number("energy_pj_per_byte", minimum=0))
        t.done()
        return link

    def transfer_ps(self, n_bytes: int) -> int:
        """Time for ``n_bytes`` to cross, uncontended, in ps."""
        return self.latency_ps + round(n_bytes * PS_PER_S / self.bandwidth_bytes_per_s)

    def energy_pj(self, n_bytes: int) -> float:
        return n_bytes * self.energy_pj_per_byte
