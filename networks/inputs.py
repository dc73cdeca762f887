"""Input generators: Poisson spike trains, step currents, and event streams given as
(time, channel) arrays, as Workload IR input events (times in ps, values in the model's input
units: a current held over a step for the NIR models, a jump for the CUBA model)."""
from __future__ import annotations

import numpy as np

from eventsim.errors import ConfigError
from eventsim.simtime import PS_PER_S
from eventsim.workload_ir import InputEvents


def poisson(population: int, n_neurons: int, rate_hz, duration_s: float, dt_s: float,
            value: float, rng: np.random.Generator, port: int = 0) -> InputEvents:
    """Independent Poisson trains at ``rate_hz`` (scalar or one per neuron), binned into steps
    of ``dt_s`` (a step holds a spike with probability rate x dt, which must be <= 1)."""
    rate = np.broadcast_to(np.asarray(rate_hz, np.float64), (n_neurons,))
    p = rate * dt_s
    if np.any(rate < 0) or np.any(p > 1):
        raise ConfigError(f"rate_hz must be >= 0 and rate x dt_s <= 1, got max {rate.max()} Hz "
                          f"at dt_s = {dt_s}")
    steps = int(round(duration_s / dt_s))
    hits = rng.random((steps, n_neurons)) < p
    k, i = np.nonzero(hits)
    dt_ps = round(dt_s * PS_PER_S)
    return InputEvents(population, k.astype(np.int64) * dt_ps, i.astype(np.int32),
                       np.full(k.shape[0], float(value)), port)


def step_current(population: int, neurons, amplitude: float, start_s: float, stop_s: float,
                 dt_s: float, port: int = 0) -> InputEvents:
    """A current ``amplitude`` into ``neurons`` in every step from start_s (inclusive) to stop_s
    (exclusive)."""
    if stop_s < start_s or start_s < 0:
        raise ConfigError(f"need 0 <= start_s <= stop_s, got {start_s}, {stop_s}")
    neurons = np.atleast_1d(np.asarray(neurons, np.int32))
    first, last = int(round(start_s / dt_s)), int(round(stop_s / dt_s))
    k = np.repeat(np.arange(first, last, dtype=np.int64), neurons.size)
    dt_ps = round(dt_s * PS_PER_S)
    return InputEvents(population, k * dt_ps, np.tile(neurons, last - first),
                       np.full(k.shape[0], float(amplitude)), port)


def event_stream(population: int, times_s, channels, values=1.0, port: int = 0) -> InputEvents:
    """Events given as arrays of times (s) and channels (population-local neurons), with one
    value or one per event."""
    t = np.asarray(times_s, np.float64)
    c = np.asarray(channels, np.int32)
    if t.shape != c.shape:
        raise ConfigError(f"times_s and channels differ in shape: {t.shape} vs {c.shape}")
    v = np.broadcast_to(np.asarray(values, np.float64), t.shape).copy()
    return InputEvents(population, np.round(t * PS_PER_S).astype(np.int64), c, v, port)
