"""Training models that mix EGRU and dense layers on modelled threads (networks.learning.layers
and .schedule): one thread is the sequential trainer bit for bit for every method, runs repeat,
the EGRU forward is charged for the events it sent (sparser activity, fewer FLOPs), the stack's
gradients are right, and it learns digits read row by row."""
import json

import numpy as np
import pytest

from eventsim.errors import ConfigError
from hardware_models.lowering import lower
from hardware_models.presets import preset
from networks.learning import (Dataset, Dense, Egru, Stack, egru_bytes, egru_flops, init_egru,
                               init_egru_classifier, init_mlp, init_stack, layer_flops,
                               minibatches, model_forward, sequential_digits,
                               softmax_cross_entropy, train, train_sgd, update_flops)

# cpu_multicore: flop = 0.0625 cycles at 2.45 GHz
FLOP_CYCLES, CLOCK_HZ = 0.0625, 2.45e9


@pytest.fixture(scope="module")
def cpu():
    return lower(preset("cpu_multicore"))


@pytest.fixture(scope="module")
def seq_digits():
    return sequential_digits(seed=0)


@pytest.fixture(scope="module")
def small(seq_digits):
    """96 training and 60 test sequences of sequential digits: 6 batches of 16 per epoch."""
    d = seq_digits
    return Dataset(d.x_train[:96], d.y_train[:96], d.x_test[:60], d.y_test[:60], 10)


def tiny_model(seed=2, threshold=0.1):
    return init_stack([Egru(8, 16, threshold), Dense(16, 10, "none")], seed)


def same_params(a, b):
    return all(np.array_equal(pa[k], pb[k]) for pa, pb in zip(a.params, b.params) for k in pa)


def flop_ps(flops):
    return round(flops * FLOP_CYCLES * 1e12 / CLOCK_HZ)


# ---------------------------------------------------------------- the data and the model

def test_sequential_digits_reads_each_image_row_by_row(seq_digits):
    from networks.learning import digits
    flat = digits(seed=0)
    assert seq_digits.x_train.shape == (1347, 8, 8) and seq_digits.steps == 8
    assert seq_digits.n_features == 8 and flat.steps is None and flat.n_features == 64
    np.testing.assert_array_equal(seq_digits.x_train[5, 2], flat.x_train[5, 16:24])
    np.testing.assert_array_equal(seq_digits.y_test, flat.y_test)


def test_a_stack_of_dense_layers_is_the_mlp_of_the_same_seed():
    mlp = init_mlp([8, 16, 3], seed=4)
    stack = init_stack([Dense(8, 16, "relu"), Dense(16, 3, "none")], seed=4)
    assert same_params(stack, mlp) and stack.sizes == mlp.sizes
    params = init_stack([Egru(8, 5), Dense(5, 3, "none")], seed=7).params[0]
    for k, v in init_egru(8, 5, seed=7).items():
        np.testing.assert_array_equal(params[k], v)


def test_the_stack_gradient_matches_central_differences():
    # threshold -5: every unit fires every step and |c_hat - threshold| > eps, so the surrogate
    # is 0 and the layer is smooth: BPTT through the mean pooling must be exact. Two EGRU
    # layers (the first passing its event sequence on) and a dense read-out.
    rng = np.random.default_rng(0)
    model = init_stack([Egru(3, 4, -5.0, pool="none"), Egru(4, 3, -5.0, sparse_input=True),
                        Dense(3, 2, "none")], seed=1)
    x, y = rng.standard_normal((5, 4, 3)), rng.integers(0, 2, 5)

    def loss(m):
        return softmax_cross_entropy(model_forward(m, x)[0], y)[0]

    logits, caches = model_forward(model, x)
    grad = softmax_cross_entropy(logits, y)[1]
    grads = [None] * 3
    for l in reversed(range(3)):
        grads[l], grad = model.layers[l].backward(model.params[l], caches[l], grad)
    for l, key in [(0, "W"), (0, "U"), (0, "b_z"), (1, "U"), (1, "b_u"), (2, "W")]:
        p = model.params[l][key]
        numeric = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + 1e-6
            up = loss(model)
            p[i] = old - 1e-6
            numeric[i] = (up - loss(model)) / 2e-6
            p[i] = old
        np.testing.assert_allclose(grads[l][key], numeric, rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------- one thread = sequential SGD

@pytest.mark.parametrize("method, kwargs", [
    ("sync", {"threads": 1}),
    ("hogwild", {"threads": 1}),
    ("layerwise-async", {"threads": 2, "fwd_bwd_ratio": (1, 1), "max_in_flight": 1}),
])
def test_with_one_thread_every_method_trains_the_egru_stack_as_sequential_sgd(cpu, small, method,
                                                                             kwargs):
    model = tiny_model()
    ref = train_sgd(model, small, epochs=2, batch_size=16, lr=0.1, momentum=0.9, seed=3)
    res = train(method, model, small, cpu, epochs=2, batch_size=16, lr=0.1, momentum=0.9,
                seed=3, eval_every=6, **kwargs)
    assert same_params(res.model, ref.model)
    assert not same_params(res.model, model)                  # it did train
    assert [e["accuracy"] for e in res.evaluations[1:]] == ref.test_accuracy
    assert all((s == 0).all() for s in res.staleness) and [len(s) for s in res.staleness] == \
        [12, 12]
    assert res.config["layers"][0] == {"kind": "egru", "n_in": 8, "n_out": 16, "threshold": 0.1,
                                       "pool": "mean", "sparse_input": False}
    assert res.config["model_sizes"] == [8, 16, 10]
    assert res.config["activations"] == ["egru", "none"]


def test_sync_with_k_threads_gives_the_mean_gradient_of_the_egru_stack(cpu, small):
    model = tiny_model()
    ref = train_sgd(model, small, epochs=1, batch_size=16, lr=0.1, momentum=0.9, seed=3)
    res = train("sync", model, small, cpu, threads=3, epochs=1, batch_size=16, lr=0.1,
                momentum=0.9, seed=3)
    for pa, pb in zip(res.model.params, ref.model.params):
        for k in pa:
            np.testing.assert_allclose(pa[k], pb[k], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method, kwargs", [("hogwild", {"threads": 3}),
                                            ("layerwise-async", {"threads": 3,
                                                                 "fwd_bwd_ratio": (1, 2)})])
def test_same_seed_gives_identical_egru_training(cpu, small, method, kwargs):
    model = tiny_model()
    a, b = (train(method, model, small, cpu, epochs=2, batch_size=16, seed=5, eval_every=3,
                  **kwargs) for _ in range(2))
    assert same_params(a.model, b.model)
    da, db = a.to_dict(), b.to_dict()
    for d in (da, db):
        d.pop("wall_s"), d.pop("compile_s")
    assert da == db
    assert any((s > 0).any() for s in a.staleness)
    assert set(da["activity"]) == {"0"} and da["activity"]["0"]["passes"] == 12
    json.dumps(da)


def test_an_mlp_result_has_no_activity(cpu):
    from networks.learning import synthetic
    res = train("sync", init_mlp([8, 4, 3]), synthetic(40, 8, 3, seed=1), cpu, batch_size=10)
    assert res.activity == {} and "activity" not in res.to_dict()
    assert "layers" not in res.config


# ---------------------------------------------------------------- activity sparsity is charged

def one_batch_run(cpu, data, threshold):
    """One minibatch of the whole training set, one thread, compute only: the work items are
    fwd0, fwd1, bwd1, bwd0, upd1, upd0."""
    model = tiny_model(threshold=threshold)
    res = train("sync", model, data, cpu, epochs=1, batch_size=96, seed=3, memory=None,
                static_power=False)
    idx = minibatches(96, 96, np.random.default_rng(3))[0]
    _, caches = model_forward(model, np.asarray(data.x_train[idx], np.float64))
    return res, caches[0]


def test_the_egru_forward_is_charged_for_the_events_it_sent(cpu, small):
    (dense_res, dense_cache), (sparse_res, sparse_cache) = (one_batch_run(cpu, small, th)
                                                            for th in (0.05, 0.3))
    for res, cache in ((dense_res, dense_cache), (sparse_res, sparse_cache)):
        density = np.count_nonzero(cache["y_prev"]) / cache["y_prev"].size
        egru = egru_flops(8, 16, batch=96, steps=8, recurrent_density=density, grad_in=False)
        pool = 96 * 16 * 8, 96 * 16                 # mean over 8 steps; its backward scale
        fwd0, bwd0 = egru.forward + pool[0], egru.backward + pool[1]
        dense = layer_flops(16, 10, 96, "none")
        upd = update_flops(16 * 10 + 10), update_flops(8 * 48 + 16 * 48 + 3 * 16)
        assert res.activity["0"]["forward_flops"] == fwd0
        assert res.activity["0"]["recurrent_density"] == density
        assert res.activity["0"]["dense_forward_flops"] == \
            egru_flops(8, 16, 96, 8, grad_in=False).forward + pool[0]
        # the ledger holds exactly the six work items, each timed as its flops
        flops = [fwd0, dense.forward, dense.backward, bwd0, *upd]
        row = [r for r in res.ledger_rows if r["action"] == "flop"]
        assert sum(r["count"] for r in row) == sum(flops)
        assert res.busy["kind"].tolist() == [0, 0, 1, 1, 2, 2]
        assert (res.busy["end_ps"] - res.busy["start_ps"]).tolist() == [flop_ps(n) for n in flops]
    d_dense = dense_res.activity["0"]["recurrent_density"]
    d_sparse = sparse_res.activity["0"]["recurrent_density"]
    assert 0 < d_sparse < 0.5 * d_dense < 1            # a higher threshold: far fewer events
    fwd = [r.busy["end_ps"][0] - r.busy["start_ps"][0] for r in (dense_res, sparse_res)]
    assert fwd[1] < fwd[0]
    assert sparse_res.activity["0"]["forward_flops"] < dense_res.activity["0"]["forward_flops"] \
        < dense_res.activity["0"]["dense_forward_flops"]
    # bytes do not depend on the activity (dense storage)
    assert egru_bytes(8, 16, 96, 8).forward > 0


# ---------------------------------------------------------------- it learns

def test_the_egru_stack_learns_sequential_digits(seq_digits):
    # plain sequential SGD; measured: test accuracy 0.856 after 10 epochs (about 3 s)
    model = init_egru_classifier(8, 32, 10, seed=0)
    res = train_sgd(model, seq_digits, epochs=10, batch_size=8, lr=0.05, momentum=0.9, seed=0)
    assert res.test_accuracy[-1] > 0.8
    assert res.test_accuracy[-1] > res.test_accuracy[0]


# ---------------------------------------------------------------- errors

def test_models_that_do_not_fit_are_named(cpu, small):
    from networks.learning import synthetic
    with pytest.raises(ConfigError, match="takes vectors, but the data are sequences"):
        train("sync", init_mlp([8, 10]), small, cpu)
    with pytest.raises(ConfigError, match="takes sequences, but the data are vectors"):
        train("sync", tiny_model(), synthetic(40, 8, 10, seed=1), cpu)
    with pytest.raises(ConfigError, match="model sizes"):
        train("sync", init_egru_classifier(8, 4, 3), small, cpu)
    with pytest.raises(ConfigError, match="needs pool='mean'"):
        init_stack([Egru(8, 4, pool="none"), Dense(4, 10)])
    with pytest.raises(ConfigError, match="layers\\[1\\].n_in must be 4"):
        init_stack([Egru(8, 4), Dense(5, 10)])
    with pytest.raises(ConfigError, match="pool must be one of"):
        Egru(8, 4, pool="last")
    with pytest.raises(ConfigError, match="model must be an Mlp or a Stack"):
        train("sync", "egru", small, cpu)
    with pytest.raises(ConfigError, match="layers\\[0\\] must be a Dense or an Egru"):
        Stack(("dense",), [{}])
