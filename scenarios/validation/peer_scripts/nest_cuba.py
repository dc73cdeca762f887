"""The CUBA network in NEST (iaf_psc_exp, resolution 0.1 ms): on the arrays of a network drawn
elsewhere (``--arrays`` npz: pre, post, weight_v, delay_s, v0_v), or drawn by NEST itself
(``--draw``: pairwise Bernoulli p, autapses allowed, as Brian2's ``connect(p=...)``). Runs in
the nest peer environment.

    python nest_cuba.py --arrays net.npz --duration-s 1 --out run.npz
    python nest_cuba.py --draw --n 4000 --seed 1 --duration-s 1 --out run.npz

Units: Brian2's dv/dt = (ge + gi - (v - El)) / taum with ge, gi in mV equals iaf_psc_exp's
dV/dt = -(V - E_L) / tau_m + I / C_m when I = ge C_m / tau_m, so a weight of w mV is
w C_m / tau_m pA; with C_m = 20 pF and tau_m = 20 ms the factor is exactly 1. NEST stamps a
spike at the end of the step in which V crossed: spike_step = t / h - 1. Writes ``--out`` (npz:
spike_step, spike_i) and prints one JSON line.
"""
import argparse
import json
import time

import numpy as np
import nest

TAU_M, TAU_E, TAU_I = 20.0, 5.0, 10.0          # ms
V_TH, V_RESET, E_L = -50.0, -60.0, -49.0       # mV
C_M = 20.0                                     # pF (so that pA per mV of weight is 1)
W_EXC_MV, W_INH_MV = 60 * 0.27 / 10, -20 * 4.5 / 10
H_MS = 0.1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arrays")
    ap.add_argument("--draw", action="store_true")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--p", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--delay-ms", type=float, default=0.1)
    ap.add_argument("--t-ref-ms", type=float, default=5.0)
    ap.add_argument("--duration-s", type=float, default=1.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if bool(a.arrays) == a.draw:
        raise SystemExit("give exactly one of --arrays FILE and --draw")
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.SetKernelStatus({"resolution": H_MS, "local_num_threads": 1, "rng_seed": a.seed})
    d = np.load(a.arrays) if a.arrays else None
    n = d["v0_v"].size if a.arrays else a.n
    pop = nest.Create("iaf_psc_exp", n, params={
        "C_m": C_M, "tau_m": TAU_M, "tau_syn_ex": TAU_E, "tau_syn_in": TAU_I,
        "t_ref": a.t_ref_ms, "E_L": E_L, "V_th": V_TH, "V_reset": V_RESET, "I_e": 0.0})
    pa_per_mv = C_M / TAU_M
    if a.arrays:
        pop.V_m = (d["v0_v"] * 1e3).tolist()
        nodes = np.asarray(pop.tolist())
        nest.Connect(nodes[d["pre"]], nodes[d["post"]], "one_to_one",
                     {"weight": d["weight_v"] * 1e3 * pa_per_mv, "delay": d["delay_s"] * 1e3})
    else:
        rng = np.random.default_rng(a.seed)
        pop.V_m = (V_RESET + rng.random(n) * (V_TH - V_RESET)).tolist()
        n_exc = int(0.8 * n)
        conn = {"rule": "pairwise_bernoulli", "p": a.p, "allow_autapses": True,
                "allow_multapses": False}
        nest.Connect(pop[:n_exc], pop, conn, {"weight": W_EXC_MV * pa_per_mv, "delay": a.delay_ms})
        nest.Connect(pop[n_exc:], pop, conn, {"weight": W_INH_MV * pa_per_mv, "delay": a.delay_ms})
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    t0 = time.perf_counter()
    nest.Simulate(a.duration_s * 1e3)
    run_s = time.perf_counter() - t0
    ev = rec.get("events")
    t_ms = np.asarray(ev["times"], float)
    idx = np.asarray(ev["senders"], np.int64) - pop[0].global_id
    np.savez_compressed(a.out, spike_step=np.rint(t_ms / H_MS).astype(np.int64) - 1,
                        spike_i=idx)
    print(json.dumps({"version": nest.__version__, "n": n, "seed": a.seed,
                      "synapses": int(nest.GetKernelStatus("num_connections")),
                      "spikes": int(t_ms.size), "run_s": run_s}))


if __name__ == "__main__":
    main()
