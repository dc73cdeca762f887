"""Projections, pruning, input generators and builders."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventsim import ConfigError
from eventsim.simulation import simulate
from networks.builders.cuba import W_EXC, W_INH, cuba
from networks.builders.feedforward import feedforward
from networks.inputs import event_stream, poisson, step_current
from networks.projection import fixed_probability, from_dense, prune_by_magnitude


def test_dense_to_sparse_keeps_exactly_the_non_zeros():
    w = np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -1.0]])
    pr = from_dense("p", 0, 1, w, delay_ps=5)
    assert pr.indptr.tolist() == [0, 1, 3]
    assert pr.indices.tolist() == [1, 0, 2]
    assert pr.weights.tolist() == [2.0, 1.5, -1.0]
    assert pr.delays_ps.tolist() == [5, 5, 5]


def test_magnitude_pruning_removes_the_smallest_fraction():
    w = np.array([[0.1, -3.0], [0.5, -0.2]])
    assert prune_by_magnitude(w, 0.5).tolist() == [[0.0, -3.0], [0.5, 0.0]]


def test_synapse_storage_is_at_most_twelve_bytes():
    assert from_dense("p", 0, 1, np.ones((3, 3))).bytes_per_synapse <= 12


def test_fixed_probability_connects_about_p_of_the_pairs():
    rng = np.random.default_rng(0)
    pr = fixed_probability("p", 0, 0, 400, 500, 0.1, 1.0, rng)
    n = pr.n_synapses
    # binomial(200,000, 0.1): mean 20,000, sd 134
    assert abs(n - 20_000) < 5 * 134


def test_poisson_input_has_the_requested_rate():
    ev = poisson(0, 100, 50.0, 2.0, 1e-3, 1.0, np.random.default_rng(2))
    # 100 x 2 s x 50 Hz = 10,000 expected (binomial sd ~ 97)
    assert abs(ev.times_ps.size - 10_000) < 5 * 97
    assert ev.times_ps.max() < 2 * 10**12 and np.all(ev.times_ps % 10**9 == 0)


def test_a_step_current_covers_its_window_in_every_step():
    ev = step_current(0, [1, 3], 0.5, 2e-3, 5e-3, 1e-3)
    assert ev.times_ps.tolist() == [2 * 10**9] * 2 + [3 * 10**9] * 2 + [4 * 10**9] * 2
    assert ev.neurons.tolist() == [1, 3] * 3


def test_an_event_stream_keeps_times_and_channels():
    ev = event_stream(0, [0.0, 1.5e-3], [4, 2], values=[1.0, 2.0])
    assert ev.times_ps.tolist() == [0, 1_500_000_000] and ev.neurons.tolist() == [4, 2]
    with pytest.raises(ConfigError, match="differ in shape"):
        event_stream(0, [0.0], [1, 2])


def test_bad_rates_are_refused():
    with pytest.raises(ConfigError, match="rate x dt_s <= 1"):
        poisson(0, 3, 2000.0, 1.0, 1e-3, 1.0, np.random.default_rng(0))


def test_cuba_has_the_benchmark_structure():
    w = cuba(1000, seed=3)
    assert [p.size for p in w.populations] == [800, 200]
    exc = [pr for pr in w.projections if pr.pre == 0]
    assert all(np.all(pr.weights == np.float32(W_EXC)) and pr.port == 0 for pr in exc)
    inh = [pr for pr in w.projections if pr.pre == 1]
    assert all(np.all(pr.weights == np.float32(W_INH)) and pr.port == 1 for pr in inh)
    density = sum(pr.n_synapses for pr in w.projections) / 1000 ** 2
    assert abs(density - 0.02) < 0.002


def test_a_feedforward_stack_with_pruned_weights_runs():
    w = feedforward([20, 10, 5], "lif", weight_scale=4.0, weight_sparsity=0.8, tau=0.01,
                    v_threshold=0.5)
    assert [pr.n_synapses for pr in w.projections] == [40, 10]
    res = simulate(w, 1e-3, 10)
    assert res.metrics["weight_sparsity"] == pytest.approx(1 - 50 / 250)


def test_equal_delays_are_stored_once():
    pr = from_dense("p", 0, 1, np.ones((3, 4)), delay_ps=2_000_000)
    assert pr.uniform_delay and pr.delay_units.nbytes == 0
    assert pr.delays_ps.tolist() == [2_000_000] * 12


def test_mixed_delays_are_int32_multiples_of_their_common_unit():
    d = np.array([[1_000_000, 3_000_000], [0, 2_500_000]])
    pr = from_dense("p", 0, 1, np.ones((2, 2)), delay_ps=d)
    assert pr.delay_unit_ps == 500_000 and pr.delay_units.dtype == np.int32
    assert pr.delays_ps.tolist() == [1_000_000, 3_000_000, 0, 2_500_000]
    assert pr.nbytes() - pr.indptr.nbytes == 12 * 4


def test_delays_beyond_32_bits_of_their_unit_are_refused():
    from eventsim.workload_ir import Projection
    with pytest.raises(ConfigError, match="need more than 32 bits"):
        Projection("p", 0, 0, np.array([0, 2]), np.array([0, 0], np.int32),
                   np.ones(2, np.float32), delays_ps=np.array([1, 2**33], np.int64))


def test_fixed_fanout_gives_every_pre_neuron_the_same_number_of_synapses():
    from networks.projection import fixed_fanout
    pr = fixed_fanout("p", 0, 1, 50, 70, 7, 0.5, np.random.default_rng(0), delay_ps=3)
    assert np.diff(pr.indptr).tolist() == [7] * 50
    assert pr.indices.dtype == np.int32 and 0 <= pr.indices.min() and pr.indices.max() < 70
    assert pr.uniform_delay and pr.delays_ps[0] == 3


@given(st.integers(1, 9), st.integers(1, 9), st.floats(0, 1), st.integers(0, 2 ** 31),
       st.booleans())
def test_pruning_zeroes_the_smallest_magnitudes_as_a_stable_sort_would(rows, cols, sparsity,
                                                                      seed, ties):
    rng = np.random.default_rng(seed)
    w = rng.integers(-2, 3, (rows, cols)).astype(float) if ties else rng.normal(size=(rows, cols))
    k = int(round(sparsity * w.size))
    expected = w.copy()
    expected.flat[np.argsort(np.abs(w), axis=None, kind="stable")[:k]] = 0
    assert np.array_equal(prune_by_magnitude(w, sparsity), expected)


def test_cuba_from_arrays_puts_each_synapse_on_its_pair_sign_and_delay():
    from networks.builders.cuba import cuba_from_arrays
    # neurons 0-3 excitatory, 4 inhibitory; synapses 0->4 (+2 mV), 4->1 (-9 mV, 0.2 ms), 3->3
    w = cuba_from_arrays([0, 4, 3], [4, 1, 3], [2e-3, -9e-3, 1e-3], [1e-4, 2e-4, 1e-4],
                         np.full(5, -0.055), n_exc=4)
    found = {}
    for pr in w.projections:
        for i in range(pr.indptr.size - 1):
            for s in range(pr.indptr[i], pr.indptr[i + 1]):
                found[(pr.pre, i, pr.post, int(pr.indices[s]))] = (
                    float(pr.weights[s]), int(pr.delays_ps[s]), pr.port)
    assert found == {(0, 0, 1, 0): (pytest.approx(2e-3), 100_000_000, 0),
                     (1, 0, 0, 1): (pytest.approx(-9e-3), 200_000_000, 1),
                     (0, 3, 0, 3): (pytest.approx(1e-3), 100_000_000, 0)}
    assert [p.size for p in w.populations] == [4, 1]


def test_pairs_outside_their_populations_are_refused():
    from eventsim import ConfigError
    from networks.projection import from_pairs
    with pytest.raises(ConfigError, match=r"post_index must be in \[0, 3\), got \[0, 3\]"):
        from_pairs("p", 0, 0, 3, 3, [0, 1], [0, 3], 1.0, 0)
