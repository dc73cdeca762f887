"""An optional log of every handled event (time_ps, kind, target, payload), for determinism
checks and debugging. Compiled code appends to a fixed buffer; when it is full the kernel
returns to Python, which moves the chunk out and carries on."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from .jit import kernel_jit

_ENABLED, _N = 0, 1

EventLogBuffer = namedtuple("EventLogBuffer", ["time_ps", "kind", "target", "payload", "meta"])

LOG_DTYPE = np.dtype([("time_ps", np.int64), ("kind", np.int32), ("target", np.int32),
                      ("payload", np.int64)])


def new_log_buffer(capacity: int, enabled: bool) -> EventLogBuffer:
    meta = np.zeros(2, np.int64)
    meta[_ENABLED] = int(enabled)
    n = capacity if enabled else 1
    return EventLogBuffer(np.zeros(n, np.int64), np.zeros(n, np.int32), np.zeros(n, np.int32),
                          np.zeros(n, np.int64), meta)


@kernel_jit
def log_enabled(log):
    return log.meta[_ENABLED] != 0


@kernel_jit
def log_full(log):
    return log.meta[_N] >= log.time_ps.shape[0]


@kernel_jit
def log_append(log, t_ps, kind, target, payload):
    i = log.meta[_N]
    log.time_ps[i] = t_ps
    log.kind[i] = kind
    log.target[i] = target
    log.payload[i] = payload
    log.meta[_N] = i + 1


def drain(log: EventLogBuffer) -> np.ndarray:
    """Move the logged records out (as a structured array) and empty the buffer."""
    n = int(log.meta[_N])
    out = np.empty(n, LOG_DTYPE)
    for f in LOG_DTYPE.names:
        out[f] = getattr(log, f)[:n]
    log.meta[_N] = 0
    return out
