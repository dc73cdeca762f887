"""Cores serving work: each core has ``threads`` hardware threads; a work item takes the thread
that frees first (or, for an action with a unit, always that thread: a pipeline unit of its
own), starts when it is free (first come, first served) and keeps it busy for the work's
duration. Queueing delay emerges when work arrives faster than it is served.

``core_execute(ctx, cores, t_ps, core, action, n)`` charges ``n`` actions of one kind: busy time
n x cycles / clock (rounded once), energy n x energy per action, both to the ledger row
(core, action), and returns the time the work finishes, in ps.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .context import ERR_USER, fail, register_error
from .jit import kernel_jit
from .ledger import ledger_charge_amount
from .machine_ir import MachineIR
from .trace import trace_busy, trace_on

ERR_NO_ACTION = register_error(ERR_USER + 3, "core {a} cannot do action {b} "
                                             "(the machine declares no cost for it)")

CoreState = namedtuple("CoreState", ["thread_free_ps", "n_threads", "clock_hz", "cycles",
                                     "energy_pj", "row", "component", "label", "busy_ps",
                                     "unit"])
CoreState.__doc__ = """thread_free_ps[c, k]: when thread k of core c is next free; row[c, a]: the
ledger row of action a on core c (-1: the core cannot do it); busy_ps[c, a]: the time of one
action a on core c (the common case, without a division); unit[c, a]: the thread that always
does action a on core c (-1: the one that frees first)."""


@kernel_jit
def core_execute(ctx, cores, t_ps, core, action, n):
    """Run ``n`` actions ``action`` on ``core`` from ``t_ps`` on; return the finish time (ps),
    or -1 if the core has no such action (an error is recorded)."""
    return core_run(ctx, cores, t_ps, core, action, n, core_work_ps(cores, core, action, n))


@kernel_jit
def core_work_ps(cores, core, action, n):
    """Busy time in ps of ``n`` actions ``action`` on ``core`` (n x cycles / clock, rounded
    once)."""
    return cores.busy_ps[core, action] if n == 1 else \
        np.int64(np.round(n * cores.cycles[core, action] * 1e12 / cores.clock_hz[core]))


@kernel_jit
def core_run(ctx, cores, t_ps, core, action, n, busy_ps):
    """``core_execute`` with the busy time of the ``n`` actions given (``core_busy_ps``, for
    callers that charge the same work again and again)."""
    row = cores.row[core, action]
    if row < 0:
        fail(ctx, ERR_NO_ACTION, core, action)
        return np.int64(-1)
    ledger_charge_amount(ctx.ledger, row, n, n * cores.energy_pj[core, action], busy_ps)
    return core_occupy(ctx.trace, cores, t_ps, core, action, busy_ps)


@kernel_jit
def core_occupy(trace, cores, t_ps, core, action, busy_ps):
    """The timing half of ``core_run``: the thread of ``core`` that frees first (the action's
    unit, if it has one) is busy with ``action`` for ``busy_ps`` from max(t_ps, when it is free)
    (traced); returns the finish time (ps). Charges nothing: the caller charges the ledger (e.g.
    after the run)."""
    best = 0 if cores.n_threads[core] == 1 else _thread_for(cores, core, action)
    start = max(t_ps, cores.thread_free_ps[core, best])
    finish = start + busy_ps
    cores.thread_free_ps[core, best] = finish
    if trace_on(trace):
        trace_busy(trace, start, busy_ps, cores.component[core], cores.label[action])
    return finish


@kernel_jit
def _thread_for(cores, core, action):
    """The thread of ``core`` that ``action`` takes: its unit, if it has one, else the one
    that frees first."""
    best = cores.unit[core, action]
    if best < 0:
        best = 0
        for k in range(1, cores.n_threads[core]):
            if cores.thread_free_ps[core, k] < cores.thread_free_ps[core, best]:
                best = k
    return best


def core_busy_ps(cores: CoreState, core, action: int, n) -> np.ndarray:
    """Busy time in ps of ``n`` actions ``action`` on ``core`` (arrays broadcast), rounded as
    ``core_execute`` rounds it."""
    return np.round(np.asarray(n) * cores.cycles[core, action] * 1e12
                    / cores.clock_hz[core]).astype(np.int64)


def new_core_state(ir: MachineIR, kernel) -> CoreState:
    """Core state for ``ir``, with a ledger row per (core, action) and a trace component per
    core registered on ``kernel``."""
    C, A = ir.n_cores, len(ir.action_names)
    rows = np.full((C, A), -1, np.int64)
    chips = [int(chip) for chip in ir.core_chip.tolist()]
    names = [f"chip{chip}.core{c}" for c, chip in enumerate(chips)]
    comps = np.array([kernel.components.add(name, chip=chip) for name, chip in zip(names, chips)],
                     np.int64)
    core, action = np.nonzero(ir.action_available)            # in (core, action) order
    core_list = core.tolist()
    rows[core, action] = kernel.ledger.shared_actions(
        [names[c] for c in core_list], [ir.action_names[a] for a in action.tolist()],
        ir.action_energy_pj[core, action].astype(float), [chips[c] for c in core_list])
    labels = np.array([kernel.trace.label(a) for a in ir.action_names], np.int64)
    threads = ir.core_threads.astype(np.int64)
    cycles, clock = ir.action_cycles.astype(float), ir.core_clock_hz.astype(float)
    one_ps = np.round(cycles * 1e12 / clock[:, None]).astype(np.int64)
    return CoreState(np.zeros((C, int(threads.max()) if C else 1), np.int64), threads,
                     clock, cycles, ir.action_energy_pj.astype(float), rows, comps, labels,
                     one_ps, ir.action_unit.astype(np.int64))
