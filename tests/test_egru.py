"""EGRU stacks run event by event against a dense numpy recurrence of the same equations,
with synaptic operations counted only for events received."""
from dataclasses import replace

import numpy as np
import pytest

from eventsim import ConfigError, simulate
from networks.builders.egru import egru_stack
from networks.population import population

DT = 1e-3


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference(stack, tokens, n_steps, threshold):
    """Dense recurrence, each projection one step late: returns per-layer c, y at the end, the
    read-out v at the last step, and the number of events per layer."""
    W = {k: w.astype(np.float32).astype(np.float64) for k, w in stack.weights.items()}  # as stored
    L = sum(1 for k in W if k.startswith("Wu"))
    sizes = [stack.embedding.shape[1]] + [W[f"Uu{l + 1}"].shape[0] for l in range(L)]
    y = [np.zeros(n) for n in sizes]
    c = [None] + [np.zeros(n) for n in sizes[1:]]
    v = np.zeros(W["Wout"].shape[1])
    events = [0] * (L + 1)
    for s in range(n_steps):
        prev = [a.copy() for a in y]
        y[0] = stack.embedding[tokens[s]] if s < len(tokens) else np.zeros(sizes[0])
        events[0] += np.count_nonzero(y[0])
        for l in range(1, L + 1):
            x, h = prev[l - 1], prev[l]
            u = sigmoid(x @ W[f"Wu{l}"] + h @ W[f"Uu{l}"])
            r = sigmoid(x @ W[f"Wr{l}"] + h @ W[f"Ur{l}"])
            z = np.tanh(x @ W[f"Wz{l}"] + r * (h @ W[f"Uz{l}"]))
            cl = u * z + (1 - u) * c[l]
            e = cl > threshold
            y[l] = np.where(e, cl, 0.0)
            c[l] = cl - e * threshold
            events[l] += int(e.sum())
        v = prev[L] @ W["Wout"]
    return c, y, v, events


def test_an_egru_stack_follows_the_dense_recurrence_event_by_event():
    stack = egru_stack(40, 12, [24, 16], weight_sparsity=0.6, threshold=0.05, seed=2)
    tokens = np.random.default_rng(3).integers(0, 40, 25)
    n_steps = 28
    res = simulate(replace(stack.workload, inputs=stack.token_inputs(tokens, DT)), DT, n_steps)
    c, y, v, events = reference(stack, tokens, n_steps, 0.05)
    for l in (1, 2):
        np.testing.assert_allclose(res.final_state[l][:, 0], c[l], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(res.final_state[l][:, 1], y[l], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.final_state[3][:, 0], v, rtol=1e-9, atol=1e-12)
    assert [len(res.spike_steps[p]) for p in range(3)] == events
    assert 0 < events[1] < n_steps * 24


def test_only_received_events_cost_synaptic_operations():
    stack = egru_stack(30, 8, [20], weight_sparsity=0.7, threshold=0.05, seed=4)
    tokens = np.random.default_rng(5).integers(0, 30, 10)
    res = simulate(replace(stack.workload, inputs=stack.token_inputs(tokens, DT)), DT, 12)
    w = stack.workload
    expected = 0
    for p in range(len(w.populations)):
        out_degree = np.zeros(w.populations[p].size, np.int64)
        for pr in w.projections:
            if pr.pre == p:
                out_degree += np.diff(pr.indptr)
        expected += int(out_degree[res.spike_neurons[p]].sum())
    assert res.counts["synaptic_events"] == expected
    dense = sum(w.populations[pr.pre].size * w.populations[pr.post].size for pr in w.projections)
    assert res.metrics["dense_equivalent_ops"] == dense * 12
    assert res.metrics["weight_sparsity"] == pytest.approx(0.7, abs=0.01)


def test_a_higher_threshold_makes_fewer_events():
    tokens = np.random.default_rng(6).integers(0, 30, 15)
    counts = []
    for th in (0.02, 0.3):
        stack = egru_stack(30, 8, [20], threshold=th, seed=7)
        res = simulate(replace(stack.workload, inputs=stack.token_inputs(tokens, DT)), DT, 17)
        counts.append(len(res.spike_steps[1]))
    assert counts[0] > counts[1]


def test_tokens_outside_the_vocabulary_are_refused():
    stack = egru_stack(10, 4, [6])
    with pytest.raises(ConfigError, match="tokens must be in 0..9"):
        stack.token_inputs([3, 10], DT)


def test_an_egru_unit_sends_its_value_and_subtracts_the_threshold():
    from eventsim.workload_ir import InputEvents, WorkloadIR
    pop = population("u", "egru", 1, threshold=0.2, b_u=10.0)      # u ~ 1: c = z
    # a_z = 1 on port 2: z = tanh(1) = 0.7616 > 0.2: event carrying c, then c = c - 0.2
    ev = InputEvents(0, np.array([0], np.int64), np.zeros(1, np.int32), np.array([1.0]), port=2)
    res = simulate(WorkloadIR([pop], inputs=[ev]), DT, 1)
    u = 1 / (1 + np.exp(-10.0))
    c = u * np.tanh(1.0)
    assert res.final_state[0][0].tolist() == pytest.approx([c - 0.2, c])
    assert res.spike_steps[0].tolist() == [0]


def test_the_reference_sparsity_is_what_the_network_measures():
    from networks.builders.egru import activity_sparsity, reference_sparsity, set_threshold
    # the shape of the event-by-event test above, so the compiled network is shared
    stack = egru_stack(40, 12, [24, 16], weight_sparsity=0.6, seed=3)
    tokens = np.random.default_rng(1).integers(0, 40, 6)
    set_threshold(stack, 0.05)
    res = simulate(replace(stack.workload, inputs=stack.token_inputs(tokens, DT)), DT, 9)
    assert reference_sparsity(stack, tokens, 0.05) == activity_sparsity(stack, res.spike_steps, 6)


def test_calibration_gives_every_layer_the_target_activity_sparsity():
    from networks.builders.egru import (calibrate_threshold, reference_layer_sparsity,
                                        reference_sparsity)
    stack = egru_stack(30, 8, [40, 40], seed=5, readout=False)
    tokens = np.random.default_rng(2).integers(0, 30, 10)
    th, got = calibrate_threshold(stack, tokens, 0.8, tolerance=0.02)
    per_layer = reference_layer_sparsity(stack, tokens, th)
    assert np.all(np.abs(per_layer - 0.8) <= 0.02)
    assert got == reference_sparsity(stack, tokens, th) == pytest.approx(per_layer.mean())
    assert [stack.workload.populations[p].params[0, 3] for p in (1, 2)] == th


def test_a_layer_sparsity_depends_only_on_the_layers_before_it():
    from networks.builders.egru import reference_layer_sparsity
    stack = egru_stack(30, 8, [20, 20], seed=4, readout=False)
    tokens = np.arange(6)
    first = reference_layer_sparsity(stack, tokens, [0.05, 0.0])
    assert reference_layer_sparsity(stack, tokens, [0.05, 0.9])[0] == first[0]
    assert reference_layer_sparsity(stack, tokens, [0.05, 0.9], layers=1).tolist() == [first[0]]


def test_a_stack_without_read_out_ends_at_its_last_egru_layer():
    stack = egru_stack(10, 4, [6, 5], readout=False)
    assert [p.name for p in stack.workload.populations] == ["embedding", "egru1", "egru2"]
    assert "Wout" not in stack.weights


def test_given_matrices_are_used_as_they_are_and_checked():
    w = np.full((4, 6), 0.5)
    stack = egru_stack(10, 4, [6], given={"Wu1": w}, weight_sparsity=0.9)
    assert np.array_equal(stack.weights["Wu1"], w)
    with pytest.raises(ConfigError, match="Wr1"):
        egru_stack(10, 4, [6], given={"Wr1": np.zeros((3, 6))})
