"""Setting a run up on a machine, the same way for every kind of run: the network integrators
(``simulate``), the dense GRU baseline and the training schedules (software threads).

``require_actions`` refuses a machine that lacks an action the run needs, ``action_or_none``
gives an optional action's id, and ``thread_machine`` makes the kernel, the thread pool (its
cores' and memory ports' models and ledger rows), the machine's static power and the SimPy
environment of a thread-model run.
"""
from __future__ import annotations

from collections import namedtuple

from .errors import ConfigError
from .kernel import Kernel
from .machine_ir import MachineIR
from .process import Environment
from .static_power import register_static_power
from .thread_model import ThreadPool

ThreadMachine = namedtuple("ThreadMachine", "kernel pool env")
ThreadMachine.__doc__ = """A thread-model run's kernel, ``ThreadPool`` and SimPy
``Environment`` (on the kernel's ps clock)."""


def require_actions(ir: MachineIR, actions, what: str) -> None:
    """ConfigError unless ``ir`` declares every one of ``actions`` (``what``: the run that
    needs them, e.g. "a network")."""
    for a in actions:
        if a not in ir.action_names:
            raise ConfigError(f"machine {ir.name!r} declares no {a!r} action; {what} needs it")


def action_or_none(ir: MachineIR, action: str) -> int:
    """The id of ``action`` on ``ir``, or -1 if the machine does not declare it."""
    return ir.action(action) if action in ir.action_names else -1


def thread_machine(ir: MachineIR, *, seed: int = 0, trace: bool = False,
                   max_items: int = 4096, static_power: bool = True) -> ThreadMachine:
    """A kernel (random stream ``seed``; ``trace``: record busy intervals), a pool of at most
    ``max_items`` work items at once on ``ir``'s cores and ports, ``ir``'s static power in the
    ledger unless ``static_power`` is False, and the SimPy environment."""
    kernel = Kernel(seed=seed, trace=trace)
    pool = ThreadPool(kernel, ir, max_items=max_items)
    if static_power:
        register_static_power(kernel.ledger, ir)
    return ThreadMachine(kernel, pool, Environment(kernel))
