"""NIR import: the real graphs written by other simulators, the cross-platform LIF trace, and
the weight nodes against independent computations."""
import warnings

import nir
import numpy as np
import pytest
from scipy.signal import correlate2d

from eventsim import ConfigError
from eventsim.simulation import simulate
from networks.nir_io import event_data_to_counts, from_nir, spikes_to_event_data, to_nir

GRAPHS = ["braille_noDelay_bias_zero.nir", "braille_noDelay_noBias_subtract.nir",
          "cnn_sinabs.nir", "lif_norse.nir", "lif_rockpool.nir", "two_lif_neurons.nir"]


@pytest.mark.parametrize("name", GRAPHS)
def test_every_well_formed_graph_of_the_nir_paper_imports(shared_data, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = from_nir(shared_data / "nir_paper" / "graphs" / name)
    assert net.workload.n_neurons > 0 and net.outputs


def test_a_graph_whose_shapes_disagree_is_read_with_a_warning(shared_data):
    with pytest.warns(UserWarning, match="read without type checking"):
        from_nir(shared_data / "nir_paper" / "graphs" / "lif_rockpool.nir")


def test_the_malformed_graph_is_a_clear_error(shared_data):
    path = shared_data / "nir_paper" / "graphs" / "braille_noDelay_bias_zero_subgraph.nir"
    with pytest.raises(ConfigError, match=r"cannot read NIR graph .*subgraph.nir: .*'lif'"):
        from_nir(path)


def spike_steps(csv):
    return np.flatnonzero(np.loadtxt(csv, delimiter=",")[:, 2]).tolist()


@pytest.mark.parametrize("reset_subtract", [False, True])
def test_lif_norse_spikes_at_the_steps_of_the_exact_solution_and_spinnaker2(shared_data,
                                                                            reset_subtract):
    lif = shared_data / "nir_paper" / "lif"
    x = np.loadtxt(lif / "lif_exact.csv", delimiter=",")[:, :1]
    net = from_nir(shared_data / "nir_paper" / "graphs" / "lif_norse.nir", reset_subtract)
    res = simulate(net.with_inputs(net.input_events(x, 1e-4)), 1e-4, x.shape[0])
    steps = res.steps(net.outputs[0])[0].tolist()
    assert steps == spike_steps(lif / "lif_exact.csv") == spike_steps(lif / "lif_spinnaker2.csv")
    assert len(steps) == 4


def graph(*nodes_edges):
    nodes, edges = nodes_edges
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def if_node(n):
    return nir.IF(r=np.ones(n), v_threshold=np.full(n, 1e9), v_reset=np.zeros(n))


def projection_matrix(net):
    """Dense [post, pre] matrix of the single projection of ``net``."""
    pr = net.workload.projections[0]
    m = np.zeros((net.workload.populations[pr.post].size, net.workload.populations[pr.pre].size))
    rows = np.repeat(np.arange(len(pr.indptr) - 1), np.diff(pr.indptr))
    m[pr.indices, rows] = pr.weights
    return m


def test_a_chain_of_affine_nodes_composes_weights_and_biases():
    rng = np.random.default_rng(0)
    w1, b1, w2, b2 = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4)), rng.normal(size=2)
    g = graph({"in": nir.Input(np.array([3])), "a": if_node(3), "f1": nir.Affine(w1, b1),
               "f2": nir.Affine(w2, b2), "b": if_node(2), "out": nir.Output(np.array([2]))},
              [("in", "a"), ("a", "f1"), ("f1", "f2"), ("f2", "b"), ("b", "out")])
    net = from_nir(g)
    assert projection_matrix(net) == pytest.approx((w2 @ w1).astype(np.float32), rel=1e-6)
    i_bias = net.workload.populations[1].params[:, 3]       # if_neuron i_bias column
    assert i_bias == pytest.approx(w2 @ b1 + b2)


def dense_with_delays(net, pr):
    """Dense [post, pre] weights and delays (ps) of projection ``pr``."""
    w = net.workload
    shape = (w.populations[pr.post].size, w.populations[pr.pre].size)
    m, d = np.zeros(shape), np.full(shape, -1)
    rows = np.repeat(np.arange(len(pr.indptr) - 1), np.diff(pr.indptr))
    m[pr.indices, rows] = pr.weights
    d[pr.indices, rows] = pr.delays_ps
    return m, d


def test_a_delay_just_before_a_neuron_node_delays_each_post_neuron():
    w = np.array([[1.0, 2.0], [3.0, 0.0], [0.5, 4.0]])
    g = graph({"in": nir.Input(np.array([2])), "a": if_node(2), "f": nir.Linear(w),
               "dl": nir.Delay(np.array([1e-3, 2e-3, 3e-3])), "b": if_node(3),
               "out": nir.Output(np.array([3]))},
              [("in", "a"), ("a", "f"), ("f", "dl"), ("dl", "b"), ("b", "out")])
    net = from_nir(g)
    assert len(net.workload.projections) == 1
    m, d = dense_with_delays(net, net.workload.projections[0])
    assert m == pytest.approx(w)
    assert d.tolist() == [[10**9, 10**9], [2 * 10**9, -1], [3 * 10**9, 3 * 10**9]]


def test_a_delay_between_weight_nodes_splits_the_paths_by_delay():
    """a -W1-> Delay [1, 2, 1] ms -W2-> b: channels 0 and 2 (1 ms) and channel 1 (2 ms) give
    two projections of W2[:, k] W1[k, :] summed over their channels, as the delays add no
    other way."""
    w1 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    w2 = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 1.0]])
    g = graph({"in": nir.Input(np.array([2])), "a": if_node(2), "f1": nir.Linear(w1),
               "dl": nir.Delay(np.array([1e-3, 2e-3, 1e-3])), "f2": nir.Linear(w2),
               "b": if_node(2), "out": nir.Output(np.array([2]))},
              [("in", "a"), ("a", "f1"), ("f1", "dl"), ("dl", "f2"), ("f2", "b"), ("b", "out")])
    net = from_nir(g)
    got = {int(dense_with_delays(net, pr)[1].max()): dense_with_delays(net, pr)
           for pr in net.workload.projections}
    assert sorted(got) == [10**9, 2 * 10**9]
    one_ms = w2[:, [0, 2]] @ w1[[0, 2], :]
    two_ms = w2[:, [1]] @ w1[[1], :]
    assert got[10**9][0] == pytest.approx(one_ms)
    assert got[2 * 10**9][0] == pytest.approx(two_ms)
    assert set(np.unique(got[10**9][1])) <= {-1, 10**9}


def test_conv2d_and_sumpool_match_a_direct_correlation():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 2, 3, 3))
    conv = nir.Conv2d(input_shape=(6, 6), weight=w, stride=1, padding=1, dilation=1, groups=1,
                      bias=np.zeros(3))
    pool = nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0]))
    pool.input_type = {"input": np.array([3, 6, 6])}
    g = graph({"in": nir.Input(np.array([2, 6, 6])), "a": if_node(72), "c": conv, "b": if_node(108),
               "p": pool, "d": if_node(27), "out": nir.Output(np.array([27]))},
              [("in", "a"), ("a", "c"), ("c", "b"), ("b", "p"), ("p", "d"), ("d", "out")])
    net = from_nir(g)
    x = rng.normal(size=(2, 6, 6))
    direct = np.stack([sum(correlate2d(x[ci], w[co, ci], mode="same") for ci in range(2))
                       for co in range(3)])
    assert projection_matrix(net) @ x.ravel() == pytest.approx(direct.ravel(), rel=1e-5, abs=1e-5)
    y = rng.normal(size=(3, 6, 6))
    pooled = y.reshape(3, 3, 2, 3, 2).sum(axis=(2, 4))
    pr = net.workload.projections[1]
    m = np.zeros((27, 108))
    m[pr.indices, np.repeat(np.arange(108), np.diff(pr.indptr))] = pr.weights
    assert m @ y.ravel() == pytest.approx(pooled.ravel())


def test_a_recurrent_edge_becomes_a_projection_onto_itself():
    g = graph({"in": nir.Input(np.array([2])), "l": if_node(2), "rec": nir.Linear(np.eye(2)),
               "out": nir.Output(np.array([2]))},
              [("in", "l"), ("l", "rec"), ("rec", "l"), ("l", "out")])
    pr = from_nir(g).workload.projections[0]
    assert (pr.pre, pr.post) == (0, 0)


def test_input_of_the_wrong_width_is_refused(shared_data):
    net = from_nir(shared_data / "nir_paper" / "graphs" / "lif_norse.nir")
    with pytest.raises(ConfigError, match=r"input must be \[steps, 1\], got shape \(10, 3\)"):
        net.input_events(np.zeros((10, 3)), 1e-4)


def test_export_then_import_gives_back_the_network(shared_data):
    net = from_nir(shared_data / "nir_paper" / "graphs" / "braille_noDelay_bias_zero.nir")
    again = from_nir(to_nir(net))
    for a, b in zip(net.workload.populations, again.workload.populations):
        assert a.name == b.name and a.model == b.model
        np.testing.assert_array_equal(a.params, b.params)
    by_ends = lambda w: sorted(w.projections, key=lambda pr: (pr.pre, pr.post))
    assert len(net.workload.projections) == len(again.workload.projections) == 2
    for a, b in zip(by_ends(net.workload), by_ends(again.workload)):
        assert (a.pre, a.post) == (b.pre, b.post)
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(net.input_maps[0].matrix.toarray(),
                                  again.input_maps[0].matrix.toarray())


def test_a_model_without_a_nir_node_is_refused_on_export():
    from networks.builders.cuba import cuba
    with pytest.raises(ConfigError, match="model 'cuba' has no NIR node"):
        to_nir(cuba(50))


def test_spikes_go_out_as_event_data_and_come_back_as_the_same_input(shared_data):
    lif = shared_data / "nir_paper" / "lif"
    x = np.loadtxt(lif / "lif_exact.csv", delimiter=",")[:, :1]
    net = from_nir(shared_data / "nir_paper" / "graphs" / "lif_norse.nir")
    res = simulate(net.with_inputs(net.input_events(x, 1e-4)), 1e-4, x.shape[0])
    ed = spikes_to_event_data(res, 0)
    assert ed.n_neurons == 1 and ed.t_max == pytest.approx(0.1)
    assert np.round(ed.time[0] / 1e-4).astype(int).tolist() == [460, 510, 710, 760]
    counts = event_data_to_counts(ed, 1e-4)
    assert counts.shape == (1000, 1) and np.flatnonzero(counts[:, 0]).tolist() == [460, 510, 710, 760]
