"""PHOLD benchmark: eventsim vs SimPy (callback and process styles) in one process, plus
eventsim's start-up time with a warm Numba cache.

    python benchmarks/phold.py                    # all points, medians of 5, print the table
    python benchmarks/phold.py --write-results    # ... and write benchmarks/RESULTS.md
    python benchmarks/phold.py --json             # per-point JSON (same as `eventsim bench phold --json`)
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from eventsim.bench import phold

from results_file import write_section

STARTUP_SNIPPET = """
import time; t0 = time.perf_counter()
from eventsim.bench.phold import PholdPoint, build_kernel
p = PholdPoint(n_lp=16, events_per_lp=4, target_events=1000)
k = build_kernel(p); k.run_until(p.end_ps)
print(time.perf_counter() - t0)
"""


def startup_seconds(repeats: int) -> tuple[float, float]:
    """Median (in-process seconds from `import eventsim` to a finished small run, whole process
    wall seconds including the interpreter) with a warm cache."""
    cmd = [sys.executable, "-c", STARTUP_SNIPPET]
    subprocess.run(cmd, check=True, capture_output=True)          # warm the cache
    inner, outer = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        outer.append(time.perf_counter() - t0)
        inner.append(float(out.strip()))
    return statistics.median(inner), statistics.median(outer)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--points", default="", help="comma-separated pending counts")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write-results", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.points.split(",")] if args.points else list(phold.POINTS)
    log = (lambda m: None) if args.json else (lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    results = [phold.measure_point(phold.POINTS[s], repeats=args.repeats, progress=log)
               for s in sizes]
    start_inner, start_outer = startup_seconds(args.repeats)
    if args.json:
        print(json.dumps(phold.json_rows(results), indent=2))
        return
    table = phold.format_table(results)
    print(table)
    print(f"\nstart-up with a warm cache: {start_inner:.2f} s in process "
          f"(import to finished run), {start_outer:.2f} s wall including the interpreter")
    if args.write_results:
        m = phold.machine_info()
        body = "\n".join([
            "## PHOLD (issue 2)", "",
            f"Measured {time.strftime('%Y-%m-%d')} with `python benchmarks/phold.py "
            f"--repeats {args.repeats} --write-results` (or `make bench`).",
            f"Machine: {m['cpus']} CPUs, {m['machine']}, {m['system']}; Python {m['python']}, "
            f"Numba {m['numba']}, NumPy {m['numpy']}, SimPy {m['simpy']}.", "",
            "Model: N LPs × M initial events; each event schedules one at now + 0.1 + Exp(1.0) "
            "time units (1 unit = 1 µs) to a random LP with p = 0.5, else to itself. "
            "Events/s count the run only (set-up and compilation apart); medians of "
            f"{args.repeats} runs; SimPy in the same process, its fastest style (raw Timeout + "
            "callback) and its idiomatic style (a process per LP, a Store, a process per message). "
            "'n/a': one SimPy run would take more than a minute (estimated from a short probe run).", "",
            table, "",
            f"Start-up with a warm Numba cache (import, build, load the cached kernel, run 1,000 "
            f"events): **{start_inner:.2f} s** in process, {start_outer:.2f} s for the whole "
            f"`python -c` process (median of {args.repeats}).",
        ])
        write_section("phold", body)
        print("wrote benchmarks/RESULTS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
