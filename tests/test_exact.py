"""Exact event-driven runs (``simulate(..., integrator="exact")``): threshold crossings
against closed forms and scipy's ODE solver, per-synapse delays in ps, pending checks that
inputs cancel, agreement with the discrete-time run, determinism and clear errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.integrate import solve_ivp

from eventsim import ConfigError
from eventsim.simulation import simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from networks.builders.cuba import cuba
from eventsim.crossing import next_check_s, v_at
from networks.population import population
from networks.projection import from_dense

PS = 10**12
CUBA = dict(tau_mem=20e-3, tau_exc=5e-3, tau_inh=10e-3, v_rest=-49e-3, v_threshold=-50e-3,
            v_reset=-60e-3, refractory_s=5e-3)


def events(times_s, values, neuron=0, port=0, population_index=0):
    t = np.round(np.asarray(times_s) * PS).astype(np.int64)
    return InputEvents(population_index, t, np.full(t.size, neuron, np.int32),
                       np.asarray(values, float), port=port)


def run_exact(workload, duration_s, **options):
    return simulate(workload, integrator="exact", duration_s=duration_s, **options)


def spike_times_s(result, pop=0):
    return result.spikes(pop)[0] / PS


# -- the crossing search ----------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.floats(-12e-3, -2e-3), st.floats(0, 3e-3), st.floats(-3e-3, 3e-3))
def test_the_crossing_is_the_first_root_to_a_picosecond(a_mem, ge_part, gi_part):
    """v = v_rest + a_m e^{-t/20ms} + a_e e^{-t/5ms} + a_i e^{-t/10ms} (v_rest above threshold,
    so a crossing exists): the search returns the first root a dense scan brackets."""
    args = (-49e-3, 0.0, a_mem, 20e-3, ge_part, 5e-3, gi_part, 10e-3)
    if v_at(0.0, *args) >= -50e-3:
        return
    s, certain = next_check_s(*args, -50e-3, 10_000)
    grid = np.linspace(0, 0.5, 500_001)
    above = np.flatnonzero(np.array([v_at(t, *args) for t in grid]) >= -50e-3)
    assert certain
    assert grid[above[0] - 1] - 1e-12 <= s <= grid[above[0]] + 1e-12
    assert v_at(s, *args) >= -50e-3 - 1e-15


def test_a_trajectory_below_threshold_for_ever_has_no_crossing():
    s, certain = next_check_s(-51e-3, 0.0, -5e-3, 20e-3, 1e-3, 5e-3, 0.0, 10e-3, -50e-3, 64)
    assert s == math.inf and not certain


# -- single neurons against closed forms and scipy --------------------------------------------

def test_lif_with_a_bias_fires_at_the_closed_form_times():
    """v_inf = 1.5 above threshold 1 from v = 0: first spike at tau ln(1.5 / 0.5), then every
    refractory period + that interval (each spike time rounded up to the ps, at most)."""
    tau, refr = 10e-3, 2e-3
    pop = population("n", "lif", 1, tau=tau, v_threshold=1.0, i_bias=1.5, refractory_s=refr)
    t = spike_times_s(run_exact(WorkloadIR([pop]), 0.1))
    interval = tau * math.log(1.5 / 0.5)
    expected = interval + np.arange(t.size) * (interval + refr)
    assert t.size == math.floor((0.1 - interval) / (interval + refr)) + 1
    assert np.all(np.abs(t - expected) <= (np.arange(t.size) + 1) * 1.5e-12)


def test_if_neuron_ramps_to_threshold_at_its_slope():
    pop = population("n", "if_neuron", 1, r=2.0, v_threshold=1.0, i_bias=100.0, v=0.2)
    t = spike_times_s(run_exact(WorkloadIR([pop]), 0.02))
    np.testing.assert_allclose(t, [0.8 / 200, 0.8 / 200 + 1 / 200, 0.8 / 200 + 2 / 200,
                                   0.8 / 200 + 3 / 200], atol=4e-12)


def test_a_crossing_beyond_the_representable_time_is_never_planned():
    """IF with a bias so small that threshold is 1e20 s away: no spike, no overflow."""
    pop = population("n", "if_neuron", 1, v_threshold=1.0, i_bias=1e-20)
    res = run_exact(WorkloadIR([pop]), 0.01)
    assert res.counts["spikes"] == 0 and res.final_state[0][0, 0] == pytest.approx(1e-22)


def test_cuba_neuron_crossings_match_scipys_solver():
    """One CUBA neuron driven by excitatory and inhibitory jumps: spike times equal those of
    solve_ivp with event detection (rtol 1e-12), integrated piece by piece between inputs."""
    t_in = [0.5e-3, 1.0e-3, 1.2e-3, 4.0e-3, 9.0e-3, 9.5e-3]
    w_in = [4e-3, 3e-3, -2e-3, 5e-3, 6e-3, -1e-3]
    port = [0 if w > 0 else 1 for w in w_in]
    inputs = [events([t], [w], port=p) for t, w, p in zip(t_in, w_in, port)]
    pop = population("n", "cuba", 1, **{**CUBA, "refractory_s": 1e-3}, v=-58e-3)
    got = spike_times_s(run_exact(WorkloadIR([pop], inputs=inputs), 0.03))
    want = _cuba_reference(-58e-3, list(zip(t_in, w_in, port)), 0.03, 1e-3)
    assert len(got) == len(want) > 0
    assert np.all(np.abs(got - np.array(want)) <= 1e-11 + 2e-12 * np.arange(1, len(want) + 1))


def _cuba_reference(v0, inputs, t_end, refractory):
    """Spike times of the CUBA neuron by scipy's ODE solver (events at threshold)."""
    p = CUBA
    rhs = lambda t, y: [(p["v_rest"] - y[0] + y[1] + y[2]) / p["tau_mem"],
                        -y[1] / p["tau_exc"], -y[2] / p["tau_inh"]]
    hit = lambda t, y: y[0] - p["v_threshold"]
    hit.terminal, hit.direction = True, 1
    y, t, spikes = np.array([v0, 0.0, 0.0]), 0.0, []
    pending = sorted(inputs)
    while t < t_end:
        t_next = pending[0][0] if pending else t_end
        sol = solve_ivp(rhs, (t, t_next), y, events=hit, rtol=1e-12, atol=1e-15, method="DOP853")
        if sol.status == 1:                         # crossed: spike, refractory with v held
            ts = sol.t_events[0][0]
            spikes.append(ts)
            y = sol.y_events[0][0].copy()
            y[0] = p["v_reset"]
            t_free = ts + refractory
            while pending and pending[0][0] <= t_free:   # inputs during refractory: currents
                ti, w, port = pending.pop(0)
                y[1:] *= np.exp(-(ti - ts) / np.array([p["tau_exc"], p["tau_inh"]]))
                y[1 + port] += w
                ts = ti
            y[1:] *= np.exp(-(t_free - ts) / np.array([p["tau_exc"], p["tau_inh"]]))
            t = t_free
            continue
        y, t = sol.y[:, -1].copy(), t_next
        if pending and pending[0][0] == t:
            _, w, port = pending.pop(0)
            y[1 + port] += w
    return spikes


def test_cuba_lif_current_jump_crossing_matches_scipy():
    """NIR CubaLIF: an input of weight x makes I jump by w_in x; the crossing that follows is
    solve_ivp's."""
    pop = population("n", "cuba_lif", 1, tau_syn=2e-3, tau_mem=10e-3, r=1.0, v_threshold=1.0,
                     w_in=2.0)
    res = run_exact(WorkloadIR([pop], inputs=[events([1e-3], [4.0])]), 0.02)
    rhs = lambda t, y: [(-y[0] + y[1]) / 10e-3, -y[1] / 2e-3]
    hit = lambda t, y: y[0] - 1.0
    hit.terminal, hit.direction = True, 1
    sol = solve_ivp(rhs, (0, 0.02), [0.0, 8.0], events=hit, rtol=1e-12, atol=1e-14,
                    method="DOP853")
    np.testing.assert_allclose(spike_times_s(res), [1e-3 + sol.t_events[0][0]], atol=2e-12)


# -- network mechanics ------------------------------------------------------------------------

def test_per_synapse_delays_are_kept_to_the_picosecond():
    """An input makes neuron 0 of "a" fire at once (jump over threshold); its synapses onto
    "b" (weight over threshold) have delays 1 us and 3.000001 us."""
    a = population("a", "if_neuron", 1, v_threshold=1.0)
    b = population("b", "if_neuron", 2, v_threshold=1.0)
    proj = from_dense("ab", 0, 1, np.array([[2.0, 2.0]]),
                      delay_ps=np.array([[1_000_000, 3_000_001]]))
    res = run_exact(WorkloadIR([a, b], [proj], inputs=[events([5e-6], [2.0])]), 1e-4)
    assert res.spike_times_ps[0].tolist() == [5_000_000]
    assert res.spike_times_ps[1].tolist() == [6_000_000, 8_000_001]
    assert res.spike_neurons[1].tolist() == [0, 1]


def test_an_inhibitory_input_before_the_crossing_cancels_the_planned_spike():
    """LIF with bias crosses at tau ln 3; an input of -0.5 just before it moves the crossing to
    where the new trajectory reaches threshold (closed form), and the old plan is ignored."""
    tau = 10e-3
    t0 = tau * math.log(3) - 1e-4
    pop = population("n", "lif", 1, tau=tau, v_threshold=1.0, i_bias=1.5)
    res = run_exact(WorkloadIR([pop], inputs=[events([t0], [-0.5])]), 0.04)
    v_t0 = 1.5 - 1.5 * math.exp(-t0 / tau) - 0.5
    expected = t0 + tau * math.log((1.5 - v_t0) / 0.5)
    np.testing.assert_allclose(spike_times_s(res)[:1], [expected], atol=2e-12)
    assert res.counts["threshold_checks"] >= 2


def test_a_discrete_run_sees_the_first_crossing_in_the_step_that_contains_it():
    """Inputs on step boundaries: a CUBA jump of step k acts at the end of that step (discrete,
    Brian2 and NEST's order) or at time (k + 1) dt (exact): the first spike's step is the one
    whose interval holds the exact crossing."""
    dt = 1e-5
    pop = population("n", "cuba", 1, **CUBA, v=-57e-3)
    exact_inputs = [events([dt, 2e-4 + dt], [6e-3, 5e-3])]
    t = spike_times_s(run_exact(WorkloadIR([pop], inputs=exact_inputs), 0.06))[0]
    inputs = [events([0.0, 2e-4], [6e-3, 5e-3])]
    steps, _ = simulate(WorkloadIR([pop], inputs=inputs), dt, 6000).steps(0)
    assert steps[0] == math.ceil(t / dt) - 1


def test_small_cuba_network_is_deterministic_and_close_to_the_discrete_rate():
    """400 neurons, 0.1 ms delays, 0.5 s: two exact runs give identical spikes; the rate is
    within 15 % of the discrete run at dt = 10 us (same network)."""
    w = cuba(400, p_connect=0.1, seed=3, delay_ps=100_000_000)
    a, b = run_exact(w, 0.5), run_exact(w, 0.5)
    for p in (0, 1):
        assert np.array_equal(a.spike_times_ps[p], b.spike_times_ps[p])
        assert np.array_equal(a.spike_neurons[p], b.spike_neurons[p])
    d = simulate(w, 1e-5, 50_000)
    assert a.counts["spikes"] > 100
    assert abs(a.counts["spikes"] / d.counts["spikes"] - 1) < 0.15


def test_synaptic_events_are_the_received_spikes_times_their_synapses():
    w = cuba(200, p_connect=0.1, seed=5, delay_ps=50_000_000)
    r = run_exact(w, 0.2)
    expected = 0
    for pr in w.projections:
        times = r.spike_times_ps[pr.pre]
        arrived = r.spike_neurons[pr.pre][times + pr.delay_unit_ps < round(0.2 * PS)]
        expected += int(np.diff(pr.indptr)[arrived].sum())
    assert r.counts["synaptic_events"] == expected


# -- errors -----------------------------------------------------------------------------------

def test_a_model_without_an_exact_form_is_refused_by_name():
    pop = population("iz", "izhikevich", 2)
    with pytest.raises(ConfigError, match="izhikevich.*no exact event-driven form"):
        run_exact(WorkloadIR([pop]), 0.01)


def test_equal_time_constants_are_refused():
    pop = population("n", "cuba_lif", 1, tau_syn=5e-3, tau_mem=5e-3, v_threshold=1.0)
    with pytest.raises(ConfigError, match="tau_syn != tau_mem"):
        run_exact(WorkloadIR([pop]), 0.01)


@pytest.mark.parametrize("duration", [0, -1.0, float("nan"), "1"])
def test_a_bad_duration_is_refused(duration):
    pop = population("n", "lif", 1, tau=1e-2, v_threshold=1.0)
    with pytest.raises(ConfigError, match="duration_s"):
        run_exact(WorkloadIR([pop]), duration)


# -- on an event-driven machine ---------------------------------------------------------------

@pytest.fixture(scope="module")
def cpu():
    from hardware_models.lowering import lower
    from hardware_models.presets import preset
    return lower(preset("cpu_multicore"))


def _placed(w, ir):
    from hardware_models.placement import place
    return place(w, ir, "balanced")


def test_on_an_event_machine_the_spikes_are_the_software_ones_and_every_op_is_charged(cpu):
    """Same spikes as without the machine; the ledger counts one synop per synaptic event, one
    neuron_update per input or check, and one received packet per spike and destination core
    (the cores holding its synapses, counted here from the projections and the placement)."""
    w = cuba(200, p_connect=0.1, seed=5, delay_ps=100_000_000)
    pl = _placed(w, cpu)
    on = run_exact(w, 0.05, machine=cpu, placement=pl)
    off = run_exact(w, 0.05)
    for p in (0, 1):
        assert np.array_equal(on.spike_times_ps[p], off.spike_times_ps[p])
    counts = {}
    for row in on.ledger.rows(int(0.05 * PS)):
        counts[row["action"]] = counts.get(row["action"], 0) + row["count"]
    assert counts["synop"] == on.counts["synaptic_events"] == off.counts["synaptic_events"]
    assert counts["neuron_update"] == on.counts["neuron_updates"]
    core_of = np.asarray(pl.core_of_neuron)
    dest = [set() for _ in range(w.n_neurons)]
    for pr in w.projections:
        for i in range(pr.indptr.shape[0] - 1):
            g = w.offsets[pr.pre] + i
            dest[g] |= set(core_of[w.offsets[pr.post] + pr.indices[pr.indptr[i]:pr.indptr[i + 1]]])
    spikers = np.concatenate([on.spike_neurons[p] + w.offsets[p] for p in (0, 1)])
    assert on.counts["packets_received"] == sum(len(dest[g]) for g in spikers)
    assert on.counts["late_packets"] == 0 < on.counts["max_packet_latency_ps"] < 100_000_000


def test_packets_slower_than_the_synaptic_delay_are_counted_late(cpu):
    """Zero delays: every packet that crosses the network (to another router) is late; one to
    a core on the sender's own router takes no time and is not."""
    w = cuba(100, p_connect=0.1, seed=6, delay_ps=0)
    pl = _placed(w, cpu)
    r = run_exact(w, 0.03, machine=cpu, placement=pl)
    core_of = np.asarray(pl.core_of_neuron)
    crossing = 0
    for p in (0, 1):
        for i in r.spike_neurons[p]:
            g = w.offsets[p] + i
            cores = set()
            for pr in w.projections:
                if pr.pre == p:
                    cores |= set(core_of[w.offsets[pr.post]
                                         + pr.indices[pr.indptr[i]:pr.indptr[i + 1]]].tolist())
            crossing += sum(cpu.core_router[c] != cpu.core_router[core_of[g]] for c in cores)
    assert 0 < r.counts["late_packets"] <= r.counts["packets_received"]
    assert r.counts["late_packets"] == crossing


def test_a_stepping_machine_is_refused_for_an_exact_run():
    from hardware_models.lowering import lower
    from hardware_models.presets import preset
    ir = lower(preset("spinnaker2"))
    w = cuba(50, seed=1)
    with pytest.raises(ConfigError, match="timer semantics.*event-driven machine"):
        run_exact(w, 0.01, machine=ir, placement=_placed(w, ir))
