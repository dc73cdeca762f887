"""Event-based SSM stacks (after Schöne et al. 2024): an input relay, then per layer a
population of diagonal complex modes (``networks.neurons.ssm``) fed by B and read out by C into
a population of output features, which feeds the next layer. The features of every layer but
the last pass through a non-linearity (``networks.neurons.activation``: GELU by default, as in
the paper; "identity" gives a linear stack) and send an event only when |y| exceeds
``event_threshold``; the last layer's features are plain relays. The paper's normalisation is
not modelled. Every projection takes one step."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventsim.errors import ConfigError
from eventsim.workload_ir import WorkloadIR

from ..neurons.activation import FUNCTIONS
from ..population import population
from ..projection import from_dense

DISCRETISATIONS = {"zoh": 0, "dirac": 1, "async": 2}


@dataclass
class SsmStack:
    workload: WorkloadIR
    lambdas: list[np.ndarray]      # per layer: complex eigenvalues (1/s)
    B: list[np.ndarray]            # per layer: complex [inputs, modes]
    C: list[np.ndarray]            # per layer: complex [modes, features]


def ssm_stack(n_inputs: int, modes: list[int], features: int, discretisation: str = "zoh",
              step_s: float = 1e-3, seed: int = 0, activation: str = "gelu",
              event_threshold: float = 0.0) -> SsmStack:
    """Input relay of ``n_inputs`` -> for each layer, ``modes[l]`` modes and ``features`` output
    features (``activation`` between layers, see the module docstring). Eigenvalues: decay
    times log-uniform in 1-100 ms, frequencies uniform in 0-50 Hz."""
    if activation not in FUNCTIONS:
        raise ConfigError(f"activation must be one of {list(FUNCTIONS)}, got {activation!r}")
    if discretisation not in DISCRETISATIONS:
        raise ConfigError(f"discretisation must be one of {list(DISCRETISATIONS)}, got {discretisation!r}")
    if n_inputs < 1 or features < 1 or not modes or min(modes) < 1:
        raise ConfigError(f"need n_inputs, features and modes >= 1, got {n_inputs}, {features}, {modes}")
    rng = np.random.default_rng(seed)
    pops = [population("input", "relay", n_inputs)]
    projections, lambdas, Bs, Cs = [], [], [], []
    fan_in = n_inputs
    for l, p in enumerate(modes):
        tau = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), p))
        lam = -1.0 / tau + 2j * np.pi * rng.uniform(0, 50, p)
        B = (rng.normal(size=(fan_in, p)) + 1j * rng.normal(size=(fan_in, p))) / np.sqrt(2 * fan_in)
        C = (rng.normal(size=(p, features)) + 1j * rng.normal(size=(p, features))) / np.sqrt(2 * p)
        src, m, out = len(pops) - 1, len(pops), len(pops) + 1
        pops.append(population(f"modes{l + 1}", "ssm", p, lambda_re=lam.real, lambda_im=lam.imag,
                               discretisation=DISCRETISATIONS[discretisation], step_s=step_s))
        if l < len(modes) - 1:
            pops.append(population(f"features{l + 1}", "activation", features,
                                   function=FUNCTIONS[activation], threshold=event_threshold))
        else:
            pops.append(population(f"features{l + 1}", "relay", features))
        projections += [from_dense(f"B{l + 1}_re", src, m, B.real, port=0),
                        from_dense(f"B{l + 1}_im", src, m, B.imag, port=1),
                        from_dense(f"C{l + 1}_re", m, out, C.real, source=0),
                        from_dense(f"C{l + 1}_im", m, out, -C.imag, source=1)]
        lambdas.append(lam)
        Bs.append(B)
        Cs.append(C)
        fan_in = features
    return SsmStack(WorkloadIR(pops, projections), lambdas, Bs, Cs)
