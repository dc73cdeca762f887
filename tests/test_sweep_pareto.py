"""The Pareto front (dominance, ties, maximised objectives) and the verdict on stored points
(feasibility under constraints, the front of the feasible points, its order)."""
import json

import numpy as np
import pytest

from eventsim.errors import ConfigError
from scenarios.sweeps.analysis import analyse
from scenarios.sweeps.objectives import Constraint, Objective, violations
from scenarios.sweeps.pareto import front_order, pareto_mask


def test_two_minimised_objectives_keep_the_undominated_points_and_both_copies_of_a_tie():
    pts = [(1, 5),   # best first objective: front
           (2, 3),   # front
           (3, 4),   # dominated by (2, 3)
           (4, 1),   # best second objective: front
           (2, 3),   # the same as point 1: neither dominates the other, both on the front
           (5, 5),   # dominated by everything but itself
           (4, 2)]   # equal to (4, 1) in the first, worse in the second: dominated
    assert pareto_mask(pts, ["min", "min"]).tolist() == [True, True, False, True, True, False,
                                                         False]


def test_a_maximised_objective_prefers_larger_values():
    # (energy min, accuracy max)
    pts = [(1.0, 0.5), (2.0, 0.9), (2.0, 0.8), (3.0, 0.9), (0.5, 0.4)]
    assert pareto_mask(pts, ["min", "max"]).tolist() == [True, True, False, False, True]
    # the same points with accuracy minimised instead: only the cheapest-and-worst survive
    assert pareto_mask(pts, ["min", "min"]).tolist() == [False, False, False, False, True]


def test_three_objectives():
    pts = [(1, 1, 9), (1, 9, 1), (9, 1, 1), (2, 2, 2), (2, 2, 3), (9, 9, 9)]
    assert pareto_mask(pts, ["min"] * 3).tolist() == [True, True, True, True, False, False]
    assert pareto_mask(pts, ["max"] * 3).tolist() == [False, False, False, False, False, True]


def test_one_objective_keeps_its_best_value_and_its_ties():
    assert pareto_mask([[3], [1], [2], [1]], ["min"]).tolist() == [False, True, False, True]


def test_no_points_no_front():
    assert pareto_mask([], ["min", "max"]).tolist() == []


def test_front_order_is_best_first_by_the_first_objective_then_the_next():
    pts = [(2, 0.9), (1, 0.5), (2, 0.95), (0.5, 0.4)]
    assert front_order(pts, ["min", "max"]).tolist() == [3, 1, 2, 0]


@pytest.mark.parametrize("values, senses, message", [
    ([(1, np.nan)], ["min", "min"], "objective values must be finite"),
    ([(1, 2)], ["min"], r"2 objective columns but 1 senses"),
    ([(1, 2)], ["min", "least"], r"an objective sense must be 'min' or 'max', got 'least'"),
])
def test_bad_front_input_is_refused(values, senses, message):
    with pytest.raises(ConfigError, match=message):
        pareto_mask(values, senses)


def test_violations_list_non_numeric_objectives_then_failed_constraints():
    objs = [Objective("e", "min"), Objective("t", "min")]
    cons = [Constraint.parse("t <= 2"), Constraint.parse("cores < 4")]
    assert violations({"e": 1.0, "t": 2, "cores": 3}, objs, cons) == []
    assert violations({"e": None, "t": 3, "cores": 4}, objs, cons) == [
        "objective e is not a finite number (got None)", "t <= 2 (got 3)", "cores < 4 (got 4)"]
    assert violations({"t": True, "cores": 1}, objs, cons) == [
        "objective e missing", "objective t is not a finite number (got True)",
        "t <= 2 (got True)"]


def row(idx, status, **metrics):
    return {"idx": idx, "status": status,
            "metrics_json": json.dumps(metrics) if status == "done" else None}


def test_the_front_is_over_the_feasible_done_points_only():
    rows = [
        row(0, "done", energy_j=1.0, latency_s=5.0, cores=4),   # front
        row(1, "done", energy_j=2.0, latency_s=3.0, cores=4),   # front
        row(2, "done", energy_j=0.1, latency_s=0.1, cores=64),  # dominates all: too many cores
        row(3, "failed"),
        row(4, "done", energy_j=3.0, latency_s=4.0, cores=2),   # dominated by point 1
        row(5, "done", energy_j=None, latency_s=1.0, cores=1),  # no energy: infeasible
        row(6, "pending"),
        row(7, "done", energy_j=2.0, latency_s=3.0, cores=8),   # a tie with point 1: front
        row(8, "running"),
    ]
    a = analyse(rows, [Objective("energy_j", "min"), Objective("latency_s", "min")],
                [Constraint.parse("cores <= 8")])
    assert a.counts == {"pending": 1, "running": 1, "done": 6, "failed": 1}
    assert (a.feasible, a.infeasible) == (4, 2)
    assert [r["idx"] for r in a.front] == [0, 1, 7]
    assert a.verdicts == {
        0: (True, "", True), 1: (True, "", True), 2: (False, "cores <= 8 (got 64)", False),
        4: (True, "", False), 5: (False, "objective energy_j is not a finite number (got None)",
                                  False),
        7: (True, "", True)}


def test_maximised_objectives_in_the_verdict():
    rows = [row(0, "done", acc=0.9, e=2.0), row(1, "done", acc=0.8, e=1.0),
            row(2, "done", acc=0.7, e=1.5)]
    a = analyse(rows, [Objective("acc", "max"), Objective("e", "min")], [])
    assert [r["idx"] for r in a.front] == [0, 1]     # best accuracy first
    assert a.verdicts[2] == (True, "", False)        # point 1 is more accurate and cheaper
