"""Event-based SSM modes and stacks against a complex-valued numpy recurrence that integrates
each mode over the time since its previous input."""
from dataclasses import replace

import numpy as np
import pytest

from eventsim import ConfigError, simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from networks.builders.ssm import ssm_stack
from networks.inputs import event_stream
from networks.population import population

DT = 1e-3


def gelu(z):
    return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))


def reference(stack, inputs, n_steps, disc, step_s, f=lambda z: z):
    """Step-by-step: relays send what they receive (hidden features: f of it); modes update only
    on input, over the time since their previous input; every projection takes one step."""
    f32 = lambda z: z.real.astype(np.float32) + 1j * z.imag.astype(np.float32)   # weights as stored
    L = len(stack.lambdas)
    relay = [np.zeros(inputs.shape[1])] + [np.zeros(stack.C[l].shape[1]) for l in range(L)]
    h = [np.zeros(len(lam), complex) for lam in stack.lambdas]
    since = [np.zeros(len(lam)) for lam in stack.lambdas]
    sent = [np.zeros(len(lam), complex) for lam in stack.lambdas]
    for s in range(n_steps):
        prev_relay, prev_sent = [r.copy() for r in relay], [x.copy() for x in sent]
        relay[0] = inputs[s] if s < len(inputs) else np.zeros(inputs.shape[1])
        for l in range(L):
            B, C, lam = f32(stack.B[l]), f32(stack.C[l]), stack.lambdas[l]
            x = prev_relay[l] @ B.real.astype(float) + 1j * (prev_relay[l] @ B.imag.astype(float))
            got = (x.real != 0) | (x.imag != 0)
            dt_event = (since[l] + 1) * DT
            a = np.exp(lam * dt_event)
            gamma = {0: (a - 1) / lam, 1: np.ones_like(a), 2: (np.exp(lam * step_s) - 1) / lam}[disc]
            h[l] = np.where(got, a * h[l] + gamma * x, h[l])
            since[l] = np.where(got, 0, since[l] + 1)
            sent[l] = np.where(got, h[l], 0)
            relay[l + 1] = prev_sent[l].real @ C.real.astype(float) - prev_sent[l].imag @ C.imag.astype(float)
            if l < L - 1:
                relay[l + 1] = f(relay[l + 1])
    return h, relay


@pytest.mark.parametrize("disc, name", [(0, "zoh"), (1, "dirac"), (2, "async")])
def test_an_ssm_stack_matches_the_event_by_event_recurrence(disc, name):
    rng = np.random.default_rng(1)
    stack = ssm_stack(6, [10, 8], 5, discretisation=name, step_s=2e-3, seed=2)
    n_steps = 40
    dense = (rng.random((n_steps, 6)) < 0.15) * 1.0         # sparse input events, gaps between
    t, c = np.nonzero(dense)
    ev = event_stream(0, t * DT, c, 1.0)
    res = simulate(replace(stack.workload, inputs=[ev]), DT, n_steps)
    h, relay = reference(stack, dense, n_steps, disc, 2e-3, f=gelu)
    for l in range(2):
        got = res.final_state[1 + 2 * l][:, 0] + 1j * res.final_state[1 + 2 * l][:, 1]
        np.testing.assert_allclose(got, h[l], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.final_state[4][:, 0], relay[2], rtol=1e-9, atol=1e-12)
    assert np.abs(h[1]).min() > 0 and np.abs(relay[2]).max() > 0      # a non-trivial comparison


def test_a_mode_without_input_neither_updates_nor_sends():
    pop = population("m", "ssm", 1, lambda_re=-100.0, lambda_im=0.0)
    ev = InputEvents(0, np.array([0, 5 * 10**9], np.int64), np.zeros(2, np.int32),
                     np.array([1.0, 1.0]))
    res = simulate(WorkloadIR([pop], inputs=[ev]), DT, 8)
    assert res.spike_steps[0].tolist() == [0, 5]
    # ZOH: h0 = (e^{-0.1} - 1) / -100 after 1 ms; at step 5 (5 ms later) h = e^{-0.5} h0 + gamma
    h0 = (np.exp(-0.1) - 1) / -100
    h5 = np.exp(-0.5) * h0 + (np.exp(-0.5) - 1) / -100
    assert res.final_state[0][0, 0] == pytest.approx(h5, rel=1e-12)
    assert res.final_state[0][0, 2] == 2.0                    # steps 6, 7 without input


def test_unstable_modes_are_refused():
    pop = population("m", "ssm", 1, lambda_re=1.0, lambda_im=0.0)
    with pytest.raises(ConfigError, match="lambda_re < 0"):
        simulate(WorkloadIR([pop]), DT, 1)


def test_a_relu_stack_with_an_event_threshold_drops_small_activations():
    """Hidden features send only |y| > threshold: the reference with f = relu and values at or
    below the threshold zeroed gives the same modes; fewer events than without a threshold."""
    rng = np.random.default_rng(3)
    dense = (rng.random((30, 6)) < 0.2) * 1.0
    t, c = np.nonzero(dense)
    ev = event_stream(0, t * DT, c, 1.0)
    runs = {}
    for th in (0.0, 6e-4):              # about the median |y| of this stack
        stack = ssm_stack(6, [10, 8], 5, activation="relu", event_threshold=th, seed=4)
        res = simulate(replace(stack.workload, inputs=[ev]), DT, 30)
        f = lambda z, th=th: np.where(np.maximum(z, 0) > th, np.maximum(z, 0), 0.0)
        h, _ = reference(stack, dense, 30, 0, 1e-3, f=f)
        got = res.final_state[3][:, 0] + 1j * res.final_state[3][:, 1]
        np.testing.assert_allclose(got, h[1], rtol=1e-9, atol=1e-12)
        runs[th] = res.spike_steps[2].size                  # events of features1
    assert 0 < runs[6e-4] < runs[0.0]


def test_an_unknown_activation_is_refused():
    with pytest.raises(ConfigError, match="activation must be one of"):
        ssm_stack(2, [3], 2, activation="swish")
