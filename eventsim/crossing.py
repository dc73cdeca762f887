"""When does a membrane potential that is a sum of exponentials and a ramp reach threshold?

Between input events the linear neuron models (LIF, CubaLIF, CUBA, IF) have closed-form
trajectories of one shape, s seconds from now:

    v(s) = v_inf + slope s + a1 exp(-s / tau1) + a2 exp(-s / tau2) + a3 exp(-s / tau3)

(unused terms have a = 0). ``next_check_s`` finds the first s with v(s) >= threshold, or a time
before which v certainly stays below it, with two certified bounds:

* a safe step, the longer of two: (1) for u >= s, only the terms with a_k < 0 (and a positive
  slope) can raise v, together by at most A (1 - exp(-h / tau_min)) over h (A = their magnitude
  at s, tau_min their shortest time constant); if A is below the gap to threshold and the slope
  is not positive, v never reaches it; (2) each rising term lies below its tangent and each
  falling one below 1 - x + x^2/2 of its exponent, so v(s + h) <= v(s) + v'(s) h + c h^2, whose
  first reach of threshold converges quadratically on a crossing;
* a bracket: a Newton step from s that lands at or above threshold, on an interval where a lower
  bound of v' is positive (v is monotone there, so the crossing in it is the first and only
  one), then bisection to ``TOLERANCE_S``.

A crossing shorter than the safe steps' resolution (v grazing the threshold for under a
picosecond) may be missed; nothing else is. Times in seconds; v in the model's units.
"""
import numpy as np

from eventsim.jit import kernel_jit

TOLERANCE_S = 0.25e-12
"""Bisection stops when the crossing is bracketed to this (a quarter of the engine's 1 ps)."""


@kernel_jit(inline="always")
def v_at(s, v_inf, slope, a1, tau1, a2, tau2, a3, tau3):
    """v(s) of the trajectory (see the module docstring)."""
    return v_inf + slope * s + a1 * np.exp(-s / tau1) + a2 * np.exp(-s / tau2) \
        + a3 * np.exp(-s / tau3)


@kernel_jit(inline="always")
def _decay(s, tau):
    """exp(-s / tau), with exp(0) = 1 without a call."""
    return 1.0 if s == 0.0 else np.exp(-s / tau)


@kernel_jit(inline="always")
def _rising(x, tau):
    """(amount, tau) of a term whose value now is x if it can still raise v (x < 0), else
    (0, inf)."""
    return (-x, tau) if x < 0.0 else (0.0, np.inf)


@kernel_jit(inline="always")
def _curvature(x, tau):
    """The h^2 coefficient that bounds a term now at x from above over the next h: a falling
    term (x > 0) stays below x (1 - h/tau + h^2/(2 tau^2)); a rising one (x < 0) below its
    tangent, x (1 - h/tau), which adds nothing."""
    return x / (2.0 * tau * tau) if x > 0.0 else 0.0


@kernel_jit(inline="always")
def _quadratic_step(gap, dv, curv):
    """The h where the bound v + dv h + curv h^2 first reaches v + gap (0: none found)."""
    if curv > 0.0:
        return 2.0 * gap / (dv + np.sqrt(dv * dv + 4.0 * curv * gap))
    return gap / dv if dv > 0.0 else 0.0


@kernel_jit(inline="always")
def _slope_low(a, tau, e_lo, e_hi):
    """The smallest of the term's derivative -a/tau exp(-u/tau) over [lo, hi], given
    exp(-lo/tau) and exp(-hi/tau)."""
    b = -a / tau
    return b * (e_hi if b > 0.0 else e_lo)


@kernel_jit
def next_check_s(v_inf, slope, a1, tau1, a2, tau2, a3, tau3, threshold, max_iterations):
    """(s, certain): the first time s >= 0 at which v(s) >= threshold, found to TOLERANCE_S
    (certain = True), or a time s > 0 before which v stays below threshold (certain = False;
    ask again at s), or (inf, False) if v never reaches it; at most ``max_iterations`` safe
    steps. Time constants > 0 (may be inf for unused terms with a = 0)."""
    s = 0.0
    for _ in range(max_iterations):
        x1, x2, x3 = a1 * _decay(s, tau1), a2 * _decay(s, tau2), a3 * _decay(s, tau3)
        v = v_inf + slope * s + x1 + x2 + x3
        if v >= threshold:
            return s, True
        gap = threshold - v
        m1, t1 = _rising(x1, tau1)
        m2, t2 = _rising(x2, tau2)
        m3, t3 = _rising(x3, tau3)
        rise = m1 + m2 + m3
        if slope <= 0.0 and rise <= gap:
            return np.inf, False
        tau_min = min(t1, min(t2, t3))
        if slope > 0.0:
            h = gap / (slope + (rise / tau_min if rise > 0.0 else 0.0))
        else:
            h = -tau_min * np.log1p(-gap / rise)
        dv = slope - x1 / tau1 - x2 / tau2 - x3 / tau3
        curv = _curvature(x1, tau1) + _curvature(x2, tau2) + _curvature(x3, tau3)
        h = max(h, _quadratic_step(gap, dv, curv))
        if h <= TOLERANCE_S:
            return s + h, True                       # the crossing is within TOLERANCE_S
        lo = s + h                                   # certified: no crossing before lo
        if dv > 0.0:
            hi = s + gap / dv                        # Newton's step from s
            if hi > lo:
                f1, f2, f3 = np.exp(-hi / tau1), np.exp(-hi / tau2), np.exp(-hi / tau3)
                if v_inf + slope * hi + a1 * f1 + a2 * f2 + a3 * f3 >= threshold:
                    g1, g2, g3 = np.exp(-lo / tau1), np.exp(-lo / tau2), np.exp(-lo / tau3)
                    if slope + _slope_low(a1, tau1, g1, f1) + _slope_low(a2, tau2, g2, f2) \
                            + _slope_low(a3, tau3, g3, f3) > 0.0:   # v increasing on [lo, hi]
                        return _bisect(lo, hi, v_inf, slope, a1, tau1, a2, tau2, a3, tau3,
                                       threshold), True
        s = lo
    return s, False


@kernel_jit
def _bisect(lo, hi, v_inf, slope, a1, tau1, a2, tau2, a3, tau3, threshold):
    """The crossing in [lo, hi] (v(lo) < threshold <= v(hi), v increasing) to TOLERANCE_S:
    returns a time at which v >= threshold."""
    while hi - lo > TOLERANCE_S:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if v_at(mid, v_inf, slope, a1, tau1, a2, tau2, a3, tau3) >= threshold:
            hi = mid
        else:
            lo = mid
    return hi
