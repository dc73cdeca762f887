"""``simulate``, the one run path: both integrators give one result type, with spike times in
integer picoseconds, one definition of the metrics, and clear errors for options a run cannot
use."""
import numpy as np
import pytest

from eventsim import ConfigError, RunResult
from eventsim.run_result import active_pairs, network_metrics
from eventsim.simulation import simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from networks.population import population
from networks.projection import from_dense

DT = 1e-3
STEP_PS = 1_000_000_000


def chain():
    """a -> b, one lif neuron each: a kick makes a fire at 3 ms; b fires once a's spike arrives
    7 ms later (its one input of weight 1 moves v by r x = 1000 > 0.5 in the exact form, and
    to 1000 (1 - exp(-1 ms / 1 s)) = 0.9995 > 0.5 held over a discrete step)."""
    pops = [population("a", "lif", 1, tau=1.0, v_threshold=0.5),
            population("b", "lif", 1, tau=1.0, v_threshold=0.5, r=1000.0)]
    proj = from_dense("ab", 0, 1, np.array([[1.0]]), delay_ps=7 * STEP_PS)
    kick = InputEvents(0, np.array([3 * STEP_PS], np.int64), np.zeros(1, np.int32),
                       np.array([1e6]))
    return WorkloadIR(pops, [proj], [kick])


def test_a_discrete_run_gives_spike_times_in_ps_at_the_start_of_their_step():
    res = simulate(chain(), DT, 20)
    assert isinstance(res, RunResult) and res.integrator == "discrete"
    assert res.spikes("a")[0].tolist() == [3 * STEP_PS]
    assert res.spikes("b")[0].tolist() == [10 * STEP_PS]
    assert res.spikes("b")[0].dtype == np.int64
    assert res.steps("b")[0].tolist() == [10]


def test_an_exact_run_gives_the_same_result_type_with_times_in_ps():
    res = simulate(chain(), integrator="exact", duration_s=0.02)
    assert isinstance(res, RunResult) and res.integrator == "exact"
    assert res.spikes("a")[0].tolist() == [3 * STEP_PS]
    assert res.spikes("b")[0].tolist() == [10 * STEP_PS]
    assert res.spike_steps is None and res.dt_s is None and res.n_steps is None
    assert res.duration_ps == 20 * STEP_PS


def test_an_exact_run_has_no_steps():
    res = simulate(chain(), integrator="exact", duration_s=0.02)
    with pytest.raises(AttributeError, match="no steps"):
        res.steps("a")


def test_a_discrete_run_may_be_given_its_duration_instead_of_its_steps():
    by_steps, by_duration = simulate(chain(), DT, 20), simulate(chain(), DT, duration_s=0.02)
    assert by_duration.n_steps == 20 and by_duration.duration_ps == by_steps.duration_ps
    assert by_duration.spike_times_ps[1].tolist() == by_steps.spike_times_ps[1].tolist()


def test_both_integrators_report_metrics_by_one_definition():
    """Two 1-neuron populations, one 1 x 1 projection: one dense pair per bin; a spike in each
    of two of the bins' neuron slots (a at 3 ms, b at 10 ms) out of 2 neurons x 20 bins."""
    d = simulate(chain(), DT, 20)
    e = simulate(chain(), integrator="exact", duration_s=0.02, activity_bin_s=1e-3)
    expected = {"synaptic_ops": 1, "dense_equivalent_ops": 20,
                "activation_sparsity": 1 - 2 / 40, "weight_sparsity": 0.0}
    assert d.metrics == expected
    assert e.metrics == expected


def test_a_neuron_counts_once_per_bin_however_often_it_fires():
    """Neuron 0 fires twice in bin 0, neuron 1 once in bin 2: 2 active pairs."""
    assert active_pairs(np.array([0, 0, 1]), np.array([0, 0, 2]), 4) == 2


def test_activation_sparsity_is_the_fraction_of_silent_neuron_bins():
    w = WorkloadIR([population("p", "lif", 2, tau=1.0, v_threshold=1.0)])
    m = network_metrics(w, active_pairs=2, n_bins=4, synaptic_events=0)
    assert m["activation_sparsity"] == 1 - 2 / 8
    assert m["dense_equivalent_ops"] == 0 and m["weight_sparsity"] == 0.0


@pytest.mark.parametrize("kwargs, message", [
    (dict(integrator="euler", dt_s=DT, n_steps=5), "integrator must be one of"),
    (dict(integrator="exact", dt_s=DT, duration_s=0.01), "no time step"),
    (dict(dt_s=DT), "needs n_steps or duration_s"),
    (dict(dt_s=DT, n_steps=5, duration_s=0.005), "needs n_steps or duration_s"),
    (dict(dt_s=DT, duration_s=0.0105), "not a whole number of steps"),
    (dict(dt_s=DT, n_steps=5, activity_bin_s=1e-3), "activity_bin_s is for exact runs"),
    (dict(integrator="exact", duration_s=0.01, noc="packets"), "uncontended"),
    (dict(integrator="exact", duration_s=0.01, ring_slack=4), "ring_slack is for discrete"),
    (dict(integrator="exact", duration_s=0.01, routing="population"), "routing='neuron'"),
    (dict(integrator="exact", duration_s=0.01, activity_bin_s=0.0), "activity_bin_s must be"),
    (dict(integrator="exact", duration_s=0.01, activity_bin_s=1e-13), "at least 1 ps"),
    (dict(dt_s=DT, n_steps=5, record_capacity=0), "record_capacity must be"),
])
def test_an_option_the_run_cannot_use_is_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        simulate(chain(), **kwargs)


def test_an_exact_run_on_a_machine_ends_its_hardware_time_at_its_duration():
    from hardware_models.lowering import lower
    from hardware_models.placement import place
    from hardware_models.presets import preset
    from networks.builders.cuba import cuba
    ir = lower(preset("cpu_multicore"))
    w = cuba(200, p_connect=0.1, seed=5, delay_ps=100_000_000)
    res = simulate(w, integrator="exact", duration_s=0.02, machine=ir,
                   placement=place(w, ir, "balanced"))
    assert res.hardware_time_ps == res.duration_ps == 20 * STEP_PS
    assert res.ledger is not None


def kicked_lif(kick_steps, refractory_left_s=0.0):
    """One lif neuron with a 5 ms refractory period, kicked above threshold at ``kick_steps``;
    its refractory time left starts at ``refractory_left_s`` seconds."""
    pop = population("a", "lif", 1, tau=1.0, v_threshold=0.5, refractory_s=5e-3)
    pop.state[0, 1] = refractory_left_s
    t = np.array([k * STEP_PS for k in kick_steps], np.int64)
    kick = InputEvents(0, t, np.zeros(t.size, np.int32), np.full(t.size, 1e6))
    return WorkloadIR([pop], [], [kick])


def test_a_discrete_runs_final_refractory_time_is_in_seconds():
    """Fires at step 0 and is then held for steps 1-5: after steps 0-2, steps 3-5 are left."""
    res = simulate(kicked_lif([0]), DT, 3)
    assert res.steps("a")[0].tolist() == [0]
    assert res.final_state[0][0, 1] == pytest.approx(3e-3, rel=1e-12)


def test_a_discrete_run_reads_an_initial_refractory_time_in_seconds():
    """2 ms left = steps 0 and 1 held: the kicks of steps 0 and 1 are ignored, step 2's fires."""
    res = simulate(kicked_lif([0, 1, 2], refractory_left_s=2e-3), DT, 4)
    assert res.steps("a")[0].tolist() == [2]
