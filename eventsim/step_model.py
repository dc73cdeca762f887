"""Execution semantics as steps: timer ticks, barrier-synchronised steps, and event-driven runs in
network time.

DESIGN.md names three semantics. One *step event* per step drives all cores, and what arrives
during step k is buffered and consumed at step k + 1:

* **timer** (SpiNNaker-style): step k starts at ``k x step_ps`` whatever happens. A core whose
  work for step k is still running when step k + 1 starts has *overrun* (counted per core); its
  next work waits for its thread, so lateness accumulates visibly.
* **barrier** (Loihi-style): step k + 1 starts when every core has finished step k, every packet
  of step k has arrived, and the barrier has completed:
  ``start[k+1] = max(start[k] + step_ps, latest_finish[k] + barrier_ps)`` (``step_ps`` is a
  minimum step length; 0 runs as fast as the hardware allows). Each core is charged one
  ``barrier`` action per step (its energy, and ``barrier_ps`` = its cycles / clock of busy time).
* **event**: a discrete-time network runs in its own time (step k at ``k x dt``, like timer ticks
  of the network's step); the workload updates, and charges, only the neurons that receive input
  or could fire without it (``networks.neurons``: ``quiescent``).

A step handler, for step k (its payload) at time ``start[k]``, issues the work of every core
(``core_execute``), reports when each piece ends (``step_note_finish``), and calls ``step_end``,
which schedules step k + 1. Times are in ps.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .context import schedule_at
from .errors import ConfigError
from .jit import kernel_jit
from .ledger import ledger_charge_amount
from .machine_ir import MachineIR
from .trace import trace_busy

TIMER, BARRIER, EVENT = 1, 2, 3
_SEMANTICS_CODE = {"timer": TIMER, "barrier": BARRIER, "event": EVENT}

StepState = namedtuple("StepState", ["semantics", "step_ps", "n_steps", "barrier_ps",
                                     "barrier_energy_pj", "barrier_row", "core_component",
                                     "barrier_label", "start_ps", "core_finish_ps",
                                     "latest_finish_ps", "overruns", "finish_ps"])
StepState.__doc__ = """Step clock of one run. semantics: TIMER or BARRIER; step_ps: tick length
(timer) or minimum step length (barrier); start_ps[k]: when step k started (-1: not yet);
core_finish_ps[c]: when core c's work of the current step ends; latest_finish_ps[0]: when the
last work or packet of the current step ends; overruns[c]: timer steps that core c overran;
finish_ps[k]: when the last work or packet noted during step k ended (noted until step k + 1
began: under timer semantics work that runs past the next tick counts for the next step)."""


def new_step_state(ir: MachineIR, kernel, n_steps: int, network_step_ps: int = 0) -> StepState:
    """Step clock for ``n_steps`` steps of machine ``ir``, with a ``barrier`` ledger row per core
    for barrier machines. An event-driven machine runs a discrete-time network in its own time:
    its steps are ``network_step_ps`` apart (> 0 required), like timer ticks."""
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ConfigError(f"n_steps must be an int >= 1, got {n_steps!r}")
    semantics = _SEMANTICS_CODE[ir.semantics]
    step_ps = network_step_ps if semantics == EVENT else ir.step_ps
    if semantics == EVENT and network_step_ps <= 0:
        raise ConfigError(f"machine {ir.name!r} has semantics 'event'; a step clock for it needs "
                          f"the network's step, got network_step_ps = {network_step_ps}")
    if semantics == TIMER and ir.step_ps <= 0:
        raise ConfigError(f"machine {ir.name!r}: timer semantics needs step_ps > 0, got {ir.step_ps}")
    C = ir.n_cores
    barrier_ps = np.zeros(C, np.int64)
    barrier_pj = np.zeros(C)
    rows = np.full(C, -1, np.int64)
    comps = np.zeros(C, np.int64)
    if semantics == BARRIER:
        if "barrier" not in ir.action_names:
            raise ConfigError(f"machine {ir.name!r} uses barrier semantics but its cores declare no "
                              f"'barrier' action (cycles and energy_pj of one barrier per step)")
        a = ir.action("barrier")
        for c in range(C):
            name = f"chip{ir.core_chip[c]}.core{c}"
            barrier_ps[c] = ir.action_time_ps(c, a)
            barrier_pj[c] = ir.action_energy_pj[c, a]
            comps[c] = kernel.components.add(name, chip=int(ir.core_chip[c]))
            rows[c] = kernel.ledger.shared_action(name, "barrier", float(barrier_pj[c]),
                                                  chip=int(ir.core_chip[c]))
    start = np.full(int(n_steps) + 1, -1, np.int64)
    return StepState(np.int64(semantics), np.int64(step_ps), np.int64(n_steps), barrier_ps,
                     barrier_pj, rows, comps, np.int64(kernel.trace.label("barrier")), start,
                     np.zeros(C, np.int64), np.zeros(1, np.int64), np.zeros(C, np.int64),
                     np.full(int(n_steps), -1, np.int64))


@kernel_jit
def step_begin(steps, step, t_ps):
    """Record that step ``step`` starts at ``t_ps``; every core's work so far counts as done
    (and as the previous step's, ``finish_ps``)."""
    if step > 0:
        steps.finish_ps[step - 1] = steps.latest_finish_ps[0]
    steps.start_ps[step] = t_ps
    steps.latest_finish_ps[0] = t_ps
    for c in range(steps.core_finish_ps.shape[0]):
        steps.core_finish_ps[c] = t_ps


@kernel_jit
def step_note_finish(steps, core, t_ps):
    """Work or a packet of the current step on ``core`` ends at ``t_ps`` (core < 0: a packet
    or transfer that belongs to no core's thread, e.g. in flight on the network)."""
    if core >= 0 and t_ps > steps.core_finish_ps[core]:
        steps.core_finish_ps[core] = t_ps
    if t_ps > steps.latest_finish_ps[0]:
        steps.latest_finish_ps[0] = t_ps


@kernel_jit
def next_tick_ps(steps, t_ps):
    """The first step boundary strictly after ``t_ps`` under timer semantics: where an arrival
    at ``t_ps`` is consumed."""
    return (t_ps // steps.step_ps + 1) * steps.step_ps


@kernel_jit
def step_end(ctx, steps, step, step_kind):
    """Close step ``step`` (all its work issued and noted); schedule step + 1 of ``step_kind``
    unless it was the last. Returns the next step's start time in ps (-1 after the last)."""
    start = steps.start_ps[step]
    if steps.semantics != BARRIER:
        nxt = start + steps.step_ps
        for c in range(steps.overruns.shape[0]):
            if steps.core_finish_ps[c] > nxt:
                steps.overruns[c] += 1
    else:
        done = steps.latest_finish_ps[0]
        barrier_ps = np.int64(0)
        for c in range(steps.barrier_ps.shape[0]):
            ledger_charge_amount(ctx.ledger, steps.barrier_row[c], 1, steps.barrier_energy_pj[c],
                                 steps.barrier_ps[c])
            trace_busy(ctx.trace, done, steps.barrier_ps[c], steps.core_component[c],
                       steps.barrier_label)
            barrier_ps = max(barrier_ps, steps.barrier_ps[c])
        nxt = max(start + steps.step_ps, done + barrier_ps)
    if step + 1 >= steps.n_steps:
        steps.start_ps[steps.n_steps] = nxt
        return np.int64(-1)
    schedule_at(ctx, nxt, step_kind, 0, step + 1)
    return nxt
