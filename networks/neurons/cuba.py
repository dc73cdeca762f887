"""The CUBA benchmark neuron (Vogels & Abbott 2005, as in Brette et al. 2007 and Brian2's
``CUBA`` example): a LIF with two exponentially decaying synaptic currents.

    tau_mem dv/dt = (v_rest - v) + g_exc + g_inh
    tau_exc dg_exc/dt = -g_exc,   tau_inh dg_inh/dt = -g_inh

Inputs are jumps: a step's input on port 0 is added to g_exc, on port 1 to g_inh (Brian2's
``on_pre: ge += we``), at the start of the step. Then the state is integrated exactly over dt
(v is held at v_reset while refractory; the currents keep decaying), and if v > v_threshold the
neuron spikes: v = v_reset for ``refractory_s`` (whole steps). Units: seconds and volts.
"""
import numpy as np

from eventsim.jit import kernel_jit

from .cuba_lif import coupling

PARAMS = ("tau_mem", "tau_exc", "tau_inh", "v_rest", "v_threshold", "v_reset", "refractory_s")
DEFAULTS = {"refractory_s": 0.0}
STATE = ("v", "g_exc", "g_inh", "refractory_left")
PORTS = 2
_A_MEM, _A_EXC, _A_INH, _K_EXC, _K_INH, _V_REST, _THRESHOLD, _RESET, _REFRACTORY = range(9)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step of ``dt_s`` seconds."""
    tau_mem, tau_exc, tau_inh, v_rest, th, reset, refr = params.T
    out = np.empty((params.shape[0], 9))
    out[:, _A_MEM] = np.exp(-dt_s / tau_mem)
    out[:, _A_EXC] = np.exp(-dt_s / tau_exc)
    out[:, _A_INH] = np.exp(-dt_s / tau_inh)
    out[:, _K_EXC] = coupling(tau_exc, tau_mem, dt_s)
    out[:, _K_INH] = coupling(tau_inh, tau_mem, dt_s)
    out[:, _V_REST], out[:, _THRESHOLD], out[:, _RESET] = v_rest, th, reset
    out[:, _REFRACTORY] = np.round(refr / dt_s)
    return out


@kernel_jit(inline="always")
def step(state, coef, i, inp):
    """One step of neuron i (see the module docstring); True if it spiked."""
    ge = state[i, 1] + inp[0]
    gi = state[i, 2] + inp[1]
    if state[i, 3] > 0:
        state[i, 3] -= 1
        v = coef[i, _RESET]
    else:
        v_rest = coef[i, _V_REST]
        v = v_rest + (state[i, 0] - v_rest) * coef[i, _A_MEM] + ge * coef[i, _K_EXC] \
            + gi * coef[i, _K_INH]
    state[i, 1] = ge * coef[i, _A_EXC]
    state[i, 2] = gi * coef[i, _A_INH]
    spiked = v > coef[i, _THRESHOLD]
    if spiked:
        v = coef[i, _RESET]
        state[i, 3] = coef[i, _REFRACTORY]
    state[i, 0] = v
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i):
    """True if, without input, neuron i will not spike: v_rest below threshold and v's peak
    bounded by max(v, v_rest) plus the positive synaptic currents (kappa <= 1) below it."""
    if state[i, 3] > 0:
        return False
    bound = max(state[i, 0], coef[i, _V_REST]) + max(state[i, 1], 0.0) + max(state[i, 2], 0.0)
    return bound <= coef[i, _THRESHOLD]
