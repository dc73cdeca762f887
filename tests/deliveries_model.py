"""Test handler: record packet deliveries (time, core, payload) in arrays, one per core of the
delivery group an event names (``eventsim.noc_model``)."""
from collections import namedtuple

import numpy as np
from eventsim.jit import kernel_jit

Deliveries = namedtuple("Deliveries", ["time_ps", "core", "payload", "n", "noc"])


def new_state(noc, capacity=1024):
    """Records for up to ``capacity`` deliveries of the NoC whose state is ``noc``."""
    return Deliveries(np.zeros(capacity, np.int64), np.zeros(capacity, np.int64),
                      np.zeros(capacity, np.int64), np.zeros(1, np.int64), noc)


@kernel_jit
def deliver(t_ps, group, payload, state, ctx):
    noc = state.noc
    for j in range(noc.deliv_ptr[group], noc.deliv_ptr[group + 1]):
        i = state.n[0]
        state.time_ps[i] = t_ps
        state.core[i] = noc.deliv_core[j]
        state.payload[i] = payload
        state.n[0] = i + 1


def records(state):
    n = int(state.n[0])
    return sorted(zip(state.time_ps[:n].tolist(), state.core[:n].tolist(), state.payload[:n].tolist()))
