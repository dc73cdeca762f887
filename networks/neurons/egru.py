"""Event-based GRU unit (EGRU; Subramoney, Nazeer, Schöne, Mayr, Kappel, ICLR 2023), one unit
per neuron, with graded events.

    u_t = sigmoid(a_u + b_u),   r_t = sigmoid(a_r + b_r)
    z_t = tanh(a_z + r_t * a_zr + b_z)
    c_t = u_t z_t + (1 - u_t) c_{t-1}
    e_t = H(c_t - threshold),   y_t = e_t c_t,   then c_t <- c_t - e_t threshold

The pre-activations arrive as inputs on four ports: a_u (port 0) and a_r (port 1) sum W x_t and
U y_{t-1} for their gate; a_z (port 2) is the feed-forward part W_z x_t and a_zr (port 3) the
recurrent part U_z y_{t-1} of the candidate. The reset gate multiplies the recurrent product at
the receiving unit, r_t (U_z y_{t-1}) (the "reset after" form, as in cuDNN's GRU): the form a
unit can compute from the events it receives. Only units with e_t = 1 send an event, carrying
y_t (``OUTPUT``); a receiving synapse adds weight x y_t, so only received events cost synaptic
operations. Dimensionless; time enters only through the step.
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

PARAMS = ("b_u", "b_r", "b_z", "threshold")
DEFAULTS = {"b_u": 0.0, "b_r": 0.0, "b_z": 0.0}
STATE = ("c", "y")
PORTS = 4
OUTPUT = 1
_B_U, _B_R, _B_Z, _THRESHOLD = range(4)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-unit constants (independent of the step length)."""
    return np.array(params, np.float64)


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of unit i with pre-activations ring[slot, 0..3, g]; True if it sends an event."""
    u = 1.0 / (1.0 + np.exp(-(ring[slot, 0, g] + coef[_B_U, c])))
    r = 1.0 / (1.0 + np.exp(-(ring[slot, 1, g] + coef[_B_R, c])))
    z = np.tanh(ring[slot, 2, g] + r * ring[slot, 3, g] + coef[_B_Z, c])
    th = coef[_THRESHOLD, c]
    cell = u * z + (1.0 - u) * state[0, i]
    event = cell > th
    state[1, i] = cell if event else 0.0
    state[0, i] = cell - th if event else cell
    return event


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, unit i cannot send an event: c relaxes monotonically towards
    z = tanh(b_z), so it stays below threshold if both c and z do."""
    th = coef[_THRESHOLD, c]
    return state[0, i] <= th and np.tanh(coef[_B_Z, c]) <= th


MODEL = register(NeuronModel(
    name="egru", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    outputs=(OUTPUT,)))
