"""Loihi's LIF compartment, bit for bit as SANA-FE 2.2 models it (``LoihiLifModel``): a
discrete-time, fixed-point-grid current-based LIF.

One step (the step is the unit of time; dt only says how long it lasts):

    if not the first step:  u <- input_decay u;  v <- leak_decay v
    v <- trunc(v / quantum) quantum              (truncation toward zero; quantum 0: none)
    if not refractory:      v <- v + bias;  u <- u + x;  v <- v + u
                            if v > threshold: spike, and v <- reset (reset_mode 0), v - threshold
                            (1) or v (2); refractory for ``refractory_steps`` - 1 more steps

x is the step's input: the sum of the weights of the spikes that reached the neuron (SANA-FE's
dendrite accumulates them; a spike fired in step k arrives in step k + 1, a projection delay of
one step). While refractory, v and u still decay and v is quantised, but inputs are dropped.
``leak_decay`` and ``input_decay`` are the fractions kept per step (Loihi's 1 - delta / 4096);
``quantum`` = 1/64 is one least significant bit of Loihi's membrane potential in SANA-FE's units
(weights and thresholds shifted by 6 bits). With weights, bias, reset and threshold on that grid
(and decays of the form 1 - delta / 4096) every operation is exact in double precision.

Source: SANA-FE 2.2.9 ``src/models.cpp`` ``LoihiLifModel::update`` (lines 505-575),
``loihi_leak`` (449-453) and ``loihi_quantize`` (455-463); Davies et al., IEEE Micro 38(1) 2018,
for Loihi's compartment (u and v decays of 12 bits).
"""
import numpy as np

from eventsim.errors import ConfigError
from eventsim.jit import kernel_jit
from eventsim.neuron_model import NeuronModel, register

PARAMS = ("leak_decay", "input_decay", "bias", "threshold", "reset", "reset_mode",
          "refractory_steps", "quantum")
DEFAULTS = {"leak_decay": 1.0, "input_decay": 0.0, "bias": 0.0, "reset": 0.0,
            "reset_mode": 0.0, "refractory_steps": 0.0, "quantum": 1.0 / 64.0}
STATE = ("v", "u", "refractory_count", "started")
PORTS = 1
RESET_MODES = {0.0: "hard (to reset)", 1.0: "soft (subtract threshold)", 2.0: "none"}
_LEAK, _INPUT, _BIAS, _THRESHOLD, _RESET, _MODE, _REFRACTORY, _PER_QUANTUM = range(8)


def coefficients(params: np.ndarray, dt_s: float) -> np.ndarray:
    """Per-neuron constants of a step (independent of ``dt_s``: the model counts steps)."""
    leak, inp, bias, th, reset, mode, refr, quantum = params.T
    for name, x in (("leak_decay", leak), ("input_decay", inp)):
        if not ((x >= 0) & (x <= 1)).all():
            raise ConfigError(f"loihi_lif: {name} must be in [0, 1], got {x[(x < 0) | (x > 1)][0]}")
    if not np.isin(mode, list(RESET_MODES)).all():
        raise ConfigError(f"loihi_lif: reset_mode must be one of {RESET_MODES}, got "
                          f"{np.setdiff1d(mode, list(RESET_MODES))[0]}")
    if (refr < 0).any() or (refr != np.round(refr)).any() or (quantum < 0).any():
        raise ConfigError("loihi_lif: refractory_steps must be whole numbers >= 0 and quantum "
                          ">= 0")
    out = np.empty((params.shape[0], 8))
    out[:, _LEAK], out[:, _INPUT], out[:, _BIAS], out[:, _THRESHOLD] = leak, inp, bias, th
    out[:, _RESET], out[:, _MODE], out[:, _REFRACTORY] = reset, mode, refr
    out[:, _PER_QUANTUM] = np.where(quantum > 0, 1.0 / np.where(quantum > 0, quantum, 1.0), 0.0)
    return out


@kernel_jit(inline="always")
def step(state, coef, i, c, ring, slot, g):
    """One step of neuron i, input ring[slot, 0, g] (see the module docstring); True if it
    spiked."""
    # constants read before the selects (see ``cuba.step``: a read inside one is a gather)
    input_decay, leak, bias = coef[_INPUT, c], coef[_LEAK, c], coef[_BIAS, c]
    threshold, reset, refractory = coef[_THRESHOLD, c], coef[_RESET, c], coef[_REFRACTORY, c]
    mode, per_q = coef[_MODE, c], coef[_PER_QUANTUM, c]
    started = state[3, i] > 0
    u = state[1, i] * input_decay if started else state[1, i]
    v = state[0, i] * leak if started else state[0, i]
    v = np.trunc(v * per_q) / per_q if per_q > 0 else v
    free = state[2, i] <= 0
    u = u + ring[slot, 0, g] if free else u
    v = v + bias + u if free else v
    spiked = free and v > threshold
    after = reset if mode == 0.0 else (v - threshold if mode == 1.0 else v)
    state[0, i] = after if spiked else v
    state[1, i] = u
    count = refractory if spiked else state[2, i]
    state[2, i] = max(count - 1.0, 0.0)
    state[3, i] = 1.0
    return spiked


@kernel_jit(inline="always")
def quiescent(state, coef, i, c):
    """True if, without input, neuron i cannot spike: no positive bias or current, and v at or
    below a threshold >= 0 (decays in [0, 1] and truncation toward zero only bring v closer to
    0)."""
    return coef[_BIAS, c] <= 0 and state[1, i] <= 0 and max(state[0, i], 0.0) <= coef[_THRESHOLD, c]


MODEL = register(NeuronModel(
    name="loihi_lif", module=__name__,
    params=PARAMS, defaults=DEFAULTS, state=STATE, ports=PORTS,
    coefficients=coefficients, step=step, quiescent=quiescent))
