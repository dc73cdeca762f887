"""Is generated source needed to dispatch to one of N compiled functions? The kernel's generated
if-chain against the ways plain Numba offers, in one self-contained script (no eventsim import).

    python benchmarks/dispatch_generation.py                  # medians of 5, print the tables
    python benchmarks/dispatch_generation.py --json           # the same as one JSON record
    python benchmarks/dispatch_generation.py --events 3000000 --repeats 3

Two patterns, each in the shape eventsim generates:

* **event loop** (``eventsim/dispatch.py``): pop an event from a FIFO ring, call the handler of
  its kind with (t, target, payload, states[kind], ctx); each handler updates its state array
  and schedules one new event of a random kind (PHOLD-like: the next kind is unpredictable).
  3 and 8 kinds, ``--events`` events, time per event.
* **neuron update** (``eventsim/network_runtime.py``): per step, for each population, a loop
  over its neurons calling its model's small ``step`` (``inline="always"``, selects only, reads
  and clears its input ring slot), which must inline and vectorise. 3 models, 4 populations,
  ``--neurons`` neurons x ``--steps`` steps, time per neuron-step.

Variants (the same handlers / steps in every one; the runs must give identical results; all
compiled as eventsim's ``kernel_jit``, ``njit(cache=True, _nrt=False)``, unless said):

* ``generated``: source written to a file and imported (as eventsim does), an ``if kind == k``
  chain of direct calls (events), one population loop per model with its step inlined (neurons);
  the status quo. Events only: ``floor``, one handler for all kinds (kind as data), the loop
  without any dispatch.
* ``fc-tuple``, ``fc-list``, ``cfunc``, ``fc-step``: first-class functions
  (``types.FunctionType``): the handlers (steps) compiled for one signature, in a tuple, in a
  ``numba.typed.List`` (which needs reference counting: that loop is compiled with it), or as
  ``@cfunc`` pointers, called indirectly. ``fc-population``: one indirect call per population,
  to a population loop per model made by a closure factory (``population_impl``).
* ``unroll-arg``: a tuple of dispatchers passed as an argument, ``literal_unroll`` over it
  (``if j == kind: f(...)``); ``unroll-closure``: the tuple captured by a closure factory. For
  neurons, the generic population loop takes the step as an argument.
* ``type-switch``, ``type-unroll``: a custom Numba type naming the functions by import path
  (``Handlers``: module, name and a digest of the modules' files, so that it is the same type in
  every process) passed as an argument; an ``@intrinsic`` emits an LLVM switch whose case i
  calls handler i with states[i] (a constant index), or compiles model i's population loop from
  the one closure ``population_impl`` (``context.compile_internal``); or an ``@overload`` whose
  implementation ``literal_unroll``-s over the dispatchers.

Cold compile and cache: each variant is also built and called once (tiny input, same types) in
a fresh process with an empty ``NUMBA_CACHE_DIR`` (cold: compile), then again in a second fresh
process on that cache (warm: load, or compile again if the cache missed); Numba's warnings are
recorded. The in-process timings run interleaved (every repeat runs every variant once, in a
rotating order), after a warm-up call each; medians of ``--repeats``. Everything compiled goes
to a temporary folder, removed at the end.
"""
from __future__ import annotations

import os
import tempfile

# The scratch folder (generated modules, Numba caches), made before Numba is imported: the
# script's process makes it and its workers inherit it.
_TMP = os.environ.get("DISPATCH_BENCH_TMP")
if _TMP is None and __name__ == "__main__":
    _TMP = tempfile.mkdtemp(prefix="dispatch_generation_")
    os.environ["DISPATCH_BENCH_TMP"] = _TMP
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(_TMP, "numba-main")

import argparse                                                      # noqa: E402
import hashlib                                                       # noqa: E402
import importlib                                                     # noqa: E402
import json                                                          # noqa: E402
import platform                                                      # noqa: E402
import re                                                            # noqa: E402
import shutil                                                        # noqa: E402
import statistics                                                    # noqa: E402
import subprocess                                                    # noqa: E402
import sys                                                           # noqa: E402
import time                                                          # noqa: E402
import warnings                                                      # noqa: E402
from collections import namedtuple                                   # noqa: E402
from pathlib import Path                                             # noqa: E402

import numba                                                         # noqa: E402
import numpy as np                                                   # noqa: E402
from numba import cfunc, literal_unroll, njit, types                 # noqa: E402
from numba.core import cgutils                                      # noqa: E402
from numba.core.ccallback import CFunc                               # noqa: E402
from numba.core.datamodel import models                              # noqa: E402
from numba.extending import (NativeValue, intrinsic, overload,       # noqa: E402
                             register_model, typeof_impl, unbox)
from numba.typed import List                                         # noqa: E402

HERE = Path(__file__).resolve().parent


def kernel_jit(func=None, **options):
    """``numba.njit(cache=True, _nrt=False, **options)``, as eventsim.jit.kernel_jit (without
    reference counting the handlers' branches cost no incref/decref per call or neuron)."""
    decorate = njit(cache=True, _nrt=False, **options)
    return decorate if func is None else decorate(func)


MODULE = "dispatch_generation"          # this file, imported by name (generated code imports it)


def gen_dir() -> Path:
    """Where generated modules go (a folder of their own when imported without the script)."""
    global _TMP
    if _TMP is None:
        _TMP = os.environ["DISPATCH_BENCH_TMP"] = tempfile.mkdtemp(prefix="dispatch_generation_")
    return Path(_TMP) / "generated"

# ============================================================================================
# Event loop: a FIFO ring of events; ctx = (kinds, targets, times, meta), all int64
# ============================================================================================
HEAD, TAIL, MASK, RNG, NKINDS, NLP, ERR = range(7)
N_LP = 1024                             # targets per kind (size of each state array)
PENDING = 4096                          # events in the ring (constant: one pop, one push)


@kernel_jit(inline="always")
def _pop(ctx):
    """(ok, kind, target, t, payload) of the next event; ok False if the ring is empty."""
    kinds, targets, times, meta = ctx
    h = meta[HEAD]
    if h == meta[TAIL]:
        return False, np.int64(0), np.int64(0), np.int64(0), np.int64(0)
    i = h & meta[MASK]
    meta[HEAD] = h + 1
    t = times[i]
    return True, kinds[i], targets[i], t, t & 1023


@kernel_jit(inline="always")
def _fail(ctx, kind):
    ctx[3][ERR] = kind + 1


@kernel_jit(inline="always")
def _work(t, target, payload, state, ctx, c):
    """A handler's work: update its state, schedule one event of a random kind and target."""
    state[target] = state[target] * c + payload * 1e-3
    kinds, targets, times, meta = ctx
    x = meta[RNG] * 6364136223846793005 + 1442695040888963407
    meta[RNG] = x
    r = (x >> 33) & 0x7FFFFFFF
    tail = meta[TAIL]
    i = tail & meta[MASK]
    kinds[i] = r % meta[NKINDS]
    targets[i] = (r >> 7) % meta[NLP]
    times[i] = t + 1 + (r & 15)
    meta[TAIL] = tail + 1


@kernel_jit
def _h0(t, target, payload, state, ctx):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * 0)


@kernel_jit
def _h1(t, target, payload, state, ctx):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * 1)


@kernel_jit
def _h2(t, target, payload, state, ctx):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * 2)


@kernel_jit
def _h3(t, target, payload, state, ctx):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * 3)


@kernel_jit
def _h4(t, target, payload, state, ctx):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * 4)


@kernel_jit
def _h5(t, target, payload, state, ctx):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * 5)


@kernel_jit
def _h6(t, target, payload, state, ctx):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * 6)


@kernel_jit
def _h7(t, target, payload, state, ctx):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * 7)


HANDLERS = (_h0, _h1, _h2, _h3, _h4, _h5, _h6, _h7)


@kernel_jit
def _h_any(t, target, payload, state, ctx, kind):
    _work(t, target, payload, state, ctx, 0.99 - 0.01 * kind)


def new_events(n_kinds: int, seed: int = 1):
    """(ctx, states) of a fresh run: PENDING events of random kinds in a ring of 2 x PENDING."""
    rng = np.random.default_rng(seed)
    cap = 2 * PENDING
    kinds = np.zeros(cap, np.int64)
    targets = np.zeros(cap, np.int64)
    times = np.zeros(cap, np.int64)
    kinds[:PENDING] = rng.integers(0, n_kinds, PENDING)
    targets[:PENDING] = rng.integers(0, N_LP, PENDING)
    times[:PENDING] = rng.integers(0, 1000, PENDING)
    meta = np.array([0, PENDING, cap - 1, 12345, n_kinds, N_LP, 0], np.int64)
    states = tuple(np.zeros(N_LP) for _ in range(n_kinds))
    return (kinds, targets, times, meta), states


def events_check(ctx, states, n) -> tuple:
    return (int(n), int(ctx[3][ERR]), float(sum(s.sum() for s in states)), int(ctx[3][RNG]))


# -- (a) the status quo: generated source, imported from a file --------------------------------

_EVENT_TEMPLATE = '''\
# Generated by benchmarks/dispatch_generation.py: the event loop for {n} kinds.
from {module} import kernel_jit, _pop, _fail
{imports}


@kernel_jit
def run_loop(ctx, states, max_events):
    n = 0
    while n < max_events:
        ok, kind, target, t, payload = _pop(ctx)
        if not ok:
            break
{dispatch}
        n += 1
    return n
'''


def load_generated(source: str, prefix: str):
    """Import ``source`` from a file named by its hash (as eventsim.generated does)."""
    name = f"{prefix}_{hashlib.sha256(source.encode()).hexdigest()[:16]}"
    if name in sys.modules:
        return sys.modules[name]
    directory = gen_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.py"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        os.replace(tmp, path)
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    return importlib.import_module(name)


def generated_event_loop(n_kinds: int):
    imports = "\n".join(f"from {MODULE} import _h{k}" for k in range(n_kinds))
    lines = [f"        {'if' if k == 0 else 'elif'} kind == {k}:\n"
             f"            _h{k}(t, target, payload, states[{k}], ctx)" for k in range(n_kinds)]
    lines.append("        else:\n            _fail(ctx, kind)\n            break")
    source = _EVENT_TEMPLATE.format(n=n_kinds, module=MODULE, imports=imports,
                                    dispatch="\n".join(lines))
    return load_generated(source, "dg_events").run_loop


# -- the floor: one handler for every kind (no dispatch) ---------------------------------------

@kernel_jit
def loop_floor(ctx, states, max_events):
    n_kinds = len(states)
    n = 0
    while n < max_events:
        ok, kind, target, t, payload = _pop(ctx)
        if not ok:
            break
        if kind >= n_kinds:
            _fail(ctx, kind)
            break
        _h_any(t, target, payload, states[kind], ctx, kind)
        n += 1
    return n


# -- (b) first-class functions ------------------------------------------------------------------

@kernel_jit
def loop_fc(fns, ctx, states, max_events):
    """fns: a UniTuple or typed List of FunctionType (or of cfuncs)."""
    n_kinds = len(fns)
    n = 0
    while n < max_events:
        ok, kind, target, t, payload = _pop(ctx)
        if not ok:
            break
        if kind >= n_kinds:
            _fail(ctx, kind)
            break
        fns[kind](t, target, payload, states[kind], ctx)
        n += 1
    return n


def handler_signature(n_kinds: int):
    ctx, states = new_events(n_kinds)
    return types.void(types.int64, types.int64, types.int64, numba.typeof(states[0]),
                      numba.typeof(ctx))


def fc_tuple_loop(n_kinds: int):
    """The handlers compiled for one signature, passed as UniTuple(FunctionType) (the loop given
    that signature explicitly: a tuple of dispatchers is typed as a heterogeneous tuple, which
    cannot be indexed by a run-time kind)."""
    hsig = handler_signature(n_kinds)
    for h in HANDLERS[:n_kinds]:
        h.compile(hsig.args)
    ctx, states = new_events(n_kinds)
    ft = types.FunctionType(hsig)
    loop = njit(types.int64(types.UniTuple(ft, n_kinds), numba.typeof(ctx), numba.typeof(states),
                            types.int64), cache=True, _nrt=False)(loop_fc.py_func)
    fns = HANDLERS[:n_kinds]
    return (lambda c, s, m: loop(fns, c, s, m)), [loop]


loop_fc_nrt = njit(cache=True)(loop_fc.py_func)


def fc_list_loop(n_kinds: int):
    """A typed List needs Numba's reference counting: this loop is compiled with it (with
    _nrt=False it fails: "NRT required but not enabled")."""
    hsig = handler_signature(n_kinds)
    fns = List.empty_list(types.FunctionType(hsig))
    for h in HANDLERS[:n_kinds]:
        h.compile(hsig.args)
        fns.append(h)
    return (lambda c, s, m: loop_fc_nrt(fns, c, s, m)), [loop_fc_nrt]


def cfunc_loop(n_kinds: int):
    hsig = handler_signature(n_kinds)
    fns = tuple(cfunc(hsig, cache=True, _nrt=False)(h.py_func) for h in HANDLERS[:n_kinds])
    return (lambda c, s, m: loop_fc(fns, c, s, m)), [loop_fc, *fns]


# -- (c) literal_unroll over dispatchers -------------------------------------------------------

@kernel_jit
def loop_unroll(fns, ctx, states, max_events):
    n_kinds = len(fns)
    n = 0
    while n < max_events:
        ok, kind, target, t, payload = _pop(ctx)
        if not ok:
            break
        if kind >= n_kinds:
            _fail(ctx, kind)
            break
        j = 0
        for f in literal_unroll(fns):
            if j == kind:
                f(t, target, payload, states[j], ctx)
            j += 1
        n += 1
    return n


def unroll_arg_loop(n_kinds: int):
    fns = HANDLERS[:n_kinds]
    return (lambda c, s, m: loop_unroll(fns, c, s, m)), [loop_unroll]


def unroll_closure_loop(n_kinds: int):
    """A closure factory: the tuple of dispatchers is a free variable of the loop."""
    fns = HANDLERS[:n_kinds]

    @kernel_jit
    def loop(ctx, states, max_events):
        n = 0
        while n < max_events:
            ok, kind, target, t, payload = _pop(ctx)
            if not ok:
                break
            if kind >= len(fns):
                _fail(ctx, kind)
                break
            j = 0
            for f in literal_unroll(fns):
                if j == kind:
                    f(t, target, payload, states[j], ctx)
                j += 1
            n += 1
        return n
    return loop, [loop]


# -- (d) a custom type naming the functions by import path ---------------------------------------

class Handlers:
    """A set of njit functions, named by (module, qualified name); its Numba type is keyed by
    those names and a digest of the modules' files, so that it is equal in every process and
    the on-disk cache can find a loop compiled for it (Numba's Dispatcher type is keyed by the
    dispatcher object itself: a loop taking dispatchers never finds its cache entry again)."""

    def __init__(self, funcs):
        self.paths = tuple((f.py_func.__module__, f.py_func.__qualname__) for f in funcs)
        for (m, q), f in zip(self.paths, funcs):
            if getattr(importlib.import_module(m), q) is not f:
                raise ValueError(f"{m}.{q} cannot be imported by name")
        h = hashlib.sha256()
        for m in sorted({m for m, _ in self.paths}):
            h.update(Path(sys.modules[m].__file__).read_bytes())
        self.digest = h.hexdigest()[:16]


class HandlersType(types.Dummy):
    def __init__(self, paths, digest):
        self.paths, self.digest = paths, digest
        super().__init__(name=f"Handlers({', '.join(f'{m}.{q}' for m, q in paths)}; {digest})")

    @property
    def key(self):
        return self.paths, self.digest

    def dispatchers(self):
        return tuple(getattr(importlib.import_module(m), q) for m, q in self.paths)


register_model(HandlersType)(models.OpaqueModel)


@typeof_impl.register(Handlers)
def _typeof_handlers(val, c):
    return HandlersType(val.paths, val.digest)


@unbox(HandlersType)
def _unbox_handlers(typ, obj, c):
    return NativeValue(c.context.get_dummy_value())


def _switch(context, builder, k, cases, rettype):
    """LLVM ``switch k`` with case i emitting ``cases[i](builder)`` (its value kept, if any)."""
    slot = None
    if rettype != types.void:
        slot = cgutils.alloca_once_value(builder, context.get_constant_null(rettype))
    end = builder.append_basic_block("switch.end")
    sw = builder.switch(k, end)
    for i, emit in enumerate(cases):
        bb = builder.append_basic_block(f"switch.case{i}")
        sw.add_case(k.type(i), bb)
        with builder.goto_block(bb):
            r = emit(builder)
            if slot is not None:
                builder.store(r, slot)
            builder.branch(end)
    builder.position_at_end(end)
    return builder.load(slot) if slot is not None else context.get_dummy_value()


def _items(builder, tup, tuple_type):
    return [builder.extract_value(tup, j) for j in range(len(tuple_type.types))]


@intrinsic
def switch_event(typingctx, hs, k, head, states, tail):
    """``hs[k](*head, states[k], *tail)``: an LLVM switch over direct (inlinable) calls, each
    given its own state at a constant index (so the states may differ in type, as eventsim's
    do)."""
    if not isinstance(hs, HandlersType):
        return None
    fntys = [types.Dispatcher(d) for d in hs.dispatchers()]
    sigs = [typingctx.resolve_function_type(
        f, tuple(head.types) + (states.types[i],) + tuple(tail.types), {})
        for i, f in enumerate(fntys)]

    def codegen(context, builder, sig, llargs):
        _, kv, hv, sv, tv = llargs
        h, t = _items(builder, hv, head), _items(builder, tv, tail)

        def case(i):
            return lambda b: context.get_function(fntys[i], sigs[i])(
                b, h + [b.extract_value(sv, i)] + t)
        return _switch(context, builder, kv, [case(i) for i in range(len(fntys))], types.void)
    return types.void(hs, k, head, states, tail), codegen


@intrinsic
def switch_population(typingctx, hs, k, args):
    """``population_impl(hs[k])(*args)``: an LLVM switch whose case i is model i's population
    loop, compiled from the one closure ``population_impl`` (so its step is a free variable,
    which Numba inlines, as in the generated loops)."""
    if not isinstance(hs, HandlersType):
        return None
    steps = hs.dispatchers()
    sig = types.int64(*args.types)

    def codegen(context, builder, sig_, llargs):
        vals = _items(builder, llargs[2], args)

        def case(i):
            return lambda b: context.compile_internal(b, population_impl(steps[i]), sig, vals)
        return _switch(context, builder, llargs[1], [case(i) for i in range(len(steps))],
                       types.int64)
    return types.int64(hs, k, args), codegen


def unroll_call(hs, k, args):
    """``hs[k](*args)`` by literal_unroll in an @overload (compile-time Python, no source)."""


def unroll_apply(hs, k, fn, args):
    """``fn(hs[k], *args)`` -> int64, by literal_unroll in an @overload."""


@overload(unroll_call)
def _ov_unroll_call(hs, k, args):
    if not isinstance(hs, HandlersType):
        return None
    fns = hs.dispatchers()

    def impl(hs, k, args):
        j = 0
        for f in literal_unroll(fns):
            if j == k:
                f(*args)
            j += 1
    return impl


@overload(unroll_apply)
def _ov_unroll_apply(hs, k, fn, args):
    if not isinstance(hs, HandlersType):
        return None
    fns = hs.dispatchers()

    def impl(hs, k, fn, args):
        r = np.int64(0)
        j = 0
        for f in literal_unroll(fns):
            if j == k:
                r = fn(f, *args)
            j += 1
        return r
    return impl


@kernel_jit
def loop_type_switch(hs, ctx, states, max_events):
    n_kinds = len(states)
    n = 0
    while n < max_events:
        ok, kind, target, t, payload = _pop(ctx)
        if not ok:
            break
        if kind >= n_kinds:
            _fail(ctx, kind)
            break
        switch_event(hs, kind, (t, target, payload), states, (ctx,))
        n += 1
    return n


@kernel_jit
def loop_type_unroll(hs, ctx, states, max_events):
    n_kinds = len(states)
    n = 0
    while n < max_events:
        ok, kind, target, t, payload = _pop(ctx)
        if not ok:
            break
        if kind >= n_kinds:
            _fail(ctx, kind)
            break
        unroll_call(hs, kind, (t, target, payload, states[kind], ctx))
        n += 1
    return n


def type_switch_loop(n_kinds: int):
    hs = Handlers(HANDLERS[:n_kinds])
    return (lambda c, s, m: loop_type_switch(hs, c, s, m)), [loop_type_switch]


def type_unroll_loop(n_kinds: int):
    hs = Handlers(HANDLERS[:n_kinds])
    return (lambda c, s, m: loop_type_unroll(hs, c, s, m)), [loop_type_unroll]


def generated_loop(n_kinds: int):
    loop = generated_event_loop(n_kinds)
    return loop, [loop]


def floor_loop(n_kinds: int):
    return loop_floor, [loop_floor]


EVENT_VARIANTS = {
    "generated": (generated_loop, "(a) generated if-chain, direct calls (status quo)"),
    "floor": (floor_loop, "one handler for all kinds, no dispatch (the floor)"),
    "fc-tuple": (fc_tuple_loop, "(b) UniTuple(FunctionType), indirect call"),
    "fc-list": (fc_list_loop, "(b) typed.List(FunctionType), indirect call (loop with NRT)"),
    "cfunc": (cfunc_loop, "(b) tuple of @cfunc pointers, indirect call"),
    "unroll-arg": (unroll_arg_loop, "(c) literal_unroll, dispatcher tuple as argument"),
    "unroll-closure": (unroll_closure_loop, "(c) literal_unroll, dispatcher tuple in a closure"),
    "type-switch": (type_switch_loop, "(d) Handlers type + @intrinsic LLVM switch, direct calls"),
    "type-unroll": (type_unroll_loop, "(d) Handlers type + @overload literal_unroll"),
}

# ============================================================================================
# Neuron update: state[v, g], coef[k, column], ring[slot, port, g] (as network_layout lays out)
# ============================================================================================
Net = namedtuple("Net", ["state", "coef", "pop_off", "pop_model", "pop_coef_col", "ring",
                         "flags", "spiked"])
POP_MODELS = (0, 1, 2, 0)               # 4 populations of 3 models
POP_SHARE = (0.4, 0.3, 0.2, 0.1)


@kernel_jit(inline="always")
def step_lif(st, cf, i, c, ring, slot, g):
    """LIF with refractory steps (as networks/neurons/lif.py): selects only."""
    x = ring[slot, 0, g]
    ring[slot, 0, g] = 0.0
    refractory = st[1, i] > 0
    v_inf = cf[0, c] + cf[1, c] * x
    v = v_inf + (st[0, i] - v_inf) * cf[2, c]
    v = cf[4, c] if refractory else v
    spiked = (v > cf[3, c]) and not refractory
    st[0, i] = cf[4, c] if spiked else v
    st[1, i] = cf[5, c] if spiked else max(st[1, i] - 1.0, 0.0)
    return spiked


@kernel_jit(inline="always")
def step_cuba(st, cf, i, c, ring, slot, g):
    """Current-based: exponential excitatory and inhibitory currents (ports 0 and 1)."""
    ge = st[1, i] * cf[0, c] + ring[slot, 0, g]
    gi = st[2, i] * cf[1, c] + ring[slot, 1, g]
    ring[slot, 0, g] = 0.0
    ring[slot, 1, g] = 0.0
    v = st[0, i] + (cf[2, c] - st[0, i]) * cf[3, c] + (ge - gi) * cf[4, c]
    spiked = v > cf[5, c]
    st[0, i] = cf[6, c] if spiked else v
    st[1, i] = ge
    st[2, i] = gi
    return spiked


@kernel_jit(inline="always")
def step_if(st, cf, i, c, ring, slot, g):
    """Integrate and fire, reset by subtraction."""
    v = st[0, i] + ring[slot, 0, g] * cf[0, c] + cf[2, c]
    ring[slot, 0, g] = 0.0
    spiked = v > cf[1, c]
    st[0, i] = v - cf[1, c] if spiked else v
    return spiked


STEPS = (step_lif, step_cuba, step_if)
COEF = np.array([[1.2, 0.5, 0.9, 1.0, 0.0, 2.0, 0.0],        # lif: v_inf, r, decay, th, reset, refr
                 [0.9, 0.8, 1.3, 0.1, 0.5, 1.0, 0.0],        # cuba: de, di, v_rest, a, r, th, reset
                 [0.5, 1.0, 0.07, 0.0, 0.0, 0.0, 0.0]]).T    # if: w, th, bias


def new_net(n: int, seed: int = 2) -> Net:
    rng = np.random.default_rng(seed)
    sizes = [int(n * s) for s in POP_SHARE]
    sizes[-1] = n - sum(sizes[:-1])
    pop_off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    ring = np.zeros((2, 2, n))
    ring[:, :, :] = rng.random((2, 2, n)) * 0.3
    state = np.zeros((3, n))
    state[0] = rng.random(n)
    return Net(state, np.ascontiguousarray(COEF), pop_off, np.array(POP_MODELS, np.int64),
               np.array(POP_MODELS, np.int64), ring, np.zeros(n, np.bool_),
               np.zeros(n, np.int64))


def net_check(net: Net, spikes) -> tuple:
    return int(spikes), float(net.state.sum())


# -- (a) generated: one population loop per model, its step inlined ----------------------------

_NET_TEMPLATE = '''\
# Generated by benchmarks/dispatch_generation.py: the update of models {models}.
import numpy as np
from {module} import kernel_jit
{imports}


@kernel_jit
def run_steps(net, n_steps):
    total = 0
    for k in range(n_steps):
        slot = k % net.ring.shape[0]
        n_spiked = 0
        for p in range(net.pop_model.shape[0]):
            m = net.pop_model[p]
{dispatch}
        total += n_spiked
    return total
'''

_NET_POPULATION = '''

@kernel_jit
def _population{m}(net, p, slot, n_spiked):
    st, cf, ring, flags = net.state, net.coef, net.ring, net.flags
    off, ccol = np.uint64(net.pop_off[p]), np.uint64(net.pop_coef_col[p])
    n = net.pop_off[p + 1] - net.pop_off[p]
    for i in range(n):
        g = off + np.uint64(i)
        flags[g] = _step{m}(st, cf, g, ccol, ring, slot, g)
    for i in range(n):
        g = off + np.uint64(i)
        if flags[g]:
            net.spiked[n_spiked] = g
            n_spiked += 1
    return n_spiked
'''


def generated_net():
    imports = "\n".join(f"from {MODULE} import {s.__name__} as _step{m}"
                        for m, s in enumerate(STEPS))
    dispatch = "\n".join(f"            {'if' if m == 0 else 'elif'} m == {m}:\n"
                         f"                n_spiked = _population{m}(net, p, slot, n_spiked)"
                         for m in range(len(STEPS)))
    source = _NET_TEMPLATE.format(models=", ".join(s.__name__ for s in STEPS), imports=imports,
                                  dispatch=dispatch, module=MODULE)
    source += "".join(_NET_POPULATION.format(m=m) for m in range(len(STEPS)))
    run = load_generated(source, "dg_net").run_steps
    return run, [run]


# -- the generic population loop the non-generated variants share ------------------------------

@njit(_nrt=False)                        # compiled into its callers (its type has a dispatcher)
def population(step, net, p, slot, n_spiked):
    st, cf, ring, flags = net.state, net.coef, net.ring, net.flags
    off, ccol = np.uint64(net.pop_off[p]), np.uint64(net.pop_coef_col[p])
    n = net.pop_off[p + 1] - net.pop_off[p]
    for i in range(n):
        g = off + np.uint64(i)
        flags[g] = step(st, cf, g, ccol, ring, slot, g)
    for i in range(n):
        g = off + np.uint64(i)
        if flags[g]:
            net.spiked[n_spiked] = g
            n_spiked += 1
    return n_spiked


def population_impl(step):
    """Model ``step``'s population loop (``population`` with ``step`` a free variable, so that
    Numba inlines it): a closure written once, compiled per model."""
    def impl(net, p, slot, n_spiked):
        st, cf, ring, flags = net.state, net.coef, net.ring, net.flags
        off, ccol = np.uint64(net.pop_off[p]), np.uint64(net.pop_coef_col[p])
        n = net.pop_off[p + 1] - net.pop_off[p]
        for i in range(n):
            g = off + np.uint64(i)
            flags[g] = step(st, cf, g, ccol, ring, slot, g)
        for i in range(n):
            g = off + np.uint64(i)
            if flags[g]:
                net.spiked[n_spiked] = g
                n_spiked += 1
        return n_spiked
    return impl


def step_signature():
    net = new_net(16)
    return types.boolean(numba.typeof(net.state), numba.typeof(net.coef), types.uint64,
                         types.uint64, numba.typeof(net.ring), types.int64, types.uint64)


@kernel_jit
def steps_fc(steps, net, n_steps):
    """(b) per neuron: steps[m] a FunctionType, called indirectly for every neuron."""
    total = 0
    for k in range(n_steps):
        slot = k % net.ring.shape[0]
        n_spiked = 0
        for p in range(net.pop_model.shape[0]):
            step = steps[net.pop_model[p]]
            st, cf, ring, flags = net.state, net.coef, net.ring, net.flags
            off, ccol = np.uint64(net.pop_off[p]), np.uint64(net.pop_coef_col[p])
            n = net.pop_off[p + 1] - net.pop_off[p]
            for i in range(n):
                g = off + np.uint64(i)
                flags[g] = step(st, cf, g, ccol, ring, slot, g)
            for i in range(n):
                g = off + np.uint64(i)
                if flags[g]:
                    net.spiked[n_spiked] = g
                    n_spiked += 1
        total += n_spiked
    return total


def fc_step_net():
    sig = step_signature()
    for s in STEPS:
        s.compile(sig.args)
    net = new_net(16)
    run = njit(types.int64(types.UniTuple(types.FunctionType(sig), len(STEPS)), numba.typeof(net),
                           types.int64), cache=True, _nrt=False)(steps_fc.py_func)
    return (lambda nt, k: run(STEPS, nt, k)), [run]


@kernel_jit
def populations_fc(pops, net, n_steps):
    """(b) per population: pops[m] a FunctionType to a population loop of model m."""
    total = 0
    for k in range(n_steps):
        slot = k % net.ring.shape[0]
        n_spiked = 0
        for p in range(net.pop_model.shape[0]):
            n_spiked = pops[net.pop_model[p]](net, p, slot, n_spiked)
        total += n_spiked
    return total


def fc_population_net():
    net = new_net(16)
    psig = types.int64(numba.typeof(net), types.int64, types.int64, types.int64)
    pops = tuple(njit(psig, cache=True, _nrt=False)(population_impl(s)) for s in STEPS)
    run = njit(types.int64(types.UniTuple(types.FunctionType(psig), len(STEPS)), numba.typeof(net),
                           types.int64), cache=True, _nrt=False)(populations_fc.py_func)
    return (lambda nt, k: run(pops, nt, k)), [run, *pops]


@kernel_jit
def steps_unroll(steps, net, n_steps):
    total = 0
    for k in range(n_steps):
        slot = k % net.ring.shape[0]
        n_spiked = 0
        for p in range(net.pop_model.shape[0]):
            m = net.pop_model[p]
            j = 0
            for f in literal_unroll(steps):
                if j == m:
                    n_spiked = population(f, net, p, slot, n_spiked)
                j += 1
        total += n_spiked
    return total


def unroll_arg_net():
    return (lambda nt, k: steps_unroll(STEPS, nt, k)), [steps_unroll]


@kernel_jit
def steps_type_switch(hs, net, n_steps):
    total = 0
    for k in range(n_steps):
        slot = k % net.ring.shape[0]
        n_spiked = 0
        for p in range(net.pop_model.shape[0]):
            n_spiked = switch_population(hs, net.pop_model[p], (net, p, slot, n_spiked))
        total += n_spiked
    return total


@kernel_jit
def steps_type_unroll(hs, net, n_steps):
    total = 0
    for k in range(n_steps):
        slot = k % net.ring.shape[0]
        n_spiked = 0
        for p in range(net.pop_model.shape[0]):
            n_spiked = unroll_apply(hs, net.pop_model[p], population, (net, p, slot, n_spiked))
        total += n_spiked
    return total


def type_switch_net():
    hs = Handlers(STEPS)
    return (lambda nt, k: steps_type_switch(hs, nt, k)), [steps_type_switch]


def type_unroll_net():
    hs = Handlers(STEPS)
    return (lambda nt, k: steps_type_unroll(hs, nt, k)), [steps_type_unroll]


NET_VARIANTS = {
    "generated": (generated_net, "(a) generated population loop per model, if-chain"),
    "fc-step": (fc_step_net, "(b) FunctionType step, one indirect call per neuron"),
    "fc-population": (fc_population_net, "(b) FunctionType to a population loop per model "
                                         "(closure factory), indirect call per population"),
    "unroll-arg": (unroll_arg_net, "(c) literal_unroll over a step tuple argument, generic "
                                   "loop taking the step as an argument"),
    "type-switch": (type_switch_net, "(d) Handlers type + @intrinsic switch over per-model loops "
                                     "compiled from one closure"),
    "type-unroll": (type_unroll_net, "(d) Handlers type + @overload literal_unroll, generic loop "
                                     "taking the step as an argument"),
}

# ============================================================================================
# Measurement
# ============================================================================================


def vector_ops(dispatchers) -> int:
    """Instructions on vectors of doubles in the optimised LLVM IR of ``dispatchers`` (their
    linked callees included): > 0 means the neuron loop vectorised."""
    n = 0
    for d in dispatchers:
        for ir in d.inspect_llvm().values():
            n += len(re.findall(r"= (?:fmul|fadd|fsub|select|fcmp)[^\n]*<\d+ x double>", ir))
    return n


def _warm_numba():
    """Initialise Numba's compiler (the first compilation of a process pays ~0.3 s for it)."""
    njit(lambda x: x + 1)(1)


def worker(part: str, variant: str) -> dict:
    """Build and call ``variant`` once on a tiny input in this (fresh) process: seconds, cache
    hits and misses of its top-level functions, warnings."""
    _warm_numba()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        if part == "events":
            run, tops = EVENT_VARIANTS[variant][0](8)
            ctx, states = new_events(8)
            run(ctx, states, 100)
        else:
            run, tops = NET_VARIANTS[variant][0]()
            run(new_net(1000), 2)
        seconds = time.perf_counter() - t0
    hits = sum(sum(_stats(d)[0].values()) for d in tops)
    misses = sum(sum(_stats(d)[1].values()) for d in tops)
    seen = {}
    for w in caught:
        text = f"{w.category.__name__}: {' '.join(str(w.message).split())[:160]}"
        seen[text] = seen.get(text, 0) + 1
    return {"seconds": seconds, "cache_hits": hits, "cache_misses": misses,
            "warnings": [f"{t} (x{n})" if n > 1 else t for t, n in seen.items()]}


def _stats(d):
    """(hits, misses) counters of a dispatcher or cfunc (a cfunc counts hits only)."""
    if isinstance(d, CFunc):
        return {"cfunc": d.cache_hits}, {"cfunc": 0 if d.cache_hits else 1}
    s = d.stats
    return s.cache_hits, s.cache_misses


def compile_and_cache(part: str, variant: str) -> dict:
    """Cold (empty cache) and warm (that cache) builds of ``variant``, each in a fresh process."""
    cache = Path(_TMP) / f"numba-{part}-{variant}"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), DISPATCH_BENCH_TMP=_TMP)
    cmd = [sys.executable, str(HERE / "dispatch_generation.py"), "--worker", f"{part}:{variant}"]
    out = {}
    for phase in ("cold", "warm"):
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            out[phase] = {"error": r.stderr.strip().splitlines()[-1:]}
            continue
        out[phase] = json.loads(r.stdout.strip().splitlines()[-1])
        out[phase]["cache_files"] = len(list(cache.rglob("*.nbc")))
    warm = out.get("warm", {})
    out["cached"] = ("error" not in warm and warm.get("cache_misses", 1) == 0
                     and warm.get("cache_hits", 0) > 0)
    return out


def timed_runs(builders: dict, make_input, run_input, repeats: int, label: str, log) -> dict:
    """{variant: {"times": [...], "check": ...}}: every repeat runs every variant once, in a
    rotating order, after one warm-up (compiling) call each."""
    built, out = {}, {}
    for name, build in builders.items():
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                built[name] = build()
                run_input(built[name][0], make_input(small=True))
            out[name] = {"times": [], "in_process_compile_s": time.perf_counter() - t0}
        except Exception as e:                                   # noqa: BLE001
            out[name] = {"error": f"{type(e).__name__}: {' '.join(str(e).split())[:300]}"}
            built.pop(name, None)
    names = list(built)
    for r in range(repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            data = make_input(small=False)
            t0 = time.perf_counter()
            result = run_input(built[name][0], data)
            out[name]["times"].append(time.perf_counter() - t0)
            out[name]["check"] = result
        log(f"{label}: repeat {r + 1}/{repeats}")
    return {"results": out, "built": built}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def measure(a) -> dict:
    log = (lambda m: None) if a.json else (lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    # the compile processes record Numba's warnings; here they would only repeat them
    warnings.filterwarnings("ignore", category=numba.NumbaExperimentalFeatureWarning)
    load_start = os.getloadavg()
    record = {"machine": _cpu_name(), "cpus": os.cpu_count(),
              "python": platform.python_version(), "numba": numba.__version__,
              "events": a.events, "neurons": a.neurons, "steps": a.steps, "repeats": a.repeats,
              "load_before": load_start, "events_table": {}, "net_table": {}, "compile": {}}
    # cold and warm compiles, one fresh process each
    for part, variants in (("events", EVENT_VARIANTS), ("net", NET_VARIANTS)):
        for v in variants:
            log(f"compile and cache, {part} {v}: cold and warm processes")
            record["compile"][f"{part}:{v}"] = compile_and_cache(part, v)
    # event loop, 3 and 8 kinds
    for n_kinds in (3, 8):
        builders = {v: (lambda f=f, n=n_kinds: f(n)) for v, (f, _) in EVENT_VARIANTS.items()}

        def make_input(small, n=n_kinds):
            return new_events(n), (100 if small else a.events)

        def run_input(run, data):
            (ctx, states), m = data
            done = run(ctx, states, m)
            return events_check(ctx, states, done)
        res = timed_runs(builders, make_input, run_input, a.repeats, f"events, {n_kinds} kinds",
                         log)["results"]
        for v, r in res.items():
            if "times" in r:
                r["median_s"] = statistics.median(r["times"])
                r["ns_per_event"] = r["median_s"] / a.events * 1e9
        record["events_table"][n_kinds] = res
    # neuron update
    builders = {v: f for v, (f, _) in NET_VARIANTS.items()}

    def make_net(small):
        return new_net(1000 if small else a.neurons), (2 if small else a.steps)

    def run_net(run, data):
        net, k = data
        return net_check(net, run(net, k))
    timed = timed_runs(builders, make_net, run_net, a.repeats, "neuron update", log)
    for v, r in timed["results"].items():
        if "times" in r:
            r["median_s"] = statistics.median(r["times"])
            r["ns_per_neuron_step"] = r["median_s"] / (a.neurons * a.steps) * 1e9
            r["vector_ops"] = vector_ops(timed["built"][v][1])
    record["net_table"] = timed["results"]
    record["load_after"] = os.getloadavg()
    _check_equal(record)
    return record


def _check_equal(record):
    """Every variant that ran must give the generated variant's results."""
    tables = [record["events_table"][3], record["events_table"][8], record["net_table"]]
    record["results_identical"] = all(
        r.get("check") == t["generated"].get("check") for t in tables for r in t.values()
        if "check" in r)


def _fmt_ratio(x, ref):
    return f"{x / ref:.2f}x" if x and ref else "-"


def format_tables(r: dict) -> str:
    comp = r["compile"]

    def cache_cells(part, v):
        c = comp.get(f"{part}:{v}", {})
        cold, warm = c.get("cold", {}), c.get("warm", {})
        if "error" in cold:
            return "failed | - | -"
        state = "yes" if c.get("cached") else \
            f"no ({warm.get('cache_misses', '?')} miss, {warm.get('cache_files', '?')} files)"
        return f"{cold.get('seconds', 0):.2f} | {warm.get('seconds', 0):.2f} | {state}"

    ev3, ev8 = r["events_table"][3], r["events_table"][8]
    lines = [
        f"{r['machine']}, {r['cpus']} cores, Python {r['python']}, Numba {r['numba']}; medians of "
        f"{r['repeats']} interleaved runs after a warm-up call each; load average "
        f"{r['load_before'][0]:.2f} before, {r['load_after'][0]:.2f} after. Results identical "
        f"across variants: {'yes' if r['results_identical'] else 'NO'}. \"vs generated\": time "
        "over the generated variant's (above 1: slower). Cold compile: a fresh "
        "process with an empty cache, build and first call on a tiny input (8 kinds; the 3-model "
        "net), Numba already initialised; warm: the same in a second fresh process on that cache; "
        "\"cached\": the warm process hit the on-disk cache for every top-level function (else: "
        "its misses, and the cache files left after it).",
        "",
        f"### Event loop: {r['events']:,} events, FIFO ring of {PENDING} pending, PHOLD-like "
        "handlers", "",
        "| variant | 3 kinds (ns/event) | vs generated | 8 kinds (ns/event) | vs generated | "
        "cold compile (s) | warm load (s) | cached across processes |",
        "|---|---:|---:|---:|---:|---:|---:|---|"]
    g3, g8 = ev3["generated"].get("ns_per_event"), ev8["generated"].get("ns_per_event")
    for v, (_, desc) in EVENT_VARIANTS.items():
        a3, a8 = ev3[v].get("ns_per_event"), ev8[v].get("ns_per_event")
        if a3 is None or a8 is None:
            err = ev3[v].get("error") or ev8[v].get("error")
            lines.append(f"| `{v}`: {desc} | fails: {err[:120]} | | | | {cache_cells('events', v)} |")
            continue
        lines.append(f"| `{v}`: {desc} | {a3:.2f} | {_fmt_ratio(a3, g3)} | {a8:.2f} | "
                     f"{_fmt_ratio(a8, g8)} | {cache_cells('events', v)} |")
    net = r["net_table"]
    gn = net["generated"].get("ns_per_neuron_step")
    lines += ["", f"### Neuron update: {r['neurons']:,} neurons x {r['steps']} steps, 3 models, "
              f"4 populations", "",
              "| variant | ns / neuron-step | vs generated | vectorised (vector ops in IR) | "
              "cold compile (s) | warm load (s) | cached across processes |",
              "|---|---:|---:|---|---:|---:|---|"]
    for v, (_, desc) in NET_VARIANTS.items():
        x = net[v].get("ns_per_neuron_step")
        if x is None:
            lines.append(f"| `{v}`: {desc} | fails: {net[v].get('error', '')[:120]} | | | "
                         f"{cache_cells('net', v)} |")
            continue
        vec = net[v]["vector_ops"]
        lines.append(f"| `{v}`: {desc} | {x:.2f} | {_fmt_ratio(x, gn)} | "
                     f"{'yes' if vec else 'no'} ({vec}) | {cache_cells('net', v)} |")
    notes = []
    for key, c in comp.items():
        for phase in ("cold", "warm"):
            p = c.get(phase, {})
            if "error" in p:
                notes.append(f"- `{key}` {phase}: error {p['error']}")
            for w in p.get("warnings", []):
                notes.append(f"- `{key}` {phase}: {w}")
    if notes:
        lines += ["", "Warnings and errors of the compile processes:", ""] + notes
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--neurons", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--write-results", action="store_true",
                    help="write the tables to benchmarks/RESULTS.md")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        part, variant = a.worker.split(":")
        print(json.dumps(worker(part, variant)))
        return
    try:
        record = measure(a)
    finally:
        if not a.keep:
            shutil.rmtree(_TMP, ignore_errors=True)
    if a.json:
        print(json.dumps(record, indent=2, default=str))
        return
    text = ("## Dispatch without generated source "
            "(`python benchmarks/dispatch_generation.py --write-results`)\n\n"
            + format_tables(record))
    print(text)
    if a.write_results:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from results_file import write_section
        write_section("dispatch_generation", text)


if __name__ == "__main__":
    # Run as the importable module, so that generated code and the Handlers type can import
    # the handlers by name (as eventsim requires of its handlers).
    sys.path.insert(0, str(HERE))
    importlib.import_module(MODULE).main()
