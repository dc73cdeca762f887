"""From stored points to the answer of a sweep: which finished points are feasible, which of
those are on the Pareto front, in which order to list them.

Feasibility and the front are recomputed from the stored metrics every time (the objectives
and constraints of a sweep may change between runs without re-running a point).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .objectives import violations
from .pareto import front_order, pareto_mask


@dataclass
class Analysis:
    """The verdict on a sweep's points: ``counts`` per status, ``feasible`` / ``infeasible``
    (done points), ``verdicts`` (idx -> (feasible, violations text, on the front)) of every
    done point and ``front`` (the rows on the front, best first by the first objective)."""
    counts: dict
    feasible: int = 0
    infeasible: int = 0
    verdicts: dict = field(default_factory=dict)
    front: list = field(default_factory=list)


def analyse(rows: list[dict], objectives, constraints) -> Analysis:
    """The ``Analysis`` of store ``rows`` (dicts with ``idx``, ``status``, ``metrics_json``)
    under ``objectives`` and ``constraints``."""
    counts = {s: 0 for s in ("pending", "running", "done", "failed")}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    done = [r for r in rows if r["status"] == "done"]
    feasible_rows, verdicts = [], {}
    for r in done:
        metrics = json.loads(r["metrics_json"])
        why = violations(metrics, objectives, constraints)
        verdicts[r["idx"]] = (not why, "; ".join(why), False)
        if not why:
            feasible_rows.append((r, [metrics[o.key] for o in objectives]))
    senses = [o.sense for o in objectives]
    values = [v for _, v in feasible_rows]
    mask = pareto_mask(values, senses)
    on_front = [(r, v) for (r, v), m in zip(feasible_rows, mask) if m]
    order = front_order([v for _, v in on_front], senses)
    front = [on_front[i][0] for i in order]
    for r in front:
        verdicts[r["idx"]] = (True, "", True)
    return Analysis(counts, len(feasible_rows), len(done) - len(feasible_rows), verdicts, front)
