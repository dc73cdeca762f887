"""Silicon area of a machine's components (mm²), read from a description's optional [area]
table: a core's logic, its SRAM per KiB, a NoC router, a chip-to-chip link's PHY (one per
directed link leaving a chip), a memory's controller and PHY (per memory per chip), and the
rest of a chip (clocking, host interface, pads). Lowering gives every component its area
(``MachineIR`` core_area_mm2 ... chip_other_area_mm2); ``eventsim.area.area_breakdown`` sums
them by kind.
"""
from __future__ import annotations

from dataclasses import dataclass

from .fields import Table


@dataclass(frozen=True)
class Area:
    core_mm2: float = 0.0                 # one core's logic, without its SRAM
    sram_mm2_per_kib: float = 0.0         # core SRAM, per KiB (1024 bytes)
    router_mm2: float = 0.0               # one NoC router
    chip_link_mm2: float = 0.0            # the PHY of one chip-to-chip link
    memory_controller_mm2: float = 0.0    # one memory's controller and PHY, per chip
    chip_other_mm2: float = 0.0           # the rest of a chip

    @classmethod
    def from_table(cls, t: Table) -> Area:
        a = cls(**{k: t.number(k, default=0.0, minimum=0) for k in cls.__dataclass_fields__})
        t.done()
        return a
