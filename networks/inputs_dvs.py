"""Synthetic DVS (dynamic vision sensor) event streams: a bright bar sweeping across the sensor,
with ON events where its leading edge passes and OFF events where its trailing edge passes,
per-pixel refractory period, background noise and timing jitter, all drawn from one seed.

Geometry (pixels, time in seconds): the bar is ``bar_width_px`` wide, spans every row and moves
in +x at ``speed_px_per_ms``. Its leading edge is at p(t) = v t - n (W + b) during sweep n
(W = sensor width, b = bar width, v = speed): it enters at x = 0 at t = n (W + b) / v and the
next sweep starts when its trailing edge p - b has left at x = W. Pixel column x (covering
[x, x + 1)) brightens when the leading edge reaches x and darkens when the trailing edge does:

    ON  at t = (n (W + b) + x) / v        OFF at t = (n (W + b) + x + b) / v

for every row, delayed by a pixel latency uniform in [0, jitter_s). Background noise: each pixel
fires at ``noise_hz`` (Poisson), with ON or OFF equally likely. A pixel that has fired stays
silent for ``refractory_s``: an event less than that after the pixel's previous kept event
(either polarity) is dropped. Events at or after ``duration_s`` are dropped.

Events are arrays: ``t_ps`` (int64, picoseconds, ascending), ``x``, ``y`` (int32 pixels),
``polarity`` (int8: 1 ON, 0 OFF). ``dvs_inputs`` pools them into channels (``pool_px`` square
patches x 2 polarities) as Workload IR input events of value 1 per event, so that a relay's
input in a step is the number of events of its patch and polarity in that step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventsim.errors import ConfigError
from eventsim.simtime import PS_PER_S
from eventsim.workload_ir import InputEvents

ON, OFF = 1, 0


@dataclass(frozen=True)
class DvsEvents:
    """An event stream of a ``width_px`` x ``height_px`` sensor over ``duration_s`` seconds
    (arrays as in the module docstring, sorted by time, then row, column, polarity)."""
    t_ps: np.ndarray
    x: np.ndarray
    y: np.ndarray
    polarity: np.ndarray
    width_px: int
    height_px: int
    duration_s: float

    def __len__(self) -> int:
        return int(self.t_ps.shape[0])

    @property
    def n_on(self) -> int:
        return int((self.polarity == ON).sum())

    @property
    def n_off(self) -> int:
        return int((self.polarity == OFF).sum())


def edge_position_px(t_s, speed_px_per_ms: float, bar_width_px: int, width_px: int):
    """Where the bar's leading edge is at time ``t_s`` (pixels from the left border; the trailing
    edge is ``bar_width_px`` behind): v t modulo one sweep of W + b pixels."""
    v = speed_px_per_ms * 1e3
    return np.mod(np.asarray(t_s, np.float64) * v, width_px + bar_width_px)


def _check(width_px, height_px, speed_px_per_ms, bar_width_px, duration_s, refractory_s,
           noise_hz, jitter_s) -> None:
    for key, v in (("width_px", width_px), ("height_px", height_px),
                   ("bar_width_px", bar_width_px)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ConfigError(f"{key} must be an integer >= 1, got {v!r}")
    for key, v, low_ok in (("speed_px_per_ms", speed_px_per_ms, False),
                           ("duration_s", duration_s, False), ("refractory_s", refractory_s, True),
                           ("noise_hz", noise_hz, True), ("jitter_s", jitter_s, True)):
        number = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        if not number or not np.isfinite(v) or v < 0 or (v == 0 and not low_ok):
            raise ConfigError(f"{key} must be a finite number {'>=' if low_ok else '>'} 0, "
                              f"got {v!r}")


def _edge_events(width_px, v_px_per_s, bar_width_px, duration_s):
    """(t_s, x, polarity) of the edge crossings of one row: every sweep, every column."""
    period_px = width_px + bar_width_px
    sweeps = int(np.floor(duration_s * v_px_per_s / period_px)) + 1
    base = np.arange(sweeps)[:, None] * period_px + np.arange(width_px)[None, :]
    t_on = (base / v_px_per_s).ravel()
    t_off = ((base + bar_width_px) / v_px_per_s).ravel()
    x = np.tile(np.arange(width_px), sweeps)
    t = np.concatenate([t_on, t_off])
    pol = np.concatenate([np.full(t_on.size, ON), np.full(t_off.size, OFF)])
    x = np.concatenate([x, x])
    keep = t < duration_s
    return t[keep], x[keep], pol[keep]


def _refractory_keep(pixel: np.ndarray, t_ps: np.ndarray, refractory_ps: int) -> np.ndarray:
    """Mask of the events kept when each pixel ignores events less than ``refractory_ps`` after
    its previous kept event; events sorted by (pixel, time)."""
    keep = np.ones(t_ps.shape[0], np.bool_)
    if refractory_ps <= 0 or t_ps.size < 2:
        return keep
    same = pixel[1:] == pixel[:-1]
    close = same & (np.diff(t_ps) < refractory_ps)
    if not close.any():
        return keep
    starts = np.flatnonzero(np.concatenate([[True], pixel[1:] != pixel[:-1]]))
    ends = np.append(starts[1:], pixel.size)
    conflicted = np.unique(pixel[1:][close])
    first_of = dict(zip(pixel[starts].tolist(), zip(starts.tolist(), ends.tolist())))
    for p in conflicted.tolist():
        lo, hi = first_of[p]
        last = t_ps[lo]
        for i in range(lo + 1, hi):
            if t_ps[i] - last < refractory_ps:
                keep[i] = False
            else:
                last = t_ps[i]
    return keep


def moving_bar(width_px: int = 128, height_px: int = 128, speed_px_per_ms: float = 1.0,
               bar_width_px: int = 16, duration_s: float = 0.2, *, refractory_s: float = 0.0,
               noise_hz: float = 0.0, jitter_s: float = 0.0, seed: int = 0) -> DvsEvents:
    """The event stream of a bar sweeping across the sensor (see the module docstring)."""
    _check(width_px, height_px, speed_px_per_ms, bar_width_px, duration_s, refractory_s,
           noise_hz, jitter_s)
    rng = np.random.default_rng(seed)
    t_row, x_row, p_row = _edge_events(width_px, speed_px_per_ms * 1e3, bar_width_px, duration_s)
    t = np.tile(t_row, height_px)
    x = np.tile(x_row, height_px)
    pol = np.tile(p_row, height_px)
    y = np.repeat(np.arange(height_px), t_row.size)
    if jitter_s > 0:
        t = t + rng.random(t.size) * jitter_s
    n_noise = rng.poisson(noise_hz * duration_s, size=width_px * height_px)
    pix = np.repeat(np.arange(width_px * height_px), n_noise)
    t = np.concatenate([t, rng.random(pix.size) * duration_s])
    x = np.concatenate([x, pix % width_px])
    y = np.concatenate([y, pix // width_px])
    pol = np.concatenate([pol, rng.integers(0, 2, pix.size)])
    t_ps = np.round(t * PS_PER_S).astype(np.int64)
    inside = t_ps < round(duration_s * PS_PER_S)
    t_ps, x, y, pol = t_ps[inside], x[inside], y[inside], pol[inside]
    pixel = y * width_px + x
    order = np.lexsort((pol, t_ps, pixel))
    keep = _refractory_keep(pixel[order], t_ps[order], round(refractory_s * PS_PER_S))
    order = order[keep]
    order = order[np.lexsort((pol[order], x[order], y[order], t_ps[order]))]
    return DvsEvents(t_ps[order], x[order].astype(np.int32), y[order].astype(np.int32),
                     pol[order].astype(np.int8), int(width_px), int(height_px), float(duration_s))


def pooled_shape(width_px: int, height_px: int, pool_px: int) -> tuple[int, int]:
    """(columns, rows) of ``pool_px`` x ``pool_px`` patches covering the sensor (the last ones
    partial when pool_px does not divide the size)."""
    if isinstance(pool_px, bool) or not isinstance(pool_px, (int, np.integer)) or pool_px < 1:
        raise ConfigError(f"pool_px must be an integer >= 1, got {pool_px!r}")
    return -(-width_px // pool_px), -(-height_px // pool_px)


def pooled_channels(events: DvsEvents, pool_px: int) -> np.ndarray:
    """Channel of every event: polarity x (patches) + patch row x (patch columns) + patch
    column; there are 2 x columns x rows channels (ON channels after the OFF ones)."""
    cols, rows = pooled_shape(events.width_px, events.height_px, pool_px)
    patch = (events.y // pool_px) * cols + events.x // pool_px
    return (events.polarity.astype(np.int64) * (cols * rows) + patch).astype(np.int32)


def dvs_inputs(population: int, events: DvsEvents, pool_px: int, value: float = 1.0,
               port: int = 0) -> InputEvents:
    """The events as Workload IR input events into ``population`` (one neuron per pooled
    channel, ``pooled_channels``), each of ``value``."""
    return InputEvents(population, events.t_ps.copy(), pooled_channels(events, pool_px),
                       np.full(len(events), float(value)), port)
