"""``eventsim sweep`` end to end through its command-line parser, on the real async_sgd
scenario (tiny: one epoch, one method, one machine; two points run, two fail their check)."""
import json

import scenarios
from scenarios.sweeps.cli import main
from scenarios.sweeps.store import Store

SWEEP = '''
scenario = "async_sgd"
description = "tiny end-to-end sweep"

[sweep]
workers = 1
objectives = ["min:methods.0.energy_j", "max:methods.0.final_accuracy"]
constraints = ["methods.0.threads <= 2"]

[sweep.parameters]
"train.epochs" = [1, 0]        # 0 fails the scenario's check: two failed points
threads = [[2], [4]]           # 4 threads break the constraint: an infeasible point

[sweep.fixed]
machines = ["cpu_multicore"]
methods = ["sync"]
"train.eval_every" = 20
"plots.representative_threads" = 2
'''


def test_sweep_runs_records_reports_and_resumes(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(SWEEP)
    out = tmp_path / "out"
    assert main([str(path), "--out", str(out), "--export", "csv", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "4 points: 2 done (1 feasible, 1 infeasible), 2 failed, 0 not run" in printed
    assert "point 2: ConfigError: train.epochs must be >= 1, got 0" in printed
    assert "point 3: ConfigError: train.epochs must be >= 1, got 0" in printed
    assert "Pareto front (1 of 1 feasible points):" in printed

    with Store(out / "results.sqlite") as s:
        rows = s.rows()
    assert [(r["param:train.epochs"], r["param:threads"], r["status"], r["feasible"],
             r["pareto"]) for r in rows] == [
        (1, "[2]", "done", 1, 1), (1, "[4]", "done", 0, 0),
        (0, "[2]", "failed", None, None), (0, "[4]", "failed", None, None)]
    assert rows[1]["violations"] == "methods.0.threads <= 2 (got 4)"
    assert rows[2]["run_dir"] is None and rows[2]["error"].startswith("ConfigError:")
    for r in rows[:2]:   # each metric is the run's own number, from its result.json
        result = json.loads((out / r["run_dir"] / "result.json").read_text())
        assert r["run_dir"].startswith("runs/async_sgd/")
        assert result["config"]["threads"] == json.loads(r["param:threads"])
        assert result["config"]["train"]["epochs"] == 1 and result["seed"] == 0
        assert r["metric:methods.0.energy_j"] == result["methods"][0]["energy_j"]
        assert r["metric:methods.0.final_accuracy"] == result["methods"][0]["final_accuracy"]
        assert json.loads(r["metrics_json"])["methods.0.minibatches"] == \
            result["methods"][0]["minibatches"]

    md = (out / "pareto.md").read_text()
    energy = f"{rows[0]['metric:methods.0.energy_j']:.6g}"
    assert "| point | train.epochs | threads | methods.0.energy_j (min) | " \
           "methods.0.final_accuracy (max) | run |" in md
    assert f"| 0 | 1 | [2] | {energy} | " in md and "tiny end-to-end sweep" in md
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "results.csv").read_text().startswith("idx,point_id,status,")
    runs = sorted(p.name for p in (out / "runs" / "async_sgd").iterdir())
    assert len(runs) == 2

    # the same command again: nothing left to run, the same answer
    assert main([str(path), "--out", str(out), "--no-progress"]) == 0
    again = capsys.readouterr().out
    assert "nothing to run: all 4 point(s) had finished before" in again
    assert "Pareto front (1 of 1 feasible points):" in again
    assert sorted(p.name for p in (out / "runs" / "async_sgd").iterdir()) == runs


def test_bad_sweep_files_exit_2_with_one_line(tmp_path, capsys):
    toml = scenarios.SCENARIO_DIR / "async_sgd.toml"      # a scenario TOML without [sweep]
    assert main([str(toml), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "async_sgd.toml: no [sweep] table" in err
    bad = tmp_path / "bad.toml"
    bad.write_text(SWEEP.replace('"train.epochs" = [1, 0]', '"train.epoch" = [1, 0]'))
    assert main([str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "unknown config key 'train.epoch'" in capsys.readouterr().err
    assert main([str(bad), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--workers sets local processes" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
