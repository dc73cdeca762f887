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


# The same stack as GPU kernels on the A100 preset (108 SMs x 4 sub-partitions = 432 threads;
# flop 0.03125 cycles at 1.41 GHz; barrier = one kernel launch, 3807 cycles = 2.7 us; L2 7.219 TB/s,
# latency 141,844 ps; host link 5 us + bytes / 31.5 GB/s).

@pytest.fixture(scope="module")
def a100():
    return lower(preset("a100"))


@pytest.fixture(scope="module")
def tiny_gpu(a100):
    return run_dense_gru(a100, [8, 16], 1)


def test_a100_has_no_packets_so_the_gru_runs_as_kernels_with_state_in_memory(tiny_gpu):
    assert tiny_gpu.exchange == "memory"
    assert set(tiny_gpu.latency_parts_ps) == {"host_link", "launch", "compute", "memory"}
    assert tiny_gpu.kernels_per_token == 3


def test_a_gru_layer_on_the_gpu_pays_three_kernel_launches(tiny_gpu):
    # EvNN per step: GEMM W x, GEMM R y, pointwise: 3 x 2.7 us
    assert tiny_gpu.latency_parts_ps["launch"].tolist() == [8_100_000]


def test_small_weights_are_read_from_l2_and_the_phase_ends_after_the_l2_latency(tiny_gpu):
    # 16 units over 432 threads: one unit each on the 4 threads of cores 0-3; a unit reads
    # 3 x 24 weights (288 B, 40 ps on the L2 port) and does 2 x 72 + 12 = 156 flops
    # (156 x 0.03125 / 1.41 GHz = 3457 ps); each of the 4 cores reads 24 state values (96 B,
    # 13 ps) and writes 4 (16 B, 2 ps): the port is busy 16 x 40 + 4 x 15 = 700 ps, the last
    # transfer ends 141,844 ps later
    assert tiny_gpu.weights_in == "chip0.l2"
    assert tiny_gpu.latency_parts_ps["compute"].tolist() == [3457]
    assert tiny_gpu.latency_parts_ps["memory"].tolist() == [700 + 141_844 - 3457]


def test_a_gpu_token_takes_host_link_launches_and_its_kernels_work(tiny_gpu):
    # host: 5 us + 32 B (1016 ps) in, 5 us + 64 B (2032 ps) out
    assert tiny_gpu.latency_parts_ps["host_link"].tolist() == [10_003_048]
    assert tiny_gpu.latency_ps.tolist() == [10_003_048 + 8_100_000 + 142_544]


def test_the_decoder_on_the_gpu_adds_the_embedding_lookup_and_two_kernels(a100):
    run = run_dense_gru(a100, [8, 16], 1, vocab=10)
    # 1 lookup + 3 per layer + decoder GEMM and log-softmax = 6 launches of 2.7 us
    assert run.kernels_per_token == 6
    assert run.latency_parts_ps["launch"].tolist() == [16_200_000]
    # a token id in and one 8-byte value out: 2 x (5 us + 254 ps)
    assert run.latency_parts_ps["host_link"].tolist() == [10_000_508]
    assert run.weight_bytes == (weights_of(8, 16) + 16 * 10) * 4
    assert run.flops_per_token == 2 * weights_of(8, 16) + 12 * 16 + 2 * 16 * 10 + 4 * 10


def test_weights_bigger_than_l2_stream_from_hbm_at_its_bandwidth(a100):
    run = run_dense_gru(a100, [750, 1350, 1350, 750], 1)      # 96.7 MB > 40 MB of L2
    assert run.weights_in == "chip0.hbm2"
    streamed = run.weight_bytes * 1e12 / 1.555e12
    assert run.latency_parts_ps["compute"][0] + run.latency_parts_ps["memory"][0] > streamed


def test_the_decoder_needs_a_kernel_machine(spinnaker2):
    with pytest.raises(ConfigError, match="vocab"):
        run_dense_gru(spinnaker2, [8, 16], 1, vocab=10)
