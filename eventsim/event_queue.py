"""The pending-event set: a compiled priority queue of fixed-size event records.

An event is ``(time_ps int64, priority, seq, kind, target int32, payload int64)``. Events leave
the queue in the order (time_ps, priority, seq), where ``seq`` is the insertion sequence number
the queue assigns; so equal times and priorities leave first-in first-out, and the order is
fully deterministic.

The queue lives in plain numpy arrays (a ``QueueState`` named tuple) so that compiled code can
push and pop without any Python call. It never allocates inside compiled code: ``queue_push``
returns -1 when the queue is full, and the owner grows it from Python with ``grown``.

Structure: below a few thousand pending events, a plain binary heap (fastest when it all sits
in cache); above, a calendar queue with a small heap in front (in the spirit of the ladder queue of
Tang, Goh and Thng, 2005). Each 32-byte record lives in a *chunk* of 4 records; chunks are
linked into lists: one list per calendar bucket (a time slice of width W) and one "top" list
for events beyond the calendar. Events of the bucket being served sit in a binary heap. A push
lands in the heap (if earlier than the current bucket's end), in its bucket, or on top: O(1),
an append to a chunk. When the heap runs dry the next non-empty bucket moves into it; when the
calendar runs out, a new one is built from the top list with about 16 events per bucket, its
width fitted to the spread of those events. So each event is appended once or twice and heaped
once in a heap of ~16-30 events: O(1) amortised, and chunks keep the memory traffic sequential
(a linked list of single records was measured 2x slower at 10^6 pending: each step a cache miss
that waits for the one before).

Measured in the hold model (benchmarks/queue_hold.py: pop, then push at t + 0.1 + Exp(1) units,
random numbers included; 2-core machine, medians of 5): 6.8 / 7.2 / 6.7 / 5.3 M operations/s at
10^3 / 1.6x10^4 / 10^5 / 10^6 pending, against 8.5 / 6.2 / 4.8 / 2.7 M/s for a plain binary heap
over the same records (which stays faster at 10^3 despite the heap-only mode: the calendar's
bookkeeping costs about 25 ns per operation there).
Memory: 32 bytes per record plus about 2 bytes of chunk links, and about 1.5 records of slack per
bucket; the heap array is allocated at full capacity but only touched as far as it fills (one
bucket, or up to 8,192 events in heap-only mode). 10^7 pending events measured 356 MB resident. Degenerate case: when very many events share one bucket (e.g. all at the
same time), they all enter the heap together and are O(log n) each, with the heap's pages
touched on top of the chunks.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .errors import ScheduleError
from .jit import kernel_jit
from .simtime import TIME_MAX_PS, check_time_ps

PRIORITY_MIN = -64
PRIORITY_MAX = 63
KIND_MAX = 65535
SEQ_LIMIT = 1 << 40
"""At most 2**40 (about 1.1e12) events can be pushed into one queue."""

CHUNK = 4          # records per chunk
PER_BUCKET = 16    # events per bucket when a calendar is built
HEAP_ONLY_ABOVE = 8192   # a heap-only queue switches to the calendar above this many events
HEAP_ONLY_BELOW = 2048   # ... and back to heap-only when a calendar would hold fewer
_SEQ_BITS = 40
_M32 = 0xFFFFFFFF
_FAR = np.int64(1 << 62)
# meta[] slots
(_SIZE, _NEXT_SEQ, _FREE_CHUNK, _NB, _CUR, _CAL_START, _WIDTH, _HEAP_N, _HEAP_END, _TOP_N,
 _TOP_MIN, _TOP_MAX, _CAP) = range(13)

QueueState = namedtuple("QueueState", ["chunk", "chunk_next", "chunk_fill", "head", "tail",
                                       "heap", "meta"])
QueueState.__doc__ = """Arrays of one event queue (internal layout; use the queue_* functions).
chunk[c, j] = record (time_ps, key, kind << 32 | target, payload) with key =
(priority - PRIORITY_MIN) << 40 | seq; head/tail: chunk lists of the calendar buckets, the
last one being the top list."""


def new_queue(capacity: int) -> QueueState:
    """An empty queue with room for ``capacity`` pending events."""
    capacity = int(capacity)
    if capacity < 1:
        raise ValueError(f"capacity must be >= 1, got {capacity}")
    n_lists = capacity // PER_BUCKET + 3          # calendar buckets, then the top list
    # every list has at most one partly filled chunk: reserve one each
    n_chunks = -(-capacity // CHUNK) + n_lists + 1
    chunk_next = np.arange(1, n_chunks + 1, dtype=np.int32)
    chunk_next[-1] = -1
    meta = np.zeros(16, np.int64)
    meta[_TOP_MIN], meta[_TOP_MAX], meta[_HEAP_END] = _FAR, -_FAR, _FAR   # heap-only at first
    meta[_CAP] = capacity
    return QueueState(np.empty((n_chunks, CHUNK, 4), np.int64), chunk_next,
                      np.zeros(n_chunks, np.int16), np.full(n_lists, -1, np.int32),
                      np.full(n_lists, -1, np.int32), np.empty((capacity, 4), np.int64), meta)


def grown(q: QueueState, capacity: int) -> QueueState:
    """A copy of ``q`` with room for ``capacity`` events (>= its current size); every pending
    event keeps its time, priority and sequence number."""
    n = int(q.meta[_SIZE])
    if capacity < n:
        raise ValueError(f"capacity {capacity} is smaller than the {n} pending events")
    g = new_queue(capacity)
    _transfer(q, g)
    return g


def queue_nbytes(q: QueueState) -> int:
    """Bytes allocated by the queue's arrays (pages never touched take no memory)."""
    return sum(a.nbytes for a in q)


@kernel_jit
def _transfer(src, dst):
    for i in range(src.meta[_HEAP_N]):
        _place(dst, src.heap[i, 0], src.heap[i, 1], src.heap[i, 2], src.heap[i, 3])
    for b in range(src.head.shape[0]):          # every bucket and the top list
        _transfer_list(src, dst, src.head[b])
    dst.meta[_SIZE] = src.meta[_SIZE]
    dst.meta[_NEXT_SEQ] = src.meta[_NEXT_SEQ]


@kernel_jit
def _transfer_list(src, dst, c):
    while c >= 0:
        for j in range(src.chunk_fill[c]):
            _place(dst, src.chunk[c, j, 0], src.chunk[c, j, 1], src.chunk[c, j, 2],
                   src.chunk[c, j, 3])
        c = src.chunk_next[c]


@kernel_jit
def queue_size(q):
    """Number of pending events."""
    return q.meta[_SIZE]


@kernel_jit
def queue_capacity(q):
    """Number of events the queue can hold without growing."""
    return q.meta[_CAP]


@kernel_jit(inline="always")
def _take_chunk(q):
    c = q.meta[_FREE_CHUNK]
    q.meta[_FREE_CHUNK] = q.chunk_next[c]
    q.chunk_next[c] = -1
    q.chunk_fill[c] = 0
    return c


@kernel_jit(inline="always")
def _write(q, c, t, k, kt, p):
    j = q.chunk_fill[c]
    q.chunk[c, j, 0] = t
    q.chunk[c, j, 1] = k
    q.chunk[c, j, 2] = kt
    q.chunk[c, j, 3] = p
    q.chunk_fill[c] = j + 1


@kernel_jit(inline="always")
def _bucket_append(q, b, t, k, kt, p):
    c = q.tail[b]
    if c < 0 or q.chunk_fill[c] == CHUNK:
        fresh = _take_chunk(q)
        if c < 0:
            q.head[b] = fresh
        else:
            q.chunk_next[c] = fresh
        q.tail[b] = fresh
        c = fresh
    _write(q, c, t, k, kt, p)


@kernel_jit(inline="always")
def _top_append(q, t, k, kt, p):
    _bucket_append(q, q.head.shape[0] - 1, t, k, kt, p)
    q.meta[_TOP_N] += 1
    if t < q.meta[_TOP_MIN]:
        q.meta[_TOP_MIN] = t
    if t > q.meta[_TOP_MAX]:
        q.meta[_TOP_MAX] = t


@kernel_jit(inline="always")
def _heap_push(q, t, k, kt, p):
    h = q.heap
    i = q.meta[_HEAP_N]
    while i > 0:
        parent = (i - 1) >> 1
        if h[parent, 0] < t or (h[parent, 0] == t and h[parent, 1] < k):
            break
        h[i, 0] = h[parent, 0]
        h[i, 1] = h[parent, 1]
        h[i, 2] = h[parent, 2]
        h[i, 3] = h[parent, 3]
        i = parent
    h[i, 0] = t
    h[i, 1] = k
    h[i, 2] = kt
    h[i, 3] = p
    q.meta[_HEAP_N] += 1


@kernel_jit
def _leave_heap_mode(q):
    """A heap-only queue that got large: its events go to the top list; the next pop builds a
    calendar from them."""
    for i in range(q.meta[_HEAP_N]):
        _top_append(q, q.heap[i, 0], q.heap[i, 1], q.heap[i, 2], q.heap[i, 3])
    q.meta[_HEAP_N] = 0
    q.meta[_HEAP_END] = -_FAR
    q.meta[_NB] = 0
    q.meta[_CUR] = 0


@kernel_jit(inline="always")
def _place(q, t, k, kt, p):
    if t < q.meta[_HEAP_END]:
        _heap_push(q, t, k, kt, p)
        if q.meta[_HEAP_END] == _FAR and q.meta[_HEAP_N] > HEAP_ONLY_ABOVE:
            _leave_heap_mode(q)
        return
    if q.meta[_NB] > 0:
        b = (t - q.meta[_CAL_START]) // q.meta[_WIDTH]
        if b < q.meta[_NB]:
            _bucket_append(q, b, t, k, kt, p)
            return
    _top_append(q, t, k, kt, p)


@kernel_jit
def queue_push(q, time_ps, priority, kind, target, payload):
    """Insert an event; return its sequence number, or -1 if the queue is full (or has used
    all SEQ_LIMIT sequence numbers). The caller guarantees time_ps >= 0,
    PRIORITY_MIN <= priority <= PRIORITY_MAX and 0 <= kind <= KIND_MAX."""
    seq = q.meta[_NEXT_SEQ]
    if q.meta[_SIZE] >= q.meta[_CAP] or seq >= SEQ_LIMIT:
        return np.int64(-1)
    q.meta[_NEXT_SEQ] = seq + 1
    k = (np.int64(priority - PRIORITY_MIN) << _SEQ_BITS) | seq
    kt = (np.int64(kind) << 32) | (np.int64(target) & _M32)
    _place(q, time_ps, k, kt, payload)
    q.meta[_SIZE] += 1
    return seq


@kernel_jit
def _detach_top(q):
    """Empty the top list; return its first chunk (the chain stays linked)."""
    top = q.head.shape[0] - 1
    c = q.head[top]
    q.head[top] = q.tail[top] = -1
    q.meta[_TOP_N] = 0
    q.meta[_TOP_MIN] = _FAR
    q.meta[_TOP_MAX] = -_FAR
    return c


@kernel_jit
def _free_chunk(q, c):
    """Return chunk ``c`` to the free list; return the chunk that followed it."""
    nxt = q.chunk_next[c]
    q.chunk_next[c] = q.meta[_FREE_CHUNK]
    q.meta[_FREE_CHUNK] = c
    return nxt


@kernel_jit
def _heap_chain(q, c):
    """Push every record of the chunk chain starting at ``c`` into the heap, freeing its chunks."""
    while c >= 0:
        for j in range(q.chunk_fill[c]):
            _heap_push(q, q.chunk[c, j, 0], q.chunk[c, j, 1], q.chunk[c, j, 2], q.chunk[c, j, 3])
        c = _free_chunk(q, c)


@kernel_jit
def _new_calendar(q):
    """Spread the top list over a new calendar of about PER_BUCKET events per bucket."""
    lo = q.meta[_TOP_MIN]
    spread = q.meta[_TOP_MAX] - lo
    n_buckets = min(q.meta[_TOP_N] // PER_BUCKET + 1, q.head.shape[0] - 1)
    width = spread // n_buckets + 1
    q.meta[_CAL_START] = lo
    q.meta[_WIDTH] = width
    q.meta[_NB] = spread // width + 1
    q.meta[_CUR] = -1
    q.meta[_HEAP_END] = lo
    c = _detach_top(q)
    while c >= 0:
        for j in range(q.chunk_fill[c]):
            t = q.chunk[c, j, 0]
            _bucket_append(q, (t - lo) // width, t, q.chunk[c, j, 1], q.chunk[c, j, 2],
                           q.chunk[c, j, 3])
        c = _free_chunk(q, c)             # each chunk is free once read


@kernel_jit
def _refill(q):
    """Move the next non-empty bucket into the (empty) heap."""
    while q.meta[_HEAP_N] == 0:
        cur = q.meta[_CUR] + 1
        if cur >= q.meta[_NB]:
            n_top = q.meta[_TOP_N]
            if n_top == 0:
                return
            if n_top < HEAP_ONLY_BELOW:   # few events left: heap-only, no calendar
                q.meta[_NB] = 0
                q.meta[_HEAP_END] = _FAR
                _heap_chain(q, _detach_top(q))
                return
            _new_calendar(q)
            continue
        q.meta[_CUR] = cur
        q.meta[_HEAP_END] = q.meta[_CAL_START] + (cur + 1) * q.meta[_WIDTH]
        c = q.head[cur]
        q.head[cur] = q.tail[cur] = -1
        _heap_chain(q, c)


@kernel_jit
def queue_peek_time(q):
    """Time in ps of the next event, or TIME_MAX_PS when the queue is empty."""
    if q.meta[_SIZE] == 0:
        return np.int64(TIME_MAX_PS)
    if q.meta[_HEAP_N] == 0:
        _refill(q)
    return q.heap[0, 0]


@kernel_jit
def queue_pop(q):
    """Remove the first event; return (time_ps, priority, seq, kind, target, payload).

    The queue must not be empty (check ``queue_size`` first).
    """
    if q.meta[_HEAP_N] == 0:
        _refill(q)
    h = q.heap
    t0, k0, kt0, p0 = h[0, 0], h[0, 1], h[0, 2], h[0, 3]
    n = q.meta[_HEAP_N] - 1
    q.meta[_HEAP_N] = n
    t, k = h[n, 0], h[n, 1]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and (h[c + 1, 0] < h[c, 0] or (h[c + 1, 0] == h[c, 0] and h[c + 1, 1] < h[c, 1])):
            c += 1
        if not (h[c, 0] < t or (h[c, 0] == t and h[c, 1] < k)):
            break
        h[i, 0] = h[c, 0]
        h[i, 1] = h[c, 1]
        h[i, 2] = h[c, 2]
        h[i, 3] = h[c, 3]
        i = c
    h[i, 0] = t
    h[i, 1] = k
    h[i, 2] = h[n, 2]
    h[i, 3] = h[n, 3]
    q.meta[_SIZE] -= 1
    priority = (k0 >> _SEQ_BITS) + PRIORITY_MIN
    seq = k0 & (SEQ_LIMIT - 1)
    return t0, priority, seq, np.int32(kt0 >> 32), np.int32(kt0 & _M32), p0


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
