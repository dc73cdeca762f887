"""Loihi's LIF compartment as SANA-FE 2.2 models it: trajectories derived by hand from its
update rule (leak, truncation to 1/64 toward zero, bias and input, threshold, refractory)."""
import numpy as np
import pytest

from eventsim import ConfigError
from eventsim.simulation import simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from networks.population import population

DT, DT_PS = 1e-3, 1_000_000_000


def run(n_steps, inputs=(), **params):
    """One loihi_lif neuron for n_steps; ``inputs``: (step, weight) pairs on port 0. Returns
    (v after each step, spike steps)."""
    pop = population("p", "loihi_lif", 1, **params)
    events = [InputEvents(0, np.array([k * DT_PS], np.int64), np.zeros(1, np.int32),
                          np.array([w])) for k, w in inputs]
    vs, spikes = [], []
    for k in range(1, n_steps + 1):          # one run per length: v after step k
        r = simulate(WorkloadIR([pop], inputs=events), DT, k)
        vs.append(float(r.final_state[0][0, 0]))
        spikes = r.steps(0)[0].tolist()
    return vs, spikes


def test_the_first_step_does_not_leak_and_later_steps_truncate_toward_zero():
    # step 0: v = 0 + 3.5; step 1: 3.5 x 0.9 = 3.15 -> trunc(201.6) / 64 = 3.140625, + 3.5
    vs, _ = run(2, bias=3.5, leak_decay=0.9, threshold=100.0)
    assert vs == [3.5, 201 / 64 + 3.5]


def test_a_negative_potential_is_truncated_up_toward_zero():
    # v0 = -1.17 with no leak: trunc(-74.88) = -74 -> -1.15625 (a floor would give -1.171875)
    pop = population("p", "loihi_lif", 1, threshold=100.0, v=-1.17)
    r = simulate(WorkloadIR([pop]), DT, 1)
    assert float(r.final_state[0][0, 0]) == -1.15625


def test_an_input_moves_v_in_its_step_and_a_spike_resets_hard():
    # input 5 at step 1 onto bias 1, threshold 6: step 0 v = 1, step 1 v = 1 + 1 + 5 = 7 > 6
    vs, spikes = run(3, inputs=[(1, 5.0)], bias=1.0, threshold=6.0, reset=-2.0)
    assert spikes == [1]
    assert vs == [1.0, -2.0, -1.0]


def test_the_current_decays_by_input_decay_and_keeps_adding():
    # u: 4, then 4 x 0.5 = 2; v: 4, then 4 + 2 = 6 (no leak, no bias)
    vs, _ = run(2, inputs=[(0, 4.0)], input_decay=0.5, threshold=100.0)
    assert vs == [4.0, 6.0]


def test_refractory_steps_k_hold_k_minus_1_steps_and_drop_their_input():
    # bias 4, threshold 7: v 4, 8 (spike at step 1, reset 0), then 2 silent steps (refractory 3)
    # with the input of step 2 lost, then v 4, 8 (spike at step 5)
    vs, spikes = run(6, inputs=[(2, 50.0)], bias=4.0, threshold=7.0, refractory_steps=3.0)
    assert spikes == [1, 5]
    assert vs == [4.0, 0.0, 0.0, 0.0, 4.0, 0.0]


def test_soft_reset_subtracts_the_threshold_and_mode_2_keeps_v():
    vs, _ = run(2, bias=5.0, threshold=8.0, reset_mode=1.0)          # 5, 10 -> 2
    assert vs == [5.0, 2.0]
    vs, _ = run(2, bias=5.0, threshold=8.0, reset_mode=2.0)          # 5, 10 stays
    assert vs == [5.0, 10.0]


@pytest.mark.parametrize("field,value", [("leak_decay", 1.5), ("reset_mode", 3.0),
                                         ("refractory_steps", 1.5)])
def test_out_of_range_parameters_are_clear_errors(field, value):
    pop = population("p", "loihi_lif", 1, threshold=1.0, **{field: value})
    with pytest.raises(ConfigError, match=f"loihi_lif: {field}"):
        simulate(WorkloadIR([pop]), DT, 1)
