"""The analytic NoC serves each destination core's packets in the order they arrive, as the
packet NoC does, so that (one thread per core; link contention only adds delay) no step is
longer with noc="analytic" than with noc="packets", and both charge the same ledger.

The hand-made network: LIF a0 on core 3 and a1 on core 1 fire at step 0 (a0 first in the
order spikes are sent), both reach LIF b0 on core 0; a0's packet takes two hops, a1's one, so
a1's arrives first. The machine: the toy 2x2 mesh at 1 GHz (1 cycle = 1,000 ps), one thread
per core: neuron_update 10 cycles, packet_send 2, packet_recv 5, synop 2, barrier 30; a hop
takes 1,000 ps and a 4-byte packet's tail 1,000 ps more.
"""
import dataclasses

import numpy as np
import pytest

from eventsim.simulation import simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.placement import given, place
from hardware_models.presets import preset
from networks.population import population
from networks.projection import from_dense

from test_machine_description import toy

DT = 1e-3
STEP_PS = 10**9


def crossing_spikes():
    pops = [population("a", "lif", 2, tau=1.0, v_threshold=0.5),
            population("b", "lif", 1, tau=1.0, v_threshold=100.0)]
    proj = from_dense("ab", 0, 1, np.array([[1.0], [1.0]]), delay_ps=STEP_PS)
    kicks = InputEvents(0, np.zeros(2, np.int64), np.arange(2, dtype=np.int32), np.full(2, 1e6))
    return WorkloadIR(pops, [proj], [kicks]), [3, 1, 0]


def toy_machine(semantics, step_ps, **changes):
    base = {"core__actions__neuron_update": {"cycles": 10, "energy_pj": 20.0},
            "core__actions__packet_send": {"cycles": 2, "energy_pj": 1.0},
            "core__actions__packet_recv": {"cycles": 5, "energy_pj": 2.0},
            "core__actions__barrier": {"cycles": 30, "energy_pj": 5.0}}
    return lower(machine_from_dict(toy(semantics=semantics, step_ps=step_ps, core__threads=1,
                                       core__dvfs__0__clock_hz=1e9, **{k: v for k, v in (base | changes).items() if v is not None})))


def recv_starts(res, core):
    """Start times (ps) of the packet_recv work of ``core``, in time order."""
    trace = res.kernel.trace
    rec = trace.records([f"chip0.core{core}"])
    return rec["time_ps"][rec["label"] == trace.label("packet_recv")].tolist()


@pytest.mark.parametrize("noc", ["packets", "analytic"])
def test_a_packet_sent_later_but_arriving_first_is_served_first(noc):
    w, cores = crossing_spikes()
    ir = toy_machine("barrier", 0)
    res = simulate(w, DT, 2, machine=ir, placement=given(w, ir, cores), noc=noc,
                   trace=True)
    assert res.steps("a")[0].tolist() == [0, 0]
    # cores 1 and 3 update (0-10,000) and send (-12,000); a1's tail reaches core 0 at 14,000,
    # a0's at 15,000. Core 0 (its own update 0-10,000) looks a1 up 14,000-19,000, does its
    # synop -21,000, then a0: 21,000-26,000, -28,000. (Served in the order sent, a0 first:
    # 15,000-22,000, then a1 -29,000.)
    assert recv_starts(res, 0) == [14_000, 21_000]
    assert res.step_finish_ps.tolist() == [28_000, 58_000 + 10_000]
    assert res.step_start_ps.tolist() == [0, 58_000, 98_000]


@pytest.mark.parametrize("noc", ["packets", "analytic"])
def test_packets_arriving_after_the_next_tick_wait_for_that_steps_updates(noc):
    w, cores = crossing_spikes()
    ir = toy_machine("timer", 12_000)
    res = simulate(w, DT, 3, machine=ir, placement=given(w, ir, cores), noc=noc,
                   trace=True)
    # ticks at 0, 12,000, 24,000. The packets leave at 12,000 and arrive at 14,000 and 15,000,
    # during step 1: core 0 updates b0 12,000-22,000 first, then serves a1 22,000-29,000 and
    # a0 -36,000 (booked at step 0, before step 1's update: a0 15,000-22,000, a1 -29,000 and
    # the update 29,000-39,000); step 2's update waits until 36,000.
    assert recv_starts(res, 0) == [22_000, 29_000]
    assert res.step_start_ps.tolist() == [0, 12_000, 24_000, 36_000]
    assert res.step_finish_ps.tolist() == [12_000, 36_000, 46_000]
    assert res.counts["late_packets"] == 2           # due at step 1, arrived in it: step 2


def random_network(n=250, p=0.05, steps=60, seed=7):
    """``n`` input-driven LIF neurons connected at random (probability p, delay one step),
    plus an idle population of 2, so that the network has the shape (two LIF populations, one
    projection) that the other runtime tests compile."""
    rng = np.random.default_rng(seed)
    lif = dict(tau=0.02, v_threshold=1.0, refractory_s=0.002)
    pops = [population("net", "lif", n, v=rng.uniform(0.0, 1.0, n), **lif),
            population("idle", "lif", 2, **lif)]
    w = (rng.random((n, n)) < p) * rng.normal(0.3, 0.6, (n, n))
    np.fill_diagonal(w, 0.0)
    proj = from_dense("rec", 0, 0, w, delay_ps=STEP_PS)
    inp = InputEvents(0, (np.repeat(np.arange(steps), n) * STEP_PS).astype(np.int64),
                      np.tile(np.arange(n), steps).astype(np.int32),
                      rng.uniform(0.0, 3.0, steps * n))
    return WorkloadIR(pops, [proj], [inp]), steps


def both(w, steps, ir):
    pl = place(w, ir, "balanced")
    return [simulate(w, DT, steps, machine=ir, placement=pl, noc=noc)
            for noc in ("packets", "analytic")]


def spikes(res):
    return [sorted(zip(s.tolist(), n.tolist())) for s, n in zip(res.spike_steps, res.spike_neurons)]


def same_ledger(a, b):
    rows = lambda res: {(r["component"], r["action"]): (r["count"], r["busy_ps"], r["energy_pj"])
                        for r in res.ledger.rows(res.hardware_time_ps) if r["action"] != "static"}
    ra, rb = rows(a), rows(b)
    assert ra.keys() == rb.keys()
    for key in ra:
        assert ra[key][:2] == rb[key][:2], key
        assert ra[key][2] == pytest.approx(rb[key][2], rel=1e-12, abs=1e-9), key


def step_work_ps(res):
    """Per step: from its start to the end of the last work or packet noted in it (ps)."""
    return res.step_finish_ps - res.step_start_ps[:-1]


@pytest.mark.parametrize("step_ps", [None, 0])
def test_on_loihi_no_analytic_step_is_longer_than_its_packet_step(step_ps):
    w, steps = random_network()
    m = preset("loihi")                       # barrier, unicast, one thread per core
    ir = lower(m if step_ps is None else dataclasses.replace(m, step_ps=step_ps))
    packets, analytic = both(w, steps, ir)
    assert packets.counts["spikes"] > 5 * steps and spikes(analytic) == spikes(packets)
    assert (step_work_ps(analytic) <= step_work_ps(packets)).all()
    assert (np.diff(analytic.step_start_ps) <= np.diff(packets.step_start_ps)).all()
    same_ledger(analytic, packets)


def test_on_a_timer_machine_no_analytic_step_is_longer_than_its_packet_step():
    w, steps = random_network()
    # multicast, no packet_send, slow links (200 ns a flit, the time of 20 neuron updates): a
    # core's spikes leave faster than its links carry them and queue there, so the packet NoC
    # is slower than the bound
    ir = toy_machine("timer", 100_000_000, core__actions__packet_send=None,
                     core__sram_bytes=65_536, noc__link_bandwidth_bytes_per_s=2e7)
    packets, analytic = both(w, steps, ir)
    assert spikes(analytic) == spikes(packets) and packets.counts["late_packets"] == 0
    assert (packets.step_finish_ps < packets.step_start_ps[1:]).all()     # work fits its tick
    work_p, work_a = step_work_ps(packets), step_work_ps(analytic)
    assert (work_a <= work_p).all()
    assert (work_a < work_p).sum() > steps // 2
    same_ledger(analytic, packets)
