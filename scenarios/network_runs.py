"""Runs of one network on several machines (or semantics), as the scenarios that compare them
do: each run traced over its first steps, one Perfetto document of all the runs, and whether
the runs spiked alike (a machine's semantics change timing and energy, not the spikes, unless
packets come late).
"""
from __future__ import annotations

import numpy as np

from hardware_models.mapping import map_network
from eventsim.simulation import simulate

from .units import PS_PER_S

NOC_MODES = ("analytic", "packets")     # the ``noc`` of ``eventsim.simulate``
TRACE_CAPACITY = 1 << 20                # trace ring records per run


def first_steps_window_ps(ir, workload, dt_s: float, n: int, placement, mapping, noc: str,
                          seed: int) -> tuple[int, int]:
    """(0, hardware start of step n): the trace window of a run's first n steps. Timer and event
    steps start at fixed times; on a barrier machine the first n steps are run to find it (a
    run's first steps do not depend on how many follow)."""
    if ir.semantics == "timer":
        return 0, n * int(ir.step_ps)
    if ir.semantics == "event":
        return 0, int(round(n * dt_s * PS_PER_S))
    first = simulate(workload, dt_s, n, machine=ir, placement=placement, mapping=mapping,
                     noc=noc, seed=seed)
    return 0, int(first.hardware_time_ps)


def simulate_traced(ir, workload, dt_s: float, n_steps: int, placement, *, noc: str, seed: int,
                    progress: bool, trace_steps: int):
    """``simulate`` ``workload`` on ``ir`` for ``n_steps`` steps, its trace kept over the first
    ``trace_steps`` steps (``first_steps_window_ps``, at most ``TRACE_CAPACITY`` records)."""
    mapping = map_network(workload, ir, placement)
    window = first_steps_window_ps(ir, workload, dt_s, min(trace_steps, n_steps), placement,
                                   mapping, noc, seed)
    return simulate(workload, dt_s, n_steps, machine=ir, placement=placement, mapping=mapping,
                    noc=noc, progress=progress, seed=seed, trace=True,
                    trace_capacity=TRACE_CAPACITY, trace_window_ps=window)


def spikes_identical(a, b) -> bool:
    """True if every population spiked at the same (step, neuron) pairs in runs a and b."""
    if a.population_names != b.population_names:
        return False
    for p in range(len(a.population_names)):
        (sa, na), (sb, nb) = a.steps(p), b.steps(p)
        oa, ob = np.lexsort((na, sa)), np.lexsort((nb, sb))
        if not (np.array_equal(sa[oa], sb[ob]) and np.array_equal(na[oa], nb[ob])):
            return False
    return True


def perfetto_runs(docs: dict) -> dict:
    """One Perfetto document from several (``Trace.to_perfetto``) documents: run r's chip c
    becomes process r x 1000 + c, named "<run> chip<c>"."""
    events, dropped = [], {}
    for i, (run, doc) in enumerate(docs.items()):
        for e in doc["traceEvents"]:
            e = dict(e, pid=i * 1000 + int(e.get("pid", 0)))
            if e.get("ph") == "M" and e.get("name") == "process_name":
                e["args"] = {"name": f"{run} {e['args']['name']}"}
            events.append(e)
        dropped[run] = doc.get("otherData", {}).get("dropped_records", 0)
    return {"traceEvents": events, "displayTimeUnit": "ns",
            "otherData": {"time_unit_of_ts": "us", "dropped_records": dropped}}
