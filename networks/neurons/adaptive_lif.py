"""Adaptive LIF neuron (ALIF, as in Bellec et al., NeurIPS 2018): a LIF whose threshold rises by
``beta`` with each spike and relaxes back with time constant ``tau_adapt``.

    tau dv/dt = (v_leak - v) + r (I + i_bias),   tau_adapt db/dt = -b,
    threshold = v_threshold + beta b

A step's input x is held over the step; v and b are integrated exactly over dt, then if
v > threshold the neuron spikes: b <- b + 1 and v = v_reset (``reset_subtract`` = 0) or
v - threshold (1). Units: time constants in seconds; v, r, currents in the graph's units.
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

from .reset import after_spike

PARAMS = ("tau", "r", "v_leak", "v_threshold", "v_reset", "i_bias", "tau_adapt", "beta",
          "reset_subtract")
DEFAULTS = {"r": 1.0, "v_leak": 0.0, "v_reset": 0.0, "i_bias": 0.0, "reset_subtract": 0.0}
STATE = ("v", "b")
PORTS = 1
_DECAY, _V_LEAK, _R, _I_BIAS, _THRESHOLD, _RESET, _A_ADAPT, _BETA, _SUBTRACT = range(9)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step of ``dt_s`` seconds."""
    tau, r, v_leak, th, reset, i_bias, tau_a, beta, sub = params.T
    return np.stack([np.exp(-dt_s / tau), v_leak, r, i_bias, th, reset, np.exp(-dt_s / tau_a),
                     beta, sub], axis=1)


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, input ring[slot, 0, g] (see the module docstring); True if it
    spiked."""
    v_inf = coef[_V_LEAK, c] + coef[_R, c] * (coef[_I_BIAS, c] + ring[slot, 0, g])
    v = v_inf + (state[0, i] - v_inf) * coef[_DECAY, c]
    b = state[1, i] * coef[_A_ADAPT, c]
    threshold = coef[_THRESHOLD, c] + coef[_BETA, c] * b
    spiked = v > threshold
    after = after_spike(v, threshold, coef[_RESET, c], coef[_SUBTRACT, c])
    state[0, i] = after if spiked else v
    state[1, i] = b + 1.0 if spiked else b
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, neuron i will not spike: v and v_inf below the base threshold
    (the adaptive part, beta b >= 0 for beta >= 0, only raises it)."""
    th = coef[_THRESHOLD, c]
    v_inf = coef[_V_LEAK, c] + coef[_R, c] * coef[_I_BIAS, c]
    return coef[_BETA, c] >= 0 and state[0, i] <= th and v_inf <= th


MODEL = register(NeuronModel(
    name="adaptive_lif", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent))
