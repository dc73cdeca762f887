"""Test handler: each event moves ``payload`` bytes through port ``target`` (direction 0);
completion recorded."""
from collections import namedtuple

from eventsim.jit import kernel_jit
from eventsim.port_model import port_transfer

Transfers = namedtuple("Transfers", ["ports", "done_ps", "n"])


@kernel_jit
def move(t_ps, port, n_bytes, state, ctx):
    i = state.n[0]
    state.done_ps[i] = port_transfer(ctx, state.ports, t_ps, port, 0, n_bytes)
    state.n[0] = i + 1
