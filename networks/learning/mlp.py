"""Dense layers as pure functions over explicit per-layer parameters.

A layer's parameters are a dict ``{"W": [n_in, n_out], "b": [n_out]}`` of float64 arrays; its
activation ("relu", "tanh", or "none" for the read-out) travels beside it, never inside the dict,
so a layer's gradients are a dict with the same keys. ``layer_forward`` and ``layer_backward``
read the parameters they are given and nothing else: a scheduler may run the forward with one
parameter version and the backward with another.

    forward:   a = x W + b,  out = act(a)                     x [batch, n_in] -> out [batch, n_out]
    backward:  g = grad_out * act'(a),  dW = x^T g,  db = sum_batch g,  grad_in = g W^T

FLOP convention (see ``counts``): a multiply-add is 2 FLOPs, other elementwise ops 1 each.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventsim.errors import ConfigError

from .counts import PassCounts, positive_int

ACTIVATIONS = ("relu", "tanh", "none")
_ACTIVATION_FORWARD_FLOPS = {"relu": 1, "tanh": 1, "none": 0}    # per output element
_ACTIVATION_BACKWARD_FLOPS = {"relu": 1, "tanh": 3, "none": 0}   # relu: mask; tanh: g (1 - y y)


def check_activation(activation: str) -> str:
    """``activation`` if known, else ConfigError naming it."""
    if activation not in ACTIVATIONS:
        raise ConfigError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


@dataclass
class Mlp:
    """A multilayer perceptron: ``params[l]`` = {"W": [n_l, n_{l+1}], "b": [n_{l+1}]} (float64)
    and ``activations[l]`` the activation after layer l ("none" for the last, whose outputs are
    logits)."""
    params: list[dict[str, np.ndarray]]
    activations: tuple[str, ...]

    @property
    def sizes(self) -> list[int]:
        """Layer widths, input first: [n_0, n_1, ..., n_L]."""
        return [self.params[0]["W"].shape[0]] + [p["W"].shape[1] for p in self.params]

    def copy(self) -> "Mlp":
        """A deep copy (new arrays)."""
        return Mlp([{k: v.copy() for k, v in p.items()} for p in self.params], self.activations)


def init_mlp(sizes, seed: int = 0, activation: str = "relu") -> Mlp:
    """An MLP with layer widths ``sizes`` = [n_in, hidden..., n_out]: hidden layers use
    ``activation``, the last "none". Weights: He normal N(0, 2/n_in) before a relu, Glorot
    uniform U(+-sqrt(6/(n_in + n_out))) otherwise; biases zero. Drawn layer by layer from
    ``numpy.random.default_rng(seed)``: same seed, identical parameters."""
    sizes = [positive_int(f"sizes[{i}]", s) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ConfigError(f"sizes needs at least an input and an output width, got {sizes}")
    check_activation(activation)
    rng = np.random.default_rng(seed)
    activations = tuple([activation] * (len(sizes) - 2) + ["none"])
    params = [dense_params(n_in, n_out, act, rng)
              for n_in, n_out, act in zip(sizes[:-1], sizes[1:], activations)]
    return Mlp(params, activations)


def dense_params(n_in: int, n_out: int, activation: str, rng: np.random.Generator) -> dict:
    """One dense layer's parameters drawn from ``rng`` (one draw of W; b zero): He normal
    N(0, 2/n_in) before a relu, Glorot uniform U(+-sqrt(6/(n_in + n_out))) otherwise."""
    if activation == "relu":
        w = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
    else:
        bound = np.sqrt(6.0 / (n_in + n_out))
        w = rng.uniform(-bound, bound, (n_in, n_out))
    return {"W": w, "b": np.zeros(n_out)}


def layer_forward(params_l: dict, x: np.ndarray, activation: str):
    """out = act(x W + b) for x ``[batch, n_in]``; returns (out ``[batch, n_out]``, cache), the
    cache holding what the backward needs (the input x and the output)."""
    check_activation(activation)
    a = x @ params_l["W"] + params_l["b"]
    if activation == "relu":
        out = np.maximum(a, 0.0)
    elif activation == "tanh":
        out = np.tanh(a)
    else:
        out = a
    return out, {"x": x, "out": out}


def layer_backward(params_l: dict, cache: dict, grad_out: np.ndarray, activation: str):
    """Gradients of a loss given dLoss/dout ``[batch, n_out]``: returns (grads_l with the keys
    of ``params_l``, grad_in = dLoss/dx ``[batch, n_in]``). Uses ``params_l["W"]`` for grad_in:
    pass the version the scheduler wants the error propagated through."""
    check_activation(activation)
    out = cache["out"]
    if activation == "relu":
        g = grad_out * (out > 0.0)
    elif activation == "tanh":
        g = grad_out * (1.0 - out * out)
    else:
        g = grad_out
    grads = {"W": cache["x"].T @ g, "b": g.sum(axis=0)}
    return grads, g @ params_l["W"].T


def mlp_forward(model: Mlp, x: np.ndarray):
    """Logits ``[batch, n_L]`` of the whole MLP and the per-layer caches (a list)."""
    caches = []
    for params_l, activation in zip(model.params, model.activations):
        x, cache = layer_forward(params_l, x, activation)
        caches.append(cache)
    return x, caches


def mlp_backward(model: Mlp, caches: list, grad_logits: np.ndarray):
    """Per-layer gradients (list, layer order) and dLoss/dinput, last layer first."""
    grads = [None] * len(model.params)
    grad = grad_logits
    for l in reversed(range(len(model.params))):
        grads[l], grad = layer_backward(model.params[l], caches[l], grad, model.activations[l])
    return grads, grad


def layer_flops(n_in: int, n_out: int, batch: int, activation: str = "relu",
                grad_in: bool = True) -> PassCounts:
    """FLOPs of one dense layer on a batch.

    forward  = 2 B n_in n_out (x W) + B n_out (+ b) + B n_out x {relu: 1, tanh: 1, none: 0}
    backward = B n_out x {relu: 1, tanh: 3, none: 0} (act') + 2 B n_in n_out (dW)
               + B n_out (db) + 2 B n_in n_out (grad_in, only if ``grad_in``; the first
               layer does not need it)."""
    n_in, n_out, batch = (positive_int(k, v) for k, v in
                          (("n_in", n_in), ("n_out", n_out), ("batch", batch)))
    check_activation(activation)
    matmul = 2 * batch * n_in * n_out
    forward = matmul + batch * n_out * (1 + _ACTIVATION_FORWARD_FLOPS[activation])
    backward = (batch * n_out * _ACTIVATION_BACKWARD_FLOPS[activation] + matmul + batch * n_out
                + (matmul if grad_in else 0))
    return PassCounts(forward, backward)


def layer_bytes(n_in: int, n_out: int, batch: int, activation: str = "relu",
                itemsize: int = 8, grad_in: bool = True) -> PassCounts:
    """Bytes read + written by one dense layer on a batch (``itemsize`` bytes per number,
    8 for float64), each array once per pass.

    forward:  read W, b, x; write out.
    backward: read grad_out, out (unless activation "none"), x, W (only for grad_in);
              write dW, db, grad_in (only if ``grad_in``)."""
    n_in, n_out, batch, itemsize = (positive_int(k, v) for k, v in
                                    (("n_in", n_in), ("n_out", n_out), ("batch", batch),
                                     ("itemsize", itemsize)))
    check_activation(activation)
    w, x, out = n_in * n_out, batch * n_in, batch * n_out
    forward = w + n_out + x + out
    backward = out + (out if activation != "none" else 0) + x + w + n_out
    if grad_in:
        backward += w + x
    return PassCounts(forward * itemsize, backward * itemsize)
