"""Mesh NoC against interconnection-network theory: zero-load latency and saturation throughput
of uniform random traffic on an 8x8 mesh with dimension-order routing.

Machine: ``hardware_models.traffic.MESH_8X8`` (1 ns per hop, 16-byte flits at 16 GB/s, so one
1-flit packet serialises in 1 ns). Every core injects Poisson traffic to uniformly random other
cores.

- Zero-load latency T0 = H t_hop + L / b (Dally & Towles 2004, Sec. 3.4), with H the mean hop
  count of uniform traffic between distinct nodes of a k x k mesh, 2 (k^2 - 1) / (3 k) x N / (N - 1)
  (N = k^2; the mean |x1 - x2| of two uniform coordinates is (k^2 - 1) / (3 k)); checked at a low
  load, where queueing adds little.
- Saturation: dimension-order routing of uniform traffic on a k x k mesh (k even) loads the
  bisection channels most, gamma = k / 4 x N / (N - 1) packets per unit of injection rate
  (Dally & Towles 2004, Sec. 3.3), so the ideal throughput is Theta = b / gamma packets per core
  per unit time. Below it (0.9 Theta) the network accepts all it is offered; above it
  (1.1 Theta) it cannot.
"""
from __future__ import annotations

from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.traffic import MESH_8X8, uniform_traffic_run

from ..check import BreakdownRow, CaseResult, Check

TITLE = "8x8 mesh NoC: zero-load latency and saturation throughput against theory"
GROUP = "theory"
SOURCE_T0 = "zero-load latency T0 = H t_hop + L/b (Dally & Towles 2004, Sec. 3.4)"
SOURCE_SAT = "ideal throughput b/gamma, gamma = k/4 (Dally & Towles 2004, Sec. 3.3)"
K = 8
HOP_NS, SERIALISE_NS = 1.0, 1.0      # MESH_8X8: 1 ns hops, 16 B at 16 GB/s
PACKET_BYTES = 16
LOW_LOAD = 0.02                      # packets per core per ns
WARMUP_NS, MEASURE_NS = 2_000, 5_000
SEED = 1


def mean_hops_uniform(k: int) -> float:
    """Mean hop count of uniform traffic between distinct nodes of a k x k mesh."""
    n = k * k
    return 2.0 * (k * k - 1) / (3.0 * k) * n / (n - 1)


def ideal_throughput(k: int, packets_per_ns_per_link: float) -> float:
    """Saturation injection rate (packets per core per ns) of uniform traffic on a k x k mesh
    (k even) under dimension-order routing: link bandwidth over the bisection channel load."""
    n = k * k
    return packets_per_ns_per_link / (k / 4.0 * n / (n - 1))


def run(ctx) -> CaseResult:
    ir = lower(machine_from_dict(MESH_8X8))
    result = CaseResult("mesh_noc", TITLE)
    t0_ns = mean_hops_uniform(K) * HOP_NS + SERIALISE_NS
    low = uniform_traffic_run(ir, LOW_LOAD, PACKET_BYTES, WARMUP_NS, MEASURE_NS, SEED)
    result.checks.append(Check(f"mean latency at {LOW_LOAD} packets/core/ns", "ns", t0_ns,
                               low["mean_latency_ns"], SOURCE_T0, rel_tol=0.02))
    theta = ideal_throughput(K, 1.0 / SERIALISE_NS)
    for factor, check in ((0.9, "accepted / offered below saturation"),
                          (1.1, "accepted / offered above saturation")):
        ctx.say(f"  mesh_noc: offered {factor:g} x ideal throughput ...")
        point = uniform_traffic_run(ir, factor * theta, PACKET_BYTES, WARMUP_NS, MEASURE_NS,
                                    SEED)
        ratio = point["accepted"] / point["offered"]
        if factor < 1:
            result.checks.append(Check(f"{check} (0.9 Theta)", "", 1.0, ratio, SOURCE_SAT,
                                       rel_tol=0.02))
        else:
            result.checks.append(Check(f"{check} (1.1 Theta): at most 0.98", "", 0.98, ratio,
                                       SOURCE_SAT, at_most=True))
        result.breakdown.append(BreakdownRow(
            f"offered {factor:g} Theta = {factor * theta:.3f} packets/core/ns: accepted", "",
            factor * theta if factor < 1 else theta, point["accepted"],
            f"mean latency {point['mean_latency_ns']:.3g} ns, "
            f"{point['in_flight_end']:,} packets in flight at the end"))
    result.breakdown.insert(0, BreakdownRow(
        "zero-load latency: hops x 1 ns + serialisation", "ns", t0_ns, low["mean_latency_ns"],
        f"mean hops {mean_hops_uniform(K):.4f}; the rest is queueing at {LOW_LOAD} load"))
    result.notes.append(f"Ideal throughput Theta = {theta:.4f} packets per core per ns; "
                        f"{MEASURE_NS:,} ns measured after {WARMUP_NS:,} ns warm-up, seed {SEED}.")
    return result
