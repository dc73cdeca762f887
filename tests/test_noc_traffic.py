"""Uniform random NoC traffic at low load against the closed form."""
import numpy as np
import pytest

from eventsim import Kernel
from eventsim.noc_model import NocModel
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.traffic import attach_uniform_traffic, sink

MESH = {
    "name": "mesh8", "description": "8x8 mesh", "semantics": "event",
    "core": {"count": 64, "sram_bytes": 1024, "dvfs_level": "n",
             "dvfs": [{"name": "n", "voltage_v": 0.8, "clock_hz": 1e9}],
             "actions": {"packet_send": {"cycles": 1, "energy_pj": 1.0}}},
    "noc": {"topology": "mesh", "width": 8, "height": 8, "flit_bytes": 16,
            "hop_latency_ps": 1_000, "link_bandwidth_bytes_per_s": 16e9, "hop_energy_pj": 1.0},
}


def test_low_load_latency_is_mean_hops_plus_one_serialisation():
    ir = lower(machine_from_dict(MESH))
    k = Kernel(seed=3)
    noc = NocModel(ir, max_in_flight=4096)
    noc.attach(k, k.add_kind("sink", sink, np.zeros(1)))
    attach_uniform_traffic(k, noc, rate_per_core_per_ns=0.005, packet_bytes=16)
    k.run_until(200_000_000)                        # 200 us: about 64,000 packets
    # mean Manhattan distance between distinct routers of an 8x8 mesh: 2 (k^2 - 1)/(3k) k^2/(k^2 - 1)
    mean_hops = 2 * 63 / 24 * 64 / 63
    assert noc.delivered > 50_000
    assert noc.mean_latency_ps / 1_000 == pytest.approx(mean_hops * 1.0 + 1.0, rel=0.02)
