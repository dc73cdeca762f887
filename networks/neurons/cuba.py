"""The CUBA benchmark neuron (Vogels & Abbott 2005, as in Brette et al. 2007 and Brian2's
``CUBA`` example): a LIF with two exponentially decaying synaptic currents.

    tau_mem dv/dt = (v_rest - v) + g_exc + g_inh
    tau_exc dg_exc/dt = -g_exc,   tau_inh dg_inh/dt = -g_inh

A step integrates the state exactly over dt (v is held at v_reset while refractory; the
currents keep decaying and receiving inputs); if v > v_threshold the neuron spikes: v = v_reset,
and v stays there for the next round(refractory_s / dt) steps. Inputs are jumps: a step's input
on port 0 is added to g_exc, on port 1 to g_inh (Brian2's ``on_pre: ge += we``), with
``input_after_step``

- 1 (default; Brian2's and NEST's ``iaf_psc_exp`` order): after the step's integration, so v
  first feels an input in the step after it arrives, and a spike of step k with a delay of d
  steps first moves v in step k + d + 1 (Brian2 2.9 ``network.py`` schedule groups, thresholds,
  synapses, resets; NEST 3.10 ``iaf_psc_exp::update``);
- 0 (eventsim before 2026-12): before the integration, so v feels it in the same step (the
  order of Brian2 with one step less of delay).

The refractory count is NEST's (``RefractoryCounts`` = round(t_ref / h) steps held); Brian2's
``refractory=5*ms`` holds v one step less (49 steps at dt = 0.1 ms: its ``not_refractory``
is timestep(t - lastspike) >= timestep(refractory)). Units: seconds and volts.

Exact event-driven form (``integrator="exact"``): an input event adds its weight to g_exc
or g_inh at its time; in between, the state follows the closed form (tau_exc, tau_inh !=
tau_mem), v(s) = v_rest + (v - v_rest - k_e g_exc - k_i g_inh) exp(-s/tau_mem)
+ k_e g_exc exp(-s/tau_exc) + k_i g_inh exp(-s/tau_inh), k = tau_syn / (tau_syn - tau_mem); the
neuron spikes when v reaches v_threshold and is held at v_reset for ``refractory_s`` seconds
(``refractory_left``: seconds in a population's state and a run's final state with either
integrator; ``step`` counts it in whole steps, ``step_counted``).
"""
import numpy as np

from eventsim.errors import ConfigError
from eventsim.jit import kernel_jit
from eventsim.neuron_model import ExactForm, NeuronModel, register

from .cuba_lif import coupling

PARAMS = ("tau_mem", "tau_exc", "tau_inh", "v_rest", "v_threshold", "v_reset", "refractory_s",
          "input_after_step")
DEFAULTS = {"refractory_s": 0.0, "input_after_step": 1.0}
STATE = ("v", "g_exc", "g_inh", "refractory_left")
PORTS = 2
_A_MEM, _A_EXC, _A_INH, _K_EXC, _K_INH, _V_REST, _THRESHOLD, _RESET, _REFRACTORY, _AFTER = \
    range(10)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step of ``dt_s`` seconds."""
    tau_mem, tau_exc, tau_inh, v_rest, th, reset, refr, after = params.T
    if not np.isin(after, (0.0, 1.0)).all():
        raise ConfigError(f"cuba: input_after_step must be 0 or 1, got {np.unique(after)}")
    out = np.empty((params.shape[0], 10))
    out[:, _A_MEM] = np.exp(-dt_s / tau_mem)
    out[:, _A_EXC] = np.exp(-dt_s / tau_exc)
    out[:, _A_INH] = np.exp(-dt_s / tau_inh)
    out[:, _K_EXC] = coupling(tau_exc, tau_mem, dt_s)
    out[:, _K_INH] = coupling(tau_inh, tau_mem, dt_s)
    out[:, _V_REST], out[:, _THRESHOLD], out[:, _RESET] = v_rest, th, reset
    out[:, _REFRACTORY] = np.round(refr / dt_s)
    out[:, _AFTER] = after
    return out


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, inputs ring[slot, 0 | 1, g] (see the module docstring); True if
    it spiked. Written with selects so that the loop over neurons vectorises."""
    x_exc, x_inh = ring[slot, 0, g], ring[slot, 1, g]
    # every constant read before the selects: a read inside one is a masked gather per lane
    # (measured: almost half of the update's profile samples), one outside is hoisted out of
    # the loop
    after = coef[_AFTER, c] > 0.0
    v_rest, reset, threshold = coef[_V_REST, c], coef[_RESET, c], coef[_THRESHOLD, c]
    refractory_steps = coef[_REFRACTORY, c]
    ge = state[1, i] + (0.0 if after else x_exc)        # the currents v integrates this step
    gi = state[2, i] + (0.0 if after else x_inh)
    refractory = state[3, i] > 0
    v = v_rest + (state[0, i] - v_rest) * coef[_A_MEM, c] + ge * coef[_K_EXC, c] \
        + gi * coef[_K_INH, c]
    v = reset if refractory else v
    state[1, i] = ge * coef[_A_EXC, c] + (x_exc if after else 0.0)
    state[2, i] = gi * coef[_A_INH, c] + (x_inh if after else 0.0)
    spiked = v > threshold
    state[0, i] = reset if spiked else v
    state[3, i] = refractory_steps if spiked else max(state[3, i] - 1, 0.0)
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, neuron i will not spike: v_rest below threshold and v's peak
    bounded by max(v, v_rest) plus the positive synaptic currents (kappa <= 1) below it."""
    if state[3, i] > 0:
        return False
    bound = max(state[0, i], coef[_V_REST, c]) + max(state[1, i], 0.0) + max(state[2, i], 0.0)
    return bound <= coef[_THRESHOLD, c]


# -- exact event-driven form (see the module docstring) --------------------------------------
_E_TAU_MEM, _E_TAU_EXC, _E_TAU_INH, _E_V_REST, _E_THRESHOLD, _E_RESET, _E_REFRACTORY, _E_K_EXC, \
    _E_K_INH = range(9)


def exact_constants(params: np.ndarray) -> np.ndarray:
    """Per-neuron constants of the exact form; the synaptic time constants must differ from
    tau_mem (the closed form divides by their difference)."""
    tau_mem, tau_exc, tau_inh, v_rest, th, reset, refr, _ = params.T
    for name, tau in (("tau_exc", tau_exc), ("tau_inh", tau_inh)):
        if np.isclose(tau, tau_mem, rtol=1e-9, atol=0).any():
            raise ConfigError(f"cuba: exact integration needs {name} != tau_mem")
    return np.stack([tau_mem, tau_exc, tau_inh, v_rest, th, reset, refr,
                     tau_exc / (tau_exc - tau_mem), tau_inh / (tau_inh - tau_mem)], axis=1)


@kernel_jit(inline="always")
def exact_advance(state, coef, i, c, dt_s):
    """Evolve neuron i over dt_s seconds without input (refractory: v held at v_reset)."""
    wait = min(state[3, i], dt_s)
    if wait > 0.0:
        state[1, i] *= np.exp(-wait / coef[_E_TAU_EXC, c])
        state[2, i] *= np.exp(-wait / coef[_E_TAU_INH, c])
        state[0, i] = coef[_E_RESET, c]
        state[3, i] -= wait
    rest = dt_s - wait
    if rest > 0.0:
        ge, gi, v_rest = state[1, i], state[2, i], coef[_E_V_REST, c]
        a_exc = np.exp(-rest / coef[_E_TAU_EXC, c])
        a_inh = np.exp(-rest / coef[_E_TAU_INH, c])
        pe, pi = coef[_E_K_EXC, c] * ge, coef[_E_K_INH, c] * gi
        state[0, i] = v_rest + (state[0, i] - v_rest - pe - pi) \
            * np.exp(-rest / coef[_E_TAU_MEM, c]) + pe * a_exc + pi * a_inh
        state[1, i] = ge * a_exc
        state[2, i] = gi * a_inh


@kernel_jit(inline="always")
def exact_receive(state, coef, i, c, port, x):
    """An input event of weight x (volts): g_exc (port 0) or g_inh (port 1) jumps by x."""
    state[1 + port, i] += x


@kernel_jit(inline="always")
def exact_form(state, coef, i, c):
    """(wait_s, v_inf, slope, a1, tau1, a2, tau2, a3, tau3, threshold): after the refractory
    wait, v(wait + s) = v_inf + slope s + sum a_k exp(-s / tau_k) (``eventsim.crossing``)."""
    wait = state[3, i]
    ge, gi, v = state[1, i], state[2, i], state[0, i]
    if wait > 0.0:
        ge *= np.exp(-wait / coef[_E_TAU_EXC, c])
        gi *= np.exp(-wait / coef[_E_TAU_INH, c])
        v = coef[_E_RESET, c]
    v_rest = coef[_E_V_REST, c]
    pe, pi = coef[_E_K_EXC, c] * ge, coef[_E_K_INH, c] * gi
    return (wait, v_rest, 0.0, v - v_rest - pe - pi, coef[_E_TAU_MEM, c], pe,
            coef[_E_TAU_EXC, c], pi, coef[_E_TAU_INH, c], coef[_E_THRESHOLD, c])


@kernel_jit(inline="always")
def exact_fire(state, coef, i, c):
    """Neuron i spikes now: v = v_reset, refractory for refractory_s seconds."""
    state[0, i] = coef[_E_RESET, c]
    state[3, i] = coef[_E_REFRACTORY, c]


MODEL = register(NeuronModel(
    name="cuba", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    exact=ExactForm(exact_constants, exact_advance, exact_receive, exact_form, exact_fire),
    step_counted=("refractory_left",)))
