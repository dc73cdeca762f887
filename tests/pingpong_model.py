"""Test handler set 1: two players pass a ball; each hit costs a ledger row and may be traced."""
from collections import namedtuple

import numpy as np
from eventsim.jit import kernel_jit

from eventsim import ledger_charge, schedule_at, schedule_in, trace_busy, trace_spike

PingPong = namedtuple("PingPong", ["hits", "rows", "ids", "period_ps"])


def new_state(period_ps: int = 1_000) -> PingPong:
    return PingPong(np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros(4, np.int64),
                    np.array([period_ps], np.int64))


@kernel_jit
def hit(t_ps, target, payload, state, ctx):
    """Player ``target`` hits; the ball reaches the other player one period later while
    ``payload`` (hits left) > 0."""
    state.hits[target] += 1
    ledger_charge(ctx.ledger, state.rows[target], 1)
    trace_busy(ctx.trace, t_ps, state.period_ps[0] // 2, state.ids[2 + target], state.ids[1])
    trace_spike(ctx.trace, t_ps, state.ids[2 + target], target)
    if payload > 0:
        schedule_in(ctx, state.period_ps[0], state.ids[0], 1 - target, payload - 1)


@kernel_jit
def misbehave(t_ps, target, payload, state, ctx):
    """Schedules according to ``target``: 0 in the past, 1 with a negative delay, 2 an unknown
    kind, 3 three events (more than declared), 4 an overflowing delay, 5 a bad priority."""
    if target == 0:
        schedule_at(ctx, t_ps - 1, 0, 0, 0)
    elif target == 1:
        schedule_in(ctx, -5, 0, 0, 0)
    elif target == 2:
        schedule_in(ctx, 0, 99, 0, 0)
    elif target == 3:
        for _ in range(3):
            schedule_in(ctx, 1, 0, 0, 0)
    elif target == 4:
        schedule_in(ctx, 9_223_372_036_854_775_000, 0, 0, 0)
    elif target == 5:
        schedule_in(ctx, 0, 0, 0, 0, 100)
