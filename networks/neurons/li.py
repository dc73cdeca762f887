"""Leaky integrator (NIR ``LI``, plus a bias current): a LIF without threshold, used as a
read-out whose voltage is the output.

    tau dv/dt = (v_leak - v) + r (I + i_bias)

A step's input x is held over the step and integrated exactly:
v <- v_inf + (v - v_inf) exp(-dt / tau), v_inf = v_leak + r (i_bias + x). It never spikes.
Units: tau in seconds; v, r, currents in the graph's units.

Exact event-driven form (``integrator="exact"``): an input event of weight x moves v by
r x at its time; in between, v(s) = v_inf + (v - v_inf) exp(-s / tau), v_inf = v_leak +
r i_bias.
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import ExactForm, NeuronModel, register

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


# -- exact event-driven form (see the module docstring) --------------------------------------
_E_TAU, _E_V_INF, _E_R = range(3)


def exact_constants(params: np.ndarray) -> np.ndarray:
    """Per-neuron constants of the exact form."""
    tau, r, v_leak, i_bias = params.T
    return np.stack([tau, v_leak + r * i_bias, r], axis=1)


@kernel_jit(inline="always")
def exact_advance(state, coef, i, c, dt_s):
    """Evolve neuron i over dt_s seconds without input."""
    v_inf = coef[_E_V_INF, c]
    state[0, i] = v_inf + (state[0, i] - v_inf) * np.exp(-dt_s / coef[_E_TAU, c])


@kernel_jit(inline="always")
def exact_receive(state, coef, i, c, port, x):
    """An input event of weight x: v jumps by r x."""
    state[0, i] += coef[_E_R, c] * x


@kernel_jit(inline="always")
def exact_form(state, coef, i, c):
    """No threshold: the form's threshold is inf (it never spikes)."""
    return (0.0, coef[_E_V_INF, c], 0.0, state[0, i] - coef[_E_V_INF, c], coef[_E_TAU, c],
            0.0, np.inf, 0.0, np.inf, np.inf)


@kernel_jit(inline="always")
def exact_fire(state, coef, i, c):
    """Never called (no threshold)."""
    return


MODEL = register(NeuronModel(
    name="li", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    exact=ExactForm(exact_constants, exact_advance, exact_receive, exact_form, exact_fire)))
