"""Test handler set 2 (independent of ping-pong): a Poisson source feeding a single server
queue, with priorities and random numbers from the kernel's stream."""
from collections import namedtuple

import numpy as np
from eventsim.jit import kernel_jit

from eventsim import ledger_charge, rng_exponential, schedule_in, trace_counter

Queueing = namedtuple("Queueing", ["waiting", "served", "params", "ids"])
ARRIVE, DEPART = 0, 1


def new_state(mean_gap_ps: float, service_ps: int) -> Queueing:
    return Queueing(np.zeros(1, np.int64), np.zeros(1, np.int64),
                    np.array([mean_gap_ps, float(service_ps)]), np.zeros(4, np.int64))


@kernel_jit
def arrive(t_ps, target, payload, state, ctx):
    """A customer arrives; the next arrives after an exponential gap; start service if idle."""
    state.waiting[0] += 1
    schedule_in(ctx, np.int64(rng_exponential(ctx.rng, state.params[0])), state.ids[ARRIVE],
                target, payload + 1)
    if state.waiting[0] == 1:
        schedule_in(ctx, np.int64(state.params[1]), state.ids[DEPART], target, payload)
    trace_counter(ctx.trace, t_ps, state.ids[2], state.ids[3], float(state.waiting[0]))


@kernel_jit
def depart(t_ps, target, payload, state, ctx):
    """A customer leaves; serve the next one if any wait."""
    state.waiting[0] -= 1
    state.served[0] += 1
    ledger_charge(ctx.ledger, 0, 1)
    if state.waiting[0] > 0:
        schedule_in(ctx, np.int64(state.params[1]), state.ids[DEPART], target, payload, -1)
