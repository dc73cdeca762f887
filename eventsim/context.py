"""What a compiled handler sees: the kernel context and the calls it may make on it.

A handler is a Numba function ``handler(t_ps, target, payload, state, ctx)``. Through ``ctx`` it
schedules new events (``schedule_at``, ``schedule_in``), reads the clock (``now_ps``), charges the
ledger (``ledger_charge(ctx.ledger, row, n)``), traces (``trace_busy(ctx.trace, ...)``) and draws
random numbers (``rng_uniform(ctx.rng)``). Bad requests do not raise inside compiled code: they set
an error record that the kernel turns into a ScheduleError or KernelError naming the values once
the handler returns.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import types
from numba.extending import intrinsic

from .errors import KernelError, ScheduleError
from .jit import kernel_jit
from .event_queue import PRIORITY_MAX, PRIORITY_MIN, queue_capacity, queue_push, queue_size
from .simtime import TIME_MAX_PS

KernelContext = namedtuple("KernelContext", ["queue", "clock", "err", "max_pushes", "ledger",
                                             "trace", "rng", "watch", "log"])
KernelContext.__doc__ = """Arrays the compiled kernel and its handlers share (one per run)."""

# clock[] slots
NOW, N_KINDS, PROCESSED, CURRENT_KIND, PUSHED, SCHEDULED, NEXT = 0, 1, 2, 3, 4, 5, 6
"""clock[NEXT] is the time of the next pending event as of the loop's last exit or a later
schedule from Python (TIME_MAX_PS when none): Python reads it without a compiled call."""
CLOCK_SLOTS = 8

# err[] = (code, a, b, c); codes and how they read
ERR_NONE = 0
ERR_PAST = 1            # a = requested time_ps, b = now_ps, c = kind
ERR_KIND = 2            # a = kind, b = number of kinds
ERR_NEGATIVE_DELAY = 3  # a = delay_ps, c = kind
ERR_OVERFLOW = 4        # a = delay_ps, b = now_ps, c = kind
ERR_NOT_FINITE = 5      # c = kind
ERR_PRIORITY = 6        # a = priority, c = kind
ERR_TOO_MANY_PUSHES = 7  # a = kind being handled, b = its max_pushes
ERR_SEQ_EXHAUSTED = 8
ERR_USER = 100          # handler-defined: code >= 100, a, b, c free

_SCHEDULE_ERRORS = {ERR_PAST, ERR_KIND, ERR_NEGATIVE_DELAY, ERR_OVERFLOW, ERR_NOT_FINITE,
                    ERR_PRIORITY}


def error_from_record(err: np.ndarray, kind_names: list[str]) -> Exception:
    """The exception that an error record set by compiled code stands for."""
    code, a, b, c = (int(x) for x in err[:4])

    def kname(k):
        return repr(kind_names[k]) if 0 <= k < len(kind_names) else str(k)

    messages = {
        ERR_PAST: f"cannot schedule in the past: time_ps = {a} < now = {b} ps (event kind {kname(c)})",
        ERR_KIND: f"unknown event kind {a}: {b} kinds are registered ({', '.join(kind_names)})",
        ERR_NEGATIVE_DELAY: f"delay_ps must be >= 0, got {a} (event kind {kname(c)})",
        ERR_OVERFLOW: f"delay_ps = {a} at now = {b} ps overflows int64 picoseconds "
                      f"(event kind {kname(c)})",
        ERR_NOT_FINITE: f"delay is NaN or infinite (event kind {kname(c)})",
        ERR_PRIORITY: f"priority {a} outside {PRIORITY_MIN}..{PRIORITY_MAX} (event kind {kname(c)})",
        ERR_TOO_MANY_PUSHES: f"handler of kind {kname(a)} scheduled more than its declared "
                             f"max_pushes = {b} events in one call",
        ERR_SEQ_EXHAUSTED: "the event queue has used all its sequence numbers",
    }
    if code in messages:
        cls = ScheduleError if code in _SCHEDULE_ERRORS else KernelError
        return cls(messages[code])
    if code in USER_ERRORS:
        return KernelError(USER_ERRORS[code].format(a=a, b=b, c=c))
    return KernelError(f"handler error code {code} (values {a}, {b}, {c})")


USER_ERRORS: dict[int, str] = {}


def register_error(code: int, template: str) -> int:
    """Give handler error ``code`` (>= ERR_USER) a message; ``{a}``, ``{b}``, ``{c}`` stand for
    the values passed to ``fail``. Returns the code."""
    if code < ERR_USER:
        raise ValueError(f"handler error codes start at {ERR_USER}, got {code}")
    if USER_ERRORS.get(code, template) != template:
        raise ValueError(f"handler error code {code} already means {USER_ERRORS[code]!r}")
    USER_ERRORS[code] = template
    return code


@kernel_jit(inline="always")
def fail(ctx, code, a=0, b=0, c=0):
    """Record an error; the kernel stops after the current handler returns (first error wins).
    (Inlined: its values become int64 before the call, so ``_record_error`` compiles once
    whatever integer types the callers pass.)"""
    _record_error(ctx, np.int64(code), np.int64(a), np.int64(b), np.int64(c))


@kernel_jit
def _record_error(ctx, code, a, b, c):
    """``fail`` with int64 values."""
    if ctx.err[0] == ERR_NONE:
        ctx.err[0] = code
        ctx.err[1] = a
        ctx.err[2] = b
        ctx.err[3] = c


@kernel_jit
def now_ps(ctx):
    """The current simulated time in ps."""
    return ctx.clock[NOW]


@kernel_jit(inline="always")
def schedule_at(ctx, time_ps, kind, target, payload, priority=0):
    """Schedule event ``kind`` for ``target`` at absolute ``time_ps`` (>= now); True on success.
    (Inlined: its integers become int64 before the call, so ``_schedule_at`` and the queue's
    push compile once whatever integer types the callers pass.)"""
    return _schedule_at(ctx, np.int64(time_ps), np.int64(kind), np.int64(target),
                        np.int64(payload), np.int64(priority))


@kernel_jit
def _schedule_at(ctx, time_ps, kind, target, payload, priority):
    """``schedule_at`` with int64 values."""
    if kind < 0 or kind >= ctx.clock[N_KINDS]:
        fail(ctx, ERR_KIND, kind, ctx.clock[N_KINDS])
        return False
    if time_ps < ctx.clock[NOW]:
        fail(ctx, ERR_PAST, time_ps, ctx.clock[NOW], kind)
        return False
    if priority < PRIORITY_MIN or priority > PRIORITY_MAX:
        fail(ctx, ERR_PRIORITY, priority, 0, kind)
        return False
    current = ctx.clock[CURRENT_KIND]
    if current >= 0:
        ctx.clock[PUSHED] += 1
        if ctx.clock[PUSHED] > ctx.max_pushes[current]:
            fail(ctx, ERR_TOO_MANY_PUSHES, current, ctx.max_pushes[current])
            return False
    if queue_push(ctx.queue, time_ps, priority, kind, target, payload) < 0:
        if queue_size(ctx.queue) < queue_capacity(ctx.queue):
            fail(ctx, ERR_SEQ_EXHAUSTED)
        else:
            fail(ctx, ERR_TOO_MANY_PUSHES, current, ctx.max_pushes[max(current, 0)])
        return False
    ctx.clock[SCHEDULED] += 1
    return True


@kernel_jit(inline="always")
def schedule_in(ctx, delay_ps, kind, target, payload, priority=0):
    """Schedule event ``kind`` for ``target`` ``delay_ps`` (int >= 0) after now; True on success."""
    if delay_ps < 0:
        fail(ctx, ERR_NEGATIVE_DELAY, delay_ps, 0, kind)
        return False
    now = ctx.clock[NOW]
    if delay_ps > TIME_MAX_PS - now:
        fail(ctx, ERR_OVERFLOW, delay_ps, now, kind)
        return False
    return schedule_at(ctx, now + delay_ps, kind, target, payload, priority)


@kernel_jit
def delay_ps_from_float(ctx, delay, kind=-1):
    """Round a float delay in ps to int64 ps; on NaN, inf, negative or overflow record the
    error and return -1."""
    if not np.isfinite(delay):
        fail(ctx, ERR_NOT_FINITE, 0, 0, kind)
        return np.int64(-1)
    if delay < 0.0:
        fail(ctx, ERR_NEGATIVE_DELAY, np.int64(delay), 0, kind)
        return np.int64(-1)
    if delay >= 9.2e18:
        fail(ctx, ERR_OVERFLOW, TIME_MAX_PS, ctx.clock[NOW], kind)
        return np.int64(-1)
    return np.int64(np.round(delay))


@intrinsic
def _bitcast(typingctx, value, to_type):
    target = to_type.instance_type if isinstance(to_type, types.NumberClass) else to_type.dtype

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(target))
    return target(value, to_type), codegen


@kernel_jit
def float_to_payload(x):
    """The bits of float64 ``x`` as an int64 payload (exact round trip)."""
    return _bitcast(np.float64(x), np.int64)


@kernel_jit
def payload_to_float(p):
    """The float64 whose bits a payload carries."""
    return _bitcast(np.int64(p), np.float64)


def new_clock(n_kinds: int) -> np.ndarray:
    """The clock/counter slots of a fresh run at time 0."""
    c = np.zeros(CLOCK_SLOTS, np.int64)
    c[N_KINDS] = n_kinds
    c[CURRENT_KIND] = -1
    c[NEXT] = TIME_MAX_PS
    return c
