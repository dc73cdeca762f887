"""Synthetic NoC traffic: every core injects packets to uniformly random other cores as a
Poisson process (the classic latency-versus-load experiment)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from eventsim.jit import kernel_jit

from eventsim import rng_below, rng_exponential, schedule_in
from eventsim.noc_model import NocModel, noc_unicast

Traffic = namedtuple("Traffic", ["noc", "params", "kind_id"])
Traffic.__doc__ = """params = (mean gap between a core's packets in ps, packet bytes);
kind_id[0] = the injection kind."""


@kernel_jit
def inject(t_ps, core, payload, state, ctx):
    """Core ``core`` sends one packet to a random other core and schedules its next one."""
    n = state.noc.core_router.shape[0]
    dst = rng_below(ctx.rng, n - 1)
    if dst >= core:
        dst += 1
    noc_unicast(ctx, state.noc, t_ps, core, dst, np.int64(state.params[1]), 0)
    gap = np.int64(rng_exponential(ctx.rng, state.params[0]))
    schedule_in(ctx, gap, state.kind_id[0], core, 0)


@kernel_jit
def sink(t_ps, core, payload, state, ctx):
    """Delivered packets need no further work (the NoC model keeps the statistics)."""


def attach_uniform_traffic(kernel, noc: NocModel, rate_per_core_per_ns: float,
                           packet_bytes: int) -> int:
    """Register injection on every core of ``noc`` at the given rate; returns the kind id.
    Call before ``noc.attach``'s kernel is run; uses the kernel's random stream."""
    if rate_per_core_per_ns <= 0:
        raise ValueError(f"rate_per_core_per_ns must be > 0, got {rate_per_core_per_ns}")
    if noc.ir.n_cores < 2:
        raise ValueError("uniform traffic needs at least 2 cores")
    state = Traffic(noc.state, np.array([1_000.0 / rate_per_core_per_ns, float(packet_bytes)]),
                    np.zeros(1, np.int64))
    kid = kernel.add_kind("inject", inject, state, max_pushes=2)
    state.kind_id[0] = kid
    for core in range(noc.ir.n_cores):
        kernel.schedule(0, kid, target=core)
    return kid
