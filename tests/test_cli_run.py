"""`eventsim run` and `eventsim list` from the command line."""
import json
import subprocess
import sys

from eventsim.cli import main

TINY = ["--set", "train.epochs=1", "--set", "threads=[2]", "--set",
        'machines=["cpu_multicore"]', "--set", "train.eval_every=20",
        "--set", "plots.representative_threads=2"]


def _eventsim(*argv, cwd=None):
    return subprocess.run([sys.executable, "-m", "eventsim.cli", *argv], capture_output=True,
                          text=True, cwd=cwd)


def test_run_json_prints_only_the_result(tmp_path):
    p = _eventsim("run", "async_sgd", "--json", "--out", str(tmp_path), "--seed", "1", *TINY)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["scenario"] == "async_sgd" and doc["seed"] == 1
    assert [m["method"] for m in doc["methods"]] == ["sync", "hogwild", "layerwise-async"]
    for m in doc["methods"]:
        assert {"method", "threads", "time_to_target_s", "final_accuracy", "mean_staleness",
                "energy_j"} <= set(m)
    run_dir = tmp_path / "async_sgd" / doc["run_id"]
    assert json.loads((run_dir / "result.json").read_text()) == doc


def test_bad_scenario_name_exits_2_with_one_line(tmp_path):
    p = _eventsim("run", "no_such_scenario", "--out", str(tmp_path))
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.strip().count("\n") == 0
    assert "unknown scenario 'no_such_scenario'" in p.stderr and "async_sgd" in p.stderr


def test_bad_set_exits_2_naming_the_key(tmp_path, capsys):
    assert main(["run", "async_sgd", "--out", str(tmp_path), "--set", "train.epoch=2"]) == 2
    err = capsys.readouterr().err
    assert "unknown config key 'train.epoch'" in err and "train.epochs" in err
    assert main(["run", "async_sgd", "--out", str(tmp_path), "--set", "threads"]) == 2
    assert "--set needs key=value" in capsys.readouterr().err
    assert main(["run", "async_sgd", "--out", str(tmp_path), "--seed", "-1"]) == 2
    assert "seed must be an integer >= 0" in capsys.readouterr().err
    assert not any(tmp_path.rglob("*"))


def test_run_prints_the_table_and_warns_about_trace(tmp_path, capsys):
    assert main(["run", "async_sgd", "--out", str(tmp_path), "--trace", *TINY]) == 0
    out, err = capsys.readouterr()
    assert "| cpu_multicore | hogwild | 2 |" in out and "wrote " in out
    assert "--trace" in err and "nothing to trace" in err


def test_list_shows_scenarios_and_machines(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "Scenarios" in out and "async_sgd" in out and "cpu_multicore" in out
    assert main(["list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(s["name"] == "async_sgd" and s["description"] for s in doc["scenarios"])
    assert any(m["name"] == "ipu_gc200" for m in doc["machines"])
