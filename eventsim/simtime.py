"""Simulated time: int64 picoseconds everywhere, with checked conversions from and to seconds.

All of eventsim keeps time as an integer number of picoseconds (``int`` in Python,
``int64`` in arrays and compiled code). 2**63 - 1 ps is about 106.75 days of simulated time.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import ScheduleError

PS_PER_S = 1_000_000_000_000
PS_PER_MS = 1_000_000_000
PS_PER_US = 1_000_000
PS_PER_NS = 1_000
TIME_MAX_PS = int(np.iinfo(np.int64).max)
"""The largest representable time, in ps; also 'never' for an empty queue."""


def _to_ps(value, ps_per_unit: int, unit: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ScheduleError(f"{name} must be a real number of {unit}, got {value!r}")
    if isinstance(value, numbers.Integral):
        ps = int(value) * ps_per_unit
    else:
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            raise ScheduleError(f"{name} must be finite, got {value!r} {unit}")
        ps = round(f * ps_per_unit)
    if abs(ps) > TIME_MAX_PS:
        raise ScheduleError(f"{name} = {value!r} {unit} overflows int64 picoseconds "
                            f"(limit {TIME_MAX_PS} ps, about 106 days)")
    return ps


def s_to_ps(seconds, name: str = "time") -> int:
    """Seconds (int or float) to integer picoseconds, rounded to the nearest ps."""
    return _to_ps(seconds, PS_PER_S, "s", name)


def ms_to_ps(ms, name: str = "time") -> int:
    """Milliseconds to integer picoseconds, rounded to the nearest ps."""
    return _to_ps(ms, PS_PER_MS, "ms", name)


def us_to_ps(us, name: str = "time") -> int:
    """Microseconds to integer picoseconds, rounded to the nearest ps."""
    return _to_ps(us, PS_PER_US, "us", name)


def ns_to_ps(ns, name: str = "time") -> int:
    """Nanoseconds to integer picoseconds, rounded to the nearest ps."""
    return _to_ps(ns, PS_PER_NS, "ns", name)


def ps_to_s(ps: int) -> float:
    """Picoseconds to seconds (float)."""
    return int(ps) / PS_PER_S


def ps_to_ms(ps: int) -> float:
    """Picoseconds to milliseconds (float)."""
    return int(ps) / PS_PER_MS


def ps_to_us(ps: int) -> float:
    """Picoseconds to microseconds (float)."""
    return int(ps) / PS_PER_US


def ps_to_ns(ps: int) -> float:
    """Picoseconds to nanoseconds (float)."""
    return int(ps) / PS_PER_NS


def check_time_ps(value, name: str = "time_ps") -> int:
    """Return ``value`` as an int number of ps, or raise ScheduleError naming it.

    Accepts Python and numpy integers; refuses floats (use ``s_to_ps`` and friends),
    bools, NaN and values outside int64.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and math.isnan(float(value)):
            raise ScheduleError(f"{name} must be an integer number of ps, got NaN")
        raise ScheduleError(f"{name} must be an integer number of picoseconds, got {value!r} "
                            f"({type(value).__name__}); convert with s_to_ps/us_to_ps/ns_to_ps")
    v = int(value)
    if v < -TIME_MAX_PS - 1 or v > TIME_MAX_PS:
        raise ScheduleError(f"{name} = {v} overflows int64 picoseconds")
    return v


def check_delay_ps(delay, now_ps: int, name: str = "delay_ps") -> int:
    """Validate a delay (int ps, >= 0) relative to ``now_ps`` and return the absolute time in ps."""
    d = check_time_ps(delay, name)
    if d < 0:
        raise ScheduleError(f"{name} must be >= 0, got {d} (scheduling in the past)")
    if d > TIME_MAX_PS - now_ps:
        raise ScheduleError(f"{name} = {d} at now = {now_ps} ps overflows int64 picoseconds")
    return now_ps + d
