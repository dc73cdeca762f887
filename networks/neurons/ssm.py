"""One mode of an event-based diagonal state-space layer (Schöne et al., "Scalable
event-by-event processing of neuromorphic sensory signals with deep state-space models", 2024):
a complex state h with eigenvalue lambda = lambda_re + i lambda_im (1/s), updated only when
input events arrive, with the time dt_event since this mode's previous input:

    h <- exp(lambda dt_event) h + gamma (x_re + i x_im)

where x = B u arrives split into real (port 0) and imaginary (port 1) parts, and gamma follows
the paper's discretisations (``discretisation``): 0 = zero-order hold over the interval,
gamma = (exp(lambda dt_event) - 1) / lambda; 1 = Dirac input, gamma = 1; 2 = "async",
gamma = (exp(lambda step_s) - 1) / lambda with a fixed integration window ``step_s`` (s).
The mode then sends an event carrying Re h and Im h (``OUTPUTS``), from which a projection
computes the layer output Re(C h) (weights Re C on output 0, -Im C on output 1). Without input
it neither updates nor sends: an event-driven machine does no work for it.
Times in seconds; dt_event is counted in whole steps of the run.
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

PARAMS = ("lambda_re", "lambda_im", "discretisation", "step_s")
DEFAULTS = {"discretisation": 0.0, "step_s": 0.0}
STATE = ("h_re", "h_im", "steps_since_input")
PORTS = 2
OUTPUTS = (0, 1)
_L_RE, _L_IM, _DISC, _STEP, _DT, _G_RE, _G_IM = range(7)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-mode constants: lambda, discretisation, the run's step, and the async gain."""
    lam = params[:, 0] + 1j * params[:, 1]
    if np.any(lam.real >= 0):
        from eventsim.errors import ConfigError
        raise ConfigError(f"SSM modes need lambda_re < 0 (stable), got max {lam.real.max()}")
    gain = (np.exp(lam * params[:, 3]) - 1.0) / lam
    return np.column_stack([params[:, 0], params[:, 1], params[:, 2], params[:, 3],
                            np.full(params.shape[0], dt_s), gain.real, gain.imag])


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """If input arrived this step, advance h over the time since the previous input and add
    it; True (an event with Re h, Im h) when it did."""
    x_re, x_im = ring[slot, 0, g], ring[slot, 1, g]
    if x_re == 0.0 and x_im == 0.0:
        state[2, i] += 1.0
        return False
    dt_event = (state[2, i] + 1.0) * coef[_DT, c]
    l_re, l_im = coef[_L_RE, c], coef[_L_IM, c]
    mag = np.exp(l_re * dt_event)
    a_re, a_im = mag * np.cos(l_im * dt_event), mag * np.sin(l_im * dt_event)
    disc = coef[_DISC, c]
    if disc == 0.0:                       # zero-order hold: (a - 1) / lambda
        den = l_re * l_re + l_im * l_im
        g_re = ((a_re - 1.0) * l_re + a_im * l_im) / den
        g_im = (a_im * l_re - (a_re - 1.0) * l_im) / den
    elif disc == 1.0:                     # Dirac input
        g_re, g_im = 1.0, 0.0
    else:                                 # async: fixed window step_s
        g_re, g_im = coef[_G_RE, c], coef[_G_IM, c]
    h_re, h_im = state[0, i], state[1, i]
    state[0, i] = a_re * h_re - a_im * h_im + g_re * x_re - g_im * x_im
    state[1, i] = a_re * h_im + a_im * h_re + g_re * x_im + g_im * x_re
    state[2, i] = 0.0
    return True


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """Always: a mode only updates (and sends) when input arrives."""
    return True


MODEL = register(NeuronModel(
    name="ssm", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    outputs=OUTPUTS))
