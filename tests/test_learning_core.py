"""The numpy training core (networks.learning): gradients against central differences, the EGRU
layer against the neuron model's equations, loss, SGD with momentum, data and the reference
training loop."""
import numpy as np
import pytest
from scipy.special import log_softmax

from eventsim.errors import ConfigError
from networks.builders.egru import egru_stack
from networks.learning import (PassCounts, accuracy, activity_sparsity, digits, egru_backward,
                               egru_flops, egru_forward, from_stack_weights, init_egru, init_mlp,
                               layer_backward, layer_flops, layer_bytes, layer_forward,
                               minibatches, mlp_backward, mlp_forward, new_momentum, sgd_update,
                               softmax_cross_entropy, surrogate, synthetic, to_stack_weights,
                               train_sgd)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numeric_gradient(f, array, h=1e-6):
    """Central differences of the scalar f() with respect to every entry of array (in place)."""
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        keep = array[idx]
        array[idx] = keep + h
        plus = f()
        array[idx] = keep - h
        minus = f()
        array[idx] = keep
        grad[idx] = (plus - minus) / (2 * h)
    return grad


# ---------------------------------------------------------------- dense layers and loss

@pytest.mark.parametrize("activation", ["relu", "tanh", "none"])
def test_a_dense_layer_backward_matches_central_differences(activation):
    rng = np.random.default_rng(1)
    params = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    x = rng.standard_normal((5, 4))
    weight = rng.standard_normal((5, 3))                 # loss = sum(out * weight)

    def loss():
        return float(np.sum(layer_forward(params, x, activation)[0] * weight))

    out, cache = layer_forward(params, x, activation)
    grads, grad_in = layer_backward(params, cache, weight, activation)
    assert set(grads) == set(params)
    for key in params:
        np.testing.assert_allclose(grads[key], numeric_gradient(loss, params[key]), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_in, numeric_gradient(loss, x), rtol=1e-6, atol=1e-8)


def test_the_softmax_cross_entropy_gradient_matches_central_differences():
    rng = np.random.default_rng(2)
    logits, labels = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    _, grad = softmax_cross_entropy(logits, labels)
    numeric = numeric_gradient(lambda: softmax_cross_entropy(logits, labels)[0], logits)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_a_whole_mlp_backward_matches_central_differences():
    model = init_mlp([5, 4, 3, 2], seed=3, activation="tanh")
    rng = np.random.default_rng(4)
    x, labels = rng.standard_normal((7, 5)), rng.integers(0, 2, 7)

    def loss():
        return softmax_cross_entropy(mlp_forward(model, x)[0], labels)[0]

    logits, caches = mlp_forward(model, x)
    grads, _ = mlp_backward(model, caches, softmax_cross_entropy(logits, labels)[1])
    for params_l, grads_l in zip(model.params, grads):
        for key in params_l:
            np.testing.assert_allclose(grads_l[key], numeric_gradient(loss, params_l[key]),
                                       rtol=1e-5, atol=1e-9)


def test_softmax_cross_entropy_is_the_mean_negative_log_softmax_even_for_huge_logits():
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((8, 10)) * 1000.0       # exp would overflow without the shift
    labels = rng.integers(0, 10, 8)
    loss, grad = softmax_cross_entropy(logits, labels)
    log_p = log_softmax(logits, axis=1)
    assert loss == pytest.approx(-log_p[np.arange(8), labels].mean(), rel=1e-12)
    onehot = np.eye(10)[labels]
    np.testing.assert_allclose(grad, (np.exp(log_p) - onehot) / 8, atol=1e-15)


def test_accuracy_is_the_fraction_of_rows_whose_argmax_is_the_label():
    logits = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]])
    assert accuracy(logits, np.array([0, 1, 1, 0])) == 0.5


def test_the_loss_rejects_labels_outside_the_classes():
    with pytest.raises(ConfigError, match="labels"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


def test_an_unknown_activation_is_a_config_error():
    with pytest.raises(ConfigError, match="activation"):
        init_mlp([2, 2], activation="gelu")


def test_dense_layer_flops_count_a_multiply_add_as_two():
    # forward: x W 2*4*3*2 = 48, + b 8, relu 8; backward: relu' 8, dW 48, db 8, grad_in 48
    assert layer_flops(3, 2, 4, "relu") == PassCounts(64, 112)
    assert layer_flops(3, 2, 4, "none", grad_in=False) == PassCounts(56, 56)


def test_dense_layer_bytes_count_weights_and_activations_read_and_written():
    # forward: W 6 + b 2 + x 12 + out 8 = 28 numbers; backward: grad_out 8, out 8, x 12,
    # dW 6, db 2, and for grad_in W 6 + grad_in 12 = 54 numbers
    assert layer_bytes(3, 2, 4, "relu", itemsize=8) == PassCounts(28 * 8, 54 * 8)


# ---------------------------------------------------------------- EGRU layer

def egru_reference(params, x_seq, threshold):
    """Unit-by-unit loop of the documented equations (the neuron model's step)."""
    t_steps, batch, _ = x_seq.shape
    h = params["U"].shape[0]
    W = {g: params["W"][:, k * h:(k + 1) * h] for k, g in enumerate("urz")}
    U = {g: params["U"][:, k * h:(k + 1) * h] for k, g in enumerate("urz")}
    th = np.broadcast_to(threshold, (h,))
    y_seq = np.zeros((t_steps, batch, h))
    for b in range(batch):
        c, y = np.zeros(h), np.zeros(h)
        for t in range(t_steps):
            x, y_prev, c_new, y_new = x_seq[t, b], y.copy(), np.zeros(h), np.zeros(h)
            for i in range(h):
                u = sigmoid(x @ W["u"][:, i] + y_prev @ U["u"][:, i] + params["b_u"][i])
                r = sigmoid(x @ W["r"][:, i] + y_prev @ U["r"][:, i] + params["b_r"][i])
                z = np.tanh(x @ W["z"][:, i] + r * (y_prev @ U["z"][:, i]) + params["b_z"][i])
                cell = u * z + (1 - u) * c[i]
                event = cell > th[i]
                y_new[i] = cell if event else 0.0
                c_new[i] = cell - th[i] if event else cell
            c, y = c_new, y_new
            y_seq[t, b] = y
    return y_seq


def random_egru(n_in, h, seed, scale=1.5):
    rng = np.random.default_rng(seed)
    params = init_egru(n_in, h, seed)
    params["W"] *= scale
    params["U"] *= scale
    for key in ("b_u", "b_r", "b_z"):
        params[key] = rng.normal(0.0, 0.3, h)
    return params


def test_the_egru_forward_follows_the_documented_equations_unit_by_unit():
    params = random_egru(4, 6, seed=6)
    x_seq = np.random.default_rng(7).standard_normal((9, 3, 4))
    threshold = np.linspace(0.05, 0.3, 6)
    y_seq, cache = egru_forward(params, x_seq, threshold)
    np.testing.assert_allclose(y_seq, egru_reference(params, x_seq, threshold), rtol=1e-12, atol=1e-14)
    assert 0.0 < activity_sparsity(cache) < 1.0          # some events, not all


def test_the_egru_forward_equals_the_compiled_neuron_step():
    from networks.neurons import egru as neuron
    params = random_egru(3, 5, seed=8)
    x_seq = np.random.default_rng(9).standard_normal((7, 2, 3))
    threshold = 0.15
    y_seq, _ = egru_forward(params, x_seq, threshold)
    h = 5
    coef = np.zeros((4, h))                               # column i holds unit i's parameters
    coef[0], coef[1], coef[2], coef[3] = params["b_u"], params["b_r"], params["b_z"], threshold
    ring = np.zeros((1, 4, h))
    for b in range(2):
        state = np.zeros((2, h))                          # rows c, y
        for t in range(7):
            p, q = x_seq[t, b] @ params["W"], state[1] @ params["U"]
            ring[0, 0], ring[0, 1] = p[:h] + q[:h], p[h:2 * h] + q[h:2 * h]
            ring[0, 2], ring[0, 3] = p[2 * h:], q[2 * h:]
            for i in range(h):
                neuron.step(state, coef, i, i, ring, 0, i)
            np.testing.assert_allclose(state[1], y_seq[t, b], rtol=1e-12, atol=1e-14)


def check_egru_gradients(params, x_seq, threshold, eps):
    weight = np.random.default_rng(10).standard_normal((x_seq.shape[0], x_seq.shape[1],
                                                        params["U"].shape[0]))

    def loss():
        return float(np.sum(egru_forward(params, x_seq, threshold)[0] * weight))

    _, cache = egru_forward(params, x_seq, threshold)
    grads, grad_x = egru_backward(params, cache, weight, eps=eps)
    assert set(grads) == set(params)
    for key in params:
        np.testing.assert_allclose(grads[key], numeric_gradient(loss, params[key]), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(grad_x, numeric_gradient(loss, x_seq), rtol=1e-5, atol=1e-8)
    return cache


def test_egru_bptt_without_events_matches_central_differences():
    # threshold far above any cell state (|c| < 1): no event, no surrogate, a plain recurrence
    # (which then never feeds y back: y = 0, so U gets no gradient either).
    params = random_egru(3, 4, seed=11)
    x_seq = np.random.default_rng(12).standard_normal((6, 2, 3))
    cache = check_egru_gradients(params, x_seq, threshold=5.0, eps=0.5)
    assert activity_sparsity(cache) == 1.0
    assert np.all(cache["c_hat"] < 5.0 - 0.5)             # outside the surrogate's support


def test_egru_bptt_through_events_matches_central_differences_away_from_the_threshold():
    # with events and resets but a vanishing surrogate (eps tiny), the layer is smooth around
    # these parameters and BPTT is its exact gradient, recurrence through y included
    params = random_egru(3, 4, seed=13)
    x_seq = np.random.default_rng(14).standard_normal((6, 2, 3))
    cache = check_egru_gradients(params, x_seq, threshold=0.1, eps=1e-12)
    assert 0.0 < activity_sparsity(cache) < 1.0
    assert np.min(np.abs(cache["c_hat"] - 0.1)) > 1e-4    # no finite-difference step crosses it


def test_the_surrogate_is_a_triangle_of_height_gamma_and_half_width_eps():
    v = np.array([0.0, 0.25, -0.25, 0.5, -1.0])
    np.testing.assert_allclose(surrogate(v, gamma=0.3, eps=0.5), [0.3, 0.15, 0.15, 0.0, 0.0])


def test_the_surrogate_enters_the_output_and_the_reset_on_a_hand_built_case():
    # one unit, W = U = 0: u = sigmoid(0) = 0.5, z = tanh(atanh(0.5)) = 0.5 at every step,
    # threshold 0.1, gamma 0.3, eps 0.5, loss = y_2 (the second step's output).
    # step 1: ĉ1 = 0.25, event, c1 = 0.15.  step 2: ĉ2 = 0.25 + 0.5 * 0.15 = 0.325, event.
    # dL/dĉ2 = e2 + ĉ2 s(0.225) = 1 + 0.325 * 0.3 * 0.55                         = 1.053625
    # dL/dc1 = dL/dĉ2 (1 - u)                                                     = 0.5268125
    # dL/dĉ1 = dL/dc1 (1 - threshold s(0.15)) = 0.5268125 * (1 - 0.1 * 0.3 * 0.7) = 0.5157494375
    # dL/db_z = (dL/dĉ1 + dL/dĉ2) u (1 - z^2) = 1.5693744375 * 0.375
    # dL/db_u = (dL/dĉ1 (z - 0) + dL/dĉ2 (z - c1)) u (1 - u)
    params = {"W": np.zeros((1, 3)), "U": np.zeros((1, 3)), "b_u": np.zeros(1),
              "b_r": np.zeros(1), "b_z": np.array([np.arctanh(0.5)])}
    y_seq, cache = egru_forward(params, np.zeros((2, 1, 1)), threshold=0.1)
    np.testing.assert_allclose(y_seq[:, 0, 0], [0.25, 0.325], rtol=1e-14)
    grads, _ = egru_backward(params, cache, np.array([0.0, 1.0]).reshape(2, 1, 1), gamma=0.3, eps=0.5)
    assert grads["b_z"][0] == pytest.approx(1.5693744375 * 0.375, rel=1e-12)
    assert grads["b_u"][0] == pytest.approx((0.5157494375 * 0.5 + 1.053625 * 0.35) * 0.25, rel=1e-12)
    assert grads["b_r"][0] == 0.0                          # q_z = U_z y = 0


def test_egru_parameters_convert_to_and_from_the_builders_weights():
    stack = egru_stack(vocab=5, embedding=3, hidden=[4], seed=0)
    params = from_stack_weights(stack.weights, 1)
    assert params["W"].shape == (3, 12) and params["U"].shape == (4, 12)
    back = to_stack_weights(params, 1)
    for name in ("Wu1", "Wr1", "Wz1", "Uu1", "Ur1", "Uz1"):
        np.testing.assert_array_equal(back[name], stack.weights[name])


def test_egru_flops_charge_products_of_event_vectors_by_their_density():
    # per step and sample, H = 2, n_in = 3: x W 2*3*6 = 36, y U 2*2*6 = 24, elementwise 17*2
    dense = egru_flops(3, 2, batch=1, steps=1)
    assert dense.forward == 36 + 24 + 34
    assert dense.backward == 33 * 2 + 36 + 24 + 24 + 36
    sparse = egru_flops(3, 2, batch=4, steps=5, input_density=0.5, recurrent_density=0.25)
    assert sparse.forward == 20 * (18 + 6 + 34)
    with pytest.raises(ConfigError, match="recurrent_density"):
        egru_flops(3, 2, 1, 1, recurrent_density=1.5)


def test_egru_forward_rejects_an_input_of_the_wrong_width():
    with pytest.raises(ConfigError, match="x_seq"):
        egru_forward(init_egru(3, 2), np.zeros((4, 1, 2)))


# ---------------------------------------------------------------- SGD

def test_sgd_with_momentum_on_a_hand_computed_two_parameter_example():
    params = {"w": np.array([1.0, -2.0])}
    momentum = new_momentum([params])[0]
    sgd_update(params, {"w": np.array([0.5, 1.0])}, momentum, lr=0.1, momentum=0.9)
    # v = [0.5, 1.0]; w = [1 - 0.05, -2 - 0.1]
    np.testing.assert_allclose(params["w"], [0.95, -2.1], rtol=1e-15)
    sgd_update(params, {"w": np.array([0.5, -1.0])}, momentum, lr=0.1, momentum=0.9)
    # v = 0.9 [0.5, 1.0] + [0.5, -1.0] = [0.95, -0.1]; w = [0.95 - 0.095, -2.1 + 0.01]
    np.testing.assert_allclose(momentum["w"], [0.95, -0.1], rtol=1e-15)
    np.testing.assert_allclose(params["w"], [0.855, -2.09], rtol=1e-15)


def test_sgd_rejects_a_momentum_of_one():
    params = {"w": np.zeros(1)}
    with pytest.raises(ConfigError, match="momentum"):
        sgd_update(params, {"w": np.zeros(1)}, {"w": np.zeros(1)}, lr=0.1, momentum=1.0)


# ---------------------------------------------------------------- data

def test_digits_has_1797_images_of_64_pixels_in_10_classes_split_by_class():
    data = digits(seed=0)
    assert len(data.y_train) + len(data.y_test) == 1797
    assert data.x_train.shape[1] == data.x_test.shape[1] == 64 and data.n_classes == 10
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    share = np.bincount(data.y_test, minlength=10) / np.bincount(data.y_train, minlength=10)
    np.testing.assert_allclose(share, 1 / 3, atol=0.03)   # 25 % test: a third of train each
    np.testing.assert_array_equal(digits(seed=0).y_test, data.y_test)


def test_synthetic_data_is_deterministic_in_the_seed_and_uses_every_class():
    a, b = synthetic(600, 8, 4, seed=1), synthetic(600, 8, 4, seed=1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.x_train.shape == (450, 8) and a.x_test.shape == (150, 8)
    assert set(np.unique(a.y_train)) == {0, 1, 2, 3}
    assert not np.array_equal(synthetic(600, 8, 4, seed=2).x_train, a.x_train)


@pytest.mark.parametrize("sizes, field", [((0, 8, 4), "n_samples"), ((100, 8, 1), "n_classes"),
                                          ((100, -1, 3), "n_features")])
def test_synthetic_data_rejects_bad_sizes(sizes, field):
    with pytest.raises(ConfigError, match=field):
        synthetic(*sizes, seed=0)


def test_minibatches_cut_one_seeded_permutation_into_batches():
    batches = minibatches(10, 4, np.random.default_rng(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate(batches), np.random.default_rng(0).permutation(10))


# ---------------------------------------------------------------- the reference training loop

@pytest.fixture(scope="module")
def digits_data():
    return digits(seed=0)


def test_train_sgd_is_deterministic_in_its_seed_and_leaves_the_model_alone(digits_data):
    model = init_mlp([64, 16, 10], seed=0)
    before = [p["W"].copy() for p in model.params]
    runs = [train_sgd(model, digits_data, epochs=1, batch_size=64, lr=0.05, momentum=0.9, seed=s)
            for s in (3, 3, 4)]
    for a, b in zip(runs[0].model.params, runs[1].model.params):
        np.testing.assert_array_equal(a["W"], b["W"])
        np.testing.assert_array_equal(a["b"], b["b"])
    assert runs[0].test_loss == runs[1].test_loss
    assert not np.array_equal(runs[0].model.params[0]["W"], runs[2].model.params[0]["W"])
    for w, p in zip(before, model.params):
        np.testing.assert_array_equal(w, p["W"])


def test_train_sgd_learns_digits_above_90_percent_in_a_few_epochs(digits_data):
    result = train_sgd(init_mlp([64, 32, 10], seed=0), digits_data, epochs=5, batch_size=32,
                       lr=0.05, momentum=0.9, seed=0)
    assert len(result.test_accuracy) == 5
    assert result.test_accuracy[-1] > 0.90
    assert result.train_loss[-1] < result.train_loss[0]


def test_train_sgd_rejects_a_model_that_does_not_fit_the_data(digits_data):
    with pytest.raises(ConfigError, match="do not fit"):
        train_sgd(init_mlp([10, 10]), digits_data, epochs=1, batch_size=8, lr=0.1)
