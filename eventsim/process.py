"""The process layer: SimPy processes co-simulated with the compiled kernel on one clock.

``Environment`` is a ``simpy.Environment`` whose time is the kernel's integer-picosecond clock.
Before SimPy handles its next event (at time t), the kernel handles every kernel event with
time < t. So the global order is by time, and at equal times SimPy's events come first, then
the kernel's. A SimPy process may

- schedule kernel events: ``env.schedule_kernel(delay_ps, kind, target, payload)``;
- wait for the kernel: ``yield env.kernel_event(kind, target)`` (after the next event of that
  kind/target is handled; the value is its time in ps) or ``yield env.counter_reached(row, n)``
  (after the event that brings ledger row ``row`` to ``n`` counts).

When such a condition fires the kernel stops at that event's time, SimPy runs the woken
processes at that same time, then the kernel resumes.

    env = Environment(kernel)
    env.process(controller(env))
    env.run(until=us_to_ps(100))
"""
from __future__ import annotations

import simpy

from . import conditions
from .errors import ScheduleError
from .kernel import Kernel
from .simtime import TIME_MAX_PS, check_delay_ps, check_time_ps


class Environment(simpy.Environment):
    """A SimPy environment driven together with ``kernel`` (see the module docstring)."""

    def __init__(self, kernel: Kernel):
        super().__init__(initial_time=kernel.now_ps)
        self.kernel = kernel
        self._waiting: dict[int, simpy.Event] = {}

    # -- SimPy's side ------------------------------------------------------------------------
    def timeout(self, delay: int = 0, value=None) -> simpy.Timeout:
        """A timeout of ``delay`` integer picoseconds (>= 0)."""
        check_delay_ps(delay, int(self._now), "timeout delay_ps")
        return super().timeout(delay, value)

    def run(self, until=None):
        """Run both SimPy and the kernel; ``until`` in integer ps (or a SimPy event)."""
        if until is not None and not isinstance(until, simpy.Event):
            check_time_ps(until, "until")
        return super().run(until)

    def step(self) -> None:
        """Let the kernel catch up to SimPy's next event, waking processes on the way, then
        handle that SimPy event."""
        while True:
            nxt = self.peek()
            bound = TIME_MAX_PS if nxt == float("inf") else int(nxt)
            if self.kernel.run_until(bound, stop_on_watch=True) != "watch":
                break
            self._wake_fired()
        super().step()

    # -- the kernel's side -------------------------------------------------------------------
    def schedule_kernel(self, delay_ps: int, kind: int, target: int = 0, payload: int = 0,
                        priority: int = 0) -> int:
        """Schedule a kernel event ``delay_ps`` after now; return its sequence number."""
        t = check_delay_ps(delay_ps, int(self._now))
        return self.kernel.schedule(t, kind, target, payload, priority)

    def kernel_event(self, kind: int, target: int = -1) -> simpy.Event:
        """An event that succeeds (value: time in ps) after the kernel next handles an event of
        ``kind`` for ``target`` (-1: any target)."""
        if not 0 <= kind < len(self.kernel.kind_names):
            raise ScheduleError(f"unknown event kind {kind}: {len(self.kernel.kind_names)} "
                                f"kinds are registered")
        self.kernel.watches, slot = conditions.add_event_watch(self.kernel.watches, kind, target)
        return self._wait_on(slot)

    def counter_reached(self, row: int, count: int) -> simpy.Event:
        """An event that succeeds (value: time in ps) once ledger row ``row`` has ``count``
        counts (at once if it already has)."""
        n_rows = self.kernel.ledger.arrays.count.shape[0]
        if not 0 <= row < n_rows:
            raise ScheduleError(f"unknown ledger row {row}: the ledger has {n_rows} rows")
        ev = simpy.Event(self)
        if self.kernel.ledger.arrays.count[row] >= count:
            return ev.succeed(int(self._now))
        self.kernel.watches, slot = conditions.add_counter_watch(self.kernel.watches, row, count)
        self._waiting[slot] = ev
        return ev

    def _wait_on(self, slot: int) -> simpy.Event:
        ev = simpy.Event(self)
        self._waiting[slot] = ev
        return ev

    def _wake_fired(self) -> None:
        self._now = self.kernel.now_ps
        for slot, fired_ps in conditions.take_fired(self.kernel.watches):
            self._waiting.pop(slot).succeed(fired_ps)
