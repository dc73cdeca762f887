"""One EGRU layer (event-based GRU; Subramoney et al., ICLR 2023) over a sequence, trained by
backpropagation through time with a surrogate gradient for the event function.

Forward, per step t (the dynamics of ``networks.neurons.egru``, "reset after" candidate):

    p_t   = x_t W                                       [batch, 3H]: gate blocks u | r | z
    q_t   = y_{t-1} U                                   [batch, 3H]: gate blocks u | r | z
    u_t   = sigmoid(p_u + q_u + b_u),   r_t = sigmoid(p_r + q_r + b_r)
    z_t   = tanh(p_z + r_t * q_z + b_z)                 (q_z is the neuron model's a_zr)
    ĉ_t   = u_t z_t + (1 - u_t) c_{t-1}
    e_t   = H(ĉ_t - threshold)   (H(v) = 1 if v > 0 else 0, as the neuron model's ``cell > th``)
    y_t   = e_t ĉ_t,             c_t = ĉ_t - e_t threshold

with c_0 = y_0 = 0. The loss may depend on every y_t (``grad_y_seq``), not on the final c.
This is one layer in its own time: in a stack built by ``networks.builders.egru`` every
projection adds one step of delay, which shifts the input sequence of each layer.

Parameters (float64), a dict of arrays with gate order (u, r, z) as the builder's ``GATES``:
``W`` [n_in, 3H], ``U`` [H, 3H] (column blocks u | r | z), ``b_u``, ``b_r``, ``b_z`` [H]. The
threshold is fixed, not trained: a scalar or [H] array given to ``egru_forward`` (default 0.1, the
builder's default) and kept in the cache. ``to_stack_weights`` / ``from_stack_weights`` convert
W and U to and from the builder's per-gate matrices ``W{gate}{layer}``, ``U{gate}{layer}``.

Surrogate gradient (our choice of the EGRU paper's triangular pseudo-derivative form):

    dH/dv (v = ĉ - threshold)  ~=  gamma * max(0, 1 - |v| / eps),   gamma = 0.3, eps = 0.5

used wherever e_t appears, both in y_t = e_t ĉ_t (dy/dĉ = e + ĉ H') and in the reset
c_t = ĉ_t - e_t threshold (dc/dĉ = 1 - threshold H'). Where no unit has |ĉ - threshold| < eps
the BPTT gradient is exact (the layer is then piecewise smooth and H' = 0 is its true derivative).
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from eventsim.errors import ConfigError

from .counts import PassCounts, fraction, positive_int

GATES = ("u", "r", "z")
PARAM_KEYS = ("W", "U", "b_u", "b_r", "b_z")
DEFAULT_THRESHOLD = 0.1
SURROGATE_GAMMA = 0.3
SURROGATE_EPS = 0.5
# Elementwise FLOPs per unit and step (1 per add, multiply, compare, select, max, abs,
# sigmoid, tanh): forward u 3, r 3, z 4 (p + r q: 2, + b, tanh), ĉ 4, e 1, y 1, reset 1.
FORWARD_ELEMENTWISE_FLOPS = 17
# Backward: gy = g_out + g_rec 1, surrogate 6, gĉ 7, gu/gz/gc_prev 5, tanh' 3, gr/gq_z 2,
# sigmoid' 2 x 3, bias sums 3.
BACKWARD_ELEMENTWISE_FLOPS = 33


def init_egru(n_in: int, n_hidden: int, seed: int = 0) -> dict:
    """EGRU parameters with weights uniform in +-1/sqrt(fan-in) (fan-in n_in for W, n_hidden
    for U; as the builder and PyTorch's GRU) and zero biases, from
    ``numpy.random.default_rng(seed)`` (W first, then U)."""
    return egru_params(n_in, n_hidden, np.random.default_rng(seed))


def egru_params(n_in: int, n_hidden: int, rng: np.random.Generator) -> dict:
    """As ``init_egru``, drawing from the generator ``rng`` (W first, then U)."""
    n_in = positive_int("n_in", n_in)
    h = positive_int("n_hidden", n_hidden)
    w = rng.uniform(-1.0, 1.0, (n_in, 3 * h)) / np.sqrt(n_in)
    u = rng.uniform(-1.0, 1.0, (h, 3 * h)) / np.sqrt(h)
    return {"W": w, "U": u, "b_u": np.zeros(h), "b_r": np.zeros(h), "b_z": np.zeros(h)}


def _hidden(params: dict) -> int:
    missing = [k for k in PARAM_KEYS if k not in params]
    if missing:
        raise ConfigError(f"EGRU params miss {missing}; need {PARAM_KEYS}")
    h = params["U"].shape[0]
    if params["U"].shape != (h, 3 * h) or params["W"].ndim != 2 or params["W"].shape[1] != 3 * h:
        raise ConfigError(f"EGRU params need W [n_in, 3H] and U [H, 3H], got W "
                          f"{params['W'].shape} and U {params['U'].shape}")
    return h


def surrogate(v: np.ndarray, gamma: float = SURROGATE_GAMMA,
              eps: float = SURROGATE_EPS) -> np.ndarray:
    """Pseudo-derivative of the event function at v = ĉ - threshold:
    gamma * max(0, 1 - |v| / eps)."""
    if not eps > 0.0:
        raise ConfigError(f"eps must be > 0, got {eps!r}")
    return gamma * np.maximum(0.0, 1.0 - np.abs(v) / eps)


def egru_forward(params: dict, x_seq: np.ndarray, threshold=DEFAULT_THRESHOLD):
    """Run the layer over ``x_seq`` [T, batch, n_in] from zero state. Returns (y_seq
    [T, batch, H] float64, cache) where the cache keeps the inputs, per-step gate values and
    cell states, the events ``e`` (bool [T, batch, H]) and the threshold for the backward."""
    h = _hidden(params)
    x_seq = np.asarray(x_seq, np.float64)
    if x_seq.ndim != 3 or x_seq.shape[2] != params["W"].shape[0]:
        raise ConfigError(f"x_seq must be [T, batch, {params['W'].shape[0]}], got {x_seq.shape}")
    th = np.broadcast_to(np.asarray(threshold, np.float64), (h,)).copy()
    t_steps, batch, n_in = x_seq.shape
    shape = (t_steps, batch, h)
    p_all = (x_seq.reshape(-1, n_in) @ params["W"]).reshape(t_steps, batch, 3 * h)
    names = ("u", "r", "z", "q_z", "c_hat", "c_prev", "y_prev")
    cache = {name: np.empty(shape) for name in names}
    cache["e"] = np.empty(shape, bool)
    y_seq = np.empty(shape)
    c, y = np.zeros((batch, h)), np.zeros((batch, h))
    for t in range(t_steps):
        p, q = p_all[t], y @ params["U"]
        u = expit(p[:, :h] + q[:, :h] + params["b_u"])
        r = expit(p[:, h:2 * h] + q[:, h:2 * h] + params["b_r"])
        q_z = q[:, 2 * h:]
        z = np.tanh(p[:, 2 * h:] + r * q_z + params["b_z"])
        c_hat = u * z + (1.0 - u) * c
        e = c_hat > th
        for name, value in zip(names, (u, r, z, q_z, c_hat, c, y)):
            cache[name][t] = value
        cache["e"][t] = e
        y = np.where(e, c_hat, 0.0)
        c = np.where(e, c_hat - th, c_hat)
        y_seq[t] = y
    cache["x"] = x_seq
    cache["threshold"] = th
    return y_seq, cache


def egru_backward(params: dict, cache: dict, grad_y_seq: np.ndarray,
                  gamma: float = SURROGATE_GAMMA, eps: float = SURROGATE_EPS):
    """BPTT through the whole sequence given dLoss/dy_seq [T, batch, H]. Returns (grads with
    the keys of ``params``, grad_x_seq [T, batch, n_in]). ``params`` is the version the error is
    propagated through (W for grad_x, U for the recurrence); the gate values come from the
    cache of the forward."""
    h = _hidden(params)
    x_seq, th = cache["x"], cache["threshold"]
    t_steps, batch, n_in = x_seq.shape
    grad_y_seq = np.asarray(grad_y_seq, np.float64)
    if grad_y_seq.shape != (t_steps, batch, h):
        raise ConfigError(f"grad_y_seq must be {(t_steps, batch, h)}, got {grad_y_seq.shape}")
    g_p = np.empty((t_steps, batch, 3 * h))        # dLoss / d(x_t W)
    grad_u = np.zeros_like(params["U"])
    g_y_rec = np.zeros((batch, h))                 # dLoss / dy_t through step t + 1
    g_c = np.zeros((batch, h))                     # dLoss / dc_t (after reset) through t + 1
    for t in reversed(range(t_steps)):
        u, r, z = cache["u"][t], cache["r"][t], cache["z"][t]
        c_hat, c_prev = cache["c_hat"][t], cache["c_prev"][t]
        s = surrogate(c_hat - th, gamma, eps)
        g_y = grad_y_seq[t] + g_y_rec
        g_hat = g_y * (cache["e"][t] + c_hat * s) + g_c * (1.0 - th * s)
        g_pz = g_hat * u * (1.0 - z * z)
        g_pu = g_hat * (z - c_prev) * u * (1.0 - u)
        g_pr = g_pz * cache["q_z"][t] * r * (1.0 - r)
        g_p[t] = np.concatenate([g_pu, g_pr, g_pz], axis=1)
        g_q = np.concatenate([g_pu, g_pr, g_pz * r], axis=1)   # dLoss / d(y_{t-1} U)
        grad_u += cache["y_prev"][t].T @ g_q
        g_y_rec = g_q @ params["U"].T
        g_c = g_hat * (1.0 - u)
    flat = g_p.reshape(-1, 3 * h)
    sums = flat.sum(axis=0)
    grads = {"W": x_seq.reshape(-1, n_in).T @ flat, "U": grad_u,
             "b_u": sums[:h], "b_r": sums[h:2 * h], "b_z": sums[2 * h:]}
    return grads, (flat @ params["W"].T).reshape(t_steps, batch, n_in)


def activity_sparsity(cache: dict) -> float:
    """Fraction of (step, sample, unit) with no event in the forward: 1 - mean(e)."""
    return float(1.0 - cache["e"].mean())


def egru_flops(n_in: int, n_hidden: int, batch: int, steps: int, input_density: float = 1.0,
               recurrent_density: float = 1.0, grad_in: bool = True) -> PassCounts:
    """FLOPs of one EGRU layer over ``steps`` steps on a batch (multiply-add = 2 FLOPs).

    Products whose left operand is an event vector cost only for its non-zero rows:
    ``input_density`` is the fraction of non-zero inputs (1 for dense input, 1 - sparsity of
    the layer below for events), ``recurrent_density`` that of y_{t-1} (1 - this layer's
    ``activity_sparsity``). Per step and sample, H = n_hidden:

    forward  = 2 n_in 3H input_density (x W) + 2 H 3H recurrent_density (y U) + 17 H
    backward = 33 H + 2 n_in 3H input_density (dW) + 2 H 3H recurrent_density (dU)
               + 2 H 3H (error into y_{t-1}) + 2 n_in 3H (grad_x, only if ``grad_in``)

    Rounded to the nearest integer."""
    n_in, h, batch, steps = (positive_int(k, v) for k, v in (("n_in", n_in), ("n_hidden", n_hidden),
                                                             ("batch", batch), ("steps", steps)))
    d_in = fraction("input_density", input_density)
    d_rec = fraction("recurrent_density", recurrent_density)
    x_w, y_u = 2 * n_in * 3 * h, 2 * h * 3 * h
    forward = x_w * d_in + y_u * d_rec + FORWARD_ELEMENTWISE_FLOPS * h
    backward = (BACKWARD_ELEMENTWISE_FLOPS * h + x_w * d_in + y_u * d_rec + y_u
                + (x_w if grad_in else 0))
    rows = batch * steps
    return PassCounts(round(rows * forward), round(rows * backward))


def egru_bytes(n_in: int, n_hidden: int, batch: int, steps: int, itemsize: int = 8,
               grad_in: bool = True) -> PassCounts:
    """Bytes read + written by one EGRU layer over ``steps`` steps (dense storage, ``itemsize``
    bytes per number, events as one number each), each array once per pass.

    forward:  read W, U, 3 biases, threshold, x; write y and the cache (u, r, z, q_z, ĉ,
              c_{t-1}, e: 7 numbers per unit and step).
    backward: read grad_y, the cache, y_{t-1}, x, U, threshold, W (only for grad_x); write dW,
              dU, 3 bias gradients, grad_x (only if ``grad_in``)."""
    n_in, h, batch, steps, itemsize = (
        positive_int(k, v) for k, v in (("n_in", n_in), ("n_hidden", n_hidden), ("batch", batch),
                                        ("steps", steps), ("itemsize", itemsize)))
    w, u = n_in * 3 * h, h * 3 * h
    x, y = steps * batch * n_in, steps * batch * h
    forward = w + u + 3 * h + h + x + y + 7 * y
    backward = y + 7 * y + y + x + u + h + w + u + 3 * h + ((w + x) if grad_in else 0)
    return PassCounts(forward * itemsize, backward * itemsize)


def to_stack_weights(params: dict, layer: int) -> dict:
    """W and U as the builder's dense [pre, post] matrices {"Wu1": ..., "Uz1": ...} for
    ``layer`` (1-based, as ``egru_stack`` numbers its EGRU layers). Biases are not part of the
    builder's weights (they are the neuron model's b_u, b_r, b_z parameters)."""
    h = _hidden(params)
    out = {}
    for k, gate in enumerate(GATES):
        out[f"W{gate}{layer}"] = params["W"][:, k * h:(k + 1) * h].copy()
        out[f"U{gate}{layer}"] = params["U"][:, k * h:(k + 1) * h].copy()
    return out


def from_stack_weights(weights: dict, layer: int, biases: dict | None = None) -> dict:
    """EGRU parameters from the builder's per-gate matrices of ``layer`` (1-based); biases
    from ``biases`` ({"b_u": ..., ...}) or zero (the neuron model's default)."""
    try:
        w = np.concatenate([np.asarray(weights[f"W{g}{layer}"], np.float64) for g in GATES], 1)
        u = np.concatenate([np.asarray(weights[f"U{g}{layer}"], np.float64) for g in GATES], 1)
    except KeyError as missing:
        raise ConfigError(f"weights miss {missing} for EGRU layer {layer}") from None
    h = u.shape[0]
    params = {"W": w, "U": u}
    for key in ("b_u", "b_r", "b_z"):
        value = np.zeros(h) if biases is None or key not in biases else biases[key]
        params[key] = np.broadcast_to(np.asarray(value, np.float64), (h,)).copy()
    _hidden(params)
    return params
