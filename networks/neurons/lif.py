"""Leaky integrate-and-fire neuron (NIR ``LIF``, plus a bias current and a refractory period).

    tau dv/dt = (v_leak - v) + r (I + i_bias)

A step's input x is a current held over the step (NIR's ODE with a piecewise-constant input),
integrated exactly: v <- v_inf + (v - v_inf) exp(-dt / tau), v_inf = v_leak + r (i_bias + x).
Then, if v > v_threshold, the neuron spikes: v = v_reset (``reset_subtract`` = 0) or
v = v - v_threshold (``reset_subtract`` = 1), and for ``refractory_s`` seconds (rounded to whole
steps) it ignores inputs and holds v at v_reset.
Units: tau and refractory_s in seconds; v, r, currents in the graph's units.

Exact event-driven form (``integrator="exact"``): an input event of weight x moves v by
r x at its time (a delta synapse, as NEST's ``iaf_psc_delta``; ignored while refractory); in
between, v(s) = v_inf + (v - v_inf) exp(-s / tau), v_inf = v_leak + r i_bias; it spikes when
v reaches v_threshold. ``refractory_left`` is in seconds in a population's state and a run's
final state with either integrator; ``step`` counts it in whole steps (``step_counted``).
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import ExactForm, NeuronModel, register

from .reset import after_spike

PARAMS = ("tau", "r", "v_leak", "v_threshold", "v_reset", "i_bias", "refractory_s",
          "reset_subtract")
DEFAULTS = {"r": 1.0, "v_leak": 0.0, "v_reset": 0.0, "i_bias": 0.0, "refractory_s": 0.0,
            "reset_subtract": 0.0}
STATE = ("v", "refractory_left")
PORTS = 1
_DECAY, _V_INF, _R, _THRESHOLD, _RESET, _REFRACTORY, _SUBTRACT = range(7)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step of ``dt_s`` seconds."""
    tau, r, v_leak, th, reset, i_bias, refr, sub = params.T
    out = np.empty((params.shape[0], 7))
    out[:, _DECAY] = np.exp(-dt_s / tau)
    out[:, _V_INF] = v_leak + r * i_bias
    out[:, _R] = r
    out[:, _THRESHOLD] = th
    out[:, _RESET] = reset
    out[:, _REFRACTORY] = np.round(refr / dt_s)
    out[:, _SUBTRACT] = sub
    return out


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, input ring[slot, 0, g] (see the module docstring); True if it
    spiked. Written with selects so that the loop over neurons vectorises."""
    # constants read before the selects (see ``cuba.step``: a read inside one is a gather)
    reset, threshold, refractory_steps = coef[_RESET, c], coef[_THRESHOLD, c], coef[_REFRACTORY, c]
    refractory = state[1, i] > 0
    v_inf = coef[_V_INF, c] + coef[_R, c] * ring[slot, 0, g]
    v = v_inf + (state[0, i] - v_inf) * coef[_DECAY, c]
    v = reset if refractory else v
    spiked = (v > threshold) and not refractory
    after = after_spike(v, threshold, reset, coef[_SUBTRACT, c])
    state[0, i] = after if spiked else v
    state[1, i] = refractory_steps if spiked else max(state[1, i] - 1, 0.0)
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, neuron i will not spike (v relaxes monotonically to v_inf)."""
    th = coef[_THRESHOLD, c]
    return state[1, i] <= 0 and state[0, i] <= th and coef[_V_INF, c] <= th


# -- exact event-driven form (see the module docstring) --------------------------------------
_E_TAU, _E_V_INF, _E_R, _E_THRESHOLD, _E_RESET, _E_REFRACTORY, _E_SUBTRACT = range(7)


def exact_constants(params: np.ndarray) -> np.ndarray:
    """Per-neuron constants of the exact form."""
    tau, r, v_leak, th, reset, i_bias, refr, sub = params.T
    return np.stack([tau, v_leak + r * i_bias, r, th, reset, refr, sub], axis=1)


@kernel_jit(inline="always")
def exact_advance(state, coef, i, c, dt_s):
    """Evolve neuron i over dt_s seconds without input (refractory: v held at v_reset)."""
    wait = min(state[1, i], dt_s)
    if wait > 0.0:
        state[0, i] = coef[_E_RESET, c]
        state[1, i] -= wait
    rest = dt_s - wait
    if rest > 0.0:
        v_inf = coef[_E_V_INF, c]
        state[0, i] = v_inf + (state[0, i] - v_inf) * np.exp(-rest / coef[_E_TAU, c])


@kernel_jit(inline="always")
def exact_receive(state, coef, i, c, port, x):
    """An input event of weight x: v jumps by r x (unless refractory)."""
    if state[1, i] <= 0.0:
        state[0, i] += coef[_E_R, c] * x


@kernel_jit(inline="always")
def exact_form(state, coef, i, c):
    """(wait_s, v_inf, slope, a1, tau1, a2, tau2, a3, tau3, threshold), see
    ``eventsim.crossing``."""
    wait = state[1, i]
    v = coef[_E_RESET, c] if wait > 0.0 else state[0, i]
    v_inf = coef[_E_V_INF, c]
    return (wait, v_inf, 0.0, v - v_inf, coef[_E_TAU, c], 0.0, np.inf, 0.0, np.inf,
            coef[_E_THRESHOLD, c])


@kernel_jit(inline="always")
def exact_fire(state, coef, i, c):
    """Neuron i spikes now: reset (to v_reset or by subtraction), refractory_s seconds."""
    state[0, i] = after_spike(state[0, i], coef[_E_THRESHOLD, c], coef[_E_RESET, c],
                              coef[_E_SUBTRACT, c])
    state[1, i] = coef[_E_REFRACTORY, c]


MODEL = register(NeuronModel(
    name="lif", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    exact=ExactForm(exact_constants, exact_advance, exact_receive, exact_form, exact_fire),
    step_counted=("refractory_left",)))
