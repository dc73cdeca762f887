"""Small network runs whose results are kept, to check that a change of the runtime changes no
result: spikes, counts, metrics, the ledger and the step times of each case, as recorded by the
runtime of commit 3b3d8bb (before the compile-once layout). One value was changed since, by
hand, with the definition it follows: the exact runs' ``dense_equivalent_ops``, which became
every pre x post pair of every projection per 1 ms activity bin (``run_result.network_metrics``,
one definition for both integrators) instead of each spike times its post population's size;
and the discrete runs' ``final_state`` sums, whose ``refractory_left`` became seconds (was
steps; ``NeuronModel.step_counted``): each changed by a whole number of steps x (1 - dt).

    python tests/golden_runs.py --write      # record tests/golden_runs.json (from a known-good runtime)

``tests/test_golden_runs.py`` runs every case and compares with the record: spike trains and
integer counts exactly, energies and other floats to a relative 1e-12 (only the order of
summation may differ)."""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

RECORD = Path(__file__).with_name("golden_runs.json")
DT = 1e-3
STEP_PS = 10**9


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, np.int64)).tobytes())
        h.update(b"|")
    return h.hexdigest()[:16]


def _mixed_network(order):
    """Populations of lif and cuba in ``order`` (a sequence of model names), each driven by
    random inputs and projecting to the next one (and the last to the first), delays 1-3
    steps."""
    from eventsim.workload_ir import InputEvents, WorkloadIR
    from networks.population import population
    from networks.projection import from_dense
    rng = np.random.default_rng(7)
    sizes = [12 + 5 * p for p in range(len(order))]
    params = {"lif": dict(tau=0.02, v_threshold=1.0, refractory_s=0.002, i_bias=0.9),
              "cuba": dict(tau_mem=0.02, tau_exc=0.005, tau_inh=0.01, v_rest=0.9,
                           v_threshold=1.0, v_reset=0.0, refractory_s=0.002)}
    pops = [population(f"p{p}_{m}", m, n, **params[m]) for p, (m, n) in enumerate(zip(order, sizes))]
    projections, inputs = [], []
    steps = 120
    for p, n in enumerate(sizes):
        q = (p + 1) % len(sizes)
        w = (rng.random((n, sizes[q])) < 0.3) * rng.normal(0.6, 0.4, (n, sizes[q]))
        projections.append(from_dense(f"{p}to{q}", p, q, w, delay_ps=(1 + p % 3) * STEP_PS))
        t = np.sort(rng.integers(0, steps * STEP_PS, 20 * n)).astype(np.int64)
        inputs.append(InputEvents(p, t, rng.integers(0, n, t.shape[0]).astype(np.int32),
                                  rng.uniform(0.0, 0.4, t.shape[0])))
    return WorkloadIR(pops, projections, inputs), steps


def _summary(res) -> dict:
    """What a run is checked by."""
    out = {"population_names": list(res.population_names), "counts": dict(res.counts),
           "metrics": {k: float(v) for k, v in res.metrics.items()}}
    if res.spike_steps is not None:
        out["spikes"] = [_digest(s, n) for s, n in zip(res.spike_steps, res.spike_neurons)]
        out["n_spikes"] = [int(s.shape[0]) for s in res.spike_steps]
        if res.step_start_ps is not None:
            out["step_start_ps"] = _digest(res.step_start_ps)
            out["step_finish_ps"] = _digest(res.step_finish_ps)
    else:
        out["spikes"] = [_digest(t, n) for t, n in zip(res.spike_times_ps, res.spike_neurons)]
        out["n_spikes"] = [int(t.shape[0]) for t in res.spike_times_ps]
    out["final_state"] = [float(np.sum(np.abs(s))) for s in res.final_state]
    if res.ledger is not None:
        rows = sorted(res.ledger.rows(int(res.hardware_time_ps)),
                      key=lambda r: (r["component"], r["action"]))
        out["ledger_counts_busy"] = _digest([r["count"] for r in rows], [r["busy_ps"] for r in rows])
        energy = {}
        for r in rows:
            energy[r["action"]] = energy.get(r["action"], 0.0) + float(r["energy_pj"])
        out["ledger_energy_pj_by_action"] = energy
    return out


def _on(preset_name, w, placement="round_robin"):
    from hardware_models.lowering import lower
    from hardware_models.placement import place
    from hardware_models.presets import preset
    ir = lower(preset(preset_name))
    return ir, place(w, ir, placement)


def case_lif_cuba_software():
    from eventsim.simulation import simulate
    w, steps = _mixed_network(["lif", "cuba", "lif"])
    return _summary(simulate(w, DT, steps))


def case_cuba_lif_software():
    from eventsim.simulation import simulate
    w, steps = _mixed_network(["cuba", "cuba", "lif", "cuba"])
    return _summary(simulate(w, DT, steps))


def case_cuba_spinnaker2_packets():
    from eventsim.simulation import simulate
    from networks.builders.cuba import cuba
    w = cuba(300, p_connect=0.05, seed=3, delay_ps=100_000_000)
    ir, pl = _on("spinnaker2", w)
    return _summary(simulate(w, 1e-4, 300, machine=ir, placement=pl))


def case_cuba_spinnaker2_analytic():
    from eventsim.simulation import simulate
    from networks.builders.cuba import cuba
    w = cuba(300, p_connect=0.05, seed=3, delay_ps=100_000_000)
    ir, pl = _on("spinnaker2", w)
    return _summary(simulate(w, 1e-4, 300, machine=ir, placement=pl, noc="analytic"))


def case_mixed_loihi_barrier():
    from eventsim.simulation import simulate
    w, steps = _mixed_network(["lif", "cuba", "lif"])
    ir, pl = _on("loihi", w)
    return _summary(simulate(w, DT, 60, machine=ir, placement=pl, routing="neuron"))


def case_cuba_cpu_event():
    from eventsim.simulation import simulate
    from networks.builders.cuba import cuba
    w = cuba(200, p_connect=0.1, seed=5, delay_ps=100_000_000)
    ir, pl = _on("cpu_multicore", w, "balanced")
    return _summary(simulate(w, 1e-4, 200, machine=ir, placement=pl))


def case_egru_software():
    from dataclasses import replace
    from eventsim.simulation import simulate
    from networks.builders.egru import egru_stack
    stack = egru_stack(40, 12, [24, 16], weight_sparsity=0.6, threshold=0.05, seed=2)
    tokens = np.random.default_rng(3).integers(0, 40, 10)
    w = replace(stack.workload, inputs=stack.token_inputs(tokens, DT))
    return _summary(simulate(w, DT, 14))


def case_egru_spinnaker2():
    from dataclasses import replace
    from eventsim.simulation import simulate
    from networks.builders.egru import egru_stack
    stack = egru_stack(40, 12, [24, 16], weight_sparsity=0.6, threshold=0.05, seed=2)
    tokens = np.random.default_rng(3).integers(0, 40, 10)
    w = replace(stack.workload, inputs=stack.token_inputs(tokens, DT))
    ir, pl = _on("spinnaker2", w)
    return _summary(simulate(w, DT, 14, machine=ir, placement=pl, noc="analytic"))


def case_cuba_exact():
    from eventsim.simulation import simulate
    from networks.builders.cuba import cuba
    w = cuba(200, p_connect=0.1, seed=5, delay_ps=100_000_000)
    return _summary(simulate(w, integrator="exact", duration_s=0.05))


def case_cuba_exact_cpu():
    from eventsim.simulation import simulate
    from networks.builders.cuba import cuba
    w = cuba(200, p_connect=0.1, seed=5, delay_ps=100_000_000)
    ir, pl = _on("cpu_multicore", w, "balanced")
    return _summary(simulate(w, integrator="exact", duration_s=0.05, machine=ir, placement=pl))


CASES = {name[5:]: f for name, f in dict(globals()).items() if name.startswith("case_")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="record tests/golden_runs.json")
    args = ap.parse_args()
    record = {name: f() for name, f in CASES.items()}
    text = json.dumps(record, indent=1, sort_keys=True)
    if args.write:
        RECORD.write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
