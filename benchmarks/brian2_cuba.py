"""The CUBA network in Brian2 (its documented ``CUBA`` example: Vogels & Abbott 2005 as in
Brette et al. 2007), run in Brian2's own environment by ``benchmarks/cuba.py``; prints JSON.

    <brian2 venv>/bin/python benchmarks/brian2_cuba.py --neurons 4000 --seed 1 --repeats 3
    <brian2 venv>/bin/python benchmarks/brian2_cuba.py --device cpp_standalone ...

``--device runtime`` (the default): Brian2's runtime mode (Cython code generation); a run's
time is building the network (its synapses drawn) plus ``Network.run``. ``--device
cpp_standalone``: Brian2 writes, compiles and runs a C++ program (one thread, no OpenMP); the
first run compiles it, and each timed run executes the compiled program again
(``device.run``): drawing the synapses, initialising and simulating, all in C++. ``--serve``
keeps the compiled program and runs it again for each line on stdin (``benchmarks/cuba.py``
interleaves its own runs with these).
"""
import argparse
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np
from brian2 import SpikeMonitor, defaultclock, ms, prefs, second

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scenarios" / "validation"
                       / "peer_scripts"))
from brian2_cuba import build as peer_build  # noqa: E402  (the peer script: one CUBA in Brian2)


def build(n, p, rng_seed):
    """The CUBA example without delays, as the validation peer script draws it (one place)."""
    gc.collect()          # old objects alive would rename the new ones and force recompiles
    net, P, Ce, Ci, _, _ = peer_build(n, p, rng_seed, delay_ms=0.0, refractory_ms=5.0)
    mon = SpikeMonitor(P)
    net.add(mon)
    return net, mon, Ce, Ci


def one_run(n, p, rng_seed, duration_s):
    t0 = time.perf_counter()
    net, mon, Ce, Ci = build(n, p, rng_seed)
    t1 = time.perf_counter()
    net.run(duration_s * second)
    t2 = time.perf_counter()
    out_degree = np.bincount(np.concatenate([np.asarray(Ce.i[:]), np.asarray(Ci.i[:])]),
                             minlength=n)
    spikes_i = np.asarray(mon.i[:])
    return {"synapses": int(len(Ce) + len(Ci)), "spikes": int(spikes_i.size),
            "rate_hz": spikes_i.size / n / duration_s,
            "synaptic_events": int(out_degree[spikes_i].sum()),
            "build_s": t1 - t0, "run_s": t2 - t1}


def standalone_program(n, p, rng_seed, duration_s):
    """Build and compile the network once in C++ standalone mode; returns (a function that
    executes the program once and returns its run's record, compile seconds)."""
    import tempfile
    from brian2 import device, set_device
    directory = tempfile.mkdtemp(prefix="brian2_cuba_standalone_")
    set_device("cpp_standalone", directory=directory, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0
    defaultclock.dt = 0.1 * ms
    t0 = time.perf_counter()
    net, mon, Ce, Ci = build(n, p, rng_seed)
    net.run(duration_s * second)
    device.build(directory=directory, compile=True, run=False)
    compile_s = time.perf_counter() - t0

    def run_once():
        t1 = time.perf_counter()
        device.run(directory=directory, with_output=False, run_args=[])
        run_s = time.perf_counter() - t1
        out_degree = np.bincount(np.concatenate([np.asarray(Ce.i[:]), np.asarray(Ci.i[:])]),
                                 minlength=n)
        spikes_i = np.asarray(mon.i[:])
        return {"synapses": int(len(Ce) + len(Ci)), "spikes": int(spikes_i.size),
                "rate_hz": spikes_i.size / n / duration_s,
                "synaptic_events": int(out_degree[spikes_i].sum()),
                "build_s": 0.0, "run_s": run_s}
    return run_once, compile_s


def standalone_runs(n, p, rng_seed, duration_s, repeats):
    """Build and compile the network once in C++ standalone mode, then time ``repeats`` + 1
    executions of the program (the first one right after compiling)."""
    run_once, compile_s = standalone_program(n, p, rng_seed, duration_s)
    runs = [run_once() for _ in range(repeats + 1)]
    runs[0]["build_s"] = compile_s
    return runs


def serve(n, p, rng_seed, duration_s):
    """Compile the standalone program, print a JSON line (version, compile seconds, the first
    run), then run it once more for each line read from stdin, printing that run's JSON line:
    so that ``benchmarks/cuba.py`` can interleave its own runs with Brian2's."""
    import brian2
    run_once, compile_s = standalone_program(n, p, rng_seed, duration_s)
    first = run_once()
    first["build_s"] = compile_s
    print(json.dumps({"brian2_version": brian2.__version__, "target": "cpp_standalone, 1 thread",
                      "first_run": first}), flush=True)
    for _ in sys.stdin:
        print(json.dumps(run_once()), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", choices=("runtime", "cpp_standalone"), default="runtime")
    ap.add_argument("--neurons", type=int, default=4000)
    ap.add_argument("--p", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration-s", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--serve", action="store_true",
                    help="cpp_standalone: run the compiled program once per line on stdin")
    a = ap.parse_args()
    defaultclock.dt = 0.1 * ms
    if a.serve:
        serve(a.neurons, a.p, a.seed, a.duration_s)
        return
    if a.device == "cpp_standalone":
        runs = standalone_runs(a.neurons, a.p, a.seed, a.duration_s, a.repeats)
        target = "cpp_standalone, 1 thread"
    else:
        runs = [one_run(a.neurons, a.p, a.seed + r, a.duration_s) for r in range(a.repeats + 1)]
        target = prefs.codegen.target
    import brian2
    print(json.dumps({"brian2_version": brian2.__version__, "target": target,
                      "first_run": runs[0], "runs": runs[1:]}))


if __name__ == "__main__":
    main()
