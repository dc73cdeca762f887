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
               threshold: float = 0.1, seed: int = 0) -> EgruStack:
    """Embedding relay (``embedding`` units) -> EGRU layers of ``hidden`` units -> read-out of
    ``vocab`` units; each weight matrix pruned to ``weight_sparsity``."""
    if vocab < 1 or embedding < 1 or not hidden or min(hidden) < 1:
        raise ConfigError(f"need vocab, embedding and hidden sizes >= 1, got {vocab}, "
                          f"{embedding}, {hidden}")
    rng = np.random.default_rng(seed)
    pops = [population("embedding", "relay", embedding)]
    pops += [population(f"egru{l + 1}", "egru", n, threshold=threshold) for l, n in enumerate(hidden)]
    pops.append(population("readout", "readout", vocab))
    weights, projections = {}, []

    def connect(name, pre, post, n_pre, n_post, port):
        bound = 1.0 / np.sqrt(n_pre)
        w = prune_by_magnitude(rng.uniform(-bound, bound, (n_pre, n_post)), weight_sparsity)
        weights[name] = w
        projections.append(from_dense(name, pre, post, w, port=port))

    sizes = [embedding] + list(hidden)
    for l, n in enumerate(hidden):
        layer = l + 1
        for port, gate in enumerate(GATES):               # feed-forward W_u, W_r, W_z
            connect(f"W{gate}{layer}", l, layer, sizes[l], n, port)
        for port, gate in zip((0, 1, 3), GATES):          # recurrent U_u, U_r, U_z
            connect(f"U{gate}{layer}", layer, layer, n, n, port)
    connect("Wout", len(hidden), len(hidden) + 1, hidden[-1], vocab, 0)
    emb = rng.normal(0.0, 1.0, (vocab, embedding))
    return EgruStack(WorkloadIR(pops, projections), emb, weights)
