"""Leaky integrator (NIR ``LI``, plus a bias current): a LIF without threshold, used as a
read-out whose voltage is the output.

    tau dv/dt = (v_leak - v) + r (I + i_bias)

A step's input x is held over the step and integrated exactly:
v <- v_inf + (v - v_inf) exp(-dt / tau), v_inf = v_leak + r (i_bias + x). It never spikes.
Units: tau in seconds; v, r, currents in the graph's units.
"""
import numpy as np

from eventsim.jit import kernel_jit

PARAMS = ("tau", "r", "v_leak", "i_bias")
DEFAULTS = {"r": 1.0, "v_leak": 0.0, "i_bias": 0.0}
STATE = ("v",)
PORTS = 1
_DECAY, _V_LEAK, _R, _I_BIAS = range(4)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step of ``dt_s`` seconds."""
    tau, r, v_leak, i_bias = params.T
    return np.stack([np.exp(-dt_s / tau), v_leak, r, i_bias], axis=1)


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, input ring[slot, 0, g]; never spikes."""
    v_inf = coef[_V_LEAK, c] + coef[_R, c] * (coef[_I_BIAS, c] + ring[slot, 0, g])
    state[0, i] = v_inf + (state[0, i] - v_inf) * coef[_DECAY, c]
    return False


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """Always: a leaky integrator never spikes, so it only needs updating when input arrives."""
    return True
