"""Paired A/B timing of CUBA 4000 (1 s of network time) between two source trees.

    git worktree add /tmp/before <commit>
    python benchmarks/paired_ab.py /tmp/before . [--run analytic] [--rounds 16]

Each tree runs in a worker process of its own (``PYTHONPATH`` = the tree), which builds the
network, the SpiNNaker2 machine, its placement and mapping once, runs twice to warm up, and
then times one ``simulate`` call (the mapping reused) each time it is asked. The two workers
run in turn, A then B in even rounds and B then A in odd ones, and the result is the median
over rounds of the ratio B / A within a round: the machine's speed drifts by up to 2x over
seconds, and the two runs of a round see about the same machine. ``--run`` picks the
configuration: ``off`` (no machine), ``analytic`` or ``packets`` (the NoC). Wall seconds.

This is how the session A/B figures in the commit messages of issue 13 were taken; the
figures of ``benchmarks/RESULTS.md`` come from ``cuba.py``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = ("off", "analytic", "packets")


def worker(run: str) -> None:
    """Serve timed runs of ``run``: one line in on stdin, one time (s) out on stdout."""
    from eventsim.simulation import simulate
    from hardware_models.lowering import lower
    from hardware_models.mapping import map_network
    from hardware_models.placement import place
    from hardware_models.presets import preset
    from networks.builders.cuba import cuba

    w = cuba(4000, seed=1)
    options = {}
    if run != "off":
        ir = lower(preset("spinnaker2"))
        pl = place(w, ir, "balanced")
        options = dict(machine=ir, placement=pl, noc=run, mapping=map_network(w, ir, pl))
    once = lambda: simulate(w, 1e-4, 10000, **options)
    once()
    once()
    print("ready", flush=True)
    for _ in sys.stdin:
        t0 = time.perf_counter()
        once()
        print(time.perf_counter() - t0, flush=True)


def start(tree: Path, run: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(tree))
    p = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", run],
                         cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    if p.stdout.readline().strip() != "ready":
        raise SystemExit(f"the worker in {tree} did not start (see its messages above)")
    return p


def timed(p: subprocess.Popen) -> float:
    p.stdin.write("go\n")
    p.stdin.flush()
    return float(p.stdout.readline())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree_a", type=Path, nargs="?", help="source tree A (e.g. a git worktree)")
    ap.add_argument("tree_b", type=Path, nargs="?", help="source tree B")
    ap.add_argument("--run", choices=RUNS, default="analytic")
    ap.add_argument("--rounds", type=int, default=16)
    ap.add_argument("--worker", choices=RUNS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker)
    if args.tree_a is None or args.tree_b is None:
        ap.error("give two source trees")
    for tree in (args.tree_a, args.tree_b):
        if not (tree / "eventsim" / "__init__.py").is_file():
            ap.error(f"{tree} holds no eventsim package")
    if args.rounds < 2:
        ap.error("--rounds must be at least 2")
    workers = [start(t.resolve(), args.run) for t in (args.tree_a, args.tree_b)]
    times: list[list[float]] = [[], []]
    try:
        for r in range(args.rounds):
            for i in ((0, 1) if r % 2 == 0 else (1, 0)):
                times[i].append(timed(workers[i]))
    finally:
        for p in workers:
            p.stdin.close()
            p.wait()
    for name, tree, x in zip("AB", (args.tree_a, args.tree_b), times):
        print(f"{name} {tree}: min {min(x):.3f} s, median {statistics.median(x):.3f} s")
    ratios = [b / a for a, b in zip(*times)]
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    print(f"B / A, paired by round ({args.run}, {args.rounds} rounds): median "
          f"{statistics.median(ratios):.3f} (quartiles {q1:.3f}, {q3:.3f})")


if __name__ == "__main__":
    main()
