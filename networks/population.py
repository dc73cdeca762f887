"""Populations of one neuron model with named parameters (scalars or per-neuron arrays).

    exc = population("exc", "cuba", 3200, tau_mem=20e-3, tau_exc=5e-3, ..., v=v0)
"""
from __future__ import annotations

import numpy as np

from eventsim.errors import ConfigError
from eventsim.neuron_model import resolve
from eventsim.workload_ir import Population


def population(name: str, model: str, size: int, **values) -> Population:
    """A Workload IR population of ``size`` neurons of ``model`` (a registered model's name,
    e.g. one of ``networks.neurons.MODELS``; ``eventsim.neuron_model.resolve``). Keyword
    arguments set parameters (the model's ``params``, defaults in its ``defaults``) and initial
    state (its ``state``, default 0), each a scalar or an array of ``size`` values. The
    population names its model by the registered name."""
    m = resolve(model)
    unknown = set(values) - set(m.params) - set(m.state)
    if unknown:
        raise ConfigError(f"population {name!r}: model {model!r} has no parameter or state "
                          f"{sorted(unknown)}; parameters {list(m.params)}, state {list(m.state)}")
    missing = [p for p in m.params if p not in values and p not in m.defaults]
    if missing:
        raise ConfigError(f"population {name!r}: model {model!r} needs {missing}")
    params = np.column_stack([_column(name, p, values.get(p, m.defaults.get(p)), size)
                              for p in m.params]) if m.params else np.zeros((size, 0))
    state = np.column_stack([_column(name, s, values.get(s, 0.0), size) for s in m.state])
    return Population(name, size, model=m.name, params=params, state=state,
                      state_bytes_per_neuron=4 * len(m.state))


def _column(pop: str, key: str, value, size: int) -> np.ndarray:
    a = np.asarray(value, np.float64)
    if a.ndim == 0:
        a = np.full(size, float(a))
    if a.shape != (size,):
        raise ConfigError(f"population {pop!r}: {key} must be a scalar or {size} values, "
                          f"got shape {a.shape}")
    if not np.all(np.isfinite(a)) and key not in ("v_threshold",):
        raise ConfigError(f"population {pop!r}: {key} must be finite")
    return a
