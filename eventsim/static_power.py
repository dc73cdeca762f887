"""Static (leakage) power of a machine, per component, into the ledger: each component's
watts x simulated time become its "static" row (1 W x 1 ps = 1 pJ)."""
from __future__ import annotations

from .ledger import Ledger
from .machine_ir import MachineIR


def register_static_power(ledger: Ledger, ir: MachineIR) -> float:
    """Declare the leakage of every core, router, memory and chip of ``ir``; return the total
    in watts."""
    total = 0.0
    for c in range(ir.n_cores):
        w = float(ir.core_static_power_w[c])
        if w > 0:
            ledger.set_static_power(f"chip{ir.core_chip[c]}.core{c}", w, chip=int(ir.core_chip[c]))
            total += w
    if ir.router_static_power_w > 0:
        for r in range(ir.n_routers):
            chip = int(ir.router_chip[r])
            ledger.set_static_power(f"chip{chip}.router{r}", ir.router_static_power_w, chip=chip)
            total += ir.router_static_power_w
    for m, name in enumerate(ir.memory_names):
        w = float(ir.memory_static_power_w[m])
        if w > 0:
            ledger.set_static_power(name, w, chip=int(ir.memory_chip[m]))
            total += w
    if ir.chip_static_power_w > 0:
        for chip in range(ir.n_chips):
            ledger.set_static_power(f"chip{chip}", ir.chip_static_power_w, chip=chip)
            total += ir.chip_static_power_w
    return total
