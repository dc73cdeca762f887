"""Integrate-and-fire neuron (NIR ``IF``, plus a bias current).

    dv/dt = r (I + i_bias)

A step's input x is a current held over the step: v <- v + r (x + i_bias) dt. Then, if
v > v_threshold, it spikes: v = v_reset (``reset_subtract`` = 0) or v - v_threshold (1).
Units: dt in seconds; v, r, currents in the graph's units.

Exact event-driven form (``integrator="exact"``): an input event of weight x moves v by
r x at its time; in between v rises at r i_bias per second; it spikes when v reaches
v_threshold.
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import ExactForm, NeuronModel, register

from .reset import after_spike

PARAMS = ("r", "v_threshold", "v_reset", "i_bias", "reset_subtract")
DEFAULTS = {"r": 1.0, "v_reset": 0.0, "i_bias": 0.0, "reset_subtract": 0.0}
STATE = ("v",)
PORTS = 1
_GAIN, _I_BIAS, _THRESHOLD, _RESET, _SUBTRACT = range(5)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step of ``dt_s`` seconds."""
    r, th, reset, i_bias, sub = params.T
    return np.stack([r * dt_s, i_bias, th, reset, sub], axis=1)


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, input ring[slot, 0, g]; True if it spiked."""
    v = state[0, i] + coef[_GAIN, c] * (ring[slot, 0, g] + coef[_I_BIAS, c])
    spiked = v > coef[_THRESHOLD, c]
    after = after_spike(v, coef[_THRESHOLD, c], coef[_RESET, c], coef[_SUBTRACT, c])
    state[0, i] = after if spiked else v
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, neuron i will not spike (no positive drift, v below threshold)."""
    return coef[_GAIN, c] * coef[_I_BIAS, c] <= 0 and state[0, i] <= coef[_THRESHOLD, c]


# -- exact event-driven form (see the module docstring) --------------------------------------
_E_R, _E_SLOPE, _E_THRESHOLD, _E_RESET, _E_SUBTRACT = range(5)


def exact_constants(params: np.ndarray) -> np.ndarray:
    """Per-neuron constants of the exact form."""
    r, th, reset, i_bias, sub = params.T
    return np.stack([r, r * i_bias, th, reset, sub], axis=1)


@kernel_jit(inline="always")
def exact_advance(state, coef, i, c, dt_s):
    """Evolve neuron i over dt_s seconds without input."""
    state[0, i] += coef[_E_SLOPE, c] * dt_s


@kernel_jit(inline="always")
def exact_receive(state, coef, i, c, port, x):
    """An input event of weight x: v jumps by r x."""
    state[0, i] += coef[_E_R, c] * x


@kernel_jit(inline="always")
def exact_form(state, coef, i, c):
    """(wait_s, v_inf, slope, a1, tau1, a2, tau2, a3, tau3, threshold), see
    ``eventsim.crossing``."""
    return (0.0, state[0, i], coef[_E_SLOPE, c], 0.0, np.inf, 0.0, np.inf, 0.0, np.inf,
            coef[_E_THRESHOLD, c])


@kernel_jit(inline="always")
def exact_fire(state, coef, i, c):
    """Neuron i spikes now: v = v_reset, or v - v_threshold when resetting by subtraction."""
    state[0, i] = after_spike(state[0, i], coef[_E_THRESHOLD, c], coef[_E_RESET, c],
                              coef[_E_SUBTRACT, c])


MODEL = register(NeuronModel(
    name="if_neuron", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    exact=ExactForm(exact_constants, exact_advance, exact_receive, exact_form, exact_fire)))
