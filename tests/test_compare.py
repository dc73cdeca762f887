"""Comparing two runs (scenarios.compare) and the `compare` command: metric table, configuration
differences, figures, command line."""
import argparse
import json

import matplotlib

matplotlib.use("Agg")

import pytest

from scenarios.compare import (add_compare_parser, compare_runs, config_diff, metric_rows,
                               metrics_table, numeric_metrics, run_diff)
from scenarios.output import write_json, write_ledger_csv
from scenarios.run_data import save_run_data
from scenarios.rundir import RunDirError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEDGER = [
    {"component": "chip0.core0", "action": "synop", "count": 4, "energy_pj": 8.0, "busy_ps": 40},
    {"component": "chip0.link0.r0-r1", "action": "flit", "count": 2, "energy_pj": 2.0,
     "busy_ps": 0},
    {"component": "chip0", "action": "static", "count": 0, "energy_pj": 30.0, "busy_ps": 0},
]


def make_run(path, scenario, run_id, seed, config, metrics, latency=None, ledger=True):
    path.mkdir(parents=True)
    write_json(path / "result.json", {"scenario": scenario, "run_id": run_id, "seed": seed,
                                      "config": config, "versions": {"numpy": "2.0"},
                                      "files": ["result.json"], **metrics})
    if ledger:
        write_ledger_csv(path / "ledger.csv", {"egru": LEDGER})
    if latency is not None:
        save_run_data(path, {"egru": {"latency_s": latency}})
    return path


@pytest.fixture
def two_runs(tmp_path):
    a = make_run(tmp_path / "a", "egru_lm", "20260101-000000-aaaaaaaa", 0,
                 {"train": {"epochs": 2, "lr": 0.1}, "sparsity": 0.8},
                 {"wall_s": 2.0, "energy_j": 4.0, "tokens": 10, "idle_cores": 0,
                  "latency": {"median_s": 2e-6}}, latency=[1e-6, 2e-6, 3e-6])
    b = make_run(tmp_path / "b", "egru_lm", "20260101-000001-bbbbbbbb", 1,
                 {"train": {"epochs": 4, "lr": 0.1}, "sparsity": 0.8, "extra": "x"},
                 {"wall_s": 3.0, "energy_j": 5.0, "tokens": 4, "idle_cores": 3,
                  "latency": {"median_s": 1e-6}, "only_b": 7}, latency=[2e-6, 4e-6])
    return a, b


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 1000


# --------------------------------------------------------------------------- values

def test_numeric_metrics_flatten_nested_objects_and_lists_of_objects():
    result = {"scenario": "s", "run_id": "r", "seed": 3, "wall_s": 2.0, "config": {"a": 1},
              "versions": {"numpy": 2}, "files": ["a"], "energy_j": 0.5, "trace": True,
              "none": None, "nested": {"n": 4, "deep": {"x": 1.5}},
              "methods": [{"e": 1, "name": "m"}, {"e": 2}], "series": [1, 2, 3]}
    assert numeric_metrics(result) == {"wall_s": 2.0, "energy_j": 0.5, "nested.n": 4,
                                       "nested.deep.x": 1.5, "methods.0.e": 1, "methods.1.e": 2}


def test_metric_rows_give_ratio_and_difference_of_shared_metrics():
    a = {"energy_j": 2.0, "tokens": 10, "zero": 0, "only_a": 1}
    b = {"only_b": 2, "zero": 5, "tokens": 4, "energy_j": 3.0}
    assert metric_rows(a, b) == [
        {"metric": "energy_j", "a": 2.0, "b": 3.0, "ratio": 1.5, "diff": 1.0},
        {"metric": "tokens", "a": 10, "b": 4, "ratio": 0.4, "diff": -6},
        {"metric": "zero", "a": 0, "b": 5, "ratio": None, "diff": 5},
    ]


def test_metrics_table_is_markdown():
    rows = metric_rows({"energy_j": 2.0, "tokens": 10, "zero": 0},
                       {"energy_j": 3.0, "tokens": 4, "zero": 5})
    assert metrics_table(rows).splitlines() == [
        "| metric | A | B | B/A | B − A |", "|---|---:|---:|---:|---:|",
        "| energy_j | 2 | 3 | 1.5 | +1 |", "| tokens | 10 | 4 | 0.4 | -6 |",
        "| zero | 0 | 5 | – | +5 |"]


def test_config_diff_lists_changed_added_and_removed_keys():
    a = {"train": {"epochs": 2, "lr": 0.1}, "machines": ["a"], "x": 1, "same": [1]}
    b = {"train": {"epochs": 4, "lr": 0.1}, "machines": ["b"], "same": [1], "y": "s"}
    assert config_diff(a, b) == ["train.epochs: 2 -> 4", 'machines: ["a"] -> ["b"]',
                                 "x: 1 -> (absent)", 'y: (absent) -> "s"']
    assert config_diff(a, a) == []


def test_run_diff_puts_the_seed_first():
    a = {"seed": 0, "config": {"k": 1}}
    b = {"seed": 2, "config": {"k": 1.5}}
    assert run_diff(a, b) == ["seed: 0 -> 2", "k: 1 -> 1.5"]
    assert run_diff(a, dict(a)) == []


# --------------------------------------------------------------------------- comparison

def test_compare_runs_writes_the_report_and_both_figures(two_runs, tmp_path):
    a, b = two_runs
    doc = compare_runs(a, b, tmp_path / "cmp")
    assert doc["files"] == ["compare.md", "compare_energy.png", "compare_latency.png"]
    assert [r["metric"] for r in doc["metrics"]] == ["wall_s", "energy_j", "tokens",
                                                     "idle_cores", "latency.median_s"]
    assert doc["metrics"][1] == {"metric": "energy_j", "a": 4.0, "b": 5.0, "ratio": 1.25,
                                 "diff": 1.0}
    assert doc["metrics"][4]["ratio"] == 0.5
    assert doc["config_diff"] == ["seed: 0 -> 1", "train.epochs: 2 -> 4",
                                  'extra: (absent) -> "x"']
    md = (tmp_path / "cmp" / "compare.md").read_text()
    assert md == doc["markdown"]
    assert "| energy_j | 4 | 5 | 1.25 | +1 |" in md.splitlines()
    assert "| idle_cores | 0 | 3 | – | +3 |" in md.splitlines()
    assert "- train.epochs: 2 -> 4" in md.splitlines()
    assert "![compare_latency.png](compare_latency.png)" in md
    for name in doc["files"][1:]:
        assert_png(tmp_path / "cmp" / name)


def test_runs_of_different_scenarios_share_only_common_metrics(tmp_path):
    a = make_run(tmp_path / "a", "async_sgd", "ra", 0, {"threads": [4]},
                 {"wall_s": 1.0, "methods": [{"energy_j": 1.0}]}, ledger=False)
    b = make_run(tmp_path / "b", "egru_lm", "rb", 0, {"sparsity": 0.8},
                 {"wall_s": 4.0, "energy_j": 1.0}, latency=[1e-6], ledger=False)
    doc = compare_runs(a, b, tmp_path / "cmp")
    assert doc["metrics"] == [{"metric": "wall_s", "a": 1.0, "b": 4.0, "ratio": 4.0,
                               "diff": 3.0}]
    assert doc["files"] == ["compare.md"]  # no ledger, latency only in B: no figure
    assert "Different scenarios (async_sgd, egru_lm)" in doc["markdown"]


def test_default_output_directory_is_named_after_both_runs(two_runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = compare_runs(*two_runs)
    out = tmp_path / "compare-20260101-000000-aaaaaaaa-vs-20260101-000001-bbbbbbbb"
    assert doc["out_dir"] == out.name
    assert sorted(p.name for p in out.iterdir()) == sorted(doc["files"])


def test_a_bad_directory_is_refused_before_anything_is_written(two_runs, tmp_path):
    with pytest.raises(RunDirError, match="not a run directory"):
        compare_runs(two_runs[0], tmp_path / "missing", tmp_path / "cmp")
    assert not (tmp_path / "cmp").exists()


# --------------------------------------------------------------------------- command

def _parse(argv):
    parser = argparse.ArgumentParser(prog="eventsim")
    add_compare_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_compare_command_prints_markdown_and_what_it_wrote(two_runs, tmp_path, capsys):
    args = _parse(["compare", str(two_runs[0]), str(two_runs[1]), "--out", str(tmp_path / "c")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "| tokens | 10 | 4 | 0.4 | -6 |" in out.splitlines()
    assert out.endswith(f"wrote {tmp_path / 'c'} (compare.md, compare_energy.png, "
                        f"compare_latency.png)\n")


def test_compare_command_json(two_runs, tmp_path, capsys):
    args = _parse(["compare", str(two_runs[0]), str(two_runs[1]), "--out", str(tmp_path / "c"),
                   "--json"])
    assert args.func(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["a"] == {"scenario": "egru_lm", "run_id": "20260101-000000-aaaaaaaa", "seed": 0,
                        "path": str(two_runs[0])}
    assert doc["metrics"][2] == {"metric": "tokens", "a": 10, "b": 4, "ratio": 0.4, "diff": -6}
    assert "markdown" not in doc


def test_compare_command_exits_2_for_a_bad_directory(two_runs, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    args = _parse(["compare", str(tmp_path / "empty"), str(two_runs[1]), "--out",
                   str(tmp_path / "c")])
    assert args.func(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"eventsim compare: not a run directory: '{tmp_path / 'empty'}' has no " \
                  f"result.json\n"
    assert not (tmp_path / "c").exists()
