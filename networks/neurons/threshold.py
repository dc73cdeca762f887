"""A stateless threshold unit (NIR ``Threshold``): z = H(x + i_bias - v_threshold).

It spikes in every step whose input x (plus bias) exceeds v_threshold; it keeps no state
(the state column is the last step's input, for inspection). Units: the graph's.
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

PARAMS = ("v_threshold", "i_bias")
DEFAULTS = {"i_bias": 0.0}
STATE = ("x",)
PORTS = 1


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants (independent of the step length)."""
    return np.array(params, np.float64)


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """True if this step's input ring[slot, 0, g] (plus bias) exceeds the threshold."""
    x = ring[slot, 0, g] + coef[1, c]
    state[0, i] = x
    return x > coef[0, c]


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if the bias alone does not reach the threshold."""
    return coef[1, c] <= coef[0, c]


MODEL = register(NeuronModel(
    name="threshold", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent))
