"""``eventsim sweep --scheduler`` against a real Dask cluster on loopback: a ``dask scheduler``
and one ``dask worker --nthreads 1`` started here as processes, a tiny async_sgd sweep run on
them through the command line, the store checked, both processes stopped."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenarios.sweeps.cli import main
from scenarios.sweeps.store import Store

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (pip install 'eventsim[test]')")

SWEEP = '''
scenario = "async_sgd"

[sweep]
objectives = ["min:methods.0.energy_j", "max:methods.0.final_accuracy"]

[sweep.parameters]
threads = [[2], [4]]

[sweep.fixed]
machines = ["cpu_multicore"]
methods = ["sync"]
"train.epochs" = 1
"train.eval_every" = 20
"plots.representative_threads" = 2
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_cli(*args, log):
    """A ``dask`` sub-command as a process of its own (the console script of this Python)."""
    script = Path(sys.executable).with_name("dask")
    cmd = [str(script), *args] if script.exists() else \
        [sys.executable, "-c", "from distributed.cli.dask import main; main()", *args]
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())


def stop(proc) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def cluster(tmp_path):
    """The scheduler address of a one-worker Dask cluster on 127.0.0.1 (stopped afterwards)."""
    address = f"tcp://127.0.0.1:{free_port()}"
    log = open(tmp_path / "dask.log", "w")
    procs = []
    try:
        procs.append(dask_cli("scheduler", "--host", "127.0.0.1", "--port",
                              address.rsplit(":", 1)[1], "--no-dashboard", log=log))
        procs.append(dask_cli("worker", address, "--nthreads", "1", "--nworkers", "1",
                              "--host", "127.0.0.1", "--no-dashboard", "--death-timeout", "60",
                              log=log))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            stop(p)
        log.close()


def test_a_sweep_runs_on_a_dask_cluster(cluster, tmp_path, capsys):
    path = tmp_path / "dask_sweep.toml"
    path.write_text(SWEEP)
    out = tmp_path / "out"
    t0 = time.perf_counter()
    assert main([str(path), "--out", str(out), "--scheduler", cluster, "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert f"on Dask cluster at {cluster} (1 workers, 1 threads)" in printed
    assert "2 points: 2 done (2 feasible, 0 infeasible), 0 failed, 0 not run" in printed
    with Store(out / "results.sqlite") as s:
        rows = s.rows()
    assert [(r["param:threads"], r["status"]) for r in rows] == [("[2]", "done"), ("[4]", "done")]
    for r in rows:
        host, pid = r["worker"].rsplit(":", 1)
        assert int(pid) != os.getpid()               # ran in the Dask worker's process
        result = json.loads((out / r["run_dir"] / "result.json").read_text())
        assert r["metric:methods.0.energy_j"] == result["methods"][0]["energy_j"]
        assert result["config"]["threads"] == json.loads(r["param:threads"])
    assert rows[0]["worker"] == rows[1]["worker"]     # one worker, one thread
    assert time.perf_counter() - t0 < 120
