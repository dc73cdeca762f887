"""Integrate-and-fire neuron (NIR ``IF``, plus a bias current).

    dv/dt = r (I + i_bias)

A step's input x is a current held over the step: v <- v + r (x + i_bias) dt. Then, if
v > v_threshold, it spikes: v = v_reset (``reset_subtract`` = 0) or v - v_threshold (1).
Units: dt in seconds; v, r, currents in the graph's units.
"""
import numpy as np

from eventsim.jit import kernel_jit

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
    after = v - coef[_THRESHOLD, c] if coef[_SUBTRACT, c] != 0 else coef[_RESET, c]
    state[0, i] = after if spiked else v
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, neuron i will not spike (no positive drift, v below threshold)."""
    return coef[_GAIN, c] * coef[_I_BIAS, c] <= 0 and state[0, i] <= coef[_THRESHOLD, c]
