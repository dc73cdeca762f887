"""The results store and the runner: one row per point written as it finishes, resuming after
an interrupt or a kill (only the missing points run), failed points recorded while the sweep
goes on, a changed design refused, a dying worker process isolated.

The points run ``model_point``, a stand-in for a scenario run whose metrics are set by hand:
``energy_j = lr * batch``, ``latency_s = 1 / (lr * batch)``; it logs each call to
``DIR/calls.log`` and obeys ``DIR/sabotage.json`` ({"index": "raise" | "interrupt" | "exit"}).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventsim.errors import ConfigError
from scenarios.config import parse_set
from scenarios.sweeps import runner
from scenarios.sweeps.executors import WorkerLost
from scenarios.sweeps.runner import run_sweep
from scenarios.sweeps.store import Store
from scenarios.sweeps.sweep_file import parse_sweep

TESTS = Path(__file__).parent


def model_point(task):
    """The metrics of a point, by formula; see the module docstring."""
    root = Path(task.root)
    with open(root / "calls.log", "a") as f:
        f.write(f"{task.index}\n")
    sabotage = root / "sabotage.json"
    action = json.loads(sabotage.read_text()).get(str(task.index)) if sabotage.exists() else None
    if action == "raise":
        raise ValueError(f"no good at point {task.index}")
    if action == "interrupt":
        raise KeyboardInterrupt
    if action == "exit":
        os._exit(3)
    o = dict(parse_set(s) for s in task.sets)
    lr, batch = o["train.lr"], o["train.batch_size"]
    return {"energy_j": lr * batch, "perf": {"latency_s": 1 / (lr * batch)},
            "curve": [1.0, 2.0], "config": {"bulky": True}}, None


def spec(lrs=(0.1, 0.2, 0.4), batches=(8, 16), **extra):
    table = {"parameters": {"train.lr": list(lrs), "train.batch_size": list(batches)},
             "fixed": {"train.epochs": 1}, "workers": 1,
             "objectives": ["min:energy_j", "min:perf.latency_s"],
             "constraints": ["energy_j <= 4"], **extra}
    return parse_sweep(table, scenario="async_sgd")


def calls(out):
    path = Path(out) / "calls.log"
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def sabotage(out, **actions):
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "sabotage.json").write_text(json.dumps(actions))


def rows(out):
    with Store(Path(out) / "results.sqlite") as s:
        return s.rows()


def run(out, s=None, progress=False, **kw):
    return run_sweep(s or spec(), out, progress=progress, point_fn=model_point, **kw)


def test_every_point_gets_a_row_with_its_values_metrics_and_verdict(tmp_path):
    result = run(tmp_path)
    got = rows(tmp_path)
    # grid: lr slowest; energy = lr * batch: 0.8 1.6 1.6 3.2 3.2 6.4 (the last breaks energy <= 4)
    assert [(r["param:train.lr"], r["param:train.batch_size"]) for r in got] == [
        (0.1, 8), (0.1, 16), (0.2, 8), (0.2, 16), (0.4, 8), (0.4, 16)]
    assert [r["status"] for r in got] == ["done"] * 6
    assert [r["metric:energy_j"] for r in got] == [0.8, 1.6, 1.6, 3.2, 3.2, 6.4]
    assert [r["feasible"] for r in got] == [1, 1, 1, 1, 1, 0]
    assert got[5]["violations"] == "energy_j <= 4 (got 6.4)"
    # energy and latency are inverse: every feasible point is on the front
    assert [r["pareto"] for r in got] == [1, 1, 1, 1, 1, 0]
    assert json.loads(got[3]["overrides_json"]) == {"train.epochs": 1, "train.lr": 0.2,
                                                    "train.batch_size": 16}
    metrics = json.loads(got[3]["metrics_json"])
    assert metrics == {"energy_j": 3.2, "perf.latency_s": 1 / 3.2}   # no curve, no config
    assert got[3]["metric:perf.latency_s"] == 1 / 3.2
    assert all(r["attempts"] == 1 and r["wall_s"] >= 0 and r["finished"] for r in got)
    assert got[0]["worker"].endswith(f":{os.getpid()}")             # workers = 1: in-process
    assert calls(tmp_path) == [0, 1, 2, 3, 4, 5]
    assert (result.total, result.ran, result.skipped) == (6, 6, 0)
    assert [r["idx"] for r in result.analysis.front] == [0, 1, 2, 3, 4]
    assert {p.name for p in result.files} == {"results.sqlite", "pareto.md", "pareto.png"}
    assert "| 0 | 0.1 | 8 | 0.8 | 1.25 | - |" in (tmp_path / "pareto.md").read_text()


def test_a_failing_point_is_recorded_with_its_error_and_the_sweep_goes_on(tmp_path):
    sabotage(tmp_path, **{"2": "raise"})
    result = run(tmp_path)
    got = rows(tmp_path)
    assert [r["status"] for r in got] == ["done", "done", "failed", "done", "done", "done"]
    assert got[2]["error"] == "ValueError: no good at point 2"
    assert "in model_point" in got[2]["traceback"] and got[2]["metrics_json"] is None
    assert got[2]["feasible"] is None and got[2]["pareto"] is None
    assert result.failures == [(2, "ValueError: no good at point 2")]
    assert result.analysis.counts == {"pending": 0, "running": 0, "done": 5, "failed": 1}
    # a rerun keeps the failure; --retry-failed runs it (and only it) again
    run(tmp_path)
    assert calls(tmp_path) == [0, 1, 2, 3, 4, 5]
    (tmp_path / "sabotage.json").unlink()
    result = run(tmp_path, retry_failed=True)
    assert calls(tmp_path) == [0, 1, 2, 3, 4, 5, 2]
    assert rows(tmp_path)[2]["status"] == "done" and rows(tmp_path)[2]["attempts"] == 2
    assert rows(tmp_path)[2]["error"] is None
    assert (result.ran, result.skipped) == (1, 5)


def test_an_interrupted_sweep_resumes_with_the_missing_points(tmp_path):
    sabotage(tmp_path, **{"3": "interrupt"})
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path)
    assert [r["status"] for r in rows(tmp_path)] == ["done"] * 3 + ["pending"] * 3
    assert not (tmp_path / "pareto.md").exists()
    (tmp_path / "sabotage.json").unlink()
    result = run(tmp_path)
    assert calls(tmp_path) == [0, 1, 2, 3, 3, 4, 5]     # 3 was in flight when interrupted
    assert [r["status"] for r in rows(tmp_path)] == ["done"] * 6
    assert (result.ran, result.skipped) == (3, 3)


KILLED_SWEEP = """
import sys
sys.path.insert(0, {tests!r})
from test_sweep_store import model_point, spec
from scenarios.sweeps import runner
from scenarios.sweeps.executors import WorkerLost
from scenarios.sweeps.runner import run_sweep
run_sweep(spec(), {out!r}, progress=False, point_fn=model_point)
"""


def test_a_killed_sweep_loses_only_the_point_in_flight(tmp_path):
    sabotage(tmp_path, **{"2": "exit"})       # the whole sweep process dies at point 2
    p = subprocess.run([sys.executable, "-c", KILLED_SWEEP.format(tests=str(TESTS),
                                                                  out=str(tmp_path))],
                       capture_output=True, text=True)
    assert p.returncode == 3, p.stderr
    assert [r["status"] for r in rows(tmp_path)] == ["done", "done", "running", "pending",
                                                     "pending", "pending"]
    (tmp_path / "sabotage.json").unlink()
    run(tmp_path)
    assert calls(tmp_path) == [0, 1, 2, 2, 3, 4, 5]
    assert [r["status"] for r in rows(tmp_path)] == ["done"] * 6
    assert rows(tmp_path)[2]["attempts"] == 2


def test_a_changed_design_is_refused_saying_what_changed(tmp_path):
    run(tmp_path)
    with pytest.raises(ConfigError, match=r"holds another sweep; use another --out directory, "
                                          r"or delete it to start over: its design has 6 points, "
                                          r"the sweep file gives 6; point 2 differs: train.lr: "
                                          r"0.2 -> 0.3"):
        run(tmp_path, spec(lrs=(0.1, 0.3, 0.4)))
    with pytest.raises(ConfigError, match=r"its design has 6 points, the sweep file gives 4; the "
                                          r"first points agree"):
        run(tmp_path, spec(lrs=(0.1, 0.2)))
    with pytest.raises(ConfigError, match=r"it ran scenario async_sgd with run_seed 0, the sweep "
                                          r"file says scenario async_sgd with run_seed 1"):
        run(tmp_path, spec(run_seed=1))
    assert calls(tmp_path) == [0, 1, 2, 3, 4, 5]


def test_new_objectives_and_constraints_reuse_the_stored_runs(tmp_path):
    run(tmp_path)
    s = spec(objectives=["max:energy_j"], constraints=["perf.latency_s < 1"])
    result = run(tmp_path, s)
    assert calls(tmp_path) == [0, 1, 2, 3, 4, 5]
    got = rows(tmp_path)
    assert [r["metric:perf.latency_s"] for r in got] == [1.25, 0.625, 0.625, 0.3125, 0.3125,
                                                         0.15625]
    assert [r["feasible"] for r in got] == [0, 1, 1, 1, 1, 1]
    assert [r["pareto"] for r in got] == [0, 0, 0, 0, 0, 1]   # the most energy wins now
    assert [r["idx"] for r in result.analysis.front] == [5]


def test_bad_config_keys_stop_the_sweep_before_anything_is_written(tmp_path):
    table = {"parameters": {"train.lrr": [0.1]}, "objectives": ["min:energy_j"]}
    with pytest.raises(ConfigError, match=r"sweep point 0 \(train.lrr=0.1\): unknown config key"):
        run(tmp_path / "out", parse_sweep(table, scenario="async_sgd"))
    assert not (tmp_path / "out").exists()


def test_a_second_sweep_on_the_same_store_is_refused_while_one_runs(tmp_path):
    first = Store(tmp_path / "results.sqlite", lock=True)
    try:
        with pytest.raises(ConfigError, match=r"another eventsim sweep is running on .*"
                                              r"results.sqlite"):
            run(tmp_path)
    finally:
        first.close()
    run(tmp_path)
    assert calls(tmp_path) == [0, 1, 2, 3, 4, 5]


def test_local_processes_isolate_a_point_that_kills_its_worker(tmp_path):
    sabotage(tmp_path, **{"1": "exit"})
    result = run(tmp_path, workers=2)
    got = rows(tmp_path)
    assert [r["status"] for r in got] == ["done", "failed", "done", "done", "done", "done"]
    assert got[1]["error"].startswith("WorkerLost: the worker process exited while running "
                                      "this point")
    assert not any(r["worker"].endswith(f":{os.getpid()}") for r in got if r["worker"])
    assert [r["metric:energy_j"] for r in got] == [0.8, None, 1.6, 3.2, 3.2, 6.4]
    assert result.executor == "2 local worker processes"


class CrashingPool:
    """A model of a process pool whose worker dies while it runs point ``bad``: every point in
    flight with it is lost (WorkerLost), as in ProcessPoolExecutor."""

    def __init__(self, bad, slots=3):
        self.bad, self.n, self.batches, self.restarts = bad, slots, [], 0

    def slots(self):
        return self.n

    def submit(self, fn, point_fn, task):
        return Handle(task, fn, point_fn)

    def wait(self, handles):
        self.batches.append(sorted(h.task.index for h in handles))
        self.crashed = any(h.task.index == self.bad for h in handles)
        return handles

    def result(self, handle):
        if self.crashed:
            raise WorkerLost("the worker process exited while running this point")
        return handle.fn(handle.point_fn, handle.task)

    def restart(self):
        self.restarts += 1

    def close(self, cancel=False):
        pass

    def describe(self):
        return "a pool that crashes"


class Handle:
    def __init__(self, task, fn, point_fn):
        self.task, self.fn, self.point_fn = task, fn, point_fn

    def done(self):
        return True


def test_the_points_lost_with_a_worker_rerun_one_at_a_time_to_find_the_culprit(tmp_path,
                                                                               monkeypatch):
    pool = CrashingPool(bad=4)
    monkeypatch.setattr(runner, "make_executor", lambda scheduler, workers: pool)
    run(tmp_path, workers=3)
    # batches of 3 in flight; the second batch (3, 4, 5) loses its worker; its points rerun
    # alone: 3 and 5 finish, 4 kills its worker alone and is failed; then nothing is left
    assert pool.batches == [[0, 1, 2], [3, 4, 5], [3], [4], [5]]
    assert pool.restarts == 2
    got = rows(tmp_path)
    assert [r["status"] for r in got] == ["done", "done", "done", "done", "failed", "done"]
    assert got[4]["error"] == ("WorkerLost: the worker process exited while running this "
                               "point")
    assert [r["attempts"] for r in got] == [1, 1, 1, 2, 2, 2]


def test_the_progress_bar_goes_to_stderr_when_asked(tmp_path, capsys):
    sabotage(tmp_path, **{"4": "raise"})
    run(tmp_path, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "sweep async_sgd: 100%" in err and "6/6" in err and "5 done, 1 failed" in err
    run(tmp_path, progress=False)
    assert capsys.readouterr() == ("", "")


def test_a_misspelt_objective_is_warned_about_once_with_the_keys_it_resembles(tmp_path):
    said = []
    result = run(tmp_path, spec(objectives=["min:energy", "min:perf.latency_s"]), warn=said.append)
    assert said == ["eventsim: warning: metric 'energy' (an objective or constraint) is not in "
                    "the results of point 0; similar keys: energy_j; such points are infeasible "
                    "(the sweep goes on)"]
    assert result.analysis.counts["done"] == 6 and result.analysis.feasible == 0
    assert rows(tmp_path)[0]["violations"] == "objective energy missing"
