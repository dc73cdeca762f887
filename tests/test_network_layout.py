"""The network layout: where each neuron's state, constants and synapses go, and that networks
of the same models, whatever their sizes, populations, projections and delays, run on the
kernels already compiled for those models."""
import numpy as np

from eventsim import network_layout as layout
from eventsim.neuron_model import load_model
from eventsim.simulation import simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from networks.population import population
from networks.projection import from_dense, from_pairs

STEP_PS = 10**9


def _lif(name, n, **kw):
    return population(name, "lif", n, **({"tau": 0.02, "v_threshold": 1.0} | kw))


def test_each_neuron_keeps_its_state_in_the_column_of_its_global_id():
    pops = [_lif("a", 2, v=[0.1, 0.2]),
            population("b", "if_neuron", 3, v_threshold=1.0, v=[0.3, 0.4, 0.5]),
            _lif("c", 1, v=[0.6])]
    w = WorkloadIR(pops)
    nl = layout.neuron_layout(w, [load_model(p) for p in pops], lambda m, p: m.coefficients(p, 1e-3))
    assert nl.state[0].tolist() == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    assert [m.name for m in nl.models] == ["if_neuron", "lif"]
    assert nl.pop_model.tolist() == [1, 0, 1]
    assert [s.tolist() for s in nl.final_states(w)] == [[[0.1, 0.0], [0.2, 0.0]],
                                                        [[0.3], [0.4], [0.5]], [[0.6, 0.0]]]


def test_a_population_whose_neurons_share_their_constants_keeps_them_once():
    pops = [_lif("a", 3), _lif("b", 2, tau=[0.01, 0.03])]
    w = WorkloadIR(pops)
    nl = layout.neuron_layout(w, [load_model(p) for p in pops], lambda m, p: m.coefficients(p, 1e-3))
    assert nl.pop_shared.tolist() == [1, 0]
    assert nl.pop_coef_col.tolist() == [0, 1]
    assert nl.coef.shape[1] == 3                     # 1 shared column + 2 own
    assert nl.coef[0].tolist() == [np.exp(-1e-3 / 0.02), np.exp(-1e-3 / 0.01), np.exp(-1e-3 / 0.03)]


def test_every_projection_finds_its_own_synapses_in_the_one_csr():
    rng = np.random.default_rng(2)
    dense = [(rng.random((3, 4)) < 0.6) * rng.normal(1, 0.1, (3, 4)) for _ in range(2)]
    uniform = from_dense("u", 0, 1, dense[0], delay_ps=3 * STEP_PS)
    each = from_pairs("e", 1, 0, 4, 3, [0, 0, 3], [2, 1, 0], [0.5, 0.25, 0.125],
                      [STEP_PS, 2 * STEP_PS, 5 * STEP_PS])
    w = WorkloadIR([_lif("a", 3), _lif("b", 4)], [uniform, each])
    pl = layout.projection_layout(w, np.float32, np.int64, lambda pr: (
        int(pr.delay_unit_ps // STEP_PS) if pr.uniform_delay else pr.delays_ps // STEP_PS))
    for j, pr in enumerate(w.projections):
        row0 = pl.info[j, layout.ROW0]
        for i in range(pr.indptr.shape[0] - 1):
            lo, hi = pl.indptr[row0 + i], pl.indptr[row0 + i + 1]
            want = slice(pr.indptr[i], pr.indptr[i + 1])
            assert pl.indices[lo:hi].tolist() == pr.indices[want].tolist()
            assert pl.weights[lo:hi].tolist() == pr.weights[want].tolist()
    assert pl.delays(0) == 3
    assert pl.delays(1).tolist() == [2, 1, 5]      # synapses in (pre, post) order: 0->1, 0->2, 3->0
    assert pl.info[:, layout.POST_OFF].tolist() == [3, 0]
    assert pl.pre_ids[pl.pre_ptr[1]:pl.pre_ptr[2]].tolist() == [1]


def _network(sizes, delays_steps, per_synapse=False, seed=0):
    """LIF populations in a ring, driven by inputs."""
    rng = np.random.default_rng(seed)
    pops = [_lif(f"p{k}", n, i_bias=0.5) for k, n in enumerate(sizes)]
    projections = []
    for k, n in enumerate(sizes):
        q = (k + 1) % len(sizes)
        weights = (rng.random((n, sizes[q])) < 0.5) * 0.6
        d = rng.integers(1, 4, weights.shape) * STEP_PS if per_synapse else delays_steps[k] * STEP_PS
        projections.append(from_dense(f"{k}", k, q, weights, delay_ps=d))
    t = np.arange(50, dtype=np.int64) * STEP_PS
    inp = InputEvents(0, t, np.zeros(50, np.int32), np.full(50, 3.0))
    return WorkloadIR(pops, projections, [inp])


def test_networks_of_one_model_run_without_compiling_again(capfd):
    """After a 2-population network, one of 4 populations with other sizes and per-synapse
    delays runs on the same kernels: no compile announcement."""
    simulate(_network([5, 7], [1, 2]), 1e-3, 20)
    capfd.readouterr()
    res = simulate(_network([3, 9, 4, 6], [2, 1, 3, 1], per_synapse=True, seed=1), 1e-3, 20)
    assert "preparing" not in capfd.readouterr().err
    assert res.counts["spikes"] > 0


def test_on_a_machine_too_another_shape_runs_without_compiling_again(capfd):
    from hardware_models.placement import place
    from test_network_runtime import machine
    ir = machine("barrier", 0)
    first, other = _network([5, 7], [1, 2]), _network([3, 9, 4], [2, 1, 3], seed=2)
    simulate(first, 1e-3, 20, machine=ir, placement=place(first, ir, "round_robin"))
    capfd.readouterr()
    res = simulate(other, 1e-3, 20, machine=ir, placement=place(other, ir, "round_robin"))
    assert "preparing" not in capfd.readouterr().err
    assert res.counts["spikes"] > 0
