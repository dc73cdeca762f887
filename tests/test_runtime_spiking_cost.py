"""A neuron that fires in a step is charged ``neuron_update_spiking`` instead of
``neuron_update`` when the machine declares that action (count, energy and busy time), and its
longer update delays its packet and its core's later updates; a machine without the action
charges as before. A core updates its neurons in ascending id and sends a spike as soon as the
neuron that fired is updated, before the core's next update.

The network: LIF a0, a1 on core 0 (a0 kicked at steps 0 and 2, so it fires then; a1 never),
LIF b0 on core 1 (never fires), a0 -> b0 with a delay of one step; 4 steps. The machine: the
toy 2x2 mesh at 1 GHz (1 cycle = 1,000 ps): neuron_update 10 cycles / 20 pJ,
neuron_update_spiking 16 cycles / 50 pJ, packet_send 2 cycles / 1 pJ, synop 2 cycles / 10 pJ,
barrier 30 cycles / 5 pJ; a packet from core 0 to core 1 takes one hop (1,000 ps) plus one
flit's serialisation (4 bytes at 4 GB/s = 1,000 ps).
"""

import numpy as np
import pytest

from eventsim.simulation import simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.placement import given
from networks.population import population
from networks.projection import from_dense

from test_machine_description import toy

DT = 1e-3
STEP_PS = 10**9
STEPS = 4
CORES = [0, 0, 1]                  # a0, a1 on core 0, b on core 1


def network():
    pops = [population("a", "lif", 2, tau=1.0, v_threshold=0.5),
            population("b", "lif", 1, tau=1.0, v_threshold=100.0)]
    proj = from_dense("ab", 0, 1, np.array([[1.0], [0.0]]), delay_ps=STEP_PS)
    kicks = InputEvents(0, np.array([0, 2 * STEP_PS], np.int64), np.zeros(2, np.int32),
                        np.array([1e6, 1e6]))
    return WorkloadIR(pops, [proj], [kicks])


def machine(semantics, step_ps, spiking=True):
    actions = {"core__actions__neuron_update": {"cycles": 10, "energy_pj": 20.0},
               "core__actions__packet_send": {"cycles": 2, "energy_pj": 1.0},
               "core__actions__barrier": {"cycles": 30, "energy_pj": 5.0}}
    if spiking:
        actions["core__actions__neuron_update_spiking"] = {"cycles": 16, "energy_pj": 50.0}
    return lower(machine_from_dict(toy(semantics=semantics, step_ps=step_ps,
                                       core__dvfs__0__clock_hz=1e9, **actions)))


def run(semantics, step_ps, spiking=True, noc="packets"):
    w, ir = network(), machine(semantics, step_ps, spiking)
    res = simulate(w, DT, STEPS, machine=ir, placement=given(w, ir, CORES), noc=noc)
    assert res.steps("a")[0].tolist() == [0, 2] and res.spikes("a")[1].tolist() == [0, 0]
    assert res.steps("b")[0].tolist() == []
    return res


def rows(res, actions=("neuron_update", "neuron_update_spiking")):
    """{(core, action): (count, energy pJ, busy ps)} of the rows with a count."""
    return {(r["component"], r["action"]): (r["count"], r["energy_pj"], r["busy_ps"])
            for r in res.ledger.rows(res.hardware_time_ps)
            if r["action"] in actions and r["count"] > 0}


# core 0 updates 2 neurons a step, 2 of its 8 updates fire; core 1 updates 1 neuron a step
DENSE_ROWS = {("chip0.core0", "neuron_update"): (6, 120.0, 60_000),
              ("chip0.core0", "neuron_update_spiking"): (2, 100.0, 32_000),
              ("chip0.core1", "neuron_update"): (4, 80.0, 40_000)}


@pytest.mark.parametrize("noc", ["packets", "analytic"])
def test_barrier_steps_charge_firing_neurons_the_spiking_update(noc):
    res = run("barrier", 0, noc=noc)
    assert rows(res) == DENSE_ROWS
    assert rows(res, ("synop", "packet_send")) == {("chip0.core1", "synop"): (2, 20.0, 4_000),
                                                   ("chip0.core0", "packet_send"): (2, 2.0, 4_000)}
    # step with a spike: core 0 updates a0 (16 ns, it fires): 16,000; sends it: 18,000; then
    # updates a1 (10 ns): 28,000; the packet's tail reaches core 1 at 20,000 (b0 updated
    # 0-10,000), its synop ends at 22,000; barrier 30,000 after 28,000.
    # step without: core 0 is done at 20,000, + barrier 30,000.
    assert res.step_start_ps.tolist() == [0, 58_000, 108_000, 166_000, 216_000]
    assert res.step_finish_ps.tolist() == [28_000, 78_000, 136_000, 186_000]
    res.ledger.check(res.hardware_time_ps)


def test_timer_steps_charge_firing_neurons_the_spiking_update():
    res = run("timer", 100_000)
    assert rows(res) == DENSE_ROWS
    assert res.step_start_ps.tolist() == [0, 100_000, 200_000, 300_000, 400_000]
    assert res.step_finish_ps.tolist() == [28_000, 120_000, 228_000, 320_000]


def test_event_steps_charge_firing_neurons_the_spiking_update():
    res = run("event", 0)
    # a0 is updated (and fires) at steps 0 and 2 only, b0 at steps 1 and 3 (its inputs), a1
    # never (quiescent without input): core 0 has no update that does not fire
    assert rows(res) == {("chip0.core0", "neuron_update_spiking"): (2, 100.0, 32_000),
                         ("chip0.core1", "neuron_update"): (2, 40.0, 20_000)}
    assert res.counts["neuron_updates"] == 4
    # step 0: a0 16,000, send 18,000, tail at core 1 20,000, synop 22,000 (b0 not updated)
    assert res.step_finish_ps.tolist() == [22_000, STEP_PS + 10_000, 2 * STEP_PS + 22_000,
                                           3 * STEP_PS + 10_000]


@pytest.mark.parametrize("semantics, step_ps, expected", [
    ("barrier", 0, {("chip0.core0", "neuron_update"): (8, 160.0, 80_000),
                    ("chip0.core1", "neuron_update"): (4, 80.0, 40_000)}),
    ("event", 0, {("chip0.core0", "neuron_update"): (2, 40.0, 20_000),
                  ("chip0.core1", "neuron_update"): (2, 40.0, 20_000)})])
def test_a_machine_without_the_spiking_action_charges_every_update_alike(semantics, step_ps,
                                                                         expected):
    res = run(semantics, step_ps, spiking=False)
    assert rows(res) == expected
    assert not any(r["action"] == "neuron_update_spiking"
                   for r in res.ledger.rows(res.hardware_time_ps))
    if semantics == "barrier":      # step with a spike: a0 10,000, send 12,000, a1 22,000
        assert res.step_start_ps.tolist() == [0, 52_000, 102_000, 154_000, 204_000]
