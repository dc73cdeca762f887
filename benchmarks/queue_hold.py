"""The hold model (what PHOLD does to a queue): pop the first event, push one at
t + 0.1 + Exp(1) units (1 unit = 1e12 ps here), to the same or a random target; eventsim's event
queue against a plain binary heap over the same records, in one process.

    python benchmarks/queue_hold.py [--repeats 3] [--ops 3000000] [--write-results]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from eventsim.event_queue import new_queue, queue_pop, queue_push
from eventsim.jit import kernel_jit
from eventsim.rng import rng_below, rng_exponential, rng_uniform, seed_state

from binary_heap import heap_pop, heap_push, new_heap
from results_file import write_section

SIZES = (1_000, 16_384, 100_000, 1_000_000)


@kernel_jit
def hold_queue(q, s, n_pending, n_ops):
    for i in range(n_pending):
        queue_push(q, np.int64(rng_exponential(s, 1e12)), 0, 0, i % 1024, 0)
    for _ in range(n_ops):
        t, priority, seq, kind, target, payload = queue_pop(q)
        if rng_uniform(s) >= 0.5:
            target = rng_below(s, 1024)
        queue_push(q, t + np.int64(1e11 + rng_exponential(s, 1e12)), 0, kind, target, payload)


@kernel_jit
def hold_heap(h, meta, s, n_pending, n_ops):
    for i in range(n_pending):
        heap_push(h, meta, np.int64(rng_exponential(s, 1e12)), 0, 0, i % 1024, 0)
    for _ in range(n_ops):
        t, kind, target, payload = heap_pop(h, meta)
        if rng_uniform(s) >= 0.5:
            target = rng_below(s, 1024)
        heap_push(h, meta, t + np.int64(1e11 + rng_exponential(s, 1e12)), 0, kind, target, payload)


def ops_per_s(run, n_pending, n_ops):
    """Hold operations per second, fill time subtracted."""
    t0 = time.perf_counter()
    run(n_pending, 0)
    fill = time.perf_counter() - t0
    t0 = time.perf_counter()
    run(n_pending, n_ops)
    return n_ops / (time.perf_counter() - t0 - fill)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ops", type=int, default=3_000_000)
    ap.add_argument("--write-results", action="store_true")
    args = ap.parse_args()
    runs = {"eventsim": lambda n, m: hold_queue(new_queue(n + 1), seed_state(1), n, m),
            "binary heap": lambda n, m: hold_heap(*new_heap(n + 1), seed_state(1), n, m)}
    for run in runs.values():
        run(10, 10)   # compile
    lines = ["| pending | eventsim queue (M ops/s) | binary heap (M ops/s) | ratio |",
             "|---:|---:|---:|---:|"]
    for n in SIZES:
        med = {name: statistics.median(ops_per_s(run, n, args.ops) for _ in range(args.repeats))
               for name, run in runs.items()}
        lines.append(f"| {n:,} | {med['eventsim'] / 1e6:.2f} | {med['binary heap'] / 1e6:.2f} | "
                     f"{med['eventsim'] / med['binary heap']:.2f} |")
        print(lines[-1], flush=True)
    table = "\n".join(lines)
    if args.write_results:
        write_section("queue_hold", "\n".join([
            "## Event queue: hold model (issue 2)", "",
            f"Measured {time.strftime('%Y-%m-%d')} with `python benchmarks/queue_hold.py "
            f"--repeats {args.repeats} --write-results`: {args.ops:,} operations (pop + push at "
            "t + 0.1 + Exp(1) units, random numbers included) per run, fill time subtracted, "
            f"median of {args.repeats}; the peer is a plain binary heap over the same 32-byte "
            "records, compiled the same way, in the same process.", "", table]))


if __name__ == "__main__":
    main()
