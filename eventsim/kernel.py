"""The compiled kernel: event kinds with Numba handlers, composed into one compiled loop.

    k = Kernel(seed=1)
    PING = k.add_kind("ping", ping_handler, state=ping_state, max_pushes=1)
    k.schedule(0, PING, target=3)
    k.run_until(us_to_ps(10))

A kind is a name, a handler ``handler(t_ps, target, payload, state, ctx)`` compiled with
``numba.njit``, the state it works on (any Numba-typable value: an array, a tuple or named tuple
of arrays) and the most events one call may schedule (``max_pushes``). A named tuple state, and
the context ``ctx``, reach handlers by reference (``state_ref.by_reference``: the same fields,
the same arrays, behind one pointer), which keeps compile times short. ``run_until(t_ps)``
handles every pending event with time < t_ps, in (time, priority, insertion) order, inside one
compiled loop; Python only runs again to grow the queue, move out the event log, update a
progress bar, or report an error.
"""
from __future__ import annotations

import sys
import time as _time

import numba
import numpy as np

from . import dispatch
from .components import ComponentTable
from .conditions import new_watches
from .context import (N_KINDS, NEXT, NOW, PROCESSED, SCHEDULED, KernelContext,
                      error_from_record, new_clock)
from .errors import ConfigError, ScheduleError
from .event_log import drain, new_log_buffer
from .event_queue import (KIND_MAX, SEQ_LIMIT, check_event_fields, grown, new_queue, queue_capacity,
                          queue_nbytes, queue_push, queue_size)
from .ledger import Ledger
from .rng import seed_state
from .simtime import TIME_MAX_PS, check_delay_ps, check_time_ps
from .state_ref import by_reference, is_named_tuple
from .trace import Trace

PROGRESS_CHUNK_EVENTS = 1 << 21


class Kernel:
    """Event kinds, their states, the event queue, ledger, trace and random stream of one run.

    Parameters: ``seed`` of the kernel's random stream; ``queue_capacity`` initial room for
    pending events (grows by doubling); ``trace`` on or off and ``trace_capacity`` records;
    ``record_events`` keeps a log of every handled event (``event_log()``).
    """

    def __init__(self, seed: int = 0, queue_capacity: int = 4096, trace: bool = False,
                 trace_capacity: int = 1 << 20, record_events: bool = False,
                 log_chunk: int = 1 << 16):
        self.seed = seed
        self.rng = seed_state(seed)
        self.components = ComponentTable()
        self.ledger = Ledger(self.components)
        self.trace = Trace(self.components, capacity=trace_capacity, enabled=trace)
        self.queue = new_queue(queue_capacity)
        self.watches = new_watches()
        self._log = new_log_buffer(log_chunk, record_events)
        self._log_chunks: list[np.ndarray] = []
        self.kind_names: list[str] = []
        self._handlers: list = []
        self._max_pushes: list[int] = []
        self._states: list = []           # as handlers get them: a named tuple by reference
        self._state_given: list = []      # as add_kind was given them
        self._state_index: list[int] = []
        self._loop = None
        self.clock = new_clock(0)
        self._err = np.zeros(4, np.int64)
        self._max_pushes_arr = np.zeros(1, np.int64)
        self.compile_s = 0.0

    # -- set-up --------------------------------------------------------------------------
    def add_kind(self, name: str, handler, state, max_pushes: int = 1) -> int:
        """Register an event kind; return its integer id (0, 1, ... in order)."""
        if self._loop is not None:
            raise ConfigError(f"cannot add kind {name!r}: the kernel is already compiled")
        if not isinstance(name, str) or not name or name in self.kind_names:
            raise ConfigError(f"event kind name must be a new non-empty string, got {name!r}")
        if len(self.kind_names) > KIND_MAX:
            raise ConfigError(f"at most {KIND_MAX + 1} event kinds")
        dispatch.check_handler(name, handler)
        if isinstance(max_pushes, bool) or not isinstance(max_pushes, int) or max_pushes < 0:
            raise ConfigError(f"kind {name!r}: max_pushes must be an int >= 0, got {max_pushes!r}")
        for i, s in enumerate(self._state_given):
            if s is state:                              # a state already given: typed then
                self._state_index.append(i)
                break
        else:
            try:
                numba.typeof(state)
            except ValueError as e:
                raise ConfigError(f"kind {name!r}: state must be Numba-typable (arrays, tuples "
                                  f"or named tuples of arrays, numbers), got "
                                  f"{type(state).__name__}: {e}")
            self._state_given.append(state)
            self._states.append(by_reference(state) if is_named_tuple(state) else state)
            self._state_index.append(len(self._states) - 1)
        self.kind_names.append(name)
        self._handlers.append(handler)
        self._max_pushes.append(max_pushes)
        self._max_pushes_arr = np.array(self._max_pushes, dtype=np.int64)
        self.clock[N_KINDS] = len(self.kind_names)
        return len(self.kind_names) - 1

    def kind(self, name: str) -> int:
        """The id of a registered kind."""
        try:
            return self.kind_names.index(name)
        except ValueError:
            raise ConfigError(f"unknown event kind {name!r}; registered: {self.kind_names}") from None

    def compile(self, announce: str | None = None) -> float:
        """Generate and compile (or load from the kernel cache) the loop; return the seconds it
        took. With ``announce`` (what the loop runs, e.g. "the network kernels for models
        lif"), a loop that this process has not yet compiled for these types says so on
        stderr, and then whether it was compiled or loaded from the cache, in how many
        seconds."""
        if self._loop is None:
            t0 = _time.perf_counter()
            self._loop = dispatch.build_loop(self._handlers, self._state_index)
            args = (self._context(), tuple(self._states), np.int64(-1), np.int64(0),
                    np.int64(0))
            fresh = announce is not None and not _compiled_for(self._loop, args)
            if fresh:
                _say(f"preparing {announce} (compiled on their first run, then loaded from "
                     f"the kernel cache) ...")
            hits = sum(self._loop.stats.cache_hits.values())
            self._loop(*args)
            self.compile_s = _time.perf_counter() - t0
            if fresh:
                loaded = sum(self._loop.stats.cache_hits.values()) > hits
                _say(f"... {'loaded from the kernel cache' if loaded else 'compiled'} in "
                     f"{self.compile_s:.1f} s")
        return self.compile_s

    # -- the clock and the queue ------------------------------------------------------------
    @property
    def now_ps(self) -> int:
        """Current simulated time in ps."""
        return int(self.clock[NOW])

    @property
    def events_processed(self) -> int:
        return int(self.clock[PROCESSED])

    @property
    def events_scheduled(self) -> int:
        """Events ever scheduled (from Python or handlers); always = processed + pending."""
        return int(self.clock[SCHEDULED])

    @property
    def pending(self) -> int:
        """Number of scheduled, not yet handled events."""
        return int(queue_size(self._queue_ref))

    @property
    def queue(self):
        """The event queue's state (``event_queue.QueueState``)."""
        return self._queue

    @queue.setter
    def queue(self, state) -> None:
        self._queue = state
        self._queue_ref = by_reference(state)     # what pushes from Python hand compiled code

    def next_event_ps(self) -> int:
        """Time of the next pending event (TIME_MAX_PS if none)."""
        return int(self.clock[NEXT])

    @property
    def queue_capacity(self) -> int:
        """Pending events the queue holds before it must grow."""
        return int(queue_capacity(self._queue_ref))

    @property
    def queue_nbytes(self) -> int:
        return queue_nbytes(self.queue)

    def schedule(self, time_ps: int, kind: int, target: int = 0, payload: int = 0,
                 priority: int = 0) -> int:
        """Schedule an event at absolute ``time_ps`` (>= now); return its sequence number."""
        t = check_event_fields(time_ps, priority, kind, target, payload, len(self.kind_names))
        if t < self.now_ps:
            raise ScheduleError(f"cannot schedule in the past: time_ps = {t} < now = "
                                f"{self.now_ps} ps (kind {self.kind_names[kind]!r})")
        seq = queue_push(self._queue_ref, t, priority, kind, target, payload)
        if seq < 0 and self.pending >= self.queue_capacity:
            self.queue = grown(self.queue, 2 * self.queue_capacity)
            seq = queue_push(self._queue_ref, t, priority, kind, target, payload)
        if seq < 0:
            raise ScheduleError(f"the event queue has used all {SEQ_LIMIT} sequence numbers")
        self.clock[SCHEDULED] += 1
        self.clock[NEXT] = min(int(self.clock[NEXT]), t)
        return int(seq)

    def schedule_in(self, delay_ps: int, kind: int, target: int = 0, payload: int = 0,
                    priority: int = 0) -> int:
        """Schedule an event ``delay_ps`` (int >= 0) after now."""
        return self.schedule(check_delay_ps(delay_ps, self.now_ps), kind, target, payload, priority)

    # -- running ---------------------------------------------------------------------------
    def _context(self):
        """The ``KernelContext`` of the next loop call, by reference (``state_ref``)."""
        return by_reference(KernelContext(self.queue, self.clock, self._err,
                                          self._max_pushes_arr, self.ledger.arrays,
                                          self.trace.buffer, self.rng, self.watches, self._log))

    def run_until(self, t_ps: int, progress: bool = False, stop_on_watch: bool = False) -> str:
        """Handle every event with time < ``t_ps``; then now = t_ps. Returns "reached", or
        "watch" if ``stop_on_watch`` and a condition fired (now = the firing time)."""
        t_stop = check_time_ps(t_ps, "t_ps")
        if t_stop < self.now_ps:
            raise ScheduleError(f"run_until(t_ps = {t_stop}) is before now = {self.now_ps} ps")
        if self.clock[NEXT] >= t_stop:          # nothing to handle: just move the clock
            if t_stop < TIME_MAX_PS:
                self.clock[NOW] = t_stop
            return "reached"
        self.compile()
        states = tuple(self._states)
        reserve = max(self._max_pushes or [0])
        start = self.now_ps
        bar = _progress_bar(start, t_stop) if progress else None
        chunk = PROGRESS_CHUNK_EVENTS if progress else np.iinfo(np.int64).max
        try:
            while True:
                status = self._loop(self._context(), states, np.int64(t_stop), np.int64(chunk),
                                    np.int64(reserve))
                if bar is not None:
                    bar.update(self.now_ps - start - bar.n)
                if status == dispatch.QUEUE_FULL:
                    self.queue = grown(self.queue, 2 * self.queue_capacity + reserve)
                elif status == dispatch.LOG_FULL:
                    self._log_chunks.append(drain(self._log))
                elif status == dispatch.ERROR:
                    err = error_from_record(self._err, self.kind_names)
                    self._err[:] = 0
                    raise err
                elif status == dispatch.WATCH:
                    if stop_on_watch:
                        return "watch"
                elif status in (dispatch.REACHED, dispatch.EMPTY):
                    self.clock[NOW] = max(self.now_ps, t_stop) if t_stop < TIME_MAX_PS \
                        else self.now_ps
                    if bar is not None:
                        bar.update(bar.total - bar.n)
                    return "reached"
        finally:
            if bar is not None:
                bar.close()

    def run(self, progress: bool = False) -> str:
        """Handle every pending event until the queue is empty (now = last event's time)."""
        return self.run_until(TIME_MAX_PS, progress=progress)

    def event_log(self) -> np.ndarray:
        """Every handled event so far (time_ps, kind, target, payload) if ``record_events``."""
        self._log_chunks.append(drain(self._log))
        out = np.concatenate(self._log_chunks)
        self._log_chunks = [out]
        return out

    def ledger_dict(self) -> dict:
        """The ledger (rows and totals) over the simulated time so far."""
        return self.ledger.to_dict(self.now_ps)


def _compiled_for(loop, args) -> bool:
    """True if the dispatcher ``loop`` already has machine code for the types of ``args``."""
    return tuple(loop.typeof_pyval(a) for a in args) in loop.overloads


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress_bar(start_ps: int, stop_ps: int):
    from tqdm import tqdm
    total = (stop_ps - start_ps) if stop_ps < TIME_MAX_PS else 0
    return tqdm(total=total, unit="ps", unit_scale=True, desc="simulating", leave=False)
