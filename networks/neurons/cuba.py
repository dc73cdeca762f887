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
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, inputs ring[slot, 0 | 1, g] (see the module docstring); True if
    it spiked. Written with selects so that the loop over neurons vectorises."""
    ge = state[1, i] + ring[slot, 0, g]
    gi = state[2, i] + ring[slot, 1, g]
    refractory = state[3, i] > 0
    v_rest = coef[_V_REST, c]
    v = v_rest + (state[0, i] - v_rest) * coef[_A_MEM, c] + ge * coef[_K_EXC, c] \
        + gi * coef[_K_INH, c]
    v = coef[_RESET, c] if refractory else v
    state[1, i] = ge * coef[_A_EXC, c]
    state[2, i] = gi * coef[_A_INH, c]
    spiked = v > coef[_THRESHOLD, c]
    state[0, i] = coef[_RESET, c] if spiked else v
    state[3, i] = coef[_REFRACTORY, c] if spiked else max(state[3, i] - 1, 0.0)
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, neuron i will not spike: v_rest below threshold and v's peak
    bounded by max(v, v_rest) plus the positive synaptic currents (kappa <= 1) below it."""
    if state[3, i] > 0:
        return False
    bound = max(state[0, i], coef[_V_REST, c]) + max(state[1, i], 0.0) + max(state[2, i], 0.0)
    return bound <= coef[_THRESHOLD, c]
