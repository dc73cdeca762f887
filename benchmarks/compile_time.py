"""Cold compile time: what a user waits for on a clean clone, and why states go by reference.

    python benchmarks/compile_time.py [--repeats 3] [--make-test] [--write-results]

Every figure comes from a fresh process with an empty kernel cache (``EVENTSIM_CACHE_DIR`` and
``NUMBA_CACHE_DIR`` set to a new temporary folder), medians of the repeats:

* **state passing**: two compiled functions (one calling the other twice) that take a named
  tuple of N arrays, passed by value (Numba flattens every array into the arguments of each
  function) or by reference (``eventsim.state_ref.by_reference``: one pointer), for N = 10 to
  160 (a network on a machine passes about 120 arrays and scalars, the kernel context about
  36);
* **network kernels**: the kernel compile of a one-step run (``Kernel.compile``'s seconds, once
  per kernel):
  CUBA alone, CUBA on SpiNNaker2 (analytic NoC) and the demo's EGRU on SpiNNaker2;
* **make demo**: the wall time of ``eventsim demo`` (the venv exists; target 60 s, issue 13);
* **make test** (with ``--make-test``): the wall time of ``python -m pytest -q -n 2`` as
  ``make test`` runs it (target 6 min, issue 13).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_file import write_section                       # noqa: E402

PASSING = '''
import time
from collections import namedtuple
import numpy as np
from numba import njit
from eventsim.jit import kernel_jit
from eventsim.state_ref import by_reference

State = namedtuple("State", [f"a{{i}}" for i in range({n})])


@kernel_jit
def leaf(state, i):
    state.a1[0] += i
    return state.a0[0]


@kernel_jit
def caller(state, i):
    total = 0
    for j in range(i):
        total += leaf(state, j) + leaf(state, j + 1)
    return total


state = State(*[np.zeros(3, np.int64) for _ in range({n})])
t0 = time.perf_counter()
arg = by_reference(state) if {by_reference} else state
t1 = time.perf_counter()
caller(arg, 3)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
'''

KERNELS = {
    "CUBA 200, alone": "simulate(cuba(200), 1e-4, 1)",
    "CUBA 200 on SpiNNaker2, analytic NoC":
        "w = cuba(200); ir = lower(preset('spinnaker2'));"
        "simulate(w, 1e-4, 1, machine=ir, placement=place(w, ir), noc='analytic')",
    "EGRU (demo's models) on SpiNNaker2, analytic NoC":
        "w = egru_stack(64, 16, [48, 48, 48], weight_sparsity=0.8).workload;"
        "ir = lower(preset('spinnaker2'));"
        "simulate(w, 1e-3, 1, machine=ir, placement=place(w, ir), noc='analytic')",
}

KERNEL_RUN = '''
from eventsim.simulation import simulate
from hardware_models.lowering import lower
from hardware_models.placement import place
from hardware_models.presets import preset
from networks.builders.cuba import cuba
from networks.builders.egru import egru_stack
import eventsim.kernel as kernel_module

seconds = {{}}
compile_ = kernel_module.Kernel.compile
def timed_compile(self, announce=None):
    s = compile_(self, announce)
    seconds[id(self)] = s          # once per kernel: a compiled kernel returns its time again
    return s
kernel_module.Kernel.compile = timed_compile
{run}
print(sum(seconds.values()))
'''


def fresh_env(cache: str) -> dict:
    """The environment of a process with an empty kernel cache in ``cache``."""
    return os.environ | {"EVENTSIM_CACHE_DIR": cache, "NUMBA_CACHE_DIR": cache}


def python_out(code: str, folder: str) -> list[float]:
    """Run ``code`` as a file in a fresh process (an empty cache); its last line as floats."""
    path = Path(folder) / "bench_module.py"
    path.write_text(textwrap.dedent(code))
    out = subprocess.run([sys.executable, str(path)], env=fresh_env(folder), cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.strip().splitlines()[-1].split()]


def cold(fn, repeats: int) -> list:
    """``fn(folder)`` ``repeats`` times, each with a new empty folder."""
    results = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            results.append(fn(folder))
    return results


def wall(cmd: list[str], folder: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=fresh_env(folder), cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--make-test", action="store_true", help="also time the test suite, cold")
    ap.add_argument("--write-results", action="store_true")
    a = ap.parse_args()
    log = lambda m: print(f"  {m}", file=sys.stderr, flush=True)
    record = {"passing": [], "kernels": {}, "repeats": a.repeats}
    for n in (10, 40, 80, 160):
        row = {"n": n}
        for by_ref in (False, True):
            log(f"state passing: {n} arrays by {'reference' if by_ref else 'value'}")
            runs = cold(lambda f: python_out(PASSING.format(n=n, by_reference=by_ref), f),
                        a.repeats)
            row["reference" if by_ref else "value"] = statistics.median(r[1] for r in runs)
            if by_ref:
                row["pack"] = statistics.median(r[0] for r in runs)
        record["passing"].append(row)
    for name, run in KERNELS.items():
        log(f"network kernels: {name}")
        runs = cold(lambda f: python_out(KERNEL_RUN.format(run=run), f), a.repeats)
        record["kernels"][name] = statistics.median(r[0] for r in runs)
    eventsim = str(Path(sys.executable).with_name("eventsim"))
    log("eventsim demo, cold")
    record["demo_s"] = statistics.median(
        cold(lambda f: wall([eventsim, "demo", "--out", str(Path(f) / "out")], f), a.repeats))
    if a.make_test:
        log("make test (pytest -q -n 2), cold")
        record["make_test_s"] = statistics.median(
            cold(lambda f: wall([sys.executable, "-m", "pytest", "-q", "-n", "2"], f), 1))
    table = format_table(record)
    print(table)
    if a.write_results:
        write_section("compile_time", "## Cold compile time (issue 13)\n\n" + table)
    print(json.dumps(record), file=sys.stderr)


def format_table(r: dict) -> str:
    import numba
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} with `python benchmarks/compile_time.py "
        f"--repeats {r['repeats']}{' --make-test' if 'make_test_s' in r else ''} "
        f"--write-results`; every figure from a fresh process with an empty kernel cache, "
        f"medians of {r['repeats']}. Machine: {os.cpu_count()} CPUs, {platform.machine()}; "
        f"Python {platform.python_version()}, Numba {numba.__version__}.",
        "",
        "State passing: two compiled functions (one calls the other twice) taking a named "
        "tuple of N arrays; compile time of the first call (s).",
        "",
        "| arrays | by value | by reference | ratio | making the reference (s) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in r["passing"]:
        lines.append(f"| {row['n']} | {row['value']:.2f} | {row['reference']:.2f} | "
                     f"{row['value'] / row['reference']:.1f}x | {row['pack']:.2f} |")
    lines += ["", "Network kernels: compile time of a one-step run (`Kernel.compile`, s).", "",
              "| run | compile (s) |", "|---|---:|"]
    lines += [f"| {name} | {s:.1f} |" for name, s in r["kernels"].items()]
    lines += ["", "| command (cold cache, venv present) | wall (s) | target (s) |",
              "|---|---:|---:|",
              f"| `eventsim demo` (`make demo`) | {r['demo_s']:.1f} | 60 |"]
    if "make_test_s" in r:
        lines.append(f"| `pytest -q -n 2` (`make test`) | {r['make_test_s']:.0f} | 360 |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
