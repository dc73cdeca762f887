"""The CUBA network in Brian2 (its documented ``CUBA`` example: Vogels & Abbott 2005 as in
Brette et al. 2007), run in Brian2's own environment by ``benchmarks/cuba.py``; prints JSON.

    <brian2 venv>/bin/python benchmarks/brian2_cuba.py --neurons 4000 --seed 1 --repeats 3
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neurons", type=int, default=4000)
    ap.add_argument("--p", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration-s", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    defaultclock.dt = 0.1 * ms
    runs = [one_run(a.neurons, a.p, a.seed + r, a.duration_s) for r in range(a.repeats + 1)]
    import brian2
    print(json.dumps({"brian2_version": brian2.__version__, "target": prefs.codegen.target,
                      "first_run": runs[0], "runs": runs[1:]}))


if __name__ == "__main__":
    main()
