"""Synapse rows in SRAM or off-chip (``eventsim.synapse_storage``): a spike whose row is
off-chip waits for a DMA read of it (latency + bytes / bandwidth, queued on its chip's memory
port, charged per byte) before its synops; placement keeps "auto" rows in SRAM when they fit
and says which memory is short when they do not."""
from dataclasses import replace

import numpy as np
import pytest

from eventsim import ConfigError, simulate
from eventsim.synapse_storage import row_dma_bytes
from eventsim.workload_ir import InputEvents, Projection, WorkloadIR
from hardware_models.lowering import lower
from hardware_models.placement import PlacementError, given, place
from hardware_models.presets import preset
from networks.population import population
from networks.projection import from_dense

DT, STEP_PS = 1e-3, 10**9
LIF = dict(tau=1.0, v_threshold=1.0)


def fan_out(n_post, storage, kicks=(3,)):
    """One LIF neuron, made to fire at each step of ``kicks``, onto n_post neurons."""
    pops = [population("a", "lif", 1, tau=1.0, v_threshold=0.5),
            population("b", "lif", n_post, tau=1.0, v_threshold=1e9)]
    proj = from_dense("ab", 0, 1, np.ones((1, n_post)), delay_ps=STEP_PS)
    proj.storage = storage
    t = np.array(kicks, np.int64) * STEP_PS
    kick = InputEvents(0, t, np.zeros(len(kicks), np.int32), np.full(len(kicks), 1e6))
    return WorkloadIR(pops, [proj], [kick])


def run(w, ir, cores):
    return simulate(w, DT, 8, machine=ir, placement=given(w, ir, cores), noc="analytic")


def row(res, component, action):
    return next(r for r in res.ledger.rows(res.hardware_time_ps)
                if r["component"] == component and r["action"] == action)


def test_an_offchip_row_delays_the_synops_by_one_dma_read():
    ir = lower(preset("spinnaker2"))
    n = 40
    cores = [0] + [1] * n
    sram, dram = run(fan_out(n, "sram"), ir, cores), run(fan_out(n, "offchip"), ir, cores)
    m = ir.memory_names.index("chip0.lpddr4")
    n_bytes = n * 12                                  # 40 synapses x 12 bytes
    dma_ps = round(n_bytes * 1e12 / float(ir.memory_bandwidth_bytes_per_s[m])) \
        + int(ir.memory_latency_ps[m])                # 75,000 + 150,000 ps
    # the spike of step 3 reaches core 1 in step 3; only that step's finish moves
    assert (dram.step_finish_ps - sram.step_finish_ps).tolist() == [0, 0, 0, dma_ps, 0, 0, 0, 0]
    read = row(dram, "chip0.lpddr4", "read")
    assert read["count"] == n_bytes
    assert read["energy_pj"] == pytest.approx(n_bytes * float(ir.memory_read_pj_per_byte[m]))
    assert spikes_of(dram) == spikes_of(sram)


def spikes_of(res):
    return [s.tolist() for s in res.spike_steps]


def test_two_cores_reading_at_once_queue_on_their_chips_memory_port():
    ir = lower(preset("spinnaker2"))
    alone = run(fan_out(20, "offchip"), ir, [0] + [1] * 20)
    both = run(fan_out(40, "offchip"), ir, [0] + [1] * 20 + [2] * 20)
    m = ir.memory_names.index("chip0.lpddr4")
    row_ps = round(20 * 12 * 1e12 / float(ir.memory_bandwidth_bytes_per_s[m]))   # 37,500 ps
    # cores 0, 1 and 2 share router 0, so cores 1 and 2 ask for their rows of 20 at the same
    # time: the second waits for the first's transfer, and its step ends that much later
    assert int(both.step_finish_ps[3]) - int(alone.step_finish_ps[3]) == row_ps == 37_500
    assert row(both, "chip0.lpddr4", "read")["count"] == 2 * 20 * 12


def test_auto_rows_stay_in_sram_when_they_fit_and_go_offchip_when_not():
    ir = lower(preset("spinnaker2"))
    small = fan_out(10, "auto")
    assert place(small, ir, "balanced").synapse_offchip == (False,)
    # 1 neuron with 20,000 incoming synapses of 12 bytes: 240 kB, more than a PE's 128 KiB
    big = WorkloadIR([population("a", "lif", 20_000, **LIF), population("b", "lif", 1, **LIF)],
                     [Projection("ab", 0, 1, np.arange(20_001), np.zeros(20_000, np.int32),
                                 np.ones(20_000, np.float32), delay_ps=STEP_PS)])
    assert place(big, ir, "balanced").synapse_offchip == (True,)
    big.projections[0].storage = "sram"
    with pytest.raises(PlacementError, match="of core SRAM"):
        place(big, ir, "balanced")


def test_placement_says_when_a_chips_synapse_memory_is_short():
    s = preset("spinnaker2")
    small_dram = replace(s, memories=(replace(s.memories[0], capacity_bytes=1000),))
    ir = lower(small_dram)
    with pytest.raises(PlacementError, match=r"chip0.lpddr4 would hold 1.2 KiB of off-chip "
                                             r"synapse rows, but holds 1000 B"):
        place(fan_out(100, "offchip"), ir, "balanced")


def test_a_machine_without_a_synapse_memory_refuses_offchip_rows():
    with pytest.raises(ConfigError, match=r"projection 'ab' keeps its synapses off-chip, but "
                                          r"machine 'loihi' has no memory that holds synapses"):
        place(fan_out(10, "offchip"), lower(preset("loihi")), "balanced")


def test_an_unknown_storage_is_refused():
    with pytest.raises(ConfigError, match=r"storage must be one of \['auto', 'sram', 'offchip'\]"):
        Projection("p", 0, 0, [0, 0], [], [], storage="dram")


def test_row_bytes_sum_each_synapses_projection_bytes_where_it_is_offchip():
    pops = [population("a", "lif", 2, **LIF), population("b", "lif", 3, **LIF)]
    p1 = Projection("p1", 0, 1, [0, 2, 3], [0, 1, 2], np.ones(3, np.float32), bytes_per_synapse=4)
    p2 = Projection("p2", 0, 1, [0, 1, 1], [2], np.ones(1, np.float32), bytes_per_synapse=16)
    w = WorkloadIR(pops, [p1, p2])
    order = np.array([0, 3, 1, 2])          # row positions: p1's 0, p2's 0, p1's 1, p1's 2
    lo, hi = np.array([0, 2, 3]), np.array([2, 3, 4])
    assert row_dma_bytes(w, (True, True), order, lo, hi).tolist() == [4 + 16, 4, 4]
    assert row_dma_bytes(w, (False, True), order, lo, hi).tolist() == [16, 0, 0]
    assert row_dma_bytes(w, (False, False), order, lo, hi).tolist() == [0, 0, 0]


def test_the_exact_integrator_refuses_offchip_rows():
    ir = lower(replace(preset("spinnaker2"), semantics="event"))
    w = fan_out(4, "offchip")
    with pytest.raises(ConfigError, match="exact integrator models synapses in core SRAM"):
        simulate(w, integrator="exact", duration_s=0.01, machine=ir,
                 placement=given(w, ir, [0, 1, 1, 1, 1]))
