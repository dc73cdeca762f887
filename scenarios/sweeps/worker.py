"""What runs on a worker for one design point: the task, its outcome and the point function.

A *point function* takes a ``PointTask`` and returns ``(result, run_dir)`` like
``scenarios.run_scenario`` (``run_dir`` may be None); the default, ``run_scenario_point``, runs
the scenario. ``execute(point_fn, task)`` wraps it: times it, flattens the result to metrics
(``metrics.flatten_metrics``) and turns any ``Exception`` into a failed outcome that carries
the error's type, message and traceback, so the sweep goes on. ``KeyboardInterrupt`` and
``SystemExit`` are not caught: they stop the sweep. Point functions must be module-level (so
that they pickle to worker processes and Dask workers).
"""
from __future__ import annotations

import os
import socket
import time
import traceback as tb
from dataclasses import dataclass
from pathlib import Path

from .metrics import flatten_metrics
from .store import now


@dataclass(frozen=True)
class PointTask:
    """One point to run: its design ``index`` and ``point_id``, the ``scenario``, the ``sets``
    (``"key=TOML-literal"``), the run ``seed``, ``runs_dir`` (absolute: where the run directory
    goes) and ``root`` (absolute: the sweep directory, to which ``run_dir`` is made relative)."""
    index: int
    point_id: str
    scenario: str
    sets: tuple
    seed: int
    runs_dir: str
    root: str


@dataclass(frozen=True)
class Outcome:
    """How a point ended: ``status`` ``"done"`` (with ``metrics``) or ``"failed"`` (with
    ``error`` ``"Type: message"`` and ``traceback``); ``run_dir`` relative to the sweep
    directory (or absolute when outside it); ``wall_s`` in seconds; ``started`` / ``finished``
    local ISO 8601 timestamps; ``worker`` as ``host:pid``."""
    index: int
    status: str
    metrics: dict | None = None
    error: str | None = None
    traceback: str | None = None
    run_dir: str | None = None
    wall_s: float | None = None
    started: str | None = None
    finished: str | None = None
    worker: str | None = None


def run_scenario_point(task: PointTask):
    """Run the task's scenario: ``scenarios.run_scenario(scenario, sets, seed=, out=runs_dir,
    progress=False)`` -> (result, run directory)."""
    from scenarios import run_scenario
    return run_scenario(task.scenario, list(task.sets), seed=task.seed, out=task.runs_dir,
                        progress=False)


def error_text(e: BaseException) -> str:
    """``"Type: message"`` of an exception (the type alone when it has no message)."""
    message = str(e).strip()
    return f"{type(e).__name__}: {message}" if message else type(e).__name__


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _relative(run_dir, root: str) -> str | None:
    if run_dir is None:
        return None
    path = Path(run_dir).resolve()
    try:
        return path.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def failed(task: PointTask, error: str, trace: str | None = None, **times) -> Outcome:
    """A failed outcome of ``task`` with ``error`` (``"Type: message"``)."""
    return Outcome(task.index, "failed", error=error, traceback=trace, **times)


def execute(point_fn, task: PointTask) -> Outcome:
    """Run ``point_fn(task)`` and say how it ended (see the module docstring)."""
    started, t0 = now(), time.perf_counter()
    who = worker_name()
    try:
        result, run_dir = point_fn(task)
        metrics = flatten_metrics(result)
    except Exception as e:  # noqa: BLE001 - a bad point is recorded, the sweep goes on
        return failed(task, error_text(e), tb.format_exc(), wall_s=time.perf_counter() - t0,
                      started=started, finished=now(), worker=who)
    return Outcome(task.index, "done", metrics=metrics, run_dir=_relative(run_dir, task.root),
                   wall_s=time.perf_counter() - t0, started=started, finished=now(), worker=who)
