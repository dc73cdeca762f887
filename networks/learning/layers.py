"""Layers behind one interface, and models that stack EGRU and dense layers.

A *layer* is a small frozen description (sizes and fixed hyper-parameters; never the weights)
with

    kind                                   "dense" or "egru"
    n_in, n_out                            input and output width (per step for sequences)
    sequence_in, sequence_out              whether input / output carry a time axis
    init(rng) -> params                    a parameter dict drawn from a numpy Generator
    forward(params, x) -> (out, cache)     pure: reads ``params`` and ``x`` only
    backward(params, cache, grad_out) -> (grads, grad_in)
                                           grads has the keys of ``params``; ``params`` is the
                                           version the error is propagated through
    flops(cache, grad_in=True) -> PassCounts   the work of this forward and its backward
    bytes(cache, grad_in=True, itemsize=8) -> PassCounts
    describe() -> dict                     JSON-ready description

The counts take the forward's cache because the cache fixes the batch, the number of steps and,
for an EGRU layer, the measured activity: an event-based layer's products cost only for the
events that were sent. ``grad_in=False`` for the first layer of a model (no error is propagated
into the data).

Tensors are batch first: a sequence is ``[batch, steps, features]`` (as ``Dataset`` stores it);
the EGRU layer turns it to time first for ``egru_layer`` and back.

A *model* is either an ``Mlp`` (``mlp.py``; its layers are ``Dense``) or a ``Stack``: a tuple of
layers and a list of per-layer parameter dicts, the same shape of thing for a scheduler (one
params dict per layer, updated and versioned layer by layer). ``layers_of(model)`` gives the
layers of either; ``model_forward`` runs either.

EGRU read-out: an EGRU layer with ``pool="mean"`` outputs the mean over time of its event
outputs y_t, ``[batch, H]``, which a dense read-out classifies. We pool the mean rather than take
the last step because an EGRU unit's y_t is zero except at its events: the last step alone sees
only the units that happened to fire at step T, the mean sees every event of the sequence.
``pool="none"`` outputs the whole event sequence ``[batch, steps, H]`` (for a further EGRU layer).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from eventsim.errors import ConfigError

from .counts import PassCounts, positive_int
from .egru_layer import (DEFAULT_THRESHOLD, egru_backward, egru_bytes, egru_flops, egru_forward,
                         egru_params)
from .mlp import (Mlp, check_activation, dense_params, layer_backward, layer_bytes, layer_flops,
                  layer_forward)

POOLS = ("mean", "none")


@dataclass(frozen=True)
class Dense:
    """A dense layer ``out = act(x W + b)`` on ``[batch, n_in]`` (``mlp.layer_forward``);
    parameters {"W": [n_in, n_out], "b": [n_out]}. Counts: ``mlp.layer_flops`` and
    ``mlp.layer_bytes``."""
    n_in: int
    n_out: int
    activation: str = "relu"
    kind: ClassVar[str] = "dense"
    sequence_in: ClassVar[bool] = False
    sequence_out: ClassVar[bool] = False

    def __post_init__(self):
        positive_int("n_in", self.n_in)
        positive_int("n_out", self.n_out)
        check_activation(self.activation)

    def init(self, rng: np.random.Generator) -> dict:
        return dense_params(self.n_in, self.n_out, self.activation, rng)

    def forward(self, params: dict, x: np.ndarray):
        return layer_forward(params, x, self.activation)

    def backward(self, params: dict, cache: dict, grad_out: np.ndarray):
        return layer_backward(params, cache, grad_out, self.activation)

    def flops(self, cache: dict, grad_in: bool = True) -> PassCounts:
        return layer_flops(self.n_in, self.n_out, cache["x"].shape[0], self.activation,
                           grad_in=grad_in)

    def bytes(self, cache: dict, grad_in: bool = True, itemsize: int = 8) -> PassCounts:
        return layer_bytes(self.n_in, self.n_out, cache["x"].shape[0], self.activation,
                           itemsize, grad_in=grad_in)

    def describe(self) -> dict:
        return {"kind": self.kind, "n_in": self.n_in, "n_out": self.n_out,
                "activation": self.activation}


@dataclass(frozen=True)
class Egru:
    """An EGRU layer (``egru_layer``) over a sequence ``[batch, steps, n_in]``, from zero state,
    trained by BPTT with the surrogate gradient of ``egru_layer``; parameters as
    ``egru_layer.init_egru`` (W, U, b_u, b_r, b_z); ``threshold`` fixed (a scalar).

    Output: ``pool="mean"``: the mean over the steps of y_t, ``[batch, n_hidden]``;
    ``pool="none"``: the event sequence y ``[batch, steps, n_hidden]``.

    Activity sparsity in the counts (``egru_layer.egru_flops``): the forward measures
    ``recurrent_density`` = the fraction of non-zero entries of y_{t-1} over the steps
    t = 1..T (y_0 = 0, the zero state, included: it sends nothing) = exactly the events the
    recurrent product y_{t-1} U is charged for; and, when ``sparse_input`` (the input is the
    event sequence of an EGRU layer below), ``input_density`` = the fraction of non-zero inputs,
    else 1 (dense data). Both come with the cache to the backward's count. Pooling adds
    batch x H x steps FLOPs to the forward (steps - 1 adds and one scale per output) and
    batch x H to the backward (the scale; the broadcast over the steps is free), and its
    output (forward) / incoming gradient (backward) of batch x H numbers to the bytes."""
    n_in: int
    n_hidden: int
    threshold: float = DEFAULT_THRESHOLD
    pool: str = "mean"
    sparse_input: bool = False
    kind: ClassVar[str] = "egru"
    sequence_in: ClassVar[bool] = True

    def __post_init__(self):
        positive_int("n_in", self.n_in)
        positive_int("n_hidden", self.n_hidden)
        if self.pool not in POOLS:
            raise ConfigError(f"pool must be one of {POOLS}, got {self.pool!r}")
        try:
            th = float(self.threshold)
        except (TypeError, ValueError):
            raise ConfigError(f"threshold must be a number, got {self.threshold!r}") from None
        if not np.isfinite(th):
            raise ConfigError(f"threshold must be finite, got {self.threshold!r}")

    @property
    def n_out(self) -> int:
        return self.n_hidden

    @property
    def sequence_out(self) -> bool:
        return self.pool == "none"

    def init(self, rng: np.random.Generator) -> dict:
        return egru_params(self.n_in, self.n_hidden, rng)

    def forward(self, params: dict, x: np.ndarray):
        x = np.asarray(x, np.float64)
        if x.ndim != 3 or x.shape[2] != self.n_in:
            raise ConfigError(f"EGRU layer input must be [batch, steps, {self.n_in}], got "
                              f"{x.shape}")
        y_seq, cache = egru_forward(params, np.swapaxes(x, 0, 1), self.threshold)
        y_prev = cache["y_prev"]
        cache["recurrent_density"] = np.count_nonzero(y_prev) / y_prev.size
        cache["input_density"] = np.count_nonzero(x) / x.size if self.sparse_input else 1.0
        out = y_seq.mean(axis=0) if self.pool == "mean" else np.swapaxes(y_seq, 0, 1)
        return out, cache

    def backward(self, params: dict, cache: dict, grad_out: np.ndarray):
        steps, batch, _ = cache["x"].shape
        if self.pool == "mean":
            grad_y = np.broadcast_to(np.asarray(grad_out, np.float64) / steps,
                                     (steps, batch, self.n_hidden))
        else:
            grad_y = np.swapaxes(grad_out, 0, 1)
        grads, grad_x = egru_backward(params, cache, grad_y)
        return grads, np.swapaxes(grad_x, 0, 1)

    def flops(self, cache: dict, grad_in: bool = True) -> PassCounts:
        steps, batch, _ = cache["x"].shape
        counts = egru_flops(self.n_in, self.n_hidden, batch, steps,
                            input_density=cache["input_density"],
                            recurrent_density=cache["recurrent_density"], grad_in=grad_in)
        if self.pool == "mean":
            out = batch * self.n_hidden
            counts = PassCounts(counts.forward + out * steps, counts.backward + out)
        return counts

    def bytes(self, cache: dict, grad_in: bool = True, itemsize: int = 8) -> PassCounts:
        steps, batch, _ = cache["x"].shape
        counts = egru_bytes(self.n_in, self.n_hidden, batch, steps, itemsize, grad_in=grad_in)
        if self.pool == "mean":
            out = batch * self.n_hidden * itemsize
            counts = PassCounts(counts.forward + out, counts.backward + out)
        return counts

    def describe(self) -> dict:
        return {"kind": self.kind, "n_in": self.n_in, "n_out": self.n_hidden,
                "threshold": float(self.threshold), "pool": self.pool,
                "sparse_input": bool(self.sparse_input)}


LAYER_TYPES = (Dense, Egru)


@dataclass
class Stack:
    """A model of stacked layers: ``layers[l]`` (``Dense`` or ``Egru``) with parameters
    ``params[l]`` (float64 arrays). Layer l's output must fit layer l + 1's input (width, and a
    time axis or not); the last layer's outputs are the logits ``[batch, n_classes]``."""
    layers: tuple
    params: list[dict[str, np.ndarray]]

    def __post_init__(self):
        self.layers = tuple(self.layers)
        if not self.layers:
            raise ConfigError("a Stack needs at least one layer")
        for l, layer in enumerate(self.layers):
            if not isinstance(layer, LAYER_TYPES):
                raise ConfigError(f"layers[{l}] must be a Dense or an Egru layer, got "
                                  f"{type(layer).__name__}")
        for l, (below, above) in enumerate(zip(self.layers[:-1], self.layers[1:])):
            if below.n_out != above.n_in:
                raise ConfigError(f"layers[{l + 1}].n_in must be {below.n_out} (layers[{l}] "
                                  f"outputs {below.n_out}), got {above.n_in}")
            if below.sequence_out != above.sequence_in:
                what = "a sequence" if below.sequence_out else "one vector per sample"
                raise ConfigError(f"layers[{l}] ({below.kind}) outputs {what}, which "
                                  f"layers[{l + 1}] ({above.kind}) cannot take; an EGRU layer "
                                  f"before a dense layer needs pool='mean'")
        if self.layers[-1].sequence_out:
            raise ConfigError("the last layer of a Stack must output one vector per sample "
                              "(an EGRU layer last needs pool='mean')")
        if len(self.params) != len(self.layers):
            raise ConfigError(f"a Stack needs one params dict per layer: {len(self.layers)} "
                              f"layers, got {len(self.params)}")

    @property
    def sizes(self) -> list[int]:
        """Widths, input first: [n_in of layer 0, n_out of each layer] (per step for EGRU)."""
        return [self.layers[0].n_in] + [layer.n_out for layer in self.layers]

    @property
    def activations(self) -> tuple[str, ...]:
        """Per layer: a dense layer's activation, or "egru"."""
        return tuple(getattr(layer, "activation", layer.kind) for layer in self.layers)

    @property
    def sequence_input(self) -> bool:
        """Whether the model takes sequences ``[batch, steps, n_in]``."""
        return self.layers[0].sequence_in

    def describe(self) -> list[dict]:
        return [layer.describe() for layer in self.layers]

    def copy(self) -> "Stack":
        """A deep copy (new arrays; the layers are immutable and shared)."""
        return Stack(self.layers, [{k: v.copy() for k, v in p.items()} for p in self.params])


def init_stack(layers, seed: int = 0) -> Stack:
    """A ``Stack`` of ``layers`` with parameters drawn layer by layer from
    ``numpy.random.default_rng(seed)`` (a stack of ``Dense`` layers gets the parameters
    ``init_mlp`` gives with the same widths, activations and seed)."""
    layers = tuple(layers)
    Stack(layers, [{}] * len(layers))              # check the layers before drawing
    rng = np.random.default_rng(seed)
    return Stack(layers, [layer.init(rng) for layer in layers])


def init_egru_classifier(n_in: int, hidden, n_classes: int, seed: int = 0,
                         threshold: float = DEFAULT_THRESHOLD, dense_hidden=(),
                         activation: str = "relu") -> Stack:
    """EGRU layers of widths ``hidden`` (an int or a list; the first reads the dense data, the
    others the events of the one below, the last pools the mean over time), then dense layers
    of widths ``dense_hidden`` with ``activation``, then a dense read-out of ``n_classes``
    logits; ``init_stack(..., seed)``."""
    hidden = [hidden] if isinstance(hidden, (int, np.integer)) else list(hidden)
    if not hidden:
        raise ConfigError("hidden needs at least one EGRU width")
    layers, width = [], n_in
    for i, h in enumerate(hidden):
        layers.append(Egru(width, h, threshold, pool="mean" if i == len(hidden) - 1 else "none",
                           sparse_input=i > 0))
        width = h
    for h in dense_hidden:
        layers.append(Dense(width, h, activation))
        width = h
    layers.append(Dense(width, n_classes, "none"))
    return init_stack(layers, seed)


def layers_of(model) -> tuple:
    """The layers of an ``Mlp`` (``Dense`` with its widths and activations) or a ``Stack``."""
    if isinstance(model, Stack):
        return model.layers
    if isinstance(model, Mlp):
        sizes = model.sizes
        return tuple(Dense(n_in, n_out, act) for n_in, n_out, act in
                     zip(sizes[:-1], sizes[1:], model.activations))
    raise ConfigError(f"model must be an Mlp or a Stack, got {type(model).__name__}")


def model_forward(model, x: np.ndarray, layers=None):
    """Logits of an ``Mlp`` or ``Stack`` on ``x`` and the per-layer caches (a list)."""
    caches = []
    for layer, params_l in zip(layers_of(model) if layers is None else layers, model.params):
        x, cache = layer.forward(params_l, x)
        caches.append(cache)
    return x, caches


def check_fits(model, data) -> None:
    """ConfigError unless ``model`` (Mlp or Stack) takes ``data``'s inputs and classes."""
    layers = layers_of(model)
    sizes = model.sizes
    if data.n_features != sizes[0] or data.n_classes != sizes[-1]:
        raise ConfigError(f"model sizes {sizes} do not fit data with {data.n_features} "
                          f"features and {data.n_classes} classes")
    sequence = data.steps is not None
    if layers[0].sequence_in != sequence:
        raise ConfigError(f"model's first layer ({layers[0].kind}) takes "
                          f"{'sequences' if layers[0].sequence_in else 'vectors'}, but the data "
                          f"are {'sequences' if sequence else 'vectors'} (x_train shape "
                          f"{data.x_train.shape})")
