"""Silicon area of a machine (mm²), from its Machine IR: what each kind of component takes
over the whole board, as energy is a ledger of components (``hardware_models.area`` reads the
numbers from a description's [area] table)."""
from __future__ import annotations

from .machine_ir import MachineIR

KINDS = ("cores", "routers", "chip_links", "memories", "chip_other")


def area_breakdown(ir: MachineIR) -> dict | None:
    """{kind: mm² over the board, ..., "total": mm²} (KINDS), or None when the machine gives
    no area."""
    parts = {"cores": float(ir.core_area_mm2.sum()), "routers": float(ir.router_area_mm2.sum()),
             "chip_links": float(ir.link_area_mm2.sum()),
             "memories": float(ir.memory_area_mm2.sum()),
             "chip_other": float(ir.chip_other_area_mm2 * ir.n_chips)}
    total = sum(parts.values())
    return None if total == 0 else {**parts, "total": total}
