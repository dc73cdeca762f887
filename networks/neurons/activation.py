"""A graded non-linearity unit: each step it takes its summed input x, computes
y = f(x + bias) and sends an event carrying y when |y| > threshold (else nothing: with a
threshold > 0, small activations are dropped and cost no synaptic operations downstream).

    f: 0 = identity, 1 = ReLU max(0, z), 2 = GELU (tanh form)
       0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), 3 = tanh

Used between the layers of SSM stacks (Schöne et al. 2024 apply a GELU there). Dimensionless.
"""
import numpy as np

from eventsim.errors import ConfigError
from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

PARAMS = ("function", "bias", "threshold")
DEFAULTS = {"function": 2.0, "bias": 0.0, "threshold": 0.0}
STATE = ("y",)
PORTS = 1
OUTPUT = 0
FUNCTIONS = {"identity": 0, "relu": 1, "gelu": 2, "tanh": 3}
_F, _BIAS, _THRESHOLD = range(3)
_GELU_K = np.sqrt(2.0 / np.pi)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """The parameters as they are (independent of the step); the function code must be one of
    FUNCTIONS and the threshold >= 0."""
    f = params[:, _F]
    if not np.isin(f, list(FUNCTIONS.values())).all():
        raise ConfigError(f"activation: function must be one of {FUNCTIONS}, got {np.unique(f)}")
    if (params[:, _THRESHOLD] < 0).any():
        raise ConfigError("activation: threshold must be >= 0")
    return np.array(params, np.float64)


@kernel_jit(inline="always")
def _apply(f, z):
    if f == 1.0:
        return max(z, 0.0)
    if f == 2.0:
        return 0.5 * z * (1.0 + np.tanh(_GELU_K * (z + 0.044715 * z * z * z)))
    if f == 3.0:
        return np.tanh(z)
    return z


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """y = f(ring[slot, 0, g] + bias); True (an event carrying y) if |y| > threshold."""
    y = _apply(coef[_F, c], ring[slot, 0, g] + coef[_BIAS, c])
    state[0, i] = y
    return abs(y) > coef[_THRESHOLD, c]


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, the unit sends nothing: |f(bias)| <= threshold."""
    return abs(_apply(coef[_F, c], coef[_BIAS, c])) <= coef[_THRESHOLD, c]


MODEL = register(NeuronModel(
    name="activation", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent,
    outputs=(OUTPUT,)))
