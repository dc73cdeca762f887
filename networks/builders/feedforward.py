"""Feed-forward stacks: populations of one neuron model joined layer to layer by dense or
pruned random weights."""
from __future__ import annotations

import numpy as np

from eventsim.errors import ConfigError
from eventsim.workload_ir import WorkloadIR

from ..population import population
from ..projection import from_dense, prune_by_magnitude


def feedforward(sizes: list[int], model: str = "lif", weight_scale: float = 1.0,
                weight_sparsity: float = 0.0, delay_ps: int = 0, seed: int = 0,
                **neuron_params) -> WorkloadIR:
    """Layers ``l0 .. l{n-1}`` of ``sizes`` neurons; weights N(0, weight_scale^2 / fan_in),
    the ``weight_sparsity`` fraction of smallest magnitudes pruned. ``neuron_params`` go to
    every population (see the model's PARAMS)."""
    if len(sizes) < 2 or any(int(n) < 1 for n in sizes):
        raise ConfigError(f"sizes must list at least two layers of >= 1 neurons, got {sizes}")
    rng = np.random.default_rng(seed)
    pops = [population(f"l{i}", model, int(n), **neuron_params) for i, n in enumerate(sizes)]
    projections = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = rng.normal(0.0, weight_scale / np.sqrt(a), (a, b))
        projections.append(from_dense(f"l{i}_l{i + 1}", i, i + 1,
                                      prune_by_magnitude(w, weight_sparsity), delay_ps))
    return WorkloadIR(pops, projections)
