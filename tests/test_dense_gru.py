"""The dense GRU baseline (scenarios.dense_gru): per-token timing and energy derived by hand on
the SpiNNaker2 preset (150 MHz: flop 1.5 cycles = 10 ns, 12.5 pJ; mem_read_byte 0.5 cycle;
packet_send / packet_recv 10 cycles; host link 100 us + bytes / 125 MB/s)."""
import numpy as np
import pytest

from eventsim.errors import ConfigError
from hardware_models.lowering import lower
from hardware_models.presets import preset
from scenarios.breakdown import breakdown
from scenarios.dense_gru import run_dense_gru, weights_of


@pytest.fixture(scope="module")
def spinnaker2():
    return lower(preset("spinnaker2"))


@pytest.fixture(scope="module")
def tiny(spinnaker2):
    # embedding 8 -> one GRU layer of 16 units on 4 cores: 4 units per core
    return run_dense_gru(spinnaker2, [8, 16], 2, cores=4)


def test_a_layer_of_16_units_on_4_cores_takes_its_flops_then_its_weight_reads(tiny):
    # per core: 2 x 3 gates x 4 units x (8 + 16) inputs + 12 x 4 element-wise = 624 flops
    # = 624 x 10 ns; its 3 x 4 x 24 FP32 weights (1152 B) fit in SRAM: 576 cycles of reads
    # on the same (single) hardware thread = 3.84 us
    assert tiny.weights_in == "sram"
    assert tiny.latency_parts_ps["compute"].tolist() == [6_240_000, 6_240_000]
    assert tiny.latency_parts_ps["memory"].tolist() == [3_840_000, 3_840_000]


def test_the_new_state_goes_out_in_one_packet_per_core_and_comes_back_in_four(tiny):
    # 4 units x 4 B = one 16-byte packet sent; 16 units = 4 packets received: 50 cycles
    assert tiny.latency_parts_ps["noc"].tolist() == [333_334, 333_334]


def test_the_host_link_costs_its_latency_and_bytes_each_way(tiny):
    # in: 100 us + 32 B / 125 MB/s = 100.256 us; out: 100 us + 64 B = 100.512 us
    assert tiny.latency_parts_ps["host_link"].tolist() == [200_768_000, 200_768_000]


def test_a_token_takes_the_sum_of_its_parts(tiny):
    total = sum(tiny.latency_parts_ps.values())
    assert np.array_equal(tiny.latency_ps, total)
    assert tiny.duration_ps == int(tiny.latency_ps.sum())


def test_compute_energy_is_flops_times_their_cost(tiny):
    parts = breakdown(tiny.ledger_rows)["energy_pj"]
    assert parts["compute"] == pytest.approx(2 * 4 * 624 * 12.5)
    assert tiny.flops_per_token == 2 * weights_of(8, 16) + 12 * 16


def test_weights_too_big_for_sram_stream_from_the_memory(spinnaker2):
    run = run_dense_gru(spinnaker2, [750, 1350], 1)
    assert run.weights_in == "chip0.lpddr4"
    assert run.weight_bytes == 3 * 1350 * (750 + 1350) * 4
    assert run.latency_parts_ps["memory"][0] > run.latency_parts_ps["compute"][0]


def test_bad_sizes_and_core_counts_are_refused(spinnaker2):
    with pytest.raises(ConfigError, match="cores"):
        run_dense_gru(spinnaker2, [8, 16], 1, cores=153)
    with pytest.raises(ConfigError, match="sizes"):
        run_dense_gru(spinnaker2, [8], 1)
