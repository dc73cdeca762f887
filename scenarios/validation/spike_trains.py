"""Spike trains compared spike for spike, and the activity statistics of a population.

A train is two arrays: the step k of every spike (the step in which the neuron crossed its
threshold) and its neuron. Statistics over a window [t0, t1) of a run of ``n`` neurons at
``dt_s``:

- rate (Hz): spikes in the window / (n x window);
- CV of ISIs: the mean over neurons with at least 3 spikes in the window of std(ISI) / mean(ISI)
  (std with ddof 0);
- silent fraction: neurons with no spike in the window / n;
- population Fano factor: var / mean (ddof 0) of the population's spike counts in consecutive
  bins of ``bin_s`` over the window.
"""
from __future__ import annotations

import numpy as np


def _keys(steps, neurons, n_neurons: int) -> np.ndarray:
    return np.unique(np.asarray(steps, np.int64) * n_neurons + np.asarray(neurons, np.int64))


def compare_trains(a_steps, a_neurons, b_steps, b_neurons, n_neurons: int) -> dict:
    """``{"spikes_a", "spikes_b", "only_a", "only_b", "identical_prefix", "first_difference_step"}``:
    counts of spikes in one train but not the other, the spikes (in (step, neuron) order) before
    the first difference, and the step of that difference (None when the trains are equal)."""
    a, b = _keys(a_steps, a_neurons, n_neurons), _keys(b_steps, b_neurons, n_neurons)
    m = min(a.size, b.size)
    differ = np.flatnonzero(a[:m] != b[:m])
    prefix = int(differ[0]) if differ.size else m
    first = None
    if prefix < max(a.size, b.size):
        first = int(min(s[prefix] for s in (a, b) if prefix < s.size) // n_neurons)
    return {"spikes_a": int(a.size), "spikes_b": int(b.size),
            "only_a": int(np.setdiff1d(a, b).size), "only_b": int(np.setdiff1d(b, a).size),
            "identical_prefix": prefix, "first_difference_step": first}


def activity_statistics(steps, neurons, n_neurons: int, dt_s: float, t0_s: float, t1_s: float,
                        bin_s: float = 0.01) -> dict:
    """Rate, CV of ISIs, silent fraction and population Fano factor (module docstring)."""
    t = np.asarray(steps, np.int64) * dt_s
    i = np.asarray(neurons, np.int64)
    keep = (t >= t0_s - 1e-12) & (t < t1_s - 1e-12)
    t, i = t[keep], i[keep]
    counts = np.bincount(i, minlength=n_neurons)
    order = np.lexsort((t, i))
    t_sorted = t[order]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    cvs = [np.std(isi) / np.mean(isi) for j in np.flatnonzero(counts >= 3)
           for isi in [np.diff(t_sorted[bounds[j]:bounds[j + 1]])]]
    n_bins = int(round((t1_s - t0_s) / bin_s))
    b = np.clip(((t - t0_s) / bin_s + 1e-9).astype(np.int64), 0, n_bins - 1)
    pop = np.bincount(b, minlength=n_bins).astype(float)
    return {"rate_hz": t.size / n_neurons / (t1_s - t0_s),
            "cv_isi": float(np.mean(cvs)) if cvs else float("nan"),
            "silent_fraction": float(np.mean(counts == 0)),
            "fano_factor": float(pop.var() / pop.mean()) if pop.mean() > 0 else float("nan")}
