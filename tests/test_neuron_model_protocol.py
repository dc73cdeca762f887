"""The neuron-model protocol (``eventsim.neuron_model``): every model of ``networks.neurons``
is registered and follows it, and the registry refuses what would break it. Nothing here
runs a simulation or compiles a model."""
import ast
import importlib
import inspect
import sys
import types
from pathlib import Path

import numba
import numpy as np
import pytest

import networks.neurons
from eventsim import neuron_model
from eventsim.errors import ConfigError
from eventsim.neuron_model import (ExactForm, NeuronModel, load_model, output_rows, register,
                                   registered, resolve)
from eventsim.workload_ir import Population

MODELS = networks.neurons.MODELS
EXACT = {"cuba", "cuba_lif", "if_neuron", "li", "lif"}
OUTPUTS = {"egru": (1,), "relay": (0,), "activation": (0,), "ssm": (0, 1)}
REQUIRED = {"lif": {"tau": 0.02, "v_threshold": 1.0},
            "cuba_lif": {"tau_syn": 5e-3, "tau_mem": 0.02, "v_threshold": 1.0},
            "cuba": {"tau_mem": 0.02, "tau_exc": 5e-3, "tau_inh": 0.01, "v_rest": -0.049,
                     "v_threshold": -0.05, "v_reset": -0.06},
            "if_neuron": {"v_threshold": 1.0}, "li": {"tau": 0.02},
            "adaptive_lif": {"tau": 0.02, "v_threshold": 1.0, "tau_adapt": 0.1, "beta": 0.2},
            "threshold": {"v_threshold": 1.0}, "egru": {"threshold": 0.1},
            "ssm": {"lambda_re": -10.0, "lambda_im": 3.0}, "loihi_lif": {"threshold": 1.0}}
ROOT = Path(__file__).resolve().parents[1]
N = 3


def params_of(m: NeuronModel) -> np.ndarray:
    """float64[N, P]: the model's defaults, and a valid value for each parameter without one."""
    values = m.defaults | REQUIRED.get(m.name, {})
    return np.tile(np.array([float(values[p]) for p in m.params]), (N, 1))


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry, restored after the test."""
    monkeypatch.setattr(neuron_model, "_REGISTRY", dict(neuron_model._REGISTRY))


# -- every model of networks.neurons against the protocol --------------------------------------

def test_importing_networks_neurons_registers_exactly_its_models():
    assert registered() == tuple(sorted(MODELS))


@pytest.mark.parametrize("name", MODELS)
def test_a_model_resolves_by_name_to_the_model_its_module_registers(name):
    m = resolve(name)
    assert isinstance(m, NeuronModel)
    assert (m.name, m.module) == (name, f"networks.neurons.{name}")
    assert importlib.import_module(m.module).MODEL is m


@pytest.mark.parametrize("name", MODELS)
def test_the_module_path_resolves_to_the_same_model(name):
    assert resolve(f"networks.neurons.{name}") is resolve(name)


@pytest.mark.parametrize("name", MODELS)
def test_params_state_and_defaults_are_names_and_numbers(name):
    m = resolve(name)
    assert isinstance(m.params, tuple) and all(isinstance(p, str) for p in m.params)
    assert isinstance(m.state, tuple) and all(isinstance(s, str) for s in m.state)
    assert len(m.state) >= 1
    assert set(m.defaults) <= set(m.params)
    assert all(type(v) is float for v in m.defaults.values())


@pytest.mark.parametrize("name", MODELS)
def test_ports_is_a_positive_int(name):
    ports = resolve(name).ports
    assert type(ports) is int and ports >= 1


@pytest.mark.parametrize("name", MODELS)
def test_outputs_are_the_state_rows_a_graded_spike_carries(name):
    m = resolve(name)
    assert m.outputs == OUTPUTS.get(name, ())
    assert all(0 <= r < len(m.state) for r in m.outputs)


@pytest.mark.parametrize("name", MODELS)
def test_coefficients_give_float64_constants_per_neuron(name):
    m = resolve(name)
    coef = m.coefficients(params_of(m), 1e-3)
    assert coef.dtype == np.float64 and coef.ndim == 2
    assert coef.shape[0] == N and coef.shape[1] >= 1
    assert np.isfinite(coef).all()


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("field, arity", [("step", 7), ("quiescent", 4)])
def test_step_and_quiescent_are_compiled_and_importable_by_name(name, field, arity):
    m = resolve(name)
    f = getattr(m, field)
    assert isinstance(f, numba.core.dispatcher.Dispatcher)
    assert getattr(importlib.import_module(m.module), f.__name__) is f
    assert len(inspect.signature(f.py_func).parameters) == arity


def test_the_linear_models_and_only_they_have_an_exact_form():
    assert {name for name in MODELS if resolve(name).exact is not None} == EXACT


@pytest.mark.parametrize("name", sorted(EXACT))
def test_an_exact_form_is_complete_and_importable_by_name(name):
    m = resolve(name)
    assert isinstance(m.exact, ExactForm)
    module = importlib.import_module(m.module)
    for field, arity in [("advance", 5), ("receive", 6), ("form", 4), ("fire", 4)]:
        f = getattr(m.exact, field)
        assert isinstance(f, numba.core.dispatcher.Dispatcher), field
        assert getattr(module, f.__name__) is f, field
        assert len(inspect.signature(f.py_func).parameters) == arity, field


@pytest.mark.parametrize("name", sorted(EXACT))
def test_exact_constants_give_float64_constants_per_neuron(name):
    m = resolve(name)
    coef = m.exact.constants(params_of(m))
    assert coef.dtype == np.float64 and coef.ndim == 2 and coef.shape[0] == N


@pytest.mark.parametrize("name", MODELS)
def test_registering_a_registered_model_again_returns_it(name, registry):
    assert register(resolve(name)) is resolve(name)


def test_output_rows_lists_each_models_outputs_padded_with_minus_one():
    rows = output_rows([resolve("lif"), resolve("egru"), resolve("ssm")])
    assert rows.tolist() == [[-1, -1], [1, -1], [0, 1]]


# -- resolving a population's model ------------------------------------------------------------

def test_a_population_names_its_model_by_the_registered_name():
    from networks.population import population
    assert population("p", "cuba_lif", 2, tau_syn=5e-3, tau_mem=0.02,
                      v_threshold=1.0).model == "cuba_lif"


def test_the_default_model_of_a_population_is_lif():
    assert Population("p", 1).model == "lif"


def test_a_workload_that_names_the_module_path_loads_the_same_model():
    pop = Population("p", 2, model="networks.neurons.lif", params=np.zeros((2, 8)),
                     state=np.zeros((2, 2)))
    assert load_model(pop) is resolve("lif")


def test_an_unknown_name_is_refused_listing_the_registered_names():
    with pytest.raises(ConfigError) as e:
        resolve("hh")
    assert str(e.value) == f"unknown neuron model 'hh'; registered: {sorted(MODELS)}"


def test_load_model_names_the_population_whose_model_is_unknown():
    pop = Population("p", 1, model="hh", params=np.zeros((1, 0)), state=np.zeros((1, 1)))
    with pytest.raises(ConfigError) as e:
        load_model(pop)
    assert str(e.value) == f"population 'p': unknown neuron model 'hh'; registered: {sorted(MODELS)}"


def test_a_module_path_of_no_module_is_refused():
    with pytest.raises(ConfigError) as e:
        resolve("networks.neurons.hh")
    assert str(e.value) == (f"unknown neuron model 'networks.neurons.hh' (no such module); "
                            f"registered: {sorted(MODELS)}")


def test_a_module_that_registers_no_model_is_refused():
    with pytest.raises(ConfigError) as e:
        resolve("networks.neurons.reset")
    assert str(e.value) == (f"module networks.neurons.reset registers no neuron model; "
                            f"registered: {sorted(MODELS)}")


def test_a_model_is_named_by_a_str():
    with pytest.raises(ConfigError) as e:
        resolve(None)
    assert str(e.value) == "a neuron model is named by a str, got NoneType"


# -- the registry ------------------------------------------------------------------------------

@pytest.fixture
def toy_module(monkeypatch):
    """A module "toys.neurons" (in sys.modules) holding lif's compiled functions."""
    lif = resolve("lif")
    module = types.ModuleType("toys.neurons")
    module.step, module.quiescent = lif.step, lif.quiescent
    monkeypatch.setitem(sys.modules, "toys.neurons", module)
    return module


def toy() -> NeuronModel:
    """A binary model of one state variable and no parameters in module toys.neurons."""
    lif = resolve("lif")
    return NeuronModel(name="toy", module="toys.neurons", params=(), defaults={}, state=("v",),
                       ports=1, coefficients=lambda params, dt_s: np.zeros((len(params), 1)),
                       step=lif.step, quiescent=lif.quiescent)


def test_a_new_model_resolves_by_its_name_and_its_module_path(registry, toy_module):
    m = register(toy())
    assert resolve("toy") is m and resolve("toys.neurons") is m
    assert "toy" in registered()


def test_a_different_model_under_a_registered_name_is_refused(registry):
    with pytest.raises(ConfigError) as e:
        register(resolve("lif")._replace(ports=2))
    assert str(e.value) == ("neuron model 'lif' is registered already (module "
                            "networks.neurons.lif); a different model needs another name")
    assert resolve("lif").ports == 1


def test_a_module_defines_one_model(registry):
    with pytest.raises(ConfigError) as e:
        register(resolve("lif")._replace(name="lif2"))
    assert str(e.value) == ("neuron model 'lif2': module networks.neurons.lif defines model "
                            "'lif' already (one model per module)")
    assert "lif2" not in registered()


def _local_step(state, coef, i, c, ring, slot, g):
    return False


@pytest.mark.parametrize("change, message", [
    (dict(name="two words"), "a neuron model's name is an identifier, got 'two words'"),
    (dict(module="no_such_module"), "neuron model 'toy': module must be the import path of the "
                                    "(imported) module that defines it, got 'no_such_module'"),
    (dict(params=["a"]), "neuron model 'toy': params must be a tuple of at least 0 distinct str, "
                         "got ['a']"),
    (dict(state=()), "neuron model 'toy': state must be a tuple of at least 1 distinct str, "
                     "got ()"),
    (dict(state=("v", "v")), "neuron model 'toy': state must be a tuple of at least 1 distinct "
                             "str, got ('v', 'v')"),
    (dict(defaults={"tau": 1.0}), "neuron model 'toy': defaults of ['tau'], which are not params "
                                  "()"),
    (dict(params=("tau",), defaults={"tau": "1"}), "neuron model 'toy': default of 'tau' must be "
                                                   "a number, got '1'"),
    (dict(ports=0), "neuron model 'toy': ports must be an int >= 1, got 0"),
    (dict(ports=True), "neuron model 'toy': ports must be an int >= 1, got True"),
    (dict(outputs=(1,)), "neuron model 'toy': outputs must be a tuple of distinct rows of state "
                         "('v',) (0 to 0), got (1,)"),
    (dict(coefficients=lambda params: params), "neuron model 'toy': coefficients must take 2 "
                                               "arguments, takes 1"),
    (dict(step=_local_step), "neuron model 'toy': step must be a compiled (kernel_jit) function, "
                             "got function"),
    (dict(step=numba.njit(_local_step)), "neuron model 'toy': step (_local_step) must be defined "
                                         "at module level in toys.neurons under its own name"),
    (dict(quiescent="step"), "neuron model 'toy': quiescent must be a compiled (kernel_jit) "
                             "function, got str"),
    (dict(exact=(1, 2, 3, 4, 5)), "neuron model 'toy': exact must be an ExactForm or None, got "
                                  "tuple"),
])
def test_a_malformed_model_is_refused_naming_what_is_wrong(registry, toy_module, change, message):
    with pytest.raises(ConfigError) as e:
        register(toy()._replace(**change))
    assert str(e.value) == message
    assert "toy" not in registered()


def test_a_compiled_function_of_the_wrong_arity_is_refused(registry, toy_module):
    toy_module.step = resolve("lif").quiescent
    with pytest.raises(ConfigError) as e:
        register(toy()._replace(step=toy_module.step))
    assert str(e.value) == "neuron model 'toy': step must take 7 arguments, takes 4"


def test_an_incomplete_exact_form_is_refused(registry, toy_module):
    lif = resolve("lif")
    toy_module.exact_advance = lif.exact.advance
    exact = lif.exact._replace(receive=None)
    with pytest.raises(ConfigError) as e:
        register(toy()._replace(exact=exact))
    assert str(e.value) == ("neuron model 'toy': exact.receive must be a compiled (kernel_jit) "
                            "function, got NoneType")


# -- layering ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted((ROOT / "eventsim").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_engine_never_imports_the_networks_floor(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.level == 0 and n.module]
    assert [m for m in imported if m == "networks" or m.startswith("networks.")] == []
