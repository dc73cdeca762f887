"""Software threads (SimPy processes) running work on a machine's cores and memories.

A ``SoftwareThread`` is bound to one core. ``yield thread.work(action, n, memory, n_bytes)``
runs ``n`` actions on that core (on whichever of its hardware threads frees first, so software
threads sharing a core queue for its hardware threads) while moving ``n_bytes`` through memory
port ``memory`` (shared bandwidth, so threads contend); the work ends when both are done, and
the SimPy event's value is that time in ps. Everything is charged to the ledger by the compiled
core and port models.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .context import schedule_at
from .core_model import core_execute, new_core_state
from .errors import ConfigError
from .jit import kernel_jit
from .machine_ir import MachineIR
from .port_model import READ, WRITE, port_transfer, new_port_state

WorkState = namedtuple("WorkState", ["cores", "ports", "core", "action", "n", "port", "n_bytes",
                                     "direction", "done_kind"])


@kernel_jit
def start_work(t_ps, slot, payload, state, ctx):
    """Handler: work item ``slot`` starts; schedule its completion."""
    finish = core_execute(ctx, state.cores, t_ps, state.core[slot], state.action[slot],
                          state.n[slot])
    if state.port[slot] >= 0 and state.n_bytes[slot] > 0:
        finish = max(finish, port_transfer(ctx, state.ports, t_ps, state.port[slot],
                                           state.direction[slot], state.n_bytes[slot]))
    schedule_at(ctx, finish, state.done_kind[0], slot, 0)


@kernel_jit
def work_done(t_ps, slot, payload, state, ctx):
    """Handler: work item ``slot`` is finished (SimPy waits on this event)."""


class ThreadPool:
    """Work items of software threads on ``ir``'s cores and ports; register before compiling."""

    def __init__(self, kernel, ir: MachineIR, max_items: int = 4096):
        self.kernel, self.ir = kernel, ir
        cores = new_core_state(ir, kernel)
        ports, self.host_port = new_port_state(ir, kernel)
        z = lambda: np.zeros(max_items, np.int64)  # noqa: E731
        self.state = WorkState(cores, ports, z(), z(), z(), z(), z(), z(), np.zeros(1, np.int64))
        self.start_kind = kernel.add_kind("work_start", start_work, self.state, max_pushes=1)
        self.done_kind = kernel.add_kind("work_done", work_done, self.state, max_pushes=0)
        self.state.done_kind[0] = self.done_kind
        self._free = list(range(max_items - 1, -1, -1))

    def submit(self, env, core: int, action: str, n: int, memory: int = -1, n_bytes: int = 0,
               write: bool = False):
        """Start a work item now; return the SimPy event that fires when it ends. The bytes
        are read from ``memory`` (for the host link: sent to the chip) unless ``write`` (written
        to it; for the host link: sent to the host)."""
        if not 0 <= core < self.ir.n_cores:
            raise ConfigError(f"core {core} outside 0..{self.ir.n_cores - 1}")
        if memory >= self.state.ports.free_ps.shape[0]:
            raise ConfigError(f"memory port {memory} does not exist")
        if n < 0 or n_bytes < 0:
            raise ConfigError(f"work needs n >= 0 and n_bytes >= 0, got {n}, {n_bytes}")
        if not self._free:
            raise ConfigError(f"more than {len(self.state.core)} work items at once")
        slot = self._free.pop()
        s = self.state
        s.core[slot], s.action[slot], s.n[slot] = core, self.ir.action(action), n
        s.port[slot], s.n_bytes[slot] = memory, n_bytes
        s.direction[slot] = WRITE if write else READ
        done = env.kernel_event(self.done_kind, target=slot)
        done.callbacks.append(lambda _ev: self._free.append(slot))
        env.schedule_kernel(0, self.start_kind, target=slot)
        return done


class SoftwareThread:
    """A software thread bound to ``core``: its work runs there."""

    def __init__(self, env, pool: ThreadPool, core: int, name: str = ""):
        self.env, self.pool, self.core, self.name = env, pool, core, name or f"thread@core{core}"

    def work(self, action: str, n: int, memory: int = -1, n_bytes: int = 0,
             write: bool = False):
        """The SimPy event of ``n`` ``action``s (and ``n_bytes`` read from ``memory``, or
        written to it if ``write``)."""
        return self.pool.submit(self.env, self.core, action, n, memory, n_bytes, write)
