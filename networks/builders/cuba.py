"""The CUBA balanced network (Vogels & Abbott 2005, as benchmarked in Brette et al. 2007 and in
Brian2's ``CUBA`` example): 80 % excitatory, 20 % inhibitory current-based LIF neurons,
random connections with probability 2 %, no external input (the rest potential lies above
threshold). Parameters as in the Brian2 example (volts and seconds)."""
from __future__ import annotations

import numpy as np

from eventsim.workload_ir import WorkloadIR

from ..population import population
from ..projection import fixed_fanout, fixed_probability, from_pairs

TAU_MEM_S, TAU_EXC_S, TAU_INH_S = 20e-3, 5e-3, 10e-3
V_THRESHOLD, V_RESET, V_REST = -50e-3, -60e-3, -49e-3
REFRACTORY_S = 5e-3
DT_S = 1e-4                            # the example's time step
W_EXC = 60 * 0.27 / 10 * 1e-3          # 1.62 mV
W_INH = -20 * 4.5 / 10 * 1e-3          # -9 mV


def cuba(n_neurons: int = 4000, p_connect: float = 0.02, seed: int = 0,
         delay_ps: int = 0) -> WorkloadIR:
    """CUBA with ``n_neurons`` (first 80 % excitatory). Initial v uniform in [V_RESET, V_THRESHOLD)."""
    rng = np.random.default_rng(seed)
    n_exc = int(n_neurons * 0.8)
    sizes = {"exc": n_exc, "inh": n_neurons - n_exc}
    pops = [population(name, "cuba", n, tau_mem=TAU_MEM_S, tau_exc=TAU_EXC_S,
                       tau_inh=TAU_INH_S, v_rest=V_REST, v_threshold=V_THRESHOLD,
                       v_reset=V_RESET, refractory_s=REFRACTORY_S,
                       v=V_RESET + rng.random(n) * (V_THRESHOLD - V_RESET))
            for name, n in sizes.items()]
    projections = []
    for p, (pre, weight, port) in enumerate((("exc", W_EXC, 0), ("inh", W_INH, 1))):
        for q, post in enumerate(sizes):
            projections.append(fixed_probability(f"{pre}_{post}", p, q, sizes[pre], sizes[post],
                                                 p_connect, weight, rng, delay_ps, port))
    return WorkloadIR(pops, projections)


def cuba_fanout(n_neurons: int, fanout: int = 100, seed: int = 0) -> WorkloadIR:
    """CUBA at scale: as ``cuba``, but each neuron connects to ``fanout`` neurons drawn with
    replacement (``fixed_fanout``: 80 % of them excitatory, 20 % inhibitory), so building it
    takes time and memory linear in the synapses (``cuba``'s Bernoulli draw over every pair is
    quadratic in the neurons)."""
    rng = np.random.default_rng(seed)
    n_exc = int(n_neurons * 0.8)
    sizes = (n_exc, n_neurons - n_exc)
    pops = [population(name, "cuba", n, tau_mem=TAU_MEM_S, tau_exc=TAU_EXC_S,
                       tau_inh=TAU_INH_S, v_rest=V_REST, v_threshold=V_THRESHOLD,
                       v_reset=V_RESET, refractory_s=REFRACTORY_S,
                       v=V_RESET + rng.random(n) * (V_THRESHOLD - V_RESET))
            for name, n in zip(("exc", "inh"), sizes)]
    share = (fanout * 4 // 5, fanout - fanout * 4 // 5)
    projections = [fixed_fanout(f"{pre}_{post}", p, q, sizes[p], sizes[q], share[q], weight,
                                rng, port=p)
                   for p, (pre, weight) in enumerate((("exc", W_EXC), ("inh", W_INH)))
                   for q, post in enumerate(("exc", "inh"))]
    return WorkloadIR(pops, projections)


def cuba_from_arrays(pre, post, weight_v, delay_s, v0_v, n_exc: int,
                     refractory_s: float = REFRACTORY_S) -> WorkloadIR:
    """The CUBA network drawn elsewhere (e.g. by Brian2, exported as arrays): synapse s from
    neuron ``pre[s]`` to ``post[s]`` (0..n-1; the first ``n_exc`` neurons excitatory) with
    weight ``weight_v[s]`` (V: the jump of g_exc, or of g_inh when negative) and delay
    ``delay_s[s]`` (s, rounded to the ps); initial v ``v0_v`` (V, one per neuron). Neuron and
    synapse parameters as ``cuba``; inputs after the step, as Brian2 and NEST."""
    v0 = np.asarray(v0_v, float)
    pre, post = np.asarray(pre, np.int64), np.asarray(post, np.int64)
    w = np.asarray(weight_v, float)
    delay_ps = np.rint(np.broadcast_to(np.asarray(delay_s, float), pre.shape) * 1e12)
    n = v0.size
    sizes = {"exc": n_exc, "inh": n - n_exc}
    start = {"exc": 0, "inh": n_exc}
    pops = [population(name, "cuba", size, tau_mem=TAU_MEM_S, tau_exc=TAU_EXC_S,
                       tau_inh=TAU_INH_S, v_rest=V_REST, v_threshold=V_THRESHOLD,
                       v_reset=V_RESET, refractory_s=refractory_s, input_after_step=1.0,
                       v=v0[start[name]:start[name] + size])
            for name, size in sizes.items()]
    in_pop = lambda idx, name: (idx >= start[name]) & (idx < start[name] + sizes[name])
    projections = []
    for p, a in enumerate(sizes):
        for q, b in enumerate(sizes):
            s = np.flatnonzero(in_pop(pre, a) & in_pop(post, b))
            port = np.where(w[s] < 0, 1, 0)
            for prt in (0, 1):
                k = s[port == prt]
                if k.size:
                    projections.append(from_pairs(
                        f"{a}_{b}" + ("_neg" if prt else ""), p, q, sizes[a], sizes[b],
                        pre[k] - start[a], post[k] - start[b], w[k], delay_ps[k], prt))
    return WorkloadIR(pops, projections)
