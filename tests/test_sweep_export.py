"""Exporting the results store: CSV and Parquet hold every row and column of the store and
read back to the same values."""
import csv
import json
from pathlib import Path

import pytest

from eventsim.errors import ConfigError
from scenarios.config import parse_set
from scenarios.sweeps.export import export, export_columns
from scenarios.sweeps.runner import run_sweep
from scenarios.sweeps.store import Store
from scenarios.sweeps.sweep_file import parse_sweep


def formula_point(task):
    """energy_j = epochs * 0.5, name = "m<epochs>", flag = (epochs == 2); epochs 3 fails."""
    o = dict(parse_set(s) for s in task.sets)
    n = o["train.epochs"]
    if n == 3:
        raise RuntimeError("three is too many")
    return {"energy_j": n * 0.5, "name": f"m{n}", "flag": n == 2, "count": n}, None


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("sweep")
    spec = parse_sweep({"parameters": {"train.epochs": [1, 2, 3], "threads": [[2], [2, 4]]},
                        "workers": 1, "objectives": ["min:energy_j"],
                        "constraints": ['name == "m1"']}, scenario="async_sgd")
    result = run_sweep(spec, tmp_path, progress=False, point_fn=formula_point,
                       export_formats=["csv", "parquet"])
    assert {p.name for p in result.files} >= {"results.csv", "results.parquet"}
    with Store(tmp_path / "results.sqlite") as s:
        return tmp_path, s.rows(), export_columns(s.columns())


def test_export_columns_lead_with_the_verdict_and_end_with_the_json(swept):
    _, _, columns = swept
    assert columns == [
        "idx", "point_id", "status", "feasible", "pareto", "violations", "error",
        "param:train.epochs", "param:threads", "metric:energy_j", "metric:name",
        "wall_s", "run_dir", "attempts", "submitted", "started", "finished", "worker",
        "overrides_json", "metrics_json", "traceback"]


def test_the_store_holds_what_the_export_must_reproduce(swept):
    _, rows, _ = swept
    assert [(r["param:train.epochs"], r["param:threads"], r["status"], r["metric:energy_j"],
             r["feasible"], r["pareto"]) for r in rows] == [
        (1, "[2]", "done", 0.5, 1, 1), (1, "[2, 4]", "done", 0.5, 1, 1),
        (2, "[2]", "done", 1.0, 0, 0), (2, "[2, 4]", "done", 1.0, 0, 0),
        (3, "[2]", "failed", None, None, None), (3, "[2, 4]", "failed", None, None, None)]
    assert rows[4]["error"] == "RuntimeError: three is too many"


def test_csv_round_trip(swept):
    out, rows, columns = swept
    with open(out / "results.csv", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == columns
        back = list(reader)
    assert len(back) == len(rows)
    for r, b in zip(rows, back):
        for c, text in zip(columns, b):
            v = r[c]
            if v is None:
                assert text == ""
            elif isinstance(v, float):
                assert float(text) == v            # repr: exact
            elif isinstance(v, int):
                assert int(text) == v
            else:
                assert text == v
    assert json.loads(back[2][columns.index("metrics_json")]) == {
        "energy_j": 1.0, "name": "m2", "flag": True, "count": 2}


def test_parquet_round_trip_keeps_types(swept):
    import pyarrow.parquet as pq
    out, rows, columns = swept
    table = pq.read_table(out / "results.parquet")
    assert table.column_names == columns
    assert table.to_pylist() == [{c: r[c] for c in columns} for r in rows]
    assert str(table.schema.field("metric:energy_j").type) == "double"
    assert str(table.schema.field("param:train.epochs").type) == "int64"
    assert str(table.schema.field("param:threads").type) == "string"


def test_export_function_on_a_sweep_directory(swept, tmp_path):
    out, rows, _ = swept
    (out / "results.csv").unlink()
    assert export(out, ["csv"]) == [out / "results.csv"]
    with open(out / "results.csv", newline="") as f:
        assert len(list(csv.reader(f))) == 1 + len(rows)   # a traceback cell spans lines
    with pytest.raises(ConfigError, match=r"export format must be one of \['csv', 'parquet'\], "
                                          r"got 'xlsx'"):
        export(out, ["xlsx"])
    with pytest.raises(ConfigError, match=r"no sweep results in .*nowhere.* \(no results.sqlite\)"):
        export(Path(tmp_path) / "nowhere", ["csv"])
