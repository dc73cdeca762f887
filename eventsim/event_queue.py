"""The pending-event set: a compiled priority queue of fixed-size event records.

An event is ``(time_ps int64, priority, seq, kind, target int32, payload int64)``. Events leave
the queue in the order (time_ps, priority, seq), where ``seq`` is the insertion sequence number
the queue assigns; so equal times and priorities leave first-in first-out, and the order is
fully deterministic.

The queue lives in plain numpy arrays (a ``QueueState`` named tuple) so that compiled code can
push and pop without any Python call. It never allocates inside compiled code: ``queue_push``
returns -1 when the queue is full, and the owner grows it from Python with ``grown``.

Structure: a binary heap over structure-of-arrays records (O(log n) per push and pop).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from .errors import ScheduleError
from .simtime import TIME_MAX_PS, check_time_ps

PRIORITY_MIN = -64
PRIORITY_MAX = 63
KIND_MAX = 65535
SEQ_LIMIT = 1 << 40
"""At most 2**40 (about 1.1e12) events can be pushed into one queue."""

_SEQ_BITS = 40
_SIZE, _NEXT_SEQ = 0, 1

QueueState = namedtuple("QueueState", ["time_ps", "key", "kind", "target", "payload", "meta"])
QueueState.__doc__ = """Arrays of one event queue (internal layout; use the queue_* functions)."""


def new_queue(capacity: int) -> QueueState:
    """An empty queue with room for ``capacity`` pending events."""
    capacity = int(capacity)
    if capacity < 1:
        raise ValueError(f"capacity must be >= 1, got {capacity}")
    return QueueState(np.empty(capacity, np.int64), np.empty(capacity, np.int64),
                      np.empty(capacity, np.int32), np.empty(capacity, np.int32),
                      np.empty(capacity, np.int64), np.zeros(4, np.int64))


def grown(q: QueueState, capacity: int) -> QueueState:
    """A copy of ``q`` with room for ``capacity`` events (>= its current size)."""
    n = int(q.meta[_SIZE])
    if capacity < n:
        raise ValueError(f"capacity {capacity} is smaller than the {n} pending events")
    g = new_queue(capacity)
    for a, b in zip(q, g):
        if a is q.meta:
            b[:] = a
        else:
            b[:n] = a[:n]
    return g


def queue_nbytes(q: QueueState) -> int:
    """Bytes held by the queue's arrays (allocated capacity, not only the pending events)."""
    return sum(a.nbytes for a in q)


@njit(cache=True, inline="always")
def _before(q, i, t, k):
    return q.time_ps[i] < t or (q.time_ps[i] == t and q.key[i] < k)


@njit(cache=True)
def queue_size(q):
    """Number of pending events."""
    return q.meta[_SIZE]


@njit(cache=True)
def queue_capacity(q):
    """Number of events the queue can hold without growing."""
    return q.time_ps.shape[0]


@njit(cache=True)
def queue_peek_time(q):
    """Time in ps of the next event, or TIME_MAX_PS when the queue is empty."""
    if q.meta[_SIZE] == 0:
        return TIME_MAX_PS
    return q.time_ps[0]


@njit(cache=True)
def queue_push(q, time_ps, priority, kind, target, payload):
    """Insert an event; return its sequence number, or -1 if the queue is full.

    The caller guarantees PRIORITY_MIN <= priority <= PRIORITY_MAX and 0 <= kind <= KIND_MAX.
    """
    n = q.meta[_SIZE]
    if n >= q.time_ps.shape[0]:
        return np.int64(-1)
    seq = q.meta[_NEXT_SEQ]
    q.meta[_NEXT_SEQ] = seq + 1
    k = (np.int64(priority - PRIORITY_MIN) << _SEQ_BITS) | seq
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if _before(q, parent, time_ps, k):
            break
        q.time_ps[i] = q.time_ps[parent]
        q.key[i] = q.key[parent]
        q.kind[i] = q.kind[parent]
        q.target[i] = q.target[parent]
        q.payload[i] = q.payload[parent]
        i = parent
    q.time_ps[i] = time_ps
    q.key[i] = k
    q.kind[i] = kind
    q.target[i] = target
    q.payload[i] = payload
    q.meta[_SIZE] = n + 1
    return seq


@njit(cache=True)
def queue_pop(q):
    """Remove the first event; return (time_ps, priority, seq, kind, target, payload).

    The queue must not be empty (check ``queue_size`` first).
    """
    t0 = q.time_ps[0]
    k0 = q.key[0]
    kind0 = q.kind[0]
    target0 = q.target[0]
    payload0 = q.payload[0]
    n = q.meta[_SIZE] - 1
    q.meta[_SIZE] = n
    t = q.time_ps[n]
    k = q.key[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and _before(q, c + 1, q.time_ps[c], q.key[c]):
            c += 1
        if not _before(q, c, t, k):
            break
        q.time_ps[i] = q.time_ps[c]
        q.key[i] = q.key[c]
        q.kind[i] = q.kind[c]
        q.target[i] = q.target[c]
        q.payload[i] = q.payload[c]
        i = c
    q.time_ps[i] = t
    q.key[i] = k
    q.kind[i] = q.kind[n]
    q.target[i] = q.target[n]
    q.payload[i] = q.payload[n]
    priority = (k0 >> _SEQ_BITS) + PRIORITY_MIN
    seq = k0 & (SEQ_LIMIT - 1)
    return t0, priority, seq, kind0, target0, payload0


def check_event_fields(time_ps, priority, kind, target, payload, n_kinds=None):
    """Validate one event's fields from Python; raise ScheduleError naming the bad value."""
    t = check_time_ps(time_ps, "time_ps")
    if t < 0:
        raise ScheduleError(f"time_ps must be >= 0, got {t}")
    for name, v, lo, hi in (("priority", priority, PRIORITY_MIN, PRIORITY_MAX),
                            ("kind", kind, 0, KIND_MAX if n_kinds is None else n_kinds - 1),
                            ("target", target, -2**31, 2**31 - 1),
                            ("payload", payload, -2**63, 2**63 - 1)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise ScheduleError(f"{name} must be an integer, got {v!r}")
        if not lo <= int(v) <= hi:
            what = "unknown event kind" if name == "kind" else f"{name} out of range"
            raise ScheduleError(f"{what}: {name} = {int(v)}, allowed {lo}..{hi}")
    return t


class EventQueue:
    """A Python handle on one compiled queue, growing as needed (for scripts and tests).

    Compiled code uses the ``queue_*`` functions on ``.state`` directly.
    """

    def __init__(self, capacity: int = 1024):
        self.state = new_queue(capacity)

    def __len__(self) -> int:
        return int(queue_size(self.state))

    @property
    def nbytes(self) -> int:
        return queue_nbytes(self.state)

    def push(self, time_ps, kind=0, target=0, payload=0, priority=0) -> int:
        """Insert an event; return its sequence number."""
        t = check_event_fields(time_ps, priority, kind, target, payload)
        if int(self.state.meta[_NEXT_SEQ]) >= SEQ_LIMIT:
            raise ScheduleError(f"queue has used all {SEQ_LIMIT} sequence numbers")
        seq = queue_push(self.state, t, priority, kind, target, payload)
        if seq < 0:
            self.state = grown(self.state, 2 * queue_capacity(self.state))
            seq = queue_push(self.state, t, priority, kind, target, payload)
        return int(seq)

    def peek_time(self) -> int:
        """Time in ps of the next event (TIME_MAX_PS if empty)."""
        return int(queue_peek_time(self.state))

    def pop(self):
        """Remove and return the next event as (time_ps, priority, seq, kind, target, payload)."""
        if len(self) == 0:
            raise IndexError("pop from an empty event queue")
        return tuple(int(x) for x in queue_pop(self.state))
