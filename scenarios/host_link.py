"""The machine's host link (to the host, or a sensor, off the chip) in a scenario's figures:
transfer times and the ledger's charge for the bytes, from the lowered machine's
``host_latency_ps``, ``host_bandwidth_bytes_per_s`` and ``host_energy_pj_per_byte``.

A machine whose host bandwidth is <= 0 has no host link: transfers take no time and nothing is
charged.
"""
from __future__ import annotations

import numpy as np

from eventsim.ledger import ledger_charge_amount


def transfer_ps(ir, n_bytes: int) -> int:
    """Time (ps) of one transfer of ``n_bytes`` over the host link: latency + bytes / bandwidth
    (the latency even for 0 bytes); 0 without a host link."""
    if ir.host_bandwidth_bytes_per_s <= 0:
        return 0
    return int(ir.host_latency_ps + round(n_bytes * 1e12 / ir.host_bandwidth_bytes_per_s))


def transfers_ps(ir, n_bytes) -> np.ndarray:
    """Time (ps, int64) of a transfer of each element of ``n_bytes`` (array): latency + bytes /
    bandwidth, 0 where there are no bytes; all 0 without a host link."""
    n = np.asarray(n_bytes, np.float64)
    if ir.host_bandwidth_bytes_per_s <= 0:
        return np.zeros(n.shape, np.int64)
    t = ir.host_latency_ps + np.round(n * 1e12 / ir.host_bandwidth_bytes_per_s)
    return np.where(n > 0, t, 0).astype(np.int64)


def charge(ledger, ir, action: str, n_bytes: int) -> None:
    """Charge ``n_bytes`` over the host link to the ledger row that the port model would use
    (component ``host_link``, ``action`` ``"to_chip"`` or ``"to_host"``): count = bytes,
    energy = bytes x energy per byte, busy = bytes / bandwidth. The row is made even for 0
    bytes; nothing is charged without a host link."""
    if ir.host_bandwidth_bytes_per_s <= 0:
        return
    e = float(ir.host_energy_pj_per_byte)
    row = ledger.shared_action("host_link", action, energy_pj=e)
    n = int(n_bytes)
    ledger_charge_amount(ledger.arrays, row, n, n * e,
                         int(round(n_bytes * 1e12 / ir.host_bandwidth_bytes_per_s)))
