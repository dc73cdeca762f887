"""The neuron-model protocol: what a neuron model gives the engine (``NeuronModel``, with its
optional exact event-driven form ``ExactForm``), the registry of models by name (``register``,
``registered``), the one place that finds a model (``resolve``), and the checks of a workload
against its models (``load_model``, ``load_exact_model``, ``check_ports``, ``output_rows``).

A model lives in a module of its own (the project's are in ``networks/neurons/``). Its compiled
functions are module-level functions of that module, because the handlers the runtimes
generate import them by name (``from networks.neurons.lif import step as _step0``); the module
ends by registering its model, e.g.

    MODEL = register(NeuronModel(name="lif", module=__name__, params=PARAMS, ...))

A population names its model by the registered name (``Population.model = "lif"``); the import
path of the model's module ("networks.neurons.lif", as workloads named models before) resolves
to the same model.
"""
from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np
from numba.core.dispatcher import Dispatcher

from .errors import ConfigError
from .workload_ir import WorkloadIR

MODEL_PACKAGES = ("networks.neurons",)
"""Packages in which ``resolve`` looks for a name not registered yet: ``resolve("lif")``
imports ``networks.neurons.lif``, which registers its model. Named by string, so that the
engine never imports the ``networks`` floor statically (the one run-time dependency on it)."""


class ExactForm(NamedTuple):
    """The exact event-driven form of a linear model, for ``simulate(..., integrator="exact")``
    (continuous time, no step). All but ``constants`` are compiled (``kernel_jit``) functions
    defined at module level in the model's module; times in seconds, state and constants as in
    ``NeuronModel``.

    ``constants(params float64[N, P]) -> float64[N, K]``: per-neuron time-free constants.
    ``advance(state, coef, i, c, dt_s)``: evolve neuron i over dt_s seconds without input.
    ``receive(state, coef, i, c, port, x)``: an input event of weight x on ``port`` (a jump).
    ``form(state, coef, i, c) -> (wait_s, v_inf, slope, a1, tau1, a2, tau2, a3, tau3,
    threshold)``: after wait_s seconds, v(s) = v_inf + slope s + sum_k a_k exp(-s / tau_k)
    (tau_k in seconds; ``eventsim.crossing`` finds where it reaches threshold; threshold inf:
    never).
    ``fire(state, coef, i, c)``: reset neuron i after a spike.
    """
    constants: Callable[[np.ndarray], np.ndarray]
    advance: Any
    receive: Any
    form: Any
    fire: Any


class NeuronModel(NamedTuple):
    """A neuron model as the engine uses it.

    ``name``: the registry key, a Python identifier (``Population.model`` names it).
    ``module``: the import path of the module that defines the compiled functions (the
    generated handlers import them from it by their names).
    ``params``: names of the per-neuron parameters, the columns of a population's ``params``
    array, in the model's own units (NIR's names and units; time constants in seconds).
    ``defaults``: default value of the parameters that have one (keys among ``params``).
    ``state``: names of the per-neuron state variables, the columns of its ``state`` array
    (at least one).
    ``ports``: number of input ports (e.g. 2: excitatory and inhibitory currents), >= 1.
    ``coefficients(params float64[N, P], dt_s) -> float64[N, K]``: per-neuron constants of one
    step of dt_s seconds.
    ``step(state, coef, i, c, ring, slot, g) -> bool``: one time step of the neuron whose state
    is column i of ``state`` (constants in column c of ``coef``) with the step's inputs
    ``ring[slot, port, g]``: evolve the state over dt, test the threshold (and reset); True if
    it spiked. The runtime (``eventsim.network_layout``) passes the neuron's global id as both
    i and g. It holds ``state`` [S, N] and ``coef`` [K, columns] neuron-last (structure of
    arrays) so that the loop over a population's neurons can vectorise, and a population whose
    neurons share their constants gets one column (c fixed: the constants stay in registers);
    models write their branches as selects (``a if cond else b``) for the same reason, and read
    every constant before the selects (a read inside a select compiles to a masked gather per
    neuron, which stays in the loop: measured almost half of CUBA's update).
    ``quiescent(state, coef, i, c) -> bool``: True if, without input, neuron i cannot spike; an
    event-driven machine then need not update it until an input arrives (a safe bound: False
    only costs updates, never changes spikes).
    ``outputs``: the state rows a spike carries as its values (graded spikes, e.g. EGRU's
    y = c: ``(1,)``); empty: a spike carries 1 and a synapse adds its weight.
    ``exact``: the exact event-driven form (``ExactForm``), or None.
    ``step_counted``: names of state variables that are durations in seconds (e.g. the
    refractory time left) which ``step`` counts in whole steps of dt: the discrete integrator
    converts them to steps when a run starts (rounded) and back to seconds at its end, so that
    a population's state and a run's final state are in seconds with either integrator.

    ``step``, ``quiescent`` are compiled (``kernel_jit``) functions defined at module level in
    ``module``. What a step's input means is each model's own, stated in its module's
    docstring: the NIR models take a current held over the step (NIR's ODE with a
    piecewise-constant input, integrated exactly), the CUBA model of Brette et al. takes jumps
    of its synaptic currents (as Brian2's ``on_pre``).
    """
    name: str
    module: str
    params: tuple
    defaults: Mapping
    state: tuple
    ports: int
    coefficients: Callable[[np.ndarray, float], np.ndarray]
    step: Any
    quiescent: Any
    outputs: tuple = ()
    exact: ExactForm | None = None
    step_counted: tuple = ()


_REGISTRY: dict[str, NeuronModel] = {}

_ARITY = {"coefficients": 2, "step": 7, "quiescent": 4}
_EXACT_ARITY = {"constants": 1, "advance": 5, "receive": 6, "form": 4, "fire": 4}


def register(model: NeuronModel) -> NeuronModel:
    """Add ``model`` to the registry under its name and return it. The same model again is
    accepted; a different model under a registered name, a second model of one module, or a
    malformed model is refused (ConfigError naming what is wrong)."""
    _check(model)
    known = _REGISTRY.get(model.name)
    if known is not None and known != model:
        raise ConfigError(f"neuron model {model.name!r} is registered already (module "
                          f"{known.module}); a different model needs another name")
    for other in _REGISTRY.values():
        if other.module == model.module and other.name != model.name:
            raise ConfigError(f"neuron model {model.name!r}: module {model.module} defines "
                              f"model {other.name!r} already (one model per module)")
    _REGISTRY[model.name] = model
    return model


def registered() -> tuple[str, ...]:
    """The names of the registered models, sorted."""
    return tuple(sorted(_REGISTRY))


def resolve(name: str) -> NeuronModel:
    """The model a population names: a registered name ("lif"), a name defined in one of
    ``MODEL_PACKAGES`` (imported, so that it registers), or the import path of the model's
    module ("networks.neurons.lif", as saved workloads name it). The one place the engine
    finds a model, and the one dynamic import of the ``networks`` floor (by string). ConfigError
    listing the registered names if there is no such model."""
    if not isinstance(name, str):
        raise ConfigError(f"a neuron model is named by a str, got {type(name).__name__}")
    if name in _REGISTRY:
        return _REGISTRY[name]
    if "." in name:
        return _by_module(name)
    if name.isidentifier():
        for package in MODEL_PACKAGES:
            if _imported(f"{package}.{name}") and name in _REGISTRY:
                return _REGISTRY[name]
    raise ConfigError(f"unknown neuron model {name!r}; registered: {list(registered())}")


def _by_module(path: str) -> NeuronModel:
    """The model registered by the module at import ``path`` (importing it)."""
    if _imported(path):
        for m in _REGISTRY.values():
            if m.module == path:
                return m
        raise ConfigError(f"module {path} registers no neuron model; registered: "
                          f"{list(registered())}")
    raise ConfigError(f"unknown neuron model {path!r} (no such module); registered: "
                      f"{list(registered())}")


def _imported(path: str) -> bool:
    """Import the module at ``path``: True, or False if there is no such module (ConfigError
    if it exists but fails to import)."""
    try:
        importlib.import_module(path)
    except ModuleNotFoundError as e:
        if e.name and (path == e.name or path.startswith(e.name + ".")):
            return False
        raise ConfigError(f"cannot import neuron model module {path}: {e}") from e
    except ImportError as e:
        raise ConfigError(f"cannot import neuron model module {path}: {e}") from e
    return True


# -- the protocol's checks ---------------------------------------------------------------------

def _check(m) -> None:
    """ConfigError naming the first field of ``m`` that breaks the protocol."""
    if not isinstance(m, NeuronModel):
        raise ConfigError(f"a neuron model is a NeuronModel, got {type(m).__name__}")
    if not (isinstance(m.name, str) and m.name.isidentifier()):
        raise ConfigError(f"a neuron model's name is an identifier, got {m.name!r}")
    where = f"neuron model {m.name!r}"
    module = sys.modules.get(m.module) if isinstance(m.module, str) else None
    if module is None:
        raise ConfigError(f"{where}: module must be the import path of the (imported) module "
                          f"that defines it, got {m.module!r}")
    _check_names(where, "params", m.params, least=0)
    _check_names(where, "state", m.state, least=1)
    _check_defaults(where, m)
    if not _is_int(m.ports) or m.ports < 1:
        raise ConfigError(f"{where}: ports must be an int >= 1, got {m.ports!r}")
    if not (isinstance(m.step_counted, tuple) and all(n in m.state for n in m.step_counted)):
        raise ConfigError(f"{where}: step_counted must be a tuple of names of state "
                          f"{m.state}, got {m.step_counted!r}")
    if not (isinstance(m.outputs, tuple) and len(set(m.outputs)) == len(m.outputs)
            and all(_is_int(r) and 0 <= r < len(m.state) for r in m.outputs)):
        raise ConfigError(f"{where}: outputs must be a tuple of distinct rows of state "
                          f"{m.state} (0 to {len(m.state) - 1}), got {m.outputs!r}")
    for field, arity in _ARITY.items():
        _check_function(where, field, getattr(m, field), arity, module)
    if m.exact is not None:
        if not isinstance(m.exact, ExactForm):
            raise ConfigError(f"{where}: exact must be an ExactForm or None, got "
                              f"{type(m.exact).__name__}")
        for field, arity in _EXACT_ARITY.items():
            _check_function(where, f"exact.{field}", getattr(m.exact, field), arity, module)


def _check_names(where: str, field: str, names, least: int) -> None:
    """``names``: a tuple of at least ``least`` distinct str."""
    if not (isinstance(names, tuple) and all(isinstance(s, str) for s in names)
            and len(set(names)) == len(names) and len(names) >= least):
        raise ConfigError(f"{where}: {field} must be a tuple of at least {least} distinct str, "
                          f"got {names!r}")


def _check_defaults(where: str, m: NeuronModel) -> None:
    """Defaults: a mapping from some of the params to real numbers."""
    if not isinstance(m.defaults, Mapping):
        raise ConfigError(f"{where}: defaults must be a mapping, got {type(m.defaults).__name__}")
    unknown = sorted(set(m.defaults) - set(m.params))
    if unknown:
        raise ConfigError(f"{where}: defaults of {unknown}, which are not params {m.params}")
    for key, value in m.defaults.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: default of {key!r} must be a number, got {value!r}")


def _check_function(where: str, field: str, f, arity: int, module) -> None:
    """``coefficients`` and ``exact.constants``: a Python callable of ``arity`` arguments; the
    others: a compiled function of ``arity`` arguments defined at module level in ``module``
    under its own name (so that generated code can import it)."""
    python = field in ("coefficients", "exact.constants")
    if python:
        if not callable(f):
            raise ConfigError(f"{where}: {field} must be a function, got {f!r}")
        target = f
    else:
        if not isinstance(f, Dispatcher):
            raise ConfigError(f"{where}: {field} must be a compiled (kernel_jit) function, got "
                              f"{type(f).__name__}")
        if getattr(module, f.__name__, None) is not f:
            raise ConfigError(f"{where}: {field} ({f.__name__}) must be defined at module level "
                              f"in {module.__name__} under its own name")
        target = f.py_func
    n = len(inspect.signature(target).parameters)
    if n != arity:
        raise ConfigError(f"{where}: {field} must take {arity} arguments, takes {n}")


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


# -- a workload against its models -------------------------------------------------------------

def load_model(pop) -> NeuronModel:
    """The model of population ``pop`` (``resolve``), its params and state columns checked."""
    try:
        m = resolve(pop.model)
    except ConfigError as e:
        raise ConfigError(f"population {pop.name!r}: {e}") from None
    for what, names in (("params", m.params), ("state", m.state)):
        a = getattr(pop, what)
        if a is None:
            raise ConfigError(f"population {pop.name!r} has no {what} array (model {m.name})")
        if a.shape[1] != len(names):
            raise ConfigError(f"population {pop.name!r}: {what} has {a.shape[1]} columns, model "
                              f"{m.name} has {len(names)}: {list(names)}")
    return m


def load_exact_model(pop) -> NeuronModel:
    """``load_model``, and the model must have an exact event-driven form."""
    m = load_model(pop)
    if m.exact is None:
        raise ConfigError(f"population {pop.name!r}: model {m.name} has no exact event-driven "
                          f"form (NeuronModel.exact); run it with integrator='discrete' "
                          f"(time steps)")
    return m


def output_rows(models) -> np.ndarray:
    """[populations, outputs] state row of each output of models[p] (-1: the spike carries
    1)."""
    width = max([1] + [len(m.outputs) for m in models])
    out = np.full((len(models), width), -1, np.int64)
    for p, m in enumerate(models):
        out[p, :len(m.outputs)] = m.outputs
    return out


def check_ports(w: WorkloadIR, models) -> None:
    """Every projection and input targets a port its post model (models[p] of population p)
    has; every projection reads an output its pre model sends (ConfigError naming them
    otherwise)."""
    for ev in w.inputs:
        m = models[ev.population]
        if not 0 <= ev.port < m.ports:
            raise ConfigError(f"input events: port {ev.port} but population "
                              f"{w.populations[ev.population].name!r} has {m.ports} port(s)")
    for pr in w.projections:
        post, pre = models[pr.post], models[pr.pre]
        if not 0 <= pr.port < post.ports:
            raise ConfigError(f"projection {pr.name!r}: port {pr.port} but model {post.name} has "
                              f"{post.ports} port(s)")
        n_out = max(1, len(pre.outputs))
        if not 0 <= pr.source < n_out:
            raise ConfigError(f"projection {pr.name!r}: source {pr.source} but model {pre.name} "
                              f"sends {n_out} value(s) per spike")
