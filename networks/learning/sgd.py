"""SGD with momentum, one layer at a time, and the sequential reference training loop.

Update rule (the PyTorch form, applied in this order, in place):

    v <- momentum * v + g
    p <- p - lr * v

per array of a layer's parameter dict, with ``v`` that layer's momentum buffer (same keys and
shapes, zero at the start). Updating one layer touches only that layer's arrays, so a scheduler
can apply layer-wise partial updates to shared parameters whenever a layer's gradient is ready.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np

from eventsim.errors import ConfigError

from .counts import positive_int
from .datasets import Dataset, minibatches
from .loss import accuracy, softmax_cross_entropy
from .layers import Stack, check_fits, layers_of, model_forward
from .mlp import Mlp


def new_momentum(params: list[dict]) -> list[dict]:
    """Zero momentum buffers for per-layer parameters: same list length, keys and shapes."""
    return [{k: np.zeros_like(v) for k, v in p.items()} for p in params]


def n_params(params_l: dict) -> int:
    """Number of scalar parameters of one layer."""
    return int(sum(v.size for v in params_l.values()))


def _check_hyper(lr, momentum) -> None:
    if not float(lr) > 0.0:
        raise ConfigError(f"lr must be > 0, got {lr!r}")
    if not 0.0 <= float(momentum) < 1.0:
        raise ConfigError(f"momentum must be in [0, 1), got {momentum!r}")


def sgd_update(params_l: dict, grads_l: dict, momentum_l: dict, lr: float,
               momentum: float) -> None:
    """Apply one SGD-with-momentum step to one layer, in place on ``params_l`` and
    ``momentum_l`` (see the module docstring for the rule). ``grads_l`` must have the keys of
    ``params_l``; it is not modified."""
    _check_hyper(lr, momentum)
    if set(grads_l) != set(params_l) or set(momentum_l) != set(params_l):
        raise ConfigError(f"grads_l and momentum_l must have the keys {sorted(params_l)}, got "
                          f"{sorted(grads_l)} and {sorted(momentum_l)}")
    for key, p in params_l.items():
        v = momentum_l[key]
        np.multiply(v, momentum, out=v)
        np.add(v, grads_l[key], out=v)
        p -= lr * v


def update_flops(n: int) -> int:
    """FLOPs of ``sgd_update`` on ``n`` parameters: 2 multiply-adds per parameter = 4 n."""
    return 4 * positive_int("n", n)


def update_bytes(n: int, itemsize: int = 8) -> int:
    """Bytes of ``sgd_update`` on ``n`` parameters: read p, g, v and write p, v = 5 n itemsize."""
    return 5 * positive_int("n", n) * positive_int("itemsize", itemsize)


@dataclass
class TrainResult:
    """The trained model and one number per epoch: mean minibatch loss and accuracy seen while
    training (weighted by batch size, parameters as they were for each batch), and loss and
    accuracy on the test set after the epoch."""
    model: Mlp | Stack
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)


def train_sgd(model: Mlp | Stack, data: Dataset, epochs: int, batch_size: int, lr: float,
              momentum: float = 0.9, seed: int = 0) -> TrainResult:
    """Sequential minibatch SGD with momentum: the one-thread oracle for scheduled methods.

    ``model`` (an ``Mlp`` or a ``Stack`` of EGRU and dense layers, ``layers``) is copied, never
    modified; each layer runs its own forward and backward (an EGRU layer BPTT with its
    surrogate gradient). Each epoch draws ``minibatches(n_train, batch_size,
    rng)`` from ``rng = numpy.random.default_rng(seed)`` (one generator for the whole run). Per
    batch: forward through all layers with the current parameters, softmax cross-entropy, then
    for l = L-1 .. 0: ``layer_backward`` of layer l, then ``sgd_update`` of layer l. (Updating
    layer l right after its backward equals updating all layers after the whole backward:
    grad_in of layer l is computed before its update and lower layers use only their own
    parameters.) Inputs are cast to float64."""
    epochs = operator.index(epochs)
    if epochs < 0:
        raise ConfigError(f"epochs must be >= 0, got {epochs}")
    batch_size = positive_int("batch_size", batch_size)
    _check_hyper(lr, momentum)
    layers = layers_of(model)
    check_fits(model, data)
    model = model.copy()
    velocity = new_momentum(model.params)
    rng = np.random.default_rng(seed)
    x_train = np.asarray(data.x_train, np.float64)
    x_test = np.asarray(data.x_test, np.float64)
    n = x_train.shape[0]
    result = TrainResult(model)
    for _ in range(epochs):
        loss_sum = correct = 0.0
        for idx in minibatches(n, batch_size, rng):
            logits, caches = model_forward(model, x_train[idx], layers)
            loss, grad = softmax_cross_entropy(logits, data.y_train[idx])
            loss_sum += loss * len(idx)
            correct += accuracy(logits, data.y_train[idx]) * len(idx)
            for l in reversed(range(len(model.params))):
                grads_l, grad = layers[l].backward(model.params[l], caches[l], grad)
                sgd_update(model.params[l], grads_l, velocity[l], lr, momentum)
        logits, _ = model_forward(model, x_test, layers)
        result.train_loss.append(loss_sum / n)
        result.train_accuracy.append(correct / n)
        result.test_loss.append(softmax_cross_entropy(logits, data.y_test)[0])
        result.test_accuracy.append(accuracy(logits, data.y_test))
    return result
