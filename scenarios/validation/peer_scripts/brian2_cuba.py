"""Brian2's CUBA example (Vogels & Abbott 2005 as in Brette et al. 2007; Brian2's
``examples/CUBA.py``: method "exact", dt 0.1 ms) with synaptic delays, drawn, run and exported.
Runs in the brian2 peer environment (numpy code generation target: bit-reproducible).

    python brian2_cuba.py --n 4000 --seed 1 --duration-s 1 --delay-ms 0.1 --out run.npz

Writes ``--out`` (npz): pre, post (one entry per synapse), weight_v (the jump of ge or gi in V),
delay_s, v0_v (initial v, V), spike_step (the step k in which v crossed; Brian2 records t_k),
spike_i; prints one JSON line (version, sizes, wall time).
"""
import argparse
import json
import time

import numpy as np
import brian2
from brian2 import (NeuronGroup, Network, SpikeMonitor, Synapses, defaultclock, mV, ms, prefs,
                    second, seed, start_scope)

DT_MS = 0.1


def build(n, p, rng_seed, delay_ms, refractory_ms):
    start_scope()
    seed(rng_seed)
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr", refractory=refractory_ms * ms,
                    method="exact",
                    namespace=dict(taum=taum, taue=taue, taui=taui, Vt=Vt, Vr=Vr, El=El))
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * mV
    P.gi = 0 * mV
    n_exc = int(0.8 * n)
    we, wi = (60 * 0.27 / 10) * mV, (-20 * 4.5 / 10) * mV
    Ce = Synapses(P, P, on_pre="ge += we", delay=delay_ms * ms, namespace=dict(we=we))
    Ci = Synapses(P, P, on_pre="gi += wi", delay=delay_ms * ms, namespace=dict(wi=wi))
    Ce.connect(f"i<{n_exc}", p=p)
    Ci.connect(f"i>={n_exc}", p=p)
    return Network(P, Ce, Ci), P, Ce, Ci, float(we), float(wi)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--p", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration-s", type=float, default=1.0)
    ap.add_argument("--delay-ms", type=float, default=0.1)
    ap.add_argument("--refractory-ms", type=float, default=5.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    prefs.codegen.target = "numpy"
    defaultclock.dt = DT_MS * ms
    net, P, Ce, Ci, we, wi = build(a.n, a.p, a.seed, a.delay_ms, a.refractory_ms)
    mon = SpikeMonitor(P)
    net.add(mon)
    v0 = np.asarray(P.v_[:]).copy()
    t0 = time.perf_counter()
    net.run(a.duration_s * second)
    run_s = time.perf_counter() - t0
    pre = np.concatenate([np.asarray(Ce.i[:]), np.asarray(Ci.i[:])]).astype(np.int32)
    post = np.concatenate([np.asarray(Ce.j[:]), np.asarray(Ci.j[:])]).astype(np.int32)
    np.savez_compressed(
        a.out, pre=pre, post=post,
        weight_v=np.concatenate([np.full(len(Ce), we), np.full(len(Ci), wi)]),
        delay_s=np.concatenate([np.broadcast_to(np.asarray(S.delay_[:], float), (len(S),))
                                for S in (Ce, Ci)]),
        v0_v=v0, spike_step=np.rint(np.asarray(mon.t_[:]) / (DT_MS * 1e-3)).astype(np.int64),
        spike_i=np.asarray(mon.i[:]).astype(np.int64))
    print(json.dumps({"version": brian2.__version__, "n": a.n, "seed": a.seed,
                      "synapses": int(pre.size), "spikes": int(len(mon.t_[:])),
                      "run_s": run_s}))


if __name__ == "__main__":
    main()
