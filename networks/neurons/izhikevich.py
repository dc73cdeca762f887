"""Izhikevich neuron (Izhikevich, IEEE Trans. Neural Networks 14(6), 2003), in its units:
v in mV, time in ms, input current in the model's dimensionless units.

    dv/dt = 0.04 v^2 + 5 v + 140 - u + I,   du/dt = a (b v - u)
    if v >= 30 mV: v = c, u = u + d

A step's input x is held over the step. Forward Euler in sub-steps of at most 0.5 ms for v (the
paper's own scheme uses two 0.5 ms steps per 1 ms), one step for u; the peak test follows each
step. The step length dt_s is given in seconds and converted to ms.
"""
import math

import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

PARAMS = ("a", "b", "c", "d", "i_bias")
DEFAULTS = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "i_bias": 0.0}
STATE = ("v", "u")
PORTS = 1
_A, _B, _C, _D, _I_BIAS, _H_MS, _N_SUB, _DT_MS = range(8)
V_PEAK_MV = 30.0


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step of ``dt_s`` seconds."""
    dt_ms = dt_s * 1e3
    n_sub = max(1, math.ceil(dt_ms / 0.5 - 1e-9))
    n = params.shape[0]
    return np.concatenate([params, np.full((n, 1), dt_ms / n_sub), np.full((n, 1), n_sub),
                           np.full((n, 1), dt_ms)], axis=1)


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, input ring[slot, 0, g] (see the module docstring); True if it
    spiked."""
    v, u = state[0, i], state[1, i]
    current = ring[slot, 0, g] + coef[_I_BIAS, c]
    h = coef[_H_MS, c]
    for _ in range(int(coef[_N_SUB, c])):
        v += h * (0.04 * v * v + 5.0 * v + 140.0 - u + current)
    u += coef[_DT_MS, c] * coef[_A, c] * (coef[_B, c] * v - u)
    reset_c, jump_d = coef[_C, c], coef[_D, c]     # read before the selects (``cuba.step``)
    spiked = v >= V_PEAK_MV
    state[0, i] = reset_c if spiked else v
    state[1, i] = u + jump_d if spiked else u
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """Never: whether the quadratic model rests or fires without input has no cheap bound here,
    so an Izhikevich neuron is updated (and charged) every step."""
    return False


MODEL = register(NeuronModel(
    name="izhikevich", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent))
