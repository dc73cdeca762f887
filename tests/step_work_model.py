"""Test handler: a stepped workload. Step k: core c does work[c] synops (action 0) from the
step's start; optionally one packet of the step lands packet_ps after the start."""
from collections import namedtuple

from eventsim.core_model import core_execute
from eventsim.jit import kernel_jit
from eventsim.step_model import step_begin, step_end, step_note_finish

StepWork = namedtuple("StepWork", ["cores", "steps", "work", "packet_ps", "step_kind"])


@kernel_jit
def step(t_ps, target, k, state, ctx):
    step_begin(state.steps, k, t_ps)
    for c in range(state.work.shape[0]):
        if state.work[c] > 0:
            finish = core_execute(ctx, state.cores, t_ps, c, 0, state.work[c])
            step_note_finish(state.steps, c, finish)
    if state.packet_ps[0] > 0:
        step_note_finish(state.steps, -1, t_ps + state.packet_ps[0])
    step_end(ctx, state.steps, k, state.step_kind[0])
