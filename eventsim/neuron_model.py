"""How the engine finds a population's neuron model and checks a workload against it.

A population names its model by the import path of the module that implements it
(``networks.neurons``' protocol); ``load_model`` imports it and checks the population's
params and state columns, ``check_ports`` the ports and outputs of every projection and input.
"""
from __future__ import annotations

import importlib

import numpy as np

from . import exact_runtime
from .errors import ConfigError
from .workload_ir import WorkloadIR


def load_model(pop):
    """The neuron model module of population ``pop``, its params and state columns checked."""
    try:
        m = importlib.import_module(pop.model)
    except ImportError as e:
        raise ConfigError(f"population {pop.name!r}: cannot import neuron model {pop.model!r}: {e}")
    for what, names in (("params", m.PARAMS), ("state", m.STATE)):
        a = getattr(pop, what)
        if a is None:
            raise ConfigError(f"population {pop.name!r} has no {what} array (model {pop.model})")
        if a.shape[1] != len(names):
            raise ConfigError(f"population {pop.name!r}: {what} has {a.shape[1]} columns, model "
                              f"{pop.model} has {len(names)}: {list(names)}")
    return m


def model_outputs(m) -> tuple:
    """The state rows a model's spikes carry (``OUTPUTS``, or ``OUTPUT``; none: binary)."""
    if hasattr(m, "OUTPUTS"):
        return tuple(m.OUTPUTS)
    return (m.OUTPUT,) if hasattr(m, "OUTPUT") else ()


def output_rows(models) -> np.ndarray:
    """[populations, outputs] state row of each output (-1: the spike carries 1)."""
    width = max([1] + [len(model_outputs(m)) for m in models])
    out = np.full((len(models), width), -1, np.int64)
    for p, m in enumerate(models):
        rows = model_outputs(m)
        out[p, :len(rows)] = rows
    return out


def check_ports(w: WorkloadIR, models) -> None:
    """Every projection and input targets a port its post model has; every projection reads
    an output its pre model sends (ConfigError naming them otherwise)."""
    for ev in w.inputs:
        if not 0 <= ev.port < models[ev.population].PORTS:
            raise ConfigError(f"input events: port {ev.port} but population "
                              f"{w.populations[ev.population].name!r} has "
                              f"{models[ev.population].PORTS} port(s)")
    for pr in w.projections:
        if not 0 <= pr.port < models[pr.post].PORTS:
            raise ConfigError(f"projection {pr.name!r}: port {pr.port} but model "
                              f"{w.populations[pr.post].model} has {models[pr.post].PORTS} port(s)")
        n_out = max(1, len(model_outputs(models[pr.pre])))
        if not 0 <= pr.source < n_out:
            raise ConfigError(f"projection {pr.name!r}: source {pr.source} but model "
                              f"{w.populations[pr.pre].model} sends {n_out} value(s) per spike")


def load_exact_model(pop):
    """``load_model``, and the model must have an exact event-driven form."""
    m = load_model(pop)
    if not exact_runtime.supports_exact(m):
        raise ConfigError(f"population {pop.name!r}: model {pop.model} has no exact event-driven "
                          f"form (it needs {', '.join(exact_runtime.EXACT_FUNCTIONS)}); run it with "
                          f"eventsim.simulate (discrete time)")
    return m
