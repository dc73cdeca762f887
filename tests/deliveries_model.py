"""Test handler: record packet deliveries (time, core, payload) in arrays."""
from collections import namedtuple

import numpy as np
from eventsim.jit import kernel_jit

Deliveries = namedtuple("Deliveries", ["time_ps", "core", "payload", "n"])


def new_state(capacity=1024):
    return Deliveries(np.zeros(capacity, np.int64), np.zeros(capacity, np.int64),
                      np.zeros(capacity, np.int64), np.zeros(1, np.int64))


@kernel_jit
def deliver(t_ps, core, payload, state, ctx):
    i = state.n[0]
    state.time_ps[i] = t_ps
    state.core[i] = core
    state.payload[i] = payload
    state.n[0] = i + 1


def records(state):
    n = int(state.n[0])
    return sorted(zip(state.time_ps[:n].tolist(), state.core[:n].tolist(), state.payload[:n].tolist()))
