"""Training on modelled threads: synchronous SGD, Hogwild! and asynchronous layer-wise SGD.

``train(method, model, data, machine, ...)`` trains ``model`` for real (numpy, float64) while the
schedule of every forward pass, backward pass and parameter update of every layer runs as SimPy
processes on ``SoftwareThread``s of the machine (``eventsim.thread_model``): each pass is one work
item of ``flop`` actions (the layer's FLOPs; updates ``sgd.update_flops``) on its thread's core,
with the pass's bytes (``sgd.update_bytes`` for updates) moved through one memory port shared by
all threads; its duration and energy come from the machine's cost tables and are charged to the
kernel's ledger. Simulated time is integer picoseconds.

The model is an ``Mlp`` or a ``layers.Stack`` of EGRU and dense layers (data with a time axis,
e.g. ``datasets.sequential_digits``, for a stack that starts with an EGRU layer). Either way the
scheduler sees a list of layers, each with its own parameter dict (versioned, updated layer by
layer) and its own forward and backward (``layers``: a dense layer counts ``mlp.layer_flops`` /
``mlp.layer_bytes``; an EGRU layer's whole BPTT over the sequence is one backward work item,
counted by ``egru_layer.egru_flops`` with the activity its forward measured, so sparser events
are cheaper passes). ``ScheduleResult.activity`` reports the measured EGRU activity.

When the numbers are computed (the rule that ties the numerics to the simulated schedule):

- a forward or backward pass of layer l reads layer l's shared parameters when its work item
  starts, computes its result at once, and hands the result on when the work item ends;
- an update of layer l is applied to the shared parameters, lock-free and atomically, when its
  work item ends (on top of whatever the layer holds then; see ``staleness``), and the layer's
  version goes up by one. Staleness = current version - version read by the forward pass.

Methods (``METHODS``):

``sync``             K threads (K = 1: plain SGD). Each minibatch is cut into K shards
                     (``numpy.array_split``); thread k runs forward and backward of all layers on
                     shard k; then an all-reduce, then thread 0 updates the layers L-1..0 with the
                     mean gradient (shard gradients weighted by shard size / batch size). The
                     all-reduce is modelled as a reduce over shared memory in which every thread
                     sums its 1/K slice of the N parameters over the K gradients:
                     (K-1) ceil(N/K) flops and (K+1) ceil(N/K) x 8 bytes per thread; threads wait
                     for each other before and after it (barriers cost no time).
``hogwild``          K threads, each takes the next minibatch, runs forward (all layers), backward
                     (all layers), then writes the whole-model update, layer by layer L-1..0,
                     lock-free to the shared parameters.
``layerwise-async``  (Fokam, Nazeer, Koenig, Kappel, Subramoney, arXiv 2410.05985) F forward and
                     B backward threads, F:B = ``fwd_bwd_ratio``, F + B = K. A forward thread takes
                     the next minibatch, runs the forward pass with the current parameters,
                     computes the loss and puts the activations into a FIFO queue; a backward
                     thread takes the oldest item and, for l = L-1..0, runs the backward of layer
                     l then at once updates layer l's shared parameters, before the gradient goes
                     on to layer l-1. At most ``max_in_flight`` minibatches (default 2 B) are
                     between the start of their forward and the end of their last update; a
                     forward thread waits for a free slot.

One thread reduces every method to plain SGD (``sgd.train_sgd``, bit for bit, for an Mlp and a
Stack alike): ``sync`` and
``hogwild`` with ``threads=1``; ``layerwise-async`` needs separate forward and backward threads,
so it reduces with ``threads=2, fwd_bwd_ratio=(1, 1), max_in_flight=1`` (strict hand-off: the
forward thread starts a minibatch only after the backward thread's last update of the previous).

Placement: thread i runs on core i mod n_cores (threads 0..F-1 are the forward threads of
``layerwise-async``); threads sharing a core queue for its hardware threads. Minibatches come from
``minibatches(n_train, batch_size, numpy.random.default_rng(seed))``, epoch after epoch, as in
``train_sgd``; threads take them in the order they ask (the simulated time order, ties by SimPy's
deterministic order).

Injected delays (``delays=WorkerDelays(...)``, module ``delays``): a delayed thread waits before
each of its work items, before the item reads any parameters, for simulated time in which it
holds no compute and moves no bytes (a communication delay, a preempted or slow worker). Every
other thread goes on meanwhile, except where the schedule makes it wait: the barriers of
``sync`` (after the shard passes and after the all-reduce) wait for the slowest thread, so a
delay on any one shard thread delays the whole step; ``layerwise-async`` threads wait only for
a queued minibatch or a free slot. Delays cost no energy beyond the static power over the longer
run. No delay (None, kind "none", or a draw of 0 ps) adds no SimPy event: the run is the same,
time for time and bit for bit, as without delays.

Not charged: the loss (O(batch x classes)), the hand-off of activations
between threads (beyond the bytes the passes count), and the test-set evaluations (a monitor).
"""
from __future__ import annotations

import operator
import time as _time
from dataclasses import dataclass, field

import numpy as np
import simpy

from eventsim.errors import ConfigError
from eventsim.machine_ir import MachineIR
from eventsim.machine_setup import thread_machine
from eventsim.simtime import PS_PER_S
from eventsim.thread_model import SoftwareThread

from .counts import fraction, positive_int
from .datasets import Dataset, minibatches
from .delays import WorkerDelays
from .loss import accuracy, softmax_cross_entropy
from .layers import Stack, check_fits, layers_of, model_forward
from .mlp import Mlp
from .sgd import _check_hyper, n_params, update_bytes, update_flops
from .staleness import SharedParameters, staleness_summary

METHODS = ("sync", "hogwild", "layerwise-async")
WORK_KINDS = ("forward", "backward", "update", "allreduce")
ACTION = "flop"
ITEMSIZE = 8          # float64


# --------------------------------------------------------------------------- the result

@dataclass
class ScheduleResult:
    """What one scheduled training run gives.

    ``evaluations``: one dict per test-set evaluation (at time 0, every ``eval_every`` finished
    minibatches and at the end): ``time_ps``, ``time_s``, ``epoch`` (finished minibatches /
    minibatches per epoch), ``batches``, ``accuracy``, ``loss`` (test set, shared parameters at
    that instant). ``train_loss``: per minibatch, ``time_ps`` (end of its forward pass) and
    ``loss``. ``staleness[l]``: int64, the staleness of every update of layer l in the order
    applied, ``update_time_ps[l]`` their times. ``busy``: one row per work item, columns
    ``thread``, ``start_ps`` (when the thread asked), ``end_ps``, ``kind`` (index into
    ``WORK_KINDS``) and ``layer`` (-1 for an all-reduce). ``delays``: one row per injected
    delay (a wait before a work item, holding no compute), the same columns, ``kind`` and
    ``layer`` being those of the work item it delayed; not part of ``busy_ps`` or
    ``utilisation``. ``threads``: per thread its ``role``, ``core``, ``delayed`` (whether it can
    be delayed), ``delay_ps`` (sum of its delays, ps) and ``delay_count``. Energies in joules
    from the ledger (``energy_j`` = dynamic + static = the sum of ``ledger_rows``' energy_pj x
    1e-12; only rows with a count or energy are kept).
    ``activity``: for a model with EGRU layers, per EGRU layer (key: layer index as a string)
    over all training forward passes: ``passes``, ``recurrent_density`` (non-zero fraction of
    y_{t-1}, weighted by elements), ``activity_sparsity`` (1 - mean of the events),
    ``forward_flops`` charged and ``dense_forward_flops`` (the same passes at density 1);
    empty for an Mlp (and then not in ``to_dict``).
    """
    method: str
    config: dict
    model: Mlp | Stack
    elapsed_ps: int
    evaluations: list[dict]
    train_loss: dict
    target_accuracy: float
    time_to_target_s: float | None
    epochs_to_target: float | None
    staleness: list[np.ndarray]
    update_time_ps: list[np.ndarray]
    busy: dict
    threads: list[dict]
    energy_j: float
    dynamic_energy_j: float
    static_energy_j: float
    ledger_totals: dict
    energy_by_component_j: dict = field(default_factory=dict)
    ledger_rows: list = field(default_factory=list)
    compile_s: float = 0.0
    wall_s: float = 0.0
    activity: dict = field(default_factory=dict)
    delays: dict = field(default_factory=lambda: _intervals([]))

    @property
    def elapsed_s(self) -> float:
        return self.elapsed_ps / PS_PER_S

    @property
    def final_accuracy(self) -> float:
        return self.evaluations[-1]["accuracy"]

    @property
    def final_loss(self) -> float:
        return self.evaluations[-1]["loss"]

    def staleness_summary(self) -> dict:
        """Per layer (keys "0", "1", ...) and over all layers ("all"): n, mean, max and
        histogram (``staleness.staleness_summary``)."""
        out = {str(l): staleness_summary(s) for l, s in enumerate(self.staleness)}
        every = np.concatenate(self.staleness) if self.staleness else np.zeros(0, np.int64)
        out["all"] = staleness_summary(every)
        return out

    def busy_ps(self) -> np.ndarray:
        """Per thread, the sum of its work items' durations (end - start), int64."""
        out = np.zeros(len(self.threads), np.int64)
        np.add.at(out, self.busy["thread"], self.busy["end_ps"] - self.busy["start_ps"])
        return out

    def utilisation(self) -> np.ndarray:
        """Per thread, the fraction of the run it spent in work items."""
        return self.busy_ps() / self.elapsed_ps if self.elapsed_ps > 0 else \
            np.zeros(len(self.threads))

    def utilisation_timeline(self, bin_ps: int) -> np.ndarray:
        """Busy fraction ``[thread, bin]`` of each thread in bins of ``bin_ps`` ps from 0."""
        bin_ps = positive_int("bin_ps", bin_ps)
        n_bins = max(1, -(-self.elapsed_ps // bin_ps))
        out = np.zeros((len(self.threads), n_bins))
        edges = np.arange(n_bins + 1, dtype=np.int64) * bin_ps
        for th, s, e in zip(self.busy["thread"], self.busy["start_ps"], self.busy["end_ps"]):
            overlap = np.minimum(edges[1:], e) - np.maximum(edges[:-1], s)
            out[th] += np.maximum(overlap, 0)
        return out / bin_ps

    def to_dict(self) -> dict:
        """Everything but the model, JSON-ready (lists, ints, floats, None); ``activity`` only
        when there is some (a model with EGRU layers)."""
        out = {
            "method": self.method, "config": dict(self.config),
            "elapsed_ps": int(self.elapsed_ps), "elapsed_s": self.elapsed_s,
            "evaluations": [dict(e) for e in self.evaluations],
            "train_loss": {k: list(map(_plain, v)) for k, v in self.train_loss.items()},
            "target_accuracy": self.target_accuracy,
            "time_to_target_s": self.time_to_target_s, "epochs_to_target": self.epochs_to_target,
            "final_accuracy": self.final_accuracy, "final_loss": self.final_loss,
            "staleness": [s.tolist() for s in self.staleness],
            "update_time_ps": [t.tolist() for t in self.update_time_ps],
            "staleness_summary": self.staleness_summary(),
            "busy": {k: v.tolist() for k, v in self.busy.items()}, "work_kinds": list(WORK_KINDS),
            "threads": [dict(t) for t in self.threads],
            "delays": {k: v.tolist() for k, v in self.delays.items()},
            "utilisation": self.utilisation().tolist(),
            "energy_j": self.energy_j, "dynamic_energy_j": self.dynamic_energy_j,
            "static_energy_j": self.static_energy_j, "ledger_totals": dict(self.ledger_totals),
            "energy_by_component_j": dict(self.energy_by_component_j),
            "ledger_rows": [dict(r) for r in self.ledger_rows],
            "compile_s": self.compile_s, "wall_s": self.wall_s,
        }
        if self.activity:
            out["activity"] = {k: dict(v) for k, v in self.activity.items()}
        return out


def _plain(x):
    return x.item() if isinstance(x, np.generic) else x


# --------------------------------------------------------------------------- the run

class _Run:
    """Everything the processes of one run share."""

    def __init__(self, env, pool, machine, port, shared, data, batch_size, epochs, seed,
                 eval_every, target):
        self.env, self.pool, self.machine, self.port = env, pool, machine, port
        self.shared = shared
        self.model = shared.model
        self.x_train = np.asarray(data.x_train, np.float64)
        self.y_train = data.y_train
        self.x_test = np.asarray(data.x_test, np.float64)
        self.y_test = data.y_test
        self.n_train = self.x_train.shape[0]
        self.batch_size, self.epochs = batch_size, epochs
        self.batches_per_epoch = -(-self.n_train // batch_size)
        self.total_batches = self.batches_per_epoch * epochs
        self.rng = np.random.default_rng(seed)
        self._pending: list[np.ndarray] = []
        self._epochs_drawn = 0
        self.eval_every, self.target = eval_every, target
        self.done = 0
        self.evaluations: list[dict] = []
        self.time_to_target_ps: int | None = None
        self.epochs_to_target: float | None = None
        self.train_time_ps: list[int] = []
        self.train_loss: list[float] = []
        self.busy: list[tuple] = []
        self.delays: list[tuple] = []
        self.workers: list[_Worker] = []
        self.layers = layers_of(self.model)
        self.layer_n = [n_params(p) for p in self.model.params]
        self.activity = {l: {"passes": 0, "events": 0, "y_prev_nonzero": 0, "elements": 0,
                             "forward_flops": 0, "dense_forward_flops": 0}
                         for l, layer in enumerate(self.layers) if layer.kind == "egru"}

    # minibatches, drawn lazily epoch by epoch exactly as train_sgd draws them
    def next_batch(self):
        if not self._pending:
            if self._epochs_drawn == self.epochs:
                return None
            self._pending = minibatches(self.n_train, self.batch_size, self.rng)[::-1]
            self._epochs_drawn += 1
        return self._pending.pop()

    # FLOP and byte counts of one layer's forward (whose cache is given) and its backward
    def counts(self, layer: int, cache: dict):
        spec = self.layers[layer]
        return (spec.flops(cache, grad_in=layer > 0),
                spec.bytes(cache, grad_in=layer > 0, itemsize=ITEMSIZE))

    def note_activity(self, layer: int, cache: dict, forward_flops: int) -> None:
        """Add one training forward pass of EGRU layer ``layer`` to ``activity``."""
        a = self.activity[layer]
        a["passes"] += 1
        a["events"] += int(np.count_nonzero(cache["e"]))
        a["y_prev_nonzero"] += int(np.count_nonzero(cache["y_prev"]))
        a["elements"] += int(cache["e"].size)
        a["forward_flops"] += int(forward_flops)
        dense = dict(cache, recurrent_density=1.0, input_density=1.0)
        a["dense_forward_flops"] += int(self.layers[layer].flops(dense, grad_in=layer > 0).forward)

    def activity_summary(self) -> dict:
        out = {}
        for l, a in self.activity.items():
            n = a["elements"]
            out[str(l)] = {"passes": a["passes"],
                           "recurrent_density": a["y_prev_nonzero"] / n if n else None,
                           "activity_sparsity": 1.0 - a["events"] / n if n else None,
                           "forward_flops": a["forward_flops"],
                           "dense_forward_flops": a["dense_forward_flops"]}
        return out

    def evaluate(self) -> None:
        logits, _ = model_forward(self.model, self.x_test, self.layers)
        loss, _ = softmax_cross_entropy(logits, self.y_test)
        acc = accuracy(logits, self.y_test)
        now = int(self.env.now)
        epoch = self.done / self.batches_per_epoch
        self.evaluations.append({"time_ps": now, "time_s": now / PS_PER_S, "epoch": epoch,
                                 "batches": self.done, "accuracy": acc, "loss": loss})
        if self.time_to_target_ps is None and acc >= self.target:
            self.time_to_target_ps, self.epochs_to_target = now, epoch

    def batch_done(self) -> None:
        self.done += 1
        if self.done % self.eval_every == 0 or self.done == self.total_batches:
            self.evaluate()


class _Worker:
    """A software thread of the run; ``work`` is a generator (``yield from``) that runs one
    work item and records its busy interval; ``pause`` one that waits the thread's injected
    delay before a work item (``sampler``: a ``delays.DelaySampler``, None: never waits)."""

    def __init__(self, run: _Run, index: int, role: str, core: int, sampler=None):
        self.run, self.index, self.role, self.core = run, index, role, core
        self.thread = SoftwareThread(run.env, run.pool, core, name=f"{role}{index}")
        self.sampler = sampler
        self.delay_ps = self.delay_count = 0

    def pause(self, kind: int, layer: int):
        """Wait the delay drawn for the next work item (``kind``, ``layer``), if any; a delay
        of 0 ps (or no sampler) is no wait and no SimPy event at all."""
        wait_ps = self.sampler.next_ps() if self.sampler is not None else 0
        if wait_ps > 0:
            start = int(self.run.env.now)
            yield self.run.env.timeout(wait_ps)
            self.run.delays.append((self.index, start, start + wait_ps, kind, layer))
            self.delay_ps += wait_ps
            self.delay_count += 1

    def work(self, kind: int, layer: int, flops: int, n_bytes: int):
        run = self.run
        start = int(run.env.now)
        end = yield self.thread.work(ACTION, int(flops), run.port,
                                     int(n_bytes) if run.port >= 0 else 0)
        run.busy.append((self.index, start, int(end), kind, layer))


# one pass of one layer: numbers at the start of the work item, hand-over at its end

def _forward(run: _Run, worker: _Worker, x: np.ndarray):
    """Forward through all layers; returns (logits, caches, versions read)."""
    caches, versions = [], []
    for l in range(run.shared.n_layers):
        yield from worker.pause(0, l)
        params, version = run.shared.read(l)
        x, cache = run.layers[l].forward(params, x)
        caches.append(cache)
        versions.append(version)
        flops, nbytes = run.counts(l, cache)
        if l in run.activity:
            run.note_activity(l, cache, flops.forward)
        yield from worker.work(0, l, flops.forward, nbytes.forward)
    return x, caches, versions


def _backward(run: _Run, worker: _Worker, l: int, cache: dict, grad: np.ndarray):
    """Backward of layer l with its current parameters; returns (grads_l, grad_in)."""
    yield from worker.pause(1, l)
    params, _ = run.shared.read(l)
    grads, grad_in = run.layers[l].backward(params, cache, grad)
    flops, nbytes = run.counts(l, cache)
    yield from worker.work(1, l, flops.backward, nbytes.backward)
    return grads, grad_in


def _update(run: _Run, worker: _Worker, l: int, grads: dict, version_read: int):
    """Update of layer l, applied to the shared parameters when its work item ends."""
    n = run.layer_n[l]
    yield from worker.pause(2, l)
    yield from worker.work(2, l, update_flops(n), update_bytes(n, ITEMSIZE))
    run.shared.update(l, grads, version_read, int(run.env.now), worker.index)


def _allreduce(worker: _Worker, flops: int, n_bytes: int):
    """This thread's part of the all-reduce of ``_sync``."""
    yield from worker.pause(3, -1)
    yield from worker.work(3, -1, flops, n_bytes)


def _loss(run: _Run, logits: np.ndarray, idx: np.ndarray) -> np.ndarray:
    loss, grad = softmax_cross_entropy(logits, run.y_train[idx])
    run.train_time_ps.append(int(run.env.now))
    run.train_loss.append(loss)
    return grad


# --------------------------------------------------------------------------- the methods

def _sync(run: _Run):
    env, workers = run.env, run.workers
    K, L = len(workers), run.shared.n_layers
    while (idx := run.next_batch()) is not None:
        shards = np.array_split(idx, K)
        out = [None] * K

        def shard_pass(k, shard):
            logits, caches, versions = yield from _forward(run, workers[k], run.x_train[shard])
            grad = _loss(run, logits, shard)
            grads = [None] * L
            for l in reversed(range(L)):
                grads[l], grad = yield from _backward(run, workers[k], l, caches[l], grad)
            out[k] = (len(shard), grads, versions)

        yield env.all_of([env.process(shard_pass(k, s)) for k, s in enumerate(shards) if len(s)])
        if K > 1:
            share = -(-sum(run.layer_n) // K)
            yield env.all_of([env.process(_allreduce(w, (K - 1) * share,
                                                     (K + 1) * share * ITEMSIZE))
                              for w in workers])
            parts = [o for o in out if o is not None]
            grads = []
            for l in range(L):
                g = {key: (parts[0][0] / len(idx)) * v for key, v in parts[0][1][l].items()}
                for n_k, grads_k, _ in parts[1:]:
                    for key in g:
                        g[key] += (n_k / len(idx)) * grads_k[l][key]
                grads.append(g)
        else:
            grads = out[0][1]
        versions = out[0][2]
        for l in reversed(range(L)):
            yield from _update(run, workers[0], l, grads[l], versions[l])
        run.batch_done()


def _hogwild_thread(run: _Run, worker: _Worker):
    L = run.shared.n_layers
    while (idx := run.next_batch()) is not None:
        logits, caches, versions = yield from _forward(run, worker, run.x_train[idx])
        grad = _loss(run, logits, idx)
        grads = [None] * L
        for l in reversed(range(L)):
            grads[l], grad = yield from _backward(run, worker, l, caches[l], grad)
        for l in reversed(range(L)):
            yield from _update(run, worker, l, grads[l], versions[l])
        run.batch_done()


def _layerwise(run: _Run, n_forward: int, max_in_flight: int):
    env = run.env
    queue = simpy.Store(env)
    slots = simpy.Container(env, capacity=max_in_flight, init=max_in_flight)
    forwards, backwards = run.workers[:n_forward], run.workers[n_forward:]
    running = [len(forwards)]
    L = run.shared.n_layers

    def forward_thread(worker):
        while True:
            yield slots.get(1)
            idx = run.next_batch()
            if idx is None:
                yield slots.put(1)
                break
            logits, caches, versions = yield from _forward(run, worker, run.x_train[idx])
            grad = _loss(run, logits, idx)
            yield queue.put((caches, versions, grad))
        running[0] -= 1
        if running[0] == 0:                     # no more minibatches: stop the backward threads
            for _ in backwards:
                yield queue.put(None)

    def backward_thread(worker):
        while (item := (yield queue.get())) is not None:
            caches, versions, grad = item
            for l in reversed(range(L)):
                grads_l, grad = yield from _backward(run, worker, l, caches[l], grad)
                yield from _update(run, worker, l, grads_l, versions[l])
            yield slots.put(1)
            run.batch_done()

    for w in forwards:
        env.process(forward_thread(w))
    for w in backwards:
        env.process(backward_thread(w))


# --------------------------------------------------------------------------- the entry point

def _intervals(rows: list[tuple]) -> dict:
    """(thread, start_ps, end_ps, kind, layer) rows as one int64 array per column."""
    a = np.array(rows, np.int64).reshape(-1, 5)
    return {"thread": a[:, 0], "start_ps": a[:, 1], "end_ps": a[:, 2], "kind": a[:, 3],
            "layer": a[:, 4]}


def _check_method(method) -> str:
    if method not in METHODS:
        raise ConfigError(f"method must be one of {METHODS}, got {method!r}")
    return method


def _check_ratio(fwd_bwd_ratio) -> tuple[int, int]:
    try:
        f, b = fwd_bwd_ratio
    except (TypeError, ValueError):
        raise ConfigError(f"fwd_bwd_ratio must be a pair (forward, backward) of integers >= 1, "
                          f"got {fwd_bwd_ratio!r}") from None
    return positive_int("fwd_bwd_ratio[0]", f), positive_int("fwd_bwd_ratio[1]", b)


def _delay_samplers(delays, threads: int, seed: int) -> list:
    """Per thread its ``DelaySampler``, or None if it never waits."""
    if delays is None:
        return [None] * threads
    if not isinstance(delays, WorkerDelays):
        raise ConfigError(f"delays must be a WorkerDelays or None, got {type(delays).__name__}")
    delayed = set(delays.delayed_threads(threads, seed))
    return [delays.sampler(i, seed) if delays.active and i in delayed else None
            for i in range(threads)]


def _memory_port(machine: MachineIR, memory) -> int:
    if memory is None:
        return -1
    names = list(machine.memory_names)
    if isinstance(memory, str):
        if memory not in names:
            raise ConfigError(f"memory must be one of {names} (or None), got {memory!r}")
        return names.index(memory)
    try:
        m = operator.index(memory)
    except TypeError:
        raise ConfigError(f"memory must be a memory name, an index or None, got {memory!r}") \
            from None
    if not 0 <= m < len(names):
        raise ConfigError(f"memory index must be in 0..{len(names) - 1} (memories {names}), "
                          f"or None, got {memory!r}")
    return m


def train(method: str, model: Mlp | Stack, data: Dataset, machine: MachineIR, *, threads: int = 1,
          fwd_bwd_ratio=None, max_in_flight: int | None = None, epochs: int = 1,
          batch_size: int = 32, lr: float = 0.05, momentum: float = 0.9, seed: int = 0,
          target_accuracy: float = 0.9, eval_every: int | None = None, memory=0,
          static_power: bool = True, delays: WorkerDelays | None = None) -> ScheduleResult:
    """Train ``model`` (an ``Mlp`` or a ``Stack`` of EGRU and dense layers; copied, never
    modified) on ``data`` with ``method`` (one of ``METHODS``) on ``threads`` software threads of
    ``machine`` (a lowered ``MachineIR``); see the module docstring for the schedule of each
    method.

    ``fwd_bwd_ratio`` (forward, backward) and ``max_in_flight`` apply to "layerwise-async" only
    (defaults (1, 1) and 2 x backward threads; ``threads`` must be a multiple of
    forward + backward). ``epochs``, ``batch_size``, ``lr``, ``momentum``, ``seed``: as in
    ``train_sgd``. ``eval_every``: test-set evaluation every so many finished minibatches
    (default: a quarter epoch), plus one at time 0 and one at the end; ``target_accuracy``:
    ``time_to_target_s`` is the time of the first evaluation reaching it (None if none does).
    ``memory``: the memory port (name or index into ``machine.memory_names``) that the passes'
    bytes go through, or None for compute only. ``static_power``: charge the machine's leakage
    over the run to the ledger. ``delays``: injected worker delays (``delays.WorkerDelays``;
    None or kind "none": no delay, and the run is the same, time for time, as without them).
    """
    _check_method(method)
    threads = positive_int("threads", threads)
    epochs = operator.index(epochs)
    if epochs < 0:
        raise ConfigError(f"epochs must be >= 0, got {epochs}")
    batch_size = positive_int("batch_size", batch_size)
    _check_hyper(lr, momentum)
    target_accuracy = fraction("target_accuracy", target_accuracy, low_open=True)
    if not isinstance(model, (Mlp, Stack)):
        raise ConfigError(f"model must be an Mlp or a Stack, got {type(model).__name__}")
    check_fits(model, data)
    if not isinstance(machine, MachineIR):
        raise ConfigError(f"machine must be a MachineIR (lowered), got {type(machine).__name__}")
    action = machine.action(ACTION)
    port = _memory_port(machine, memory)

    n_forward, ratio = 0, None
    if method == "layerwise-async":
        ratio = f, b = _check_ratio((1, 1) if fwd_bwd_ratio is None else fwd_bwd_ratio)
        if threads < 2 or threads % (f + b):
            raise ConfigError(f"layerwise-async needs separate forward and backward threads: "
                              f"threads must be a multiple of fwd_bwd_ratio {f}:{b} "
                              f"(a multiple of {f + b}, at least 2), got threads={threads}")
        n_forward = threads // (f + b) * f
        max_in_flight = 2 * (threads - n_forward) if max_in_flight is None else \
            positive_int("max_in_flight", max_in_flight)
    else:
        if fwd_bwd_ratio is not None or max_in_flight is not None:
            raise ConfigError(f"fwd_bwd_ratio and max_in_flight apply to method "
                              f"'layerwise-async' only, not {method!r}")
        if method == "sync" and threads > batch_size:
            raise ConfigError(f"sync with threads={threads} cuts each minibatch into {threads} "
                              f"shards: batch_size must be >= threads, got {batch_size}")

    cores = [i % machine.n_cores for i in range(threads)]
    missing = [c for c in sorted(set(cores)) if not machine.action_available[c, action]]
    if missing:
        raise ConfigError(f"cores {missing} of machine {machine.name!r} cannot do action "
                          f"{ACTION!r}")

    kernel, pool, env = thread_machine(machine, seed=seed, static_power=static_power)
    shared = SharedParameters(model, lr, momentum)
    n_train = data.x_train.shape[0]
    if eval_every is None:
        eval_every = max(1, -(-n_train // batch_size) // 4)
    eval_every = positive_int("eval_every", eval_every)
    run = _Run(env, pool, machine, port, shared, data, batch_size, epochs, seed, eval_every,
               target_accuracy)
    samplers = _delay_samplers(delays, threads, seed)
    for i, core in enumerate(cores):
        role = ("forward" if i < n_forward else "backward") if n_forward else "worker"
        run.workers.append(_Worker(run, i, role, core, samplers[i]))

    compile_s = kernel.compile()
    t0 = _time.perf_counter()
    run.evaluate()
    if method == "sync":
        env.process(_sync(run))
    elif method == "hogwild":
        for w in run.workers:
            env.process(_hogwild_thread(run, w))
    else:
        _layerwise(run, n_forward, max_in_flight)
    env.run()
    if run.done != run.total_batches:
        raise AssertionError(f"{run.done} of {run.total_batches} minibatches finished")
    if run.evaluations[-1]["batches"] != run.done:
        run.evaluate()
    elapsed = int(env.now)
    kernel.ledger.check(elapsed)
    totals = kernel.ledger.totals(elapsed)
    busy = _intervals(run.busy)
    config = {"method": method, "threads": threads,
              "fwd_bwd_ratio": None if ratio is None else list(ratio),
              "max_in_flight": max_in_flight,
              "epochs": epochs, "batch_size": batch_size, "lr": float(lr),
              "momentum": float(momentum), "seed": seed, "eval_every": eval_every,
              "memory": machine.memory_names[port] if port >= 0 else None,
              "static_power": bool(static_power), "machine": machine.name,
              "delays": None if delays is None else delays.to_dict(),
              "model_sizes": model.sizes, "activations": list(model.activations)}
    if isinstance(model, Stack):
        config["layers"] = model.describe()
    return ScheduleResult(
        method=method, config=config, model=shared.model, elapsed_ps=elapsed,
        evaluations=run.evaluations,
        train_loss={"time_ps": run.train_time_ps, "loss": run.train_loss},
        target_accuracy=target_accuracy,
        time_to_target_s=(None if run.time_to_target_ps is None
                          else run.time_to_target_ps / PS_PER_S),
        epochs_to_target=run.epochs_to_target,
        staleness=shared.staleness(), update_time_ps=shared.update_times_ps(),
        busy=busy,
        threads=[{"thread": w.index, "role": w.role, "core": w.core,
                  "delayed": w.sampler is not None, "delay_ps": w.delay_ps,
                  "delay_count": w.delay_count} for w in run.workers],
        delays=_intervals(run.delays),
        energy_j=totals["energy_pj"] * 1e-12,
        dynamic_energy_j=totals["dynamic_energy_pj"] * 1e-12,
        static_energy_j=totals["static_energy_pj"] * 1e-12,
        ledger_totals=totals,
        energy_by_component_j={k: v * 1e-12 for k, v in
                               kernel.ledger.by_component(elapsed).items() if v > 0},
        ledger_rows=[r for r in kernel.ledger.rows(elapsed) if r["count"] or r["energy_pj"]],
        compile_s=compile_s, wall_s=_time.perf_counter() - t0,
        activity=run.activity_summary())


__all__ = ["METHODS", "WORK_KINDS", "ScheduleResult", "train"]
