"""Memory and host-link bandwidth contention, and leakage, hand-computed."""
import numpy as np
import pytest

import port_use_model
from eventsim import Kernel
from eventsim.port_model import new_port_state
from eventsim.static_power import register_static_power
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict

from test_machine_description import toy


def run(reads, port=0):
    """reads: (t_ps, bytes) on the toy DRAM (port 0: 10 GB/s = 100 ps per byte, 50 ns latency,
    20 pJ/B) or its host link (port 1: 1 GB/s, 1 us latency, 100 pJ/B)."""
    ir = lower(machine_from_dict(toy()))
    k = Kernel()
    ports, host = new_port_state(ir, k)
    assert host == 1
    st = port_use_model.Transfers(ports, np.zeros(len(reads), np.int64), np.zeros(1, np.int64))
    kid = k.add_kind("move", port_use_model.move, st)
    for t, n in reads:
        k.schedule(t, kid, target=port, payload=n)
    k.run()
    return st.done_ps.tolist(), k


def test_a_transfer_takes_bytes_over_bandwidth_plus_latency():
    done, k = run([(0, 1_000)])
    assert done == [100_000 + 50_000]
    assert k.ledger.totals(k.now_ps)["dynamic_energy_pj"] == 1_000 * 20.0


def test_overlapping_transfers_share_the_bandwidth():
    done, _ = run([(0, 1_000), (10_000, 1_000)])
    assert done == [150_000, 250_000]


def test_host_link_transfers_cost_latency_bandwidth_and_energy_per_byte():
    done, k = run([(0, 1_000), (0, 1_000)], port=1)
    assert done == [10**6 + 10**6, 2 * 10**6 + 10**6]
    row = k.ledger.row("host_link", "to_chip")
    assert k.ledger.arrays.count[row] == 2_000 and k.ledger.arrays.energy_pj[row] == 200_000.0


def test_static_power_of_every_component_reaches_the_ledger():
    d = toy(chip={"static_power_w": 0.5}, memory__0__static_power_w=0.25)
    ir = lower(machine_from_dict(d))
    k = Kernel()
    watts = register_static_power(k.ledger, ir)
    assert watts == pytest.approx(4 * 0.01 + 0.25 + 0.5)
    # 2 us: static energy = W x ps
    assert k.ledger.totals(2_000_000)["static_energy_pj"] == pytest.approx(watts * 2_000_000)
