"""Current-based leaky integrate-and-fire neuron (NIR ``CubaLIF``, plus a bias input).

    tau_syn dI/dt = -I + w_in (x + i_bias)
    tau_mem dv/dt = (v_leak - v) + r I

A step's input x is held over the step; both equations are integrated exactly over dt:
I_inf = w_in (x + i_bias), v_inf = v_leak + r I_inf,
I <- I_inf + (I - I_inf) a_syn,
v <- v_inf + (v - v_inf) a_mem + r (I_old - I_inf) kappa,
with a = exp(-dt / tau) and kappa = tau_syn / (tau_syn - tau_mem) (a_syn - a_mem)
(dt / tau_mem a_mem when the time constants are equal). Then, if v > v_threshold, it spikes and
v = v_reset (``reset_subtract`` = 0) or v - v_threshold (``reset_subtract`` = 1).
Units: time constants in seconds; v, r, currents in the graph's units.

Exact event-driven form (``integrator="exact"``): an input event of weight x makes I jump
by w_in x (a current-based synapse, as NEST's ``iaf_psc_exp``); in between, with tau_syn !=
tau_mem, v(s) = v_inf + r (I - I_inf) kappa' exp(-s/tau_syn) + (v - v_inf - r (I - I_inf)
kappa') exp(-s/tau_mem), kappa' = tau_syn / (tau_syn - tau_mem); it spikes when v reaches
v_threshold.
"""
import numpy as np

from eventsim.errors import ConfigError
from eventsim.jit import kernel_jit
from eventsim.neuron_model import ExactForm, NeuronModel, register

from .reset import after_spike

PARAMS = ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in", "i_bias",
          "reset_subtract")
DEFAULTS = {"r": 1.0, "v_leak": 0.0, "v_reset": 0.0, "w_in": 1.0, "i_bias": 0.0,
            "reset_subtract": 0.0}
STATE = ("v", "i_syn")
PORTS = 1
_A_SYN, _A_MEM, _KAPPA, _R, _V_LEAK, _W_IN, _I_BIAS, _THRESHOLD, _RESET, _SUBTRACT = range(10)


def coupling(tau_syn, tau_mem, dt_s):
    """kappa: v's response at dt to a unit synaptic current decaying from t = 0 (r = 1)."""
    a_syn, a_mem = np.exp(-dt_s / tau_syn), np.exp(-dt_s / tau_mem)
    same = np.isclose(tau_syn, tau_mem, rtol=1e-12, atol=0)
    diff = np.where(same, 1.0, tau_syn - tau_mem)
    return np.where(same, dt_s / tau_mem * a_mem, tau_syn / diff * (a_syn - a_mem))


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step of ``dt_s`` seconds."""
    tau_syn, tau_mem, r, v_leak, th, reset, w_in, i_bias, sub = params.T
    out = np.empty((params.shape[0], 10))
    out[:, _A_SYN] = np.exp(-dt_s / tau_syn)
    out[:, _A_MEM] = np.exp(-dt_s / tau_mem)
    out[:, _KAPPA] = coupling(tau_syn, tau_mem, dt_s)
    out[:, _R], out[:, _V_LEAK], out[:, _W_IN], out[:, _I_BIAS] = r, v_leak, w_in, i_bias
    out[:, _THRESHOLD], out[:, _RESET], out[:, _SUBTRACT] = th, reset, sub
    return out


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, input ring[slot, 0, g] (see the module docstring); True if it
    spiked."""
    r = coef[_R, c]
    i_inf = coef[_W_IN, c] * (ring[slot, 0, g] + coef[_I_BIAS, c])
    i_old = state[1, i]
    v_inf = coef[_V_LEAK, c] + r * i_inf
    v = v_inf + (state[0, i] - v_inf) * coef[_A_MEM, c] + r * (i_old - i_inf) * coef[_KAPPA, c]
    state[1, i] = i_inf + (i_old - i_inf) * coef[_A_SYN, c]
    spiked = v > coef[_THRESHOLD, c]
    after = after_spike(v, coef[_THRESHOLD, c], coef[_RESET, c], coef[_SUBTRACT, c])
    state[0, i] = after if spiked else v
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, neuron i will not spike: a bound on v's peak (the synaptic
    current's pull adds at most r |I - I_inf|, since kappa <= 1) stays below threshold."""
    r = coef[_R, c]
    i_inf = coef[_W_IN, c] * coef[_I_BIAS, c]
    v_inf = coef[_V_LEAK, c] + r * i_inf
    bound = max(state[0, i], v_inf) + abs(r * (state[1, i] - i_inf))
    return bound <= coef[_THRESHOLD, c]


# -- exact event-driven form (see the module docstring) --------------------------------------
_E_TAU_SYN, _E_TAU_MEM, _E_R, _E_V_LEAK, _E_THRESHOLD, _E_RESET, _E_W_IN, _E_I_INF, \
    _E_SUBTRACT, _E_K = range(10)


def exact_constants(params: np.ndarray) -> np.ndarray:
    """Per-neuron constants of the exact form (tau_syn must differ from tau_mem)."""
    tau_syn, tau_mem, r, v_leak, th, reset, w_in, i_bias, sub = params.T
    if np.isclose(tau_syn, tau_mem, rtol=1e-9, atol=0).any():
        raise ConfigError("cuba_lif: exact integration needs tau_syn != tau_mem")
    return np.stack([tau_syn, tau_mem, r, v_leak, th, reset, w_in, w_in * i_bias, sub,
                     tau_syn / (tau_syn - tau_mem)], axis=1)


@kernel_jit(inline="always")
def exact_advance(state, coef, i, c, dt_s):
    """Evolve neuron i over dt_s seconds without input."""
    r, i_inf = coef[_E_R, c], coef[_E_I_INF, c]
    v_inf = coef[_E_V_LEAK, c] + r * i_inf
    a_syn = np.exp(-dt_s / coef[_E_TAU_SYN, c])
    pull = r * (state[1, i] - i_inf) * coef[_E_K, c]
    state[0, i] = v_inf + pull * a_syn + (state[0, i] - v_inf - pull) \
        * np.exp(-dt_s / coef[_E_TAU_MEM, c])
    state[1, i] = i_inf + (state[1, i] - i_inf) * a_syn


@kernel_jit(inline="always")
def exact_receive(state, coef, i, c, port, x):
    """An input event of weight x: I jumps by w_in x."""
    state[1, i] += coef[_E_W_IN, c] * x


@kernel_jit(inline="always")
def exact_form(state, coef, i, c):
    """(wait_s, v_inf, slope, a1, tau1, a2, tau2, a3, tau3, threshold), see
    ``eventsim.crossing``."""
    r, i_inf = coef[_E_R, c], coef[_E_I_INF, c]
    v_inf = coef[_E_V_LEAK, c] + r * i_inf
    pull = r * (state[1, i] - i_inf) * coef[_E_K, c]
    return (0.0, v_inf, 0.0, state[0, i] - v_inf - pull, coef[_E_TAU_MEM, c], pull,
            coef[_E_TAU_SYN, c], 0.0, np.inf, coef[_E_THRESHOLD, c])


@kernel_jit(inline="always")
def exact_fire(state, coef, i, c):
    """Neuron i spikes now: v = v_reset, or v - v_threshold when resetting by subtraction."""
    state[0, i] = after_spike(state[0, i], coef[_E_THRESHOLD, c], coef[_E_RESET, c],
                              coef[_E_SUBTRACT, c])


MODEL = register(NeuronModel(
    name="cuba_lif", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    exact=ExactForm(exact_constants, exact_advance, exact_receive, exact_form, exact_fire)))
