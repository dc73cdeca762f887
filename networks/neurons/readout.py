"""A linear read-out unit: v = x + bias, the step's summed input (e.g. logits of a language
model). It never spikes; its state row ``v`` is the output.
"""
import numpy as np

from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

PARAMS = ("bias",)
DEFAULTS = {"bias": 0.0}
STATE = ("v",)
PORTS = 1


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-unit constants (independent of the step length)."""
    return np.array(params, np.float64)


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """v = input + bias; never spikes."""
    state[0, i] = ring[slot, 0, g] + coef[0, c]
    return False


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """Always: updated only when input arrives (its value is meaningless otherwise)."""
    return True


MODEL = register(NeuronModel(
    name="readout", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent))
