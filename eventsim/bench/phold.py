"""PHOLD (Fujimoto 1990): the standard synthetic benchmark of discrete-event simulators.

N logical processes (LPs) start with M events each. Handling an event at LP i schedules one new
event at now + lookahead + Exp(mean), for a uniformly random LP with probability ``p_remote``,
else for LP i itself; so the number of pending events stays N x M. Time unit: 1 PHOLD time unit
= 1 microsecond of simulated time (lookahead 0.1 -> 100,000 ps).

Three implementations run the same model: eventsim's compiled kernel (through its public API:
``Kernel.add_kind``, ``schedule``, ``run_until``), SimPy in its fastest style (raw ``Timeout``
events with a callback) and SimPy in its idiomatic style (one process per LP, messages through
a ``Store``, delivery by a process per message).
"""
from __future__ import annotations

import math
import platform
import random
import time
from collections import namedtuple
from dataclasses import asdict, dataclass

import numpy as np
from ..jit import kernel_jit

from ..context import schedule_in
from ..kernel import Kernel
from ..rng import rng_below, rng_exponential, rng_uniform
from ..simtime import PS_PER_US

PholdState = namedtuple("PholdState", ["handled", "params", "kind_id"])
PholdState.__doc__ = """handled[lp] events per LP; params = (lookahead_ps, mean_ps, p_remote);
kind_id[0] = the PHOLD event kind."""


@kernel_jit
def phold_event(t_ps, target, payload, state, ctx):
    """Handle one PHOLD event at LP ``target``: count it and send the next one."""
    state.handled[target] += 1
    lookahead_ps = np.int64(state.params[0])
    delay_ps = lookahead_ps + np.int64(rng_exponential(ctx.rng, state.params[1]))
    n_lp = state.handled.shape[0]
    dest = target
    if rng_uniform(ctx.rng) < state.params[2]:
        dest = rng_below(ctx.rng, n_lp)
    schedule_in(ctx, delay_ps, state.kind_id[0], dest, payload)


@dataclass(frozen=True)
class PholdPoint:
    """One PHOLD configuration. Times in PHOLD units (1 unit = 1 us of simulated time)."""
    n_lp: int = 1024
    events_per_lp: int = 16
    lookahead: float = 0.1
    mean: float = 1.0
    p_remote: float = 0.5
    target_events: int = 1_500_000

    @property
    def pending(self) -> int:
        return self.n_lp * self.events_per_lp

    @property
    def end_ps(self) -> int:
        """Simulated time giving about ``target_events`` handled events."""
        units = self.target_events * (self.lookahead + self.mean) / self.pending
        return int(units * PS_PER_US)

    def check(self) -> None:
        for name in ("n_lp", "events_per_lp", "target_events"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"phold.{name} must be an int >= 1, got {v!r}")
        if not (self.lookahead >= 0 and self.mean > 0 and 0 <= self.p_remote <= 1):
            raise ValueError(f"phold needs lookahead >= 0, mean > 0, 0 <= p_remote <= 1, got "
                             f"{self.lookahead}, {self.mean}, {self.p_remote}")


STANDARD = PholdPoint()
POINTS = {
    1_000: PholdPoint(n_lp=100, events_per_lp=10, target_events=1_500_000),
    16_384: STANDARD,
    100_000: PholdPoint(n_lp=10_000, events_per_lp=10, target_events=3_000_000),
    1_000_000: PholdPoint(n_lp=100_000, events_per_lp=10, target_events=6_000_000),
}


def build_kernel(p: PholdPoint, seed: int = 1, **kernel_options) -> Kernel:
    """A kernel loaded with PHOLD's LPs and initial events (not yet run)."""
    p.check()
    k = Kernel(seed=seed, queue_capacity=p.pending + 16, **kernel_options)
    state = PholdState(np.zeros(p.n_lp, np.int64),
                       np.array([p.lookahead * PS_PER_US, p.mean * PS_PER_US, p.p_remote]),
                       np.zeros(1, np.int64))
    kind = k.add_kind("phold", phold_event, state, max_pushes=1)
    state.kind_id[0] = kind
    init = random.Random(seed)
    for lp in range(p.n_lp):
        for _ in range(p.events_per_lp):
            t = int((p.lookahead + init.expovariate(1.0 / p.mean)) * PS_PER_US)
            k.schedule(t, kind, target=lp)
    return k


def run_eventsim(p: PholdPoint, seed: int = 1) -> dict:
    """Run PHOLD on eventsim; events/s counts the run only (set-up and compile apart)."""
    k = build_kernel(p, seed)
    compile_s = k.compile()
    t0 = time.perf_counter()
    k.run_until(p.end_ps)
    wall = time.perf_counter() - t0
    return {"events": k.events_processed, "wall_s": wall, "compile_s": compile_s,
            "events_per_s": k.events_processed / wall}


def run_simpy_callback(p: PholdPoint, seed: int = 1) -> dict:
    """PHOLD on SimPy, fastest style: each event is a raw Timeout with one callback."""
    import simpy
    env = simpy.Environment()
    rnd = random.Random(seed)
    look, mean_ps, p_remote, n_lp = int(p.lookahead * PS_PER_US), p.mean * PS_PER_US, p.p_remote, p.n_lp
    count = [0]
    Timeout = simpy.Timeout

    def handle(ev):
        count[0] += 1
        lp = ev.value
        if rnd.random() < p_remote:
            lp = rnd.randrange(n_lp)
        Timeout(env, look + int(rnd.expovariate(1.0 / mean_ps)), lp).callbacks.append(handle)

    for lp in range(n_lp):
        for _ in range(p.events_per_lp):
            t = int((p.lookahead + rnd.expovariate(1.0 / p.mean)) * PS_PER_US)
            Timeout(env, t, lp).callbacks.append(handle)
    t0 = time.perf_counter()
    env.run(until=p.end_ps)
    wall = time.perf_counter() - t0
    return {"events": count[0], "wall_s": wall, "events_per_s": count[0] / wall}


def run_simpy_process(p: PholdPoint, seed: int = 1) -> dict:
    """PHOLD on SimPy, idiomatic style: a process per LP reading its Store; each message is
    delivered by a process that waits for the delay and puts it into the target's Store."""
    import simpy
    env = simpy.Environment()
    rnd = random.Random(seed)
    look, mean_ps, p_remote, n_lp = int(p.lookahead * PS_PER_US), p.mean * PS_PER_US, p.p_remote, p.n_lp
    stores = [simpy.Store(env) for _ in range(n_lp)]
    count = [0]

    def deliver(delay_ps, dest):
        yield env.timeout(delay_ps)
        yield stores[dest].put(dest)

    def lp_process(i):
        while True:
            yield stores[i].get()
            count[0] += 1
            dest = rnd.randrange(n_lp) if rnd.random() < p_remote else i
            env.process(deliver(look + int(rnd.expovariate(1.0 / mean_ps)), dest))

    for i in range(n_lp):
        env.process(lp_process(i))
        for _ in range(p.events_per_lp):
            t = int((p.lookahead + rnd.expovariate(1.0 / p.mean)) * PS_PER_US)
            env.process(deliver(t, i))
    t0 = time.perf_counter()
    env.run(until=p.end_ps)
    wall = time.perf_counter() - t0
    return {"events": count[0], "wall_s": wall, "events_per_s": count[0] / wall}


def _scaled(p: PholdPoint, events: int) -> PholdPoint:
    return PholdPoint(p.n_lp, p.events_per_lp, p.lookahead, p.mean, p.p_remote, events)


def measure_point(p: PholdPoint, repeats: int = 5, simpy_budget_s: float = 60.0,
                  seed: int = 1, progress=None) -> dict:
    """Medians over ``repeats`` runs of eventsim and both SimPy styles at one point. A SimPy
    style whose single run is estimated to take longer than ``simpy_budget_s`` is reported as
    null (with the estimate in ``<style>_note``)."""
    res = {"pending": p.pending, "n_lp": p.n_lp, "events_per_lp": p.events_per_lp,
           "end_ps": p.end_ps}
    es = [run_eventsim(p, seed + r) for r in range(repeats)]
    if progress:
        progress(f"eventsim {p.pending} pending done")
    res["events"] = int(np.median([r["events"] for r in es]))
    res["eventsim_events_per_s"] = float(np.median([r["events_per_s"] for r in es]))
    res["compile_s"] = float(np.median([r["compile_s"] for r in es]))
    for name, fn in (("simpy_callback", run_simpy_callback), ("simpy_process", run_simpy_process)):
        # probe with a short run to estimate the cost of the full measurement
        probe = fn(_scaled(p, max(20_000, p.pending // 10)), seed)
        est = p.target_events / probe["events_per_s"]
        if est > simpy_budget_s:
            res[f"{name}_events_per_s"] = None
            res[f"{name}_note"] = f"skipped: a run would take about {est:.0f} s > " \
                                  f"{simpy_budget_s:.0f} s (probe: {probe['events_per_s']:.0f} events/s)"
        else:
            runs = [fn(p, seed + r) for r in range(repeats)]
            res[f"{name}_events_per_s"] = float(np.median([r["events_per_s"] for r in runs]))
        if progress:
            progress(f"{name} {p.pending} pending done")
    for name in ("simpy_callback", "simpy_process"):
        v = res[f"{name}_events_per_s"]
        res[f"speedup_vs_{name}"] = res["eventsim_events_per_s"] / v if v else None
    return res


def machine_info() -> dict:
    import numba
    import simpy
    import os
    return {"python": platform.python_version(), "numba": numba.__version__,
            "numpy": np.__version__, "simpy": simpy.__version__,
            "machine": platform.machine(), "processor": platform.processor() or "unknown",
            "cpus": os.cpu_count(), "system": platform.system()}


def format_table(results: list[dict]) -> str:
    """A Markdown table of measured points."""
    def f(v, fmt):
        return "n/a" if v is None else format(v, fmt)
    lines = ["| pending | events | eventsim events/s | SimPy callback events/s | SimPy process events/s "
             "| × callback | × process | compile s |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['pending']:,} | {r['events']:,} | {r['eventsim_events_per_s']:,.0f} | "
                     f"{f(r['simpy_callback_events_per_s'], ',.0f')} | "
                     f"{f(r['simpy_process_events_per_s'], ',.0f')} | "
                     f"{f(r['speedup_vs_simpy_callback'], '.1f')} | "
                     f"{f(r['speedup_vs_simpy_process'], '.1f')} | {r['compile_s']:.2f} |")
    return "\n".join(lines)


def json_rows(results: list[dict]) -> list[dict]:
    """The per-point keys promised by ``--json``."""
    keys = ("pending", "events", "eventsim_events_per_s", "simpy_callback_events_per_s",
            "simpy_process_events_per_s", "compile_s")
    return [{k: r[k] for k in keys} for r in results]


__all__ = ["PholdPoint", "POINTS", "STANDARD", "build_kernel", "run_eventsim",
           "run_simpy_callback", "run_simpy_process", "measure_point", "format_table",
           "json_rows", "machine_info", "asdict", "math"]
