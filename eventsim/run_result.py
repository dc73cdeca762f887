"""What a network run produced (``simulate``), whichever integrator ran it, and its metrics.

Spike times are integer picoseconds of network time everywhere: for a discrete run, the start
of the step the spike happened in (``step * dt``); for an exact run, the threshold crossing.
A discrete run also keeps the step of each spike, and on a machine the hardware time of every
step.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .kernel import Kernel
from .workload_ir import WorkloadIR


@dataclass
class RunResult:
    """One run of a network. ``integrator``: "discrete" (steps of ``dt_s`` seconds,
    ``n_steps`` of them) or "exact" (continuous time; ``dt_s``, ``n_steps``, ``spike_steps``
    None). Per population p, in time order: ``spike_times_ps[p]`` (int64 ps),
    ``spike_neurons[p]`` (population-local ids), for discrete runs ``spike_steps[p]``;
    ``final_state[p]`` [neurons, state variables] at the end of the run, in the model's units
    (a refractory counter in seconds). On a machine: ``kernel`` (its ledger), and for discrete
    runs ``step_start_ps[k]``, ``step_finish_ps[k]``: hardware time (ps) at which step k began
    and at which its last work or packet ended (``step_model.StepState``); ``area_mm2``: the
    machine's silicon area by kind of component and in total (``eventsim.area``; None
    without a machine or when it gives no area)."""
    integrator: str
    duration_ps: int
    population_names: list[str]
    spike_times_ps: list[np.ndarray]
    spike_neurons: list[np.ndarray]
    counts: dict
    metrics: dict
    final_state: list[np.ndarray]
    dt_s: float | None = None
    n_steps: int | None = None
    spike_steps: list[np.ndarray] | None = None
    step_start_ps: np.ndarray | None = None
    step_finish_ps: np.ndarray | None = None
    kernel: Kernel | None = field(default=None, repr=False)
    area_mm2: dict | None = None

    def _index(self, population: str | int) -> int:
        return population if isinstance(population, int) else \
            self.population_names.index(population)

    def spikes(self, population: str | int) -> tuple[np.ndarray, np.ndarray]:
        """(times in ps, neurons) of one population's spikes, in time order."""
        p = self._index(population)
        return self.spike_times_ps[p], self.spike_neurons[p]

    def steps(self, population: str | int) -> tuple[np.ndarray, np.ndarray]:
        """(steps, neurons) of one population's spikes, in time order (discrete runs)."""
        if self.spike_steps is None:
            raise AttributeError("an exact run has no steps: use spikes() (times in ps)")
        p = self._index(population)
        return self.spike_steps[p], self.spike_neurons[p]

    @property
    def duration_s(self) -> float:
        return self.duration_ps / 1e12

    @property
    def hardware_time_ps(self) -> int | None:
        """Hardware time at the end of the run (None without a machine): the start of the
        discrete run's last step, or the end of the exact run (hardware time is network time
        there)."""
        if self.kernel is None:
            return None
        return self.duration_ps if self.step_start_ps is None else int(self.step_start_ps[-1])

    @property
    def ledger(self):
        return None if self.kernel is None else self.kernel.ledger


def network_metrics(w: WorkloadIR, active_pairs: int, n_bins: int, synaptic_events: int) -> dict:
    """NeuroBench-style metrics of a run cut into ``n_bins`` time bins (a discrete run's bins
    are its steps) in which ``active_pairs`` neuron x bin pairs held a spike (the function
    ``active_pairs`` counts them): effective synaptic operations (one accumulate per synaptic event),
    dense-equivalent operations (every pre x post pair of every projection, every bin),
    activation sparsity (1 - the fraction of neuron x bin pairs with a spike) and weight
    sparsity (1 - synapses over the dense pre x post pairs)."""
    dense_pairs = sum(w.populations[p.pre].size * w.populations[p.post].size
                      for p in w.projections)
    n_syn = sum(p.n_synapses for p in w.projections)
    return {"synaptic_ops": int(synaptic_events),
            "dense_equivalent_ops": dense_pairs * n_bins,
            "activation_sparsity": 1.0 - active_pairs / (w.n_neurons * n_bins),
            "weight_sparsity": 1.0 - n_syn / dense_pairs if dense_pairs else 0.0}


def active_pairs(gids: np.ndarray, bins: np.ndarray, n_bins: int) -> int:
    """The number of distinct (neuron, time bin) pairs among spikes of neurons ``gids`` in
    bins ``bins`` (0 .. n_bins - 1). A discrete run needs none of this: a neuron spikes at
    most once per step, so its pairs are its spikes."""
    return int(np.unique(gids.astype(np.int64) * n_bins + bins).shape[0])
