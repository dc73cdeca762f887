"""The metrics a sweep keeps of a run: scalars under dotted keys, the bulk left out."""
import numpy as np

from scenarios.sweeps.metrics import MAX_LIST_TABLES, closest_keys, flatten_metrics


def test_scalars_are_kept_under_dotted_keys_and_the_bulk_is_dropped():
    result = {
        "scenario": "s", "run_id": "r", "wall_s": 1.5, "trace": False,
        "config": {"a": 1}, "versions": {"numpy": "2"}, "description": "d", "files": ["x"],
        "dense": {"energy_per_token_j": np.float64(2e-3), "tokens": np.int64(7),
                  "by_layer": {"0": 0.5}},
        "methods": [{"method": "sync", "energy_j": 0.1}, {"method": "hogwild", "energy_j": None}],
        "curve": [0.1, 0.2], "histogram": [[1, 2]], "notes": ["one", "two"],
        "bad": float("nan"), "empty": [], "empty_table": {},
    }
    assert flatten_metrics(result) == {
        "scenario": "s", "run_id": "r", "wall_s": 1.5, "trace": False,
        "dense.energy_per_token_j": 2e-3, "dense.tokens": 7, "dense.by_layer.0": 0.5,
        "methods.0.method": "sync", "methods.0.energy_j": 0.1,
        "methods.1.method": "hogwild", "methods.1.energy_j": None,
        "bad": None,
    }
    assert type(flatten_metrics(result)["dense.tokens"]) is int


def test_long_lists_of_tables_are_bulk():
    many = [{"x": i} for i in range(MAX_LIST_TABLES + 1)]
    assert flatten_metrics({"few": many[:MAX_LIST_TABLES], "many": many}) == {
        f"few.{i}.x": i for i in range(MAX_LIST_TABLES)}


def test_closest_keys_suggest_what_was_meant():
    metrics = {"methods.0.energy_j": 1, "methods.0.elapsed_s": 2, "wall_s": 3}
    assert closest_keys("energy_j", metrics) == ["methods.0.energy_j"]
    assert closest_keys("methods.0.energy", metrics)[0] == "methods.0.energy_j"
