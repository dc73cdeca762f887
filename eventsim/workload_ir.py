"""The workload IR: what a network is, as flat arrays, for placement and the kernel.

Populations are numbered in order and their neurons get global ids: population p holds ids
``offset[p] .. offset[p] + size - 1``. A projection from population ``pre`` to ``post`` is a
CSR matrix over pre neurons: synapses of pre neuron i are ``indptr[i]:indptr[i+1]``, with
target (post-local) neuron ``indices``, ``weights`` and delays (compact, see ``Projection``).
Synapses are stored with their post neuron (where the spike is received). Units are in the names.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError


@dataclass
class Population:
    """``size`` neurons of one model. ``model`` names it as registered
    (``eventsim.neuron_model.resolve``: e.g. "lif"; the import path of its module,
    "networks.neurons.lif", as older workloads name it, resolves too); ``params``
    float64[size, P] and ``state`` float64[size, S] are its per-neuron parameters and initial
    state (None: placement only)."""
    name: str
    size: int
    model: str = "lif"
    state_bytes_per_neuron: int = 16          # neuron state kept in core memory
    params: np.ndarray | None = None
    state: np.ndarray | None = None

    def __post_init__(self):
        if not isinstance(self.size, (int, np.integer)) or self.size < 1:
            raise ConfigError(f"population {self.name!r}: size must be an int >= 1, got {self.size!r}")
        if self.state_bytes_per_neuron < 0:
            raise ConfigError(f"population {self.name!r}: state_bytes_per_neuron must be >= 0, "
                              f"got {self.state_bytes_per_neuron}")
        for what in ("params", "state"):
            a = getattr(self, what)
            if a is not None and (a.ndim != 2 or a.shape[0] != self.size):
                raise ConfigError(f"population {self.name!r}: {what} must have shape "
                                  f"({self.size}, n), got {a.shape}")


@dataclass
class InputEvents:
    """Events into population ``population`` from outside: at ``times_ps``, value ``values``
    (a charge: the jump it causes) on input ``port`` of neuron ``neurons`` (population-local)."""
    population: int
    times_ps: np.ndarray            # int64[E]
    neurons: np.ndarray             # int32[E]
    values: np.ndarray              # float64[E]
    port: int = 0

    def __post_init__(self):
        n = self.times_ps.shape
        if self.neurons.shape != n or self.values.shape != n:
            raise ConfigError(f"input events: times_ps, neurons and values differ in length "
                              f"({self.times_ps.shape}, {self.neurons.shape}, {self.values.shape})")
        if n[0] and self.times_ps.min() < 0:
            raise ConfigError(f"input events: times_ps must be >= 0, got {int(self.times_ps.min())}")


STORAGES = ("auto", "sram", "offchip")


class Projection:
    """Synapses from population ``pre`` to ``post`` as CSR over pre neurons: those of pre neuron i
    are ``indptr[i]:indptr[i+1]``, with post-local target ``indices`` (int32) and ``weights``
    (float32), driving input ``port`` of the post neurons with the pre neurons' spike output
    ``source`` (0 for binary spikes; a graded model may send several values per spike).
    ``storage``: where its synapse rows live on a machine: "sram" (the post neurons' cores),
    "offchip" (the memory of their chip that holds synapses, read by DMA when a spike arrives),
    or "auto" (the placement chooses: SRAM if the workload fits there, else off-chip;
    ``eventsim.synapse_storage``).

    Delays (integer ps) are given as ``delays_ps`` (one per synapse, or empty for none) or as
    one ``delay_ps`` for all. They are stored compactly: one value if all are equal, else int32
    multiples of the largest unit that represents them all exactly (``delay_unit_ps``), so a
    synapse takes at most 12 bytes (index, weight, delay). ``delays_ps`` gives them back."""

    def __init__(self, name: str, pre: int, post: int, indptr, indices, weights,
                 delays_ps=None, bytes_per_synapse: int = 12, port: int = 0, delay_ps: int = 0,
                 source: int = 0, storage: str = "auto"):
        self.name, self.pre, self.post, self.port, self.source = name, pre, post, port, source
        if storage not in STORAGES:
            raise ConfigError(f"projection {name!r}: storage must be one of {list(STORAGES)}, "
                              f"got {storage!r}")
        self.storage = storage
        self.indptr = np.asarray(indptr)
        self.indices = np.asarray(indices)
        self.weights = np.asarray(weights)
        self.bytes_per_synapse = bytes_per_synapse
        self.delay_units, self.delay_unit_ps = _compact_delays(name, delays_ps, delay_ps,
                                                               self.indices.shape[0])

    @property
    def n_synapses(self) -> int:
        return int(self.indices.shape[0])

    @property
    def uniform_delay(self) -> bool:
        """True if every synapse has the same delay, ``delay_unit_ps``."""
        return self.delay_units.shape[0] == 0

    @property
    def delays_ps(self) -> np.ndarray:
        """The delay of every synapse in ps (int64, computed from the compact form)."""
        if self.uniform_delay:
            return np.full(self.n_synapses, self.delay_unit_ps, np.int64)
        return self.delay_units.astype(np.int64) * self.delay_unit_ps

    def nbytes(self) -> int:
        """Bytes held by the synapse arrays (indptr, indices, weights, delays)."""
        return self.indptr.nbytes + self.indices.nbytes + self.weights.nbytes + self.delay_units.nbytes


def _compact_delays(name, delays_ps, delay_ps, n) -> tuple[np.ndarray, int]:
    """(int32 delays in units, unit in ps); (empty, delay) when all delays are equal."""
    if delays_ps is None or np.asarray(delays_ps).shape[0] == 0:
        d = int(delay_ps)
        if d < 0:
            raise ConfigError(f"projection {name!r}: delay_ps must be >= 0, got {d}")
        return np.zeros(0, np.int32), d
    d = np.asarray(delays_ps)
    if d.shape != (n,):
        raise ConfigError(f"projection {name!r}: delays_ps must be empty or one per synapse "
                          f"({n}), got shape {d.shape}")
    if not np.issubdtype(d.dtype, np.integer):
        raise ConfigError(f"projection {name!r}: delays_ps must be integers (ps), got {d.dtype}")
    lo, hi = int(d.min()), int(d.max())
    if lo < 0:
        raise ConfigError(f"projection {name!r}: delays_ps must be >= 0, got {lo}")
    if lo == hi:
        return np.zeros(0, np.int32), lo
    unit = int(np.gcd.reduce(d.astype(np.int64)))
    if hi // unit > np.iinfo(np.int32).max:
        raise ConfigError(f"projection {name!r}: delays from {lo} to {hi} ps need more than 32 "
                          f"bits at their common unit of {unit} ps")
    return (d // unit).astype(np.int32), unit


@dataclass
class WorkloadIR:
    populations: list[Population]
    projections: list[Projection] = field(default_factory=list)
    inputs: list[InputEvents] = field(default_factory=list)

    def __post_init__(self):
        names = [p.name for p in self.populations]
        if len(set(names)) != len(names):
            raise ConfigError(f"population names must be unique, got {names}")
        for pr in self.projections:
            for end in ("pre", "post"):
                i = getattr(pr, end)
                if not 0 <= i < len(self.populations):
                    raise ConfigError(f"projection {pr.name!r}: {end} = {i} is not a population index")
            n_pre = self.populations[pr.pre].size
            n_post = self.populations[pr.post].size
            if pr.indptr.shape != (n_pre + 1,) or pr.indptr[0] != 0 or pr.indptr[-1] != pr.n_synapses:
                raise ConfigError(f"projection {pr.name!r}: indptr must have {n_pre + 1} entries "
                                  f"from 0 to {pr.n_synapses}")
            if pr.n_synapses and (pr.indices.min() < 0 or pr.indices.max() >= n_post):
                raise ConfigError(f"projection {pr.name!r}: indices must be in 0..{n_post - 1}")
            if pr.weights.shape != pr.indices.shape:
                raise ConfigError(f"projection {pr.name!r}: weights and indices differ in length")
        for ev in self.inputs:
            if not 0 <= ev.population < len(self.populations):
                raise ConfigError(f"input events: population {ev.population} is not a population index")
            size = self.populations[ev.population].size
            if ev.neurons.shape[0] and (ev.neurons.min() < 0 or ev.neurons.max() >= size):
                raise ConfigError(f"input events: neurons must be in 0..{size - 1} of population "
                                  f"{self.populations[ev.population].name!r}")

    @property
    def offsets(self) -> np.ndarray:
        """First global neuron id of each population (and the total at the end)."""
        return np.concatenate([[0], np.cumsum([p.size for p in self.populations])]).astype(np.int64)

    @property
    def n_neurons(self) -> int:
        return int(self.offsets[-1])

    def population_of(self) -> np.ndarray:
        """Population index of every global neuron id."""
        return np.repeat(np.arange(len(self.populations)), [p.size for p in self.populations])

    def synapse_bytes_per_neuron(self, projections=None) -> np.ndarray:
        """Bytes of incoming synapses stored with each (global) neuron (of the projections
        whose index ``projections`` lists, or all)."""
        out = np.zeros(self.n_neurons, np.int64)
        off = self.offsets
        chosen = range(len(self.projections)) if projections is None else projections
        for pr in (self.projections[j] for j in chosen):
            counts = np.bincount(pr.indices, minlength=self.populations[pr.post].size)
            out[off[pr.post]:off[pr.post + 1]] += counts * pr.bytes_per_synapse
        return out

    def fan_in(self) -> np.ndarray:
        """Incoming synapses per (global) neuron."""
        out = np.zeros(self.n_neurons, np.int64)
        off = self.offsets
        for pr in self.projections:
            out[off[pr.post]:off[pr.post + 1]] += np.bincount(pr.indices, minlength=self.populations[pr.post].size)
        return out

    def neuron_bytes(self, projections=None) -> np.ndarray:
        """Memory each neuron needs where it is placed: state + incoming synapses (of the
        projections whose index ``projections`` lists, or all), bytes."""
        state = np.repeat([p.state_bytes_per_neuron for p in self.populations],
                          [p.size for p in self.populations])
        return state + self.synapse_bytes_per_neuron(projections)
