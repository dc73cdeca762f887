"""Stepped execution semantics: timer ticks at k x step_ps with overruns counted; barrier steps
start when the slowest core and the last packet are done plus the barrier. Expected times are
computed by hand from the toy machine: synop = 2 cycles at 300 MHz (20,000 ps per 3 synops),
barrier = 30 cycles (100,000 ps), 5 pJ."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import step_work_model
from eventsim import ConfigError, Kernel
from eventsim.core_model import new_core_state
from eventsim.step_model import new_step_state, next_tick_ps
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict

from test_machine_description import toy

BARRIER = {"cycles": 30, "energy_pj": 5.0}


def run(semantics, step_ps, work, n_steps=4, packet_ps=0, threads=1):
    m = machine_from_dict(toy(semantics=semantics, step_ps=step_ps, core__threads=threads,
                              core__actions__barrier=BARRIER))
    ir = lower(m)
    k = Kernel()
    steps = new_step_state(ir, k, n_steps)
    state = step_work_model.StepWork(new_core_state(ir, k), steps, np.array(work, np.int64),
                                     np.array([packet_ps], np.int64), np.zeros(1, np.int64))
    state.step_kind[0] = k.add_kind("step", step_work_model.step, state)
    k.schedule(0, state.step_kind[0])
    k.run()
    return steps, k


def test_timer_steps_start_every_step_ps():
    steps, _ = run("timer", 100_000, [3, 3, 0, 0])
    assert steps.start_ps.tolist() == [0, 100_000, 200_000, 300_000, 400_000]
    assert steps.overruns.tolist() == [0, 0, 0, 0]


def test_a_timer_core_slower_than_its_tick_overruns_every_step_and_falls_behind():
    # core 0: 30 synops = 200,000 ps per step against 100,000 ps ticks
    steps, k = run("timer", 100_000, [30, 3, 0, 0])
    assert steps.start_ps.tolist() == [0, 100_000, 200_000, 300_000, 400_000]
    assert steps.overruns.tolist() == [4, 0, 0, 0]
    assert steps.core_finish_ps[0] == 800_000          # 4 x 200,000 back to back
    assert k.ledger.arrays.busy_ps[k.ledger.row("chip0.core0", "synop")] == 800_000


def test_barrier_steps_follow_the_slowest_core_plus_the_barrier():
    # slowest core: 6 synops = 40,000 ps; barrier 100,000 ps; no minimum step
    steps, _ = run("barrier", 0, [6, 3, 0, 0])
    assert steps.start_ps.tolist() == [0, 140_000, 280_000, 420_000, 560_000]


def test_a_barrier_step_lasts_at_least_step_ps():
    steps, _ = run("barrier", 500_000, [6, 3, 0, 0])
    assert steps.start_ps.tolist() == [0, 500_000, 1_000_000, 1_500_000, 2_000_000]


def test_a_barrier_waits_for_the_last_packet_of_the_step():
    steps, _ = run("barrier", 0, [6, 3, 0, 0], packet_ps=70_000)
    assert steps.start_ps.tolist() == [0, 170_000, 340_000, 510_000, 680_000]


def test_every_core_pays_one_barrier_per_step():
    _, k = run("barrier", 0, [6, 3, 0, 0], n_steps=5)
    for c in range(4):
        row = k.ledger.row(f"chip0.core{c}", "barrier")
        assert k.ledger.arrays.count[row] == 5
        assert k.ledger.arrays.energy_pj[row] == 25.0
        assert k.ledger.arrays.busy_ps[row] == 500_000


def test_an_event_machine_steps_at_the_network_step():
    ir = lower(machine_from_dict(toy()))
    with pytest.raises(ConfigError, match="semantics 'event'; a step clock for it needs the network's step"):
        new_step_state(ir, Kernel(), 3)
    assert new_step_state(ir, Kernel(), 3, network_step_ps=250).step_ps == 250


def test_a_barrier_machine_must_declare_the_barrier_cost():
    ir = lower(machine_from_dict(toy(semantics="barrier", step_ps=0)))
    with pytest.raises(ConfigError, match="declare no 'barrier' action"):
        new_step_state(ir, Kernel(), 3)


def test_a_timer_machine_needs_a_positive_tick():
    ir = lower(machine_from_dict(toy(semantics="timer", step_ps=1)))
    ir.step_ps = 0
    with pytest.raises(ConfigError, match="timer semantics needs step_ps > 0, got 0"):
        new_step_state(ir, Kernel(), 3)


@given(step=st.integers(1, 10**9), t=st.integers(0, 10**15))
def test_an_arrival_is_consumed_at_the_first_tick_strictly_after_it(step, t):
    steps = new_step_state(lower(machine_from_dict(toy(semantics="timer", step_ps=step))),
                           Kernel(), 1)
    tick = next_tick_ps(steps, t)
    assert tick % step == 0 and t < tick <= t + step
