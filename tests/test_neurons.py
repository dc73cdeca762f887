"""Neuron models against closed forms and independent oracles (scipy's ODE solver, the
Izhikevich 2003 reference scheme). Each runs one population in software through simulate()."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from eventsim import ConfigError
from eventsim.simulation import simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from networks.population import population

DT = 1e-4
DT_PS = 100_000_000


def run(pop, n_steps, current=None, port=0, at_steps=None):
    """Run one population; ``current``: value on ``port`` of every neuron at every step (or at
    ``at_steps``)."""
    inputs = []
    if current is not None:
        steps = np.arange(n_steps) if at_steps is None else np.asarray(at_steps)
        n = pop.size
        inputs.append(InputEvents(0, np.repeat(steps * DT_PS, n).astype(np.int64),
                                  np.tile(np.arange(n), steps.size).astype(np.int32),
                                  np.full(steps.size * n, float(current)), port=port))
    return simulate(WorkloadIR([pop], inputs=inputs), DT, n_steps)


def test_lif_under_constant_current_follows_the_exact_exponential():
    pop = population("p", "lif", 1, tau=2e-3, r=2.0, v_threshold=math.inf)
    r = run(pop, 37, current=0.5)
    # v(t) = r x (1 - exp(-t / tau)) at t = 37 dt (piecewise-constant input is exact)
    assert r.final_state[0][0, 0] == pytest.approx(1.0 * (1 - math.exp(-37 * DT / 2e-3)), rel=1e-12)


def test_lif_first_spike_is_in_the_step_where_v_crosses_threshold():
    pop = population("p", "lif", 1, tau=2e-3, v_threshold=0.5)
    r = run(pop, 40, current=1.0)
    t_cross = -2e-3 * math.log(1 - 0.5)          # 1.386 ms: during step 13 (1.3 - 1.4 ms)
    steps, _ = r.steps(0)
    assert steps[0] == math.ceil(t_cross / DT) - 1 == 13


def test_lif_reset_by_subtraction_keeps_the_excess():
    pop = population("p", "lif", 1, tau=1.0, v_threshold=0.1, reset_subtract=1)
    r = run(pop, 1, current=1500.0)               # v = 1500 (1 - e^-1e-4) = 0.149993
    assert r.final_state[0][0, 0] == pytest.approx(1500 * (1 - math.exp(-1e-4)) - 0.1, rel=1e-12)


def test_a_refractory_lif_fires_once_per_refractory_period_under_strong_drive():
    pop = population("p", "lif", 1, tau=1e-3, v_threshold=0.1, refractory_s=0.5e-3)
    steps, _ = run(pop, 30, current=100.0).steps(0)
    # spikes at step 0, then 5 steps held at reset, spike again on the next step
    assert steps.tolist() == list(range(0, 30, 6))


def test_cuba_lif_matches_the_closed_form_two_state_solution():
    ts, tm, w_in, r_ = 5e-3, 20e-3, 3.0, 0.5
    pop = population("p", "cuba_lif", 1, tau_syn=ts, tau_mem=tm, w_in=w_in, r=r_,
                     v_threshold=math.inf)
    res = run(pop, 50, current=2.0)
    t = 50 * DT
    i_t = w_in * 2.0 * (1 - math.exp(-t / ts))
    v_t = r_ * w_in * 2.0 * (1 - (ts * math.exp(-t / ts) - tm * math.exp(-t / tm)) / (ts - tm))
    assert res.final_state[0][0, 1] == pytest.approx(i_t, rel=1e-12)
    assert res.final_state[0][0, 0] == pytest.approx(v_t, rel=1e-10)


def test_cuba_lif_with_equal_time_constants_uses_the_limit():
    tau = 10e-3
    pop = population("p", "cuba_lif", 1, tau_syn=tau, tau_mem=tau, v_threshold=math.inf)
    res = run(pop, 30, current=1.0)
    t = 30 * DT       # v(t) = 1 - e^{-t/tau} (1 + t/tau)
    assert res.final_state[0][0, 0] == pytest.approx(1 - math.exp(-t / tau) * (1 + t / tau), rel=1e-10)


def _cuba_jumps_at_step_0(input_after_step):
    p = dict(tau_mem=20e-3, tau_exc=5e-3, tau_inh=10e-3, v_rest=-49e-3, v_threshold=1.0,
             v_reset=-60e-3)
    pop = population("p", "cuba", 1, v=-55e-3, input_after_step=input_after_step, **p)
    exc = InputEvents(0, np.array([0], np.int64), np.array([0], np.int32), np.array([4e-3]), port=0)
    inh = InputEvents(0, np.array([0], np.int64), np.array([0], np.int32), np.array([-2e-3]), port=1)
    res = simulate(WorkloadIR([pop], inputs=[exc, inh]), DT, 80)

    def f(t, y):
        v, ge, gi = y
        return [(p["v_rest"] - v + ge + gi) / p["tau_mem"], -ge / p["tau_exc"], -gi / p["tau_inh"]]
    return res.final_state[0][0, :3], lambda t0, t1, y: solve_ivp(
        f, (t0, t1), y, rtol=1e-12, atol=1e-15).y[:, -1]


def test_cuba_neuron_feels_a_jump_of_step_0_from_step_1_on_as_brian2_and_nest():
    got, ode = _cuba_jumps_at_step_0(1.0)
    v1 = ode(0, DT, [-55e-3, 0.0, 0.0])[0]                 # step 0 integrates without them
    ref = ode(DT, 80 * DT, [v1, 4e-3, -2e-3])
    assert got == pytest.approx(ref, rel=1e-8, abs=1e-14)


def test_cuba_neuron_with_inputs_before_the_step_feels_a_jump_in_its_own_step():
    got, ode = _cuba_jumps_at_step_0(0.0)
    ref = ode(0, 80 * DT, [-55e-3, 4e-3, -2e-3])
    assert got == pytest.approx(ref, rel=1e-8, abs=1e-14)


def test_if_integrates_current_times_dt():
    pop = population("p", "if_neuron", 1, r=2.0, v_threshold=math.inf)
    assert run(pop, 25, current=3.0).final_state[0][0, 0] == pytest.approx(25 * 2.0 * 3.0 * DT)


def test_li_never_spikes_and_relaxes_exactly():
    pop = population("p", "li", 1, tau=1e-3, v_leak=0.2)
    res = run(pop, 10, current=1.0)
    assert res.counts["spikes"] == 0
    assert res.final_state[0][0, 0] == pytest.approx(1.2 * (1 - math.exp(-1.0)), rel=1e-12)


def test_adaptive_lif_intervals_grow_as_the_threshold_adapts():
    pop = population("p", "adaptive_lif", 1, tau=2e-3, v_threshold=0.5, tau_adapt=50e-3, beta=0.2)
    steps, _ = run(pop, 400, current=2.0).steps(0)
    isi = np.diff(steps)
    assert len(isi) > 5 and isi[-1] > isi[0]


def izhikevich_reference(a, b, c, d, current, n_ms):
    """The scheme of Izhikevich 2003 (two 0.5 ms steps of v, one 1 ms step of u per ms)."""
    v, u, spikes = -65.0, b * -65.0, []
    for t in range(n_ms):
        v += 0.5 * (0.04 * v * v + 5 * v + 140 - u + current)
        v += 0.5 * (0.04 * v * v + 5 * v + 140 - u + current)
        u += a * (b * v - u)
        if v >= 30:
            spikes.append(t)
            v, u = c, u + d
    return spikes


@pytest.mark.parametrize("abcd", [(0.02, 0.2, -65, 8), (0.02, 0.2, -50, 2), (0.1, 0.2, -65, 2)])
def test_izhikevich_matches_the_reference_scheme(abcd):
    a, b, c, d = abcd
    pop = population("p", "izhikevich", 1, a=a, b=b, c=c, d=d, v=-65.0, u=b * -65.0)
    inputs = [InputEvents(0, np.arange(300, dtype=np.int64) * 10**9, np.zeros(300, np.int32),
                          np.full(300, 10.0))]
    res = simulate(WorkloadIR([pop], inputs=inputs), 1e-3, 300)
    assert res.steps(0)[0].tolist() == izhikevich_reference(a, b, c, d, 10.0, 300)


def test_a_population_names_unknown_or_missing_parameters():
    with pytest.raises(ConfigError, match=r"has no parameter or state \['tau_m'\]"):
        population("p", "lif", 3, tau_m=1.0, v_threshold=1.0)
    with pytest.raises(ConfigError, match=r"needs \['tau'\]"):
        population("p", "lif", 3, v_threshold=1.0)
    with pytest.raises(ConfigError, match=r"tau must be a scalar or 3 values, got shape \(2,\)"):
        population("p", "lif", 3, tau=[1.0, 2.0], v_threshold=1.0)
    with pytest.raises(ConfigError, match="unknown neuron model 'hh'"):
        population("p", "hh", 3)
