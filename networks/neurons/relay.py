"""A graded relay: passes each step's input x on as an event carrying x (``OUTPUT``), and sends
nothing when x = 0. Used for embeddings and other dense inputs entering a network of events.
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

PARAMS = ()
DEFAULTS = {}
STATE = ("y",)
PORTS = 1
OUTPUT = 0


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """No constants (one dummy column)."""
    return np.zeros((params.shape[0], 1))


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """Send this step's input ring[slot, 0, g] if it is not zero."""
    x = ring[slot, 0, g]
    state[0, i] = x
    return x != 0.0


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """Always: without input a relay sends nothing."""
    return True


MODEL = register(NeuronModel(
    name="relay", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    outputs=(OUTPUT,)))
