"""A Workload IR's neurons, projections and inputs as the flat arrays both network runtimes
read.

The Numba types of these arrays are the same for every network: they depend neither on its
sizes, nor on the number or order of its populations and projections, nor on its delays, nor
on its models. Only the runtimes' generated handlers depend on the network, on its *set* of
neuron models; so the shared runtime functions compile once, a new set of models compiles only
its handlers, and any other network of models compiled before runs without compiling.

Neurons: one state array [variables, neurons] holds every neuron's state in the column of its
global id (the rows of a model with fewer variables than another's unused, zero), and one
constants array [constants, columns] their constants: neuron g of population p uses column
``pop_coef_col[p]`` (+ g - first id of p unless ``pop_shared[p]``: every neuron of the
population has the same constants, kept once); population p is of model ``pop_model[p]`` of
the set.

Projections: all synapses in one CSR over (projection, pre neuron): the synapses of pre neuron
i of projection j are ``indices[s]``, ``weights[s]`` for s in
``indptr[info[j, ROW0] + i] : indptr[info[j, ROW0] + i + 1]`` (indices post-local, s global;
``info[j, SYN0]`` and ``info[j, N_SYN]`` its first synapse and their number);
a projection with per-synapse delays keeps them at ``delay[info[j, DELAY0] + s - info[j, SYN0]]``,
one with a uniform delay in ``info[j, UNIFORM]`` (else -1). Delays are in the runtime's unit
(steps, or ps): ``delays_of`` says.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .workload_ir import WorkloadIR

# info[j] columns
PRE, POST_OFF, PORT, UNIFORM, SOURCE, POST, ROW0, SYN0, N_SYN, DELAY0, N_INFO = range(11)


@dataclass(frozen=True)
class NeuronLayout:
    """The neurons of a network (see the module docstring)."""
    models: tuple                 # the NeuronModels, distinct, sorted by name
    state: np.ndarray             # float64[most variables of a model, neurons]
    coef: np.ndarray              # float64[most constants of a model, columns]
    pop_model: np.ndarray         # int64[P]
    pop_coef_col: np.ndarray      # int64[P]
    pop_shared: np.ndarray        # int64[P]: 1 if the population's neurons share one column

    def final_states(self, w: WorkloadIR) -> list[np.ndarray]:
        """Per population of ``w``: its neurons' state [neurons, its model's variables]
        (copies)."""
        off = w.offsets
        return [self.state[:p.state.shape[1], off[k]:off[k] + p.size].T.copy()
                for k, p in enumerate(w.populations)]


@dataclass(frozen=True)
class ProjectionLayout:
    """The projections of a network as one CSR (see the module docstring)."""
    indptr: np.ndarray            # int64[sum of (pre size + 1)], global synapse positions
    indices: np.ndarray           # int32[synapses], post-local
    weights: np.ndarray           # float[synapses]
    delay: np.ndarray             # per-synapse delays of the projections that have them
    info: np.ndarray              # int64[J, N_INFO]
    pre_ptr: np.ndarray           # int64[P + 1]: projections from population p are
    pre_ids: np.ndarray           # pre_ids[pre_ptr[p]:pre_ptr[p + 1]]

    def synapses(self, j: int) -> slice:
        """The positions of projection j's synapses."""
        lo = int(self.info[j, SYN0])
        return slice(lo, lo + int(self.info[j, N_SYN]))

    def delays(self, j: int) -> np.ndarray | int:
        """Projection j's delays: per synapse, or its uniform one."""
        if self.info[j, UNIFORM] >= 0:
            return int(self.info[j, UNIFORM])
        lo = int(self.info[j, DELAY0])
        return self.delay[lo:lo + int(self.info[j, N_SYN])]


def model_set(models) -> tuple:
    """The distinct ``NeuronModel``s of ``models``, sorted by name: what a network's kernels
    are compiled for."""
    return tuple(sorted({m.name: m for m in models}.values(), key=lambda m: m.name))


def model_names(models) -> str:
    """The names of ``NeuronModel``s, e.g. "cuba, lif"."""
    return ", ".join(m.name for m in models)


def neuron_layout(w: WorkloadIR, models, constants) -> NeuronLayout:
    """Lay out the populations of ``w`` (models[p] the ``NeuronModel`` of population p);
    ``constants(model, params float64[N, P]) -> float64[N, K]`` gives a population's constants."""
    kinds = model_set(models)
    index = {m.name: k for k, m in enumerate(kinds)}
    coefs, shared_of = [], []
    for pop, m in zip(w.populations, models):
        coef = np.asarray(constants(m, np.asarray(pop.params, np.float64)), np.float64).T
        shared = coef.shape[1] == 1 or np.array_equal(coef,
                                                      np.broadcast_to(coef[:, :1], coef.shape))
        coefs.append(coef[:, :1] if shared else coef)
        shared_of.append(int(shared))
    n_vars = max(p.state.shape[1] for p in w.populations)
    state = np.zeros((n_vars, w.n_neurons))
    for pop, start in zip(w.populations, w.offsets):
        state[:pop.state.shape[1], start:start + pop.size] = np.asarray(pop.state, np.float64).T
    coef = np.zeros((max(c.shape[0] for c in coefs), sum(c.shape[1] for c in coefs)))
    cols = np.concatenate([[0], np.cumsum([c.shape[1] for c in coefs])]).astype(np.int64)
    for c, start in zip(coefs, cols):
        coef[:c.shape[0], start:start + c.shape[1]] = c
    return NeuronLayout(kinds, state, coef,
                        np.array([index[m.name] for m in models], np.int64), cols[:-1].copy(),
                        np.array(shared_of, np.int64))


def projection_layout(w: WorkloadIR, weight_dtype, delay_dtype, delays_of) -> ProjectionLayout:
    """Lay out the projections of ``w``; ``delays_of(projection)`` gives its delays in the
    runtime's unit, an int when uniform, else one per synapse. A network of one projection
    shares its arrays with the Workload IR where their dtypes already match."""
    off = w.offsets
    indptr, indices, weights, delays, info = [], [], [], [], []
    row0 = syn0 = delay0 = 0
    for pr in w.projections:
        d = delays_of(pr)
        uniform = isinstance(d, (int, np.integer))
        indptr.append(np.asarray(pr.indptr, np.int64) + syn0 if syn0 else pr.indptr)
        indices.append(pr.indices)
        weights.append(pr.weights)
        if not uniform:
            delays.append(d)
        info.append((pr.pre, off[pr.post], pr.port, int(d) if uniform else -1, pr.source, pr.post,
                     row0, syn0, pr.n_synapses, -1 if uniform else delay0))
        row0 += pr.indptr.shape[0]
        syn0 += pr.n_synapses
        delay0 += 0 if uniform else pr.n_synapses
    by_pre = [[j for j, x in enumerate(info) if x[PRE] == p] for p in range(len(w.populations))]
    return ProjectionLayout(
        _flat(indptr, np.int64), _flat(indices, np.int32), _flat(weights, weight_dtype),
        _flat(delays, delay_dtype), np.array(info, np.int64).reshape(len(info), N_INFO),
        np.concatenate([[0], np.cumsum([len(b) for b in by_pre])]).astype(np.int64),
        np.array([j for b in by_pre for j in b], np.int64))


def _flat(parts: list, dtype) -> np.ndarray:
    """One contiguous, writable array of ``dtype`` from ``parts`` (the part itself when alone
    and already so)."""
    if len(parts) == 1:
        return np.require(parts[0], dtype, ("C", "W"))
    if not parts:
        return np.zeros(0, dtype)
    return np.concatenate([np.asarray(p, dtype) for p in parts])


def sorted_inputs(w: WorkloadIR, unit_ps: int = 1):
    """The external inputs of ``w`` as (time in units of ``unit_ps`` ps, rounded down; global
    id; port; value), int64 but the float64 values, sorted by that time (stably: inputs of one
    time in the order given)."""
    off = w.offsets
    parts = [(ev.times_ps.astype(np.int64) // unit_ps,
              ev.neurons.astype(np.int64) + off[ev.population],
              np.full(ev.times_ps.shape[0], ev.port, np.int64), ev.values.astype(np.float64))
             for ev in w.inputs]
    if not parts:
        return (np.zeros(0, np.int64),) * 3 + (np.zeros(0),)
    t, gid, port, val = (np.concatenate(x) for x in zip(*parts))
    order = np.argsort(t, kind="stable")
    return t[order], gid[order], port[order], val[order]
