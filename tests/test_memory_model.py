"""Memory bandwidth contention and leakage, hand-computed."""
import numpy as np
import pytest

import transfer_model
from eventsim import Kernel
from eventsim.memory_model import new_memory_state
from eventsim.static_power import register_static_power
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict

from test_machine_description import toy


def run(reads):
    """reads: (t_ps, bytes) on the toy DRAM: 10 GB/s (100 ps per byte), 50 ns latency, 20 pJ/B."""
    ir = lower(machine_from_dict(toy()))
    k = Kernel()
    st = transfer_model.Transfers(new_memory_state(ir, k), np.zeros(len(reads), np.int64),
                                  np.zeros(1, np.int64))
    kid = k.add_kind("read", transfer_model.read, st)
    for t, n in reads:
        k.schedule(t, kid, target=0, payload=n)
    k.run()
    return st.done_ps.tolist(), k


def test_a_transfer_takes_bytes_over_bandwidth_plus_latency():
    done, k = run([(0, 1_000)])
    assert done == [100_000 + 50_000]
    assert k.ledger.totals(k.now_ps)["dynamic_energy_pj"] == 1_000 * 20.0


def test_overlapping_transfers_share_the_bandwidth():
    done, _ = run([(0, 1_000), (10_000, 1_000)])
    assert done == [150_000, 250_000]


def test_static_power_of_every_component_reaches_the_ledger():
    d = toy(chip={"static_power_w": 0.5}, memory__0__static_power_w=0.25)
    ir = lower(machine_from_dict(d))
    k = Kernel()
    watts = register_static_power(k.ledger, ir)
    assert watts == pytest.approx(4 * 0.01 + 0.25 + 0.5)
    # 2 us: static energy = W x ps
    assert k.ledger.totals(2_000_000)["static_energy_pj"] == pytest.approx(watts * 2_000_000)
