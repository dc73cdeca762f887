"""Test handler: each event reads ``payload`` bytes from memory ``target``; completion recorded."""
from collections import namedtuple

from eventsim.jit import kernel_jit
from eventsim.memory_model import memory_transfer

Transfers = namedtuple("Transfers", ["mems", "done_ps", "n"])


@kernel_jit
def read(t_ps, mem, n_bytes, state, ctx):
    i = state.n[0]
    state.done_ps[i] = memory_transfer(ctx, state.mems, t_ps, mem, n_bytes, 0)
    state.n[0] = i + 1
