"""EGRU stacks: token embedding -> EGRU layers -> linear read-out, as a Workload IR.

Layer by layer in time: the embedding of the token of step t is sent at step t, layer 1 uses
it at step t + 1, layer l at step t + l, and the read-out gives the logits at step t + L + 1
(every projection takes one step). Weights are random (uniform in +-1/sqrt(fan-in), as
PyTorch's GRU initialises them) with the smallest-magnitude ``weight_sparsity`` pruned, unless
given.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventsim.errors import ConfigError
from eventsim.simtime import PS_PER_S
from eventsim.workload_ir import InputEvents, WorkloadIR

from ..population import population
from ..neurons.egru import PARAMS as EGRU_PARAMS
from ..projection import from_dense, prune_by_magnitude

GATES = ("u", "r", "z")


@dataclass
class EgruStack:
    workload: WorkloadIR
    embedding: np.ndarray          # [vocab, embedding] token embeddings
    weights: dict                  # name -> dense [pre, post] matrix after pruning

    def token_inputs(self, tokens, dt_s: float) -> list[InputEvents]:
        """Input events for a token sequence: step t carries the embedding of tokens[t]."""
        tokens = np.asarray(tokens, np.int64)
        vocab, dim = self.embedding.shape
        if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab):
            raise ConfigError(f"tokens must be in 0..{vocab - 1}")
        vectors = self.embedding[tokens]                      # [T, dim]
        t, j = np.nonzero(vectors)
        dt_ps = round(dt_s * PS_PER_S)
        return [InputEvents(0, t.astype(np.int64) * dt_ps, j.astype(np.int32), vectors[t, j])]


def egru_stack(vocab: int, embedding: int, hidden: list[int], weight_sparsity: float = 0.0,
               threshold: float = 0.1, seed: int = 0, readout: bool = True,
               given: dict | None = None) -> EgruStack:
    """Embedding relay (``embedding`` units) -> EGRU layers of ``hidden`` units -> read-out of
    ``vocab`` units; each weight matrix pruned to ``weight_sparsity``. ``readout=False`` leaves
    the read-out out of the workload (the decoder runs elsewhere, e.g. on the host): the last
    EGRU layer's events are then the stack's output. ``given``: trained matrices by name (``Wu1``,
    ``Uu1``, ..., ``Wout``, [pre, post]; and ``embedding``, [vocab, embedding]) used as they are
    instead of random ones (``weight_sparsity`` is then not applied); missing names are random."""
    given = {} if given is None else given
    if vocab < 1 or embedding < 1 or not hidden or min(hidden) < 1:
        raise ConfigError(f"need vocab, embedding and hidden sizes >= 1, got {vocab}, "
                          f"{embedding}, {hidden}")
    rng = np.random.default_rng(seed)
    pops = [population("embedding", "relay", embedding)]
    pops += [population(f"egru{l + 1}", "egru", n, threshold=threshold) for l, n in enumerate(hidden)]
    if readout:
        pops.append(population("readout", "readout", vocab))
    weights, projections = {}, []

    def connect(name, pre, post, n_pre, n_post, port):
        bound = 1.0 / np.sqrt(n_pre)
        w = prune_by_magnitude(rng.uniform(-bound, bound, (n_pre, n_post)), weight_sparsity)
        if name in given:
            w = np.asarray(given[name], np.float64)
            if w.shape != (n_pre, n_post):
                raise ConfigError(f"given weights {name!r} must have shape {(n_pre, n_post)}, "
                                  f"got {w.shape}")
        weights[name] = w
        projections.append(from_dense(name, pre, post, w, port=port))

    sizes = [embedding] + list(hidden)
    for l, n in enumerate(hidden):
        layer = l + 1
        for port, gate in enumerate(GATES):               # feed-forward W_u, W_r, W_z
            connect(f"W{gate}{layer}", l, layer, sizes[l], n, port)
        for port, gate in zip((0, 1, 3), GATES):          # recurrent U_u, U_r, U_z
            connect(f"U{gate}{layer}", layer, layer, n, n, port)
    if readout:
        connect("Wout", len(hidden), len(hidden) + 1, hidden[-1], vocab, 0)
    emb = rng.normal(0.0, 1.0, (vocab, embedding))
    if "embedding" in given:
        emb = np.asarray(given["embedding"], np.float64)
        if emb.shape != (vocab, embedding):
            raise ConfigError(f"given embedding must have shape {(vocab, embedding)}, got {emb.shape}")
    return EgruStack(WorkloadIR(pops, projections), emb, weights)


def egru_layers(stack: EgruStack) -> list[int]:
    """Indices of the EGRU populations of ``stack.workload``, first layer first."""
    return [p for p, pop in enumerate(stack.workload.populations) if pop.name.startswith("egru")]


def set_threshold(stack: EgruStack, threshold) -> None:
    """Set the event threshold of every EGRU unit of ``stack`` (in place): one number for all
    layers, or one per layer (first layer first)."""
    column = EGRU_PARAMS.index("threshold")
    layers = egru_layers(stack)
    per_layer = _per_layer(threshold, len(layers))
    for p, th in zip(layers, per_layer):
        stack.workload.populations[p].params[:, column] = th


def _per_layer(threshold, n_layers: int) -> list[float]:
    if np.ndim(threshold) == 0:
        return [float(threshold)] * n_layers
    if len(threshold) != n_layers:
        raise ConfigError(f"need one threshold per EGRU layer ({n_layers}), got {len(threshold)}")
    return [float(t) for t in threshold]


def layer_activity_sparsity(stack: EgruStack, spike_steps: list[np.ndarray],
                            n_tokens: int) -> np.ndarray:
    """1 - events / (units x tokens) of each EGRU layer, counting layer l's events in the steps
    l .. l + n_tokens - 1 in which it processes the ``n_tokens`` tokens (``spike_steps[p]``: step
    of every event of population p, as ``NetworkResult.spike_steps``)."""
    out = []
    for layer, p in enumerate(egru_layers(stack), start=1):
        steps = spike_steps[p]
        events = int(np.count_nonzero((steps >= layer) & (steps < layer + n_tokens)))
        out.append(1.0 - events / (stack.workload.populations[p].size * n_tokens))
    return np.array(out)


def activity_sparsity(stack: EgruStack, spike_steps: list[np.ndarray], n_tokens: int) -> float:
    """``layer_activity_sparsity`` over all EGRU layers' unit-steps together."""
    return _overall(stack, layer_activity_sparsity(stack, spike_steps, n_tokens))


def _overall(stack: EgruStack, per_layer: np.ndarray) -> float:
    """The activity sparsity of all EGRU unit-steps together from that of each layer."""
    sizes = np.array([stack.workload.populations[p].size for p in egru_layers(stack)], float)
    return float(1.0 - ((1.0 - per_layer) * sizes).sum() / sizes.sum()) if sizes.size else 0.0


def reference_layer_sparsity(stack: EgruStack, tokens, threshold, layers: int | None = None
                             ) -> np.ndarray:
    """Activity sparsity of each EGRU layer (the first ``layers``; default all) of ``stack`` on
    ``tokens`` at ``threshold`` (one number or one per layer), from the dense recurrence in
    numpy: the network computes the same, event by event (weights as stored, in float32).
    Layer l handles token t at step t + l with its own events of the step before; its events
    count in the steps l .. l + len(tokens) - 1, as ``activity_sparsity`` counts them."""
    n_layers = len(egru_layers(stack))
    thresholds = _per_layer(threshold, n_layers)
    layers = n_layers if layers is None else layers
    w = {k: m.astype(np.float32).astype(np.float64) for k, m in stack.weights.items()
         if k[-1].isdigit() and int(k[2:]) <= layers}
    sizes = [stack.embedding.shape[1]] + [w[f"Uu{l}"].shape[0] for l in range(1, layers + 1)]
    y = [np.zeros(n) for n in sizes]
    c = [np.zeros(n) for n in sizes]
    events = np.zeros(layers, np.int64)
    sig = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
    for step in range(len(tokens) + layers):
        prev = y
        y = [stack.embedding[tokens[step]] if step < len(tokens) else np.zeros(sizes[0])]
        for l in range(1, layers + 1):
            x, h, th = prev[l - 1], prev[l], thresholds[l - 1]
            u = sig(x @ w[f"Wu{l}"] + h @ w[f"Uu{l}"])
            r = sig(x @ w[f"Wr{l}"] + h @ w[f"Ur{l}"])
            z = np.tanh(x @ w[f"Wz{l}"] + r * (h @ w[f"Uz{l}"]))
            cell = u * z + (1.0 - u) * c[l]
            e = cell > th
            y.append(np.where(e, cell, 0.0))
            c[l] = cell - e * th
            if l <= step < l + len(tokens):
                events[l - 1] += int(e.sum())
    units = np.array(sizes[1:], np.int64) * len(tokens)
    return 1.0 - events / np.maximum(units, 1)


def reference_sparsity(stack: EgruStack, tokens, threshold) -> float:
    """``activity_sparsity`` of ``stack`` on ``tokens`` at ``threshold`` (one number or one per
    layer), from ``reference_layer_sparsity``: all EGRU layers' unit-steps together."""
    return _overall(stack, reference_layer_sparsity(stack, tokens, threshold))


def calibrate_threshold(stack: EgruStack, tokens, target_sparsity: float, iterations: int = 20,
                        tolerance: float = 0.005) -> tuple[list[float], float]:
    """Per-layer thresholds that give every EGRU layer activity sparsity ``target_sparsity`` on
    ``tokens``: layer by layer (a layer's activity depends only on the layers before it), by
    bisection over [0, 1] with ``reference_layer_sparsity`` (sparsity rises with the
    threshold; the cell state lies in (-1, 1)). Sets them on ``stack`` and returns (thresholds,
    overall sparsity of the reference there). Each layer stops within ``tolerance`` or after
    ``iterations`` steps; a target beyond what [0, 1] reaches ends at the nearest end."""
    if not 0.0 <= target_sparsity <= 1.0:
        raise ConfigError(f"target activity sparsity must be in [0, 1], got {target_sparsity}")
    tokens = np.asarray(tokens, np.int64)
    n_layers = len(egru_layers(stack))
    thresholds = [1.0] * n_layers
    for layer in range(1, n_layers + 1):
        def sparsity(th):
            thresholds[layer - 1] = th
            return reference_layer_sparsity(stack, tokens, thresholds, layer)[layer - 1]
        lo, hi = 0.0, 1.0
        best = (hi, sparsity(hi))
        if best[1] >= target_sparsity:
            for _ in range(iterations):
                mid = 0.5 * (lo + hi)
                s = sparsity(mid)
                if abs(s - target_sparsity) < abs(best[1] - target_sparsity):
                    best = (mid, s)
                if abs(s - target_sparsity) <= tolerance:
                    break
                lo, hi = (mid, hi) if s < target_sparsity else (lo, mid)
        thresholds[layer - 1] = best[0]
    set_threshold(stack, thresholds)
    return thresholds, reference_sparsity(stack, tokens, thresholds)
