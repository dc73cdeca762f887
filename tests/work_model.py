"""Test handler: each event is a work item of ``payload`` actions (action 0) on core ``target``;
its finish time is recorded."""
from collections import namedtuple

from eventsim.core_model import core_execute
from eventsim.jit import kernel_jit

Work = namedtuple("Work", ["cores", "finish_ps", "n"])


@kernel_jit
def arrive(t_ps, core, n_actions, state, ctx):
    i = state.n[0]
    state.finish_ps[i] = core_execute(ctx, state.cores, t_ps, core, 0, n_actions)
    state.n[0] = i + 1
